"""HTML, Markdown, DOCX and NITF in, the same format out, skeleton kept.

Most tests "translate" with a deterministic fake (upper case) so they can assert exactly
what was translated and what was kept; adversarial fakes (dropped, reordered, one-word
output) show every inline element survives any model; one test per format runs the tiny
real Marian model through the real translator.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest
from lxml import etree

from format_samples import HTML_SAMPLE, MARKDOWN_SAMPLE, NITF_SAMPLE, build_docx
from translate.article import FLAG_MARKUP_BY_POSITION
from translate.errors import InputError
from translate.formats import detect_format, get_format, read_document, write_document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def upper(text: str) -> str:
    return text.upper()


def fake_translate(document, fn=upper):
    """Fill every sentence the way the pipeline does, with ``fn`` as the model."""
    for sentence in document.article.sentences():
        sentence.target = fn(sentence.source) if sentence.translate else sentence.source
    return document


def roundtrip(data: bytes, label: str, fn=upper):
    document = fake_translate(read_document(data, label), fn)
    return document, write_document(document)


# ----------------------------------------------------------------------------- detection


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    return build_docx()


def test_detects_every_format_from_content_and_extension(docx_bytes):
    assert detect_format("a.nitf.xml", NITF_SAMPLE.read_bytes()) == "nitf"
    assert detect_format("no-extension", NITF_SAMPLE.read_bytes()) == "nitf"
    assert detect_format("a.html", HTML_SAMPLE.read_bytes()) == "html"
    assert detect_format("-", HTML_SAMPLE.read_bytes()) == "html"
    assert detect_format("a.md", MARKDOWN_SAMPLE.read_bytes()) == "md"
    assert detect_format("a.docx", docx_bytes) == "docx"
    assert detect_format("renamed.bin", docx_bytes) == "docx"
    assert detect_format("a.txt", "Hei på deg.".encode()) == "txt"
    assert get_format("markdown").__name__ == "translate.formats.markdown"


@pytest.mark.parametrize(
    "name, data, needle",
    [
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "only .docx is read"),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "only .docx is read"),
        ("not-a-zip.docx", b"Dette er bare tekst.", "not a zip"),
    ],
)
def test_legacy_doc_and_fake_docx_are_input_errors(name, data, needle):
    with pytest.raises(InputError, match=needle) as caught:
        read_document(data, name)
    assert caught.value.exit_code == 2


def test_zip_without_document_part_is_an_input_error():
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/styles.xml", "<styles/>")
    with pytest.raises(InputError, match="word/document.xml"):
        read_document(out.getvalue(), "x.docx")
    with pytest.raises(InputError, match="word/document.xml"):
        read_document(out.getvalue(), "x.zip")


def test_broken_nitf_names_line_and_column():
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<nitf>\n<body>\n<p>Hei</b></p></body></nitf>\n'
    with pytest.raises(InputError, match=r"line 4, column \d+") as caught:
        read_document(data, "broken.xml")
    assert caught.value.exit_code == 2
    with pytest.raises(InputError, match="not NITF"):
        read_document(b"<?xml version='1.0'?><rss><p>Hei</p></rss>", "feed.xml", "nitf")


def test_broken_docx_part_names_part_line_and_column(docx_bytes):
    source = zipfile.ZipFile(BytesIO(docx_bytes))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"</w:bdy>")
            archive.writestr(info, data)
    with pytest.raises(InputError, match=r"word/document.xml.*line \d+, column \d+"):
        read_document(out.getvalue(), "broken.docx")


def test_broken_html_is_repaired_with_a_warning():
    data = "<html><body><p>Første <b>avsnitt<p>Andre avsnitt</i></body>".encode()
    document = read_document(data, "broken.html")
    assert any("repaired" in w for w in document.source.warnings)
    assert [b.source for b in document.article.blocks] == ["Første avsnitt", "Andre avsnitt"]
    clean = read_document(HTML_SAMPLE.read_bytes(), "clean.html")  # HTML5 tags are not repairs
    assert clean.source.warnings == []


def test_bad_front_matter_is_an_input_error():
    with pytest.raises(InputError, match="front matter"):
        read_document("---\ntitle: [uavsluttet\n---\n\nTekst her.\n".encode(), "x.md")


# ----------------------------------------------------------------------------- NITF


def test_nitf_roundtrip_keeps_skeleton_encoding_and_kept_parts():
    original = NITF_SAMPLE.read_bytes()
    document, out = roundtrip(original, "ntb.nitf.xml")
    assert out.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE nitf SYSTEM "nitf-3-2.dtd">\n')
    out.decode("iso-8859-1")
    assert b"&#8211;" in out  # the en dash outside Latin-1 stays a character reference
    before, after = etree.fromstring(original), etree.fromstring(out)
    assert [e.tag for e in before.iter()] == [e.tag for e in after.iter()]
    for old, new in zip(before.iter(), after.iter()):
        expected = dict(old.attrib)
        if "baselang" in expected:
            expected["baselang"] = "en"
        assert dict(new.attrib) == expected, old.tag
    # Kept byte-identical: every line of head metadata, byline, dateline, media reference.
    for kept in (b"<docdata>", b'<doc-id regsrc="NTB" id-string="RED180912_114311_lund_00"/>',
                 b"<byline>Kari Nordmann og Ola Hansen</byline>", b"<dateline>Bergen (NTB)</dateline>",
                 "<meta name=\"NTBStikkord\" content=\"Uvær\"/>".encode("iso-8859-1"),
                 b'<media-reference source="ntb/uv', b"<p>(\xa9NTB)</p>",
                 b'<a href="https://www.met.no/farevarsel?id=7&amp;lang=nb">'):
        assert kept in out, kept
    for tag in ("docdata", "tobject", "byline", "dateline"):
        assert etree.tostring(before.find(f".//{tag}")) == etree.tostring(after.find(f".//{tag}"))
    # Translated: title, hl1, hl2, abstract, paragraphs, caption; the dialogue dash kept.
    assert after.findtext("head/title") == "KRAFTIG UVÆR PÅ VESTLANDET"
    assert after.findtext(".//hl1") == "KRAFTIG UVÆR PÅ VESTLANDET \u2013 FLERE VEIER STENGT"
    assert after.findtext(".//hl2") == "OVER 40 MILLIMETER"
    assert after.findtext(".//abstract/p").startswith("STERK VIND")
    assert after.findtext(".//media-caption").startswith("JORDRAS I BERGEN")
    quote = after.findall(".//body.content/p")[1]
    assert quote.text.startswith("\u2013 VI BER")
    lead = after.find(".//body.content/p")
    assert lead.find("em").text == "KRAFTIG REGN" and lead.find("org").text == "STATENS VEGVESEN"
    assert {b.location for b in document.article.blocks} >= {"/nitf/body/body.head/hedline/hl1", "/nitf/head/title"}


# ----------------------------------------------------------------------------- HTML


def test_html_roundtrip_translates_text_and_chosen_attributes_only():
    original = HTML_SAMPLE.read_bytes()
    document, out = roundtrip(original, "budsjett.html")
    text = out.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>\n")
    parser = etree.HTMLParser()
    before, after = etree.fromstring(original, parser), etree.fromstring(out, parser)
    assert [e.tag for e in before.iter()] == [e.tag for e in after.iter()]
    translated_attributes = {"alt", "title", "content", "lang"}
    for old, new in zip(before.iter(), after.iter()):
        if not isinstance(old.tag, str):
            assert old.text == new.text  # comments
            continue
        assert set(old.attrib) == set(new.attrib)
        for name, value in old.attrib.items():
            if name not in translated_attributes or (name == "content" and old.get("name") != "description"):
                assert new.get(name) == value, (old.tag, name)
    assert after.get("lang") == "en"
    assert after.find(".//img").get("alt") == "FINANSMINISTEREN I STORTINGET"
    assert after.find(".//a").get("title") == "LES MER HER"
    assert after.find(".//meta[@name='description']").get("content") == "STATSBUDSJETTET FOR 2024 ER LAGT FRAM."
    # Kept byte-identical: scripts, style, pre, code, translate="no", comments, link targets.
    for kept in ('<script>var x = "<p>ikke oversett</p>"; if (a < b && c) { console.log(\'&amp;\'); }</script>',
                 "<style>p > b { color: red; } /* æøå */</style>", "<pre>kode   her\n  &lt;ikke oversett&gt;</pre>",
                 "<code>nb2en --help</code>", '<p translate="no">Dette skal ikke oversettes.</p>',
                 "<!-- kommentar: ikke oversett -->", 'href="https://www.regjeringen.no/budsjett?a=1&amp;b=2"',
                 'src="/bilder/finans.jpg?w=800"', '{"headline": "Regjeringen legger fram budsjettet"}', "(©NTB)"):
        assert kept in text, kept
    assert after.findtext(".//title") == "REGJERINGEN LEGGER FRAM BUDSJETTET"
    assert after.findtext(".//h2") == "TALLENE"
    assert [td.text for td in after.iter("td")] == ["SKOLE", "12,5 MILLIARDER"]
    assert after.findtext(".//caption") == "BUDSJETTET I MILLIARDER KRONER"
    assert [li.text for li in after.iter("li")] == ["SKOLENE FÅR MER PENGER.", "SYKEHUSENE FÅR NYTT UTSTYR."]
    link = after.find(".//a")
    assert link.text == "BUDSJETTET FOR " and link.find("em").text == "NESTE" and link.find("em").tail == " ÅR"
    assert after.find(".//figcaption/span").text == "OLA HANSEN / NTB"
    kinds = {b.location: b.kind for b in document.article.blocks}
    assert kinds["/html/body/article/figure/figcaption"] == "caption"
    assert kinds["/html/body/article/table/tr[2]/td[1]"] == "table-cell"


# ----------------------------------------------------------------------------- Markdown


def _md_tokens(text: str):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)
    return md.parse(text)


def _shape(tokens):
    """Block and inline token types with link/image targets; line breaks and text runs merged."""
    shape = []
    for token in tokens:
        shape.append((token.type, token.tag, token.markup))
        for child in token.children or []:
            if child.type == "softbreak" or (child.type == "text" and shape[-1][0] == "  text"):
                continue
            targets = tuple((k, v) for k, v in sorted((child.attrs or {}).items()) if k in ("src", "href"))
            shape.append(("  " + child.type, child.tag, child.markup, targets))
    return shape


def test_markdown_roundtrip_rewrites_only_text_lines():
    original = MARKDOWN_SAMPLE.read_text(encoding="utf-8")
    document, out = roundtrip(original.encode(), "budsjett.md")
    text = out.decode("utf-8")
    before_lines, after_lines = original.split("\n"), text.split("\n")
    for kept in ("---", "date: 2024-10-07", "tags: [budsjett, økonomi]", "draft: false", "```python",
                 'print("ikke oversett")', "    innrykket kode", '<div class="x">HTML-blokk</div>', "|:-----|------:|",
                 "-----------------", "(©NTB)"):
        assert kept in before_lines and kept in after_lines, kept
    assert "title: REGJERINGEN LEGGER FRAM BUDSJETTET" in after_lines
    assert 'description: "STATSBUDSJETTET FOR 2024 ER LAGT FRAM."' in after_lines
    assert "[BUDSJETTET](https://www.regjeringen.no/budsjett?a=1&b=2 \"LES MER\")" in text
    assert "**STRAMT**" in text and "*NØDVENDIG*" in text and "`nb2en --help`" in text
    assert "![FINANSMINISTEREN I STORTINGET](bilder/finans.jpg)" in text
    assert "| HELSE \\| OMSORG | 3 MILLIARDER |" in after_lines
    assert "> – VI MÅ PRIORITERE, SA HUN." in after_lines
    # The output parses to the same blocks and inline elements (with link/image targets).
    assert _shape(_md_tokens(text)) == _shape(_md_tokens(original))
    assert text.endswith("(©NTB)\n")


def test_markdown_container_prefixes_and_multiline_paragraphs():
    source = "> Første linje i sitatet\n> fortsetter her.\n\n1. Punkt *en*\n2. Punkt to\n   med mer tekst\n\nSlutt.\n"
    _, out = roundtrip(source.encode(), "x.md")
    assert out.decode() == "> FØRSTE LINJE I SITATET FORTSETTER HER.\n\n1. PUNKT *EN*\n2. PUNKT TO MED MER TEKST\n\nSLUTT.\n"


# ----------------------------------------------------------------------------- DOCX


def test_docx_roundtrip_keeps_runs_styles_parts_and_links(docx_bytes):
    import docx

    document, out = roundtrip(docx_bytes, "budsjett.docx")
    before_zip, after_zip = zipfile.ZipFile(BytesIO(docx_bytes)), zipfile.ZipFile(BytesIO(out))
    assert before_zip.namelist() == after_zip.namelist()
    changed = {"word/document.xml", "word/header1.xml", "word/footer1.xml", "word/styles.xml"}
    for name in before_zip.namelist():
        if name not in changed:
            assert before_zip.read(name) == after_zip.read(name), name
    assert b'w:val="en"' in after_zip.read("word/styles.xml") and b"nb-NO" not in after_zip.read("word/styles.xml")
    before_xml = etree.fromstring(before_zip.read("word/document.xml"))
    after_xml = etree.fromstring(after_zip.read("word/document.xml"))
    assert [e.tag for e in before_xml.iter() if e.tag != W + "t"] == [e.tag for e in after_xml.iter() if e.tag != W + "t"]
    for old, new in zip(before_xml.iter(W + "rPr"), after_xml.iter(W + "rPr")):
        assert etree.tostring(old) == etree.tostring(new)
    link = after_xml.find(f".//{W}hyperlink")
    assert link.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id") == \
        before_xml.find(f".//{W}hyperlink").get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    assert "".join(link.itertext()).strip()  # the link kept words of the English
    word = docx.Document(BytesIO(out))
    before_word = docx.Document(BytesIO(docx_bytes))
    assert [p.style.name for p in word.paragraphs] == [p.style.name for p in before_word.paragraphs]
    assert [len(p.runs) for p in word.paragraphs] == [len(p.runs) for p in before_word.paragraphs]
    lead = word.paragraphs[1]
    assert [r.bold for r in lead.runs] == [None, True, None, None] and lead.runs[1].text == "STRAMT"
    assert word.paragraphs[0].text == "REGJERINGEN LEGGER FRAM BUDSJETTET"
    assert word.paragraphs[3].text.startswith("– VI MÅ PRIORITERE") and word.paragraphs[3].style.name == "Quote"
    assert word.paragraphs[4].style.name == "List Bullet" and word.paragraphs[4].text.isupper()
    assert [[c.text for c in row.cells] for row in word.tables[0].rows] == [["POST", "BELØP"], ["SKOLE", "12,5 MILLIARDER"]]
    assert word.sections[0].header.paragraphs[0].text == "NTB NYHETER – INNENRIKS"
    assert word.sections[0].footer.paragraphs[0].text == "SIDE FOR NORSK TELEGRAMBYRÅ"
    assert word.paragraphs[-1].text == "(©NTB)"
    broken = word.paragraphs[-2]
    assert "<w:br/>" in etree.tostring(broken._p).decode().replace(' xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"', "")
    locations = [b.location for b in document.article.blocks]
    assert "word/header1.xml#p1" in locations and "word/document.xml#p1" in locations


# ----------------------------------------------------------------------------- inline guarantee


def _span_shape(block):
    """Each inline element's kind and attributes, less the translated ones (alt, title)."""
    return [(s.kind, tuple(sorted((k, v) for k, v in s.attrs.items() if k not in ("alt", "title")))) for s in block.spans]


ADVERSARIES = {
    "drops-everything-but-one-word": lambda s: "Word",
    "empty": lambda s: "",
    "reversed-words": lambda s: " ".join(reversed(s.split())),
    "much-longer": lambda s: (s + " ") * 3,
}


@pytest.mark.parametrize("adversary", sorted(ADVERSARIES))
@pytest.mark.parametrize("fmt", ["html", "nitf", "md", "docx"])
def test_every_inline_element_survives_any_model(fmt, adversary, docx_bytes):
    data = {"html": HTML_SAMPLE.read_bytes(), "nitf": NITF_SAMPLE.read_bytes(),
            "md": MARKDOWN_SAMPLE.read_bytes(), "docx": docx_bytes}[fmt]
    before = read_document(data, f"x.{fmt}")
    expected = [_span_shape(b) for b in before.article.blocks]
    document, out = roundtrip(data, f"x.{fmt}", ADVERSARIES[adversary])
    if adversary in ("drops-everything-but-one-word", "reversed-words"):  # "much-longer" holds the words: exact
        assert any(FLAG_MARKUP_BY_POSITION in s.flags for s in document.article.sentences())
    for block in document.article.blocks:
        for span in block.spans:
            assert span.target_start is not None and span.target_start <= span.target_end
    again = read_document(out, f"y.{fmt}")  # the output parses in its own format
    if fmt == "html":
        parser = etree.HTMLParser()
        tags = lambda d: [e.tag for e in etree.fromstring(d, parser).iter()]  # noqa: E731
        assert tags(out) == tags(data)
    elif fmt == "nitf":
        assert [e.tag for e in etree.fromstring(out).iter()] == [e.tag for e in etree.fromstring(data).iter()]
    elif fmt == "docx":
        strip = lambda d: [e.tag for e in etree.fromstring(zipfile.ZipFile(BytesIO(d)).read("word/document.xml")).iter() if e.tag != W + "t"]  # noqa: E731
        assert strip(out) == strip(data)
    if adversary in ("reversed-words", "much-longer") or fmt in ("html", "nitf", "docx"):
        # Every inline element with its attributes, block by block (blocks that became empty
        # are not read back as blocks, so compare the ones that still have words).
        got = {b.location: _span_shape(b) for b in again.article.blocks}
        for block, spans in zip(before.article.blocks, expected):
            if block.location in got and fmt != "md":
                assert got[block.location] == spans, block.location
    if fmt == "md" and adversary != "empty":  # lines move in Markdown: compare in document order
        assert [_span_shape(b) for b in again.article.blocks] == expected


# ----------------------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def translator(tiny_marian_dir, tmp_path_factory):
    from translate.pipeline import Translator
    from translate.settings import Settings

    settings = Settings(
        model=str(tiny_marian_dir), backend="ctranslate2", beam_size=1,
        cache_dir=tmp_path_factory.mktemp("formats-ct2"), use_cache=False,
    )
    return Translator(settings)


@pytest.mark.parametrize("fmt", ["html", "nitf", "md", "docx"])
def test_tiny_marian_through_every_format(fmt, translator, docx_bytes):
    data = {"html": HTML_SAMPLE.read_bytes(), "nitf": NITF_SAMPLE.read_bytes(),
            "md": MARKDOWN_SAMPLE.read_bytes(), "docx": docx_bytes}[fmt]
    document = read_document(data, f"x.{fmt}")
    spans_before = [_span_shape(b) for b in document.article.blocks]
    translator.translate_sentences(document.article.sentences())
    assert all(s.target is not None for s in document.article.sentences())
    out = write_document(document)
    again = read_document(out, f"y.{fmt}")
    assert again.format == document.format
    if fmt in ("html", "nitf"):
        parse = (lambda d: etree.fromstring(d, etree.HTMLParser())) if fmt == "html" else etree.fromstring
        before, after = parse(data), parse(out)
        assert [e.tag for e in before.iter()] == [e.tag for e in after.iter()]
        for old, new in zip(before.iter(), after.iter()):
            if isinstance(old.tag, str):
                assert set(old.attrib) == set(new.attrib)
                for name in set(old.attrib) - {"alt", "title", "content", "lang", "baselang"}:
                    assert old.get(name) == new.get(name)
    # Translated parts changed, passthrough parts identical, every inline element kept.
    for block, spans in zip(document.article.blocks, spans_before):
        assert _span_shape(block) == spans
        if all(s.translate for s in block.sentences) and block.sentences:
            assert block.target != block.source, block.location
        elif block.sentences and not any(s.translate for s in block.sentences):
            assert block.target == block.source


# ----------------------------------------------------------------------------- placement


def test_spans_land_on_exact_words_or_between_anchor_names():
    from translate.article import InlineSpan, text_block
    from translate.formats.inline import place_spans

    source = "Statsminister Jonas Gahr Støre møtte Joe Biden i Oslo mandag."
    bold = InlineSpan(source.index("møtte"), source.index("møtte") + 5, "b")
    link = InlineSpan(source.index("Joe"), source.index("Biden") + 5, "a", {"href": "https://x.no"})
    block = text_block("paragraph", source, spans=[bold, link])
    block.sentences[0].target = "On Monday, Prime Minister Jonas Gahr Støre met Joe Biden in Oslo."
    target = place_spans(block)
    assert target[link.target_start : link.target_end] == "Joe Biden"  # found: exact
    assert target[bold.target_start : bold.target_end] == "met"  # between the anchors Støre and Joe
    assert block.sentences[0].flags == [FLAG_MARKUP_BY_POSITION]


def test_nested_spans_stay_nested_and_in_order_whatever_the_output():
    from translate.article import InlineSpan, text_block
    from translate.formats.inline import place_spans

    source = "En to tre fire fem seks. Sju åtte ni ti."
    spans = [InlineSpan(3, 14, "a"), InlineSpan(6, 9, "em", parent=0), InlineSpan(25, 29, "b")]
    for output in ("x", "", "a b c d e f g h i j k l", "   "):
        block = text_block("paragraph", source, spans=[InlineSpan(s.start, s.end, s.kind, parent=s.parent) for s in spans])
        for sentence in block.sentences:
            sentence.target = output
        target = place_spans(block)
        outer, inner, after = block.spans
        assert 0 <= outer.target_start <= inner.target_start <= inner.target_end <= outer.target_end <= len(target)
        assert outer.target_end <= after.target_start <= after.target_end <= len(target)


def test_untranslated_sentences_keep_spans_exactly():
    from translate.article import InlineSpan, text_block
    from translate.formats.inline import place_spans

    source = "Les mer på https://www.nrk.no/nyheter i dag."
    link = InlineSpan(source.index("https"), source.index(" i dag"), "a", {"href": "https://www.nrk.no/nyheter"})
    block = text_block("paragraph", source, spans=[link])
    block.sentences[0].target = block.sentences[0].source
    target = place_spans(block)
    assert target[link.target_start : link.target_end] == "https://www.nrk.no/nyheter"
    assert block.sentences[0].flags == []


def test_html_fragment_comes_back_as_a_fragment():
    _, out = roundtrip("<p>Hei <b>på</b> deg.</p>\n<p>To.</p>\n".encode(), "f.html")
    assert out.decode() == "<p>HEI <b>PÅ</b> DEG.</p>\n<p>TO.</p>\n"


def test_html_fragment_text_before_any_element_stays_escaped():
    _, out = roundtrip(b"Hei &amp; hallo &lt;3 <b>deg</b>", "f.html")
    assert out.decode() == "HEI &amp; HALLO &lt;3 <b>DEG</b>"


def test_html_control_characters_the_tree_cannot_hold_are_dropped_not_a_crash():
    _, out = roundtrip(b'<p title="a\x01b">Hei\x01 <b>p\x02\xc3\xa5</b> deg.</p>', "f.html")
    assert out.decode() == '<p title="AB">HEI <b>P\xc5</b> DEG.</p>'


@pytest.mark.parametrize(
    "fragment, english",
    [
        ("<title>Tittel</title><p>Hei</p>", "<title>TITTEL</title><p>HEI</p>"),
        ("<style>p{}</style>Tekst", "<style>p{}</style>TEKST"),
        ("<script>x = 1;</script>", "<script>x = 1;</script>"),
        ("<!-- c --><p>Hei</p>", "<!-- c --><p>HEI</p>"),
    ],
)
def test_html_fragment_keeps_what_the_parser_put_in_the_head_or_before_the_root(fragment, english):
    _, out = roundtrip(fragment.encode(), "f.html")
    assert out.decode() == english


def test_attention_links_place_spans_without_the_position_flag():
    from translate.article import InlineSpan, text_block
    from translate.formats.inline import needs_alignment, place_spans

    source = "Hun kjøpte en rød bil i går."
    bold = InlineSpan(source.index("rød"), source.index("rød") + 3, "b")
    block = text_block("paragraph", source, spans=[bold])
    sentence = block.sentences[0]
    sentence.target = "Yesterday she bought a red car."
    assert needs_alignment(block) == [sentence]
    # Hun->she, kjøpte->bought, en->a, rød->red, bil->car., i->Yesterday, går.->Yesterday
    links = [[1], [2], [3], [4], [5], [0], []]
    target = place_spans(block, {(sentence.source, sentence.target): links})
    assert target[bold.target_start : bold.target_end] == "red"
    assert sentence.flags == []


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_attention_alignment_from_the_tiny_model(backend, tiny_marian_dir, tmp_path):
    from translate.formats.align import align_article, align_pairs
    from translate.pipeline import Translator
    from translate.settings import Settings

    settings = Settings(model=str(tiny_marian_dir), backend=backend, beam_size=1, cache_dir=tmp_path, use_cache=False)
    translator = Translator(settings)
    pairs = [("Finansministeren sa mandag at budsjettet er stramt.", "The finance minister said on Monday it is tight.")]
    links = align_pairs(translator.backend, pairs)[0]
    assert len(links) == len(pairs[0][0].split())
    assert all(0 <= j < len(pairs[0][1].split()) for row in links for j in row)
    assert sorted(j for row in links for j in row) == list(range(len(pairs[0][1].split())))  # each English word once
    if backend == "transformers":
        return
    document = read_document(HTML_SAMPLE.read_bytes(), "x.html")
    translator.translate_sentences(document.article.sentences())
    assert align_article(document.article, translator.backend) > 0
    out = write_document(document)
    assert [e.tag for e in etree.fromstring(out, etree.HTMLParser()).iter()] == \
        [e.tag for e in etree.fromstring(HTML_SAMPLE.read_bytes(), etree.HTMLParser()).iter()]


def test_no_break_spaces_survive_and_field_code_runs_get_no_text():
    _, out = roundtrip("<p>Prisen er 12&nbsp;000&nbsp;kroner.</p>".encode(), "f.html")
    assert out.decode() in ("<p>PRISEN ER 12&nbsp;000&nbsp;KRONER.</p>", "<p>PRISEN ER 12\xa0000\xa0KRONER.</p>")
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    paragraph = document.add_paragraph("Se side ")
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    for xml in (f'<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>', f'<w:r {ns}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                f'<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>', f'<w:r {ns}><w:t>3</w:t></w:r>',
                f'<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>', f'<w:r {ns}><w:t xml:space="preserve"> i rapporten.</w:t></w:r>'):
        paragraph._p.append(parse_xml(xml))
    out = BytesIO()
    document.save(out)
    _, translated = roundtrip(out.getvalue(), "f.docx")
    body = etree.fromstring(zipfile.ZipFile(BytesIO(translated)).read("word/document.xml"))
    runs = body.findall(f".//{W}r")
    assert runs[2].find(f"{W}instrText").text == " PAGE " and runs[2].find(f"{W}t") is None
    assert all(r.find(f"{W}t") is None for r in (runs[1], runs[3], runs[5]))
    assert "".join(body.itertext()).replace(" PAGE ", "") == "SE SIDE 3 I RAPPORTEN."


def test_english_names_and_discovery(tmp_path):
    from translate.formats import discoverable, english_name

    assert english_name("b.html") == "b.en.html"
    assert english_name("x.nitf.xml") == "x.en.nitf.xml"
    assert english_name("x.XML") == "x.en.XML"
    assert english_name("a.docx") == "a.en.docx"
    assert english_name("notes") == "notes.en"
    (tmp_path / "ntb.xml").write_bytes(NITF_SAMPLE.read_bytes())
    (tmp_path / "feed.xml").write_bytes(b"<?xml version='1.0'?><rss/>")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    found = sorted(p.name for p in tmp_path.iterdir() if discoverable(p))
    assert found == ["ntb.xml", "old.doc"]


def test_docx_identity_translation_changes_no_part_but_the_language(docx_bytes):
    document = read_document(docx_bytes, "x.docx")
    for sentence in document.article.sentences():
        sentence.target = sentence.source
    out = write_document(document)
    before, after = zipfile.ZipFile(BytesIO(docx_bytes)), zipfile.ZipFile(BytesIO(out))
    assert [n for n in before.namelist() if before.read(n) != after.read(n)] == ["word/styles.xml"]  # w:lang nb-NO -> en


@pytest.mark.parametrize("sample", [NITF_SAMPLE, HTML_SAMPLE, MARKDOWN_SAMPLE])
def test_identity_translation_gives_back_the_original(sample):
    """With the English equal to the Norwegian, only language markers (and Markdown's
    paragraph line joins) differ: everything else is byte-identical."""
    data = sample.read_bytes()
    _, out = roundtrip(data, sample.name, lambda text: text)
    if sample == NITF_SAMPLE:
        assert out == data.replace(b'baselang="nb-NO"', b'baselang="en"')
    elif sample == HTML_SAMPLE:
        assert out == data.replace(b'<html lang="nb">', b'<html lang="en">')
    else:
        assert out == data.replace(b"**stramt**.\nDet er", b"**stramt**. Det er")


def test_html_without_doctype_gets_none():
    _, out = roundtrip("<html><body><p>Hei på deg.</p></body></html>".encode(), "f.html")
    assert out.decode() == "<html><body><p>HEI PÅ DEG.</p></body></html>\n"
