"""The content-hash cache: never pay twice for the same sentence.

End to end through the CLI with the tiny real Marian model: a second run is all hits and
loads no model library, one edited sentence is one miss, any change of model, backend or
decoding is all misses, processes share one cache, and a broken cache is reported with
advice and takes nothing else down with it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translate import cache as cache_module
from translate import faithful, pipeline, segment
from translate.backends import DecodingSettings, create_backend
from translate.cache import DB_NAME, SCHEMA_VERSION, Cache, cache_stats, make_key
from translate.cli import app
from translate.errors import CacheError
from translate.pipeline import Translator
from translate.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
HEAVY_MODULES = ("torch", "transformers", "ctranslate2")
EDITED_FROM = "Blant ofrene her skal det være to barn."
EDITED_TO = "Blant ofrene her skal det være tre barn."


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """This test's cache folder, also set as $NB2EN_CACHE_DIR for in-process and subprocess runs."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("NB2EN_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def short_article(sample_article, tmp_path) -> Path:
    """The sample's first paragraphs: enough for the slower transformers backend in tests."""
    blocks = sample_article.read_text(encoding="utf-8").split("\n\n")[:4]
    path = tmp_path / "short.txt"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def one_torch_thread():
    """In-process transformers runs on one thread: on a busy 2-core machine torch's thread pool
    makes tiny-model generation 10-20x slower, and these tests are about caching, not speed."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run_cli(*args: str):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def translate_json(path, model_dir, *extra) -> dict:
    result = run_cli("translate", path, "--model", model_dir, "--format", "json", "--beam-size", "1", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_nb2en(*args, importtime: bool = False, **popen) -> subprocess.CompletedProcess:
    """``python -m translate ...`` in a fresh interpreter (the environment, cache dir included, is inherited)."""
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "translate", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300, **popen)


def imported_modules(importtime_stderr: str) -> set[str]:
    """Module names from ``-X importtime`` lines (``import time: self | cumulative | name``)."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime_stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def translatable(data: dict) -> list[dict]:
    return [s for b in data["blocks"] for s in b["sentences"] if "passthrough" not in s["flags"]]


# --- keys ---------------------------------------------------------------------------------


def test_make_key_is_prefixed_canonical_and_sensitive_to_every_field():
    base = {"text": "Hei.", "model": {"id": "m", "revision": "r", "beam_size": 4}, "segmenter": "s1"}
    key = make_key("sentence", base)
    assert key.startswith("sha256:") and len(key) == len("sha256:") + 64
    reordered = {"segmenter": "s1", "model": {"beam_size": 4, "revision": "r", "id": "m"}, "text": "Hei."}
    assert make_key("sentence", reordered) == key
    variants = [
        make_key("summary", base),
        make_key("sentence", {**base, "text": "Hei!"}),
        make_key("sentence", {**base, "segmenter": "s2"}),
        make_key("sentence", {**base, "model": {**base["model"], "revision": "r2"}}),
        make_key("sentence", {**base, "model": {**base["model"], "beam_size": 5}}),
    ]
    assert len({key, *variants}) == len(variants) + 1


def test_sentence_key_covers_model_backend_decoding_segmenter_and_repair(tiny_marian_dir, cache_dir, monkeypatch):
    def key(**changes) -> str:
        settings = Settings(model=str(tiny_marian_dir), **{"beam_size": 1, **changes})
        return Translator(settings, cache=cache_module.NullCache()).sentence_key("Hunden sover.")

    base = key()
    assert key() == base
    keys = {
        "beam": key(beam_size=2),
        "backend": key(backend="transformers"),
        "repair": key(repair=False),
    }
    translator = Translator(Settings(model=str(tiny_marian_dir), beam_size=1), cache=cache_module.NullCache())
    translator.backend = create_backend(
        translator.model_ref, translator.choice, DecodingSettings(beam_size=1, length_ratio=2.0)
    )
    keys["decoding"] = translator.sentence_key("Hunden sover.")
    monkeypatch.setattr(segment, "SEGMENTER_VERSION", segment.SEGMENTER_VERSION + "-next")
    keys["segmenter"] = key()
    monkeypatch.setattr(faithful, "FAITHFUL_VERSION", faithful.FAITHFUL_VERSION + "-next")
    keys["faithful"] = key()
    assert base not in keys.values()
    assert len(set(keys.values())) == len(keys), keys


# --- the pipeline through the CLI -------------------------------------------------------------


@pytest.mark.parametrize("backend", ["auto", "ctranslate2", "transformers"])
def test_second_run_is_all_hits_identical_and_loads_no_model_library(
    sample_article, short_article, tiny_marian_dir, cache_dir, tmp_path, backend, request
):
    if backend == "transformers":  # torch generate is far slower than CTranslate2 on a busy CPU
        sample_article = short_article
        request.getfixturevalue("one_torch_thread")
    first = translate_json(sample_article, tiny_marian_dir, "--backend", backend)
    wanted = translatable(first)
    assert first["cache"] == {"hits": 0, "misses": len(wanted)} and wanted
    assert not any(s["cached"] for s in wanted)
    first_text = tmp_path / "first.txt"
    result = run_cli("translate", sample_article, "--model", tiny_marian_dir, "--beam-size", "1",
                     "--backend", backend, "-o", first_text)
    assert result.exit_code == 0, result.output

    second_text = tmp_path / "second.txt"
    proc = run_nb2en("translate", sample_article, "--model", tiny_marian_dir, "--beam-size", "1",
                     "--backend", backend, "-o", second_text, importtime=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert second_text.read_bytes() == first_text.read_bytes()
    modules = imported_modules(proc.stderr)
    assert "translate.pipeline" in modules  # the importtime report was really parsed
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY_MODULES)
    assert heavy == [], f"a fully cached run imported {heavy[:5]}"

    again = translate_json(sample_article, tiny_marian_dir, "--backend", backend)
    assert again["cache"] == {"hits": len(wanted), "misses": 0}
    assert all(s["cached"] for s in translatable(again))
    assert again["blocks"] == [
        {**b, "sentences": [
            {**s, "cached": s["cached"] or "passthrough" not in s["flags"], "origin": "passthrough" if "passthrough" in s["flags"] else "cache"}
            for s in b["sentences"]
        ]}
        for b in first["blocks"]
    ]


def test_editing_one_sentence_retranslates_that_sentence_only(sample_article, tiny_marian_dir, cache_dir, tmp_path):
    article = tmp_path / "article.txt"
    text = sample_article.read_text(encoding="utf-8")
    assert text.count(EDITED_FROM) == 1
    article.write_text(text, encoding="utf-8")
    first = translate_json(article, tiny_marian_dir)
    article.write_text(text.replace(EDITED_FROM, EDITED_TO), encoding="utf-8")
    edited = translate_json(article, tiny_marian_dir)
    total = len(translatable(first))
    assert len(translatable(edited)) == total
    assert edited["cache"] == {"hits": total - 1, "misses": 1}
    assert [s["source"] for s in translatable(edited) if not s["cached"]] == [EDITED_TO]


def test_changing_beam_backend_or_model_misses_everything(
    short_article, tiny_marian_dir, cache_dir, tmp_path, one_torch_thread
):
    # The one (slow) transformers run goes first; switching to CTranslate2 is the backend change.
    base = translate_json(short_article, tiny_marian_dir, "--backend", "transformers")
    total = base["cache"]["misses"]
    assert total >= 3
    other_model = tmp_path / "other-model"
    shutil.copytree(tiny_marian_dir, other_model)
    config = json.loads((other_model / "config.json").read_text(encoding="utf-8"))
    (other_model / "config.json").write_text(json.dumps({**config, "nb2en_test_copy": True}), encoding="utf-8")

    for extra in (
        ["--backend", "ctranslate2"],
        ["--backend", "ctranslate2", "--beam-size", "2"],
        ["--backend", "ctranslate2", "--model", other_model],
    ):
        data = translate_json(short_article, tiny_marian_dir, *extra)
        assert data["cache"] == {"hits": 0, "misses": total}, extra
    # Every setting keeps its own rows: the earlier ones are still fully cached.
    for backend in ("transformers", "ctranslate2"):
        assert translate_json(short_article, tiny_marian_dir, "--backend", backend)["cache"]["misses"] == 0
    assert cache_stats(cache_dir)["by_kind"] == {"sentence": 4 * total}


def test_no_cache_neither_reads_nor_writes(short_article, tiny_marian_dir, cache_dir):
    data = translate_json(short_article, tiny_marian_dir, "--no-cache")
    assert data["cache"]["hits"] == 0 and not any(s["cached"] for s in translatable(data))
    assert not (cache_dir / DB_NAME).exists()
    translate_json(short_article, tiny_marian_dir)
    again = translate_json(short_article, tiny_marian_dir, "--no-cache")
    assert again["cache"]["hits"] == 0 and again["cache"]["misses"] == len(translatable(again))


def test_misses_are_committed_one_transaction_per_chunk(short_article, tiny_marian_dir, cache_dir, monkeypatch):
    writes: list[int] = []
    real_put_many = Cache.put_many

    def spy(self, rows):
        writes.append(len(rows))
        return real_put_many(self, rows)

    monkeypatch.setattr(Cache, "put_many", spy)
    monkeypatch.setattr(pipeline, "CACHE_WRITE_CHUNK", 2)
    data = translate_json(short_article, tiny_marian_dir)
    unique = len({s["source"] for s in translatable(data)})
    assert unique >= 3
    assert sum(writes) == unique and max(writes) <= 2 and len(writes) == -(-unique // 2)
    assert cache_stats(cache_dir)["entries"] == unique


def test_a_cache_write_that_fails_warns_and_keeps_the_translation(
    short_article, tiny_marian_dir, cache_dir, monkeypatch
):
    expected = run_cli("translate", short_article, "--model", tiny_marian_dir, "--beam-size", "1", "--no-cache")
    assert expected.exit_code == 0
    Cache(cache_dir).close()
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(cache_dir / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock for too long
    try:
        result = run_cli("translate", short_article, "--model", tiny_marian_dir, "--beam-size", "1")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout
    assert "could not write to the cache" in result.stderr and "locked" in result.stderr
    assert result.stderr.count("could not write to the cache") == 1
    assert cache_stats(cache_dir)["entries"] == 0


# --- several processes -------------------------------------------------------------------------


def _second_article(path: Path) -> Path:
    lines = (REPO_ROOT / "tests" / "data" / "nob-ud-dev.txt").read_text(encoding="utf-8").splitlines()[:24]
    paragraphs = [" ".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def test_two_processes_translate_into_one_cache_at_once(sample_article, tiny_marian_dir, cache_dir, tmp_path):
    # Convert the model once beforehand, then start from no database at all.
    assert run_cli("models", "convert", "--model", tiny_marian_dir).exit_code == 0
    cache_module.clear_cache(cache_dir)
    other = _second_article(tmp_path / "other.txt")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "translate", "translate", str(article), "--model", str(tiny_marian_dir),
             "--backend", "ctranslate2", "--beam-size", "1", "-f", "json", "-o", str(tmp_path / f"{name}.json")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT,
        )
        for name, article in (("a", sample_article), ("b", other))
    ]
    outcomes = [(proc.wait(timeout=300), proc.stderr.read()) for proc in procs]
    for proc in procs:
        proc.stdout.close()
        proc.stderr.close()
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert not any("locked" in err for _, err in outcomes)
    first = [json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8")) for name in "ab"]
    unique = {s["source"] for data in first for s in translatable(data)}
    assert cache_stats(cache_dir)["entries"] == len(unique)
    for article, data in zip((sample_article, other), first):
        again = translate_json(article, tiny_marian_dir, "--backend", "ctranslate2")
        assert again["cache"] == {"hits": data["cache"]["misses"], "misses": 0}


_HAMMER = """
import sys, time
from translate.cache import Cache
directory, name, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
time.sleep(max(0.0, start - time.time()))
with Cache(directory) as cache:
    for i in range(15):
        keys = [f"{name}-{i}-{j}" for j in range(40)]
        cache.put_many([(key, "sentence", key.upper(), []) for key in keys])
        assert len(cache.get_many(keys)) == 40
"""


def test_many_processes_opening_a_fresh_cache_at_once_never_see_locked(cache_dir):
    start = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", _HAMMER, str(cache_dir), f"p{n}", str(start)],
                         stderr=subprocess.PIPE, text=True, env=env)
        for n in range(4)
    ]
    errors = [(proc.wait(timeout=120), proc.stderr.read()) for proc in procs]
    for proc in procs:
        proc.stderr.close()
    assert [code for code, _ in errors] == [0] * 4, errors
    with Cache(cache_dir) as cache:
        assert cache.stats()["entries"] == 4 * 15 * 40
        assert cache.schema_version == SCHEMA_VERSION


# --- a broken cache ----------------------------------------------------------------------------


def test_corrupt_cache_is_reported_and_takes_nothing_down(short_article, tiny_marian_dir, cache_dir, tmp_path):
    article = tmp_path / "article.txt"
    shutil.copy(short_article, article)
    translate_json(article, tiny_marian_dir)
    source_bytes = article.read_bytes()
    output = tmp_path / "out.txt"
    output.write_text("finished yesterday\n", encoding="utf-8")
    garbage = os.urandom(4096)
    for path in cache_dir.glob(DB_NAME + "*"):
        path.unlink()
    (cache_dir / DB_NAME).write_bytes(garbage)

    proc = run_nb2en("translate", article, "--model", tiny_marian_dir, "--beam-size", "1", "-o", output)
    assert proc.returncode == 1
    assert "nb2en cache clear" in proc.stderr and "--no-cache" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert output.read_text(encoding="utf-8") == "finished yesterday\n"
    assert article.read_bytes() == source_bytes

    stats = run_cli("cache", "stats")
    assert stats.exit_code == 1 and "nb2en cache clear" in stats.stderr

    bypass = run_cli("translate", article, "--model", tiny_marian_dir, "--beam-size", "1", "--no-cache", "-o", output)
    assert bypass.exit_code == 0, bypass.output
    assert output.read_text(encoding="utf-8") != "finished yesterday\n"
    assert (cache_dir / DB_NAME).read_bytes() == garbage  # --no-cache does not touch the cache

    cleared = run_cli("cache", "clear")
    assert cleared.exit_code == 0 and not (cache_dir / DB_NAME).exists()
    fresh = translate_json(article, tiny_marian_dir)
    assert fresh["cache"]["hits"] == 0 and fresh["cache"]["misses"] > 0
    assert translate_json(article, tiny_marian_dir)["cache"]["misses"] == 0


def test_corrupt_cache_in_a_custom_folder_names_that_folder(short_article, tiny_marian_dir, tmp_path):
    custom = tmp_path / "my cache"
    custom.mkdir()
    (custom / DB_NAME).write_bytes(b"not a database at all" * 100)
    result = run_cli("translate", short_article, "--model", tiny_marian_dir, "--cache-dir", custom)
    assert result.exit_code == 1
    assert "nb2en cache clear --cache-dir" in result.stderr and "my cache" in result.stderr
    assert run_cli("cache", "clear", "--cache-dir", custom).exit_code == 0
    assert not (custom / DB_NAME).exists()


def test_cache_from_a_newer_nb2en_is_refused_not_rewritten(short_article, tiny_marian_dir, cache_dir):
    Cache(cache_dir).close()
    db = sqlite3.connect(cache_dir / DB_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    result = run_cli("translate", short_article, "--model", tiny_marian_dir, "--beam-size", "1")
    assert result.exit_code == 1
    assert "newer nb2en" in result.stderr and "nb2en cache clear" in result.stderr
    db = sqlite3.connect(cache_dir / DB_NAME)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()


def test_migrations_upgrade_an_old_cache_and_keep_its_rows(cache_dir, monkeypatch):
    with Cache(cache_dir) as cache:
        cache.put_many([("sha256:old", "sentence", "kept", ["flag"])])
    monkeypatch.setattr(cache_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(
        cache_module._MIGRATIONS, SCHEMA_VERSION + 1, ["ALTER TABLE entries ADD COLUMN hits INTEGER NOT NULL DEFAULT 0"]
    )
    with Cache(cache_dir) as cache:
        assert cache.schema_version == SCHEMA_VERSION + 1
        assert cache.get_many(["sha256:old"]) == {"sha256:old": ("kept", ["flag"])}
    with Cache(cache_dir) as cache:  # opening again migrates nothing twice
        assert cache.schema_version == SCHEMA_VERSION + 1


def test_unwritable_cache_folder_is_a_cache_error(tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    # Issue 20: a folder that cannot be created is not a damaged cache: no "cache clear".
    with pytest.raises(CacheError, match="cannot be created") as caught:
        Cache(blocker / "cache")
    assert "cache clear" not in str(caught.value) and "--cache-dir" in str(caught.value)


# --- the cache commands ----------------------------------------------------------------------------


def test_cache_stats_on_a_missing_cache_creates_nothing(cache_dir):
    result = run_cli("cache", "stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["entries"] == 0 and stats["size_bytes"] == 0 and stats["exists"] is False
    assert not cache_dir.exists()
    text = run_cli("cache", "stats")
    assert text.exit_code == 0 and "entries: 0" in text.stdout


def test_cache_stats_counts_sentences_and_summaries(short_article, tiny_marian_dir, cache_dir):
    data = translate_json(short_article, tiny_marian_dir)
    with Cache() as cache:
        cache.put_many([(make_key("summary", {"text": "x"}), "summary", "A summary.", [])])
    result = run_cli("cache", "stats", "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    unique = len({s["source"] for s in translatable(data)})
    assert stats["by_kind"] == {"sentence": unique, "summary": 1} and stats["entries"] == unique + 1
    assert stats["size_bytes"] > 0 and stats["path"] == str((cache_dir / DB_NAME).absolute())
    assert stats["schema_version"] == SCHEMA_VERSION
    text = run_cli("cache", "stats")
    assert f"entries: {unique + 1}" in text.stdout and "summary: 1" in text.stdout


def test_cache_path_honours_option_then_environment_then_default(cache_dir, tmp_path, monkeypatch):
    assert run_cli("cache", "path").stdout.strip() == str((cache_dir / DB_NAME).absolute())
    assert run_cli("cache", "path", "--cache-dir", tmp_path / "x").stdout.strip() == str(tmp_path / "x" / DB_NAME)
    monkeypatch.delenv("NB2EN_CACHE_DIR")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    # The per-user cache folder (platformdirs, XDG_CACHE_HOME honoured), never ./cache of wherever we run.
    assert run_cli("cache", "path").stdout.strip() == str(tmp_path / "xdg" / "nb2en" / DB_NAME)
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert run_cli("cache", "path").stdout.strip() == str(tmp_path / "home" / ".cache" / "nb2en" / DB_NAME)


def test_cache_clear_on_a_missing_cache_is_fine(cache_dir):
    result = run_cli("cache", "clear")
    assert result.exit_code == 0 and "Cleared 0 file(s)" in result.stdout
