"""Putting inline elements (links, bold, DOCX runs...) back on the English.

The model translates plain sentences; it never sees markup, so it cannot drop a marker.
Each inline span over the Norwegian block is placed on the English block in this order:

1. exact: the span's text occurs in the English inside the span's allowed window (a name,
   a number, a URL, an untranslated sentence) -> it goes around those characters;
2. by position: otherwise its start and end are carried over by their relative position
   inside their sentence and snapped to word boundaries, and the sentence is flagged
   ``markup-by-position``.

Spans nest as the markup does: a child is placed inside its parent and after its previous
sibling, so the result is always well-formed and every element survives (an element may
end up around no words at all, but it is never lost).
"""

from __future__ import annotations

from dataclasses import dataclass

from translate.article import FLAG_MARKUP_BY_POSITION, Block, InlineSpan, Sentence

_OPENERS = "«\"“‘'([{"
_CLOSERS = "»\"”’')]}.,:;!?…"


@dataclass
class _Segment:
    """A piece of the block whose source range maps onto a target range."""

    src_start: int
    src_end: int
    tgt_start: int
    tgt_end: int
    sentence: Sentence | None  # None for the verbatim prefix

    @property
    def identity(self) -> bool:
        return self.sentence is None or self.sentence.target == self.sentence.source


def unchanged(block: Block) -> bool:
    """Every sentence came back as it was (passed through): a writer leaves the block
    alone, so its text, whitespace and markup stay byte for byte."""
    return all(s.target == s.source for s in block.sentences)


def block_target(block: Block) -> str:
    """The block's English exactly as the writers lay it out (prefix + sentences, space-joined)."""
    target = block.target
    return block.source if target is None else target


def _segments(block: Block) -> list[_Segment]:
    segments = []
    source = block.source
    if block.prefix:
        segments.append(_Segment(0, len(block.prefix), 0, len(block.prefix), None))
    cursor = len(block.prefix)
    tgt = len(block.prefix)
    for index, sentence in enumerate(block.sentences):
        target = sentence.target if sentence.target is not None else sentence.source
        found = source.find(sentence.source, cursor)
        if found < 0:  # the sentence text was changed after reading: map the rest as a whole
            found = cursor
            end = max(found, len(source)) if index == len(block.sentences) - 1 else found + len(sentence.source)
        else:
            end = found + len(sentence.source)
        segments.append(_Segment(found, end, tgt, tgt + len(target), sentence))
        cursor = end
        tgt += len(target) + 1
    return segments


def _word_starts(text: str, lo: int, hi: int) -> list[int]:
    return [i for i in range(lo, hi) if not text[i].isspace() and (i == lo or text[i - 1].isspace())]


def _word_ends(text: str, lo: int, hi: int) -> list[int]:
    return [i for i in range(lo + 1, hi + 1) if not text[i - 1].isspace() and (i == hi or text[i].isspace())]


def _nearest(candidates: list[int], value: float, default: int) -> int:
    if not candidates:
        return default
    return min(candidates, key=lambda c: (abs(c - value), c))


class _Mapper:
    def __init__(self, block: Block, target: str, alignments: dict | None = None):
        self.block = block
        self.target = target
        self.segments = _segments(block)
        self.alignments = alignments or {}
        self._anchors: dict[int, list[tuple[int, int]]] = {}

    def segment_at(self, offset: int) -> _Segment | None:
        for segment in self.segments:
            if segment.src_start <= offset <= segment.src_end:
                return segment
        return None

    def map(self, offset: int, is_end: bool) -> tuple[int, _Segment | None]:
        """Target offset for a source offset, and the segment when the mapping was approximate.

        Exact (segment None): in the verbatim prefix, in an untranslated sentence, at a
        sentence's start or end, or in the whitespace between sentences.
        """
        segment = self.segment_at(offset)
        if segment is None:  # whitespace between sentences: the gap between their English
            before = [s for s in self.segments if s.src_end <= offset]
            after = [s for s in self.segments if s.src_start >= offset]
            if is_end and before:
                return before[-1].tgt_end, None
            if after:
                return after[0].tgt_start, None
            return (before[-1].tgt_end if before else 0), None
        if segment.identity:
            return segment.tgt_start + (offset - segment.src_start), None
        if offset <= segment.src_start:
            return segment.tgt_start, None
        if offset >= segment.src_end:
            return segment.tgt_end, None
        estimate = self.interpolate(segment, offset)
        lo, hi = segment.tgt_start, segment.tgt_end
        if is_end:
            return _nearest(_word_ends(self.target, lo, hi), estimate, hi), segment
        return _nearest(_word_starts(self.target, lo, hi), estimate, lo), segment


    def aligned(self, start: int, end: int) -> tuple[int, int] | None:
        """The English words linked (by the model's attention) to the source words in [start, end)."""
        segment = self.segment_at(start)
        if segment is None or segment.identity or not (segment.src_start <= end <= segment.src_end):
            return None
        links = self.alignments.get((segment.sentence.source, segment.sentence.target))
        if not links:
            return None
        src_words = _spans_of_words(self.block.source, segment.src_start, segment.src_end)
        tgt_words = _spans_of_words(self.target, segment.tgt_start, segment.tgt_end)
        if len(src_words) != len(links):
            return None
        if end > start:
            chosen = [i for i, (a, b) in enumerate(src_words) if a < end and b > start]
        else:
            chosen = [next((i for i, (a, b) in enumerate(src_words) if b > start), len(src_words) - 1)]
        linked = sorted({j for i in chosen for j in links[i] if j < len(tgt_words)})
        if not linked:
            return None
        first, last = tgt_words[linked[0]][0], tgt_words[linked[-1]][1]
        return (first, first) if end == start else (first, last)

    def interpolate(self, segment: _Segment, offset: int) -> float:
        """Relative position, piecewise between anchor words found in both languages."""
        key = id(segment)
        if key not in self._anchors:
            pairs = anchor_points(
                self.block.source[segment.src_start : segment.src_end], self.target[segment.tgt_start : segment.tgt_end]
            )
            self._anchors[key] = (
                [(segment.src_start, segment.tgt_start)]
                + [(segment.src_start + a, segment.tgt_start + b) for a, b in pairs]
                + [(segment.src_end, segment.tgt_end)]
            )
        points = self._anchors[key]
        for (s0, t0), (s1, t1) in zip(points, points[1:]):
            if s0 <= offset <= s1:
                if s1 == s0:
                    return float(t0)
                return t0 + (offset - s0) / (s1 - s0) * (t1 - t0)
        return float(segment.tgt_end)


def _spans_of_words(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """(start, end) of each whitespace-separated word of ``text[lo:hi]``, in ``text`` offsets."""
    words, index = [], lo
    for raw in text[lo:hi].split():
        start = text.index(raw, index, hi)
        index = start + len(raw)
        words.append((start, index))
    return words


def needs_alignment(block: Block) -> list[Sentence]:
    """Translated sentences with a span boundary inside them (where placement is not exact)."""
    if not block.spans:
        return []
    wanted = []
    for segment in _segments(block):
        if segment.identity or segment.sentence is None:
            continue
        inside = lambda offset: segment.src_start < offset < segment.src_end  # noqa: E731
        if any(inside(span.start) or inside(span.end) for span in block.spans):
            wanted.append(segment.sentence)
    return wanted


def _words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, core) of each whitespace-separated word, punctuation stripped from its edges."""
    words, index = [], 0
    for raw in text.split():
        start = text.index(raw, index)
        index = start + len(raw)
        core = raw.strip(_OPENERS + _CLOSERS)
        if core:
            lead = raw.index(core)
            words.append((start + lead, start + lead + len(core), core))
    return words


def anchor_points(source: str, target: str) -> list[tuple[int, int]]:
    """Matching (source, target) offsets at words that occur once in each text, unchanged.

    Names, numbers and codes usually survive translation as they are; they pin the
    relative-position estimate so a span near them lands near them in the English. Only
    pairs in the same order on both sides are kept (longest increasing run).
    """
    def unique(words):
        counts: dict[str, int] = {}
        for _, _, core in words:
            counts[core] = counts.get(core, 0) + 1
        return {core: (start, end) for start, end, core in words if counts[core] == 1}

    src, tgt = unique(_words(source)), unique(_words(target))
    pairs = sorted(
        (src[core], tgt[core])
        for core in src.keys() & tgt.keys()
        if len(core) >= 2 and any(ch.isupper() or ch.isdigit() for ch in core)
    )
    # Longest run increasing in the target too (O(n^2) on a handful of words).
    best: list[list] = []
    for pair in pairs:
        chain = max((c for c in best if c[-1][1][0] < pair[1][0]), key=len, default=[])
        best.append(chain + [pair])
    chain = max(best, key=len, default=[])
    points = []
    for (s_start, s_end), (t_start, t_end) in chain:
        points.extend([(s_start, t_start), (s_end, t_end)])
    return points


def _exact(target: str, text: str, lo: int, hi: int, estimate: int) -> int | None:
    """Start of the occurrence of ``text`` in ``target[lo:hi]`` nearest ``estimate``."""
    if len(text.strip()) < 2 or not any(ch.isalnum() for ch in text):
        return None
    hits = []
    at = target.find(text, lo, hi)
    while at >= 0:
        hits.append(at)
        at = target.find(text, at + 1, hi)
    if not hits:
        return None
    return min(hits, key=lambda h: abs(h - estimate))


def _trim(target: str, source_text: str, start: int, end: int) -> tuple[int, int]:
    """Keep punctuation outside a span whose source text has none at that edge."""
    if source_text and source_text[-1].isalnum():
        while end - 1 > start and target[end - 1] in _CLOSERS:
            end -= 1
    if source_text and source_text[0].isalnum():
        while start + 1 < end and target[start] in _OPENERS:
            start += 1
    return start, end


def place_spans(block: Block, alignments: dict | None = None) -> str:
    """Set ``target_start``/``target_end`` of every span of ``block``; return its English.

    ``alignments`` maps (source, target) sentences to word links from the model
    (``translate.formats.align``); without them, or where they say nothing, spans are
    placed by position and the sentence is flagged. Idempotent.
    """
    target = block_target(block)
    if not block.spans:
        return target
    mapper = _Mapper(block, target, alignments)
    children: dict[int | None, list[int]] = {}
    for index, span in enumerate(block.spans):
        children.setdefault(span.parent, []).append(index)

    def place(parent: int | None, lo: int, hi: int) -> None:
        floor = lo
        for index in children.get(parent, []):
            span = block.spans[index]
            _place_one(span, mapper, target, floor, hi)
            floor = max(floor, span.target_end)
            place(index, span.target_start, span.target_end)

    place(None, 0, len(target))
    return target


def _place_one(span: InlineSpan, mapper: _Mapper, target: str, lo: int, hi: int) -> None:
    source_text = mapper.block.source[span.start : span.end]
    start, segment = mapper.map(span.start, is_end=False)
    end, end_segment = mapper.map(span.end, is_end=True)
    if span.start == span.end or not source_text.strip():
        end = start  # nothing to wrap (a break, an image, a run holding only a space)
    by_position = segment is not None or end_segment is not None
    hit = _exact(target, source_text, lo, hi, start) if by_position else None
    aligned = mapper.aligned(span.start, span.end) if by_position and hit is None else None
    if hit is not None:
        start, end, by_position = hit, hit + len(source_text), False
    elif aligned is not None and lo <= aligned[0] and aligned[1] <= hi:
        start, end, by_position = aligned[0], aligned[1], False
        if span.keep and span.end > span.start:
            pass  # kept code is written over the English words it was aligned to
        elif span.start == span.end or not source_text.strip():
            end = start
        start, end = _trim(target, source_text, start, end)
    else:
        start = min(max(start, lo), hi)
        end = min(max(end, start), hi)
        if source_text.strip() and end == start:
            ends = [e for e in _word_ends(target, start, hi) if e > start]
            if ends:
                end = ends[0]
        if by_position:
            start, end = _trim(target, source_text, start, end)
    span.target_start, span.target_end = start, end
    if by_position:
        for seg in (segment, end_segment):
            if seg is not None and seg.sentence is not None and FLAG_MARKUP_BY_POSITION not in seg.sentence.flags:
                seg.sentence.flags.append(FLAG_MARKUP_BY_POSITION)


def children_of(block: Block, parent: int | None) -> list[int]:
    """Indexes of the spans directly inside ``parent`` (None: the block itself), in order."""
    return [i for i, span in enumerate(block.spans) if span.parent == parent]


def run_owners(block: Block, target: str, runs: list[int]) -> list[int]:
    """Which run (span index) owns each character of the English, for run-based formats
    (DOCX, PPTX): the run it was placed in; text between runs goes to the run before it
    (or the first run). ``runs`` is not empty."""
    owner: list[int | None] = [None] * len(target)
    for i in runs:
        span = block.spans[i]
        for position in range(span.target_start, span.target_end):
            owner[position] = i
    current = runs[0]
    for position in range(len(target)):
        if owner[position] is None:
            owner[position] = current
        else:
            current = owner[position]
    return owner


def spacing_drops(block: Block, target: str, kinds: frozenset[str] | set[str]) -> set[int]:
    """Positions of the English spaces that a break or tab element stands for.

    A ``<br>`` or a DOCX tab was read as a space so the words around it stay apart; in the
    English that space is the element itself, so the one next to where it was placed is
    not written as text (``word<br>next``, not ``word<br> next``).
    """
    dropped: set[int] = set()
    for span in block.spans:
        if span.keep and span.kind in kinds and span.target_start is not None:
            at = span.target_start
            if at < len(target) and target[at] == " " and at not in dropped:
                dropped.add(at)
            elif at > 0 and target[at - 1] == " " and at - 1 not in dropped:
                dropped.add(at - 1)
    return dropped


def layout(
    block: Block, parent: int | None, lo: int, hi: int, target: str, dropped: set[int] | None = None
) -> list[tuple[str, object]]:
    """The content of ``parent`` on the English as ("text", str) and ("span", index) items."""
    items: list[tuple[str, object]] = []
    dropped = dropped or set()

    def text(a: int, b: int) -> str:
        return "".join(target[i] for i in range(a, b) if i not in dropped) if dropped else target[a:b]

    cursor = lo
    for index in children_of(block, parent):
        span = block.spans[index]
        if span.target_start > cursor:
            items.append(("text", text(cursor, span.target_start)))
        items.append(("span", index))
        cursor = max(cursor, span.target_end)
    if hi > cursor:
        items.append(("text", text(cursor, hi)))
    return [item for item in items if item != ("text", "")]


# ASCII whitespace only, as HTML collapses it: a no-break space (&nbsp;) is kept as it is.
_COLLAPSIBLE = frozenset(" \t\n\r\f")


class TextBuilder:
    """Accumulates text with whitespace collapsed as browsers do, tracking offsets."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.last_space = True

    def add(self, text: str | None) -> None:
        for ch in text or "":
            if ch in _COLLAPSIBLE:
                if not self.last_space:
                    self.chars.append(" ")
                    self.last_space = True
            else:
                self.chars.append(ch)
                self.last_space = False

    def __len__(self) -> int:
        return len(self.chars)

    def text(self) -> str:
        return "".join(self.chars)
