"""`nb2en batch --engine ray` on a real local Ray: the local engine's outputs and report, a
rerun that skips everything, a killed actor survived, a bad address refused fast.

One local Ray is shared by the module (the engine finds it and leaves it running); one test
starts its own in a subprocess, as a user's run does. The tiny Marian (random weights) runs
through CTranslate2 int8: actors run one thread each, the local engine two, and the outputs
must still be byte for byte the same.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason='the Ray engine needs Ray: pip install "nb2en[ray]" (CI installs it)')

from typer.testing import CliRunner  # noqa: E402

from translate.backends import BackendChoice, DecodingSettings, create_backend  # noqa: E402
from translate.batch import REPORT_NAME, BatchOptions, create_engine, run_batch  # noqa: E402
from translate.batch.engines.ray import (  # noqa: E402
    RayMissTranslator,
    RayOptions,
    RayUnavailableError,
    check_address,
)
from translate.cli import app  # noqa: E402
from translate.errors import ModelLoadError  # noqa: E402
from translate.faithful import translate_texts  # noqa: E402
from translate.models import ModelRef, resolve_model  # noqa: E402
from translate.pipeline import Translator  # noqa: E402
from translate.settings import Settings  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
# Report fields that are measurements of one run, not results.
TIMING_FIELDS = {"seconds", "finished"}


@pytest.fixture(scope="module")
def local_ray():
    """One small local Ray for the module."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="nb2en-tests")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory) -> Path:
    """The tiny model's CTranslate2 conversion, shared by the module (and by the actors)."""
    return tmp_path_factory.mktemp("ray-ct2")


@pytest.fixture(scope="module")
def articles(tmp_path_factory, sample_article_module) -> Path:
    """Nine short articles in nested folders, from the seed article's paragraphs."""
    root = tmp_path_factory.mktemp("ray-in")
    blocks = [b for b in sample_article_module.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    rng = random.Random(3)
    for i in range(9):
        chosen = rng.sample(blocks[1:-1], 2)
        unique = f"Saken ble oppdatert {i + 1}. november klokka {8 + i}.{i:02d}, melder NTB."
        path = root / ["", "innland", "utland/syria"][i % 3] / f"sak-{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join([chosen[0], unique, chosen[1], blocks[-1]]) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sample_article_module() -> Path:
    return REPO_ROOT / "seeds" / "ntb-2017-11-albu-kamal.txt"


def batch_args(in_dir, out_dir, model_dir, ct2_dir, *extra) -> list[str]:
    return [
        "batch", str(in_dir), str(out_dir), "--model", str(model_dir), "--beam-size", "2",
        "--cache-dir", str(ct2_dir), "--no-cache", "--quiet", *extra,
    ]


def report(out_dir: Path) -> list[dict]:
    rows = [json.loads(line) for line in (out_dir / REPORT_NAME).read_text(encoding="utf-8").splitlines()]
    return sorted(({k: v for k, v in row.items() if k not in TIMING_FIELDS} for row in rows), key=lambda r: r["path"])


def outputs(out_dir: Path) -> dict[str, object]:
    """Every output; a JSON output without its ``timings`` (a measurement, not a result)."""
    found: dict[str, object] = {}
    for path in sorted(out_dir.rglob("*.en.*")):
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("timings")
            found[str(path.relative_to(out_dir))] = data
        else:
            found[str(path.relative_to(out_dir))] = path.read_bytes()
    return found


# --------------------------------------------------------------------------- the batch


def test_same_outputs_and_report_as_local_then_a_rerun_skips_everything(
    local_ray, articles, tiny_marian_dir, ct2_dir, tmp_path
):
    runner = CliRunner()
    glossary = tmp_path / "glossary.tsv"  # applied on the driver, around the actors' work
    glossary.write_text("Albu Kamal\tAbu Kamal\nSOHR\tSOHR\n", encoding="utf-8")
    common = ("-f", "json", "--glossary", str(glossary))
    local = runner.invoke(app, batch_args(articles, tmp_path / "local", tiny_marian_dir, ct2_dir, *common))
    assert local.exit_code == 0, local.output
    on_ray = runner.invoke(
        app, batch_args(articles, tmp_path / "ray", tiny_marian_dir, ct2_dir, *common,
                        "--engine", "ray", "--actors", "2", "--window-sentences", "256"),
    )
    assert on_ray.exit_code == 0, on_ray.output
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local") and len(outputs(tmp_path / "local")) == 9
    assert "Abu Kamal" in json.dumps(outputs(tmp_path / "ray"))
    assert report(tmp_path / "ray") == report(tmp_path / "local")

    again = runner.invoke(app, batch_args(articles, tmp_path / "ray", tiny_marian_dir, ct2_dir, *common,
                                          "--engine", "ray", "--actors", "2"))
    assert again.exit_code == 0, again.output
    assert {row["status"] for row in report(tmp_path / "ray")} == {"skipped"}


def test_a_killed_actor_costs_only_a_retry(local_ray, articles, tiny_marian_dir, ct2_dir, tmp_path):
    settings = Settings(model=str(tiny_marian_dir), backend="ctranslate2", device="cpu", beam_size=2,
                        cache_dir=ct2_dir, use_cache=False)
    with Translator(settings) as translator:
        local = run_batch(BatchOptions(articles, tmp_path / "local"), translator)
    killed: list[int] = []
    # Many small windows, so that the kill lands in the middle of the run.
    with Translator(settings) as translator, create_engine("ray", translator, actors=2, window_texts=4) as engine:
        pool = engine.misses
        pids = pool.actor_pids()

        def kill_first_actor_once(actor_index: int, window: int) -> None:
            if actor_index == 0 and not killed:
                os.kill(pids[0], signal.SIGKILL)  # the window just sent to it is now in flight
                killed.append(window)

        pool.on_dispatch = kill_first_actor_once
        summary = run_batch(BatchOptions(articles, tmp_path / "ray"), translator, engine=engine)
        assert killed and pool.stats["retried_windows"] >= 1
        pool.on_dispatch = None
        assert pool.actor_pids()[0] != pids[0]  # Ray restarted it; it works again
    assert (summary.ok, summary.failed) == (local.ok, 0) == (9, 0)
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    rows = [json.loads(line) for line in (tmp_path / "ray" / REPORT_NAME).read_text(encoding="utf-8").splitlines()]
    assert sorted(row["path"] for row in rows) == sorted({row["path"] for row in rows})  # one row per file


def test_an_unreachable_address_is_one_line_and_exit_1(articles, tiny_marian_dir, ct2_dir, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("RAY_ADDRESS", None)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "translate", *batch_args(articles, tmp_path / "out", tiny_marian_dir, ct2_dir,
                                                       "--engine", "ray", "--ray-address", f"127.0.0.1:{port}")],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--ray-address" in lines[0] and "Traceback" not in done.stderr


def test_ray_options_need_the_ray_engine_and_gpus_need_cuda(articles, tiny_marian_dir, ct2_dir, tmp_path):
    runner = CliRunner()
    local_with_ray_option = runner.invoke(app, batch_args(articles, tmp_path / "a", tiny_marian_dir, ct2_dir, "--actors", "2"))
    assert local_with_ray_option.exit_code == 2 and "--engine ray" in local_with_ray_option.output
    cuda_without_gpus = runner.invoke(
        app, batch_args(articles, tmp_path / "b", tiny_marian_dir, ct2_dir, "--engine", "ray", "--device", "cuda")
    )
    assert cuda_without_gpus.exit_code == 2 and "--gpus-per-actor" in cuda_without_gpus.output
    unknown = runner.invoke(app, batch_args(articles, tmp_path / "c", tiny_marian_dir, ct2_dir, "--engine", "spark"))
    assert unknown.exit_code == 2


# --------------------------------------------------------------------------- the actor pool


def make_backend(model_dir: Path, cache_dir: Path, model: ModelRef | None = None):
    choice = BackendChoice("ctranslate2", "cpu", "int8", "test")
    return create_backend(model or resolve_model(str(model_dir)), choice, DecodingSettings(beam_size=2), cache_dir)


def test_pool_results_equal_in_process_for_any_window(local_ray, tiny_marian_dir, ct2_dir):
    lines = (REPO_ROOT / "tests" / "data" / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if 3 <= len(line.split()) <= 30][:40]
    expected = translate_texts(make_backend(tiny_marian_dir, ct2_dir), texts, repair=True)
    options = RayOptions(actors=2, window_texts=7)
    with RayMissTranslator(make_backend(tiny_marian_dir, ct2_dir), repair=True, options=options) as pool:
        assert pool(texts) == expected
        assert pool.stats["windows"] == 6 and len(set(pool.actor_pids())) == 2
        pool.options = RayOptions(actors=2)  # the automatic windows (two per actor)
        assert pool(texts[::-1]) == expected[::-1]
        assert pool([]) == []
    assert any(result.flags for result in expected)  # the repair and the flags took part


def test_an_actor_with_another_model_revision_is_refused(local_ray, tiny_marian_dir, ct2_dir):
    real = resolve_model(str(tiny_marian_dir))
    backend = make_backend(tiny_marian_dir, ct2_dir, model=ModelRef(real.id, real.path, "local:0000000000000000"))
    with RayMissTranslator(backend, options=RayOptions(actors=1)) as pool:
        with pytest.raises(ModelLoadError, match="revision"):
            pool(["Hei."])


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


def test_a_run_starts_and_stops_its_own_local_ray(articles, tiny_marian_dir, ct2_dir, tmp_path):
    """The user's path: no Ray running in the process; the engine starts one and stops it."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("RAY_ADDRESS", None)
    code = (
        "import sys\n"
        "from translate.cli import main\n"
        "sys.argv = ['nb2en'] + sys.argv[1:]\n"
        "code = 0\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "ray = sys.modules.get('ray')\n"
        "print('ray still initialized:', bool(ray and ray.is_initialized()), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *batch_args(articles, tmp_path / "out", tiny_marian_dir, ct2_dir,
                                                 "--engine", "ray", "--actors", "1")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "ray still initialized: False" in done.stderr
    assert len(outputs(tmp_path / "out")) == 9


def test_importing_the_engine_does_not_import_ray():
    code = "import sys, translate.batch.engines.ray, translate.cli; sys.exit('ray' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    assert subprocess.run([sys.executable, "-c", code], env=env, timeout=60).returncode == 0
