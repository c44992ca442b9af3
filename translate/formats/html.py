"""HTML articles (lxml's lenient parser, which repairs broken markup as browsers do).

Translated: the ``title``, headings, paragraphs, list items, table cells, captions and any
other running text; the attributes ``alt``, ``title`` and the ``content`` of meta
description/title tags (``description``, ``og:title``, ``og:description``,
``twitter:title``, ``twitter:description``). Never sent to the model, wherever they sit
(inside links and buttons too): ``script``, ``style``, ``svg``, ``template``, ``code``,
``pre``, ``kbd``, ``samp``, ``math``, comments, form fields, anything marked
``translate="no"`` or ``class="notranslate"``. JSON-LD (``<script type="application/ld+json">``)
is a script: kept byte for byte, its ``headline`` and ``description`` stay Norwegian (valid
as it was; search engines read the page's own language there). Every other attribute
value comes back as it was, character for character: libxml2 would percent-encode link
targets (``/tag/fødsel``, spaces in ``mailto:``) and strip their leading spaces, so they
are held aside while the tree is written. Text whose sentences all pass through (English,
other languages) is not rewritten. ``lang`` attributes that say Norwegian become ``en``.
The output is UTF-8; a ``<meta charset>`` that says otherwise is updated.
"""

from __future__ import annotations

import re
import secrets
from html import escape

from lxml import etree

from translate import limits
from translate.article import CAPTION, HEADING, LIST_ITEM, QUOTE, TABLE_CELL, TITLE, Article
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.encoding import bom_encoding, decode_html
from translate.formats.markup import Collector, Rules, localname, set_language, write_blocks

RULES = Rules(
    inline=frozenset(
        """a abbr b bdi bdo big br cite code data del dfn em font i img input ins kbd label mark q s samp
        small span strike strong sub sup time tt u var wbr""".split()
    ),
    keep_with_text=frozenset("var tt".split()),
    keep_without_text=frozenset("br wbr img input".split()),
    skip=frozenset(
        """script style pre code kbd samp template noscript svg math textarea select iframe object embed
        canvas video audio""".split()
    ),
    kinds={"title": TITLE, **{f"h{n}": HEADING for n in range(1, 7)}, "caption": CAPTION, "figcaption": CAPTION},
    context_kinds={
        "li": LIST_ITEM,
        "dt": LIST_ITEM,
        "dd": LIST_ITEM,
        "td": TABLE_CELL,
        "th": TABLE_CELL,
        "figcaption": CAPTION,
        "caption": CAPTION,
        "blockquote": QUOTE,
    },
)
META_TEXT_NAMES = frozenset("description og:title og:description twitter:title twitter:description".split())
# libxml2 knows HTML 4 only: an HTML5 tag it does not know is not a repair.
_BENIGN_ERRORS = ("invalid", "Tag ")
_INVALID_TAG = "HTML_UNKNOWN_TAG"


def translated_attributes(element) -> list[str]:
    """The human-readable attributes of ``element`` that are translated."""
    names = []
    tag = localname(element)
    if tag in ("img", "area") or (tag == "input" and element.get("type", "").lower() == "image"):
        names.append("alt")
    if element.get("title") is not None:
        names.append("title")
    if tag == "meta" and (element.get("name") or element.get("property") or "").lower() in META_TEXT_NAMES:
        names.append("content")
    return [name for name in names if element.get(name) is not None]


def _parse(data: bytes, label: str):
    """The tree, the encoding it was read as, the warnings, and the bytes parsed (UTF-8)."""
    _refuse_binary(data, label)
    text, encoding, warnings = decode_html(data, label)
    utf8 = text.encode("utf-8", errors="surrogatepass")
    # The text is decoded already: libxml2 must not re-decode it from a <meta>. huge_tree
    # lifts libxml2's own depth cap of 256 (past which it drops content); ours is `depth`.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=False, recover=True, huge_tree=True)
    try:
        root = etree.fromstring(utf8, parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise InputError(f"{label} cannot be read as HTML ({error}). Check the file, or pass --from txt.") from None
    if root is None:
        raise InputError(f"{label} has no HTML content. Pass an HTML article, or --from txt.")
    if any("Excessive depth" in error.message for error in parser.error_log):
        raise limits.too_deep(label)
    limits.check_depth(root, label)
    repairs = [
        error
        for error in parser.error_log
        if error.type_name != _INVALID_TAG and not (error.message.startswith("Tag ") and "invalid" in error.message)
    ]
    if repairs:
        first = repairs[0]
        warnings.append(
            f"{label} is not valid HTML and was repaired as a browser would "
            f"({len(repairs)} problem(s); first at line {first.line}, column {first.column}: {first.message.strip()})."
        )
    return root, encoding, warnings, utf8


def _refuse_binary(data: bytes, label: str) -> None:
    """A file with NUL bytes (an executable, an image, a zip such as a .docx) is not HTML."""
    if bom_encoding(data)[0] not in (None, "utf-8") or b"\x00" not in data:
        return
    what = "a zip file (a .docx?)" if data.startswith(b"PK\x03\x04") else "a binary file (it contains NUL bytes)"
    raise InputError(f"{label} is {what}, not HTML. Check the file, or pass --from with its real format.")


def read(data: bytes, label: str) -> Document:
    root, encoding, warnings, data_utf8 = _parse(data, label)
    tree = root.getroottree()
    blocks = Collector(tree, RULES, translated_attributes).collect(root)
    article = Article(blocks, format="html")
    title = next((b.source for b in blocks if b.kind == TITLE), None)
    if title:
        article.metadata["title"] = title
    lang = root.get("lang")
    if lang:
        article.metadata["lang"] = lang
    fragment = not _has_document_element(data_utf8)
    # libxml2 gives every HTML document a DOCTYPE; write one only where the source had it.
    has_doctype = data_utf8.lstrip(b"\xef\xbb\xbf \t\r\n")[:9].lower() == b"<!doctype"
    state = (tree, fragment, has_doctype)
    return Document("html", article, source_text(data, label, article, encoding, warnings), state=state)


def _has_document_element(data: bytes) -> bool:
    """Whether the source wrote its own <html>, <head> or <body> tag.

    Without one it is a fragment (a CMS body, an e-mail part) that the parser wrapped in
    html/body; the writer then gives back the fragment only.
    """
    lowered = data[:65536].lower()
    return any(tag in lowered for tag in (b"<html", b"<body", b"<head"))


def write(document: Document) -> bytes:
    tree, fragment, has_doctype = document.state
    write_blocks(document.article.blocks, document.article.alignments)
    root = tree.getroot()
    set_language(root)
    for meta in root.iter("meta"):
        if meta.get("charset") is not None:
            if meta.get("charset").strip().lower() not in ("utf-8", "utf8"):
                meta.set("charset", "utf-8")
        elif (meta.get("http-equiv") or "").lower() == "content-type" and "utf-8" not in (meta.get("content") or "").lower():
            meta.set("content", "text/html; charset=utf-8")
    held = _hold_uri_attributes(root)
    try:
        if fragment:
            return _restore(_unwrapped(root), held).encode("utf-8")
        if has_doctype:
            text = etree.tostring(tree, method="html", encoding="unicode", doctype=tree.docinfo.doctype or None)
        else:
            text = etree.tostring(root, method="html", encoding="unicode")
    finally:
        _release(held)
    text = _restore(text, held)
    return text.encode("utf-8") if text.endswith("\n") else (text + "\n").encode("utf-8")


# Attributes libxml2's HTML writer percent-encodes and trims (href, src, action, a@name),
# and their cousins, to be safe across libxml2 versions: written back from the source.
_URI_ATTRIBUTES = frozenset("href src action name formaction cite background longdesc usemap poster data codebase".split())


# Boolean attributes libxml2 writes bare (``defer``), which reads back as ``defer="defer"``.
_BOOLEAN_ATTRIBUTES = frozenset(
    "checked compact declare defer disabled ismap multiple nohref noresize noshade nowrap readonly selected".split()
)


def _hold_uri_attributes(root) -> list:
    """Set every held attribute to an ASCII token the writer leaves alone: a URI attribute's
    value, a boolean attribute's name (its value is not written). [nonce, [(element, attrs)]]."""
    nonce = secrets.token_hex(6)
    held = []
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.attrib:
            continue
        items = list(element.attrib.items())
        names = [str(name).lower() for name, _ in items]
        if not any(n in _URI_ATTRIBUTES or (n in _BOOLEAN_ATTRIBUTES and v.lower() != n) for n, (_, v) in zip(names, items)):
            continue
        index = len(held)
        held.append((element, items))
        element.attrib.clear()
        for position, ((name, value), lowered) in enumerate(zip(items, names)):
            if lowered in _URI_ATTRIBUTES:
                element.set(name, f"nb2en{nonce}v{index}x{position}x")
            elif lowered in _BOOLEAN_ATTRIBUTES and value.lower() != lowered:
                element.set(f"nb2en{nonce}n{index}x{position}x", "")
            else:
                element.set(name, value)
    return [nonce, held]


def _release(held: list) -> None:
    for element, items in held[1]:
        element.attrib.clear()
        for name, value in items:
            element.set(name, value)


def _restore(text: str, held: list) -> str:
    """The written text with each token replaced by the original attribute, escaped as HTML attributes are."""
    nonce, items = held

    def quoted(value: str) -> str:
        return '"' + value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;") + '"'

    def replace(match) -> str:
        if match.group(1) is not None:  # a value token
            return quoted(items[int(match.group(1))][1][int(match.group(2))][1])
        name, value = items[int(match.group(3))][1][int(match.group(4))]
        return f"{name}={quoted(value)}"

    return re.sub(f'"nb2en{nonce}v(\\d+)x(\\d+)x"|nb2en{nonce}n(\\d+)x(\\d+)x=""', replace, text)


def _unwrapped(root) -> str:
    """A fragment written back as it was given: without the html/head/body the parser added.

    Comments before the root, then the content of the added head (a ``<title>``, ``<meta>``
    or ``<style>`` of the fragment) and of the added body, in order.
    """

    def html(node) -> str:
        return etree.tostring(node, method="html", encoding="unicode")

    parts = [html(node) for node in reversed(list(root.itersiblings(preceding=True)))]
    for container in root:
        if localname(container) in ("head", "body"):
            # Leading text is escaped as lxml escapes every other text node.
            parts.append(escape(container.text or "", quote=False))
            parts.extend(html(child) for child in container)
        else:
            parts.append(html(container))
    parts.extend(html(node) for node in root.itersiblings())
    return "".join(parts)
