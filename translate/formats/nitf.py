"""NITF 3.x news wire XML, as NTB delivers it (ISO-8859-1 with character references).

Translated, and nothing else: text directly inside the prose elements ``title``, ``hl1``,
``hl2``, ``p`` (in ``body.content``, ``abstract``, ``note``, ``bq``...), ``media-caption``,
``td``/``th``, ``li``/``dt``/``dd`` and ``tagline``, with their inline enrichment. Text
whose sentences all pass through (English, other languages) is not rewritten, so its
whitespace stays byte for byte. Kept unchanged, as metadata: ``rights`` and
``rights.owner``, ``ed-msg``, ``key-list``, ``docdata``, ``meta``, ``tobject``, ``pubdata``, ``revision-history``, ``iim``,
``byline``, ``dateline``, ``distributor``, ``series``, media references and producers,
every attribute (ids, classes) except language markers: ``baselang`` and ``xml:lang``
that say Norwegian become ``en``. Inline enrichment (``a``, ``em``, ``q``, ``person``,
``org``, ``location``...) is kept around the English.

The English is written in the input's declared encoding (ISO-8859-1 for NTB); characters
outside it are written as character references (``&#8211;``), as NTB does, so the
declaration stays true and the file stays readable by the same consumers.
"""

from __future__ import annotations

from lxml import etree

from translate import limits
from translate.article import CAPTION, HEADING, LIST_ITEM, QUOTE, TABLE_CELL, TITLE, Article
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.encoding import declared_encoding, xml_encoding_override
from translate.formats.markup import XML_LANG, Collector, Rules, localname, set_language, syntax_error_message, write_blocks

# The prose elements: text directly inside one of these (and its inline enrichment) is
# translated; text anywhere else (rights.owner, ed-msg, key-list, series...) is metadata.
PROSE = frozenset("title hl1 hl2 p media-caption td th li dt dd tagline".split())
RULES = Rules(
    inline=frozenset(
        """a em q lang pronounce br person location org event function money num chron copyrite
        classifier object.title alt-code virtloc postaddr sub sup frac span""".split()
    ),
    keep_with_text=frozenset("copyrite alt-code classifier".split()),
    keep_without_text=frozenset("br pronounce".split()),
    skip=frozenset(
        """meta tobject iim docdata pubdata revision-history byline dateline distributor series
        media-reference media-object media-producer media-metadata bibliography fn""".split()
    ),
    kinds={"title": TITLE, "hl1": HEADING, "hl2": HEADING, "media-caption": CAPTION},
    context_kinds={"li": LIST_ITEM, "dt": LIST_ITEM, "dd": LIST_ITEM, "td": TABLE_CELL, "th": TABLE_CELL, "bq": QUOTE},
    prose=PROSE,
)


def _parse(data: bytes, label: str):
    override, warnings = xml_encoding_override(data, label)
    try:
        tree = limits.parse_xml(data, label, huge=True, encoding=override)
    except etree.XMLSyntaxError as error:
        raise InputError(syntax_error_message(label, "XML", error)) from None
    root = tree.getroot()
    if localname(root) != "nitf":
        raise InputError(
            f"{label} is XML but not NITF (its root element is <{localname(root)}>, not <nitf>). "
            "Pass an NITF file, or --from txt."
        )
    return tree, override, warnings


def read(data: bytes, label: str) -> Document:
    tree, override, warnings = _parse(data, label)
    root = tree.getroot()
    blocks = Collector(tree, RULES).collect(root)
    article = Article(blocks, format="nitf")
    for block in blocks:
        if block.kind == TITLE and "title" not in article.metadata:
            article.metadata["title"] = block.source
    for name in ("baselang", XML_LANG):
        if root.get(name):
            article.metadata["lang"] = root.get(name)
    docdata = root.find("head/docdata")
    if docdata is not None:
        doc_id = docdata.find("doc-id")
        if doc_id is not None and doc_id.get("id-string"):
            article.metadata["doc_id"] = doc_id.get("id-string")
        issued = docdata.find("date.issue")
        if issued is not None and issued.get("norm"):
            article.metadata["date"] = issued.get("norm")
    encoding = override or tree.docinfo.encoding or "UTF-8"
    return Document("nitf", article, source_text(data, label, article, encoding, warnings), state=(tree, data))


def write(document: Document) -> bytes:
    tree, original = document.state
    write_blocks(document.article.blocks, document.article.alignments)
    set_language(tree.getroot(), ("baselang", XML_LANG, "lang"))
    # The declared encoding, even where the bytes overruled it when reading (UTF-8 under an
    # ISO-8859-1 label): the English is then truly what the declaration says.
    encoding = declared_encoding(original) or tree.docinfo.encoding or "UTF-8"
    body = etree.tostring(tree, encoding=encoding, xml_declaration=False)
    declaration = _original_declaration(original)
    if declaration is None:
        declaration = f'<?xml version="1.0" encoding="{encoding}"?>'.encode("ascii")
    newline = b"\r\n" if b"\r\n" in original[:200] else b"\n"
    return declaration + newline + body + newline


def _original_declaration(data: bytes) -> bytes | None:
    """The input's own ``<?xml ...?>`` declaration bytes (the encoding is unchanged, so it stays true)."""
    if not data.startswith(b"<?xml"):
        return None
    end = data.find(b"?>")
    return data[: end + 2] if end > 0 else None
