"""Language routing (issue 21): each sentence's language decides its fate, not its letters.

Routing runs the real identifier (lingua, offline); translation is a stand-in miss
translator (no model decodes), so these tests check which sentences reach the model,
their ``language`` and flags, and what comes back byte for byte.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from translate.article import parse_article
from translate.errors import InputError, UsageError
from translate.faithful import Translation
from translate.formats import read_document, write_document
from translate.language import (
    NORTH_GERMANIC,
    decide_languages,
    default_source_languages,
    language_confidences,
    parse_source_languages,
)
from translate.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
NTREX = ROOT.parent / "shared" / "data" / "ntrex"
CORPUS = ROOT.parent / "shared" / "corpus" / "real-docs"
OWN = ROOT / "bench" / "langroute"
STORE = "Jonas Gahr Støre said on Tuesday in Tromsø that the budget would not be changed."


# ------------------------------------------------------------------- the identifier


def test_english_with_norwegian_letters_is_english_and_bergen_or_tromso_makes_no_difference():
    assert decide_languages([STORE]) == ["en"]
    assert decide_languages([STORE.replace("Tromsø", "Bergen")]) == ["en"]


@pytest.mark.parametrize("headline", ["San Jose Sharks Beat Calgary Flames", "Oil Prices Climb After Saudi Output Cut"])
def test_english_headlines_without_function_words_are_english(headline):
    assert decide_languages([headline]) == ["en"]


def test_bokmal_nynorsk_danish_swedish_are_told_apart():
    assert decide_languages(["Regjeringen la fram statsbudsjettet for neste år på tirsdag."]) == ["nb"]
    assert decide_languages(["Regjeringa la fram statsbudsjettet for neste år på tysdag, og det vart mykje debatt."]) == ["nn"]
    assert decide_languages(["Regeringen fremlagde på tirsdag finansloven for det kommende år."]) == ["da"]
    assert decide_languages(["Regeringen presenterade på tisdagen budgeten för nästa år."]) == ["sv"]


def test_detect_calls_plain_bokmal_bokmal():
    """The server's /detect uses the same decision (it called this sentence Nynorsk)."""
    found = language_confidences("Det er fint vær i Oslo i dag, og mange har tatt fri fra jobben.")
    assert found[0][0] == "nb"


def test_a_declared_language_wins_for_a_short_text_and_a_clear_long_sentence_overrides_a_stamp():
    assert decide_languages(["Hei og takk"], ["en"]) == ["en"]
    assert decide_languages([STORE], ["nb"]) == ["en"]  # a CMS's lang="nb" over an English quote
    assert decide_languages(["Regjeringen la fram statsbudsjettet for neste år på tirsdag."], ["en"]) == ["nb"]


def _lines(name: str, count: int) -> list[str]:
    return (NTREX / name).read_text(encoding="utf-8").splitlines()[:count]


@pytest.mark.skipif(not NTREX.is_dir(), reason="../shared/data/ntrex is not beside this checkout")
def test_routing_shares_on_a_sample_of_ntrex_and_our_own_sets():
    """A CI-sized subset of bench/bench_langroute.py (first 120 sentences, 8 NTREX documents)."""
    ids = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()[:120]

    def routed(name: str) -> list[str]:
        lines, out, start = _lines(name, 120), [], 0
        for end in range(1, len(lines) + 1):
            if end == len(lines) or ids[end] != ids[start]:
                out.extend(decide_languages(lines[start:end]))
                start = end
        return out

    def share(languages, good) -> float:
        return sum(1 for language in languages if good(language)) / len(languages)

    assert share(routed("newstest2019-ref.nob.txt"), lambda code: code in ("nb", "nn")) >= 0.99
    assert share(routed("newstest2019-src.eng.txt"), lambda code: code not in NORTH_GERMANIC) >= 0.99
    assert share(routed("newstest2019-ref.dan.txt"), lambda code: code == "da") >= 0.97
    assert share(routed("newstest2019-ref.swe.txt"), lambda code: code == "sv") >= 0.97
    names = (OWN / "english-norwegian-names.txt").read_text(encoding="utf-8").splitlines()[:50]
    assert share([decide_languages([line])[0] for line in names], lambda code: code == "en") >= 0.96


# ------------------------------------------------------------------ source languages


def test_source_languages_default_from_the_model_and_are_checked():
    assert default_source_languages("Helsinki-NLP/opus-mt-tc-big-gmq-en") == ("nb", "nn", "da", "sv")
    assert default_source_languages("Helsinki-NLP/opus-mt-no-en") == ("nb", "nn")
    assert Settings().routed_languages == ("nb", "nn", "da", "sv")
    assert Settings(source_languages="nb,nn").routed_languages == ("nb", "nn")
    assert parse_source_languages("da") == ("nb", "nn", "da")
    with pytest.raises(UsageError, match="--source-languages"):
        Settings(source_languages="nb,de")


def test_source_languages_change_the_batch_fingerprint_not_the_sentence_keys():
    identity = {"id": "m"}
    a, b = Settings(), Settings(source_languages="nb,nn")
    assert a.fingerprint(identity) != b.fingerprint(identity)
    assert a.sentence_key("Hei.", identity) == b.sentence_key("Hei.", identity)


def _translator(tiny_marian_dir, tmp_path, **changes):
    from translate.pipeline import Translator

    settings = Settings(model=str(tiny_marian_dir), backend="transformers", cache_dir=tmp_path, use_cache=False, **changes)
    sent: list[str] = []

    def misses(texts):
        sent.extend(texts)
        return [Translation("EN " + text) for text in texts]

    return Translator(settings, translate_misses=misses), sent


DANISH = (
    "Regeringen fremlagde på tirsdag finansloven for det kommende år. Finansministeren sagde, at der "
    "skal spares på mange områder. Oppositionen kritiserede forslaget og kaldte det usocialt.\n"
)


def test_danish_is_translated_and_flagged_with_the_gmq_default_and_kept_without_it(tiny_marian_dir, tmp_path):
    from translate.pipeline import translate_prepared, prepare_document
    from translate.render import result_to_dict

    # A local model directory names no languages: nb, nn unless told (the hub's gmq id adds da, sv).
    for changes, expect_sent in (({"source_languages": "nb,nn,da,sv"}, True), ({}, False)):
        translator, sent = _translator(tiny_marian_dir, tmp_path, **changes)
        document = read_document(DANISH.encode(), "dansk.txt")
        result = translate_prepared([prepare_document(document)], translator)[0]
        data = result_to_dict(result)
        sentences = [s for block in data["blocks"] for s in block["sentences"]]
        assert {s["language"] for s in sentences} == {"da"}
        assert all("language-da" in s["flags"] for s in sentences)
        assert bool(sent) is expect_sent
        assert any("Danish (da)" in warning for warning in result.warnings)
        json.dumps(data)


def test_english_in_a_norwegian_article_passes_through_and_json_names_languages(tiny_marian_dir, tmp_path):
    from translate.pipeline import translate_prepared, prepare_document
    from translate.render import result_to_dict

    text = (
        f"Regjeringen la fram budsjettet for neste år på en pressekonferanse tirsdag. {STORE} "
        "Statsministeren var svært fornøyd med resultatet, og opposisjonen kritiserte kuttene i kommunene.\n"
    )
    translator, sent = _translator(tiny_marian_dir, tmp_path)
    result = translate_prepared([prepare_document(read_document(text.encode(), "a.txt"))], translator)[0]
    sentences = [s for block in result_to_dict(result)["blocks"] for s in block["sentences"]]
    assert [s["language"] for s in sentences] == ["nb", "en", "nb"]
    assert sentences[1]["target"] == STORE and STORE not in sent
    assert not result.warnings


# --------------------------------------------------------------------- plain text lines


def test_complete_lines_keep_their_breaks_and_headlines_are_not_merged():
    lines = _lines("newstest2019-ref.nob.txt", 5) if NTREX.is_dir() else [
        "Første linje er en setning.", "Andre linje.", "Tredje linje.", "Fjerde linje.", "Femte linje."
    ]
    text = "Statsbudsjettet for neste år\n" + "\n".join(lines) + "\nDen nye loven skal\ngjelde fra neste år.\n"
    article = parse_article(text)
    (block,) = article.blocks
    sources = [s.source for s in block.sentences]
    assert sources[0] == "Statsbudsjettet for neste år"  # the headline is not merged into the next sentence
    assert "Den nye loven skal gjelde fra neste år." in sources  # a hard-wrapped line is joined
    for sentence in block.sentences:
        sentence.target = sentence.source.upper()
    english = block.target.split("\n")
    assert len(english) == 1 + len(lines) + 1
    assert english[0] == "STATSBUDSJETTET FOR NESTE ÅR"


# ------------------------------------------------------------------- only prose changes


def _marked(data: bytes, label: str):
    document = read_document(data, label)
    sent = []
    for sentence in document.article.sentences():
        if sentence.translate and sentence.language in NORTH_GERMANIC:
            sentence.target = "EN " + sentence.source
            sent.append(sentence.source)
        else:
            sentence.target = sentence.source
    return document, sent, write_document(document)


HTML = """<!DOCTYPE html><html lang="nb"><head><title>Nyheter</title>
<script type="application/ld+json">{"headline": "Regjeringen la fram budsjettet", "description": "Store kutt"}</script>
</head><body>
<a class="teaser" href="/tag/fødsel"><script>window.dataLayer.push({"event": "klikk på saken"});</script>Regjeringen la fram budsjettet i dag</a>
<nav><a href="/meny"><svg viewBox="0 0 10 10"><style>.ikon { fill: rød; }</style><path d="M0 0h10"/></svg>Meny og oversikt over alle sakene</a></nav>
<p>Send oss et tips på <a href=" mailto:tips@nrk.no?subject=Tips til NRK">e-post</a> om saken, sa redaktøren i går.</p>
<p lang="en">Jonas Gahr Støre said in Tromsø  that the budget <br/>would not be changed.</p>
<p>Kjør <code>ls -la</code> og <kbd>Ctrl+C</kbd> før du går videre med arbeidet.</p>
</body></html>
"""


def test_html_code_links_and_pass_through_are_byte_faithful():
    document, sent, out = _marked(HTML.encode(), "page.html")
    joined = " ".join(sent)
    for code in ("dataLayer", "fill", "ls -la", "Ctrl+C", "headline"):
        assert code not in joined
    assert "Jonas Gahr Støre" not in joined
    text = out.decode("utf-8")
    assert 'href="/tag/fødsel"' in text and 'href=" mailto:tips@nrk.no?subject=Tips til NRK"' in text
    assert '{"headline": "Regjeringen la fram budsjettet", "description": "Store kutt"}' in text
    assert 'window.dataLayer.push({"event": "klikk på saken"});' in text and ".ikon { fill: rød; }" in text
    assert "Jonas Gahr Støre said in Tromsø  that the budget <br>would not be changed." in text
    assert "<code>ls -la</code>" in text and "<kbd>Ctrl+C</kbd>" in text
    assert "EN Regjeringen la fram budsjettet i dag" in text


MARKDOWN = """---
title: Program
lang: nb
---

{{< accordion title="Mandag 2. desember - ankomstdag">}}

Vi møtes i lobbyen klokken sju, og så spiser vi middag sammen etterpå.

{{< /accordion >}}

Hilsen {{ .Site.Params.author }} og {% include footer.html %} fra oss i teamet.

{{< code >}}
mvn -B spring-boot:build-image --file pom.xml
{{< /code >}}
"""


def test_markdown_template_syntax_is_kept():
    document, sent, out = _marked(MARKDOWN.encode(), "page.md")
    assert not any("{{" in s or "{%" in s or "mvn" in s or "accordion" in s for s in sent)
    text = out.decode("utf-8")
    for tag in ('{{< accordion title="Mandag 2. desember - ankomstdag">}}', "{{< /accordion >}}", "{{ .Site.Params.author }}",
                "{% include footer.html %}", "{{< code >}}\nmvn -B spring-boot:build-image --file pom.xml\n{{< /code >}}"):
        assert tag in text
    assert "EN Vi møtes i lobbyen" in text


NITF = """<?xml version="1.0" encoding="UTF-8"?>
<nitf baselang="nb-NO"><head><title>Ny lov vedtatt</title></head>
<body><body.head><hedline><hl1>Stortinget vedtok den nye loven</hl1></hedline>
<rights><rights.owner>Norsk Telegrambyrå AS og alle andre</rights.owner></rights></body.head>
<body.content><p>Stortinget vedtok loven med stort flertall tirsdag kveld.</p>
<p>The minister said it was  a good day <br/>for Norway.</p></body.content></body></nitf>
"""


def test_nitf_translates_only_its_prose_elements_and_keeps_english_byte_for_byte():
    document, sent, out = _marked(NITF.encode(), "wire.nitf.xml")
    assert not any("Telegrambyrå" in s for s in sent)
    text = out.decode("utf-8")
    assert "<rights.owner>Norsk Telegrambyrå AS og alle andre</rights.owner>" in text
    assert "<p>The minister said it was  a good day <br/>for Norway.</p>" in text
    assert "EN Stortinget vedtok loven" in text


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real-docs is not beside this checkout")
def test_a_danish_wire_labelled_no_no_is_marked_danish():
    document = read_document((CORPUS / "nitf" / "mapping_test.nitf.xml").read_bytes(), "mapping_test.xml")
    assert document.article.language == "da"


def _strict_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body><w:p><w:r>'
            "<w:t>Regjeringen la fram budsjettet.</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def test_strict_ooxml_is_refused_not_passed_through():
    with pytest.raises(InputError, match="Strict Open XML"):
        read_document(_strict_docx(), "strict.docx")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/real-docs is not beside this checkout")
def test_tracked_deletions_are_kept_with_a_warning():
    data = (CORPUS / "docx" / "docxfix-single-deletion.docx").read_bytes()
    document, _, out = _marked(data, "single-deletion.docx")
    assert any("tracked deletion" in warning for warning in document.source.warnings)
    before = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    after = zipfile.ZipFile(io.BytesIO(out)).read("word/document.xml")
    assert before.count(b"<w:del ") == after.count(b"<w:del ") > 0


def test_docx_w_lang_and_front_matter_lang_are_declarations():
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    run = document.add_paragraph().add_run("Hei og takk")
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    run._r.get_or_add_rPr().append(lang)
    document.add_paragraph("Regjeringen la fram statsbudsjettet for neste år på en pressekonferanse tirsdag.")
    out = io.BytesIO()
    document.save(out)
    read = read_document(out.getvalue(), "lang.docx")
    assert [s.language for s in read.article.sentences()] == ["en", "nb"]
    markdown = read_document("---\nlang: en\n---\n\nHei og takk\n".encode(), "page.md")
    assert [s.language for s in markdown.article.sentences()] == ["en"]
