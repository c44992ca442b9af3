"""PowerPoint .pptx presentations: slide text, table cells and speaker notes translated.

Read and written as the zip of XML parts it is, as DOCX is (``translate.formats.docx``
says why not through python-pptx): only the slide parts (``ppt/slides/slideN.xml``) and
notes parts (``ppt/notesSlides/notesSlideN.xml``) that hold text are rewritten; layouts,
masters, themes, media, charts, SmartArt and every other part go back byte-identical.

Each DrawingML paragraph (``a:p``) with text is a block (a title placeholder's is a
heading, a table cell's a cell); each run (``a:r``) is an inline span with its own
properties. Runs stay where they are, with the same ``a:rPr`` (bold, size, colour, link),
in the same order: only the text of their ``a:t`` changes, each run taking the English
placed on it as DOCX runs do. Line breaks (``a:br``) stay between the same runs; fields
(``a:fld``: slide numbers, dates) keep their own text. ``lang`` markers that say Norwegian
become ``en-US``.
"""

from __future__ import annotations

import posixpath
import re

from translate.article import HEADING, PARAGRAPH, TABLE_CELL, TITLE, Article, InlineSpan, text_block
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.inline import TextBuilder, place_spans, run_owners
from translate.formats.markup import NORWEGIAN_LANGS
from translate.formats.package import open_package, parse_part, serialise_part, write_package

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PRESENTATION = "ppt/presentation.xml"
_PARTS = re.compile(r"^ppt/(slides/slide|notesSlides/notesSlide)(\d+)\.xml$")
ENGLISH = "en-US"


def a(name: str) -> str:
    return f"{{{A}}}{name}"


def _text_parts(package, label: str) -> list[str]:
    """Each slide in the order the presentation shows them, followed by its notes.

    The order is ``p:sldIdLst`` in ``ppt/presentation.xml`` through its relationships; any
    slide or notes part it does not reach follows in number order.
    """
    names = set(package.names)
    ordered: list[str] = []
    try:
        presentation = parse_part(package, PRESENTATION, label).getroot()
        targets = _relationships(package, "ppt/_rels/presentation.xml.rels", "ppt/", label)
        for slide_id in presentation.iter(f"{{{P}}}sldId"):
            slide = targets.get(slide_id.get(f"{{{R}}}id"))
            if slide in names and slide not in ordered:
                ordered.append(slide)
                folder, _, base = slide.rpartition("/")
                notes = _relationships(package, f"{folder}/_rels/{base}.rels", folder + "/", label)
                ordered.extend(n for n in notes.values() if n in names and _PARTS.match(n) and "notesSlide" in n)
    except InputError:
        ordered = []  # a damaged presentation.xml or .rels: number order
    found = sorted((m.group(1).startswith("notes"), int(m.group(2)), n) for n in names if (m := _PARTS.match(n)))
    return list(dict.fromkeys(ordered + [name for _, _, name in found]))


def _relationships(package, name: str, base: str, label: str) -> dict[str, str]:
    """Relationship id -> part name, for the internal targets of one .rels part."""
    if name not in package.names:
        return {}
    targets = {}
    for relationship in parse_part(package, name, label).getroot():
        target = relationship.get("Target") or ""
        if relationship.get("TargetMode") == "External" or not target:
            continue
        targets[relationship.get("Id")] = posixpath.normpath(target.lstrip("/") if target.startswith("/") else base + target)
    return targets


def read(data: bytes, label: str) -> Document:
    package = open_package(data, label, "PowerPoint .pptx", PRESENTATION)
    trees = {}
    blocks = []
    for name in _text_parts(package, label):
        tree = parse_part(package, name, label)
        trees[name] = tree
        for index, paragraph in enumerate(tree.getroot().iter(a("p"))):
            block = _paragraph_block(paragraph, name, index)
            if block is not None:
                blocks.append(block)
    article = Article(blocks, format="pptx")
    title = next((b.source for b in blocks if b.kind in (TITLE, HEADING)), None)
    if title:
        article.metadata["title"] = title
    return Document("pptx", article, source_text(data, label, article, "utf-8", []), state=(package, trees))


def _kind(paragraph) -> str:
    for ancestor in paragraph.iterancestors():
        if ancestor.tag == a("tc"):
            return TABLE_CELL
        if ancestor.tag == f"{{{P}}}sp":
            placeholder = ancestor.find(f"{{{P}}}nvSpPr/{{{P}}}nvPr/{{{P}}}ph")
            kind = placeholder.get("type", "") if placeholder is not None else ""
            return TITLE if kind == "ctrTitle" else HEADING if kind == "title" else PARAGRAPH
    return PARAGRAPH


def _paragraph_block(paragraph, part: str, index: int):
    builder = TextBuilder()
    spans: list[InlineSpan] = []
    for child in paragraph:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == a("r"):
            properties = child.find(a("rPr"))
            attrs = dict(properties.attrib) if properties is not None else {}
            if properties is not None and properties.find(a("hlinkClick")) is not None:
                attrs["link"] = "1"
            span = InlineSpan(len(builder), 0, "run", {k: str(v) for k, v in attrs.items()}, None, False, child)
            builder.add("".join(t.text or "" for t in child.iter(a("t"))))
            span.end = len(builder)
            spans.append(span)
        elif tag == a("br"):
            spans.append(InlineSpan(len(builder), len(builder), "br", {}, None, True, child))
            builder.add(" ")
        elif tag == a("fld"):
            span = InlineSpan(len(builder), 0, "field", {"type": child.get("type", "")}, None, True, child)
            builder.add("".join(t.text or "" for t in child.iter(a("t"))))
            span.end = len(builder)
            spans.append(span)
    text = builder.text().rstrip(" ")
    if not text.strip() or not any(s.kind == "run" for s in spans):
        return None
    for span in spans:
        span.start, span.end = min(span.start, len(text)), min(span.end, len(text))
    return text_block(_kind(paragraph), text, f"{part}#p{index + 1}", spans, node=paragraph)


def write(document: Document) -> bytes:
    package, trees = document.state
    changed_parts = set()
    for block in document.article.blocks:
        _write_paragraph(block, document.article.alignments)
        changed_parts.add(block.location.split("#")[0])
    changed = {}
    for name, tree in trees.items():
        if _set_language(tree.getroot()) or name in changed_parts:
            changed[name] = serialise_part(tree, package.contents[name])
    return write_package(package, changed)


def _write_paragraph(block, alignments: dict) -> None:
    target = place_spans(block, alignments)
    runs = [i for i, span in enumerate(block.spans) if span.kind == "run"]
    # The field's own text stays in the field: where it was found in the English, those
    # characters are not written into a run too (elsewhere no English word is dropped).
    kept = set()
    for span in block.spans:
        if span.kind == "field" and target[span.target_start : span.target_end] == block.source[span.start : span.end]:
            kept.update(range(span.target_start, span.target_end))
    owner = run_owners(block, target, runs)
    text_of = {i: [] for i in runs}
    for position, i in enumerate(owner):
        if position not in kept:
            text_of[i].append(target[position])
    texts = {i: "".join(chars) for i, chars in text_of.items()}
    # A line break stands for the space around it: no run ends or starts with that space.
    for index, span in enumerate(block.spans):
        if span.kind != "br":
            continue
        before = [i for i in runs if i < index]
        after = [i for i in runs if i > index]
        if before:
            texts[before[-1]] = texts[before[-1]].rstrip(" ")
        if after:
            texts[after[0]] = texts[after[0]].lstrip(" ")
    for i in runs:
        run = block.spans[i].node
        pieces = list(run.iter(a("t")))
        if not pieces:
            continue
        pieces[0].text = texts[i]
        for extra in pieces[1:]:
            extra.text = ""


def _set_language(root) -> bool:
    changed = False
    for name in ("rPr", "endParaRPr", "defRPr"):
        for element in root.iter(a(name)):
            for attribute in ("lang", "altLang"):
                value = element.get(attribute)
                if value and value.lower().split("-")[0] in NORWEGIAN_LANGS:
                    element.set(attribute, ENGLISH)
                    changed = True
    return changed
