"""Is every number of a Norwegian sentence still in its English translation?

Numbers are compared by meaning, not by spelling, so a model that rightly rewrote one in
English style is not flagged:

=====================  ==============================================
Norwegian              accepted in the English
=====================  ==============================================
12,5                   12.5 (also 12,5 kept as is)
1 234 567 / 1.234.567  1,234,567 / 1234567 / 1 234 567
2,5 millioner          2.5 million / 2,500,000
kl. 14.30 / 14:30      14:30, 14.30, 2:30 pm, 2.30 p.m., 2:30
kl. 14                 2 pm, 14:00, 2 o'clock, 14
24.11.2017             24 November 2017, November 24, 2017, 2017-11-24, 24/11/2017
1. januar (2018)       January 1, 1 January, 1st of January (2018)
3. plass               3rd, 3
=====================  ==============================================

Each number of the source is matched to one number of the target (so "12 og 12" needs two
twelves); what is left over is reported as missing, in the source's spelling.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SPACE = "[ \u00a0\u202f]"
_NO_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4, "mai": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "desember": 12, "des": 12,
}
_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_NO_SCALES = {"tusen": 10**3, "million": 10**6, "millioner": 10**6, "mill": 10**6, "mrd": 10**9,
              "milliard": 10**9, "milliarder": 10**9}
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "millions": 10**6, "m": 10**6, "mn": 10**6,
              "billion": 10**9, "billions": 10**9, "bn": 10**9}


def _alternation(words) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_B = r"(?<![\w.,])"  # a number starts here (not inside another number or word)
_E = r"(?![\d])"
# Case-sensitive: Norwegian months are written in lower case, English ones capitalised, so
# "kapittel 3. Jan Egeland" is no date, nor is "2 may".
_NO_MONTH = _alternation(_NO_MONTHS)
_EN_MONTH = _alternation(month.capitalize() for month in _EN_MONTHS)
_AMPM = r"(?P<ampm>a\.m\.|p\.m\.|am\b|pm\b|AM\b|PM\b|A\.M\.|P\.M\.)"

# Norwegian source: (pattern, kind), most specific first.
_SOURCE_PATTERNS = [
    (re.compile(rf"{_B}(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>\d{{4}}){_E}"), "date"),
    (re.compile(rf"{_B}(?P<d>\d{{1,2}})\.\s*(?P<mon>{_NO_MONTH})\b\.?(?:\s+(?P<y>\d{{4}}){_E})?"), "date"),
    (re.compile(rf"{_B}(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?!\d)"), "date"),
    (re.compile(rf"\b[Kk]l\.?\s*(?P<h>\d{{1,2}})(?:[.:](?P<min>\d{{2}}))?{_E}"), "time"),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}}):(?P<min>\d{{2}}){_E}"), "time"),
]
# English target.
_TARGET_PATTERNS = [
    (re.compile(rf"{_B}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mon>{_EN_MONTH})\b\.?"
                rf"(?:,?\s+(?P<y>\d{{4}}){_E})?"), "date"),
    (re.compile(rf"\b(?P<mon>{_EN_MONTH})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{_E}(?:,?\s+(?P<y>\d{{4}}){_E})?"),
     "date"),
    (re.compile(rf"{_B}(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_E}"), "date"),
    (re.compile(rf"{_B}(?P<d>\d{{1,2}})[./](?P<m>\d{{1,2}})[./](?P<y>\d{{4}}){_E}"), "date-dm-or-md"),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})(?:[.:](?P<min>\d{{2}}))?\s*{_AMPM}"), "time"),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})\s+o'clock"), "time-12"),
    (re.compile(rf"{_B}(?P<h>\d{{1,2}})[.:](?P<min>\d{{2}}){_E}"), "time-12"),
]
_NO_NUMBER = re.compile(
    rf"{_B}(?P<n>\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:,\d+)?|\d+(?:[.,:]\d+)*)"
    rf"(?:\s+(?P<scale>{_alternation(_NO_SCALES)})\b\.?)?{_E}",
    re.I,
)
_EN_NUMBER = re.compile(
    rf"{_B}(?P<n>\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:\.\d+)?|\d+(?:[.,:]\d+)*)"
    rf"(?:\s*(?P<scale>{_alternation(_EN_SCALES)})\b)?{_E}",
    re.I,
)


def missing_numbers(source: str, target: str) -> list[str]:
    """Numbers, times and dates of the Norwegian ``source`` that the English ``target`` lacks."""
    wanted = _scan(source, _SOURCE_PATTERNS, _NO_NUMBER, _source_keys)
    if not wanted:
        return []
    offered = _scan(target, _TARGET_PATTERNS, _EN_NUMBER, _target_keys)
    used = [False] * len(offered)
    missing = []
    for raw, keys in wanted:
        for j, (_, candidates) in enumerate(offered):
            if not used[j] and _compatible(keys, candidates):
                used[j] = True
                break
        else:
            missing.append(raw)
    return missing


def _scan(text: str, patterns, number_pattern, keys_of) -> list[tuple[str, list[tuple]]]:
    """(raw text, candidate meanings) of every number expression in ``text``, in order."""
    found: list[tuple[int, int, str, list[tuple]]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < other_end and other_start < end for other_start, other_end, _, _ in found)

    for pattern, kind in patterns:
        for match in pattern.finditer(text):
            keys = keys_of(kind, match)
            if keys and free(*match.span()):
                found.append((match.start(), match.end(), _raw(kind, match), keys))
    for match in number_pattern.finditer(text):
        if free(*match.span("n")):
            found.append((match.start(), match.end(), _raw("number", match), keys_of("number", match)))
    found.sort()
    return [(raw, keys) for _, _, raw, keys in found]


def _raw(kind: str, match: re.Match) -> str:
    if kind == "time" and "h" in match.groupdict() and match.group(0)[:1] in "Kk":
        text = match.group(0)[match.start("h") - match.start() :]
    elif kind == "number":
        text = match.group("n")
    elif kind == "date" and match.groupdict().get("mon"):
        text = match.group(0).rstrip(".")
    else:
        text = match.group(0)
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


# Candidate meanings. The first tuple element names the kind; tuples are compared whole,
# except that a date without a year matches a date with any year.


def _source_keys(kind: str, match: re.Match) -> list[tuple]:
    g = match.groupdict()
    if kind == "date":
        month = _NO_MONTHS[g["mon"].lower()] if g.get("mon") else int(g["m"])
        day = int(g["d"])
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return []
        year = int(g["y"]) if g.get("y") else None
        keys = [("date", day, month, year)]
        if not g.get("mon"):
            keys.append(("digits", _digits(match.group(0))))
        return keys
    if kind == "time":
        hour, minute = int(g["h"]), int(g["min"] or 0)
        if hour > 24 or minute > 59:
            return []
        keys = [("time", hour % 24, minute), ("digits", _digits(match.group(0)))]
        if not g["min"]:
            keys.append(("value", str(hour)))
        return keys
    return _number_keys(g["n"], g.get("scale"), norwegian=True)


def _target_keys(kind: str, match: re.Match) -> list[tuple]:
    g = match.groupdict()
    if kind.startswith("date"):
        month = _EN_MONTHS[g["mon"].lower()] if g.get("mon") else int(g["m"])
        day = int(g["d"])
        year = int(g["y"]) if g.get("y") else None
        keys = []
        if 1 <= day <= 31 and 1 <= month <= 12:
            keys.append(("date", day, month, year))
        if kind == "date-dm-or-md" and 1 <= month <= 31 and 1 <= day <= 12:
            keys.append(("date", month, day, year))
        if not g.get("mon"):
            keys.append(("digits", _digits(match.group(0))))
        return keys
    if kind == "time":
        hour, minute = int(g["h"]), int(g["min"] or 0)
        if hour > 12 or minute > 59:
            return []
        pm = g["ampm"].lower().startswith("p")
        return [("time", (hour % 12) + (12 if pm else 0), minute)]
    if kind == "time-12":
        hour, minute = int(g["h"]), int(g["min"] or 0)
        if hour > 24 or minute > 59:
            return []
        keys = [("time", hour % 24, minute)]
        if hour < 12:
            keys.append(("time", hour + 12, minute))
        if g.get("min"):
            keys.append(("digits", _digits(match.group(0))))
            keys.extend(_number_keys(match.group(0), None, norwegian=False))
        return keys
    return _number_keys(g["n"], g.get("scale"), norwegian=False)


def _number_keys(raw: str, scale: str | None, norwegian: bool) -> list[tuple]:
    """Values a written number can mean; Norwegian: decimal comma, English: decimal point."""
    compact = re.sub(_SPACE, "", raw)
    values: set[str] = set()
    if norwegian:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", compact):  # 1.234.567 (thousands dots)
            values.add(compact.replace(".", ""))
        elif ":" in compact or compact.count(".") > 1:
            values.add(_digits(compact))
        elif compact.count(",") == 1 and "." not in compact:  # 12,5
            values.add(compact.replace(",", "."))
        else:  # 26, or 3.5 / 14.30: a decimal point or a time-like pair
            values.add(compact)
            values.add(_digits(compact))
    else:
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", compact):  # 1,234,567 / 1,500
            values.add(compact.replace(",", ""))
            if compact.count(",") == 1 and "." not in compact:  # or a kept Norwegian 1,500 = 1.5
                values.add(compact.replace(",", "."))
        elif re.fullmatch(r"\d+,\d+", compact):  # a kept Norwegian decimal comma
            values.add(compact.replace(",", "."))
        elif re.fullmatch(r"\d+\.\d+", compact):
            values.add(compact)
            values.add(_digits(compact))
        else:
            values.add(_digits(compact))
    keys = [("value", v) for v in map(_canonical, values) if v is not None]
    factor = (_NO_SCALES if norwegian else _EN_SCALES).get((scale or "").lower().rstrip("."))
    if factor:
        keys.extend(("value", _canonical(str(Decimal(k[1]) * factor))) for k in list(keys))
    return keys


def _canonical(value: str) -> str | None:
    """12.50 -> 12.5, 007 -> 7, 2500000.0 -> 2500000."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    text = format(number.normalize(), "f")
    return text


def _digits(text: str) -> str:
    """The digits of a number with the first group's leading zeros dropped: 09.30 -> 930."""
    groups = re.findall(r"\d+", text)
    if groups:
        groups[0] = groups[0].lstrip("0") or "0"
    return "".join(groups)


def _compatible(wanted: list[tuple], offered: list[tuple]) -> bool:
    for key in wanted:
        for other in offered:
            if key == other:
                return True
            if key[0] == "date" == other[0] and key[3] is None and key[1:3] == other[1:3]:
                return True
    return False
