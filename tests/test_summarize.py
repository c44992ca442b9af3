"""Summaries: extractive (no model) and abstractive (tiny T5, tiny chat LM), chunking, caching.

Tiny random models write gibberish, so these tests assert shape, provenance, chunk sizes,
cache behaviour and error paths, never English quality. The full sample article is
translated once into a module-wide cache; abstractive runs use its first paragraphs so
that the tiny models have little to generate.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiny_models import SEED_ARTICLE
from translate.cli import app
from translate.prompt_templates import STYLES, PromptError, load_prompt, prompts_dir
from translate.summarizers import SummarySettings, create_summarizer
from translate.summarizers.abstractive import AbstractiveSummarizer, chunk_text, shape_output
from translate.summarizers.extractive import (
    candidate_sentences,
    make_headline,
    split_english_sentences,
    summarize_extractive,
)

ENGLISH_ARTICLE = """\
Oil fund posts record return

Norway's sovereign wealth fund earned a record return of 1,200 billion kroner last year, the central bank said on Tuesday. The fund, which invests the country's oil revenue abroad, is now worth more than 12,000 billion kroner.

Strong share markets in the United States and Europe drove the result. Technology shares accounted for almost half of the gain, according to the fund's annual report.

– We are very satisfied with the result, but we expect lower returns in the years ahead, said chief executive Nicolai Tangen.

The fund owns about 1.5 percent of all listed shares in the world. It holds stakes in more than 9,000 companies in 70 countries.

Critics say the fund has grown too large for the Norwegian economy. The finance minister will present a white paper on the fund's strategy in April. Parliament is expected to debate the paper before the summer.
"""


def run_cli(*args: str):
    return CliRunner().invoke(app, list(args))


def body_targets(data: dict) -> list[str]:
    return [b["target"] for b in data["blocks"] if b["kind"] not in ("meta", "footer") and b["target"]]


def translation_text(data: dict) -> str:
    return "\n\n".join(t.strip() for t in body_targets(data))


def consumed_in_order(summary: str, sentences: list[str], separator: str = " ") -> list[str]:
    """The ordered subsequence of ``sentences`` whose join is ``summary`` (fails if there is none)."""
    used, rest = [], summary
    for sentence in sentences:
        if rest == sentence or rest.startswith(sentence + separator):
            used.append(sentence)
            rest = rest[len(sentence) + len(separator) :]
            if not rest:
                return used
    raise AssertionError(f"summary is not made of sentences of the translation: {summary[:200]!r}")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    """One cache for the module, so the sample article is translated by the tiny model once."""
    return tmp_path_factory.mktemp("summary-shared-cache")


@pytest.fixture(scope="module")
def short_article(tmp_path_factory) -> Path:
    """The sample's metadata line and one sentence of it: a small input for tiny generators
    (whose gibberish translations run long; chunking has its own tests below)."""
    meta, sentence = SEED_ARTICLE.read_text(encoding="utf-8").split("\n\n")[0], ""
    for line in SEED_ARTICLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("Albu Kamal ligger"):
            sentence = line.split(". ")[0] + "."
    assert sentence
    path = tmp_path_factory.mktemp("short-article") / "short.txt"
    path.write_text(f"{meta}\n\n{sentence}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def extractive_json(tiny_marian_dir, shared_cache) -> dict:
    """`nb2en translate <sample> --summary --summarizer extractive --format json`."""
    result = run_cli(
        "translate", str(SEED_ARTICLE), "--model", str(tiny_marian_dir), "--beam-size", "1",
        "--cache-dir", str(shared_cache), "--summary", "--summarizer", "extractive", "--format", "json",
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ------------------------------------------------------------------- extractive


def test_translate_summary_extractive_is_sentences_of_the_translation(extractive_json):
    data = extractive_json
    summary = data["summary"]
    assert summary and summary.strip()
    sentences = [c.text for c in candidate_sentences(translation_text(data))]
    used = consumed_in_order(summary, sentences)
    assert 2 <= len(used) <= 3
    assert all(any(s in target for target in body_targets(data)) for s in used)
    assert len(summary) * 3 < len(translation_text(data))
    assert data["summary_info"]["summarizer"] == "extractive"
    assert data["summary_info"]["style"] == "short"
    assert data["summary_info"]["cached"] is False
    assert "summarize_s" in data["timings"]
    assert [b["kind"] for b in data["blocks"]][-1] == "footer"  # the translation itself is all there


@pytest.mark.parametrize("style", ["headline", "bullets"])
def test_summarize_cli_extractive_styles(style, extractive_json, tiny_marian_dir, shared_cache):
    result = run_cli(
        "summarize", str(SEED_ARTICLE), "--model", str(tiny_marian_dir), "--beam-size", "1",
        "--cache-dir", str(shared_cache), "--summarizer", "extractive", "--style", style,
    )
    assert result.exit_code == 0, result.output
    summary = result.stdout.rstrip("\n")
    sentences = [c.text for c in candidate_sentences(translation_text(extractive_json))]
    if style == "headline":
        assert "\n" not in summary and 0 < len(summary.split()) < 15
        assert any(s.startswith(summary.rstrip("…")) for s in sentences)
    else:
        lines = summary.split("\n")
        assert 3 <= len(lines) <= 5 and all(line.startswith("- ") for line in lines)
        consumed_in_order("\n".join(line[2:] for line in lines), sentences, separator="\n")


def test_translate_summary_in_text_output(extractive_json, tiny_marian_dir, shared_cache):
    result = run_cli(
        "translate", str(SEED_ARTICLE), "--model", str(tiny_marian_dir), "--beam-size", "1",
        "--cache-dir", str(shared_cache), "--summary", "--summarizer", "extractive",
    )
    assert result.exit_code == 0, result.output
    article, summary = result.stdout.split("\n\nSummary:\n")
    assert summary.strip() == extractive_json["summary"]
    assert article.strip().endswith("(©NTB)")


def test_extractive_styles_on_english_text():
    sentences = [c.text for c in candidate_sentences(ENGLISH_ARTICLE)]
    assert "Oil fund posts record return" not in sentences  # a heading is not a candidate
    assert sentences[4].startswith("We are very satisfied")  # the dialogue dash is dropped

    short = summarize_extractive(ENGLISH_ARTICLE, "short")
    assert 2 <= len(consumed_in_order(short, sentences)) <= 3
    assert short.startswith("Norway's sovereign wealth fund earned a record return")  # the lead

    headline = summarize_extractive(ENGLISH_ARTICLE, "headline")
    assert "\n" not in headline and len(headline.split()) < 15
    assert headline.startswith("Norway's sovereign wealth fund")

    bullets = summarize_extractive(ENGLISH_ARTICLE, "bullets").split("\n")
    assert 3 <= len(bullets) <= 5 and all(b.startswith("- ") for b in bullets)
    consumed_in_order("\n".join(b[2:] for b in bullets), sentences, separator="\n")

    assert summarize_extractive("", "short") == ""
    assert summarize_extractive(ENGLISH_ARTICLE, "short") == short  # deterministic


def test_headline_trimming_and_english_sentence_split():
    long = (
        "The government presented a budget on Thursday, and the opposition said it would vote against it "
        "in parliament."
    )
    headline = make_headline(long)
    assert headline == "The government presented a budget on Thursday"
    no_boundary = " ".join(f"word{i}" for i in range(30)) + "."
    assert make_headline(no_boundary) == " ".join(f"word{i}" for i in range(14)) + "…"
    assert split_english_sentences("Dr. Smith met Mr. Jones in the U.S. on Monday. It rained. \"Why?\" she asked.") == [
        "Dr. Smith met Mr. Jones in the U.S. on Monday.",
        "It rained.",
        '"Why?" she asked.',
    ]


def test_extractive_ten_thousand_words_offline():
    from translate.pipeline import summarize_text

    paragraphs = [p for p in ENGLISH_ARTICLE.split("\n\n")[1:] if p.strip()]
    words_per_copy = sum(len(p.split()) for p in paragraphs)
    text = "\n\n".join(paragraphs * (10_000 // words_per_copy + 1))
    assert len(text.split()) >= 10_000
    summarizer = create_summarizer(SummarySettings(summarizer="extractive"))
    outcome = summarize_text(text, summarizer)
    assert 2 <= len(consumed_in_order(outcome.text, [c.text for c in candidate_sentences(text)])) <= 3
    assert outcome.cached is False and not summarizer.loaded


# ------------------------------------------------------------------ abstractive


def test_summarize_cli_abstractive_t5(short_article, tiny_marian_dir, tiny_t5_dir, shared_cache):
    result = run_cli(
        "summarize", str(short_article), "--model", str(tiny_marian_dir), "--beam-size", "1",
        "--cache-dir", str(shared_cache), "--summarizer", "abstractive", "--summary-model", str(tiny_t5_dir),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert "\n" not in result.stdout.strip()  # short style: one paragraph


def test_summarize_cli_abstractive_causal_chat_model(short_article, tiny_marian_dir, tiny_causal_lm_dir, shared_cache):
    result = run_cli(
        "summarize", str(short_article), "--model", str(tiny_marian_dir), "--beam-size", "1",
        "--cache-dir", str(shared_cache), "--summary-model", str(tiny_causal_lm_dir), "--style", "headline",
        "--format", "json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"].strip() and "\n" not in data["summary"]
    assert data["summary_info"]["summarizer"] == "abstractive"
    assert data["summary_info"]["model"] == str(Path(tiny_causal_lm_dir).resolve())


def test_second_summarize_is_answered_from_the_cache(short_article, tiny_marian_dir, tiny_t5_dir, monkeypatch):
    args = [
        "summarize", str(short_article), "--model", str(tiny_marian_dir), "--beam-size", "1",
        "--summary-model", str(tiny_t5_dir), "--style", "headline", "--format", "json",
    ]
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    first_data = json.loads(first.stdout)
    assert first_data["summary_info"]["cached"] is False
    assert first_data["summary_info"]["prompt"] == load_prompt("headline").sha256

    def no_loading(self):
        raise AssertionError("the summary model was loaded for a cached summary")

    monkeypatch.setattr(AbstractiveSummarizer, "load", no_loading)
    second = run_cli(*args)
    assert second.exit_code == 0, second.output
    data = json.loads(second.stdout)
    assert data["summary"] == first_data["summary"]
    assert data["summary_info"]["cached"] is True
    assert data["timings"]["summary_model_load_s"] == 0
    assert data["cache"]["misses"] == 0

    # A fresh process answers from the cache without importing torch or transformers.
    code = (
        "import sys; from translate.cli import app\n"
        "try: app(sys.argv[1:])\n"
        "except SystemExit as e: assert e.code == 0, e.code\n"
        "print('HEAVY', sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout[: proc.stdout.rindex("HEAVY")])["summary_info"]["cached"] is True
    assert proc.stdout.strip().endswith("HEAVY []")


def test_chunking_ten_thousand_words_with_the_t5_tokenizer(tiny_t5_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_t5_dir))

    def count(texts):
        return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]

    paragraphs = [p for p in ENGLISH_ARTICLE.split("\n\n")[1:] if p.strip()]
    run_on = " ".join(["the fund grew, and the minister spoke"] * 60) + "."  # one 420-word sentence
    text = "\n\n".join(paragraphs * 70 + [run_on])
    assert len(text.split()) >= 10_000
    limit = 256
    chunks = chunk_text(text, count, limit)
    assert len(chunks) > 1
    assert max(count(chunks)) <= limit
    assert " ".join(chunks).split() == text.split()  # nothing dropped, nothing reordered
    whole = [c for c in chunks if not c.startswith("the fund grew") and "the fund grew" not in c]
    assert all(c.rstrip().endswith((".", "!", "?")) for c in whole)  # cut at sentence ends


def test_abstractive_long_text_is_summarized_in_chunks(tiny_t5_dir, tmp_path, recwarn):
    from translate.cache import Cache
    from translate.pipeline import summarize_text

    text = "\n\n".join(p for p in ENGLISH_ARTICLE.split("\n\n")[1:] if p.strip())
    text = "\n\n".join([text] * 2)  # about 1,000 tokens of the tiny T5's small vocabulary
    settings = SummarySettings(summarizer="abstractive", model=str(tiny_t5_dir), beam_size=1)
    summarizer = create_summarizer(settings)
    assert not summarizer.loaded
    outcome = summarize_text(text, summarizer, Cache(tmp_path))
    assert summarizer.loaded and summarizer.input_limit == 512  # the tokenizer's model_max_length
    assert outcome.details.chunks > 1 and outcome.details.rounds > 1
    assert outcome.info["chunks"] == outcome.details.chunks
    assert summarizer.input_tokens(summarizer.prompt, text) > summarizer.input_limit
    assert summarizer.input_token_counts and max(summarizer.input_token_counts) <= summarizer.input_limit
    assert outcome.text.strip()
    assert not [w for w in recwarn if re.search(r"truncat|longer than", str(w.message), re.I)]
    again = summarize_text(text, summarizer, Cache(tmp_path))
    assert again.cached and again.text == outcome.text and again.info["chunks"] == outcome.info["chunks"]


def test_shape_output():
    assert shape_output("Headline here\nmore text", "headline") == "Headline here"
    assert shape_output("* one\n2. two\n- three", "bullets") == "- one\n- two\n- three"
    assert shape_output("First point. Second point.", "bullets") == "- First point.\n- Second point."
    assert shape_output("a\n  b  ", "short") == "a b"


# ------------------------------------------------------------- prompts and keys


def test_prompt_templates_are_found_and_well_formed():
    folder = prompts_dir()
    assert folder.name == "prompts"
    for style in STYLES + ("chunk",):
        prompt = load_prompt(style)
        assert "{text}" in prompt.template and prompt.sha256.startswith("sha256:")
        assert "ARTICLE-BODY" in prompt.render(text="ARTICLE-BODY")
    assert load_prompt("short").render(text="{braces} stay").count("{braces} stay") == 1


def test_editing_a_prompt_changes_exactly_its_keys(tiny_t5_dir, tmp_path):
    from translate.pipeline import summary_key

    prompts = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), prompts)

    def keys() -> dict:
        result = {}
        for style in ("short", "bullets"):
            settings = SummarySettings(style=style, model=str(tiny_t5_dir), prompts_dir=prompts)
            summarizer = create_summarizer(settings)
            assert not summarizer.loaded  # keys never need the model
            result[style] = summary_key("Some English text.", summarizer)
        extractive = create_summarizer(SummarySettings(summarizer="extractive", prompts_dir=prompts))
        result["extractive"] = summary_key("Some English text.", extractive)
        return result

    before = keys()
    assert keys() == before
    (prompts / "short.txt").write_text(
        (prompts / "short.txt").read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8"
    )
    after = keys()
    assert after["short"] != before["short"]
    assert after["bullets"] == before["bullets"]
    assert after["extractive"] == before["extractive"]


def test_malformed_prompt_is_a_clear_error(tmp_path):
    (tmp_path / "short.txt").write_text("Summarize {article}\n", encoding="utf-8")
    with pytest.raises(PromptError, match=r"\{text\}"):
        load_prompt("short", tmp_path)


# ---------------------------------------------------------------------- errors


def test_summary_model_not_available_offline(short_article):
    result = run_cli("summarize", str(short_article), "--summary-model", "nb2en-test/no-such-summary-model")
    assert result.exit_code == 1
    assert "nb2en models download nb2en-test/no-such-summary-model" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "option", [["--style", "haiku"], ["--summarizer", "magic"], ["--format", "markdown"]]
)
def test_bad_summary_options_are_usage_errors(short_article, option):
    result = run_cli("summarize", str(short_article), "--summarizer", "extractive", *option)
    assert result.exit_code == 2, result.output
    assert "is not one of" in result.stderr  # Typer checks the choice (an Enum)
