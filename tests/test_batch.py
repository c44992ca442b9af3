"""`nb2en batch`: a folder in, complete and trustworthy results out, even across a kill -9.

Runs a tiny real Marian model (random weights) through CTranslate2 with --beam-size 1.
The converted CTranslate2 copy lives in one folder shared by this module (``--cache-dir``
with ``--no-cache``: conversion is shared, sentence translations are not cached), so
resuming is proven by the batch state, not by cache hits.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translate.batch import LOCK_NAME, REPORT_NAME, STATE_NAME, BatchOptions, BatchProgress, run_batch
from translate.cli import app
from translate.pipeline import Translator
from translate.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ["", "innland", "utland/syria", "utland/irak/2017"]


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory) -> Path:
    """Where the tiny model's CTranslate2 conversion is kept for the whole module."""
    return tmp_path_factory.mktemp("batch-ct2")


def source_blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")) if b.strip()]


def make_articles(sample_article: Path, root: Path, count: int, seed: int = 7) -> dict[str, int]:
    """``count`` short, varied articles from the sample's paragraphs in nested folders.

    Returns {relative path: number of blocks}.
    """
    blocks = source_blocks(sample_article.read_text(encoding="utf-8"))
    meta, body, footer = blocks[0], blocks[1:-1], blocks[-1]
    rng = random.Random(seed)
    made = {}
    for i in range(count):
        chosen = rng.sample(body, rng.randint(2, 3))
        unique = f"Saken ble oppdatert {i + 1}. november klokka {8 + i % 12}.{i:02d}, melder NTB."
        parts = ([meta] if i % 3 == 0 else []) + [chosen[0], unique, *chosen[1:], footer]
        relative = "/".join(p for p in (FOLDERS[i % len(FOLDERS)], f"sak-{i:03d}.txt") if p)
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        made[relative] = len(parts)
    return made


def output_name(relative: str, ext: str) -> str:
    return relative[: -len(".txt")] + f".en.{ext}"


def read_report(out_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (out_dir / REPORT_NAME).read_text(encoding="utf-8").splitlines() if line.strip()]


def report_lines(out_dir: Path) -> int:
    path = out_dir / REPORT_NAME
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}"))


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def batch_args(in_dir, out_dir, model_dir, ct2_dir, *extra) -> list[str]:
    return [
        "batch", str(in_dir), str(out_dir), "--model", str(model_dir), "--beam-size", "1",
        "--cache-dir", str(ct2_dir), "--no-cache", *extra,
    ]


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args))


def check_json_outputs(out_dir: Path, articles: dict[str, int], in_dir: Path) -> None:
    import hashlib

    for relative, block_count in articles.items():
        data = json.loads((out_dir / output_name(relative, "json")).read_text(encoding="utf-8"))
        assert len(data["blocks"]) == block_count, relative
        assert all(block["target"] is not None and block["target"].strip() for block in data["blocks"]), relative
        digest = "sha256:" + hashlib.sha256((in_dir / relative).read_bytes()).hexdigest()
        assert data["source"]["sha256"] == digest


def check_text_outputs(out_dir: Path, articles: dict[str, int]) -> None:
    for relative, block_count in articles.items():
        text = (out_dir / output_name(relative, "txt")).read_text(encoding="utf-8")
        assert len(source_blocks(text)) == block_count, relative
        assert text.rstrip().endswith("(©NTB)")


# --------------------------------------------------------------------------- the overnight run


def test_kill_9_part_way_then_resume_completes_everything(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 40)
    assert len({Path(r).parent for r in articles}) == 4
    command = [sys.executable, "-m", "translate", *batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--format", "json", "--window-sentences", "24")]

    # Run 1: killed with SIGKILL once some files are reported done.
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    deadline = time.monotonic() + 180
    while report_lines(out_dir) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    done_before = [p for p in out_dir.rglob("*.en.json")]
    assert 4 <= len(done_before) < 40
    for path in done_before:  # whatever exists after the kill is whole
        json.loads(path.read_text(encoding="utf-8"))

    # What a kill inside write_atomic or inside a journal append leaves behind.
    litter = out_dir / "utland" / "syria" / ".sak-002.en.json.x1y2z3.tmp"
    litter.parent.mkdir(parents=True, exist_ok=True)
    litter.write_text('{"source": {"pa', encoding="utf-8")
    with open(out_dir / STATE_NAME, "a", encoding="utf-8") as state:
        state.write('{"v": 1, "output": "utland/irak/20')

    # Run 2: completes the rest, skips what was done.
    started = time.monotonic()
    second = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    assert second.returncode == 0, second.stderr
    assert temp_files(out_dir) == []
    check_json_outputs(out_dir, articles, in_dir)
    rows = read_report(out_dir)
    assert sorted(row["path"] for row in rows) == sorted(articles)
    assert {row["status"] for row in rows} <= {"ok", "skipped"}
    skipped = [row for row in rows if row["status"] == "skipped"]
    assert len(skipped) >= len(done_before) - 1  # at most one output made but not yet journalled
    assert all(row["error"] is None for row in rows)
    translated = [row for row in rows if row["status"] == "ok"]
    assert max(row["window_files"] for row in translated) > 1  # articles shared model batches
    assert all(row["sentences"] > 0 and row["cache_misses"] > 0 and row["cache_hits"] == 0 for row in translated)
    assert "already done" in second.stderr and "files matched" in second.stderr
    second_seconds = time.monotonic() - started

    # Run 3: nothing left to do.
    started = time.monotonic()
    third = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    third_seconds = time.monotonic() - started
    assert third.returncode == 0, third.stderr
    rows = read_report(out_dir)
    assert len(rows) == 40 and {row["status"] for row in rows} == {"skipped"}
    assert third_seconds < 20, third_seconds
    assert temp_files(out_dir) == []
    print(f"resume run {second_seconds:.1f}s, all-skipped run {third_seconds:.1f}s")


def test_one_binary_file_fails_the_rest_are_done(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 5, seed=3)
    (in_dir / "innland" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert result.exit_code == 1, result.output
    check_text_outputs(out_dir, articles)
    rows = {row["path"]: row for row in read_report(out_dir)}
    assert len(rows) == 6
    bad = rows.pop("innland/image.txt")
    assert bad["status"] == "failed" and "binary" in bad["error"]
    assert {row["status"] for row in rows.values()} == {"ok"}
    assert not (out_dir / "innland" / "image.en.txt").exists()
    assert "innland/image.txt" in result.stderr and "1 failed" in result.stderr

    again = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert again.exit_code == 1
    statuses = {row["path"]: row["status"] for row in read_report(out_dir)}
    assert statuses.pop("innland/image.txt") == "failed"
    assert set(statuses.values()) == {"skipped"}


# --------------------------------------------------------------------------- resume rules


def test_changed_source_edited_output_force_and_format(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 4, seed=11)
    first, second, third, fourth = sorted(articles)
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)).exit_code == 0

    (in_dir / first).write_text("Kort melding.\n\nHun sa at det var 12 skadde.\n\n(©NTB)\n", encoding="utf-8")
    (out_dir / output_name(second, "txt")).write_text("edited by hand\n", encoding="utf-8")
    (out_dir / output_name(third, "txt")).unlink()
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)).exit_code == 0
    statuses = {row["path"]: row["status"] for row in read_report(out_dir)}
    assert statuses == {first: "ok", second: "ok", third: "ok", fourth: "skipped"}
    check_text_outputs(out_dir, {**articles, first: 3})

    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--force")).exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"ok"}

    # Other settings are other outputs: markdown is made; the text outputs stay up to date.
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "-f", "markdown")).exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"ok"}
    assert all((out_dir / output_name(r, "md")).exists() for r in articles)
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)).exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"skipped"}
    # A different beam size changes the output, so nothing is skipped.
    args = batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)
    args[args.index("--beam-size") + 1] = "2"
    assert run_cli(*args).exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"ok"}


def test_source_that_turns_bad_loses_its_stale_output(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 2, seed=5)
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)).exit_code == 0
    victim = sorted(articles)[0]
    (in_dir / victim).write_bytes(b"\x00\x00binary now")
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)).exit_code == 1
    assert not (out_dir / output_name(victim, "txt")).exists()


# --------------------------------------------------------------------------- bad input in a folder


def test_bad_inputs_in_a_folder(sample_article, tiny_marian_dir, ct2_dir, tmp_path, monkeypatch):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    text = "\n\n".join(source_blocks(sample_article.read_text(encoding="utf-8"))[1:4]) + "\n"
    (in_dir / "empty.txt").write_bytes(b"")
    (in_dir / "cp1252.txt").write_bytes("Dette er en sak om Tromsø og Ålesund. «Det går bra», sa han.\n".encode("cp1252"))
    (in_dir / "bom-crlf.txt").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    (in_dir / "utf16.txt").write_bytes(text.encode("utf-16"))
    (in_dir / "locked.txt").write_text(text, encoding="utf-8")
    (in_dir / "folder.txt").mkdir()  # a folder whose name matches the pattern
    (in_dir / "folder.txt" / "inside.txt").write_text(text, encoding="utf-8")

    real_read_bytes = Path.read_bytes

    def read_bytes(self):  # tests run as root, so chmod 000 would not stop the read
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "-f", "json"))
    assert result.exit_code == 1, result.output
    rows = {row["path"]: row for row in read_report(out_dir)}
    assert set(rows) == {"empty.txt", "cp1252.txt", "bom-crlf.txt", "utf16.txt", "locked.txt", "folder.txt/inside.txt"}
    assert rows["locked.txt"]["status"] == "failed" and "Permission denied" in rows["locked.txt"]["error"]
    for name in ("empty.txt", "cp1252.txt", "bom-crlf.txt", "utf16.txt", "folder.txt/inside.txt"):
        assert rows[name]["status"] == "ok", rows[name]
    assert any("empty" in w for w in rows["empty.txt"]["warnings"])
    assert any("cp1252" in w for w in rows["cp1252.txt"]["warnings"])
    cp = json.loads((out_dir / "cp1252.en.json").read_text(encoding="utf-8"))
    assert "Tromsø" in cp["blocks"][0]["source"] and cp["source"]["encoding"] == "cp1252"
    empty = json.loads((out_dir / "empty.en.json").read_text(encoding="utf-8"))
    assert empty["blocks"] == []
    bom = json.loads((out_dir / "bom-crlf.en.json").read_text(encoding="utf-8"))
    plain = [b["source"] for b in bom["blocks"]]
    assert plain == [b["source"] for b in json.loads((out_dir / "utf16.en.json").read_text(encoding="utf-8"))["blocks"]]
    assert plain == [b["source"] for b in json.loads((out_dir / "folder.txt" / "inside.en.json").read_text(encoding="utf-8"))["blocks"]]
    assert not plain[0].startswith("\ufeff") and all("\r" not in b for b in plain)


def test_output_subfolder_that_cannot_be_made_fails_only_its_files(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 4, seed=13)  # one in each folder
    out_dir.mkdir()
    (out_dir / "innland").write_text("a file where a folder should be\n", encoding="utf-8")
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert result.exit_code == 1
    rows = {row["path"]: row for row in read_report(out_dir)}
    assert rows["innland/sak-001.txt"]["status"] == "failed"
    assert "Cannot write" in rows["innland/sak-001.txt"]["error"]
    assert [r["status"] for p, r in rows.items() if p != "innland/sak-001.txt"] == ["ok"] * 3
    assert temp_files(out_dir) == []
    check_text_outputs(out_dir, {r: n for r, n in articles.items() if not r.startswith("innland/")})


def test_output_names_that_collide(tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "sak.txt").write_text("Det regnet i Bergen i går.\n", encoding="utf-8")
    (in_dir / "sak.md").write_text("Det snødde i Tromsø i går.\n", encoding="utf-8")
    # In their own formats they are sak.en.txt and sak.en.md; as text both would be sak.en.txt.
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--pattern", "*", "--format", "text"))
    assert result.exit_code == 1
    rows = {row["path"]: row for row in read_report(out_dir)}
    assert rows["sak.md"]["status"] == "ok"
    assert rows["sak.txt"]["status"] == "failed" and "would overwrite" in rows["sak.txt"]["error"]


def test_output_folder_nested_in_input_is_never_read(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir = tmp_path / "in"
    out_dir = in_dir / "english"
    articles = make_articles(sample_article, in_dir, 3, seed=17)
    for _ in range(2):
        result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
        assert result.exit_code == 0, result.output
        assert sorted(row["path"] for row in read_report(out_dir)) == sorted(articles)
    assert {row["status"] for row in read_report(out_dir)} == {"skipped"}


@pytest.mark.parametrize(
    "case, code, message",
    [
        ("missing-in", 2, "No such folder"),
        ("in-is-file", 2, "is a file, not a folder"),
        ("out-is-file", 2, "is not a folder"),
        ("out-is-in", 2, "outside the input folder"),
        ("in-inside-out", 2, "outside the input folder"),
        ("bad-format", 2, "Invalid value for '--format'"),
        ("bad-encoding", 2, "Unknown encoding"),
        ("bad-pattern", 2, "pattern"),
    ],
)
def test_bad_folders_and_options(case, code, message, tmp_path, tiny_marian_dir, ct2_dir):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "a.txt").write_text("Hei.\n", encoding="utf-8")
    extra: list[str] = []
    if case == "missing-in":
        in_dir = tmp_path / "nope"
    elif case == "in-is-file":
        in_dir = in_dir / "a.txt"
    elif case == "out-is-file":
        out_dir.write_text("x", encoding="utf-8")
    elif case == "out-is-in":
        out_dir = in_dir
    elif case == "in-inside-out":
        out_dir = tmp_path
    elif case == "bad-format":
        extra = ["-f", "pdf"]
    elif case == "bad-encoding":
        extra = ["--encoding", "no-such-codec"]
    elif case == "bad-pattern":
        extra = ["--pattern", "/abs/*.txt"]
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, *extra))
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_second_run_into_the_same_folder_is_refused(tmp_path, tiny_marian_dir, ct2_dir):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    out_dir.mkdir()
    (in_dir / "a.txt").write_text("Hei.\n", encoding="utf-8")
    with open(out_dir / LOCK_NAME, "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert result.exit_code == 2 and "Another `nb2en batch`" in result.stderr


def test_empty_folder_is_fine_and_quiet_is_quiet(tmp_path, tiny_marian_dir, ct2_dir):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--quiet"))
    assert result.exit_code == 0 and result.stderr == ""
    assert read_report(out_dir) == []


# --------------------------------------------------------------------------- stopping


class _StopAfter(BatchProgress):
    def __init__(self, files: int):
        self.files, self.seen, self.event = files, [], threading.Event()

    def file_done(self, row):
        self.seen.append(row)
        if len(self.seen) >= self.files:
            self.event.set()


def test_stop_request_finishes_the_window_and_resumes(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 8, seed=19)
    translator = Translator(Settings(model=str(tiny_marian_dir), beam_size=1, cache_dir=ct2_dir, use_cache=False))
    options = BatchOptions(in_dir, out_dir, window_sentences=1)  # one article per window
    progress = _StopAfter(2)
    summary = run_batch(options, translator, progress, stop=progress.event)
    assert summary.interrupted and summary.ok == 2 and summary.not_started == 6
    assert len(read_report(out_dir)) == 2 and temp_files(out_dir) == []
    summary = run_batch(options, translator)
    assert not summary.interrupted and (summary.ok, summary.skipped) == (6, 2)
    check_text_outputs(out_dir, articles)


def test_abandoning_a_window_leaves_nothing_half_done(sample_article, tiny_marian_dir, ct2_dir, tmp_path, monkeypatch):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 6, seed=23)
    translator = Translator(Settings(model=str(tiny_marian_dir), beam_size=1, cache_dir=ct2_dir, use_cache=False))
    real = translator.translate_sentences
    calls = []

    def interrupted_second_window(sentences):
        calls.append(len(sentences))
        if len(calls) == 2:
            raise KeyboardInterrupt  # the second Ctrl-C, in the middle of the model call
        return real(sentences)

    monkeypatch.setattr(translator, "translate_sentences", interrupted_second_window)
    options = BatchOptions(in_dir, out_dir, window_sentences=20)
    summary = run_batch(options, translator)
    assert summary.interrupted and 0 < summary.ok < 6 and summary.not_started == 6 - summary.ok
    assert len(read_report(out_dir)) == summary.ok
    assert len(list(out_dir.rglob("*.en.txt"))) == summary.ok and temp_files(out_dir) == []
    monkeypatch.setattr(translator, "translate_sentences", real)
    summary = run_batch(options, translator)
    assert summary.ok == 6 - summary.skipped and not summary.failed
    check_text_outputs(out_dir, articles)


def test_sigterm_stops_cleanly_with_130(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 12, seed=29)
    command = [sys.executable, "-m", "translate", *batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--window-sentences", "8")]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    deadline = time.monotonic() + 120
    while report_lines(out_dir) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "stopping" in stderr and "interrupted" in stderr
    rows = read_report(out_dir)
    assert 1 <= len(rows) < 12 and {row["status"] for row in rows} == {"ok"}
    assert temp_files(out_dir) == []
    done = {row["path"]: articles[row["path"]] for row in rows}
    check_text_outputs(out_dir, done)
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)).exit_code == 0
    check_text_outputs(out_dir, articles)


# --------------------------------------------------------------------------- progress and cache


def test_plain_log_lines_and_cache_hits_in_the_report(sample_article, tiny_marian_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    make_articles(sample_article, in_dir, 3, seed=31)
    args = ["batch", str(in_dir), str(out_dir), "--model", str(tiny_marian_dir), "--beam-size", "1"]
    first = run_cli(*args)
    assert first.exit_code == 0
    assert "3 files matched, 0 already done, 3 to translate" in first.stderr
    assert "done: 3 translated" in first.stderr and "Report:" in first.stderr
    assert all(row["cache_misses"] > 0 for row in read_report(out_dir))
    again = run_cli(*args, "--force")
    assert again.exit_code == 0
    assert all(row["cache_hits"] > 0 and row["cache_misses"] == 0 for row in read_report(out_dir))


def test_batch_has_help():
    result = run_cli("batch", "--help")
    assert result.exit_code == 0
    for option in ("--pattern", "--summary", "--format", "--force", "--quiet", "--model", "--encoding", "--window-sentences"):
        assert option in result.output


def test_summary_option_adds_summaries_and_is_part_of_the_settings(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 2, seed=37)
    args = batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "-f", "json", "--summary", "--summarizer", "extractive")
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    for relative in articles:
        data = json.loads((out_dir / output_name(relative, "json")).read_text(encoding="utf-8"))
        assert isinstance(data["summary"], str) and data["summary"].strip()
    assert {row["status"] for row in read_report(out_dir)} == {"ok"}
    assert run_cli(*args).exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"skipped"}
    # Another style is another output; no summary at all is another output too.
    assert run_cli(*args, "--style", "headline").exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"ok"}
    assert run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "-f", "json")).exit_code == 0
    assert {row["status"] for row in read_report(out_dir)} == {"ok"}
    data = json.loads((out_dir / output_name(sorted(articles)[0], "json")).read_text(encoding="utf-8"))
    assert data["summary"] is None


def test_progress_kinds(tmp_path):
    import io

    from translate.batch import BatchSummary
    from translate.progress import LogProgress, QuietProgress, RichProgress, choose_progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(choose_progress(False, io.StringIO()), LogProgress)
    assert isinstance(choose_progress(False, Tty()), RichProgress)
    assert isinstance(choose_progress(True, Tty()), QuietProgress)
    row = {"path": "a/b.txt", "status": "failed", "sentences": 3, "words": 30, "error": "a [bad] file"}
    summary = BatchSummary(tmp_path, tmp_path / REPORT_NAME, matched=2, ok=1, failed=1, seconds=2.0, sentences=3)
    for kind in (LogProgress, RichProgress):
        stream = Tty() if kind is RichProgress else io.StringIO()
        progress = kind(stream)
        progress.start(2, 2, 0)
        progress.file_done({**row, "status": "ok", "error": None})
        progress.file_done(row)
        progress.finish(summary)
        text = stream.getvalue()
        assert "a/b.txt: a [bad] file" in text and "1 translated" in text and "1 failed" in text, text
    quiet = io.StringIO()
    QuietProgress(quiet).finish(summary)
    assert "1 failed" in quiet.getvalue()


def test_a_model_that_cannot_load_stops_the_run_with_1(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    import shutil

    in_dir, out_dir, broken = tmp_path / "in", tmp_path / "out", tmp_path / "broken-model"
    make_articles(sample_article, in_dir, 3, seed=41)
    shutil.copytree(tiny_marian_dir, broken)
    (broken / "source.spm").unlink()  # CTranslate2 cannot tokenize without it
    result = run_cli(*batch_args(in_dir, out_dir, broken, ct2_dir, "--backend", "ctranslate2"))
    assert result.exit_code == 1, result.output
    assert "source.spm" in result.stderr and "Traceback" not in result.output
    rows = read_report(out_dir)
    assert rows and {row["status"] for row in rows} == {"failed"}
    assert all("source.spm" in row["error"] for row in rows)
    assert list(out_dir.rglob("*.en.txt")) == [] and temp_files(out_dir) == []
