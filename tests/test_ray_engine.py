"""The Ray miss translator on a real local Ray: same results as in-process, a killed actor
survived, a bad address refused fast. One local Ray is shared by the whole module.

The tiny Marian (random weights) runs through CTranslate2 int8 at beam 2: the actors run one
thread each, the in-process reference as many as this machine has, and the outputs must still
be identical.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason='the Ray engine needs Ray: pip install "nb2en[ray]"')

from translate.backends import BackendChoice, DecodingSettings, create_backend  # noqa: E402
from translate.errors import ModelLoadError  # noqa: E402
from translate.faithful import translate_texts  # noqa: E402
from translate.models import ModelRef, resolve_model  # noqa: E402
from translate.ray_engine import RayMissTranslator, RayOptions, RayUnavailableError, check_address  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def local_ray():
    """One small local Ray for the module (the translators find it and leave it running)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="nb2en-tests")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ray-ct2")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    lines = (REPO_ROOT / "tests" / "data" / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()
    chosen = [line.strip() for line in lines if 3 <= len(line.split()) <= 30][:48]
    return chosen + ["Hei.", "Regjeringen vil bruke 15 000 kroner på dette i 2018."]


def make_backend(model_dir: Path, cache_dir: Path, model: ModelRef | None = None):
    choice = BackendChoice("ctranslate2", "cpu", "int8", "test")
    return create_backend(model or resolve_model(str(model_dir)), choice, DecodingSettings(beam_size=2), cache_dir)


@pytest.fixture(scope="module")
def expected(tiny_marian_dir, ct2_cache, texts):
    """The in-process reference: what the local engine computes for these misses."""
    return translate_texts(make_backend(tiny_marian_dir, ct2_cache), texts, repair=True)


def test_actors_return_exactly_the_in_process_results(local_ray, tiny_marian_dir, ct2_cache, texts, expected):
    options = RayOptions(actors=2, window_texts=7)
    with RayMissTranslator(make_backend(tiny_marian_dir, ct2_cache), repair=True, options=options) as translator:
        results = translator(texts)
        assert translator.stats["windows"] == 8 and translator.stats["retried_windows"] == 0
        assert len(set(translator.actor_pids())) == 2
        # The automatic window size (strided over both actors) gives the same results too.
        assert translator.translate_misses(list(reversed(texts))) == list(reversed(expected))
        assert translator.translate_misses([]) == []
    assert [(r.target, r.flags) for r in results] == [(e.target, e.flags) for e in expected]
    assert any(r.flags for r in results)  # random weights run into the cap: repair and flags took part


def test_a_killed_actor_costs_only_a_retry_of_its_windows(local_ray, tiny_marian_dir, ct2_cache, texts, expected):
    killed: list[int] = []
    options = RayOptions(actors=2, window_texts=5)

    def kill_first_actor_once(actor_index: int, window: int) -> None:
        if actor_index == 0 and not killed:
            os.kill(pids[0], signal.SIGKILL)  # the window just sent to it is now in flight
            killed.append(window)

    translator = RayMissTranslator(make_backend(tiny_marian_dir, ct2_cache), options=options)
    with translator:
        pids = translator.actor_pids()
        translator.on_dispatch = kill_first_actor_once
        results = translator(texts)
        assert killed and translator.stats["retried_windows"] >= 1
        assert translator.stats["windows"] == 10 + translator.stats["retried_windows"]
        translator.on_dispatch = None
        new_pids = translator.actor_pids()  # Ray restarted the killed actor
        assert new_pids[0] != pids[0] and new_pids[1] == pids[1]
    assert results == expected


def test_an_actor_whose_model_differs_is_refused_with_the_reason(local_ray, tiny_marian_dir, ct2_cache):
    real = resolve_model(str(tiny_marian_dir))
    other_revision = ModelRef(real.id, real.path, "local:0000000000000000")
    backend = make_backend(tiny_marian_dir, ct2_cache, model=other_revision)
    with RayMissTranslator(backend, options=RayOptions(actors=1)) as translator:
        with pytest.raises(ModelLoadError, match="revision"):
            translator(["Hei."])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_address_fails_fast_with_one_line():
    started = time.monotonic()
    with pytest.raises(RayUnavailableError) as caught:
        check_address(f"127.0.0.1:{free_port()}", timeout=3)
    assert time.monotonic() - started < 5
    assert "\n" not in str(caught.value) and "--ray-address" in str(caught.value)


def test_an_address_that_is_not_ray_fails_fast():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def answer_http() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n")

    thread = threading.Thread(target=answer_http, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        with pytest.raises(RayUnavailableError, match="not Ray"):
            check_address(f"127.0.0.1:{server.getsockname()[1]}", timeout=2)
        assert time.monotonic() - started < 6
    finally:
        stop.set()
        thread.join()
        server.close()


def test_importing_the_engine_does_not_import_ray():
    code = "import sys, translate.ray_engine; sys.exit('ray' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0
