"""Build the Norwegian test files of each format from the seed article (NTB, Albu Kamal).

    python tests/data/formats/make_seed_files.py     # writes albu-kamal.{odt,odp,pptx,srt,vtt} here

Only the subtitle files are committed (text); the tests build the ODT, ODP and PPTX with
odfpy and python-pptx through ``BUILDERS`` (no binary seed files in the repository, as for
the DOCX sample). Sentences deliberately run across subtitle cues.
"""

from __future__ import annotations

import sys
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[2] / "seeds" / "ntb-2017-11-albu-kamal.txt"


def paragraphs() -> list[str]:
    """The seed's blocks (its first line, the date line, left out)."""
    text = SEED.read_text(encoding="utf-8")
    blocks = [" ".join(b.split()) for b in text.split("\n\n") if b.strip()]
    return blocks[1:]


def build_odt(presentation: bool = False) -> bytes:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation, OpenDocumentText
    from odf.style import MasterPage, PageLayout, ParagraphProperties, Style, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import A, H, LineBreak, List, ListItem, P, S, Span

    blocks = paragraphs()
    doc = OpenDocumentPresentation() if presentation else OpenDocumentText()
    norsk = Style(name="Norsk", family="paragraph")
    norsk.addElement(TextProperties(language="nb", country="NO"))
    doc.styles.addElement(norsk)
    bold = Style(name="Fet", family="text")
    bold.addElement(TextProperties(fontweight="bold", language="nb", country="NO"))
    doc.automaticstyles.addElement(bold)
    heading = Style(name="Overskrift", family="paragraph")
    heading.addElement(ParagraphProperties(margintop="0.2cm"))
    doc.automaticstyles.addElement(heading)

    def rich(text: str) -> P:
        """A paragraph with a bold span, a link and a double space (text:s)."""
        paragraph = P(stylename=norsk)
        words = text.split(" ")
        paragraph.addText(" ".join(words[:3]) + " ")
        paragraph.addElement(Span(stylename=bold, text=" ".join(words[3:6])))
        paragraph.addText(" ")
        paragraph.addElement(A(href="https://www.ntb.no/", text=words[6] if len(words) > 6 else "NTB"))
        paragraph.addText(" " + " ".join(words[7:]))
        return paragraph

    if presentation:
        layout = PageLayout(name="Lysbilde")
        doc.automaticstyles.addElement(layout)
        master = MasterPage(name="Standard", pagelayoutname=layout)
        doc.masterstyles.addElement(master)
        for number, chunk in enumerate((blocks[0:3], blocks[3:6]), start=1):
            page = Page(name=f"side{number}", masterpagename=master)
            doc.presentation.addElement(page)
            frame = Frame(width="20cm", height="3cm", x="2cm", y="1cm", attributes={"class": "title"})
            box = TextBox()
            box.addElement(P(text=chunk[0] if number == 2 else "Motangrep"))
            frame.addElement(box)
            page.addElement(frame)
            body = Frame(width="20cm", height="12cm", x="2cm", y="5cm")
            box = TextBox()
            for text in chunk[1:]:
                box.addElement(rich(text))
            body.addElement(box)
            page.addElement(body)
        return _save(doc)
    doc.text.addElement(H(outlinelevel=1, stylename=heading, text="IS har gjenerobret Albu Kamal"))
    doc.text.addElement(rich(blocks[0]))
    doc.text.addElement(P(stylename=norsk, text=blocks[1]))
    doc.text.addElement(H(outlinelevel=2, text=blocks[3]))
    line = P(stylename=norsk)
    line.addText(blocks[4][:40].rsplit(" ", 1)[0])
    line.addElement(LineBreak())
    line.addText(blocks[4][len(blocks[4][:40].rsplit(" ", 1)[0]) + 1 :])
    line.addElement(S(c=2))
    doc.text.addElement(line)
    items = List()
    for text in blocks[6:8]:
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    doc.text.addElement(items)
    column = Style(name="Kolonne", family="table-column")
    column.addElement(TableColumnProperties(columnwidth="8cm"))
    doc.automaticstyles.addElement(column)
    table = Table(name="Tall")
    table.addElement(TableColumn(numbercolumnsrepeated=2, stylename=column))
    for left, right in (("Sivile drept", "26"), ("Barn drept i flyktningleiren", "sju")):
        row = TableRow()
        for value in (left, right):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    doc.text.addElement(table)
    frame = Frame(width="8cm", height="3cm", anchortype="paragraph")
    box = TextBox()
    box.addElement(P(text="Bildetekst: Syriske regjeringsstyrker nær grensa til Irak."))
    frame.addElement(box)
    holder = P()
    holder.addElement(frame)
    doc.text.addElement(holder)
    return _save(doc)


def _save(doc) -> bytes:
    out = BytesIO()
    doc.write(out)
    return out.getvalue()


def _png() -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (64, 32), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def build_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    blocks = paragraphs()
    prs = Presentation()
    title = prs.slides.add_slide(prs.slide_layouts[0])
    title.shapes.title.text = "IS har gjenerobret Albu Kamal"
    title.placeholders[1].text = "Syriske regjeringsstyrker står et par kilometer fra bygrensa"
    for run in title.shapes.title.text_frame.paragraphs[0].runs:
        run.font._rPr.set("lang", "nb-NO")
    content = prs.slides.add_slide(prs.slide_layouts[1])
    content.shapes.title.text = "Motangrep"
    frame = content.placeholders[1].text_frame
    frame.text = blocks[0]
    paragraph = frame.add_paragraph()
    words = blocks[1].split(" ")
    first = paragraph.add_run()
    first.text = " ".join(words[:4]) + " "
    strong = paragraph.add_run()
    strong.text = " ".join(words[4:8])
    strong.font.bold = True
    rest = paragraph.add_run()
    rest.text = " " + " ".join(words[8:])
    link = frame.add_paragraph().add_run()
    link.text = "Les mer hos NTB"
    link.hyperlink.address = "https://www.ntb.no/"
    content.notes_slide.notes_text_frame.text = blocks[2]
    content.shapes.add_picture(BytesIO(_png()), Inches(8), Inches(6), Inches(1), Inches(0.5))
    numbers = prs.slides.add_slide(prs.slide_layouts[5])
    numbers.shapes.title.text = "Tap i flyktningleirene"
    table = numbers.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(8), Inches(1.5)).table
    for row, (left, right) in enumerate((("Sivile drept", "26"), ("Barn drept i flyktningleiren", "sju"))):
        table.cell(row, 0).text = left
        table.cell(row, 1).text = right
    out = BytesIO()
    prs.save(out)
    return out.getvalue()


def _cues(max_chars: int = 70) -> list[str]:
    """The seed's first paragraphs cut into cues of at most ``max_chars``, across sentences."""
    cues: list[str] = []
    for block in paragraphs()[:6]:
        current = ""
        for word in block.split(" "):
            if current and len(current) + 1 + len(word) > max_chars:
                cues.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        if current:
            cues.append(current)
    return cues


def _two_lines(text: str) -> str:
    if len(text) <= 42:
        return text
    words = text.split(" ")
    best = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    return " ".join(words[:best]) + "\n" + " ".join(words[best:])


def _time(seconds: float, comma: bool) -> str:
    hours, rest = divmod(int(seconds * 1000), 3600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if comma else '.'}{millis:03d}"


def build_srt() -> bytes:
    parts = []
    for index, cue in enumerate(_cues(), start=1):
        start = 1.5 + (index - 1) * 3.2
        text = _two_lines(cue)
        if index == 3:
            text = f"<i>{text}</i>"
        if index == 5:
            text = "{\\an8}" + text
        parts.append(f"{index}\n{_time(start, True)} --> {_time(start + 3.0, True)}\n{text}\n")
    parts.append(f"{len(parts) + 1}\n{_time(200, True)} --> {_time(203, True)}\n- Er det sant?\n- Ja, det er sant.\n")
    return "\n".join(parts).replace("\n", "\r\n").encode("utf-8")


def build_vtt() -> bytes:
    lines = [
        "WEBVTT - NTB: Albu Kamal",
        "Kind: captions",
        "Language: nb",
        "",
        "REGION",
        "id:nederst",
        "width:80%",
        "regionanchor:0%,100%",
        "",
        "STYLE",
        "::cue(.gul) {",
        "  color: yellow;",
        "}",
        "",
        "NOTE Tekstet av NTB-desken; tidskodene er omtrentlige.",
        "",
    ]
    for index, cue in enumerate(_cues(), start=1):
        start = 1.5 + (index - 1) * 3.2
        text = _two_lines(cue)
        if index == 2:
            text = f"<v Rami Abdulrahman>{text}</v>"
        if index == 4:
            words = text.split(" ")
            text = " ".join(words[:2]) + " <c.gul>" + " ".join(words[2:4]) + "</c> " + " ".join(words[4:])
        if index == 6:
            text = text.replace("Syria", "<b>Syria</b>", 1)
        settings = " region:nederst line:90% align:center" if index % 2 else ""
        lines += [f"kamal-{index}", f"{_time(start, False)} --> {_time(start + 3.0, False)}{settings}", *text.split("\n"), ""]
    lines += ["NOTE", "Slutt på første del.", "", f"{_time(200, False)} --> {_time(203, False)}", "Sivile &amp; barn er drept.", ""]
    return "\n".join(lines).encode("utf-8")


BUILDERS = {
    "albu-kamal.odt": build_odt,
    "albu-kamal.odp": lambda: build_odt(presentation=True),
    "albu-kamal.pptx": build_pptx,
    "albu-kamal.srt": build_srt,
    "albu-kamal.vtt": build_vtt,
}


def main(target: Path = HERE) -> None:
    for name, builder in BUILDERS.items():
        (target / name).write_bytes(builder())
        print(target / name, file=sys.stderr)


if __name__ == "__main__":
    main()
