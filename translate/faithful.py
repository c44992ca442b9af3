"""Faithfulness rules shared by every backend: nothing truncated, nothing looped, numbers kept.

``translate_texts`` wraps a backend's ``generate``: a text longer than the model's input
limit is split at clause boundaries and its parts translated in order; an output that ran
into its length cap or repeats itself is retranslated in smaller pieces, and flagged if it
still fails; numbers missing from a translation are flagged (``translate.numbers``: a number the model
rightly rewrote in English style, 12,5 -> 12.5 or kl. 14.30 -> 2.30 pm, is not missing).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from translate.numbers import missing_numbers

if TYPE_CHECKING:  # annotations only: the backends package imports the settings, which key on this module
    from translate.backends.base import Generation, TranslationBackend

# Bump when this module changes what it returns for the same model output (goes into cache keys).
FAITHFUL_VERSION = "3"  # 3: numbers compared by meaning (translate.numbers)
FLAG_LENGTH_CAP = "length-cap"
FLAG_REPETITION = "repetition"
FLAG_SPLIT = "split-long-input"
FLAG_NUMBER_MISSING = "number-missing"
MAX_REPAIR_ROUNDS = 2
_MIN_REPAIR_WORDS = 6
_INPUT_MARGIN = 2
# Boundaries to split an over-long text at, best first; the boundary stays with the left part.
_CLAUSE_BOUNDARIES = (
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"(?<=[;:])\s+"),
    re.compile(r"\s+(?=[–—]\s)|(?<=\s[–—])\s+"),
    re.compile(r"(?<=,)\s+"),
    re.compile(r"\s+(?=(?:og|men|eller|som|fordi|at|mens|når|der|hvor|etter|før|da)\s)"),
    re.compile(r"\s+"),
)


@dataclass
class Translation:
    target: str
    flags: list[str] = field(default_factory=list)


def translate_texts(backend: TranslationBackend, texts: list[str], repair: bool = True) -> list[Translation]:
    """Translate texts faithfully; the result is in input order with per-text flags."""
    if not texts:
        return []
    backend.ensure_loaded()
    limit = max(8, backend.max_input_tokens - _INPUT_MARGIN)
    count = backend.count_tokens
    # Every miss is tokenized once, in one call; the counts go on to ``generate`` with the pieces.
    fitted = [_fit(text, count, limit, tokens) for text, tokens in zip(texts, count(texts))]
    pieces_per_text = [[piece for piece, _ in pieces] for pieces in fitted]
    flat = [piece for pieces in pieces_per_text for piece in pieces]
    lengths = [tokens for pieces in fitted for _, tokens in pieces]
    outputs = _translate_with_repair(backend, flat, rounds=MAX_REPAIR_ROUNDS if repair else 0, lengths=lengths)
    results = []
    position = 0
    for text, pieces in zip(texts, pieces_per_text):
        parts = outputs[position : position + len(pieces)]
        position += len(pieces)
        flags = sorted({flag for part in parts for flag in part.flags})
        if len(pieces) > 1:
            flags.append(FLAG_SPLIT)
        target = " ".join(part.target for part in parts if part.target)
        flags.extend(f"{FLAG_NUMBER_MISSING}:{number}" for number in missing_numbers(text, target))
        results.append(Translation(target, flags))
    return results


def _translate_with_repair(
    backend: TranslationBackend, texts: list[str], rounds: int, lengths: list[int] | None = None, tight: bool = False
) -> list[Translation]:
    """Translate; retranslate failed outputs in halves, ``rounds`` times, under tight caps."""
    generations = backend.generate(texts, lengths, tight=tight)
    results: list[Translation] = []
    retry_index: list[int] = []
    retry_pieces: list[list[str]] = []
    for i, (text, generation) in enumerate(zip(texts, generations)):
        problem = output_problem(text, generation)
        results.append(Translation(generation.text, [problem] if problem else []))
        if problem and rounds > 0 and len(text.split()) >= _MIN_REPAIR_WORDS:
            halves = split_in_two(text)
            if len(halves) == 2:
                retry_index.append(i)
                retry_pieces.append(halves)
    if retry_pieces:
        flat = [piece for halves in retry_pieces for piece in halves]
        repaired = _translate_with_repair(backend, flat, rounds - 1, tight=True)
        for n, i in enumerate(retry_index):
            left, right = repaired[2 * n], repaired[2 * n + 1]
            target = " ".join(part.target for part in (left, right) if part.target)
            results[i] = Translation(target, sorted(set(left.flags + right.flags)))
    return results


def output_problem(source: str, generation: Generation) -> str | None:
    """Why an output cannot be trusted as is: it hit its length cap, or it loops."""
    if generation.hit_cap:
        return FLAG_LENGTH_CAP
    if is_repetitive(generation.text) or len(generation.text) > 3 * len(source) + 40:
        return FLAG_REPETITION
    return None


def is_repetitive(text: str, max_ngram: int = 4, min_repeats: int = 4) -> bool:
    """True when some n-gram (n <= 4) repeats back to back ``min_repeats`` times, or dominates."""
    words = text.split()
    if len(words) < min_repeats:
        return False
    for n in range(1, max_ngram + 1):
        run = 1
        for i in range(n, len(words) - n + 1, n):
            run = run + 1 if words[i : i + n] == words[i - n : i] else 1
            if run >= min_repeats:
                return True
    if len(words) >= 12:
        trigrams = Counter(tuple(words[i : i + 3]) for i in range(len(words) - 2))
        if trigrams.most_common(1)[0][1] * 3 > len(words):
            return True
    return False


def split_to_fit(text: str, count_tokens: Callable[[list[str]], list[int]], limit: int) -> list[str]:
    """Split ``text`` at the best clause boundaries until every piece fits ``limit`` tokens."""
    return [piece for piece, _ in _fit(text, count_tokens, limit)]


def _fit(
    text: str, count_tokens: Callable[[list[str]], list[int]], limit: int, tokens: int | None = None
) -> list[tuple[str, int]]:
    """``split_to_fit`` with each piece's token count; ``tokens``, when known, is not counted again."""
    tokens = count_tokens([text])[0] if tokens is None else tokens
    if tokens <= limit:
        return [(text, tokens)]
    halves = split_in_two(text) or _split_chars(text)
    return [piece for half, n in zip(halves, count_tokens(halves)) for piece in _fit(half, count_tokens, limit, n)]


def split_in_two(text: str) -> list[str]:
    """Split at the strongest boundary nearest the middle; [] when the text has none."""
    middle = len(text) / 2
    for boundary in _CLAUSE_BOUNDARIES:
        cuts = [(m.start(), m.end()) for m in boundary.finditer(text) if 0 < m.start() and m.end() < len(text)]
        if not cuts:
            continue
        start, end = min(cuts, key=lambda cut: abs(cut[0] - middle))
        return [text[:start], text[end:]]
    return []


def _split_chars(text: str) -> list[str]:
    middle = len(text) // 2
    return [text[:middle], text[middle:]]
