"""Word .docx documents, read and written as the zip of XML parts they are (lxml).

Why not python-docx for writing: saving through it re-serialises every part it loaded;
working on the parts directly leaves every part we do not translate byte-identical in the
zip (styles, numbering, media, settings, relationships) and changes nothing but the text
inside the runs of the parts we do (``word/document.xml``, headers, footers, footnotes,
endnotes). Tests use python-docx to build the input and to open the output.

Each paragraph (``w:p``) with text is a block; each run (``w:r``) is an inline span
carrying its own formatting (``rPr``), inside its hyperlink or other wrapper spans. The
runs stay where they are, with the same properties, in the same order: only the text of
their ``w:t`` elements changes. Tabs, breaks, drawings, field codes and other non-text
run content are kept and put back at their place in the English. Language markers
(``w:lang``) that say Norwegian become ``en``.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from lxml import etree

from translate import limits
from translate.article import CAPTION, HEADING, LIST_ITEM, PARAGRAPH, QUOTE, TABLE_CELL, TITLE, Article, InlineSpan, text_block
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.inline import TextBuilder, place_spans, run_owners, spacing_drops, unchanged
from translate.formats.markup import NORWEGIAN_LANGS, syntax_error_message
from translate.formats.package import rewrite_zip

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# ISO/IEC 29500 Strict ("Strict Open XML Document" in Word's Save As): refused, not misread.
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"  # inflated too: its language markers become English
# Inline wrappers whose runs are part of the paragraph's text.
WRAPPERS = frozenset("hyperlink ins smartTag fldSimple sdt sdtContent customXml dir bdo moveTo".split())
# Run content that adds a space to the sentence (and is put back at its place).
SPACING = frozenset("tab br cr".split())


def w(name: str) -> str:
    return f"{{{W}}}{name}"


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else "#other"


@dataclass
class Part:
    name: str
    tree: object
    declaration: bytes | None
    changed: bool = False


@dataclass
class DocxState:
    infos: list
    # The parts inflated (those read or rewritten); every other part is copied through
    # compressed from ``source``, never inflated.
    contents: dict[str, bytes]
    parts: dict[str, Part] = field(default_factory=dict)
    source: bytes = b""


def _text_parts(names: list[str]) -> list[str]:
    """The parts whose text is translated, document first, in a stable order."""
    wanted = [DOCUMENT]
    for prefix in ("word/header", "word/footer", "word/footnotes", "word/endnotes"):
        wanted.extend(sorted(n for n in names if n.startswith(prefix) and n.endswith(".xml") and "/_rels/" not in n))
    return [n for n in wanted if n in names]


def _open_zip(data: bytes, label: str) -> zipfile.ZipFile:
    if not data.startswith(b"PK"):
        raise InputError(f"{label} is not a .docx document (not a zip file). Check the file, or pass --from.")
    archive = limits.open_zip(data, label, ".docx document")
    if DOCUMENT not in archive.namelist():
        raise InputError(
            f"{label} is a zip file without {DOCUMENT}, so it is not a Word .docx document. Check the file."
        )
    return archive


def _parse_part(name: str, data: bytes, label: str):
    try:
        return limits.parse_xml(data, f"{label} ({name})", huge=True)
    except etree.XMLSyntaxError as error:
        raise InputError(syntax_error_message(f"{label} ({name})", "XML", error)) from None


def read(data: bytes, label: str) -> Document:
    archive = _open_zip(data, label)
    infos = archive.infolist()
    names = [info.filename for info in infos]
    budget = limits.ZipBudget()
    wanted = _text_parts(names) + ([STYLES] if STYLES in names else [])
    contents = {name: limits.read_member(archive, name, label, budget) for name in wanted}
    state = DocxState(infos, contents, source=data)
    blocks = []
    deletions = 0
    for name in _text_parts(list(contents)):
        tree = _parse_part(name, contents[name], label)
        if etree.QName(tree.getroot()).namespace == STRICT_W:
            raise InputError(
                f"{label} is a Strict Open XML document, which is not read. "
                "Save it in Word as \"Word Document (*.docx)\" and try again."
            )
        deletions += sum(1 for _ in tree.getroot().iter(w("del")))
        state.parts[name] = Part(name, tree, _declaration(contents[name]))
        for index, paragraph in enumerate(tree.getroot().iter(w("p"))):
            block = _paragraph_block(paragraph, name, index)
            if block is not None:
                blocks.append(block)
    article = Article(blocks, format="docx")
    title = next((b.source for b in blocks if b.kind == TITLE), None) or next((b.source for b in blocks if b.kind == HEADING), None)
    if title:
        article.metadata["title"] = title
    warnings = []
    if deletions:
        warnings.append(
            f"{label} has {deletions} tracked deletion(s); they are kept as they are, untranslated "
            "(accept or reject the changes in Word first to have them translated)."
        )
    return Document("docx", article, source_text(data, label, article, "utf-8", warnings), state=state)


def _paragraph_kind(paragraph, part: str) -> str:
    style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
    style_id = (style.get(w("val")) or "") if style is not None else ""
    lowered = style_id.lower()
    if lowered in ("title", "tittel"):
        return TITLE
    if lowered.startswith(("heading", "overskrift", "subtitle", "undertittel")):
        return HEADING
    if "quote" in lowered or "sitat" in lowered:
        return QUOTE
    if lowered.startswith("caption") or lowered.startswith("bildetekst"):
        return CAPTION
    if paragraph.find(f"{w('pPr')}/{w('numPr')}") is not None or lowered.startswith(("list", "liste")):
        return LIST_ITEM
    for ancestor in paragraph.iterancestors():
        if ancestor.tag == w("tc"):
            return TABLE_CELL
        if ancestor.tag == w("p"):
            break
    return PARAGRAPH


def _run_attrs(run) -> dict[str, str]:
    """The run's formatting as the JSON shows it: rPr children and their w:val."""
    properties = run.find(w("rPr"))
    if properties is None:
        return {}
    return {_local(child): child.get(w("val"), "1") for child in properties if isinstance(child.tag, str)}


def _paragraph_block(paragraph, part: str, index: int):
    builder = TextBuilder()
    spans: list[InlineSpan] = []

    def walk(container, parent):
        for child in container:
            name = _local(child)
            if name == "r":
                span = InlineSpan(len(builder), 0, "run", _run_attrs(child), parent, False, child)
                spans.append(span)
                run_index = len(spans) - 1
                for item in child:
                    item_name = _local(item)
                    if item_name == "rPr":
                        continue
                    if item_name == "t":
                        builder.add(item.text)
                        continue
                    spans.append(InlineSpan(len(builder), len(builder), item_name, {}, run_index, True, item))
                    if item_name in SPACING:
                        builder.add(" ")
                span.end = len(builder)
            elif name in WRAPPERS:
                attrs = {_local_attr(k): v for k, v in child.attrib.items()}
                span = InlineSpan(len(builder), 0, name, attrs, parent, False, child)
                spans.append(span)
                walk(child, len(spans) - 1)
                span.end = len(builder)

    walk(paragraph, None)
    text = builder.text().rstrip(" ")
    if not text:
        return None
    for span in spans:
        span.start, span.end = min(span.start, len(text)), min(span.end, len(text))
    kind = _paragraph_kind(paragraph, part)
    block = text_block(kind, text, f"{part}#p{index + 1}", spans, node=paragraph)
    block.lang = _declared_language(paragraph)
    if kind == PARAGRAPH and block.prefix:
        block.kind = QUOTE
    return block


def _declared_language(paragraph) -> str | None:
    """The ``w:lang`` its text runs declare, where they agree (else the paragraph mark's)."""
    values = set()
    for run in paragraph.iter(w("r")):
        if run.find(w("t")) is None:
            continue
        lang = run.find(f"{w('rPr')}/{w('lang')}")
        values.add(lang.get(w("val")) if lang is not None else None)
    if len(values) == 1 and None not in values:
        return values.pop()
    mark = paragraph.find(f"{w('pPr')}/{w('rPr')}/{w('lang')}")
    return mark.get(w("val")) if mark is not None and not values - {None} else None


def _local_attr(name: str) -> str:
    return etree.QName(name).localname if name.startswith("{") else name


# ------------------------------------------------------------------------------ writing


def write(document: Document) -> bytes:
    state: DocxState = document.state
    # A paragraph whose sentences all passed through keeps its runs byte for byte.
    blocks = [block for block in document.article.blocks if not unchanged(block)]
    for block in document.article.blocks:
        if unchanged(block):
            place_spans(block, document.article.alignments)  # where its runs are (the JSON shows it)
    for block in blocks:
        _write_paragraph(block, document.article.alignments)
    written = {block.location.split("#")[0] for block in blocks}
    changed = {}
    for name, part in state.parts.items():
        if _set_language(part.tree.getroot()) or name in written:
            changed[name] = _serialise(part)
    styles = state.contents.get("word/styles.xml")
    if styles is not None:
        tree = _parse_part("word/styles.xml", styles, "styles")
        if _set_language(tree.getroot()):
            changed["word/styles.xml"] = _serialise(Part("word/styles.xml", tree, _declaration(styles)))
    return rewrite_zip(state.source, state.infos, state.contents, changed)


def _write_paragraph(block, alignments: dict) -> None:
    target = place_spans(block, alignments)
    # Only runs that held text get text: a run of field codes, a drawing or a lone break
    # is left exactly as it was (text in a field-code run would become part of the code).
    runs = [
        i for i, span in enumerate(block.spans) if span.kind == "run" and span.node.find(w("t")) is not None
    ]
    if not runs:
        return
    owner = run_owners(block, target, runs)
    # A tab or break stood for a space in the sentence: that space is the tab or break
    # itself, not text to write next to it.
    dropped = spacing_drops(block, target, SPACING)
    text_of = {i: [] for i in runs}
    for position, i in enumerate(owner):
        if position not in dropped:
            text_of[i].append((position, target[position]))
    for i in runs:
        kept = [(s.target_start, s.node) for s in block.spans if s.parent == i]
        _rebuild_run(block.spans[i].node, text_of[i], kept)


def _rebuild_run(run, chars: list[tuple[int, str]], kept: list[tuple[int, object]]) -> None:
    """The run's content: its rPr, then its English text with its kept items at their places."""
    for child in list(run):
        if _local(child) != "rPr":
            run.remove(child)
    pieces: list = []
    buffer: list[str] = []
    kept = sorted(kept, key=lambda item: item[0])
    k = 0
    for position, ch in chars:
        while k < len(kept) and kept[k][0] <= position:
            if buffer:
                pieces.append("".join(buffer))
                buffer = []
            pieces.append(kept[k][1])
            k += 1
        buffer.append(ch)
    if buffer:
        pieces.append("".join(buffer))
    pieces.extend(node for _, node in kept[k:])
    for piece in pieces:
        if isinstance(piece, str):
            element = etree.SubElement(run, w("t"))
            element.text = piece
            if piece != piece.strip():
                element.set(XML_SPACE, "preserve")
        else:
            piece.tail = None
            run.append(piece)


def _set_language(root) -> bool:
    changed = False
    for lang in root.iter(w("lang")):
        for attribute in (w("val"), w("eastAsia"), w("bidi")):
            value = lang.get(attribute)
            if value and value.lower().split("-")[0] in NORWEGIAN_LANGS:
                lang.set(attribute, "en")
                changed = True
    return changed


def _declaration(data: bytes) -> bytes | None:
    """The part's own ``<?xml ...?>`` declaration and the line break after it, as bytes."""
    if not data.startswith(b"<?xml"):
        return None
    end = data.find(b"?>")
    if end < 0:
        return None
    end += 2
    while end < len(data) and data[end : end + 1] in (b"\r", b"\n"):
        end += 1
    return data[:end]


def _serialise(part: Part) -> bytes:
    body = etree.tostring(part.tree.getroot(), encoding="UTF-8", xml_declaration=False)
    declaration = part.declaration or b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    return declaration + body
