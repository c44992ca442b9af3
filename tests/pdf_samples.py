"""Norwegian PDFs made from the seed article with reportlab, at test time (no binary checked in).

``seed_pdf(columns=1)`` is one page in one column; ``seed_pdf(columns=2)`` sets the body in
two columns under a full-width title. Each page has a title, body paragraphs, a photo
(a generated image), a rule and a box (vector graphics) and a link annotation, so a test
can check that everything but the text is where it was. ``pages=N`` repeats the article.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "seeds" / "ntb-2017-11-albu-kamal.txt"
PAGE = (595.0, 842.0)  # A4 in points
MARGIN = 56.0
IMAGE_BOX = (MARGIN, 560.0, 200.0, 120.0)  # x, y, width, height of the photo
LINK_RECT = (MARGIN, 540.0, MARGIN + 200.0, 552.0)
LINK_URL = "https://www.ntb.no/"


def seed_paragraphs() -> tuple[str, list[str]]:
    """The seed article's title (its first heading) and body paragraphs."""
    chunks = [c.strip() for c in SEED.read_text(encoding="utf-8").split("\n\n") if c.strip()]
    body = [c for c in chunks[1:] if len(c.split()) > 3]
    return "IS har tatt tilbake Albu Kamal", body


def _photo():
    from PIL import Image

    image = Image.new("RGB", (200, 120), (30, 90, 160))
    for x in range(200):
        for y in range(60, 120):
            image.putpixel((x, y), (200, 120 + y, 40))
    return image


def seed_pdf(columns: int = 1, pages: int = 1) -> bytes:
    from reportlab.lib.utils import ImageReader, simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    title, paragraphs = seed_paragraphs()
    out = BytesIO()
    canvas = Canvas(out, pagesize=PAGE)
    canvas.setTitle(title)
    photo = ImageReader(_photo())
    gutter = 18.0
    width = PAGE[0] - 2 * MARGIN
    column_width = width if columns == 1 else (width - gutter) / 2
    for page in range(pages):
        canvas.setFont("Helvetica-Bold", 20)
        canvas.drawString(MARGIN, PAGE[1] - MARGIN - 20, title)
        canvas.setFont("Helvetica-Oblique", 9)
        canvas.drawString(MARGIN, PAGE[1] - MARGIN - 38, f"NTB, november 2017, side {page + 1}")
        canvas.setStrokeColorRGB(0.8, 0.1, 0.1)
        canvas.setLineWidth(2)
        canvas.line(MARGIN, PAGE[1] - MARGIN - 46, PAGE[0] - MARGIN, PAGE[1] - MARGIN - 46)
        x, y, w, h = IMAGE_BOX
        canvas.drawImage(photo, x, y, w, h)
        canvas.rect(x + w + 20, y, 120, h, stroke=1, fill=0)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(LINK_RECT[0], LINK_RECT[1] + 2, "Foto: NTB scanpix")
        canvas.linkURL(LINK_URL, LINK_RECT, relative=0)
        top = 520.0
        column, cursor = 0, top
        canvas.setFont("Times-Roman", 10)
        for paragraph in paragraphs:
            lines = simpleSplit(paragraph, "Times-Roman", 10, column_width)
            if cursor - 12.5 * len(lines) < MARGIN:
                if columns == 2 and column == 0:
                    column, cursor = 1, top
                else:
                    break
            left = MARGIN + column * (column_width + gutter)
            for line in lines:
                canvas.drawString(left, cursor, line)
                cursor -= 12.5
            cursor -= 8
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A 'scan': one page holding only an image, no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, pagesize=PAGE)
    canvas.drawImage(ImageReader(_photo()), 50, 300, 495, 300)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def write_docs_pngs(folder: Path) -> None:
    """docs/pdf-before.png and docs/pdf-after.png: page 1 of the two-column seed PDF and of
    its English, with the tests' stand-in translator (upper case: no model runs here)."""
    import pypdfium2 as pdfium

    from translate.formats import read_document, write_document

    data = seed_pdf(columns=2)
    document = read_document(data, "seed.pdf")
    for sentence in document.article.sentences():
        sentence.target = sentence.source.upper() if sentence.translate else sentence.source
    for name, pdf in (("pdf-before.png", data), ("pdf-after.png", write_document(document))):
        image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB").quantize(64)
        image.save(folder / name, optimize=True)


if __name__ == "__main__":  # python tests/pdf_samples.py docs
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    write_docs_pngs(Path(sys.argv[1]))


def form_text_pdf() -> bytes:
    """A page whose only text is drawn inside a form XObject (not rewritten: refused)."""
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, pagesize=PAGE)
    canvas.beginForm("stempel")
    canvas.setFont("Helvetica", 12)
    canvas.drawString(100, 700, "Dette står i et skjema.")
    canvas.endForm()
    canvas.doForm("stempel")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def ocr_pdf() -> bytes:
    """A scan with an OCR layer: a page-size image and, over it, invisible text (render mode 3)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, pagesize=PAGE)
    canvas.drawImage(ImageReader(_photo()), 0, 0, PAGE[0], PAGE[1])
    text = canvas.beginText(MARGIN, 700)
    text.setTextRenderMode(3)
    text.setFont("Times-Roman", 12)
    for line in ("Regjeringen legger fram budsjettet i dag.", "Det blir dyrere å kjøre bil i Oslo."):
        text.textLine(line)
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
