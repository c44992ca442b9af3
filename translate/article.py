"""The article model: a file becomes blocks, blocks hold sentences, and back again.

Blocks are separated by blank lines in the source and keep their order and kind through
translation, so the output has the same shape as the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from translate import segment
from translate.language import has_words, route_article

META, HEADING, PARAGRAPH, QUOTE, FOOTER = "meta", "heading", "paragraph", "quote", "footer"
# Kinds that structured formats (translate.formats) add; renderers treat them like paragraphs.
TITLE, LIST_ITEM, TABLE_CELL, CAPTION, ATTRIBUTE = "title", "list-item", "table-cell", "caption", "attribute"
BLOCK_KINDS = (META, HEADING, PARAGRAPH, QUOTE, FOOTER, TITLE, LIST_ITEM, TABLE_CELL, CAPTION, ATTRIBUTE)
# Sentence flag: an inline element (link, bold, DOCX run) was put on the English by relative
# position, not by finding its words; its place in the sentence is approximate.
FLAG_MARKUP_BY_POSITION = "markup-by-position"

# The blank-line rule (one home): a line holding only spaces or tabs between two line breaks
# ends a block, in Norwegian sources and in English text alike.
BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_META_LINE = re.compile(r"^\s*(?:date|dato)\s+\S+", re.I)
_DIALOGUE_DASH = re.compile(r"^([–—-])\s+")
_FOOTER = re.compile(r"^\(?\s*©.{0,60}$|^\((?:NTB|ANB|Reuters|AFP|AP|NTB[- ]\w+)\)$", re.I)
_TERMINAL = tuple(".!?:;…»\"”')")
HEADING_MAX_WORDS = 14


@dataclass
class Sentence:
    """One unit sent to the model (or passed through when ``translate`` is False)."""

    source: str
    translate: bool = True
    target: str | None = None
    cached: bool = False
    flags: list[str] = field(default_factory=list)
    # Decided by translate.language.route_article (nb, nn, da, sv, en, ... or und); None
    # until then. Whether it goes to the model is the settings' call (source languages).
    language: str | None = None
    # Plain text: the source line ended after this sentence (a complete line), so the
    # English keeps the line break.
    line_break: bool = False
    # Where the English came from: "memory", "cache", "model" or "passthrough" (set by the pipeline).
    origin: str | None = None
    # A near miss from the translation memory (translate.memory.NearMiss), shown, never applied.
    suggestion: object = None


@dataclass
class InlineSpan:
    """An inline element (link, bold, a DOCX run...) over ``block.source[start:end]``.

    ``kind`` and ``attrs`` are what the JSON shows; ``node`` is the format's own handle
    (an lxml element, a Markdown token) that its writer copies back. ``parent`` is the
    index of the enclosing span in ``block.spans`` (spans nest as the markup does).
    ``keep`` marks atomic elements written back unchanged (inline code, an image, a line
    break). ``target_start``/``target_end`` are set on the English by
    ``translate.formats.inline.place_spans``.
    """

    start: int
    end: int
    kind: str
    attrs: dict[str, str] = field(default_factory=dict)
    parent: int | None = None
    keep: bool = False
    node: object = field(default=None, repr=False, compare=False)
    target_start: int | None = None
    target_end: int | None = None

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "attrs": dict(self.attrs),
            "parent": self.parent,
            "target_start": self.target_start,
            "target_end": self.target_end,
        }


@dataclass
class Block:
    """A blank-line-separated part of the article.

    ``prefix`` is text kept verbatim in front of the translation, such as a quote's
    dialogue dash; the sentences cover ``source`` minus that prefix.
    """

    kind: str
    source: str
    prefix: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    # Where the block sits in its document (an XPath-like path, ``word/document.xml#p12``,
    # ``lines 3-5``); None for plain text. Shown in the JSON.
    location: str | None = None
    # Inline elements over ``source`` (structured formats only), in document order.
    spans: list[InlineSpan] = field(default_factory=list)
    # The format's handle on the block's place in the document, for its writer.
    node: object = field(default=None, repr=False, compare=False)
    # The language declared on the block's element or an ancestor (lang, xml:lang, w:lang).
    lang: str | None = None

    @property
    def target(self) -> str | None:
        if not self.sentences:
            return self.source
        if any(s.target is None for s in self.sentences):
            return None
        return self.prefix + "".join(
            s.target + ("\n" if s.line_break else " ") for s in self.sentences[:-1]
        ) + self.sentences[-1].target


@dataclass
class Article:
    blocks: list[Block]
    metadata: dict[str, str] = field(default_factory=dict)
    # The input format as ``--from`` names it (txt, html, md, docx, nitf), set by translate.formats.
    format: str = "txt"
    # (source sentence, English) -> word links from the model's attention, for placing inline
    # markup (translate.formats.align); empty unless alignment was asked for.
    alignments: dict = field(default_factory=dict, repr=False)
    # The language most of its sentences are in (translate.language.route_article).
    language: str | None = None

    def plain_text(self) -> str:
        """The source text of every block, blank-line separated (language checks, summaries)."""
        return "\n\n".join(block.source for block in self.blocks if block.source.strip())

    def sentences(self) -> list[Sentence]:
        return [s for block in self.blocks for s in block.sentences]


def split_blocks(text: str) -> list[str]:
    """The non-empty blank-line-separated chunks of ``text``, in order."""
    return [chunk for chunk in BLANK_LINES.split(text) if chunk.strip()]


def looks_like_heading(line: str, terminal: tuple[str, ...] = _TERMINAL) -> bool:
    """The heading rule (one home): a line without closing punctuation, at most 14 words.

    ``terminal`` is the closing punctuation of the language at hand (English summaries
    pass their own quote marks).
    """
    return not line.endswith(terminal) and len(line.split()) <= HEADING_MAX_WORDS


def parse_article(text: str) -> Article:
    """Split text into blocks of kind meta, heading, paragraph, quote or footer.

    Inside a block, a line that is a complete unit (it ends a sentence, or it is a
    headline: no closing punctuation and the next line starts a new sentence) keeps its
    line break and is never merged into the next sentence; hard-wrapped lines (a line
    that ends mid-sentence) are joined. Every sentence's language is then decided.
    """
    chunks = split_blocks(text)
    blocks: list[Block] = []
    metadata: dict[str, str] = {}
    for index, chunk in enumerate(chunks):
        kind = classify_block(chunk, first=index == 0)
        if kind == META:
            metadata = parse_metadata(chunk)
            blocks.append(Block(META, chunk.strip("\n")))
            continue
        units = line_units(chunk)
        flat = "\n".join(units)
        if kind == FOOTER:
            blocks.append(Block(FOOTER, flat))
            continue
        prefix = ""
        if kind == QUOTE:
            match = _DIALOGUE_DASH.match(units[0])
            prefix, units[0] = match.group(0), units[0][match.end():]
        sentences: list[Sentence] = []
        for unit in units:
            pieces = [unit] if kind == HEADING else segment.split_sentences(unit)
            unit_sentences = [Sentence(piece, translate=has_words(piece)) for piece in pieces if piece]
            if unit_sentences:
                unit_sentences[-1].line_break = True
            sentences.extend(unit_sentences)
        if sentences:
            sentences[-1].line_break = False
        blocks.append(Block(kind, flat, prefix=prefix, sentences=sentences))
    article = Article(blocks, metadata)
    route_article(article)
    return article


_SENTENCE_END = tuple(".!?…:;»\"”')")
_NEW_SENTENCE = re.compile(r"^[\W_]*[A-ZÆØÅ0-9«“\"'–—-]")


def line_units(chunk: str) -> list[str]:
    """The lines of a block, hard-wrapped ones joined: one string per complete unit."""
    lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
    units: list[str] = []
    current: list[str] = []
    for position, line in enumerate(lines):
        current.append(line)
        following = lines[position + 1] if position + 1 < len(lines) else None
        # A full stop before a lower-case line is an abbreviation ("bl.a.") in a wrapped sentence.
        ends_sentence = line.endswith(_SENTENCE_END) and not (following or "A")[:1].islower()
        headline = (
            following is not None and looks_like_heading(line) and bool(_NEW_SENTENCE.match(following)) and len(current) == 1
        )
        if following is None or ends_sentence or headline:
            units.append(" ".join(current))
            current = []
    return units


def parse_plain_text(text: str) -> Article:
    """A plain text that is not an NTB file (a LibreTranslate text, a line of parallel text):
    blank-line blocks, and a first line that looks like ``Dato ...`` is content, not metadata."""
    article = parse_article(text.strip())
    if article.blocks and article.blocks[0].kind == META:
        flat = " ".join(line.strip() for line in article.blocks[0].source.splitlines())
        article.blocks[0] = text_block(PARAGRAPH, flat)
        article.metadata = {}
        route_article(article)
    return article


def text_block(
    kind: str, text: str, location: str | None = None, spans: list[InlineSpan] | None = None, node: object = None
) -> Block:
    """A block of a structured document: ``text`` is already flat (one line, no markup).

    Copyright lines such as ``(©NTB)`` pass through; a leading dialogue dash is kept as
    the block's prefix; headings, titles and attribute values are one unit, the rest
    (paragraphs, list items, cells, captions) is split into sentences.
    """
    spans = spans or []
    block = Block(kind, text, location=location, spans=spans, node=node)
    stripped = text.strip()
    if not stripped:
        return block
    if _FOOTER.match(stripped):
        block.kind = FOOTER if kind == PARAGRAPH else kind
        block.sentences = [Sentence(text, translate=False)]
        return block
    body = text
    match = _DIALOGUE_DASH.match(text)
    if match and kind in (PARAGRAPH, QUOTE, LIST_ITEM):
        block.prefix, body = match.group(0), text[match.end():]
    if kind in (HEADING, TITLE, ATTRIBUTE) or len(body) < 2:
        pieces = [body.strip()]
    else:
        pieces = segment.split_sentences(body)
    block.sentences = [Sentence(piece, translate=has_words(piece)) for piece in pieces if piece]
    return block


def classify_block(chunk: str, first: bool = False) -> str:
    """The kind of one blank-line-separated chunk of the source."""
    stripped = chunk.strip()
    lines = stripped.splitlines()
    if first and len(lines) == 1 and (_META_LINE.match(chunk) or (chunk[:1].isspace() and not stripped.endswith(_TERMINAL))):
        return META
    if _FOOTER.match(stripped):
        return FOOTER
    if _DIALOGUE_DASH.match(stripped):
        return QUOTE
    if len(lines) == 1 and looks_like_heading(stripped):
        return HEADING
    return PARAGRAPH


def parse_metadata(line: str) -> dict[str, str]:
    """``date 2017-11 utenriks`` -> {"date": "2017-11", "section": "utenriks", "raw": ...}."""
    words = line.split()
    metadata = {"raw": line.strip()}
    if len(words) >= 2 and words[0].lower() in ("date", "dato"):
        metadata["date"] = words[1]
        if len(words) > 2:
            metadata["section"] = " ".join(words[2:])
    return metadata


def render_sentences(article: Article) -> str:
    """One sentence per line, a blank line between blocks (``nb2en split``)."""
    lines = []
    for block in article.blocks:
        sentences = [s.source for s in block.sentences] or [block.source.strip()]
        if block.prefix and sentences:
            sentences[0] = block.prefix + sentences[0]
        lines.append("\n".join(sentences))
    return "\n\n".join(lines) + ("\n" if lines else "")
