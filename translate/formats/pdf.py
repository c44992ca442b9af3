"""PDF documents with a text layer: read the text blocks, redraw them in English in place.

Libraries (all permissive; PyMuPDF is AGPL and so never a dependency of the server):

- pdfminer.six (MIT) finds the text blocks: lines grouped into boxes, with each
  character's font, size, colour and position.
- pypdf (BSD-3-Clause) reads the page content streams, removes the text-showing operators
  of the blocks that changed and merges the English overlay onto each page; everything
  else in the file (images, vector graphics, annotations and links, outlines, page sizes)
  is carried over as it was.
- reportlab (BSD-3-Clause) draws the English of each block into its own box, in the
  standard-14 font nearest the original (serif/sans/mono, bold, italic from the font name),
  in the original colour and size, shrunk to fit.

Each block's box is the union of its lines' boxes. Its English is wrapped to the box
width; if the lines do not fit the box height, the size is lowered in 4% steps down to
half the original size (never below 4 pt). A one-line block (a heading, a label) first
shrinks on its one line and wraps only if that is not enough. The paragraphs of one font
and size on a page then share the smallest size any of them needed, so body text stays
even. Text that still does not fit at that size is drawn anyway, continuing below the
box: nothing is cut. Blocks whose text did not change
(a number, an English quote, a name) are left exactly as they were, in their own font.

A block whose text was invisible (render mode 3: the OCR layer of a scan) gets its
English in black on a white box over the scanned words.

Reading order (for ``--format text|markdown|json``): on each page, blocks that cross the
middle of the page are full width; between two of them, the blocks of the left column come
before those of the right column, each top to bottom. Headings are found from font size
(at least 15% above the document's body size, at most 3 lines).

Limits: text inside form XObjects, rotated or vertical text (relative to the page as
seen), and Type 3 glyph drawings stay as they are. A page's ``/Rotate`` is honoured:
blocks are found and the English drawn upright in the page as a reader sees it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from io import BytesIO

from translate.article import HEADING, PARAGRAPH, Article, text_block
from translate.errors import InputError
from translate.formats import PDF_MAGIC, Document, source_text

# A heading's size is at least this much above the body size.
HEADING_RATIO = 1.15
HEADING_MAX_LINES = 3
# Shrinking to fit: 4% a step, down to half the size, never below 4 pt.
SHRINK_STEP = 0.96
SHRINK_FLOOR = 0.5
MIN_SIZE = 4.0
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_SUBSET = re.compile(r"^[A-Z]{6}\+")
_SHOW = {b"Tj", b"TJ", b"'", b'"'}
# What pypdf raises on a damaged file (besides its own PdfReadError).
_BROKEN = (ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError)


@dataclass
class TextBox:
    """One block's place on its page (as seen: /Rotate applied) and the look of its text."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    font: str  # the original font's name (subset prefix removed)
    size: float
    leading: float  # baseline to baseline; the size x 1.2 for one line
    lines: int
    color: tuple = ()
    # User space -> the page as seen (``view_matrix``); the box is in the latter.
    view: tuple = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class PdfState:
    """What the writer needs besides the blocks (whose ``node`` is their TextBox)."""

    data: bytes


def _quiet() -> None:
    """pdfminer and pypdf log every repaired oddity of a real-world file as a warning."""
    for name in ("pdfminer", "pypdf"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _damaged(label: str, error: Exception) -> InputError:
    reason = str(error).strip().rstrip(".") or type(error).__name__
    return InputError(f"{label} is a damaged or truncated PDF ({reason}); it cannot be read. Check the file or re-export it.")


def _open(data: bytes, label: str):
    """The pypdf reader, decrypted if it only has an empty user password."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if PDF_MAGIC not in data[:1024]:
        raise InputError(f"{label} is not a PDF (no %PDF- header). Check the file or pass --from.")
    if b"%%EOF" not in data[-4096:]:  # the libraries would recover what they can: refuse instead
        raise InputError(f"{label} is a truncated PDF (it has no %%EOF end marker); it cannot be read whole. Check the file or download it again.")
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{label} is a password-protected PDF. Remove the password (save an unprotected copy) and try again.")
        count = len(reader.pages)
    except InputError:
        raise
    except (PdfReadError, *_BROKEN) as error:
        raise _damaged(label, error) from None
    if count == 0:
        raise InputError(f"{label} is a PDF without pages. Check the file.")
    _check_limits(reader, label, count)
    return reader


def _check_limits(reader, label: str, count: int) -> None:
    """The input limits (``translate.limits``): pages, and each page's content inflated."""
    from pypdf.errors import PdfReadError

    from translate import limits

    if count > limits.active().pdf_pages:
        raise limits.refusal(label, f"has {count} pages", "pdf-pages")
    for number, page in enumerate(reader.pages, 1):
        try:
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
        except (PdfReadError, *_BROKEN) as error:
            raise _damaged(label, error) from None
        limits.check_size(label, size, "document-mb", f"has {size / limits.MIB:.1f} MiB of content on page {number}")


def read(data: bytes, label: str) -> Document:
    _quiet()
    reader = _open(data, label)
    pages, other_text = _layout(data, label)
    if len(pages) != len(reader.pages):
        raise InputError(f"{label} is a damaged PDF (its pages cannot all be read). Check the file or re-export it.")
    if not any(lines for _, _, lines in pages) and other_text:
        raise InputError(
            f"{label} has no text nb2en can redraw: all of it is rotated, vertical or inside form XObjects. "
            "Export the PDF again with its text on the page and try again."
        )
    if not any(lines for _, _, lines in pages):
        raise InputError(
            f"{label} has no text layer (a scanned PDF?): nb2en translates PDFs with text only. "
            "Run OCR on it first (for example ocrmypdf) and try again."
        )
    body = _body_size(pages)
    blocks = []
    for number, (width, view, groups) in enumerate(pages):
        ordered = _reading_order(groups, width)
        for index, group in enumerate(ordered):
            text = _join_lines([line.text for line in group])
            if not text.strip():
                continue
            box = _box(number, view, group)
            heading = box.size >= body * HEADING_RATIO and box.lines <= HEADING_MAX_LINES
            block = text_block(HEADING if heading else PARAGRAPH, text, f"page {number + 1}#b{index + 1}", node=box)
            blocks.append(block)
    article = Article(blocks, format="pdf")
    title = next((b.source for b in blocks if b.kind == HEADING), None)
    if title:
        article.metadata["title"] = title
    state = PdfState(data)
    return Document("pdf", article, source_text(data, label, article, "utf-8", []), state=state)


# ------------------------------------------------------------------------------ layout


@dataclass
class _Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    font: str
    size: float
    baseline: float
    color: tuple


def _layout(data: bytes, label: str) -> tuple[list[tuple[float, tuple, list[list[_Line]]]], bool]:
    """Per page: its width as seen, its view matrix and its groups of lines (one per block);
    and whether there is text outside them (in form XObjects, rotated, vertical)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTTextBoxHorizontal, LTTextLineHorizontal
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    pages = []
    other_text = False
    try:
        for page in PDFPage.get_pages(BytesIO(data), password="", check_extractable=False):
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            view = view_matrix(page.rotate, (x0, y0, x1, y1))
            interpreter.process_page(page)
            groups = []
            for item in device.get_result():
                if isinstance(item, LTTextBoxHorizontal):
                    objs = [obj for obj in item if isinstance(obj, LTTextLineHorizontal)]
                    lines = [_line(obj) for obj in objs]
                    groups.extend(_split_by_size([line for line in lines if line is not None]))
                    other_text = other_text or any(line is None and obj.get_text().strip() for line, obj in zip(lines, objs))
                else:
                    other_text = other_text or _has_chars(item)
            pages.append((y1 - y0 if page.rotate % 180 == 90 else x1 - x0, view, groups))
    except InputError:
        raise
    except Exception as error:  # pdfminer raises many unrelated types on a damaged file
        raise _damaged(label, error) from None
    return pages, other_text


def _has_chars(item) -> bool:
    from pdfminer.layout import LTChar

    if isinstance(item, LTChar):
        return bool(item.get_text().strip())
    try:
        return any(_has_chars(child) for child in item)
    except TypeError:  # not a container
        return False


def _line(obj) -> _Line | None:
    from pdfminer.layout import LTChar

    chars = [c for c in obj if isinstance(c, LTChar) and c.upright]
    text = obj.get_text().rstrip("\n")
    if not chars or not text.strip():
        return None
    fonts = Counter(_font_name(c.fontname) for c in chars)
    sizes = Counter(round(c.size, 1) for c in chars)
    colors = Counter(_color(c) for c in chars)
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    return _Line(
        text,
        obj.x0,
        obj.y0,
        obj.x1,
        obj.y1,
        fonts.most_common(1)[0][0],
        sizes.most_common(1)[0][0],
        chars[0].matrix[5],
        colors.most_common(1)[0][0],
    )


def _color(char) -> tuple:
    color = getattr(char.graphicstate, "ncolor", None)
    if isinstance(color, (int, float)):
        return (float(color),)
    if isinstance(color, (tuple, list)) and len(color) in (1, 3, 4) and all(isinstance(v, (int, float)) for v in color):
        return tuple(float(v) for v in color)
    return ()


def _font_name(name) -> str:
    name = name.decode("latin-1") if isinstance(name, bytes) else str(name)
    return _SUBSET.sub("", name)


def _split_by_size(lines: list[_Line]) -> list[list[_Line]]:
    """pdfminer's box, cut where the font size changes (a heading right above its paragraph)."""
    groups: list[list[_Line]] = []
    for line in lines:
        if groups and abs(line.size - groups[-1][-1].size) <= 0.15 * max(line.size, 1):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _body_size(pages) -> float:
    sizes: Counter = Counter()
    for _, _, groups in pages:
        for group in groups:
            for line in group:
                sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _reading_order(groups: list[list[_Line]], width: float) -> list[list[_Line]]:
    """Full-width blocks in order; between two of them, the left column, then the right."""
    middle = width / 2

    def top(group):
        return max(line.y1 for line in group)

    def spans(group):
        x0 = min(line.x0 for line in group)
        x1 = max(line.x1 for line in group)
        return x0 < middle - 1 and x1 > middle + 1

    ordered, left, right = [], [], []
    for group in sorted(groups, key=lambda g: (-top(g), min(line.x0 for line in g))):
        if spans(group):
            ordered += left + right + [group]
            left, right = [], []
        elif max(line.x1 for line in group) <= middle + 1:
            left.append(group)
        else:
            right.append(group)
    return ordered + left + right


def _join_lines(lines: list[str]) -> str:
    """One line of text: a word broken with a hyphen at a line end is joined again
    (``sam-|funnet`` -> ``samfunnet``; ``SOHR-|leder``, ``Nord-|Norge`` keep their hyphen)."""
    text = ""
    for line in lines:
        line = " ".join(line.split())
        if not line:
            continue
        if text.endswith("-") and len(text) > 1 and text[-2].isalnum() and line[:1].isalnum():
            text = (text[:-1] if text[-2].islower() and line[:1].islower() else text) + line
        else:
            text = f"{text} {line}" if text else line
    return text


def view_matrix(rotate: int, mediabox: tuple[float, float, float, float]) -> tuple:
    """User space -> the page as seen (its /Rotate applied, origin at the lower left): the
    space pdfminer lays the page out in (as in its PDFPageInterpreter.process_page)."""
    x0, y0, x1, y1 = mediabox
    rotate = rotate % 360
    if rotate == 90:
        return (0.0, -1.0, 1.0, 0.0, -y0, x1)
    if rotate == 180:
        return (-1.0, 0.0, 0.0, -1.0, x1, y1)
    if rotate == 270:
        return (0.0, 1.0, -1.0, 0.0, y1, -x0)
    return (1.0, 0.0, 0.0, 1.0, -x0, -y0)


def _inverse(m: tuple) -> tuple:
    a, b, c, d, e, f = m
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def _box(page: int, view: tuple, group: list[_Line]) -> TextBox:
    sizes = Counter()
    for line in group:
        sizes[line.size] += len(line.text)
    size = sizes.most_common(1)[0][0]
    baselines = [line.baseline for line in group]
    if len(group) > 1:
        leading = (max(baselines) - min(baselines)) / (len(group) - 1)
    else:
        leading = size * 1.2
    fonts = Counter()
    for line in group:
        fonts[line.font] += len(line.text)
    return TextBox(
        page,
        min(line.x0 for line in group),
        min(line.y0 for line in group),
        max(line.x1 for line in group),
        max(line.y1 for line in group),
        fonts.most_common(1)[0][0],
        size,
        max(leading, size),
        len(group),
        group[0].color,
        view,
    )


# ------------------------------------------------------------------------------ writing


def write(document: Document) -> bytes:
    """The original PDF with each changed block's text removed and its English drawn in its box."""
    from pypdf.errors import PdfReadError

    _quiet()
    try:
        return _write(document)
    except (PdfReadError, *_BROKEN) as error:
        reason = str(error).strip().rstrip(".") or type(error).__name__
        raise InputError(
            f"{document.source.path} cannot be rewritten as a PDF ({reason}). Pass --format text, markdown or json for its English."
        ) from None


def _write(document: Document) -> bytes:
    from pypdf import PdfReader, PdfWriter

    state: PdfState = document.state
    changed: dict[int, list[tuple[TextBox, str]]] = {}
    for block in document.article.blocks:
        target = block.target
        if target is None or " ".join(target.split()) == " ".join(block.source.split()):
            continue
        box: TextBox = block.node
        changed.setdefault(box.page, []).append((box, " ".join(target.split())))
    reader = PdfReader(BytesIO(state.data), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter(clone_from=reader)
    if changed:
        hidden = {}
        for number, items in changed.items():
            hidden[number] = _remove_text(writer.pages[number], writer, [box for box, _ in items])
        overlay = PdfReader(BytesIO(_overlay(writer, changed, hidden)))
        for number in changed:
            writer.pages[number].merge_page(overlay.pages[sorted(changed).index(number)])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _remove_text(page, writer, boxes: list[TextBox]) -> set[int]:
    """Drop the text-showing operators that start inside one of ``boxes`` (page content only).

    Returns the boxes whose text was all invisible (render mode 3: the OCR layer of a scan):
    their English is drawn on white over the scanned words."""
    from pypdf.generic import ContentStream

    contents = page.get_contents()
    if contents is None:
        return set()
    stream = contents if isinstance(contents, ContentStream) else ContentStream(contents, writer)
    kept = []
    ctm, stack = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), []
    tm = lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    leading, render = 0.0, 0
    visible, invisible = set(), set()
    for operands, operator in stream.operations:
        if operator == b"q":
            stack.append((ctm, leading, render))
        elif operator == b"Q":
            ctm, leading, render = stack.pop() if stack else (ctm, leading, render)
        elif operator == b"Tr" and len(operands) == 1:
            render = int(_numbers(operands)[0])
        elif operator == b"cm" and len(operands) == 6:
            ctm = _multiply(_numbers(operands), ctm)
        elif operator == b"BT":
            tm = lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        elif operator in (b"Td", b"TD") and len(operands) == 2:
            tx, ty = _numbers(operands)
            if operator == b"TD":
                leading = -ty
            tm = lm = _multiply((1.0, 0.0, 0.0, 1.0, tx, ty), lm)
        elif operator == b"Tm" and len(operands) == 6:
            tm = lm = _numbers(operands)
        elif operator == b"TL" and len(operands) == 1:
            leading = _numbers(operands)[0]
        elif operator in (b"T*", b"'", b'"'):
            tm = lm = _multiply((1.0, 0.0, 0.0, 1.0, 0.0, -leading), lm)
        if operator in _SHOW:
            x, y = _multiply(_multiply(tm, ctm), boxes[0].view)[4:]
            inside = [i for i, box in enumerate(boxes) if _inside(x, y, box)]
            if inside:
                (invisible if render in (3, 7) else visible).add(inside[0])
                continue
        kept.append((operands, operator))
    stream.operations = kept
    page.replace_contents(stream)
    return invisible - visible


def _numbers(operands) -> tuple:
    return tuple(float(value) for value in operands)


def _multiply(m, n) -> tuple:
    """The PDF matrix product m x n (row vectors: a point is transformed by m, then n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _inside(x: float, y: float, box: TextBox) -> bool:
    margin = max(1.0, box.size * 0.25)
    return box.x0 - margin <= x <= box.x1 + margin and box.y0 - margin <= y <= box.y1 + margin


def _overlay(writer, changed: dict[int, list[tuple[TextBox, str]]], hidden: dict[int, set[int]]) -> bytes:
    """A PDF with one page per changed page, holding the English of its changed blocks."""
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, pageCompression=1)
    for number in sorted(changed):
        box = writer.pages[number].mediabox
        canvas.setPageSize((float(box.right), float(box.top)))
        canvas.transform(*_inverse(changed[number][0][0].view))  # draw in the page as seen
        for index, (text_box, font, text, size, lines) in enumerate(_page_fits(changed[number])):
            _draw(canvas, text_box, font, size, lines, on_white=index in hidden.get(number, ()))
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def standard_font(name: str) -> str:
    """The standard-14 font nearest a font name: family from its words, bold and italic too."""
    lowered = name.lower()
    bold = any(word in lowered for word in ("bold", "black", "heavy", "semibold", "demi", "bx")) or lowered.endswith(("-b", ",b"))
    italic = any(word in lowered for word in ("italic", "oblique", "slanted", "cmti", "sfti", "cmsl", "sfsl")) or lowered.endswith(("-it", "-i", ",i"))
    if any(word in lowered for word in ("courier", "mono", "consol", "cmtt", "sftt", "code")):
        family = "Courier"
        return family + {(False, False): "", (True, False): "-Bold", (False, True): "-Oblique", (True, True): "-BoldOblique"}[bold, italic]
    serif = any(word in lowered for word in ("times", "roman", "serif", "georgia", "garamond", "minion", "cambria", "palatino", "book", "cmr", "sfrm", "cmti", "sfti", "cmbx", "sfbx", "tiempos", "publico")) and "sans" not in lowered
    if serif:
        return {(False, False): "Times-Roman", (True, False): "Times-Bold", (False, True): "Times-Italic", (True, True): "Times-BoldItalic"}[bold, italic]
    return "Helvetica" + {(False, False): "", (True, False): "-Bold", (False, True): "-Oblique", (True, True): "-BoldOblique"}[bold, italic]


def fit(text: str, font: str, box: TextBox) -> tuple[float, list[str]]:
    """The size and lines of ``text`` in ``box``: wrapped to its width, shrunk to its height."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = max(box.x1 - box.x0, 1.0) * 1.02
    height = box.y1 - box.y0
    ratio = box.leading / box.size
    floor = max(box.size * SHRINK_FLOOR, min(MIN_SIZE, box.size))
    size = box.size
    if box.lines == 1:  # a label or a heading stays on one line while it can
        while size >= floor:
            if stringWidth(text, font, size) <= width:
                return size, [text]
            size *= SHRINK_STEP
        size = box.size
    while True:
        lines = simpleSplit(text, font, size, width) or [text]
        needed = size * (1 + ratio * (len(lines) - 1))
        wide = max(stringWidth(line, font, size) for line in lines)
        if (needed <= height * 1.05 + 0.5 and wide <= width) or size * SHRINK_STEP < floor:
            return size, lines
        size *= SHRINK_STEP


# Characters the standard fonts lack, drawn as their nearest Windows-1252 ones.
_NEAREST = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2015": "\u2014", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2007": " ", "\u2002": " ", "\u2003": " ", "\u200b": "", "\u2032": "'", "\u2033": '"', "\u2044": "/"})


def drawable(text: str) -> str:
    """``text`` in the standard fonts' encoding (Windows-1252): near equivalents, else ``?``."""
    return text.translate(_NEAREST).encode("cp1252", "replace").decode("cp1252")


def _page_fits(items: list[tuple[TextBox, str]]) -> list[tuple]:
    """Each block's font, size and lines; the paragraphs of one font and size on a page
    share the smallest size any of them needed, so the body text stays even."""
    from reportlab.lib.utils import simpleSplit

    fits = []
    for box, text in items:
        font = standard_font(box.font)
        text = drawable(text)
        size, lines = fit(text, font, box)
        fits.append([box, font, text, size, lines])
    shared: dict = {}
    for box, font, _, size, _ in fits:
        if box.lines > 1:
            key = (font, round(box.size, 1))
            shared[key] = min(size, shared.get(key, size))
    for item in fits:
        box, font, text, size, _ = item
        smaller = shared.get((font, round(box.size, 1)), size) if box.lines > 1 else size
        if smaller < size:
            item[3], item[4] = smaller, simpleSplit(text, font, smaller, max(box.x1 - box.x0, 1.0) * 1.02) or [text]
    return [tuple(item) for item in fits]


def _draw(canvas, box: TextBox, font: str, size: float, lines: list[str], on_white: bool = False) -> None:
    from reportlab.pdfbase.pdfmetrics import getAscent

    canvas.saveState()
    if on_white:  # an OCR layer: cover the scanned words, write the English in black
        canvas.setFillGray(1)
        canvas.rect(box.x0 - 1, box.y0 - 1, box.x1 - box.x0 + 2, box.y1 - box.y0 + 2, stroke=0, fill=1)
        canvas.setFillGray(0)
    elif len(box.color) == 1:
        canvas.setFillGray(box.color[0])
    elif len(box.color) == 3:
        canvas.setFillColorRGB(*box.color)
    elif len(box.color) == 4:
        canvas.setFillColorCMYK(*box.color)
    canvas.setFont(font, size)
    y = box.y1 - getAscent(font, size)
    for line in lines:
        canvas.drawString(box.x0, y, line)
        y -= size * box.leading / box.size
    canvas.restoreState()
