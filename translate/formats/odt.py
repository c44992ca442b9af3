"""OpenDocument text and presentations (.odt, .odp; templates .ott, .otp; flat XML .fodt, .fodp).

Like DOCX, only the text changes: ``content.xml`` is the one part rewritten (the words in
its paragraphs and headings, and ``fo:language`` markers that say Norwegian); every
other part (``styles.xml``, ``meta.xml``, pictures, settings, the manifest) goes back into
the zip byte-identical. ODF's paragraphs are markup like HTML's, so they go through the
same machinery (``translate.formats.markup``): each ``text:p``/``text:h`` run of text is a
block, ``text:span`` and ``text:a`` are inline spans rebuilt around the English with
their own attributes (style names, link targets), and the paragraph, frame, list, table
and slide skeleton around them is untouched. Spaces, tabs and line breaks
(``text:s``/``text:tab``/``text:line-break``), bookmarks and fields (page numbers, dates,
references) are kept as they were, and so are comments (``office:annotation``); a footnote stays inside
its sentence and its body is translated as paragraphs of its own; frames' text boxes, table cells,
image titles and descriptions and slide notes are translated where they stand. A flat
OpenDocument (one XML file) is the same document without the zip: it is written back as one
XML file, language markers changed wherever they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from translate.article import HEADING, LIST_ITEM, TABLE_CELL, Article
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.markup import Collector, Rules, write_blocks
from translate.formats.package import Package, open_package, parse_part, parse_xml, serialise_part, write_package

CONTENT = "content.xml"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_SPACERS = frozenset("s tab line-break".split())
RULES = Rules(
    inline=frozenset(
        """span a note annotation annotation-end s tab line-break soft-page-break bookmark
        bookmark-start bookmark-end reference-mark reference-mark-start reference-mark-end
        change change-start change-end note-ref bookmark-ref reference-ref sequence sequence-ref
        page-number page-count date time author-name author-initials chapter file-name subject
        description keywords creator template-name sender-firstname sender-lastname user-defined
        variable-get variable-set user-field-get expression text-input hidden-text placeholder
        meta meta-field ruby ruby-base ruby-text alphabetical-index-mark alphabetical-index-mark-start
        alphabetical-index-mark-end toc-mark toc-mark-start toc-mark-end word-count
        character-count paragraph-count""".split()
    ),
    keep_with_text=frozenset(
        """note-ref bookmark-ref reference-ref sequence sequence-ref page-number page-count date
        time author-name author-initials chapter file-name subject description keywords creator
        template-name sender-firstname sender-lastname user-defined variable-get variable-set
        user-field-get expression text-input hidden-text placeholder word-count character-count
        paragraph-count""".split()
    ),
    keep_without_text=frozenset(
        """note annotation annotation-end s tab line-break soft-page-break bookmark bookmark-start
        bookmark-end reference-mark reference-mark-start reference-mark-end change change-start
        change-end alphabetical-index-mark alphabetical-index-mark-start alphabetical-index-mark-end
        toc-mark toc-mark-start toc-mark-end""".split()
    ),
    skip=frozenset(
        """note-citation tracked-changes sequence-decls variable-decls user-field-decls forms
        automatic-styles font-face-decls scripts settings binary-data object object-ole""".split()
    ),
    kinds={"h": HEADING},
    context_kinds={"list-item": LIST_ITEM, "table-cell": TABLE_CELL, "covered-table-cell": TABLE_CELL},
    spacing=_SPACERS,
)
_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.text-template": "odt",
    b"application/vnd.oasis.opendocument.presentation": "odp",
    b"application/vnd.oasis.opendocument.presentation-template": "odp",
}


@dataclass
class OdfState:
    package: Package | None  # None for a flat .fodt/.fodp
    tree: object  # content.xml (or the flat file) as an lxml tree
    original: bytes  # its bytes as read (for the XML declaration)


def _format_of(package: Package, label: str) -> str:
    mimetype = package.read("mimetype").strip() if "mimetype" in package.names else b""
    if mimetype in _MIMETYPES:
        return _MIMETYPES[mimetype]
    if mimetype:
        raise InputError(
            f"{label} is an OpenDocument file of another kind ({mimetype.decode('ascii', 'replace')[:80]}); "
            "only text documents (.odt) and presentations (.odp) are read."
        )
    return "odp" if label.lower().endswith((".odp", ".otp")) else "odt"


def read(data: bytes, label: str) -> Document:
    if not data.startswith(b"PK") and flat_format(data[:4096]):
        return _read_flat(data, label)
    package = open_package(data, label, "OpenDocument (.odt/.odp)", CONTENT)
    fmt = _format_of(package, label)
    tree = parse_part(package, CONTENT, label)
    return _document(data, label, fmt, tree, OdfState(package, tree, package.read(CONTENT)))


def flat_format(head: bytes) -> str | None:
    """fodt or fodp for a flat (single XML file) OpenDocument, from its root's office:mimetype."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<") or b"office:document" not in head and b"opendocument" not in head:
        return None
    from lxml import etree

    try:
        for _, element in etree.iterparse(BytesIO(head), events=("start",), recover=True, resolve_entities=False):
            if element.tag != f"{{{OFFICE}}}document":
                return None
            kind = _MIMETYPES.get((element.get(f"{{{OFFICE}}}mimetype") or "").encode())
            return {"odt": "fodt", "odp": "fodp"}.get(kind)
    except etree.LxmlError:
        return None
    return None


def _read_flat(data: bytes, label: str) -> Document:
    tree = parse_xml(data, label)
    fmt = flat_format(data[:4096]) or "fodt"
    return _document(data, label, fmt, tree, OdfState(None, tree, data))


def _document(data: bytes, label: str, fmt: str, tree, state) -> Document:
    root = tree.getroot()
    body = root.find(f"{{{OFFICE}}}body")
    collector = Collector(tree, RULES)
    blocks = collector.collect(body) if body is not None else []
    # A footnote sits inside its sentence, kept whole there (the sentence is translated in
    # one piece); its body's paragraphs are blocks of their own, after the text.
    for note_body in root.iter(f"{{{TEXT}}}note-body"):
        blocks.extend(Collector(tree, RULES).collect(note_body))
    for block in blocks:
        block.location = f"{CONTENT}#{block.location}"
        if block.kind != HEADING and _in_title_frame(block):
            block.kind = HEADING
    article = Article(blocks, format=fmt)
    title = next((b.source for b in blocks if b.kind == HEADING), None)
    if title:
        article.metadata["title"] = title
    return Document(fmt, article, source_text(data, label, article, "utf-8", []), state=state)


def _in_title_frame(block) -> bool:
    """A slide's title (a frame of ``presentation:class="title"``) is a heading."""
    run = block.node
    element = getattr(run, "parent", None)
    if element is None:
        return False
    return any(
        frame.get(f"{{{PRESENTATION}}}class") == "title"
        for frame in element.iterancestors(f"{{{DRAW}}}frame")
    )


def write(document: Document) -> bytes:
    state: OdfState = document.state
    write_blocks(document.article.blocks, document.article.alignments)
    _set_language(state.tree.getroot())
    xml = serialise_part(state.tree, state.original)
    if state.package is None:  # flat XML: the one file
        return xml
    return write_package(state.package, {CONTENT: xml})


def _set_language(root) -> None:
    """fo:language nb/nn/no -> en (and fo:country NO -> GB) in the automatic styles of content.xml."""
    language, country = f"{{{FO}}}language", f"{{{FO}}}country"
    for element in root.iter(f"{{{STYLE}}}text-properties"):
        value = element.get(language)
        if value and value.lower() in ("nb", "nn", "no"):
            element.set(language, "en")
            if (element.get(country) or "").upper() == "NO":
                element.set(country, "GB")
