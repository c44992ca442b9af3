"""Text that must come out exactly: template tags, URLs, e-mail addresses, @handles, #hashtags, glossary terms.

``translate_protected`` is what the pipeline calls instead of translating sentence texts
directly. For a sentence with protected items it works in up to three steps:

1. The natural way: the sentence goes to the model whole, glossary terms replaced by their
   English and spans left in place (a good model copies both, and sees the whole sentence,
   so the English stays fluent). If every item's exact text is in the output, that is the
   translation.
2. Near misses: an item the model kept but changed a little (case, a space, a path segment:
   a stretch of the output at least ``NEAR_MISS_RATIO`` alike) is replaced by the exact
   item. No decode; the sentence is flagged ``protected-repaired``.
3. Otherwise (any model, including random-weight ones that copy nothing): the sentence is
   cut at its items, the pieces between them are translated (all failed sentences' pieces in
   one batch), and the pieces are joined with the items verbatim. The sentence is flagged
   ``protected-fallback``.

An item at the very start of the output may have a capital first letter ("The Storting").

Only sentences that contain an item pay for the scan's result; a sentence without any goes
to the model exactly as before, in the same batch, and its cache key does not change.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

from translate.faithful import Translation
from translate.glossary import EMPTY, Glossary

FLAG_PROTECTED_FALLBACK = "protected-fallback"
FLAG_PROTECTED_REPAIRED = "protected-repaired"
# A stretch of the output this similar to a lost item (0..1, case-insensitive) is taken to
# be the model's near-copy of it and replaced by the exact text.
NEAR_MISS_RATIO = 0.8
# Bump when what translate_protected returns for the same model outputs changes; it is part
# of the cache key of sentences that contain a protected item (and only of those).
SPANS_VERSION = "1"

URL, EMAIL, HANDLE, HASHTAG, TEMPLATE, TERM = "url", "email", "handle", "hashtag", "template", "term"

# Top-level domains a scheme-less address may end in. A closed list keeps abbreviations
# like "bl.a." or "f.eks." and a missing space after a full stop ("dag.Han") from matching.
_TLDS = (
    "no com org net edu gov int mil info biz name pro io ai app dev news online tech "
    "eu se dk fi is uk de fr nl es it pt ch at be pl ru ua us au nz tv me cc ly"
).split()
_URL_CHARS = r"[^\s<>\"«»“”‘’`{}|\\^]"
_SCHEME_URL = re.compile(rf"(?<![\w@])(?:(?:https?|ftp)://|www\.){_URL_CHARS}+", re.I)
_BARE_URL = re.compile(
    rf"(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{'|'.join(_TLDS)})(?![\w-])"
    rf"(?::\d{{2,5}})?(?:/{_URL_CHARS}*)?",
    re.I,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[\w-]+\.)+[^\W\d_]{2,}(?![\w-])")
_HANDLE = re.compile(r"(?<![\w@./])@\w+(?:\.\w+)*")
_HASHTAG = re.compile(r"(?<![\w#&/])#\w*[^\W\d_]\w*")
# Template syntax inside prose (Hugo shortcodes, Jinja, Liquid), in any format: a site
# that builds from the English needs every tag as written.
TEMPLATE_TAG = r"\{\{<.*?>\}\}|\{\{%.*?%\}\}|\{\{.*?\}\}|\{%.*?%\}"
_TEMPLATE = re.compile(TEMPLATE_TAG)
# Closing punctuation that belongs to the sentence, not to a URL that ends with it.
_TRAILING = ".,;:!?»”\"'’*"
_BRACKETS = {")": "(", "]": "["}
_OPENERS = "«“\"'‘([–—-"
_LETTER = re.compile(r"[^\W\d_]")
_TERMINAL = tuple(".!?…:;")
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Protected:
    """An item of a sentence that must appear verbatim: ``text[start:end]`` -> ``target``."""

    start: int
    end: int
    kind: str  # url, email, handle, hashtag, template or term
    target: str  # spans: the text itself; terms: the glossary's English


def find_spans(text: str) -> list[Protected]:
    """Template tags, URLs (with or without scheme), e-mail addresses, @handles and #hashtags, in order."""
    if not any(ch in text for ch in "@#./:{"):
        return []
    found: list[Protected] = []
    patterns = ((TEMPLATE, _TEMPLATE), (URL, _SCHEME_URL), (EMAIL, _EMAIL), (URL, _BARE_URL), (HANDLE, _HANDLE), (HASHTAG, _HASHTAG))
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == URL:
                end = start + len(_trim_url(match.group()))
            if end <= start or any(start < p.end and p.start < end for p in found):
                continue
            found.append(Protected(start, end, kind, text[start:end]))
    return sorted(found, key=lambda p: p.start)


def protected_items(text: str, glossary: Glossary = EMPTY) -> list[Protected]:
    """Spans and glossary terms of ``text``, in order, never overlapping (spans win).

    A term at the very start of the sentence gets a capital first letter in English.
    """
    items = find_spans(text)
    if glossary:
        for match in glossary.find(text):
            if any(match.start < p.end and p.start < match.end for p in items):
                continue
            english = match.english
            if not _LETTER.search(text[: match.start]) and not any(ch.isdigit() for ch in text[: match.start]):
                english = english[:1].upper() + english[1:]
            items.append(Protected(match.start, match.end, TERM, english))
        items.sort(key=lambda p: p.start)
    return items


def cache_key_part(text: str, glossary: Glossary = EMPTY) -> dict | None:
    """What protection adds to a sentence's cache key: None for a sentence without items.

    Only the glossary entries the sentence contains go in, so adding or changing an entry
    retranslates the sentences that contain it and nothing else.
    """
    # The sentence has an item exactly when it has a span or a glossary term: one glossary
    # scan, and the span scan only for a sentence without terms (no need for protected_items).
    terms = glossary.terms_in(text)
    if not terms and not find_spans(text):
        return None
    return {"spans": SPANS_VERSION, "terms": terms}


def translate_protected(
    texts: Sequence[str],
    glossary: Glossary,
    translate_fn: Callable[[list[str]], list[Translation]],
) -> list[Translation]:
    """Translate ``texts`` so every protected item comes out verbatim, in input order.

    ``translate_fn`` translates a list of texts (e.g. ``lambda t: translate_texts(backend,
    t, repair=True)``); it is called once for all texts, and once more with the pieces of
    the sentences whose natural translation lost an item.
    """
    translate_fn = _counted(translate_fn)
    items_per_text = [protected_items(text, glossary) for text in texts]
    natural = [_substitute(text, items) for text, items in zip(texts, items_per_text)]
    results = translate_fn(natural) if natural else []
    failed = []
    for i, items in enumerate(items_per_text):
        if not items or all_present(results[i].target, items):
            continue
        repaired = repair_near_misses(results[i].target, items)
        if repaired is not None:
            results[i] = Translation(repaired, sorted(results[i].flags) + [FLAG_PROTECTED_REPAIRED])
        else:
            failed.append(i)
    if not failed:
        return results
    plans = [_cut(texts[i], items_per_text[i]) for i in failed]
    pieces = [piece for plan in plans for piece in plan if isinstance(piece, str)]
    translated = iter(translate_fn([core for core, _ in map(_core, pieces)]) if pieces else [])
    for i, plan in zip(failed, plans):
        parts: list[str] = []
        flags: set[str] = set()
        for piece in plan:
            if isinstance(piece, Protected):
                parts.append(piece.target)
                continue
            core, (lead, trail) = _core(piece)
            result = next(translated)
            flags.update(result.flags)
            parts.append(lead + _fit_piece(core, result.target) + trail)
        target = _SPACES.sub(" ", "".join(parts)).strip()
        results[i] = Translation(target, sorted(flags) + [FLAG_PROTECTED_FALLBACK])
    return results


def _counted(translate_fn: Callable[[list[str]], list[Translation]]) -> Callable[[list[str]], list[Translation]]:
    """``translate_fn`` checked to return one result per text (a broken miss translator, such
    as a remote engine losing results, must fail loudly rather than misplace translations)."""

    def checked(batch: list[str]) -> list[Translation]:
        results = list(translate_fn(batch))
        if len(results) != len(batch):
            raise RuntimeError(f"the miss translator returned {len(results)} results for {len(batch)} texts")
        return results

    return checked


def all_present(output: str, items: Sequence[Protected]) -> bool:
    """True when each item's target occurs in ``output`` as often as the items need it."""
    needed = Counter(item.target for item in items)
    return all(len(_occurrences(output, target)) >= count for target, count in needed.items())


def repair_near_misses(output: str, items: Sequence[Protected]) -> str | None:
    """Put back items the model nearly copied; None when some item has no near copy.

    A model that sees the whole sentence often keeps an item but changes it a little
    ("the storting", "https://www.regjeringen.no/en/...", "@ NTBnyheter"). Replacing that
    stretch of its output with the exact item keeps the fluent sentence and costs no decode.
    """
    needed = Counter(item.target for item in items)
    for target in sorted(needed, key=len, reverse=True):
        while len(_occurrences(output, target)) < needed[target]:
            stretch = _nearest_stretch(output, target)
            if stretch is None:
                return None
            start, end = stretch
            exact = _capitalise(target) if _at_start(output, start) else target
            output = output[:start] + exact + output[end:]
    return output if all_present(output, items) else None


def _nearest_stretch(output: str, target: str) -> tuple[int, int] | None:
    """The whitespace-delimited stretch of ``output`` most like ``target``, if like enough."""
    exact = _occurrences(output, target)
    words = [m.span() for m in re.finditer(r"\S+", output)]
    wanted = target.casefold()
    best, best_ratio = None, NEAR_MISS_RATIO
    for i, (start, _) in enumerate(words):
        for j in range(i, len(words)):
            end = words[j][1]
            if end - start > 1.6 * len(target) + 4:
                break
            left, right = _strip_stretch(output, start, end, target)
            if right - left < 0.5 * len(target) or any(left < b and a < right for a, b in exact):
                continue
            matcher = difflib.SequenceMatcher(None, output[left:right].casefold(), wanted, autojunk=False)
            if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
                continue
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = (left, right), ratio
    return best


def _strip_stretch(output: str, start: int, end: int, target: str) -> tuple[int, int]:
    """Leave the sentence's own opening and closing punctuation outside the stretch."""
    while start < end and output[start] in _OPENERS and not target.startswith(output[start]):
        start += 1
    while end > start and output[end - 1] in _TRAILING + ")]" and not target.endswith(output[end - 1]):
        end -= 1
    return start, end


# ---------------------------------------------------------------------------- helpers


def _trim_url(url: str) -> str:
    """Drop the sentence's closing punctuation and unbalanced closing brackets from a URL."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _BRACKETS and url.count(last) > url.count(_BRACKETS[last]):
            url = url[:-1]
        else:
            break
    return url if re.search(r"[\w/]", url.split("://", 1)[-1]) else ""


def _substitute(text: str, items: list[Protected]) -> str:
    """The sentence with glossary terms replaced by their English (spans stay as they are)."""
    if not items:
        return text
    out, position = [], 0
    for item in items:
        if item.kind == TERM:
            out.append(text[position : item.start])
            out.append(item.target)
            position = item.end
    out.append(text[position:])
    return "".join(out)


def _cut(text: str, items: list[Protected]) -> list[str | Protected]:
    """The sentence as pieces to translate (str) and items to keep (Protected)."""
    plan: list[str | Protected] = []
    position = 0
    for item in items:
        plan.append(text[position : item.start])
        plan.append(item)
        position = item.end
    plan.append(text[position:])
    # Pieces without letters (spaces, commas, brackets, a full stop) are kept as they are.
    return [piece if isinstance(piece, Protected) or _LETTER.search(piece) else Protected(0, 0, "text", piece)
            for piece in plan if isinstance(piece, Protected) or piece]


def _core(piece: str) -> tuple[str, tuple[str, str]]:
    core = piece.strip()
    lead = piece[: len(piece) - len(piece.lstrip())]
    trail = piece[len(piece.rstrip()) :]
    return core, (lead, trail)


def _fit_piece(source: str, target: str) -> str:
    """Make a piece's translation fit mid-sentence: no full stop or capital the source lacks."""
    target = target.strip()
    if target.endswith(".") and not target.endswith("..") and not source.endswith(_TERMINAL):
        target = target[:-1].rstrip()
    if source[:1].islower() and len(target) > 1 and target[0].isupper() and target[1].islower():
        target = target[0].lower() + target[1:]
    return target


def _occurrences(output: str, target: str) -> list[tuple[int, int]]:
    """Where ``target`` stands in ``output`` as a whole; at the very start also capitalised."""
    before = r"(?<!\w)" if target[:1].isalnum() or target[:1] == "_" else ""
    after = r"(?!\w)" if target[-1:].isalnum() or target[-1:] == "_" else ""
    found = [m.span() for m in re.finditer(before + re.escape(target) + after, output)]
    if target[:1].islower():
        found += [
            m.span()
            for m in re.finditer(before + re.escape(_capitalise(target)) + after, output)
            if _at_start(output, m.start())
        ]
    return found


def _at_start(output: str, position: int) -> bool:
    """True when only opening punctuation and spaces come before ``position``."""
    return all(ch in _OPENERS or ch.isspace() for ch in output[:position])


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
