"""PDF in, PDF out with the layout kept: real files from pypdf's and pdfminer.six's test
corpora (tests/data/pdf/README.md) and Norwegian PDFs made from the seed article.

The "translation" is a deterministic fake (upper case) so the tests can say exactly which
text was replaced; one CLI test and the batch test run the tiny real Marian model.
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdf_samples import IMAGE_BOX, LINK_RECT, LINK_URL, PAGE, form_text_pdf, ocr_pdf, scanned_pdf, seed_pdf
from translate.article import HEADING
from translate.errors import InputError
from translate.formats import detect_format, read_document, write_document
from translate.formats.pdf import TextBox, drawable, fit, standard_font

DATA = Path(__file__).parent / "data" / "pdf"
REAL = ["crazyones.pdf", "labeled-edges-center-image.pdf", "simple4.pdf", "zen_of_python_corrupted.pdf"]


def fake_translate(document):
    for sentence in document.article.sentences():
        sentence.target = sentence.source.upper() if sentence.translate else sentence.source
    return document


def roundtrip(data: bytes, label: str = "in.pdf"):
    document = fake_translate(read_document(data, label))
    return document, write_document(document)


def reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(BytesIO(data))


def skeleton(data: bytes) -> list:
    """Per page: its size, its annotations (type, rectangle, URI) and its image names."""
    pages = []
    for page in reader(data).pages:
        annotations = []
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A") or {}
            annotations.append((annotation["/Subtype"], [round(float(v), 2) for v in annotation["/Rect"]], action.get("/URI")))
        # pypdf writes a real number with up to 6 decimals (595.303937007874 -> 595.303937)
        pages.append(([round(float(v), 3) for v in page.mediabox], page.get("/Rotate", 0), annotations, sorted(image.name for image in page.images)))
    return pages


def words(data: bytes) -> str:
    return " ".join(page.extract_text() for page in reader(data).pages)


@pytest.fixture(scope="module")
def one_column() -> bytes:
    return seed_pdf(columns=1)


@pytest.fixture(scope="module")
def two_columns() -> bytes:
    return seed_pdf(columns=2)


# ----------------------------------------------------------------------------- reading


def test_detected_from_magic_and_extension(one_column):
    assert detect_format("a.pdf", one_column) == "pdf"
    assert detect_format("no-extension", one_column) == "pdf"
    with pytest.raises(InputError, match="not a PDF"):
        detect_format("fake.pdf", b"Dette er ikke en PDF.")
    assert detect_format("junk-first.pdf", b"junk\n" + one_column) == "pdf"  # as readers accept it
    assert detect_format("notat.txt", "Filen starter med %PDF-1.7, sa han.".encode()) == "txt"


def test_two_columns_read_left_column_first_and_heading_from_font_size(two_columns):
    document = read_document(two_columns, "to-spalter.pdf")
    sources = [block.source for block in document.article.blocks]
    assert document.article.blocks[0].kind == HEADING and sources[0] == "IS har tatt tilbake Albu Kamal"
    assert all(block.kind != HEADING for block in document.article.blocks[1:])
    left_last = next(i for i, s in enumerate(sources) if s.startswith("SOHR identifiserer"))
    right_first = next(i for i, s in enumerate(sources) if s.startswith("Mediagruppen DeirEzzor24"))
    assert right_first == left_last + 1  # the whole first column, then the second
    assert [b.location for b in document.article.blocks][:2] == ["page 1#b1", "page 1#b2"]
    # a word broken at a line end is one word again; the dialogue dash is kept aside
    assert all("- " not in s for s in sources)
    assert any(block.prefix == "– " for block in document.article.blocks)


def test_one_column_reads_the_seed_article_in_order(one_column):
    document = read_document(one_column, "en-spalte.pdf")
    sources = [block.source for block in document.article.blocks]
    assert sources.index("NTB, november 2017, side 1") == 1
    assert sources[3].startswith("Det melder eksilgruppa") and sources[4].startswith("Gruppa melder også")
    assert document.source.sha256.startswith("sha256:")


@pytest.mark.parametrize(
    "data, needle",
    [
        (lambda: scanned_pdf(), "no text layer"),
        (lambda: (DATA / "box.pdf").read_bytes(), "no text layer"),
        (form_text_pdf, "inside form XObjects"),
        (lambda: seed_pdf()[: len(seed_pdf()) // 2], "truncated PDF"),
        (lambda: b"%PDF-1.7\n" + b"\0" * 300 + b"\n%%EOF\n", "damaged or truncated PDF"),
    ],
    ids=["scan", "vector-only", "form-text-only", "truncated", "garbage"],
)
def test_refused_with_one_sentence(data, needle):
    with pytest.raises(InputError, match=needle) as caught:
        read_document(data(), "x.pdf")
    assert str(caught.value).count(". ") <= 2 and "\n" not in str(caught.value)


def test_input_limits_bound_pages_and_page_content():
    from translate.limits import InputLimits

    data = seed_pdf(columns=2, pages=3)
    with pytest.raises(InputError, match=r"has 3 pages, over the pdf-pages limit of 2\. .*--input-limit pdf-pages=N"):
        read_document(data, "lang.pdf", limits=InputLimits(pdf_pages=2))
    with pytest.raises(InputError, match=r"of content on page 1, over the document-mb limit"):
        read_document(data, "lang.pdf", limits=InputLimits(document_mb=0.001))
    assert read_document(data, "lang.pdf", limits=InputLimits(pdf_pages=3)).article.blocks


# ----------------------------------------------------------------------------- writing


@pytest.mark.parametrize("columns, pages", [(1, 1), (2, 3)])
def test_norwegian_pdf_english_replaces_the_text_and_keeps_the_rest(columns, pages):
    data = seed_pdf(columns=columns, pages=pages)
    document, english = roundtrip(data)
    out = reader(english)
    assert len(out.pages) == len(reader(data).pages) == pages
    assert [b.location.split("#")[0] for b in document.article.blocks][-1] == f"page {pages}"
    assert skeleton(english) == skeleton(data)  # page sizes, the link, the image
    assert skeleton(data)[0][2] == [("/Link", [round(v, 2) for v in LINK_RECT], LINK_URL)]
    assert skeleton(data)[0][3]  # there is an image to keep
    text = words(english)
    kept = {word for block in document.article.blocks if block.target == block.source for word in block.source.split()}
    assert {word for word in text.split() if word != word.upper()} <= kept  # no Norwegian left
    assert "eksilgruppa" not in text and "EKSILGRUPPA" in text
    assert "Albu Kamal" not in text and "ALBU KAMAL" in text


@pytest.mark.parametrize("name", REAL)
def test_real_pdfs_keep_pages_sizes_links_and_images(name):
    data = (DATA / name).read_bytes()
    document, english = roundtrip(data, name)
    assert document.article.blocks
    assert skeleton(english) == skeleton(data)
    before, after = words(data), words(english)
    changed = [b for b in document.article.blocks if b.target != b.source]
    assert changed
    for block in changed:
        target = drawable(block.target)
        assert target in " ".join(after.split()) or all(word in after for word in target.split())
    assert len(after) > 0 and after != before


def test_rotated_page_is_read_and_redrawn_as_it_is_seen():
    """A page with /Rotate 90: blocks in the order a reader sees them, the English drawn
    upright in the same boxes (checked by reading the output again)."""
    data = (DATA / "zen_of_python_corrupted.pdf").read_bytes()
    document, english = roundtrip(data, "zen.pdf")
    sources = [block.source for block in document.article.blocks]
    header = sources.index("zen_of_python.txt")
    body = next(i for i, source in enumerate(sources) if source.startswith("Beautiful is better than ugly."))
    assert header < body
    changed = [b for b in document.article.blocks if b.target != b.source]
    assert changed
    again = read_document(english, "zen.en.pdf").article.blocks
    for block in changed:
        box = block.node
        assert any(abs(b.node.x0 - box.x0) < 2 and abs(b.node.y1 - box.y1) < 3 and b.source[:12] == drawable(block.target)[:12] for b in again)


def test_ocr_layer_of_a_scan_gets_its_english_on_white_over_the_scanned_words():
    import pypdfium2 as pdfium

    data = ocr_pdf()
    document, english = roundtrip(data, "skannet.pdf")
    assert "REGJERINGEN LEGGER FRAM BUDSJETTET I DAG." in " ".join(words(english).split())
    box = document.article.blocks[0].node

    def pixels(pdf: bytes):
        image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
        return image.crop((round(box.x0), round(PAGE[1] - box.y1), round(box.x1), round(PAGE[1] - box.y0))).getcolors(1 << 20)

    assert (255, 255, 255) not in {color for _, color in pixels(data)}  # only the photo there before
    assert (255, 255, 255) in {color for _, color in pixels(english)}  # the scanned words covered


def test_unchanged_pdf_is_written_back_whole(one_column):
    document = read_document(one_column, "x.pdf")
    for sentence in document.article.sentences():
        sentence.target = sentence.source
    english = write_document(document)
    assert words(english) == words(one_column)


def test_text_that_does_not_fit_shrinks_then_overflows_below_never_cut():
    box = TextBox(0, 100, 700, 300, 712, "Helvetica", 10.0, 12.0, 1)
    assert fit("Kort.", "Helvetica", box) == (10.0, ["Kort."])
    size, lines = fit("A much longer English heading than the Norwegian one", "Helvetica", box)
    assert size < 10 and len(lines) == 1  # one line shrinks on its line first
    text = " ".join(["word"] * 400)
    size, lines = fit(text, "Helvetica", box)
    assert size == pytest.approx(5.0, abs=0.25)  # never below half the size
    assert " ".join(lines) == text  # every word is drawn (below the box)


def test_lines_join_into_one_text_with_broken_words_mended():
    from translate.formats.pdf import _join_lines

    assert _join_lines(["Det norske sam-", "funnet er  ", "SOHR-", "leder i Nord-", "Norge – 15 sivile"]) == (
        "Det norske samfunnet er SOHR-leder i Nord-Norge – 15 sivile"
    )


def test_font_names_map_to_standard_fonts():
    assert standard_font("TimesNewRomanPS-BoldItalicMT") == "Times-BoldItalic"
    assert standard_font("Arial-BoldMT") == "Helvetica-Bold"
    assert standard_font("SFTI1200") == "Times-Italic"
    assert standard_font("LiberationSerif") == "Times-Roman"
    assert standard_font("DejaVuSansMono") == "Courier"
    assert standard_font("Calibri") == "Helvetica"


def test_page_one_renders_with_images_and_layout_boxes_where_they_were(two_columns, tmp_path):
    """Render page 1 of input and output (pypdfium2): the photo and the vector box are
    pixel-identical, and every English block lies in the box of the Norwegian it replaced."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    document, english = roundtrip(two_columns)
    scale = 1.0

    def render(data: bytes):
        return pdfium.PdfDocument(data)[0].render(scale=scale).to_pil().convert("RGB")

    before, after = render(two_columns), render(english)
    assert before.size == after.size == (round(PAGE[0]), round(PAGE[1]))
    x, y, w, h = IMAGE_BOX
    frame = (round(x), round(PAGE[1] - y - h), round(x + w + 20 + 120 + 2), round(PAGE[1] - y))
    assert ImageChops.difference(before.crop(frame), after.crop(frame)).getbbox() is None
    assert ImageChops.difference(before, after).getbbox() is not None  # the text did change

    boxes = [b.node for b in document.article.blocks]
    again = read_document(english, "out.pdf")
    for block in again.article.blocks:
        new = block.node
        cx, top = (new.x0 + new.x1) / 2, new.y1
        assert any(b.x0 - 2 <= cx <= b.x1 + 2 and b.y0 - 2 <= top <= b.y1 + 2 for b in boxes), block.source
    before.save(tmp_path / "in.png")
    after.save(tmp_path / "out.png")


# ----------------------------------------------------------------------------- doors


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf-ct2")


@pytest.fixture
def model_args(tiny_marian_dir, ct2_dir) -> list[str]:
    return ["--model", str(tiny_marian_dir), "--beam-size", "1", "--cache-dir", str(ct2_dir)]


def run_cli(*args):
    from translate.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_cli_pdf_to_pdf_markdown_and_json(two_columns, model_args, tmp_path):
    source = tmp_path / "artikkel.pdf"
    source.write_bytes(two_columns)
    out = tmp_path / "artikkel.en.pdf"
    result = run_cli("translate", source, "-o", out, *model_args)
    assert result.exit_code == 0, result.output
    assert skeleton(out.read_bytes()) == skeleton(two_columns)
    refused = run_cli("translate", source, *model_args)
    assert refused.exit_code == 2 and "Pass -o FILE.pdf" in refused.stderr
    markdown = run_cli("translate", source, "-f", "markdown", *model_args)
    assert markdown.exit_code == 0 and markdown.stdout.startswith("## ")
    data = json.loads(run_cli("translate", source, "-f", "json", *model_args).stdout)
    assert data["source"]["format"] == "pdf" and data["blocks"][0]["location"] == "page 1#b1"
    split = run_cli("split", source)
    assert split.exit_code == 0 and split.stdout.startswith("IS har tatt tilbake Albu Kamal\n\n")
    renamed = tmp_path / "artikkel.bin"
    renamed.write_bytes(two_columns)
    forced = run_cli("translate", renamed, "--from", "pdf", "-f", "text", *model_args)
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize(
    "name, data, needle",
    [
        ("skann.pdf", scanned_pdf, "no text layer"),
        ("avkuttet.pdf", lambda: seed_pdf()[:-600], "truncated"),
        ("falsk.pdf", lambda: b"Dette er ikke en PDF.", "not a PDF"),
        ("lang.pdf", lambda: seed_pdf(pages=2), "pdf-pages limit of 1"),
    ],
)
def test_bad_pdfs_exit_2_without_traceback(name, data, needle, tmp_path, model_args):
    path = tmp_path / name
    path.write_bytes(data())
    result = run_cli("translate", path, "--input-limit", "pdf-pages=1", *model_args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "Traceback" not in result.output


def test_batch_translates_pdfs_and_reports_a_broken_one(two_columns, model_args, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "a.pdf").write_bytes(two_columns)
    (in_dir / "crazy.pdf").write_bytes((DATA / "crazyones.pdf").read_bytes())
    (in_dir / "broken.pdf").write_bytes(two_columns[: len(two_columns) // 2])
    result = run_cli("batch", in_dir, out_dir, *model_args)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in out_dir.glob("*.en.pdf")) == ["a.en.pdf", "crazy.en.pdf"]
    assert skeleton((out_dir / "a.en.pdf").read_bytes()) == skeleton(two_columns)
    rows = [json.loads(line) for line in (out_dir / "nb2en-report.jsonl").read_text().splitlines()]
    failed = {row["path"]: row["error"] for row in rows if row["status"] == "failed"}
    assert list(failed) == ["broken.pdf"] and "truncated" in failed["broken.pdf"]


def test_serve_translate_file_takes_a_pdf_and_refuses_a_scan(two_columns, tiny_marian_dir, tmp_path):
    """`/translate_file` takes a PDF and gives a PDF back (same pages, sizes, link); a scan
    is a 400 with a JSON error that says why."""
    import httpx
    from serve_harness import running_server

    with running_server(tiny_marian_dir, tmp_path / "cache") as server:
        response = httpx.post(
            server.url + "/translate_file",
            data={"source": "nb", "target": "en"},
            files={"file": ("artikkel.pdf", two_columns, "application/pdf")},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        download = httpx.get(response.json()["translatedFileUrl"], timeout=60)
        assert download.status_code == 200
        assert 'filename="artikkel.en.pdf"' in download.headers["content-disposition"]
        assert download.headers["content-type"] == "application/pdf"
        assert skeleton(download.content) == skeleton(two_columns)
        scan = httpx.post(
            server.url + "/translate_file",
            data={"source": "nb", "target": "en"},
            files={"file": ("skann.pdf", scanned_pdf(), "application/pdf")},
            timeout=60,
        )
        assert scan.status_code == 400 and "no text layer" in scan.json()["error"]
