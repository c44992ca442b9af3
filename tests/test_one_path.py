"""One path for a document, whatever the door (issue 19).

translate, batch, serve ``/v1/articles`` and eval ``--hyp-out`` give byte-identical English
for the same article and settings; ``pipeline.translate_document`` takes bytes, a path or
an opened Document alike; a file rendered in its own format leaves the summary out by an
explicit choice; and every cache miss is tokenized once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from typer.testing import CliRunner

from serve_harness import running_server
from translate.backends.base import TranslationBackend
from translate.cli import app
from translate.faithful import FLAG_SPLIT, translate_texts
from translate.models import ModelRef

# Paragraphs of one line each, no metadata line, no heading: the same text is an article
# for translate/batch/serve and a parallel-text SRC for eval (one segment a line).
ARTICLE = (
    "Regjeringen la fram statsbudsjettet i dag. Det blir dyrere å kjøre bil i byene.\n"
    "\n"
    "Finansministeren sa at norsk økonomi er sterk. Hun lover at rentene skal ned neste år.\n"
    "\n"
    "Opposisjonen er ikke fornøyd med forslaget, og vil stemme imot.\n"
)


def run_cli(*args) -> object:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result


def test_every_door_gives_the_same_english(tiny_marian_dir, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    ct2 = tmp_path / "ct2"
    options = ["--model", tiny_marian_dir, "--device", "cpu", "--cache-dir", ct2, "--no-cache"]

    run_cli("translate", article, *options, "-o", tmp_path / "translate.en.txt")
    by_translate = (tmp_path / "translate.en.txt").read_bytes()

    in_dir = tmp_path / "in"
    in_dir.mkdir()
    shutil.copy(article, in_dir / "article.txt")
    run_cli("batch", in_dir, tmp_path / "out", *options, "--quiet")
    by_batch = (tmp_path / "out" / "article.en.txt").read_bytes()

    run_cli("eval", article, article, *options, "--no-comet", "--hyp-out", tmp_path / "eval.en", "-o", tmp_path / "report.txt")
    by_eval = (tmp_path / "eval.en").read_bytes()

    with running_server(tiny_marian_dir, ct2, no_cache=True) as live:
        answer = httpx.post(
            live.url + "/v1/articles", json={"text": ARTICLE, "filename": "article.txt", "download": True}, timeout=120
        ).json()
        by_serve = httpx.get(answer["download"]["url"], timeout=30).content
    from_json = "\n\n".join(block["target"] for block in answer["blocks"]) + "\n"

    assert by_translate == by_batch == by_serve == by_eval, (by_translate, by_batch, by_serve, by_eval)
    assert from_json.encode("utf-8") == by_translate
    assert by_translate.decode("utf-8").count("\n\n") == 2  # three paragraphs, as in the source


def test_translate_document_takes_bytes_a_path_or_a_document(tiny_marian_dir, tmp_path):
    from translate.formats import open_document
    from translate.pipeline import Translator, translate_document
    from translate.render import render_json
    from translate.settings import Settings
    from translate.summarizers import SummarySettings, create_summarizer

    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    settings = Settings(model=str(tiny_marian_dir), device="cpu", beam_size=1, cache_dir=tmp_path / "ct2", use_cache=False)
    with Translator(settings) as translator:
        from_path = translate_document(path, translator)
        from_str = translate_document(str(path), translator)
        from_bytes = translate_document(ARTICLE.encode("utf-8"), translator, label=str(path))
        from_document = translate_document(open_document(path), translator)
        summarized = translate_document(path, translator, summarizer=create_summarizer(SummarySettings(summarizer="extractive")))

    def english(result) -> list[str]:
        return [block.target for block in result.article.blocks]

    assert english(from_path) == english(from_str) == english(from_bytes) == english(from_document)
    assert from_path.source.sha256 == from_bytes.source.sha256
    assert from_path.summary is None
    assert summarized.summary and summarized.summary_info["summarizer"] == "extractive"
    assert english(summarized) == english(from_path)
    assert '"summary": null' in render_json(from_path)


def test_rendering_without_summary_is_an_explicit_choice(tiny_marian_dir, tmp_path):
    from translate.pipeline import Translator, translate_document
    from translate.render import render_output
    from translate.settings import Settings
    from translate.summarizers import SummarySettings, create_summarizer

    settings = Settings(model=str(tiny_marian_dir), device="cpu", beam_size=1, cache_dir=tmp_path / "ct2", use_cache=False)
    with Translator(settings) as translator:
        result = translate_document(
            ARTICLE.encode("utf-8"), translator, label="a.txt", summarizer=create_summarizer(SummarySettings(summarizer="extractive"))
        )
    summary = result.summary
    assert summary
    for fmt, heading in (("text", "Summary:"), ("markdown", "## Summary"), ("same", "Summary:")):
        assert heading in render_output(result, fmt)
        assert heading not in render_output(result, fmt, with_summary=False)
        assert result.summary == summary  # nothing blanked on the way


class CountingBackend(TranslationBackend):
    """No model: echoes each text, and records every text it was asked to tokenize."""

    name = "counting"

    def __init__(self, max_input_tokens: int = 512):
        super().__init__(ModelRef("counting", Path("."), "local:counting"))
        self.counted: list[str] = []
        self.limit = max_input_tokens

    def load(self) -> None:
        self.max_input_tokens = self.limit

    def count_tokens(self, texts: list[str]) -> list[int]:
        self.counted.extend(texts)
        return [len(text.split()) + 1 for text in texts]

    def _generate(self, texts, max_new_tokens, caps=None):
        return [(text, 1) for text in texts]


def test_every_miss_is_tokenized_once():
    backend = CountingBackend()
    texts = ["Dette er den første setningen.", "Og her kommer en annen setning.", "En tredje, helt annen."]
    out = translate_texts(backend, texts)
    assert [t.target for t in out] == texts
    assert sorted(backend.counted) == sorted(texts)  # once each: not again by split_to_fit or generate


def test_a_long_miss_is_split_and_each_piece_counted_once():
    backend = CountingBackend(max_input_tokens=10)  # limit 8 tokens after the margin
    long = "Dette er en lang setning, som går videre og videre, og som til slutt må deles i flere deler."
    out = translate_texts(backend, [long])
    assert FLAG_SPLIT in out[0].flags
    assert out[0].target.split() == long.split()  # every word back, in order
    assert backend.counted.count(long) == 1
    assert len(backend.counted) == len(set(backend.counted))  # no piece counted twice
