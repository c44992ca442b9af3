"""Hostile inputs a careful user tried (issue 10) and the model errors told apart (issue 11):
a CUDA device that is not there, a model that is not Marian, an empty model folder, NUL
bytes late in a file, a wrong --encoding, a read-only cache, a weight file swapped under
the same size and mtime, short plain Norwegian taken for another language."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import translate.backends as backends
from translate import devices, models
from translate.backends import choose_backend
from translate.backends.ctranslate2_backend import converted_model_dir
from translate.cache import DB_NAME, Cache, make_key
from translate.cli import app
from translate.errors import (
    CacheReadOnlyError,
    DeviceUnavailableError,
    InputError,
    ModelCorruptError,
    ModelNotAvailableOffline,
    ModelNotFoundError,
    NotATranslationModelError,
)
from translate.io import decode_source
from translate.language import looks_norwegian
from translate.models import resolve_model

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "Regjeringen la fram budsjettet i dag.\n\nFinansministeren sier at det blir 12 nye tiltak i Tromsø.\n"
NO_GPU = "CUDA was requested but no GPU is available; use --device cpu or auto."


def run_cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def run_nb2en(*args, wrapper: list[str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    command = [*(wrapper or []), sys.executable, "-m", "translate", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300)


def one_line_error(result, code: int) -> str:
    assert result.exit_code == code, result.output
    message = result.stderr.strip()
    assert "Traceback" not in result.output and len(message.splitlines()) == 1, message
    return message


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- 5: --device cuda without a GPU


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2", "auto"])
def test_cuda_without_a_gpu_is_a_usage_error_before_any_load(backend, article, tiny_marian_dir, monkeypatch):
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    loads = []
    monkeypatch.setattr(backends.TranslationBackend, "ensure_loaded", lambda self: loads.append(self))
    result = run_cli("translate", article, "--model", tiny_marian_dir, "--backend", backend, "--device", "cuda", "--no-cache")
    assert one_line_error(result, 2) == f"nb2en: {NO_GPU}"
    assert loads == []
    with pytest.raises(DeviceUnavailableError):
        choose_backend(backend, "cuda", resolve_model(str(tiny_marian_dir)))


@pytest.mark.skipif(devices.cuda_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_really(article, tiny_marian_dir):
    done = run_nb2en("translate", article, "--model", tiny_marian_dir, "--backend", "transformers", "--device", "cuda", "--no-cache")
    assert done.returncode == 2 and done.stderr.strip() == f"nb2en: {NO_GPU}", done.stderr


# --------------------------------------------------------------------------- 6, 11: what --model points at


@pytest.mark.parametrize("fixture, kind", [("tiny_t5_dir", "t5"), ("tiny_causal_lm_dir", "qwen2")])
def test_a_model_that_is_not_marian_is_refused(fixture, kind, request, article, monkeypatch):
    model_dir = request.getfixturevalue(fixture)
    loads = []
    monkeypatch.setattr(backends.TranslationBackend, "ensure_loaded", lambda self: loads.append(self))
    for backend in ("auto", "transformers", "ctranslate2"):
        result = run_cli("translate", article, "--model", model_dir, "--backend", backend, "--no-cache")
        message = one_line_error(result, 2)
        assert "not a Marian translation model" in message and kind in message and "--summary-model" in message
    assert loads == []
    with pytest.raises(NotATranslationModelError):
        choose_backend("auto", "cpu", resolve_model(str(model_dir)))


def test_an_empty_model_folder_is_one_short_sentence(article, tmp_path):
    empty = tmp_path / "empty-model"
    empty.mkdir()
    message = one_line_error(run_cli("translate", article, "--model", empty, "--no-cache"), 2)
    assert "is empty" in message and "sentencepiece" not in message and "tiktoken" not in message
    with pytest.raises(ModelNotFoundError):
        resolve_model(str(empty))


def test_model_errors_say_offline_not_found_or_corrupt(tmp_path, tiny_marian_dir, monkeypatch):
    import huggingface_hub.constants

    hub = tmp_path / "hub"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))
    with pytest.raises(ModelNotAvailableOffline, match="nb2en models download nb2en-test/absent"):
        resolve_model("nb2en-test/absent")
    with pytest.raises(ModelNotFoundError, match="No model directory"):
        resolve_model(str(tmp_path / "missing"))
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    with pytest.raises(ModelNotFoundError, match="is a file"):
        resolve_model(str(tmp_path / "a-file"))
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        resolve_model(str(stray))

    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_marian_dir, damaged)
    (damaged / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelCorruptError, match="damaged config.json"):
        resolve_model(str(damaged))
    weightless = tmp_path / "weightless"
    shutil.copytree(tiny_marian_dir, weightless)
    for weights in weightless.glob("*.safetensors"):
        weights.unlink()
    with pytest.raises(ModelCorruptError, match="no weights"):
        resolve_model(str(weightless))

    # A hub snapshot whose download stopped before config.json: corrupt, not "not available".
    repo = hub / "models--nb2en-test--partial"
    revision = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision, encoding="utf-8")
    (repo / "snapshots" / revision).mkdir(parents=True)
    (repo / "snapshots" / revision / "source.spm").write_bytes(b"x")
    with pytest.raises(ModelCorruptError, match="incompletely downloaded.*nb2en models download nb2en-test/partial"):
        resolve_model("nb2en-test/partial")

    assert run_cli("translate", "-", "--model", damaged, "--no-cache").exit_code == 1  # corrupt: the work failed
    assert run_cli("translate", "-", "--model", tmp_path / "missing", "--no-cache").exit_code == 2  # bad usage


# --------------------------------------------------------------------------- 7, 11: reading


def test_a_nul_byte_after_the_first_8_kb_makes_the_file_binary(tmp_path):
    late = tmp_path / "late-nul.txt"
    late.write_bytes(("Regjeringen la fram budsjettet i dag. " * 400).encode() + b"\x00" + b"Mer tekst.\n")
    assert late.stat().st_size > 8192 + 100
    result = run_cli("split", late)
    assert result.exit_code == 2 and "binary" in result.stderr and result.stdout == ""
    # UTF-16 and UTF-32 text is full of NUL bytes and stays text.
    wide = decode_source(ARTICLE.encode("utf-16"), "wide.txt")
    assert wide.text == ARTICLE and not wide.warnings


def test_wrong_encoding_warns_when_the_text_is_implausible():
    utf8 = ARTICLE.encode("utf-8")
    garbled = decode_source(utf8 + b" " * (len(utf8) % 2), "article.txt", "utf-16")
    assert any("--encoding is probably wrong" in w for w in garbled.warnings), garbled.warnings
    for data, encoding in [(utf8, "utf-8"), (ARTICLE.encode("cp1252"), "latin-1"), (ARTICLE.encode("utf-16"), "utf-16")]:
        assert decode_source(data, "article.txt", encoding).warnings == []


def test_a_control_character_late_in_the_file_counts(tmp_path):
    controls = ("Regjeringen la fram budsjettet i dag. " * 400 + "\x01\x02\x03" * 200).encode()
    with pytest.raises(InputError, match="control characters"):
        decode_source(controls, "controls.txt")


SHORT_BOKMAL = [
    "Regjeringen la fram budsjettet i dag.",
    "Politiet rykket ut til stedet i natt.",
    "Statsministeren holdt tale i Bergen onsdag.",
    "Prisene steg kraftig i fjor.",
    "Han ble arrestert etter ranet tirsdag.",
    "Stortinget vedtok loven med stort flertall.",
]
ENGLISH = [
    "The government presented the budget today in Oslo.",
    "I think I will go to the market tomorrow with my friends.",
    "The mayor of Tromsø said that the city would open a new school next year.",
]


@pytest.mark.parametrize("sentence", SHORT_BOKMAL)
def test_short_plain_bokmal_is_norwegian(sentence):
    from translate.pipeline import prepare_article

    assert looks_norwegian(sentence)
    warnings = prepare_article(decode_source(sentence.encode(), "short.txt")).warnings
    assert not any("does not look like Norwegian" in w for w in warnings)


@pytest.mark.parametrize("text", ENGLISH)
def test_clearly_english_text_still_warns(text):
    assert not looks_norwegian(text)


# --------------------------------------------------------------------------- 9: a read-only cache


def read_only_wrapper(path: Path) -> list[str] | None:
    """A command prefix that runs a command with ``path`` mounted read-only (root ignores chmod)."""
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    wrapper = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, str(path)]
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run([*wrapper, "sh", "-c", f'! touch "{path}/.probe" 2>/dev/null'], capture_output=True)
    return wrapper if probe.returncode == 0 else None


@pytest.fixture
def read_only(tmp_path):
    """Yield a function making a folder read-only for the commands it wraps: a read-only bind
    mount in a private mount namespace as root, plain chmod for anyone else."""
    restore: list[tuple[Path, int]] = []

    def make(path: Path) -> list[str]:
        if os.geteuid() == 0:
            wrapper = read_only_wrapper(path)
            if wrapper is None:
                pytest.skip("root ignores chmod and no read-only mount is possible here (unshare)")
            return wrapper
        for item in [path, *path.rglob("*")]:
            restore.append((item, item.stat().st_mode))
            item.chmod(item.stat().st_mode & ~0o222)
        return []

    yield make
    for item, mode in reversed(restore):
        item.chmod(mode)


def test_a_read_only_cache_serves_hits_and_warns_that_new_results_are_not_cached(
    article, tiny_marian_dir, tmp_path, read_only
):
    cache_dir = Path(os.environ["NB2EN_CACHE_DIR"])
    first = run_nb2en("translate", article, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "json")
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in cache_dir.glob(DB_NAME + "*")}
    wrapper = read_only(cache_dir)

    again = run_nb2en("translate", article, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "json", wrapper=wrapper)
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["cache"]["misses"] == 0 and data["cache"]["hits"] > 0
    assert [b["target"] for b in data["blocks"]] == [b["target"] for b in json.loads(first.stdout)["blocks"]]

    edited = tmp_path / "edited.txt"
    edited.write_text(ARTICLE + "\nEn helt ny setning om været i morgen.\n", encoding="utf-8")
    new = run_nb2en("translate", edited, "--model", tiny_marian_dir, "--beam-size", "1", "-f", "json", wrapper=wrapper)
    assert new.returncode == 0, new.stderr
    assert json.loads(new.stdout)["cache"]["hits"] > 0
    assert "read-only" in new.stderr and "nothing more from this run will be cached" in new.stderr
    assert "cache clear" not in new.stderr and len(new.stderr.strip().splitlines()) == 1

    stats = run_nb2en("cache", "stats", "--json", wrapper=wrapper)
    assert stats.returncode == 0 and json.loads(stats.stdout)["entries"] > 0, stats.stderr
    assert {p.name: p.read_bytes() for p in cache_dir.glob(DB_NAME + "*")} == before


def test_writing_to_a_read_only_cache_never_advises_clearing_it(tmp_path, read_only):
    cache_dir = Path(os.environ["NB2EN_CACHE_DIR"])
    key = make_key("sentence", {"text": "Hei."})
    with Cache() as cache:
        cache.put_many([(key, "sentence", "Hi.", [])])
    script = f"""
from translate.cache import Cache
from translate.errors import CacheReadOnlyError
cache = Cache()
assert cache.read_only and "read-only" in cache.notice, cache.notice
assert cache.get_many([{key!r}]) == {{{key!r}: ("Hi.", [])}}
try:
    cache.put_many([("k", "sentence", "v", [])])
except CacheReadOnlyError as error:
    assert "cache clear" not in str(error), str(error)
    print("refused:", error)
"""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [*read_only(cache_dir), sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0 and "refused:" in done.stdout, done.stderr
    assert issubclass(CacheReadOnlyError, Exception)


def test_a_cache_folder_that_cannot_be_created_is_a_permission_problem(tmp_path, read_only):
    parent = tmp_path / "locked"
    parent.mkdir()
    script = """
from translate.cache import Cache
from translate.errors import CachePermissionError
try:
    Cache(%r)
except CachePermissionError as error:
    assert "cache clear" not in str(error)
    print("refused:", error)
""" % str(parent / "cache")
    done = subprocess.run(
        [*read_only(parent), sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
    )
    assert done.returncode == 0 and "refused:" in done.stdout and "--no-cache" in done.stdout, done.stderr


# --------------------------------------------------------------------------- 10: a weight file swapped under cp -p


def test_a_weight_file_swapped_with_same_size_and_mtime_changes_the_identity(tiny_marian_dir, tmp_path, monkeypatch):
    model = tmp_path / "model"
    shutil.copytree(tiny_marian_dir, model)
    big = model / "extra-weights.safetensors"
    big.write_bytes(os.urandom(17 * 1024 * 1024))  # bigger than any "small file" shortcut
    hashed: list[Path] = []
    original_hash = models._hash_file
    monkeypatch.setattr(models, "_hash_file", lambda path: hashed.append(path) or original_hash(path))

    first = resolve_model(str(model))
    assert resolve_model(str(model)).revision == first.revision
    assert hashed.count(big) == 1  # memoised: a big model is hashed once, not on every run

    stat = big.stat()
    with open(big, "r+b") as handle:  # same size, then the old mtime back, like `cp -p` over it
        handle.write(os.urandom(4096))
    os.utime(big, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert big.stat().st_size == stat.st_size and big.stat().st_mtime_ns == stat.st_mtime_ns

    swapped = resolve_model(str(model))
    assert swapped.revision != first.revision
    root = tmp_path / "cache"
    assert converted_model_dir(root, swapped.id, swapped.revision, "int8") != converted_model_dir(
        root, first.id, first.revision, "int8"
    )
    assert (Path(os.environ["NB2EN_CACHE_DIR"]) / models._HashMemo.FILE_NAME).is_file()
