"""Batch after the core reshape: hostile inputs (issue 10), the error policy and the
one-owner fingerprint (issue 11), with the same tiny real Marian model as test_batch.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_batch import (
    REPO_ROOT,
    batch_args,
    check_text_outputs,
    make_articles,
    output_name,
    read_report,
    run_cli,
    temp_files,
)
from translate.batch import STATE_NAME, BatchOptions, run_batch
from translate.pipeline import Translator
from translate.settings import Settings


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("batch-core-ct2")


def tiny_settings(model_dir: Path, ct2_dir: Path, **changes) -> Settings:
    return Settings(model=str(model_dir), beam_size=1, cache_dir=ct2_dir, use_cache=False, **changes)


# --------------------------------------------------------------------------- issue 10


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_reported_and_skipped_and_never_blocks(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 2, seed=3)
    os.mkfifo(in_dir / "pipe.txt")  # nobody ever writes to it: opening it for reading would block
    command = [sys.executable, "-m", "translate", *batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    rows = {row["path"]: row for row in read_report(out_dir)}
    assert rows["pipe.txt"]["status"] == "failed" and "named pipe" in rows["pipe.txt"]["error"]
    assert [rows[path]["status"] for path in articles] == ["ok"] * len(articles)
    check_text_outputs(out_dir, articles)


@pytest.mark.parametrize("pattern", ["../other/*.txt", "**/../../other/*.txt", "/abs/*.txt", "~/x.txt"])
def test_a_pattern_leaving_in_dir_is_refused(pattern, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir, other = tmp_path / "in", tmp_path / "out", tmp_path / "other"
    in_dir.mkdir()
    other.mkdir()
    (in_dir / "a.txt").write_text("Hei.\n", encoding="utf-8")
    (other / "b.txt").write_text("Hallo.\n", encoding="utf-8")
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--pattern", pattern))
    assert result.exit_code == 2, result.output
    assert "pattern" in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*.en.txt")) == []


def test_a_link_out_of_in_dir_is_not_read(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir, secret = tmp_path / "in", tmp_path / "out", tmp_path / "secret.txt"
    articles = make_articles(sample_article, in_dir, 1, seed=5)
    secret.write_text("Hemmelig.\n", encoding="utf-8")
    (in_dir / "link.txt").symlink_to(secret)
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert result.exit_code == 1
    rows = {row["path"]: row for row in read_report(out_dir)}
    assert rows["link.txt"]["status"] == "failed" and "outside the input folder" in rows["link.txt"]["error"]
    assert not (out_dir / "link.en.txt").exists()
    check_text_outputs(out_dir, articles)


def _unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if Path("/sys").is_dir():  # root may write anywhere on a normal filesystem, not in sysfs
        try:
            open("/sys/.nb2en-probe", "a").close()
        except OSError:
            return Path("/sys")
    pytest.skip("no folder that this user cannot write to")


def test_an_unwritable_out_dir_is_a_usage_error(tmp_path, tiny_marian_dir, ct2_dir):
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    (in_dir / "a.txt").write_text("Hei.\n", encoding="utf-8")
    out_dir = _unwritable_folder(tmp_path)
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert result.exit_code == 2, result.output
    assert "Cannot write to the output folder" in result.stderr
    assert "unexpected" not in result.stderr and "Traceback" not in result.output


def test_a_torn_last_journal_line_loses_only_that_line(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    articles = make_articles(sample_article, in_dir, 3, seed=11)
    translator = Translator(tiny_settings(tiny_marian_dir, ct2_dir))
    options = BatchOptions(in_dir, out_dir)
    assert run_batch(options, translator).ok == 3
    with open(out_dir / STATE_NAME, "ab") as journal:
        journal.write('{"v": 1, "output": "sak-9.en.txt", "source": "Tromsø'.encode("utf-8")[:-1])  # torn mid-character
    again = run_batch(options, translator)
    assert (again.ok, again.skipped, again.failed) == (0, 3, 0)
    check_text_outputs(out_dir, articles)


def test_a_stop_request_is_honoured_while_planning(sample_article, tiny_marian_dir, ct2_dir, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    make_articles(sample_article, in_dir, 3, seed=13)
    translator = Translator(tiny_settings(tiny_marian_dir, ct2_dir))
    polls = []

    def stop() -> bool:  # set after the search, during the planning of the second file
        polls.append(1)
        return len(polls) > 5

    summary = run_batch(BatchOptions(in_dir, out_dir), translator, stop=stop)
    assert summary.interrupted and summary.ok == 0 and summary.not_started == 3
    assert not list(out_dir.rglob("*.en.txt")) and not translator.backend._loaded
    summary = run_batch(BatchOptions(in_dir, out_dir), translator, stop=lambda: True)  # during the search
    assert summary.interrupted and summary.ok == 0


# --------------------------------------------------------------------------- issue 11: errors


def test_an_unexpected_error_stops_the_run(sample_article, tiny_marian_dir, ct2_dir, tmp_path, monkeypatch):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    make_articles(sample_article, in_dir, 4, seed=17)
    translator = Translator(tiny_settings(tiny_marian_dir, ct2_dir))

    def broken(sentences):
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr(translator, "translate_sentences", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        run_batch(BatchOptions(in_dir, out_dir, window_sentences=1), translator)  # one file per window
    rows = read_report(out_dir)
    assert len(rows) == 1 and rows[0]["status"] == "failed" and "RuntimeError" in rows[0]["error"]
    assert temp_files(out_dir) == []


def test_an_unexpected_error_through_the_cli(sample_article, tiny_marian_dir, ct2_dir, tmp_path, monkeypatch):
    from translate import pipeline

    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    make_articles(sample_article, in_dir, 2, seed=19)

    def broken(self, sentences):
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr(pipeline.Translator, "translate_sentences", broken)
    result = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir))
    assert result.exit_code == 1
    assert "unexpected error: RuntimeError: a bug" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.output
    debug = run_cli(*batch_args(in_dir, out_dir, tiny_marian_dir, ct2_dir, "--debug"))
    assert isinstance(debug.exception, RuntimeError)  # --debug reaches batch: the traceback is shown


def test_unknown_engine_is_a_usage_error(tmp_path, tiny_marian_dir, ct2_dir):
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    (in_dir / "a.txt").write_text("Hei.\n", encoding="utf-8")
    result = run_cli(*batch_args(in_dir, tmp_path / "out", tiny_marian_dir, ct2_dir, "--engine", "nope"))
    assert result.exit_code == 2 and "Unknown engine 'nope'" in result.stderr


# --------------------------------------------------------------------------- issue 11: one owner


def test_reruns_redo_exactly_when_an_output_setting_changed(sample_article, tiny_marian_dir, tmp_path):
    in_dir, out_dir, cache_dir = tmp_path / "in", tmp_path / "out", tmp_path / "cache"
    articles = make_articles(sample_article, in_dir, 3, seed=23)
    glossary = tmp_path / "glossary.tsv"
    glossary.write_text("Stortinget\tthe Storting\n", encoding="utf-8")

    def run(**changes):
        options = {"model": str(tiny_marian_dir), "beam_size": 1, "cache_dir": cache_dir, "summary": True,
                   "summarizer": "extractive", "glossary": glossary}
        settings = Settings(**{**options, **changes})
        with Translator(settings) as translator:
            from translate.pipeline import summarize_article
            from translate.summarizers import create_summarizer

            summarizer = create_summarizer(settings.summary_settings())
            summary = run_batch(
                BatchOptions(in_dir, out_dir),
                translator,
                summarize=lambda result: summarize_article(result, summarizer, translator.cache),
                summary_identity=summarizer.identity(),
            )
        return summary.ok, summary.skipped

    assert run() == (3, 0)
    assert run() == (0, 3)  # nothing changed: every file skipped
    assert run(beam_size=2) == (3, 0)
    assert run() == (3, 0)
    glossary.write_text("Stortinget\tParliament\n", encoding="utf-8")  # same path, new content
    assert run() == (3, 0)
    assert run(summary_style="headline") == (3, 0)
    assert run(summary_style="headline") == (0, 3)
    check_text_outputs_with_summary = [(out_dir / output_name(r, "txt")).read_text(encoding="utf-8") for r in articles]
    assert all("Summary:" in text for text in check_text_outputs_with_summary)


def test_translate_after_batch_is_answered_from_the_cache_the_batch_filled(sample_article, tiny_marian_dir, tmp_path):
    in_dir, out_dir, cache_dir = tmp_path / "in", tmp_path / "out", tmp_path / "cache"
    articles = make_articles(sample_article, in_dir, 3, seed=29)
    common = ["--model", str(tiny_marian_dir), "--beam-size", "1", "--cache-dir", str(cache_dir)]
    summary = ["--summary", "--summarizer", "extractive", "--style", "bullets"]
    assert run_cli("batch", str(in_dir), str(out_dir), *common, *summary).exit_code == 0
    again = run_cli("batch", str(in_dir), str(out_dir), *common, *summary)
    assert again.exit_code == 0 and {row["status"] for row in read_report(out_dir)} == {"skipped"}
    first = sorted(articles)[0]
    result = run_cli("translate", str(in_dir / first), *common, *summary, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cache"]["misses"] == 0 and data["cache"]["hits"] > 0
    assert data["summary_info"]["cached"] is True
