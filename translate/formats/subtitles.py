"""Subtitles (SRT, WebVTT): only the spoken text changes; every other byte stays.

The file is kept as a list of lines. Cue numbers and identifiers, timing lines (with
their cue settings), the WebVTT header and its ``NOTE``/``STYLE``/``REGION`` blocks, blank
lines and line endings are written back exactly as read; only each cue's payload lines
are replaced. Inline tags (``<i>``, ``<b>``, ``<v Speaker>``, ``<c.class>``, timestamps,
SRT's ``{\\an8}``) are inline spans: the tokens themselves are copied back byte for byte,
placed on the English as DOCX runs are (``translate.formats.inline``).

A sentence often runs across cues. Consecutive cues are one block until a cue ends with
closing punctuation (at most ``MAX_GROUP`` cues), so the model translates the sentence
whole. The English of a block is spread over its cues *by length*: cue i gets the words
up to the word boundary nearest ``len(English) * (source chars of cues 1..i) / (source
chars of the block)``, each cue keeping at least one word where there are enough. A cue
left without a word (the English has fewer words than the sentence has cues) shows ``…``.
A cue whose lines each open with a dialogue dash (``- Hei.`` / ``- Hallo.``) keeps one line per
speaker, each its own block. Timings never move and the cue count never changes.

Each cue's English is wrapped to at most two lines: one line when it fits in
``LINE_LENGTH`` (42) characters, otherwise two lines broken at the space that makes the
longer line shortest (a line may pass 42 characters where the English is longer than
two lines of 42: a third line or a moved timing would be worse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from translate.article import PARAGRAPH, Article, Block, InlineSpan, Sentence, text_block
from translate.errors import InputError
from translate.formats import Document, source_text
from translate.formats.inline import block_target, place_spans

LINE_LENGTH = 42
# What a cue shows when the English has fewer words than the sentence has cues: an empty
# cue would end the cue block early (players and parsers drop it, so the count changes).
EMPTY_CUE = "…"
MAX_GROUP = 6
UTF8_BOM = b"\xef\xbb\xbf"
_FALLBACK = "cp1252"
_NEWLINE = re.compile(r"(\r\n|\n|\r)")
_SRT_TIMING = re.compile(r"^\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}\s*-->\s*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}(?:\s.*)?$")
_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_TOKEN = re.compile(r"<[^<>\r\n]*>|\{\\[^{}\r\n]*\}")
_ENTITY = re.compile(r"&(amp|lt|gt|nbsp|lrm|rlm|quot|apos|#\d+|#x[0-9a-fA-F]+);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0", "lrm": "\u200e", "rlm": "\u200f", "quot": '"', "apos": "'"}
_VTT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\u00a0": "&nbsp;", "\u200e": "&lrm;", "\u200f": "&rlm;"}
_DASH = re.compile(r"^(?:<[^<>]*>|\{\\[^{}]*\})*[-–—]")
_CLOSING = ".!?…:;♪"
_QUOTES = "»\"”’')]"


@dataclass
class Piece:
    """A stretch of one cue's payload translated as one: the whole cue, or one dialogue line."""

    cue: int
    text: str
    spans: list[InlineSpan]
    dialogue: bool
    english: str | None = None
    # Whitespace around the payload lines (kept, so an unchanged cue is byte-identical).
    lead: str = ""
    trail: str = ""


@dataclass
class Cue:
    first_line: int  # index (in SubtitleState.lines) of the first payload line
    count: int  # payload lines
    pieces: list[Piece] = field(default_factory=list)


@dataclass
class SubtitleState:
    lines: list[tuple[str, str]]  # (content, line ending)
    cues: list[Cue]
    bom: bytes
    encoding: str
    vtt: bool


# ------------------------------------------------------------------------------ reading


def decode(data: bytes, label: str, kind: str) -> tuple[str, bytes, str, list[str]]:
    """The text, its byte-order mark, its encoding, and warnings (UTF-8, else Windows-1252;
    UTF-16 with its byte-order mark, as some Windows tools save subtitles)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), b"", "utf-16", []
        except UnicodeDecodeError:
            raise InputError(f"{label} is not a {kind} subtitle file (it starts like UTF-16 but is not). Check the file.") from None
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    body = data[len(bom) :]
    if b"\x00" in body:
        raise InputError(f"{label} is not a {kind} subtitle file (it contains NUL bytes). Check the file.")
    try:
        return body.decode("utf-8"), bom, "utf-8", []
    except UnicodeDecodeError:
        return body.decode(_FALLBACK, errors="replace"), bom, _FALLBACK, [
            f"{label} is not UTF-8; decoded it as {_FALLBACK} (the English is written back in it)."
        ]


def split_lines(text: str) -> list[tuple[str, str]]:
    parts = _NEWLINE.split(text)
    lines = [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
    if lines and lines[-1] == ("", ""):
        lines.pop()
    return lines


def read_subtitles(data: bytes, label: str, vtt: bool) -> Document:
    kind = "WebVTT" if vtt else "SRT"
    text, bom, encoding, warnings = decode(data, label, kind)
    lines = split_lines(text)
    cues = _parse_vtt(lines, label) if vtt else _parse_srt(lines, label)
    for index, cue in enumerate(cues):
        cue.pieces = _pieces(index, [lines[i][0] for i in range(cue.first_line, cue.first_line + cue.count)], vtt)
    blocks = _blocks(cues)
    fmt = "vtt" if vtt else "srt"
    article = Article(blocks, format=fmt)
    state = SubtitleState(lines, cues, bom, encoding, vtt)
    return Document(fmt, article, source_text(data, label, article, encoding, warnings), state=state)


def _blocks_of_lines(lines: list[tuple[str, str]], start: int = 0):
    """(first, end) line ranges of the blank-line-separated blocks from ``start``."""
    i = start
    while i < len(lines):
        if not lines[i][0].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j][0].strip():
            j += 1
        yield i, j
        i = j


def _timing_error(label: str, number: int, line: str, kind: str) -> InputError:
    shown = line.strip()[:60]
    return InputError(
        f"{label} line {number}: '{shown}' is not {'an' if kind == 'SRT' else 'a'} {kind} timing line (start --> end). "
        "Fix that cue and try again."
    )


def _parse_srt(lines, label: str) -> list[Cue]:
    cues = []
    for first, end in _blocks_of_lines(lines):
        at = first
        head = lines[at][0].strip()
        if cues and not head.isdigit() and "-->" not in head:
            # Text after a blank line inside a cue (a common slip): more of the same cue.
            cues[-1].count = end - cues[-1].first_line
            continue
        if head.isdigit() and at + 1 < end:
            at += 1
        elif head.isdigit():
            raise _timing_error(label, at + 2, "", "SRT")
        if not _SRT_TIMING.match(lines[at][0]):
            raise _timing_error(label, at + 1, lines[at][0], "SRT")
        cues.append(Cue(at + 1, end - at - 1))
    if not cues:
        raise InputError(f"{label} has no SRT cues (a number, a timing line, then the text). Check the file.")
    return cues


def _parse_vtt(lines, label: str) -> list[Cue]:
    if not lines or not (lines[0][0] == "WEBVTT" or lines[0][0].startswith(("WEBVTT ", "WEBVTT\t"))):
        raise InputError(f"{label} is not a WebVTT file: its first line is not 'WEBVTT'. Check the file, or pass --from.")
    blocks = iter(_blocks_of_lines(lines))
    next(blocks)  # the header block (WEBVTT line and any metadata lines): kept as it is
    cues = []
    for first, end in blocks:
        head = lines[first][0]
        if re.match(r"^(NOTE|STYLE|REGION)(?:[ \t]|$)", head):
            continue
        at = first if "-->" in head else first + 1
        if at >= end:  # a lone line that is neither a cue nor a NOTE/STYLE/REGION block
            raise _timing_error(label, first + 1, head, "WebVTT")
        if not _VTT_TIMING.match(lines[at][0]):
            raise _timing_error(label, at + 1, lines[at][0], "WebVTT")
        cues.append(Cue(at + 1, end - at - 1))
    return cues


def _unescape(text: str, vtt: bool) -> str:
    """Text with WebVTT character references decoded (SRT: as it is)."""
    if not vtt:
        return text

    def one(match) -> str:
        name = match.group(1)
        try:
            if name.startswith("#x"):
                return chr(int(name[2:], 16))
            if name.startswith("#"):
                return chr(int(name[1:]))
        except (ValueError, OverflowError):  # no such character: left as written
            return match.group(0)
        return _ENTITIES[name]

    return _ENTITY.sub(one, text)


def _tag_name(token: str) -> str:
    if token.startswith("{"):
        return "override"
    inner = token[1:-1].lstrip("/").strip()
    if inner[:1].isdigit():
        return "timestamp"
    return re.split(r"[ \t.]", inner, maxsplit=1)[0].lower() or "tag"


def _spans_of(payload: str, vtt: bool) -> tuple[str, list[InlineSpan]]:
    """Plain text and tag spans of one piece of payload (its lines already joined by spaces)."""
    text: list[str] = []
    length = 0
    spans: list[InlineSpan] = []
    stack: list[int] = []
    cursor = 0
    for match in _TOKEN.finditer(payload):
        chunk = _unescape(payload[cursor : match.start()], vtt)
        text.append(chunk)
        length += len(chunk)
        cursor = match.end()
        token = match.group(0)
        name = _tag_name(token)
        parent = stack[-1] if stack else None
        if token.startswith("</"):
            opened = next((i for i in reversed(stack) if spans[i].kind == name), None)
            if opened is None:  # a close without its open (it opened in another cue): kept in place
                spans.append(InlineSpan(length, length, name, {"tag": token}, parent, True, (token, None)))
                continue
            while stack and stack[-1] != opened:
                stack.pop()  # an unclosed inner tag ends here
            stack.pop()
            spans[opened].end = length
            spans[opened].node = (spans[opened].node[0], token)
            continue
        if name in ("timestamp", "override") or token.endswith("/>"):
            spans.append(InlineSpan(length, length, name, {"tag": token}, parent, True, (token, None)))
            continue
        spans.append(InlineSpan(length, -1, name, {"tag": token}, parent, False, (token, None)))
        stack.append(len(spans) - 1)
    chunk = _unescape(payload[cursor:], vtt)
    text.append(chunk)
    length += len(chunk)
    for span in spans:
        if span.end == -1:
            span.end = length  # open to the end of the cue (closed in a later cue, or never)
    joined = "".join(text)
    lead = len(joined) - len(joined.lstrip())
    stripped = joined.strip()
    for span in spans:
        span.start = min(max(span.start - lead, 0), len(stripped))
        span.end = min(max(span.end - lead, 0), len(stripped))
    return stripped, spans


def _pieces(cue_index: int, payload: list[str], vtt: bool) -> list[Piece]:
    if not payload:
        return []
    dialogue = len(payload) > 1 and all(_DASH.match(line.strip()) for line in payload)
    groups = [[line] for line in payload] if dialogue else [payload]
    pieces = []
    for lines in groups:
        text, spans = _spans_of(" ".join(line.strip() for line in lines), vtt)
        lead = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
        trail = lines[-1][len(lines[-1].rstrip()) :]
        pieces.append(Piece(cue_index, text, spans, dialogue, lead=lead, trail=trail))
    return pieces


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_QUOTES)
    return not stripped or stripped.endswith(tuple(_CLOSING))


def _blocks(cues: list[Cue]) -> list[Block]:
    """One block per sentence run: consecutive single-speaker cues until closing punctuation."""
    groups: list[list[Piece]] = []
    current: list[Piece] = []
    for cue in cues:
        for piece in cue.pieces:
            if not piece.text.strip():
                continue
            joins = (
                current
                and not piece.dialogue
                and not current[-1].dialogue
                and current[-1].cue == piece.cue - 1
                and len(current) < MAX_GROUP
                and not _ends_sentence(current[-1].text)
                and not _DASH.match(piece.text)
            )
            if not joins and current:
                groups.append(current)
                current = []
            current.append(piece)
    if current:
        groups.append(current)
    blocks = []
    for group in groups:
        spans: list[InlineSpan] = []
        offset = 0
        for piece in group:
            base = len(spans)
            for span in piece.spans:
                parent = None if span.parent is None else span.parent + base
                spans.append(InlineSpan(span.start + offset, span.end + offset, span.kind, dict(span.attrs), parent, span.keep))
            offset += len(piece.text) + 1
        source = " ".join(piece.text for piece in group)
        first, last = group[0].cue + 1, group[-1].cue + 1
        location = f"cue {first}" if first == last else f"cues {first}-{last}"
        blocks.append(text_block(PARAGRAPH, source, location, [], node=group))
        blocks[-1].spans = [s for s in spans if s.end <= len(source)]
    return blocks


# ------------------------------------------------------------------------------ writing


def spread(english: str, weights: list[int]) -> list[str]:
    """``english`` cut at word boundaries into len(weights) parts, sized by ``weights``."""
    count = len(weights)
    if count == 1:
        return [english.strip() or EMPTY_CUE]
    words = english.split()
    if not words:
        return [EMPTY_CUE] * count
    ends = []  # character offset (in the words joined by single spaces) after each word
    position = 0
    for word in words:
        position += len(word)
        ends.append(position)
        position += 1
    total, weight_total = len(" ".join(words)), sum(weights) or count
    cuts: list[int] = []  # number of words in parts 0..i
    cumulative = 0
    for i in range(count - 1):
        cumulative += weights[i] or 1
        ideal = total * cumulative / weight_total
        previous = cuts[-1] if cuts else 0
        low = min(previous + 1, len(words))  # at least one word in this cue, while there are words
        high = max(low, len(words) - (count - 1 - i))  # and one left for each later cue, where there are enough
        best = min(range(low, high + 1), key=lambda n: (abs((ends[n - 1] if n else 0) - ideal), n))
        cuts.append(best)
    parts, previous = [], 0
    for cut in cuts + [len(words)]:
        parts.append(" ".join(words[previous:cut]) or EMPTY_CUE)
        previous = cut
    return parts


def wrap_point(text: str) -> int | None:
    """Where a cue's English breaks into its second line (a space's offset), or None for one line."""
    if len(text) <= LINE_LENGTH:
        return None
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return None
    return min(spaces, key=lambda i: (max(i, len(text) - i - 1), abs(i - len(text) / 2)))


def _escape(text: str, vtt: bool) -> str:
    if not vtt:
        return text
    return "".join(_VTT_ESCAPES.get(ch, ch) for ch in text)


def _render(piece: Piece, english: str, vtt: bool, wrap: bool) -> list[str]:
    """The piece's payload lines: the English with its tag tokens placed and a line break."""
    block = Block(PARAGRAPH, piece.text, sentences=[Sentence(piece.text, target=english)])
    block.spans = [InlineSpan(s.start, s.end, s.kind, s.attrs, s.parent, s.keep, s.node) for s in piece.spans]
    target = place_spans(block) if block.spans else english
    events: list[tuple[int, int, int, str]] = []
    for index, span in enumerate(block.spans):
        opening, closing = span.node
        start, end = span.target_start, span.target_end
        if span.keep or closing is None:  # a lone token, or a tag closed in another cue
            events.append((start, 1, index, opening))
        elif start == end:
            events.append((start, 1, index, opening + closing))
        else:
            events.append((start, 1, index, opening))
            events.append((end, 0, -index, closing))
    events.sort()
    breaks = {wrap_point(target)} if wrap else set()
    out: list[str] = []
    k = 0
    for position in range(len(target) + 1):
        while k < len(events) and events[k][0] == position:
            out.append(events[k][3])
            k += 1
        if position < len(target):
            ch = target[position]
            out.append("\n" if position in breaks else _escape(ch, vtt))
    lines = "".join(out).split("\n")
    lines[0] = piece.lead + lines[0]
    lines[-1] += piece.trail
    return lines


def write_subtitles(document: Document) -> bytes:
    state: SubtitleState = document.state
    for block in document.article.blocks:
        group: list[Piece] = block.node
        english = block_target(block)
        for piece, part in zip(group, spread(english, [len(p.text) for p in group])):
            piece.english = part
    lines = state.lines
    replaced: dict[int, list[str]] = {}
    for cue in state.cues:
        if not any(p.english is not None for p in cue.pieces):
            continue
        payload: list[str] = []
        for piece in cue.pieces:
            if piece.english is None or piece.english == piece.text:  # no words, or unchanged: as it was
                payload.extend(_original_lines(state, cue, piece))
                continue
            payload.extend(_render(piece, piece.english, state.vtt, wrap=not piece.dialogue))
        replaced[cue.first_line] = payload
    newline = next((ending for _, ending in lines if ending), "\n")
    cue_at = {cue.first_line: cue for cue in state.cues}
    out: list[str] = []
    skip_until = -1
    for index, (content, ending) in enumerate(lines):
        if index < skip_until:
            continue
        if index in replaced:
            cue = cue_at[index]
            new = [line for line in replaced[index] if line.strip()] or [""]
            last_ending = lines[index + cue.count - 1][1]
            out.extend(line + newline for line in new[:-1])
            out.append(new[-1] + last_ending)
            skip_until = index + cue.count
            continue
        out.append(content + ending)
    text = "".join(out)
    try:  # WebVTT is UTF-8 by definition; an SRT keeps its own encoding where it can
        body = text.encode("utf-8" if state.vtt else state.encoding)
    except UnicodeEncodeError:
        body = text.encode("utf-8")
    return state.bom + body


def _original_lines(state: SubtitleState, cue: Cue, piece: Piece) -> list[str]:
    lines = [state.lines[i][0] for i in range(cue.first_line, cue.first_line + cue.count)]
    if piece.dialogue:
        return [lines[cue.pieces.index(piece)]]
    return lines
