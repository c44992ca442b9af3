"""Markdown articles: CommonMark with GFM tables and strikethrough, and YAML front matter.

Parsed with markdown-it-py; every block that holds text (a paragraph, heading, list item,
block quote, table cell) is rewritten in place on its own source lines, and every other
line (front matter keys and non-text values, fenced and indented code, HTML blocks, link
reference definitions, blank lines) is copied unchanged. Inside a block, links, images,
emphasis, strong, strikethrough, code spans, autolinks and inline HTML are written back
around the English; link and image targets come out exactly as written, code spans and
inline HTML unchanged. Translated attributes: image alt text and link titles. Front
matter: the values of text keys (title, description, summary...) are translated; a value
is written plain when YAML reads it back as the same string, double-quoted otherwise.

A paragraph that spanned several source lines comes back on one line (its container
prefix, such as ``> `` or a list marker, kept).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from translate.article import ATTRIBUTE, HEADING, LIST_ITEM, PARAGRAPH, QUOTE, TABLE_CELL, TITLE, Article, InlineSpan, text_block
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.inline import TextBuilder, block_target, layout, place_spans, spacing_drops, unchanged
from translate.io import decode_source
from translate.spans import TEMPLATE_TAG

FRONT_MATTER_TEXT_KEYS = frozenset(
    """title subtitle description summary excerpt lead ingress caption abstract tittel undertittel
    beskrivelse sammendrag""".split()
)
_ESCAPE = set("\\`*_[]<>")
_LINE_START_ESCAPE = set("#>-+=")


@dataclass
class Cell:
    """One cell of a GFM table row: its inline token (None when empty) and its block."""

    raw: str
    block: object = None


@dataclass
class MdBlock:
    """Where a block's Markdown goes: lines ``first..last`` (inclusive) of the source."""

    first: int
    last: int
    kind: str  # "inline", "cell", "front-matter", "attribute"
    extra: dict = field(default_factory=dict)


@dataclass
class MdState:
    lines: list[str]
    front_matter: tuple[int, int] | None = None
    rows: dict[int, list[Cell]] = field(default_factory=dict)
    tables: dict[int, str] = field(default_factory=dict)
    # The front matter's ``lang`` (or ``language``/``languageCode``): the document's declared language.
    lang: str | None = None


def _parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(front_matter_plugin)
    # Keep link targets as written (markdown-it percent-encodes them by default).
    md.normalizeLink = lambda url: url
    md.normalizeLinkText = lambda url: url
    return md


def _parse_tokens(text: str, label: str):
    """markdown-it's tokens, refused past the ``depth`` limit: markdown-it silently stops
    reading a block nested deeper than its ``maxNesting`` (its text would stay Norwegian)."""
    import sys

    from translate import limits

    depth = limits.active().depth
    md = _parser()
    md.options["maxNesting"] = depth + 2
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 8 * depth + 1000))  # its block rules recurse per level
    tokens = md.parse(text)
    if any(token.level >= depth for token in tokens):
        raise limits.too_deep(label, "blocks (lists, quotes)")
    return tokens


def read(data: bytes, label: str) -> Document:
    source = decode_source(data, label)
    text = source.text
    tokens = _parse_tokens(text, label)
    state = MdState(lines=text.split("\n"))
    blocks: list = []
    containers: list[str] = []
    row: list[Cell] | None = None
    for index, token in enumerate(tokens):
        if token.type == "front_matter":
            state.front_matter = (token.map[0], token.map[1] - 1)
            blocks.extend(_front_matter_blocks(token, state))
        elif token.type.endswith("_open") and token.nesting == 1 and token.type != "paragraph_open":
            containers.append(token.type[: -len("_open")])
            if token.type == "tr_open":
                row = []
                state.rows[token.map[0]] = row
        elif token.type.endswith("_close") and token.nesting == -1 and token.type != "paragraph_close":
            if containers:
                containers.pop()
        elif token.type == "inline":
            kind = _kind(containers)
            if kind == TABLE_CELL:
                cell = Cell(token.content)
                row.append(cell)
                block, extra = _inline_block(token, kind, f"line {token.map[0] + 1}, cell {len(row)}")
                if block is not None:
                    block.node = MdBlock(token.map[0], token.map[0], "cell", {"row": row, "cell": cell})
                    cell.block = block
                    blocks.append(block)
                blocks.extend(extra)
                continue
            first, last = token.map[0], token.map[1] - 1
            location = f"lines {first + 1}-{last + 1}" if last > first else f"line {first + 1}"
            block, extra = _inline_block(token, kind, location)
            if block is not None:
                level = tokens[index - 1].markup if tokens[index - 1].type == "heading_open" else ""
                setext = level in ("=", "-")
                carrier = block.node == "carrier"
                block.node = MdBlock(first, last, "inline", {"content": token.content, "heading": "" if setext else level})
                if carrier:
                    for attribute in extra:
                        attribute.node.extra["carrier"] = block
                else:
                    blocks.append(block)
            blocks.extend(extra)
    article = Article(blocks, format="md")
    if state.lang:
        article.metadata["lang"] = state.lang
    for block in blocks:
        if block.kind in (TITLE, HEADING) and "title" not in article.metadata:
            article.metadata["title"] = block.source
    return Document("md", article, source_text(data, label, article, source.encoding, source.warnings), state=state)


def _kind(containers: list[str]) -> str:
    for name in reversed(containers):
        if name in ("th", "td"):
            return TABLE_CELL
        if name == "heading":
            return HEADING
        if name == "list_item":
            return LIST_ITEM
        if name == "blockquote":
            return QUOTE
    return PARAGRAPH


@dataclass
class MdInline:
    """A span's token, and the translations of its attributes (image alt, link title)."""

    token: object
    closing: str = ""
    overrides: dict = field(default_factory=dict)


def _inline_block(token, kind: str, location: str):
    """The block of one inline token, plus attribute blocks for its images and link titles."""
    builder = TextBuilder()
    spans: list[InlineSpan] = []
    stack: list[int] = []
    attribute_refs: list[tuple[int, str, str]] = []
    for child in _merge_text(token.children or []):
        parent = stack[-1] if stack else None
        kind_name = child.type
        if kind_name == "text-run":
            _add_text(child.content, builder, spans, parent)
        elif kind_name == "softbreak":
            builder.add(" ")
        elif kind_name.endswith("_open"):
            name = kind_name[: -len("_open")]
            attrs = {str(k): str(v) for k, v in (child.attrs or {}).items()}
            keep = child.markup == "autolink"
            spans.append(InlineSpan(len(builder), len(builder), name, attrs, parent, keep, MdInline(child)))
            stack.append(len(spans) - 1)
            if attrs.get("title"):
                attribute_refs.append((len(spans) - 1, "title", attrs["title"]))
        elif kind_name.endswith("_close"):
            if stack:
                spans[stack.pop()].end = len(builder)
        elif kind_name == "code_inline":  # kept as written, never sent to the model
            spans.append(InlineSpan(len(builder), len(builder), "code", {}, parent, True, MdInline(child)))
        elif kind_name == "image":
            alt = "".join(c.content for c in child.children or [] if c.type in ("text", "code_inline"))
            attrs = {str(k): str(v) for k, v in (child.attrs or {}).items()}
            attrs["alt"] = alt
            spans.append(InlineSpan(len(builder), len(builder), "image", attrs, parent, True, MdInline(child)))
            if alt.strip():
                attribute_refs.append((len(spans) - 1, "alt", alt))
            if attrs.get("title"):
                attribute_refs.append((len(spans) - 1, "title", attrs["title"]))
        elif kind_name in ("html_inline", "hardbreak"):
            spans.append(InlineSpan(len(builder), len(builder), kind_name, {}, parent, True, MdInline(child)))
            if kind_name == "hardbreak":
                builder.add(" ")
        else:  # an inline type from a plugin we do not know: keep its text
            builder.add(child.content)
    text = builder.text().rstrip(" ")
    block = None
    if text:
        for span in spans:
            span.start, span.end = min(span.start, len(text)), min(span.end, len(text))
        block = text_block(kind, text, location, spans)
        if kind == PARAGRAPH and block.prefix:
            block.kind = QUOTE
    if block is None and attribute_refs:
        # An image alone in a paragraph: no words to translate, but its alt text is; this
        # block is not in the article, the writer re-renders it to carry the new alt.
        block = text_block(kind, "", location, spans)
        block.node = "carrier"
    extra = []
    for index, name, value in attribute_refs:
        attribute = text_block(ATTRIBUTE, " ".join(value.split()), f"{location}, {spans[index].kind} {index + 1} @{name}")
        attribute.node = MdBlock(0, 0, "attribute", {"span": spans[index], "name": name})
        extra.append(attribute)
    return block, extra


# Template syntax kept as written (Hugo shortcodes, Jinja, Liquid); a code or highlight
# shortcode keeps everything up to its closing tag.
TEMPLATE = re.compile(r"\{\{[<%]\s*(code|highlight)\b.*?[>%]\}\}.*?\{\{[<%]\s*/\1\s*[>%]\}\}|" + TEMPLATE_TAG, re.S)


@dataclass
class _Raw:
    """Source text written back exactly (a template tag, merged text tokens)."""

    content: str
    type: str = "text-run"
    markup: str = ""


def _merge_text(children: list) -> list:
    """Adjacent text and soft line breaks as one ``text-run`` (a template tag may span them)."""
    merged: list = []
    for child in children:
        if child.type in ("text", "softbreak"):
            piece = child.content if child.type == "text" else "\n"
            if merged and isinstance(merged[-1], _Raw):
                merged[-1].content += piece
            else:
                merged.append(_Raw(piece))
        else:
            merged.append(child)
    return merged


def _add_text(text: str, builder: TextBuilder, spans: list, parent) -> None:
    """Plain text into the sentence; template tags as kept spans that add no words."""
    position = 0
    for match in TEMPLATE.finditer(text):
        builder.add(text[position : match.start()].replace("\n", " "))
        spans.append(InlineSpan(len(builder), len(builder), "template", {}, parent, True, MdInline(_Raw(match.group(0), "template"))))
        position = match.end()
    builder.add(text[position:].replace("\n", " "))


def _front_matter_blocks(token, state: MdState) -> list:
    import yaml

    blocks = []
    try:
        node = yaml.compose(token.content, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2}, column {mark.column + 1})" if mark else ""
        raise InputError(
            f"The YAML front matter is not valid{where}: {getattr(error, 'problem', error)}. "
            "Fix it, or pass --from txt."
        ) from None
    if not isinstance(node, yaml.MappingNode):
        return blocks
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and str(key.value).lower() in ("lang", "language", "languagecode") and isinstance(value, yaml.ScalarNode):
            state.lang = str(value.value)
        if (
            isinstance(key, yaml.ScalarNode)
            and isinstance(value, yaml.ScalarNode)
            and value.tag == "tag:yaml.org,2002:str"
            and str(key.value).lower() in FRONT_MATTER_TEXT_KEYS
            and value.value.strip()
        ):
            kind = TITLE if str(key.value).lower() in ("title", "tittel") else PARAGRAPH
            block = text_block(kind, " ".join(value.value.split()), f"front matter: {key.value}")
            block.node = MdBlock(
                token.map[0], token.map[1] - 1, "front-matter",
                {"start": value.start_mark.index, "end": value.end_mark.index, "style": value.style},
            )
            blocks.append(block)
    return blocks


# ------------------------------------------------------------------------------ writing


def escape(text: str, table: bool = False) -> str:
    """Backslash-escape what Markdown would read as markup in translated text."""
    out = []
    for index, ch in enumerate(text):
        if ch in _ESCAPE or (table and ch == "|"):
            out.append("\\" + ch)
        elif ch == "&" and index + 1 < len(text) and (text[index + 1].isalnum() or text[index + 1] == "#"):
            out.append("\\&")
        else:
            out.append(ch)
    return "".join(out)


def _escape_line_start(text: str) -> str:
    if text[:1] in _LINE_START_ESCAPE:
        return "\\" + text
    digits = len(text) - len(text.lstrip("0123456789"))
    if 0 < digits < 10 and text[digits : digits + 1] in (".", ")"):
        return text[:digits] + "\\" + text[digits:]
    return text


def _destination(url: str) -> str:
    if not url or any(ch.isspace() for ch in url) or url.count("(") != url.count(")") or "<" in url:
        return "<" + url.replace(">", "%3E") + ">"
    return url


def _title(title: str) -> str:
    return ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"' if title else ""


def render_inline(block, continuation: str = "", table: bool = False, alignments: dict | None = None) -> str:
    """The block's English as Markdown, its inline elements around their placed words."""
    target = place_spans(block, alignments)
    dropped = spacing_drops(block, target, {"hardbreak"})
    return _render_items(block, layout(block, None, 0, len(target), target, dropped), target, continuation, table, dropped)


def _render_items(block, items, target: str, continuation: str, table: bool, dropped: set[int]) -> str:
    out = []
    for kind, value in items:
        if kind == "text":
            out.append(escape(value, table))
        else:
            out.append(_render_span(block, value, target, continuation, table, dropped))
    return "".join(out)


def _render_span(block, index: int, target: str, continuation: str, table: bool, dropped: set[int]) -> str:
    span = block.spans[index]
    info: MdInline = span.node
    token = info.token
    attrs = {**span.attrs, **info.overrides}
    inner_items = layout(block, index, span.target_start, span.target_end, target, dropped)
    inner = _render_items(block, inner_items, target, continuation, table, dropped)
    if span.kind == "code":
        content = token.content
        fence = token.markup
        pad = " " if content.startswith(("`", " ")) and content.endswith(("`", " ")) or content.startswith("`") or content.endswith("`") else ""
        return fence + pad + content + pad + fence
    if span.kind == "image":
        return "![" + escape(attrs.get("alt", ""), table) + "](" + _destination(attrs.get("src", "")) + _title(attrs.get("title", "")) + ")"
    if span.kind in ("html_inline", "template"):
        return token.content
    if span.kind == "hardbreak":
        return "\\\n" + continuation
    if span.kind == "link":
        if token.markup == "autolink":
            return "<" + attrs.get("href", "") + ">"
        return "[" + inner + "](" + _destination(attrs.get("href", "")) + _title(attrs.get("title", "")) + ")"
    # emphasis, strong, strikethrough: delimiters must touch the words they wrap
    stripped = inner.strip()
    if not stripped:  # Markdown has no empty emphasis: the HTML element keeps it in the document
        tag = {"em": "em", "strong": "strong", "s": "del"}.get(span.kind, "span")
        return f"<{tag}></{tag}>" + inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return lead + token.markup + stripped + token.markup + trail


def _prefix(line: str, content_first_line: str, heading: str) -> tuple[str, str]:
    """(container prefix, suffix) of a block's first source line around its content."""
    probe = content_first_line.strip()
    at = line.find(probe) if probe else -1
    if at < 0:
        indent = line[: len(line) - len(line.lstrip())]
        return indent, ""
    prefix = line[:at]
    suffix = line[at + len(probe) :]
    if heading and not suffix.strip(" #"):
        return prefix, suffix
    return prefix, ""


def _continuation(prefix: str) -> str:
    return "".join(ch if ch in "> \t" else " " for ch in prefix)


def write(document: Document) -> bytes:
    state: MdState = document.state
    blocks = document.article.blocks
    for block in blocks:
        node = block.node
        if isinstance(node, MdBlock) and node.kind == "attribute" and not unchanged(block):
            span = node.extra["span"]
            span.node.overrides[node.extra["name"]] = block_target(block)
    replaced: dict[int, str] = {}
    dropped: set[int] = set()
    front = []
    rows = set()
    carriers = {id(b.node.extra["carrier"]): b.node.extra["carrier"] for b in blocks if isinstance(b.node, MdBlock) and "carrier" in b.node.extra}
    changed_carriers = {
        id(b.node.extra["carrier"]) for b in blocks if isinstance(b.node, MdBlock) and "carrier" in b.node.extra and not unchanged(b)
    }
    for block in [*blocks, *carriers.values()]:
        node = block.node
        if not isinstance(node, MdBlock):
            continue
        # A block whose sentences all passed through keeps its source lines byte for byte.
        if unchanged(block) and not (node.kind == "inline" and _has_changed_attribute(block)) and id(block) not in changed_carriers:
            continue
        if node.kind == "inline":
            line = state.lines[node.first]
            content_lines = node.extra["content"].split("\n")
            prefix, suffix = _prefix(line, content_lines[0], node.extra["heading"])
            rendered = render_inline(block, _continuation(prefix), alignments=document.article.alignments)
            replaced[node.first] = prefix + _escape_line_start(rendered) + suffix
            dropped.update(range(node.first + 1, node.last + 1))
        elif node.kind == "cell":
            rows.add(node.first)
        elif node.kind == "front-matter":
            front.append(block)
    rows = {index for index in rows if not all(cell.block is None or unchanged(cell.block) for cell in state.rows[index])}
    for line_index in rows:
        replaced[line_index] = _render_row(state.lines[line_index], state.rows[line_index], document.article.alignments)
    if front:
        first, last = state.front_matter
        content = "\n".join(state.lines[first + 1 : last])
        content = _replace_front_matter(content, front)
        for index in range(first + 1, last):
            dropped.add(index)
        replaced[first] = state.lines[first] + "\n" + content
    out = []
    for index, line in enumerate(state.lines):
        if index in replaced:
            out.append(replaced[index])
        elif index not in dropped:
            out.append(line)
    return "\n".join(out).encode("utf-8")


def _has_changed_attribute(block) -> bool:
    """An image alt or link title in the block was translated (the block is rewritten to carry it)."""
    return any(isinstance(span.node, MdInline) and span.node.overrides for span in block.spans)


def _render_row(line: str, cells: list[Cell], alignments: dict) -> str:
    rendered = []
    for cell in cells:
        if cell.block is not None:
            rendered.append(render_inline(cell.block, table=True, alignments=alignments))
        else:
            rendered.append(cell.raw.replace("|", "\\|"))
    stripped = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    lead = "| " if stripped.startswith("|") else ""
    trail = " |" if stripped.endswith("|") and not stripped.endswith("\\|") else ""
    return indent + lead + " | ".join(rendered) + trail


def _replace_front_matter(content: str, blocks: list) -> str:
    import yaml

    for block in sorted(blocks, key=lambda b: b.node.extra["start"], reverse=True):
        start, end = block.node.extra["start"], block.node.extra["end"]
        english = block_target(block)
        value = json.dumps(english, ensure_ascii=False)
        if block.node.extra["style"] is None and "\n" not in english:
            try:
                if yaml.safe_load("k: " + english) == {"k": english}:
                    value = english
            except yaml.YAMLError:
                pass
        content = content[:start] + value + content[end:]
    return content
