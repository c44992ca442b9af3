"""ODT/ODP, PPTX, SRT and WebVTT: real files from public test corpora plus Norwegian files
made from the seed article (``tests/data/formats/make_seed_files.py``; sources and licences
in ``tests/data/README.md``).

Each output must open with the format's own library (odfpy, python-pptx, webvtt-py), keep
its skeleton (zip parts, slides, cues and timings) and have the Norwegian replaced.
"""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from translate.errors import InputError
from translate.formats import detect_format, read_document, write_document

DATA = Path(__file__).parent / "data" / "formats"
_spec = importlib.util.spec_from_file_location("make_seed_files", DATA / "make_seed_files.py")
seeds = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seeds)

FIXTURES = {
    "odt": ["odfpy-simplestyles.odt", "odfpy-simpletable.odt"],
    "odp": ["odfpy-cols.odp"],
    "pptx": ["python-pptx-txt-text.pptx", "python-pptx-tbl-cell.pptx", "python-pptx-prs-notes.pptx"],
    "srt": ["webvtt-py-sample.srt"],
    "vtt": [
        "webvtt-py-styles.vtt", "webvtt-py-comments.vtt", "webvtt-py-cue_tags.vtt",
        "webvtt-py-using_identifiers.vtt", "webvtt-py-metadata_headers.vtt",
    ],
}
SUBTITLES = FIXTURES["srt"] + FIXTURES["vtt"] + ["albu-kamal.srt", "albu-kamal.vtt"]


def seed(name: str) -> bytes:
    """A seed file: the subtitles as committed, the zip formats built now."""
    path = DATA / name
    return path.read_bytes() if path.suffix in (".srt", ".vtt") else seeds.BUILDERS[name]()


def data_of(name: str) -> bytes:
    return seed(name) if name.startswith("albu-kamal") else (DATA / name).read_bytes()


ALL = [name for names in FIXTURES.values() for name in names] + [f"albu-kamal.{ext}" for ext in FIXTURES]


def english(text: str) -> str:
    """A stand-in model: a different text of about the same length (never Norwegian)."""
    return " ".join("EN" + word.upper()[:8] for word in text.split())


def translated(data: bytes, name: str, fn=english):
    document = read_document(data, name)
    for sentence in document.article.sentences():
        sentence.target = fn(sentence.source) if sentence.translate else sentence.source
    return document, write_document(document)


# ----------------------------------------------------------------------------- detection


@pytest.mark.parametrize("name", ALL)
def test_detected_by_content_whatever_the_name(name):
    fmt = name.rpartition(".")[2]
    data = data_of(name)
    assert detect_format(name, data) == fmt
    assert detect_format("upload.bin", data) == fmt  # content, not the name
    assert read_document(data, name).format == fmt


def test_forced_with_from_and_mirrored_names():
    from translate.formats import discoverable, english_name, normalise_name

    assert read_document(seed("albu-kamal.srt"), "undertekst.txt", fmt="srt").format == "srt"
    assert read_document(seed("albu-kamal.odp"), "x.bin", fmt="odt").format == "odp"  # the mimetype says which
    assert normalise_name("webvtt") == "vtt"
    assert [english_name(n) for n in ("a.odt", "x.srt", "y.vtt", "s.pptx", "p.odp")] == [
        "a.en.odt", "x.en.srt", "y.en.vtt", "s.en.pptx", "p.en.odp"]
    assert all(discoverable(n) for n in ("a.odt", "b.odp", "c.pptx", "d.srt", "e.vtt"))


# ----------------------------------------------------------------------------- subtitles


def _payload_lines(data: bytes) -> set[int]:
    """Indexes of the lines that are cue text (after a timing line, up to the blank line)."""
    lines = data.decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    payload, inside = set(), False
    for index, line in enumerate(lines):
        if "-->" in line:
            inside = True
            continue
        if not line.strip():
            inside = False
        elif inside:
            payload.add(index)
    return payload


def _cues(data: bytes, name: str):
    """The cues as webvtt-py reads them (its own parser: the output must satisfy it)."""
    import webvtt

    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    return webvtt.from_buffer(StringIO(text), format="srt" if name.endswith(".srt") else "vtt")


@pytest.mark.parametrize("name", SUBTITLES)
def test_subtitles_identity_translation_is_byte_exact(name):
    data = data_of(name)
    _, out = translated(data, name, fn=lambda text: text)
    assert out == data


@pytest.mark.parametrize("name", SUBTITLES)
def test_subtitles_keep_cues_timings_blocks_and_tags(name):
    data = data_of(name)
    document, out = translated(data, name)
    before, after = _cues(data, name), _cues(out, name)
    assert len(after) == len(before)
    assert [(c.start, c.end, c.identifier) for c in after] == [(c.start, c.end, c.identifier) for c in before]
    # Everything but the cue text (numbers, timings with settings, NOTE/STYLE/REGION, the header) is byte-exact.
    old_lines = data.decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    new_lines = out.decode("utf-8-sig").replace("\r\n", "\n").split("\n")
    kept_old = [line for i, line in enumerate(old_lines) if i not in _payload_lines(data)]
    kept_new = [line for i, line in enumerate(new_lines) if i not in _payload_lines(out)]
    assert kept_new == kept_old
    assert out.count(b"\r\n") == 0 or b"\n" not in out.replace(b"\r\n", b"")  # one line ending throughout
    tag = re.compile(r"<[^<>]*>|\{\\[^}]*\}")
    for old, new in zip(before, after):
        assert sorted(tag.findall(new.raw_text)) == sorted(tag.findall(old.raw_text))  # every tag, byte for byte
        assert len(new.raw_text.split("\n")) <= max(2, len(old.raw_text.split("\n")))
    words = {w for b in document.article.blocks for s in b.sentences if s.translate for w in re.findall(r"\b[a-zæøå]{4,}\b", s.source)}
    spoken = " ".join(tag.sub("", c.raw_text) for c in after)
    assert not {w for w in words if re.search(rf"\b{re.escape(w)}\b", spoken)}  # the Norwegian is replaced


def test_a_sentence_across_cues_is_one_unit_spread_back_by_length():
    document = read_document(seed("albu-kamal.srt"), "albu-kamal.srt")
    first = document.article.blocks[0]
    assert first.location == "cues 1-3"
    assert first.sentences[0].source.startswith("Det melder eksilgruppa") and first.sentences[0].source.endswith("landet.")
    for sentence in document.article.sentences():
        sentence.target = sentence.source
    first.sentences[0].target = "The exile group reports it, and it gets its information from a network inside the country."
    out = write_document(document).decode("utf-8")
    cues = [block.split("\r\n")[2:] for block in out.split("\r\n\r\n")[:3]]
    texts = [re.sub(r"</?i>", "", " ".join(lines)) for lines in cues]
    assert " ".join(texts) == first.sentences[0].target
    # The Norwegian cues hold 70, 70 and 7 characters: the English is cut in that proportion.
    assert len(texts[0]) > 30 and len(texts[1]) > 30 and len(texts[2]) < 15
    assert re.match(r"^\d\d:\d\d:\d\d,\d{3} --> ", out.split("\r\n")[1])


def test_spread_and_wrap_rules():
    from translate.formats.subtitles import LINE_LENGTH, spread, wrap_point

    assert spread("one two three four", [10, 10]) == ["one two", "three four"]
    assert spread("a b", [5, 5, 5]) == ["a", "b", "…"]  # never a moved timing or an empty cue
    assert spread("alpha beta gamma delta", [1, 30]) == ["alpha", "beta gamma delta"]  # each cue keeps a word
    assert wrap_point("Short enough for one line.") is None
    long = "The government and allied militia groups stand one to two kilometres from the city limits."
    at = wrap_point(long)
    assert long[at] == " " and max(at, len(long) - at - 1) <= LINE_LENGTH + 6
    assert abs(at - (len(long) - at - 1)) < 12


_WORD = st.text(alphabet="abcæøåABC-.,!?<>&", min_size=1, max_size=9)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cues=st.lists(st.lists(_WORD, min_size=1, max_size=14), min_size=1, max_size=8),
    english=st.lists(_WORD, min_size=0, max_size=30),
    vtt=st.booleans(),
)
def test_any_cues_and_any_english_keep_every_cue_and_timing(cues, english, vtt):
    """Whatever the cue text and whatever the model says: same cues, same timings, at most
    two lines a cue, and the file reads back in its own format."""
    stamp = (lambda i: f"00:00:{i:02d}.000") if vtt else (lambda i: f"00:00:{i:02d},000")
    parts = ["WEBVTT\n"] if vtt else []
    for i, words in enumerate(cues):
        parts.append(f"{'' if vtt else i + 1}\n{stamp(i)} --> {stamp(i + 1)} align:start\n{' '.join(words)}\n".lstrip("\n"))
    data = "\n".join(parts).encode()
    name = "p.vtt" if vtt else "p.srt"
    try:
        document = read_document(data, name)
    except InputError:
        return  # a cue text that reads as a timing line or a lone number: refused, never a crash
    for sentence in document.article.sentences():
        sentence.target = " ".join(english)
    out = write_document(document)
    again = read_document(out, name)
    assert len(again.state.cues) == len(document.state.cues)
    timing = re.compile(r"^00:00:\d\d[.,]000 --> ")
    assert [line for line in out.decode().split("\n") if timing.match(line)] == [
        line for line in data.decode().split("\n") if timing.match(line)]
    assert all(cue.count <= 2 or cue.count == old.count for cue, old in zip(again.state.cues, document.state.cues))


def test_dialogue_cues_keep_one_line_per_speaker():
    data = (DATA / "webvtt-py-comments.vtt").read_bytes()
    document, out = translated(data, "comments.vtt")
    cue = out.decode().split("\n\n")[2].split("\n")
    assert cue[0] == "1" and cue[2].startswith("- EN") and cue[3].startswith("- EN") and len(cue) == 4
    assert [b.location for b in document.article.blocks][:2] == ["cue 1", "cue 1"]


def test_srt_text_after_a_blank_line_inside_a_cue_stays_in_that_cue():
    data = b"1\n00:00:01,000 --> 00:00:02,000\nHei p\xc3\xa5 deg.\n\nDette er mer.\n\n2\n00:00:02,000 --> 00:00:03,000\nHade.\n"
    document, out = translated(data, "glipp.srt")
    assert [b.location for b in document.article.blocks] == ["cue 1", "cue 2"]
    assert out.decode().split("\n")[:5] == ["1", "00:00:01,000 --> 00:00:02,000", "ENHEI ENPÅ ENDEG. ENDETTE ENER ENMER.", "", "2"]
    assert len(_cues(out, "x.srt")) == 2


def test_srt_in_windows_1252_or_utf_16_is_read_and_written_back_in_it():
    text = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHei på deg.\r\n"
    for encoding in ("cp1252", "utf-16"):
        document, out = translated(text.encode(encoding), "gammel.srt")
        assert document.article.blocks[0].source == "Hei på deg."
        assert out.decode(encoding).startswith("1\r\n00:00:01,000 --> 00:00:02,000\r\nENHEI ENPÅ ENDEG.")
    assert "cp1252" in read_document(text.encode("cp1252"), "gammel.srt").source.warnings[0]


def test_webvtt_character_references_are_decoded_for_the_model_and_escaped_back():
    document = read_document(seed("albu-kamal.vtt"), "albu-kamal.vtt")
    last = document.article.blocks[-1]
    assert last.source == "Sivile & barn er drept."
    for sentence in document.article.sentences():
        sentence.target = sentence.source
    last.sentences[0].target = "Civilians & children <killed>."
    assert read_document(b"WEBVTT\n\n00:01.000 --> 00:02.000\nA &#99999999; b\n", "x.vtt").article.blocks[0].source == "A &#99999999; b"
    out = write_document(document)
    assert out.endswith(b"Civilians &amp; children &lt;killed&gt;.\n")


@pytest.mark.parametrize(
    "name, data, needle",
    [
        ("webvtt-py-missing_timeframe.srt", None, "line 6"),
        ("tid.srt", b"1\n00:00:01,000 -> 00:00:02,000\nHei.\n", "line 2"),
        ("tid.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.0x0\nHei.\n", "line 3"),
        ("header.vtt", b"00:00:01.000 --> 00:00:02.000\nHei.\n", "WEBVTT"),
        ("tom.srt", b"\n\n", "no SRT cues"),
        ("ensom.vtt", b"WEBVTT\n\nbare en linje\n", "line 3"),
    ],
)
def test_broken_subtitles_are_input_errors_with_the_line(name, data, needle):
    data = data if data is not None else (DATA / name).read_bytes()
    with pytest.raises(InputError, match=needle):
        read_document(data, name)


# ----------------------------------------------------------------------------- ODT / ODP


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(BytesIO(data))


@pytest.mark.parametrize("name", FIXTURES["odt"] + FIXTURES["odp"] + ["albu-kamal.odt", "albu-kamal.odp"])
def test_odf_only_content_changes_and_odfpy_opens_it(name):
    from lxml import etree
    from odf import opendocument, teletype
    from odf.text import H, P, Span

    data = data_of(name)
    document, out = translated(data, name)
    before, after = _zip(data), _zip(out)
    assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
    assert after.infolist()[0].filename == "mimetype" and after.infolist()[0].compress_type == zipfile.ZIP_STORED
    assert [n for n in before.namelist() if before.read(n) != after.read(n)] == ["content.xml"]
    old, new = etree.fromstring(before.read("content.xml")), etree.fromstring(after.read("content.xml"))
    assert [(e.tag, dict(e.attrib)) for e in old.iter() if "language" not in str(e.attrib)] == [
        (e.tag, dict(e.attrib)) for e in new.iter() if "language" not in str(e.attrib)]  # skeleton and styles kept
    loaded, original = opendocument.load(BytesIO(out)), opendocument.load(BytesIO(data))
    for kind in (P, H, Span):
        assert len(loaded.getElementsByType(kind)) == len(original.getElementsByType(kind))
    texts = [teletype.extractText(p) for p in loaded.getElementsByType(P) + loaded.getElementsByType(H)]
    for block in document.article.blocks:
        if any(s.translate for s in block.sentences):
            assert block.source not in texts
    assert any(t.startswith("EN") for t in texts)


def test_odt_seed_keeps_links_spans_breaks_and_sets_the_language():
    data = seed("albu-kamal.odt")
    _, out = translated(data, "albu-kamal.odt")
    content = _zip(out).read("content.xml").decode()
    original = _zip(data).read("content.xml").decode()
    for needle in ('xlink:href="https://www.ntb.no/"', "<text:line-break/>", '<text:s text:c="2"/>', "<table:table-cell", "<draw:text-box>"):
        assert content.count(needle) == original.count(needle) > 0, needle
    assert 'fo:language="nb"' in original and 'fo:language="nb"' not in content and 'fo:language="en"' in content
    assert "Motangrep" not in content and "Sivile drept" not in content and ">26<" in content


def test_odt_footnote_stays_in_its_sentence_and_comments_are_kept():
    from odf.dc import Creator
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.text import Note, NoteBody, NoteCitation, P

    doc = OpenDocumentText()
    paragraph = P(text="Regjeringen la fram budsjettet i dag")
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Kilde: Finansdepartementet."))
    note.addElement(body)
    paragraph.addElement(note)
    paragraph.addText(", og det var stramt.")
    comment = Annotation()
    comment.addElement(Creator(text="Kari"))
    comment.addElement(P(text="Sjekk tallene."))
    paragraph.addElement(comment)
    doc.text.addElement(paragraph)
    out = BytesIO()
    doc.write(out)
    document, written = translated(out.getvalue(), "fotnote.odt")
    assert [b.source for b in document.article.blocks] == [
        "Regjeringen la fram budsjettet i dag, og det var stramt.", "Kilde: Finansdepartementet."]
    content = _zip(written).read("content.xml").decode()
    assert "<text:note-citation>1</text:note-citation>" in content and "ENKILDE:" in content
    assert "<text:p>Sjekk tallene.</text:p>" in content and "<dc:creator>Kari</dc:creator>" in content
    assert "Regjeringen" not in content


@pytest.mark.parametrize("presentation", [False, True])
def test_flat_opendocument_is_read_and_written_as_one_xml_file(presentation):
    from lxml import etree
    from odf.opendocument import load

    flat = load(BytesIO(seeds.build_odt(presentation))).xml()  # odfpy's own flat rendering
    fmt = "fodp" if presentation else "fodt"
    assert detect_format("eksport.xml", flat) == fmt
    document, out = translated(flat, f"x.{fmt}")
    assert document.format == fmt and document.article.blocks
    old, new = etree.fromstring(flat), etree.fromstring(out)
    assert [e.tag for e in new.iter()] == [e.tag for e in old.iter()]
    assert b"Motangrep" in flat and b"Motangrep" not in out and b'fo:language="nb"' not in out


def test_odp_slide_titles_are_headings_and_slides_stay_slides():
    from odf.draw import Page
    from odf.opendocument import load

    data = seed("albu-kamal.odp")
    document, out = translated(data, "albu-kamal.odp")
    assert [b.kind for b in document.article.blocks].count("heading") == 2
    assert document.article.blocks[0].source == "Motangrep" and document.article.blocks[0].kind == "heading"
    assert len(load(BytesIO(out)).getElementsByType(Page)) == len(load(BytesIO(data)).getElementsByType(Page)) == 2


def test_odf_that_is_not_an_odf_is_refused():
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("styles.xml", "<x/>")
    with pytest.raises(InputError, match="content.xml"):
        read_document(out.getvalue(), "x.odt")
    spreadsheet = BytesIO()
    with zipfile.ZipFile(spreadsheet, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(InputError, match="only text documents"):
        read_document(spreadsheet.getvalue(), "x.odt", fmt="odt")
    with pytest.raises(InputError, match="not a zip"):
        read_document(b"just text", "x.odt")


# ----------------------------------------------------------------------------- PPTX


@pytest.mark.parametrize("name", FIXTURES["pptx"] + ["albu-kamal.pptx"])
def test_pptx_only_slide_and_notes_text_changes_and_python_pptx_opens_it(name):
    from pptx import Presentation

    data = data_of(name)
    document, out = translated(data, name)
    before, after = _zip(data), _zip(out)
    assert after.namelist() == before.namelist()
    changed = [n for n in before.namelist() if before.read(n) != after.read(n)]
    assert changed and all(re.match(r"ppt/(slides/slide|notesSlides/notesSlide)\d+\.xml$", n) for n in changed)
    old, new = Presentation(BytesIO(data)), Presentation(BytesIO(out))
    assert len(new.slides) == len(old.slides)
    for a, b in zip(old.slides, new.slides):
        assert [s.shape_type for s in a.shapes] == [s.shape_type for s in b.shapes]
        for sa, sb in zip(a.shapes, b.shapes):
            if sa.has_text_frame:
                assert [len(p.runs) for p in sa.text_frame.paragraphs] == [len(p.runs) for p in sb.text_frame.paragraphs]
                assert [[r.font.bold for r in p.runs] for p in sa.text_frame.paragraphs] == [
                    [r.font.bold for r in p.runs] for p in sb.text_frame.paragraphs]
    assert any(b.sentences and b.target != b.source for b in document.article.blocks)


def test_pptx_seed_translates_titles_tables_and_notes_and_keeps_media():
    from pptx import Presentation

    data = seed("albu-kamal.pptx")
    _, out = translated(data, "albu-kamal.pptx")
    deck = Presentation(BytesIO(out))
    texts = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
    assert texts[0].startswith("EN") and "Motangrep" not in " ".join(texts)
    table = next(shape.table for shape in deck.slides[2].shapes if shape.has_table)
    assert table.cell(0, 0).text.startswith("EN") and table.cell(0, 1).text == "26"
    assert deck.slides[1].notes_slide.notes_text_frame.text.startswith("EN")
    link = deck.slides[1].placeholders[1].text_frame.paragraphs[2].runs[0]
    assert link.hyperlink.address == "https://www.ntb.no/"
    media = [n for n in _zip(data).namelist() if n.startswith("ppt/media/")]
    assert media and all(_zip(data).read(n) == _zip(out).read(n) for n in media)
    assert b'lang="nb-NO"' not in _zip(out).read("ppt/slides/slide1.xml")


def test_pptx_blocks_follow_the_slide_order_of_the_presentation_with_notes_after_their_slide():
    from pptx import Presentation

    deck = Presentation(BytesIO(seed("albu-kamal.pptx")))
    ids = deck.slides._sldIdLst
    last = ids[-1]
    ids.remove(last)
    ids.insert(0, last)  # the table slide (slide3.xml) is now shown first
    out = BytesIO()
    deck.save(out)
    document = read_document(out.getvalue(), "omstokket.pptx")
    parts = list(dict.fromkeys(b.location.split("#")[0] for b in document.article.blocks))
    assert parts == ["ppt/slides/slide3.xml", "ppt/slides/slide1.xml", "ppt/slides/slide2.xml", "ppt/notesSlides/notesSlide1.xml"]


def test_pptx_broken_files_are_refused():
    data = seed("albu-kamal.pptx")
    with pytest.raises(InputError):
        read_document(data[: len(data) // 2], "halv.pptx")
    with pytest.raises(InputError, match="not a .pptx"):
        read_document(b"PK but not really", "x.pptx")


# ----------------------------------------------------------------------------- input limits


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The zip with some parts' content replaced (or added), deflated."""
    source, out = _zip(data), BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info.filename, replace.pop(info.filename, source.read(info.filename)),
                             zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED)
        for name, content in replace.items():
            archive.writestr(name, content)
    return out.getvalue()


BOMB = b"\0" * (20 * 1024 * 1024)  # 20 MiB of zeros deflate about 1000:1


@pytest.mark.parametrize("name, part", [("albu-kamal.odt", "content.xml"), ("albu-kamal.pptx", "ppt/slides/slide1.xml")])
def test_a_zip_bomb_in_a_text_part_is_refused_by_the_input_limits(name, part):
    with pytest.raises(InputError, match="zip-ratio"):
        read_document(_rezip(seed(name), {part: BOMB}), name)


@pytest.mark.parametrize("name, part", [("albu-kamal.odt", "Pictures/bomb.png"), ("albu-kamal.pptx", "ppt/media/bomb.png")])
def test_a_bomb_in_a_part_that_is_not_read_is_copied_through_never_inflated(name, part):
    data = _rezip(seed(name), {part: BOMB})
    _, out = translated(data, name)
    before, after = _zip(data).getinfo(part), _zip(out).getinfo(part)
    assert (after.compress_size, after.CRC, after.file_size) == (before.compress_size, before.CRC, before.file_size)


def test_deep_xml_and_oversized_subtitles_are_refused_by_the_input_limits():
    from translate.limits import InputLimits

    deep = b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
    deep += b"<a>" * 400 + b"</a>" * 400 + b"</office:document-content>"
    with pytest.raises(InputError, match="depth"):
        read_document(_rezip(seed("albu-kamal.odt"), {"content.xml": deep}), "dyp.odt")
    srt = seed("albu-kamal.srt")
    with pytest.raises(InputError, match="document-mb"):
        read_document(srt, "stor.srt", limits=InputLimits(document_mb=len(srt) / 2 / 1024 / 1024))


# ----------------------------------------------------------------------------- any model


ADVERSARIES = {
    "one-word": lambda s: "Word",
    "empty": lambda s: "",
    "reversed": lambda s: " ".join(reversed(s.split())),
    "much-longer": lambda s: (s + " ") * 3,
}


@pytest.mark.parametrize("adversary", sorted(ADVERSARIES))
@pytest.mark.parametrize("name", ["albu-kamal.odt", "albu-kamal.pptx", "albu-kamal.srt", "albu-kamal.vtt", "python-pptx-txt-text.pptx"])
def test_every_inline_element_and_cue_survives_any_model(name, adversary):
    data = data_of(name)
    before = read_document(data, name)
    _, out = translated(data, name, ADVERSARIES[adversary])
    again = read_document(out, name)  # the output reads back in its own format
    assert again.format == before.format
    if name.endswith((".srt", ".vtt")):
        assert len(_cues(out, name)) == len(_cues(data, name))
    else:
        assert _zip(out).namelist() == _zip(data).namelist()


# ----------------------------------------------------------------------------- the CLI, batch, serve


def run_cli(*args):
    from translate.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def model_args(tiny_marian_dir, tmp_path_factory) -> list[str]:
    return ["--model", str(tiny_marian_dir), "--beam-size", "1", "--cache-dir", str(tmp_path_factory.getbasetemp() / "office-ct2")]


def test_cli_translates_each_format_with_the_tiny_model(model_args, tmp_path):
    for name in ("albu-kamal.srt", "albu-kamal.vtt", "albu-kamal.odt", "albu-kamal.pptx"):
        (tmp_path / name).write_bytes(seed(name))
    srt = run_cli("translate", tmp_path / "albu-kamal.srt", *model_args)
    assert srt.exit_code == 0, srt.output
    assert len(_cues(srt.stdout_bytes, "x.srt")) == len(_cues(seed("albu-kamal.srt"), "x.srt"))
    refused = run_cli("translate", tmp_path / "albu-kamal.odt", *model_args)
    assert refused.exit_code == 2 and ".odt" in refused.stderr and "-o" in refused.stderr
    done = run_cli("translate", tmp_path / "albu-kamal.pptx", "-o", tmp_path / "out.pptx", *model_args)
    assert done.exit_code == 0, done.output
    as_json = run_cli("translate", tmp_path / "albu-kamal.vtt", "--format", "json", *model_args)
    assert as_json.exit_code == 0, as_json.output
    blocks = json.loads(as_json.stdout)["blocks"]
    assert blocks[0]["location"] == "cues 1-3" and blocks[0]["spans"][0]["kind"] == "v"


BROKEN = {
    "brutt.odt": b"PK\x03\x04 this zip ends here",
    "brutt.pptx": b"Not a presentation at all.",
    "brutt.srt": b"1\n00:00:01,000 --> 00:00:0x,000\nHei.\n",
    "brutt.vtt": b"WEBVTT\n\nkamal-1\nnot a timing\nHei.\n",
    "brutt.odp": b"",
    "brutt.pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog",  # truncated
}


def test_batch_over_every_format_and_a_broken_file_of_each(model_args, tmp_path):
    from pdf_samples import seed_pdf

    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    names = [f"albu-kamal.{ext}" for ext in ("odt", "odp", "pptx", "srt", "vtt", "pdf")]
    for name in names:
        (in_dir / name).write_bytes(seed_pdf(columns=2) if name.endswith(".pdf") else seed(name))
    good = run_cli("batch", in_dir, out_dir, *model_args)
    assert good.exit_code == 0, good.output
    rows = [json.loads(line) for line in (out_dir / "nb2en-report.jsonl").read_text().splitlines()]
    assert sorted(row["path"] for row in rows) == sorted(names) and {row["status"] for row in rows} == {"ok"}
    written = sorted(p.name for p in out_dir.iterdir() if ".en." in p.name)
    assert written == sorted(n.replace(".", ".en.", 1) for n in names)
    for name, data in BROKEN.items():
        (in_dir / name).write_bytes(data)
        alone = run_cli("translate", in_dir / name, "--format", "json", *model_args)
        assert alone.exit_code == 2, (name, alone.output)
        assert "Traceback" not in alone.output and alone.stderr.strip().count("\n") <= 1, alone.stderr
    mixed = run_cli("batch", in_dir, tmp_path / "out2", *model_args)
    assert mixed.exit_code == 1, mixed.output
    rows = {row["path"]: row for row in (json.loads(line) for line in (tmp_path / "out2" / "nb2en-report.jsonl").read_text().splitlines())}
    assert {p for p, row in rows.items() if row["status"] == "failed"} == set(BROKEN)
    assert all(rows[name]["error"] for name in BROKEN) and all(rows[name]["status"] == "ok" for name in names)


def test_serve_translate_file_takes_each_format(tiny_marian_dir, tmp_path):
    import httpx
    from serve_harness import running_server

    with running_server(tiny_marian_dir, tmp_path / "serve-cache") as live:
        for name in ("albu-kamal.odt", "albu-kamal.pptx", "albu-kamal.srt", "albu-kamal.vtt"):
            data = seed(name)
            response = httpx.post(
                live.url + "/translate_file", data={"source": "nb", "target": "en"},
                files={"file": (name, data, "application/octet-stream")}, timeout=120,
            )
            assert response.status_code == 200, response.text
            download = httpx.get(response.json()["translatedFileUrl"])
            assert download.status_code == 200
            assert f'filename="{name.replace(".", ".en.", 1)}"' in download.headers["content-disposition"]
            assert download.content != data and detect_format(name, download.content) == name.rpartition(".")[2]
        bad = httpx.post(
            live.url + "/translate_file", data={"source": "nb", "target": "en"},
            files={"file": ("brutt.srt", BROKEN["brutt.srt"], "application/x-subrip")}, timeout=60,
        )
        assert bad.status_code == 400 and "timing line" in bad.json()["error"]
