"""A newsroom glossary: Norwegian terms that must come out as given English, checked once.

The file is UTF-8 TSV, one entry a line: ``Norwegian<TAB>English``. An entry whose English
equals its Norwegian means "keep as is". Blank lines and lines starting with ``#`` are
ignored. Every problem is reported as ``FILE:LINE: what is wrong`` (a ``GlossaryError``,
exit 2) when the glossary is loaded, before anything is translated.

Matching rules (the README repeats them for users):

* Whole words only, longest entry first, leftmost first, never overlapping.
* Case-sensitive as written, so proper nouns and acronyms (``NAV``, ``Høyre``) never
  match other words. An entry written in lower case also matches with a capital first
  letter (at the start of a sentence), and its English then gets a capital first letter.
* Inflection: every form must be listed (``Stortinget`` and ``Storting`` are separate
  entries), except the genitive, which is automatic: ``NAVs`` and ``Stortingets`` match
  the entries ``NAV`` and ``Stortinget`` and come out as ``NAV's`` and ``the Storting's``
  (``'`` alone after an English ``s``). A listed form always wins over the automatic one.
* Whitespace inside a term matches any run of whitespace in the text.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from translate.errors import UsageError
from translate.io import file_kind

_WORD_START = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")


class GlossaryError(UsageError):
    """A glossary file is missing, not UTF-8, or has a bad line (``FILE:LINE: ...``)."""


@dataclass(frozen=True)
class TermMatch:
    """One occurrence of a glossary entry in a text: ``text[start:end]`` becomes ``english``."""

    start: int
    end: int
    norwegian: str  # the entry as listed
    english: str  # what must appear in the translation (capitalised / genitive applied)


@dataclass(frozen=True)
class _Entry:
    norwegian: str
    english: str
    pattern: re.Pattern


class Glossary:
    """Entries Norwegian -> English with whole-word, longest-first matching.

    ``identity`` is a stable hash of the entries (not of the file's bytes: comments,
    order and blank lines do not change it).
    """

    def __init__(self, entries: dict[str, str], path: Path | None = None):
        self.entries = dict(sorted(entries.items()))
        self.path = path
        canonical = json.dumps(self.entries, ensure_ascii=False, separators=(",", ":"))
        self.identity = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        # Candidates by their first word (and, for lower-case entries, its capitalised form),
        # longest first: a text is scanned word by word with one dict lookup per word.
        self._by_first_word: dict[str, list[tuple[_Entry, re.Pattern, bool]]] = {}
        self._other: list[_Entry] = []  # entries that do not start with a word character
        for norwegian, english in self.entries.items():
            entry = _Entry(norwegian, english, _term_pattern(norwegian))
            first = _WORD_START.match(norwegian)
            if not first:
                self._other.append(entry)
                continue
            self._by_first_word.setdefault(first.group(), []).append((entry, entry.pattern, False))
            if norwegian[0].islower():
                capital = _capitalise(norwegian)
                self._by_first_word.setdefault(_capitalise(first.group()), []).append(
                    (entry, _term_pattern(capital), True)
                )
        for candidates in self._by_first_word.values():
            candidates.sort(key=lambda item: len(item[0].norwegian), reverse=True)
        self._other.sort(key=lambda entry: len(entry.norwegian), reverse=True)

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def find(self, text: str) -> list[TermMatch]:
        """Every entry occurring in ``text`` (whole words, longest first, no overlaps), in order."""
        if not self.entries:
            return []
        found: list[TermMatch] = []
        position = 0
        for word in _WORD_START.finditer(text):
            if word.start() < position:
                continue
            candidates = self._by_first_word.get(word.group(), ())
            if not candidates and word.group().endswith("s"):  # a genitive: NAVs, Stortingets
                candidates = self._by_first_word.get(word.group()[:-1], ())
            if not candidates:
                continue
            match = self._match_at(text, word.start(), candidates)
            if match:
                found.append(match)
                position = match.end
        if self._other:
            found = _merge_other(text, found, self._other)
        return found

    def terms_in(self, text: str) -> list[tuple[str, str]]:
        """The entries (Norwegian, English) that occur in ``text``, sorted and unique.

        This goes into the sentence's cache key, so a change to any other entry keeps it.
        """
        return sorted({(m.norwegian, self.entries[m.norwegian]) for m in self.find(text)})

    def _match_at(self, text: str, start: int, candidates) -> TermMatch | None:
        if start > 0 and _is_word_char(text[start - 1]):
            return None
        for entry, pattern, capitalised in candidates:
            match = pattern.match(text, start)
            if not match:
                continue
            english = _capitalise(entry.english) if capitalised else entry.english
            end = match.end()
            genitive = _genitive(text, end, entry.norwegian)
            if genitive:
                return TermMatch(start, end + genitive, entry.norwegian, _english_genitive(english))
            if end < len(text) and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
                continue  # not a whole word
            return TermMatch(start, end, entry.norwegian, english)
        return None


def load_glossary(path: str | Path) -> Glossary:
    """Read and validate a glossary file; raise ``GlossaryError`` naming FILE:LINE."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None  # missing or unreadable: reading it says which
    kind = file_kind(mode) if mode is not None else None
    if kind is not None and kind != "a folder":  # a FIFO would block, a device never end
        raise GlossaryError(f"{path}: is {kind}, not a glossary file; only regular files are read. Pass a TSV file to --glossary.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GlossaryError(f"{path}: no such glossary file. Check the path given to --glossary.") from None
    except IsADirectoryError:
        raise GlossaryError(f"{path}: is a directory, not a glossary file. Pass a TSV file to --glossary.") from None
    except OSError as error:
        raise GlossaryError(f"{path}: cannot read the glossary ({error.strerror}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GlossaryError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[error.start]:02x}). Save the glossary as UTF-8."
        ) from None
    entries: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        if "\t" not in line:
            raise GlossaryError(f"{where}: no tab; write the Norwegian term, a tab, then the English term.")
        columns = line.split("\t")
        while len(columns) > 2 and not columns[-1].strip():  # trailing tabs, as spreadsheets write
            columns.pop()
        if len(columns) > 2:
            raise GlossaryError(f"{where}: more than one tab; write exactly Norwegian<TAB>English.")
        norwegian, english = (" ".join(column.split()) for column in columns)
        if not norwegian:
            raise GlossaryError(f"{where}: the Norwegian term (before the tab) is empty.")
        if not english:
            raise GlossaryError(
                f"{where}: the English term (after the tab) is empty; to keep a term as is, repeat it."
            )
        if not _LETTER.search(norwegian) and not any(ch.isdigit() for ch in norwegian):
            raise GlossaryError(f"{where}: the Norwegian term {norwegian!r} has no letters or digits.")
        if norwegian in entries and entries[norwegian] != english:
            raise GlossaryError(
                f"{where}: {norwegian!r} is already {entries[norwegian]!r} on line {first_line[norwegian]}; "
                f"give each term one English term."
            )
        entries[norwegian] = english
        first_line.setdefault(norwegian, number)
    return Glossary(entries, path)


EMPTY = Glossary({})


def _term_pattern(norwegian: str) -> re.Pattern:
    return re.compile(r"\s+".join(re.escape(part) for part in norwegian.split(" ")))


def _genitive(text: str, end: int, norwegian: str) -> int:
    """Length of a genitive ending right after a term: ``s`` (NAVs), or ``'`` after s/x/z."""
    if not norwegian[-1:].isalnum():
        return 0
    if norwegian[-1] in "sxzSXZ":
        if text[end : end + 1] in ("'", "’") and not _is_word_char(text[end + 1 : end + 2] or " "):
            return 1
        return 0
    if text[end : end + 1] == "s" and not _is_word_char(text[end + 1 : end + 2] or " "):
        return 1
    return 0


def _english_genitive(english: str) -> str:
    return english + ("'" if english.endswith(("s", "S")) else "'s")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _merge_other(text: str, found: list[TermMatch], others: list[_Entry]) -> list[TermMatch]:
    """Add matches of entries that start with a non-word character where nothing else matched."""
    taken = [(m.start, m.end) for m in found]
    extra = []
    for entry in others:
        for match in entry.pattern.finditer(text):
            start, end = match.span()
            if end < len(text) and _is_word_char(text[end]) and _is_word_char(text[end - 1]):
                continue
            if any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            extra.append(TermMatch(start, end, entry.norwegian, entry.english))
    return sorted(found + extra, key=lambda m: m.start)
