"""A structure checker for translated documents: only the prose may change.

``translate_with_marker`` reads a document, routes its sentences as the pipeline does and
gives every sentence that would go to the model a deterministic stand-in English (the
source behind ``MARKER``: no model, so the suite is fast and exact), then writes it.
``check`` compares the input and the output:

- skeleton identical: the same elements (comments included) in the same order;
- attributes byte-identical, except the documented translated ones (alt, title, meta
  content; language markers);
- code identical: script, style, svg, template, code, pre, kbd, samp, math and comments
  (HTML), DOCX tracked deletions and field codes, Markdown fences, template tags and
  link targets;
- pass-through identical: a text node that changed belongs to a block with a translated
  sentence (its enclosing block holds the marker);
- Norwegian prose translated: every sentence sent to the model is in the output once.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from lxml import etree

from translate.formats.markup import localname

MARKER = "ENQX "
CODE = frozenset("script style svg template code pre kbd samp math".split())
LANG_ATTRIBUTES = frozenset({"lang", "baselang", "{http://www.w3.org/XML/1998/namespace}lang"})
HTML_TRANSLATED = frozenset({"alt", "title", "content"})
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class Outcome:
    fmt: str
    data: bytes
    out: bytes
    translated: int
    languages: dict[str, int] = field(default_factory=dict)
    document: object = None


def translate_with_marker(data: bytes, label: str, source_languages=("nb", "nn", "da", "sv")) -> Outcome:
    from translate.formats import read_document, write_document
    from translate.language import routed

    document = read_document(data, label)
    translated = 0
    languages: dict[str, int] = {}
    for sentence in document.article.sentences():
        words = len(sentence.source.split())
        languages[sentence.language or "kept"] = languages.get(sentence.language or "kept", 0) + words
        if sentence.translate and routed(sentence.language, source_languages):
            sentence.target = MARKER + sentence.source
            translated += 1
        else:
            sentence.target = sentence.source
    out = write_document(document)
    return Outcome(document.format, data, out, translated, languages, document)


def check(outcome: Outcome) -> None:
    {"html": _check_markup, "nitf": _check_markup, "md": _check_markdown, "docx": _check_docx}[outcome.fmt](outcome)


# ------------------------------------------------------------------------ HTML and NITF


def _markup_root(fmt: str, data: bytes):
    if fmt == "html":
        from translate.formats.html import _parse

        return _parse(data, "x")[0]
    from translate.formats.nitf import _parse

    parsed = _parse(data, "x")
    tree = parsed[0] if isinstance(parsed, tuple) else parsed
    return tree.getroot()


def _check_markup(outcome: Outcome) -> None:
    from translate.formats.html import RULES as HTML_RULES
    from translate.formats.nitf import RULES as NITF_RULES

    rules = HTML_RULES if outcome.fmt == "html" else NITF_RULES
    before = list(_markup_root(outcome.fmt, outcome.data).iter())
    after = list(_markup_root(outcome.fmt, outcome.out).iter())
    assert [localname(e) for e in before] == [localname(e) for e in after], "skeleton changed"
    for a, b in zip(before, after):
        name = localname(a)
        if isinstance(a.tag, str):
            allowed = LANG_ATTRIBUTES | (HTML_TRANSLATED if outcome.fmt == "html" else frozenset())
            for key in set(a.attrib) | set(b.attrib):
                if key not in allowed or any(localname(x) in CODE for x in a.iterancestors()) or name in CODE:
                    assert a.get(key) == b.get(key), f"attribute {key} of <{name}> changed: {a.get(key)!r} -> {b.get(key)!r}"
        if name == "#comment":
            assert a.text == b.text, "a comment changed"
        if name in CODE:
            assert a.text == b.text and "".join(a.itertext()) == "".join(b.itertext()), f"<{name}> changed"
        in_code = any(localname(x) in CODE for x in a.iterancestors())
        if in_code and isinstance(a.tag, str):
            assert a.text == b.text and a.tail == b.tail, f"text inside code (<{name}>) changed"
        if isinstance(a.tag, str) and a.text != b.text:
            assert MARKER.strip() in _block_text(b, rules), f"pass-through text of <{name}> changed: {a.text!r} -> {b.text!r}"
        if a.tail != b.tail and b.getparent() is not None:
            assert MARKER.strip() in _block_text(b.getparent(), rules), f"pass-through tail of <{name}> changed: {a.tail!r} -> {b.tail!r}"
    assert _count_markers_markup(after) == outcome.translated, "not every translated sentence is in the output once"


def _block_text(element, rules) -> str:
    """The text of the nearest enclosing non-inline element (the block the text belongs to)."""
    node = element
    while node is not None and isinstance(node.tag, str) and rules.is_inline(node) and node.getparent() is not None:
        node = node.getparent()
    return "".join(node.itertext())


def _count_markers_markup(elements) -> int:
    count = 0
    for element in elements:
        count += (element.text or "").count(MARKER.strip()) if isinstance(element.tag, str) else 0
        count += (element.tail or "").count(MARKER.strip())
        if isinstance(element.tag, str):
            count += sum(str(value).count(MARKER.strip()) for value in element.attrib.values())
    return count


# ---------------------------------------------------------------------------- Markdown

_LINK_TARGETS = ("href", "src")


def _md_tokens(text: str):
    from translate.formats.markdown import _parser

    return _parser().parse(text)


def _check_markdown(outcome: Outcome) -> None:
    from translate.formats.markdown import TEMPLATE

    source = outcome.data.decode("utf-8-sig")
    english = outcome.out.decode("utf-8-sig")
    if outcome.translated == 0:
        assert outcome.out == outcome.data, "nothing was translated, yet the file changed"
        return
    assert [m.group(0) for m in TEMPLATE.finditer(source)] == [m.group(0) for m in TEMPLATE.finditer(english)], "template tags changed"
    before, after = _md_tokens(source), _md_tokens(english)
    assert [t.type for t in before if t.type != "inline"] == [t.type for t in after if t.type != "inline"], "block skeleton changed"
    for a, b in zip(before, after):
        if a.type in ("fence", "code_block", "html_block"):
            assert a.content == b.content, f"{a.type} changed"
        if a.type == "front_matter":
            continue
        if a.type == "inline":
            targets = lambda token: [(c.type, c.attrs.get(k)) for c in token.children or [] for k in _LINK_TARGETS if c.attrs and k in c.attrs]
            assert targets(a) == targets(b), "link or image target changed"
            codes = lambda token: [c.content for c in token.children or [] if c.type in ("code_inline", "html_inline")]
            assert codes(a) == codes(b), "inline code or HTML changed"
            if a.content != b.content:
                assert MARKER.strip() in b.content, f"pass-through text changed: {a.content!r} -> {b.content!r}"
    assert english.count(MARKER.strip()) == outcome.translated, "not every translated sentence is in the output once"


# -------------------------------------------------------------------------------- DOCX


def _check_docx(outcome: Outcome) -> None:
    before = zipfile.ZipFile(BytesIO(outcome.data))
    after = zipfile.ZipFile(BytesIO(outcome.out))
    assert before.namelist() == after.namelist(), "zip entries changed"
    markers = 0
    for name in before.namelist():
        a_bytes, b_bytes = before.read(name), after.read(name)
        if a_bytes == b_bytes:
            continue
        assert name.endswith(".xml"), f"{name} changed"
        a_root, b_root = etree.fromstring(a_bytes), etree.fromstring(b_bytes)
        a_elements = [e for e in a_root.iter() if e.tag != f"{W}t"]
        b_elements = [e for e in b_root.iter() if e.tag != f"{W}t"]
        assert [e.tag for e in a_elements] == [e.tag for e in b_elements], f"{name}: skeleton changed"
        for x, y in zip(a_elements, b_elements):
            if x.tag == f"{W}lang":
                continue
            assert dict(x.attrib) == dict(y.attrib), f"{name}: attributes of {x.tag} changed"
            if x.tag in (f"{W}del", f"{W}instrText", f"{W}delText"):
                assert etree.tostring(x) == etree.tostring(y), f"{name}: {x.tag} changed"
        for x, y in zip(a_root.iter(f"{W}p"), b_root.iter(f"{W}p")):
            text_x = "".join(t.text or "" for t in x.iter(f"{W}t"))
            text_y = "".join(t.text or "" for t in y.iter(f"{W}t"))
            if text_x != text_y:
                assert MARKER.strip() in text_y, f"{name}: pass-through paragraph changed: {text_x!r}"
        markers += sum((t.text or "").count(MARKER.strip()) for t in b_root.iter(f"{W}t"))
    assert markers == outcome.translated, "not every translated sentence is in the output once"


MANIFEST_COLUMNS = ("file", "format", "repo", "path", "commit", "language", "notes")


def read_manifest(path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, re.split("\t", line))) for line in lines[1:] if line.strip()]
