"""Blocks and inline spans from an lxml tree (HTML, NITF), and the English written back.

A *run* is a stretch of running text inside one element: its text, or the tail of a
structural child, plus the inline elements (``a``, ``b``, ``em``...) up to the next
structural child. Each run with words becomes one block; its inline elements become
spans. Writing replaces only the run: the slot's text and the inline children, rebuilt
around the English from copies of the original elements (same tag, same attributes).
Structural elements, skipped subtrees (``script``, ``pre``, NITF ``docdata``...), skipped
elements inside inline ones (a ``script`` or ``svg`` in a link), blocks whose sentences all
passed through, and every other attribute are left exactly as they were.
"""

from __future__ import annotations

import copy
import re
import sys
from dataclasses import dataclass, field

from lxml import etree

from translate.article import ATTRIBUTE, PARAGRAPH, QUOTE, Block, InlineSpan, text_block
from translate.formats.inline import TextBuilder, block_target, layout, place_spans, spacing_drops, unchanged

_SPACING = frozenset(("br",))

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ASCII_SPACE = " \t\n\r\f"
NORWEGIAN_LANGS = ("nb", "no", "nn")
# Characters an lxml tree cannot hold (libxml2's HTML parser lets a stray one through, as
# browsers do; setting it back as text would raise): dropped from the English written back.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ENGLISH = "en"


def localname(element) -> str:
    """Lower-case tag name without namespace; '#comment' or '#pi' for those nodes."""
    if element.tag is etree.Comment:
        return "#comment"
    if element.tag is etree.ProcessingInstruction:
        return "#pi"
    if not isinstance(element.tag, str):
        return "#other"
    return etree.QName(element).localname.lower()


@dataclass(frozen=True)
class Rules:
    """What a format translates: which elements are inline, kept whole, or skipped."""

    inline: frozenset[str]
    # Inline elements written back unchanged; their text is part of the sentence (code).
    keep_with_text: frozenset[str]
    # Inline elements written back unchanged that add no words (br, img, script).
    keep_without_text: frozenset[str]
    # Structural elements whose whole subtree is left untouched (script, pre, docdata).
    skip: frozenset[str]
    # tag -> block kind; context tags (li, td, blockquote...) apply to their descendants.
    kinds: dict[str, str] = field(default_factory=dict)
    context_kinds: dict[str, str] = field(default_factory=dict)
    # Where given, only runs directly inside these elements are prose (NITF's list); None: all.
    prose: frozenset[str] | None = None
    # Kept elements that stand for a space between words (HTML ``br``; ODF ``s``, ``tab``, ``line-break``).
    spacing: frozenset[str] = _SPACING

    def is_inline(self, element) -> bool:
        name = localname(element)
        return name in self.inline or name.startswith("#")

    def keeps(self, element) -> bool:
        name = localname(element)
        return (
            name in self.keep_with_text or name in self.keep_without_text or name in self.skip
            or name.startswith("#") or no_translate(element)
        )

    def kind_of(self, element) -> str:
        name = localname(element)
        if name in self.kinds:
            return self.kinds[name]
        for ancestor in element.iterancestors():
            context = self.context_kinds.get(localname(ancestor))
            if context:
                return context
        return self.context_kinds.get(name, PARAGRAPH)


def no_translate(element) -> bool:
    """HTML's translate="no" and the common notranslate class."""
    if not isinstance(element.tag, str):
        return False
    if element.get("translate", "").lower() == "no":
        return True
    return "notranslate" in element.get("class", "").split()


def declared_language(element) -> str | None:
    """The ``lang`` / ``xml:lang`` of the element or its nearest ancestor that has one."""
    node = element
    while node is not None:
        if isinstance(node.tag, str):
            value = node.get(XML_LANG) or node.get("lang")
            if value:
                return value
        node = node.getparent()
    return None


@dataclass
class Run:
    """Where a block's text sits: ``parent.text`` (anchor None) or ``anchor.tail``, plus inline children."""

    parent: object
    anchor: object
    children: list
    lead: str
    trail: str
    spacing: frozenset[str] = _SPACING


@dataclass
class AttributeRef:
    element: object
    name: str


def _leading_space(text: str | None) -> str:
    text = text or ""
    return text[: len(text) - len(text.lstrip(_ASCII_SPACE))]


def _trailing_space(text: str | None) -> str:
    text = text or ""
    return text[len(text.rstrip(_ASCII_SPACE)) :]


def _attrs(element) -> dict[str, str]:
    if not isinstance(element.tag, str):
        return {}
    return {str(key): str(value) for key, value in element.attrib.items()}


class Collector:
    """Walks a tree in document order and returns its blocks."""

    def __init__(self, tree, rules: Rules, attributes=None):
        self.tree = tree
        self.rules = rules
        self.attributes = attributes or (lambda element: [])
        self.blocks: list[Block] = []
        self._paths: dict = {}
        self.holds_blocks = self._inline_holding_blocks(tree.getroot() if hasattr(tree, "getroot") else tree)

    def _inline_holding_blocks(self, root) -> set:
        """Inline elements with a structural element inside (a teaser card: ``<a>`` around
        ``<div>``s): they are treated as structural, so each inner block stays its own.
        One pass: each structural element marks its ancestors up to one already marked."""
        marked: set = set()
        visited: set = set()
        stack = [root]
        while stack:
            element = stack.pop()
            if not isinstance(element.tag, str) or localname(element) in self.rules.skip:
                continue  # a script or an svg in a link is kept whole, not a block
            if self.rules.is_inline(element) and self.rules.keeps(element):
                continue  # so is a kept inline element (an ODF footnote with its own paragraphs)
            stack.extend(element)
            if self.rules.is_inline(element):
                continue
            parent = element.getparent()
            while parent is not None and parent not in visited:
                visited.add(parent)
                if self.rules.is_inline(parent):
                    marked.add(parent)
                parent = parent.getparent()
        return marked

    def is_inline(self, element) -> bool:
        return self.rules.is_inline(element) and element not in self.holds_blocks

    def path(self, element) -> str:
        """``tree.getpath(element)``, built from the parent's path: getpath counts the
        element's same-named siblings each time, which made a flat page quadratic."""
        known = self._paths.get(element)
        if known is not None:
            return known
        parent = element.getparent()
        if parent is None:
            found = self.tree.getpath(element)
            self._paths[element] = found
            return found
        prefix = self.path(parent)
        for child, segment in _segments(parent):
            self._paths[child] = f"{prefix}/{segment}"
        return self._paths[element]

    def collect(self, root) -> list[Block]:
        # visit() recurses once per level: room for the deepest nesting the limits allow.
        from translate.limits import active

        sys.setrecursionlimit(max(sys.getrecursionlimit(), 3 * active().depth + 1000))
        self.visit(root)
        return self.blocks

    def visit(self, element) -> None:
        if localname(element) in self.rules.skip or no_translate(element) or not isinstance(element.tag, str):
            return
        self.attribute_blocks(element)
        anchor, pending = None, []
        structural = [child for child in element if not self.is_inline(child)]
        for child in element:
            if self.is_inline(child):
                pending.append(child)
                continue
            self.run_block(element, anchor, pending, len(structural) > 0)
            anchor, pending = child, []
            self.visit(child)
        self.run_block(element, anchor, pending, len(structural) > 0)

    def attribute_blocks(self, element) -> None:
        for name in self.attributes(element):
            value = element.get(name)
            if value and value.strip():
                label = name if not name.startswith("{") else etree.QName(name).localname
                block = text_block(
                    ATTRIBUTE, " ".join(value.split()), f"{self.path(element)}/@{label}", node=AttributeRef(element, name)
                )
                block.lang = declared_language(element)
                self.blocks.append(block)

    def run_block(self, parent, anchor, children: list, mixed: bool) -> None:
        if self.rules.prose is not None and localname(parent) not in self.rules.prose:
            return
        slot = parent.text if anchor is None else anchor.tail
        builder = TextBuilder()
        spans: list[InlineSpan] = []
        attribute_elements: list = []
        builder.add(slot)
        for child in children:
            self.add_inline(child, None, builder, spans, attribute_elements)
            builder.add(child.tail)
        text = builder.text().rstrip(" ")
        if not text:
            for element in attribute_elements:
                self.attribute_blocks(element)
            return
        for span in spans:
            span.start, span.end = min(span.start, len(text)), min(span.end, len(text))
        last_text = children[-1].tail if children else slot
        run = Run(parent, anchor, list(children), _leading_space(slot), _trailing_space(last_text), self.rules.spacing)
        location = self.path(parent)
        if mixed:
            location += "/text()" if anchor is None else f"/{localname(anchor)}-tail"
            if anchor is not None:
                location = f"{self.path(anchor)}/following-text()"
        kind = self.rules.kind_of(parent)
        block = text_block(kind, text, location, spans, node=run)
        block.lang = declared_language(parent)
        if kind == PARAGRAPH and block.prefix:
            block.kind = QUOTE
        self.blocks.append(block)
        for element in attribute_elements:
            self.attribute_blocks(element)

    def add_inline(self, element, parent: int | None, builder: TextBuilder, spans: list, attribute_elements: list) -> None:
        name = localname(element)
        keep = self.rules.keeps(element)
        index = len(spans)
        span = InlineSpan(len(builder), len(builder), name, _attrs(element), parent, keep, element)
        spans.append(span)
        if name in self.rules.skip:
            # A skipped element (script, style, svg, code...) inside a link or a button is
            # kept whole, its attributes too, and adds no words: only prose goes to the model.
            return
        if isinstance(element.tag, str):
            attribute_elements.append(element)
        if keep:
            if name in self.rules.keep_with_text or no_translate(element):
                builder.add("".join(element.itertext()))
                span.end = len(builder)
            elif name in self.rules.spacing:
                builder.add(" ")
            return
        builder.add(element.text)
        for child in element:
            self.add_inline(child, index, builder, spans, attribute_elements)
            builder.add(child.tail)
        span.end = len(builder)


def _segments(parent):
    """Each element child of ``parent`` with its step in libxml2's ``getpath`` (``p[3]``,
    ``x:p``, ``*[2]`` in a default namespace), in one pass over the children."""
    children = [child for child in parent if isinstance(child.tag, str)]
    keys = []
    for child in children:
        tag = child.tag
        if not tag.startswith("{"):
            keys.append((tag, None, False))  # no namespace (HTML's "fb:like" included)
        elif child.prefix is None:
            keys.append(("*", None, None))  # libxml2 names these "*" and counts every element sibling
        else:
            keys.append((tag.rpartition("}")[2], child.prefix, True))
    totals: dict = {}
    for key in keys:
        if key[2] is None:
            continue
        totals[key] = totals.get(key, 0) + 1
    generic_total = len(children)
    seen: dict = {}
    for position, (child, key) in enumerate(zip(children, keys)):
        name = key[0] if key[1] is None else f"{key[1]}:{key[0]}"
        if key[2] is None:
            total, index = generic_total, position + 1
        else:
            index = seen.get(key, 0) + 1
            seen[key] = index
            total = totals[key]
        yield child, (f"{name}[{index}]" if total > 1 else name)


def set_language(root, attributes=("lang", XML_LANG)) -> None:
    """Norwegian language markers (nb, no, nn, nb-NO...) -> en, on every element."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in attributes:
            value = element.get(name)
            if value and value.strip().lower().split("-")[0].split("_")[0] in NORWEGIAN_LANGS:
                element.set(name, ENGLISH)


def write_blocks(blocks: list[Block], alignments: dict | None = None) -> None:
    """Lay every block's English over the tree: attributes first (copies carry them), then runs."""
    for block in blocks:
        if unchanged(block):
            place_spans(block, alignments)  # where its inline elements are (the JSON shows it)
    blocks = [block for block in blocks if not unchanged(block)]
    for block in blocks:
        if isinstance(block.node, AttributeRef):
            target = block_target(block)
            block.node.element.set(block.node.name, _NOT_XML.sub("", target))
    for block in blocks:
        if isinstance(block.node, Run):
            write_run(block, alignments)


def _new_element(block: Block, index: int, target: str, dropped: set[int]):
    span = block.spans[index]
    if span.keep:
        # The element itself, moved (each span is laid out once and the run's old elements
        # are discarded): what was written inside it (an ODF note's body) stays with it.
        element = span.node
        element.tail = None
        return element
    element = copy.deepcopy(span.node)
    for child in list(element):
        element.remove(child)
    element.text = None
    element.tail = None
    _fill(element, block, layout(block, index, span.target_start, span.target_end, target, dropped), target, dropped=dropped)
    return element


def _fill(
    element, block: Block, items, target: str, lead: str = "", trail: str = "", set_text=None, insert_at=None,
    dropped: set[int] | None = None,
):
    """Write ``items`` as the content of ``element`` (or of a run inside it)."""
    text = _NOT_XML.sub("", lead)
    trail = _NOT_XML.sub("", trail)
    last = None
    position = insert_at
    for kind, value in items:
        if kind == "text":
            value = _NOT_XML.sub("", value)
            if last is None:
                text += value
            else:
                last.tail = (last.tail or "") + value
            continue
        child = _new_element(block, value, target, dropped or set())
        if position is None:
            element.append(child)
        elif isinstance(position, int):
            element.insert(position, child)
            position += 1
        else:  # an element: the new one goes after it (its tail stays its own)
            position.addnext(child)
            position = child
        last = child
    if last is None:
        text += trail
    else:
        last.tail = (last.tail or "") + trail
    if set_text is None:
        element.text = text or None
    else:
        set_text(text)


def write_run(block: Block, alignments: dict | None = None) -> None:
    run: Run = block.node
    target = place_spans(block, alignments)
    dropped = spacing_drops(block, target, run.spacing)
    items = layout(block, None, 0, len(target), target, dropped)
    for child in run.children:
        run.parent.remove(child)
    if run.anchor is None:
        insert_at = 0

        def set_text(text: str) -> None:
            run.parent.text = text or None

    else:
        insert_at = run.anchor  # added after it, one after the other (parent.index() made writing quadratic)

        def set_text(text: str) -> None:
            run.anchor.tail = text or None

    _fill(run.parent, block, items, target, run.lead, run.trail, set_text, insert_at, dropped)


def syntax_error_message(label: str, what: str, error: etree.XMLSyntaxError) -> str:
    line, column = (error.position if getattr(error, "position", None) else (error.lineno, 0))
    detail = error.msg.split(", line ")[0] if error.msg else "syntax error"
    return (
        f"{label} is not well-formed {what} (line {line}, column {column}: {detail}). "
        "Fix the file, or pass --from txt to translate it as plain text."
    )
