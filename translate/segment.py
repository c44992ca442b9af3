"""Norwegian (Bokmål) sentence splitting: pure Python rules, no models.

How it works. Every run of terminal punctuation (``. ! ? …`` or ``...``, with any
closing quotes or brackets glued to it) that is followed by whitespace is a
*candidate* boundary. A candidate is accepted or rejected by looking at two things:

* the word in front of the punctuation (an abbreviation? an initial? a number?), and
* how the next sentence would start (a capital letter, a digit, a dialogue dash,
  a lower-case letter, or no letter at all).

The rules, and why each one exists:

1. Norwegian sentences start with a capital letter, a digit, an opening quote or
   a dialogue dash. A lower-case continuation never starts a sentence, whatever
   came before: ``17. mai``, ``3. plass``, ``1500 kr. per natt``, ``«Nei!» sa hun``,
   ``- Hva da? spør pappa``, ``liten... og nå``. (A word with a capital inside,
   ``iPhone``, counts as capitalised.)
2. Abbreviations that introduce something (``kl.``, ``ca.``, ``bl.a.``, ``f.eks.``,
   ``jf.``, ``nr.``, ``dr.``, ``St.``, ``Chr.`` ...) are not sentence-final, so they
   do not split even before a capital: ``kl. 09.30``, ``St. Hanshaugen``,
   ``bl.a. Norge``, ``dr. med. Kari Nordmann``. Nor does a single lower-case letter
   (``s. 45``, ``f. 1950``), except the words ``i``, ``å``, ``ø`` (``som vi bor i.``)
   and a unit after a number (``100 m.``). Spaced forms (``m. m.``, ``t. o. m.``)
   are joined and looked up. A closing bracket or quote after the period does end
   the sentence (``(red.) Neste``).
3. Abbreviations that can end a sentence (``osv.``, ``m.m.``, ``mill.``, ``kr.``,
   months ``jan.``-``des.``, and any unknown dotted or vowel-less lower-case word,
   like ``journ.anm.`` or ``gt.``) split before a capital letter, but not before a
   digit (``17. jan. 2017``, ``str. 24``) or a currency code (``5 mill. NOK``).
   Domain names (``nrk.no.``) are ordinary words.
4. A single capital letter is an initial in a name (``Finn E. Hansen``) when the
   word before it is capitalised too, when there is none, or when another initial
   follows (``av J. R. R. Tolkien``); it does not split. ``karakteren A. Det`` does.
5. Ordinals and dates: a number with a period splits before a capital (``i 1969.
   I 1973``). A day or ordinal (one or two digits) does not split before another
   number (``17. 5. 2017``); a longer number does (``i 1976. 11.3 Grunnlaget``).
   A number that starts a line or a sentence is a list item (``1. Første punkt``).
6. Closing quotes and brackets stay with the sentence they close (``på.» Neste``),
   even when tokenised apart (``« Nei! » Neste``). A terminal inside a quote
   still ends a sentence when the next one starts with a capital, which is how
   Norwegian quotes several sentences: ``«Han kom. Det var sent.»``.
7. A dialogue dash (``- Vi`` / ``– Vi``) after terminal punctuation starts a new
   sentence, and the dash belongs to the new sentence. After an abbreviation or
   a number, only a dash followed by a capital counts (``jan. – mars`` is a range).
8. ``?`` and ``!`` split before a capital, digit or dash; ``…``/``...`` before a
   capital or dash. Punctuation right after an opening bracket or quote marks an
   omission or a doubt (``(...)``, ``[…]``, ``(?)``), not the end of a sentence.
   A colon never ends a sentence.
9. Domain names (``vg.no``), decimals (``2.5``, ``3,5``) and times (``09.30``) have no
   space after the period, so they are never candidates.
10. A piece without any letter or digit (``(...)``, a stray ``»``) is not a sentence;
    it is glued to the sentence before it (or the one after it, at the start).
    ``(©NTB)`` has letters, so it stands alone.
11. A blank line (two newlines) always ends a sentence: it separates a heading or
    a paragraph from what follows. A single newline is ordinary whitespace.

Everything is linear in the length of the text: each candidate looks at most a
few words back and ``_LOOKAHEAD`` characters ahead.

Public API: :data:`SEGMENTER_VERSION`, :func:`sentence_spans`, :func:`split_sentences`.
"""

from __future__ import annotations

import re

__all__ = ["SEGMENTER_VERSION", "sentence_spans", "split_sentences"]

#: Goes into cache keys; bump whenever a rule or a word list changes.
SEGMENTER_VERSION = "nb-rules-1"

# --------------------------------------------------------------------------- lists

#: Abbreviations that are never the last word of a sentence: they introduce a
#: number, a name or a phrase. Compared in lower case, without the final period.
NON_FINAL_ABBREVIATIONS = frozenset(
    """
    adm adm.dir ang ank ansv ant ass avd bl bl.a bokst ca cand.jur cand.mag cand.med
    chr d.v.s dir dr dr.juris dr.med dr.philos dvs e.g ekskl ev evt f.eks f.o.m fhv
    fom fr fung gen.sekr gl hhv hr i.e iflg ifbm ifm ift iht inkl innst jf jfr kap kgl
    kl konst kpt lt m.a.o m.h.t mht mr mrs mtp nr ordf ot.prp pga pkt pr prof prop ref
    resp s.k sekr sml st st.meld st.prp stud stv t.o.m tidl tlf varaordf vedk vedr vha
    vol vs
    """.split()
)

#: Abbreviations that may end a sentence: split before a capital or a dialogue dash,
#: not before a digit or a lower-case word. Compared in lower case.
FINAL_ABBREVIATIONS = frozenset(
    """
    art bd co corp d.c d.d d.s dep e.kr e.l etc f.kr fig fl ibid inc jr kr ltd m.fl
    m.m m.v maks mfl mill min mld mm mnd mob mrd mva mv ndf o.a o.fl o.l o.s.v obs osv
    p.t pst red res sek sr stk str t.h t.v tab tom u.s u.s.a utg ø.l årg årh
    """.split()
)

#: Month and weekday abbreviations, lower case only (``Jan.`` is more often a name
#: ending a sentence than a month). They behave like FINAL_ABBREVIATIONS. Not ``man``:
#: the pronoun ends far more sentences than Monday does.
CALENDAR_ABBREVIATIONS = frozenset(
    """
    jan feb febr mar apr jun jul aug sep sept okt nov des
    tir tirs ons tor tors fre lør søn
    """.split()
)

#: Titles whose next word is part of the title: ``dr. med.``, ``cand. jur.``, ``adm. dir.``.
TITLE_ABBREVIATIONS = frozenset({"dr", "cand", "adm", "ansv", "prof"})

#: Top-level domains: ``nrk.no.`` is a word ending a sentence, not an abbreviation.
TOP_LEVEL_DOMAINS = frozenset(
    "no com org net info se dk fi is fo de uk eu io nu fr es it nl tv gov edu".split()
)

#: One-letter words that are real Norwegian words, so not abbreviations.
ONE_LETTER_WORDS = frozenset({"i", "å", "ø"})

#: Currency codes that follow ``mill.``/``mrd.``/``kr.`` inside a sentence.
CURRENCY_CODES = frozenset({"NOK", "SEK", "DKK", "EUR", "USD", "GBP", "CHF", "ISK"})

# ------------------------------------------------------------------------ patterns

_CLOSERS = "»”’\"')]}"
_OPENERS = "«“‘\"'([{¿¡„"
_DASHES = "-–—"
_VOWELS = frozenset("aeiouyæøåéèêóòôàáü")

#: Terminal punctuation, possibly mixed with closing quotes and brackets (``?»``,
#: ``.)``, ``(...).``). It is a candidate boundary only when whitespace follows, so
#: ``vg.no``, ``2.5`` and ``09.30`` never are.
TERMINAL_RUN_RE = re.compile(r"[.!?…][.!?…»”’\"')\]}]*")

#: Two line breaks with only spaces between: always a boundary.
BLANK_LINE_RE = re.compile(r"\n[^\S\n]*\n")

#: A closing quote standing alone after a space (``« Nei! » skriver``).
LONE_CLOSER_RE = re.compile(r"\s+[»”’]+(?=\s|$)")

#: Initials: ``E``, ``J.R.R``.
INITIALS_RE = re.compile(r"(?:[A-ZÆØÅ]\.)*[A-ZÆØÅ]")

#: An initial coming next: ``J. R. R. Tolkien``.
_NEXT_INITIAL_RE = re.compile(r"\s+[A-ZÆØÅ]\.")

#: A number in front of an ordinal or date period: ``17``, ``1976``, ``8.3.3.5``.
NUMBER_RE = re.compile(r"\d+(?:[.,:/-]\d+)*")

#: A day, month or ordinal: does not split before another number.
SHORT_NUMBER_RE = re.compile(r"\d{1,2}")

#: Punctuation inside brackets up to the closing bracket, when more follows.
_BRACKETED_RE = re.compile(r"[^»”’\"')\]}]*[»”’\"')\]}]+(?=[.!?…])")

#: A word that starts in lower case but has a capital inside: a name (``iPhone``).
_MIXED_CASE_RE = re.compile(r"[^\W\d_]+[A-ZÆØÅ]")

_ALNUM_RE = re.compile(r"[^\W_]")
_WORD_RE = re.compile(r"\w*")

#: How far to look past a candidate for the first letter of the next sentence.
_LOOKAHEAD = 40

# Kinds of sentence start, as returned by _look_ahead.
UPPER, LOWER, DIGIT, NONE = "upper", "lower", "digit", "none"


# ------------------------------------------------------------------------- helpers


def _look_ahead(text: str, pos: int) -> tuple[bool, str, int]:
    """How the text after ``pos`` would start a sentence.

    Returns ``(dash, kind, index)``: whether it opens with a dialogue dash, the kind
    of its first letter or digit (UPPER, LOWER, DIGIT, or NONE when punctuation
    such as ``(...)`` or the end of the text comes first), and that letter's index.
    Opening quotes, brackets, ellipses and the dash are skipped (``«Han``,
    ``(©NTB)``, ``« ... born``, ``- ... for meg``).
    """
    n = len(text)
    i = pos
    while i < n and text[i].isspace():
        i += 1
    dash = False
    if i < n and text[i] in _DASHES:
        after = text[i + 1 : i + 2]
        if not after or after.isspace() or after.isalnum() or after in ".…":
            dash = True
            i += 1
    only_openers = True  # a lone «, ( or ... may be followed by a space
    limit = min(n, i + _LOOKAHEAD)
    while i < limit:
        ch = text[i]
        if ch.isalnum():
            if ch.isdigit():
                return dash, DIGIT, i
            if ch.islower() and not _MIXED_CASE_RE.match(text, i):
                return dash, LOWER, i
            return dash, UPPER, i  # also iPhone, eBay, mRNA
        if ch.isspace():
            if not (dash or only_openers):
                break
        elif ch not in _OPENERS and ch not in ".…":
            only_openers = False
        i += 1
    return dash, NONE, i


def _word_start(text: str, end: int) -> int:
    """Start of the whitespace-delimited word that ends at ``end``."""
    i = end
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    return i


def _core_word(raw: str) -> str:
    """A word without leading quotes, brackets or dashes: ``(jf`` -> ``jf``."""
    return raw.lstrip(_OPENERS + _DASHES)


def _is_initial(word: str, prev: str, text: str, end: int) -> bool:
    """``E`` in ``Finn E. Hansen``: an initial if the word before it is capitalised
    (a name, or another initial), if there is none, or if another initial follows
    (``av J. R. R. Tolkien``). Dotted ones (``J.R.R``) always are."""
    if not INITIALS_RE.fullmatch(word):
        return False
    return "." in word or not prev or prev[0].isupper() or bool(_NEXT_INITIAL_RE.match(text, end))


def _previous_word(text: str, word_start: int) -> str:
    """The word before the one starting at ``word_start`` ("" if none)."""
    end = word_start
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return _core_word(text[_word_start(text, end) : end])


def _join_spaced_abbreviation(text: str, word_start: int, word: str) -> str:
    """``m. m.`` -> ``m.m``, ``t. o. m.`` -> ``t.o.m``: a listed abbreviation written
    with spaces, ending with ``word``; otherwise ``word`` itself."""
    if not (len(word) <= 3 and word.isalpha()):
        return word
    parts = [word]
    start = word_start
    for _ in range(3):
        end = start
        while end > 0 and text[end - 1].isspace():
            end -= 1
        start = _word_start(text, end)
        prev = _core_word(text[start:end])
        if not (prev.endswith(".") and len(prev) <= 4 and prev[:-1].isalpha()):
            break
        parts.insert(0, prev[:-1])
        joined = ".".join(parts).lower()
        if joined in NON_FINAL_ABBREVIATIONS or joined in FINAL_ABBREVIATIONS:
            return joined
    return word


def _starts_line_or_sentence(text: str, word_start: int, sentence_start: int) -> bool:
    """Whether only whitespace lies between the sentence start (or a line break)
    and ``word_start``."""
    i = word_start
    while i > sentence_start and text[i - 1].isspace():
        if text[i - 1] == "\n":
            return True
        i -= 1
    return i <= sentence_start


def _is_final_abbreviation(word: str) -> bool:
    """Rule 3: listed final abbreviations, months, and unknown abbreviation shapes."""
    lower = word.lower()
    if lower in FINAL_ABBREVIATIONS or word in CALENDAR_ABBREVIATIONS:
        return True
    if "." in word and not INITIALS_RE.fullmatch(word):
        # journ.anm, m.fl: not an ordinary word, unless a domain name
        host, _, tld = lower.rpartition(".")
        return "@" not in word and not (tld in TOP_LEVEL_DOMAINS and len(host) > 1)
    # No vowel, all lower case: not a Norwegian word (mnd, stk, pst).
    return word.isalpha() and word.islower() and not (_VOWELS & set(word))


def _is_boundary(text: str, start: int, end: int, next_pos: int, sentence_start: int) -> bool:
    """Whether the terminal run ``text[start:end]`` ends a sentence, given that the
    next sentence would start after ``next_pos`` and this one began at ``sentence_start``."""
    if start > 0 and text[start - 1] in "([{«":
        # (...), [...], (?): an omission or a doubt, not an ending. Only terminal
        # punctuation after the bracket closes counts: ``offer(!).``, ``stolt. (...).``
        inner = _BRACKETED_RE.match(text, start, end)
        if inner is None:
            return False
        start = inner.end()
    dash, kind, first = _look_ahead(text, next_pos)
    if not dash and kind in (LOWER, NONE):
        return False
    core = text[start:end].rstrip(_CLOSERS)
    if "?" in core or "!" in core:
        return dash or kind in (UPPER, DIGIT)
    if core.endswith(("..", "…")):
        return dash or kind == UPPER

    # A plain period: it depends on the word in front of it.
    word_start = _word_start(text, start)
    word = _join_spaced_abbreviation(text, word_start, _core_word(text[word_start:start]))
    capital_next = kind == UPPER  # with or without a dash before it
    if not word:
        return dash or kind in (UPPER, DIGIT)
    prev = _previous_word(text, word_start)
    bracket_closed = core != text[start:end]  # ``(red.) Neste``: the bracket ends it
    if word.lower() in NON_FINAL_ABBREVIATIONS:
        return bracket_closed and capital_next
    if word.islower() and prev.endswith(".") and prev[:-1].lower() in TITLE_ABBREVIATIONS:
        return False  # dr. med. Kari Nordmann
    if len(word) == 1 and word.islower() and word not in ONE_LETTER_WORDS:
        if bracket_closed or NUMBER_RE.fullmatch(prev):
            return capital_next  # a unit: 100 m. Det
        return False  # s. 45, f. 1950, bl. a.
    if NUMBER_RE.fullmatch(word):
        if _starts_line_or_sentence(text, word_start, sentence_start):
            return False  # a list item number: "1. Første punkt"
        if dash:
            return capital_next
        return kind == UPPER or (kind == DIGIT and not SHORT_NUMBER_RE.fullmatch(word))
    if _is_final_abbreviation(word):
        if not capital_next:
            return False
        return dash or _WORD_RE.match(text, first).group() not in CURRENCY_CODES
    if _is_initial(word, prev, text, end):
        return dash
    return dash or kind in (UPPER, DIGIT)


def _pieces_to_spans(text: str, cuts: list[int]) -> list[tuple[int, int]]:
    """Cut ``text`` at ``cuts`` and strip whitespace from each piece. A piece with no
    letter or digit is glued to the sentence before it (or, at the start of the
    text or after a blank line, to the one after it)."""
    spans: list[tuple[int, int]] = []
    pending: int | None = None  # start of a letterless piece waiting for a sentence
    prev = 0
    for cut in [*cuts, len(text)]:
        if cut <= prev:
            continue
        piece = text[prev:cut]
        stripped = piece.strip()
        s = prev + len(piece) - len(piece.lstrip())
        e = s + len(stripped)
        prev = cut
        if not stripped:
            continue
        if _ALNUM_RE.search(stripped):
            spans.append((s if pending is None else pending, e))
            pending = None
        elif pending is not None:
            continue
        elif spans and not BLANK_LINE_RE.search(text, spans[-1][1], s):
            spans[-1] = (spans[-1][0], e)
        else:
            pending = s
    if pending is not None:
        spans.append((pending, len(text.rstrip())))
    return spans


# ---------------------------------------------------------------------- public API


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) char offsets of each sentence in `text`; spans are in order,
    non-overlapping, each stripped of surrounding whitespace, and the text
    between/around spans is whitespace only (so the spans cover every non-space
    character). Empty/whitespace text -> []."""
    if not text or text.isspace():
        return []
    n = len(text)
    cuts: list[int] = []
    for m in TERMINAL_RUN_RE.finditer(text):
        end = m.end()
        if end >= n or not text[end].isspace():
            continue
        closer = LONE_CLOSER_RE.match(text, end)
        if closer:
            end = closer.end()
        if _is_boundary(text, m.start(), m.end(), end, cuts[-1] if cuts else 0):
            cuts.append(end)
    cuts.extend(m.start() for m in BLANK_LINE_RE.finditer(text))
    cuts.sort()

    return _pieces_to_spans(text, cuts)


def split_sentences(text: str) -> list[str]:
    """[text[s:e] for s, e in sentence_spans(text)]"""
    return [text[s:e] for s, e in sentence_spans(text)]
