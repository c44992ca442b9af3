"""The core translate command, end to end through the CLI with a tiny real Marian model."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from translate.cli import app

EXPECTED_KINDS = [
    "paragraph", "paragraph", "paragraph", "heading", "quote", "paragraph", "quote", "paragraph",
    "quote", "paragraph", "paragraph", "heading", "paragraph", "paragraph", "paragraph", "paragraph", "footer",
]


def run_cli(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def translate_json(path, model_dir, *extra: str) -> dict:
    result = run_cli("translate", str(path), "--model", str(model_dir), "--format", "json", "--beam-size", "1", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_sample_article_keeps_blocks_kinds_and_order(sample_article, tiny_marian_dir, backend):
    data = translate_json(sample_article, tiny_marian_dir, "--backend", backend)
    blocks = [b for b in data["blocks"] if b["kind"] != "meta"]
    assert [b["kind"] for b in blocks] == EXPECTED_KINDS
    assert data["blocks"][0]["kind"] == "meta" and data["metadata"]["date"] == "2017-11"
    footer = blocks[-1]
    assert footer["source"] == footer["target"] == "(©NTB)"
    for block in blocks:
        assert block["target"], block
        if block["kind"] == "quote":
            assert block["source"].startswith("– ") and block["target"].startswith("– ")
        if block["kind"] in ("paragraph", "quote", "heading"):
            body = block["source"][2:] if block["kind"] == "quote" else block["source"]
            assert squash(" ".join(s["source"] for s in block["sentences"])) == squash(body)
            assert all(s["target"] is not None for s in block["sentences"])
    assert data["model"]["backend"] == backend
    assert set(data) >= {"source", "metadata", "blocks", "summary", "model", "cache", "timings"}
    assert data["source"]["sha256"].startswith("sha256:")
    assert data["cache"]["misses"] == sum(len(b["sentences"]) for b in blocks)


def test_text_output_has_the_input_blocks_via_subprocess(sample_article, tiny_marian_dir, tmp_path):
    out = tmp_path / "out.txt"
    env = {**os.environ, "NB2EN_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "translate", "translate", str(sample_article), "--model", str(tiny_marian_dir),
         "--beam-size", "1", "-o", str(out)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    source_blocks = [b for b in re.split(r"\n\s*\n", sample_article.read_text(encoding="utf-8")) if b.strip()]
    target_blocks = [b for b in re.split(r"\n\s*\n", out.read_text(encoding="utf-8")) if b.strip()]
    assert len(target_blocks) == len(source_blocks) == 18
    assert target_blocks[-1].strip() == "(©NTB)"


def test_markdown_and_stdin(sample_article, tiny_marian_dir):
    text = sample_article.read_text(encoding="utf-8")
    result = run_cli("translate", "-", "--model", str(tiny_marian_dir), "-f", "markdown", "--beam-size", "1", input=text)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n## ") == 2


def test_bom_and_crlf_give_the_same_blocks(sample_article, tiny_marian_dir, tmp_path):
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + sample_article.read_text(encoding="utf-8").replace("\n", "\r\n").encode())
    plain = translate_json(sample_article, tiny_marian_dir)
    odd = translate_json(crlf, tiny_marian_dir)
    assert [b["source"] for b in odd["blocks"]] == [b["source"] for b in plain["blocks"]]
    assert odd["cache"]["misses"] == 0


def test_long_unpunctuated_paragraph_is_translated_whole(tiny_marian_dir, tmp_path):
    words = "regjeringen sier at byen ligger ved grensa og folk har flyktet fra kampene i området".split()
    rng = random.Random(7)
    text = ""
    while len(text) < 20_000:
        text += rng.choice(words) + " "
    article = tmp_path / "long.txt"
    article.write_text(text.strip()[:20_000], encoding="utf-8")
    data = translate_json(article, tiny_marian_dir)
    (block,) = data["blocks"]
    assert squash(" ".join(s["source"] for s in block["sentences"])) == squash(text[:20_000])
    assert all(s["target"] for s in block["sentences"])
    assert any("split-long-input" in s["flags"] for s in block["sentences"])


def test_english_quote_url_and_footer_pass_through(tiny_marian_dir, tmp_path):
    article = tmp_path / "mixed.txt"
    article.write_text(
        "Statsministeren kom til Oslo i går. \"We will not give up on this fight,\" the minister told the press.\n\n"
        "https://www.aftenposten.no/nyheter\n\n(©NTB)\n",
        encoding="utf-8",
    )
    data = translate_json(article, tiny_marian_dir)
    sentences = data["blocks"][0]["sentences"]
    assert sentences[1]["target"] == sentences[1]["source"] and "passthrough" in sentences[1]["flags"]
    assert "passthrough" not in sentences[0]["flags"]
    assert data["blocks"][1]["target"] == "https://www.aftenposten.no/nyheter"
    assert data["blocks"][2]["target"] == "(©NTB)"


def test_split_command_prints_sentences_and_blank_lines(sample_article):
    result = run_cli("split", str(sample_article))
    assert result.exit_code == 0
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 18
    assert blocks[5].startswith("– IS har gjenerobret")
    assert "Tidligere har IS mistet" in blocks[3].splitlines()[1]


@pytest.mark.parametrize(
    "make_input, needle",
    [
        (lambda tmp: tmp / "missing.txt", "No such file"),
        (lambda tmp: tmp, "is a folder"),
        (lambda tmp: _write(tmp / "bin.dat", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" * 10), "binary"),
    ],
)
def test_bad_input_exits_2_with_advice(make_input, needle, tmp_path, tiny_marian_dir):
    result = run_cli("translate", str(make_input(tmp_path)), "--model", str(tiny_marian_dir))
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.output


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_missing_model_directory_is_usage_error(sample_article, tmp_path):
    result = run_cli("translate", str(sample_article), "--model", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "No model directory" in result.stderr


def test_hub_model_not_offline_names_download_command(sample_article, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = run_cli("translate", str(sample_article), "--model", "Helsinki-NLP/opus-mt-tc-big-gmq-en")
    assert result.exit_code == 1
    assert "nb2en models download" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_unknown_format_is_usage_error(sample_article, tiny_marian_dir):
    result = run_cli("translate", str(sample_article), "--model", str(tiny_marian_dir), "-f", "pdf")
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.stderr  # Typer checks the choice (an Enum)


def test_models_check_fails_clearly_on_a_random_model(tiny_marian_dir):
    result = run_cli("models", "check", "--model", str(tiny_marian_dir))
    assert result.exit_code == 1
    assert "failed the check" in result.stderr
    assert "Traceback" not in result.output


def test_translation_is_deterministic(sample_article, tiny_marian_dir, tmp_path):
    first = run_cli("translate", str(sample_article), "--model", str(tiny_marian_dir), "--no-cache", "--beam-size", "1")
    second = run_cli("translate", str(sample_article), "--model", str(tiny_marian_dir), "--no-cache", "--beam-size", "1")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


# --- output paths are checked before any work (issue 10: 1 and 4) ---------------------------------


def test_output_that_is_the_input_is_refused_before_any_work(sample_article, tmp_path):
    source = tmp_path / "art.txt"
    source.write_bytes(sample_article.read_bytes())
    (tmp_path / "sub").mkdir()
    os.link(source, tmp_path / "hard.txt")
    (tmp_path / "soft.txt").symlink_to(source)
    original = source.read_bytes()
    for output in (source, tmp_path / "sub" / ".." / "art.txt", tmp_path / "hard.txt", tmp_path / "soft.txt"):
        # A model that does not exist: the output check must come first.
        result = run_cli("translate", str(source), "-o", str(output), "--model", str(tmp_path / "no-model"))
        assert result.exit_code == 2, (output, result.output)
        assert "is the input file" in result.stderr and "Traceback" not in result.output
    result = run_cli("summarize", str(source), "-o", str(source), "--summarizer", "extractive", "--model", str(tmp_path / "no-model"))
    assert result.exit_code == 2 and "is the input file" in result.stderr
    assert source.read_bytes() == original


def test_output_that_is_a_folder_is_refused_before_loading_a_model(sample_article, tmp_path):
    result = run_cli("translate", str(sample_article), "-o", str(tmp_path), "--model", str(tmp_path / "no-model"))
    assert result.exit_code == 2, result.output
    assert "is a folder" in result.stderr and "Traceback" not in result.output
