"""Exchange files of the translation memory: TMX 1.4, XLIFF 1.2 and 2.x, TSV in; TMX out.

Readers return every Norwegian-English pair of a file or raise ``MemoryFileError`` naming
``FILE:LINE``; nothing is stored until a whole file has been read (``translate.memory``
stores it in one transaction). Segments are plain text in the memory, as sentences are in
the pipeline: inline tags that wrap text (TMX ``hi``, XLIFF ``g``/``mrk``/``pc``) keep their
text; native codes (``bpt``, ``ept``, ``ph``, ``it``, ``sub``) and empty placeholders
(``x``, ``bx``, ``ex``, ``sc``, ``ec``) are dropped; XLIFF 2 ``cp`` becomes its character.

XLIFF units count only where a person stood behind the target: state translated, reviewed,
signed-off or final, or ``approved="yes"`` (XLIFF 1.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from translate.errors import MemoryFileError
from translate.io import require_regular_file

XLIFF12_NS = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF2_NS = "urn:oasis:names:tc:xliff:document:2.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Target states that mean a person translated or checked the English.
DONE_STATES = {"translated", "reviewed", "signed-off", "final"}
NORWEGIAN = ("nb", "no", "nn", "nob", "nno", "nor")
_DROP = {"bpt", "ept", "ph", "it", "sub", "x", "bx", "ex", "sc", "ec", "sm", "em", "ut"}
SUFFIXES = {".tmx": "tmx", ".xlf": "xliff", ".xliff": "xliff", ".tsv": "tsv", ".txt": "tsv"}


@dataclass
class ReadResult:
    """The pairs of one file, and how many units were left out (not done, other languages)."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0


def is_norwegian(lang: str | None) -> bool:
    return bool(lang) and lang.lower().replace("_", "-").split("-")[0] in NORWEGIAN


def is_english(lang: str | None) -> bool:
    return bool(lang) and lang.lower().replace("_", "-").split("-")[0] in ("en", "eng")


def read_file(path: str | Path) -> ReadResult:
    """The pairs of a TMX, XLIFF or TSV file (by its suffix); ``MemoryFileError`` (exit 2) if bad."""
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise MemoryFileError(f"{path}: unknown kind of file. Import a .tmx, .xlf/.xliff or .tsv (Norwegian TAB English).")
    # Only a regular file is opened: a FIFO would block the import, a device never end.
    require_regular_file(path, "memory file (.tmx, .xlf/.xliff or .tsv)", MemoryFileError)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MemoryFileError(f"{path}: cannot be read ({error.strerror or error}).") from None
    if kind == "tsv":
        return read_tsv(data, str(path))
    root = _parse_xml(data, str(path))
    if kind == "tmx":
        return read_tmx(root, str(path))
    return read_xliff(root, str(path))


# ---------------------------------------------------------------------------- TSV


def read_tsv(data: bytes, name: str) -> ReadResult:
    """One pair a line: Norwegian TAB English; blank lines are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise MemoryFileError(f"{name}:{line}: not UTF-8 (byte 0x{data[error.start]:02x}). Save the file as UTF-8.") from None
    result = ReadResult()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        columns = raw.split("\t")
        while len(columns) > 2 and not columns[-1].strip():
            columns.pop()
        if len(columns) != 2:
            what = "no tab" if len(columns) == 1 else "more than one tab"
            raise MemoryFileError(f"{name}:{number}: {what}; write the Norwegian sentence, a tab, then the English.")
        source, target = (" ".join(column.split()) for column in columns)
        if not source or not target:
            side = "Norwegian (before the tab)" if not source else "English (after the tab)"
            raise MemoryFileError(f"{name}:{number}: the {side} is empty.")
        result.pairs.append((source, target))
    return result


# ---------------------------------------------------------------------------- XML


def _parse_xml(data: bytes, name: str):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        message = str(error.msg or error).split(", line ")[0]
        raise MemoryFileError(f"{name}:{line}: not well-formed XML ({message}). Fix the file and import it again.") from None
    if root is None:
        raise MemoryFileError(f"{name}:1: empty document.")
    return root


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def segment_text(element) -> str:
    """The plain text of a segment: wrapping inline tags keep their text, codes are dropped."""
    parts: list[str] = [element.text or ""]
    for child in element:
        name = _local(child.tag)
        if name == "cp":
            try:
                parts.append(chr(int(child.get("hex", ""), 16)))
            except ValueError:
                pass
        elif name and name not in _DROP:
            parts.append(segment_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _fail(name: str, element, message: str) -> MemoryFileError:
    return MemoryFileError(f"{name}:{getattr(element, 'sourceline', None) or 1}: {message}")


# ---------------------------------------------------------------------------- TMX


def read_tmx(root, name: str) -> ReadResult:
    """TMX 1.4: each ``tu`` with a Norwegian and an English ``tuv`` is a pair."""
    if _local(root.tag) != "tmx":
        raise _fail(name, root, f"the root element is <{_local(root.tag)}>, not <tmx>. Is this a TMX file?")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise _fail(name, root, "no <body>. A TMX file holds its units in <tmx><body>.")
    header = next((child for child in root if _local(child.tag) == "header"), None)
    srclang = header.get("srclang") if header is not None else None
    result = ReadResult()
    units = 0
    for tu in body:
        if _local(tu.tag) != "tu":
            continue
        units += 1
        source = target = None
        for tuv in tu:
            if _local(tuv.tag) != "tuv":
                continue
            lang = tuv.get(XML_LANG) or tuv.get("lang")
            if lang is None:
                raise _fail(name, tuv, "a <tuv> without xml:lang. Every variant needs its language.")
            seg = next((child for child in tuv if _local(child.tag) == "seg"), None)
            if seg is None:
                raise _fail(name, tuv, "a <tuv> without <seg>.")
            if is_norwegian(lang) or (srclang and lang == srclang and not is_english(lang)):
                source = source if source is not None else segment_text(seg)
            elif is_english(lang):
                target = target if target is not None else segment_text(seg)
        if source is None or target is None or not source.strip() or not target.strip():
            result.skipped += 1
            continue
        result.pairs.append((source, target))
    if units and not result.pairs:
        raise _fail(name, body, "no unit has both a Norwegian (nb, nn, no) and an English (en) variant.")
    return result


def write_tmx(entries, path: str | Path) -> int:
    """Every entry as TMX 1.4 (``srclang="nb"``), with its creation date and origin; returns the count."""
    from lxml import etree

    from translate.io import write_atomic

    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        creationtool="nb2en",
        creationtoolversion=_version(),
        segtype="sentence",
        **{"o-tmf": "nb2en", "adminlang": "en", "srclang": "nb", "datatype": "plaintext"},
    )
    body = etree.SubElement(root, "body")
    count = 0
    for entry in entries:
        tu = etree.SubElement(
            body, "tu", creationdate=_tmx_date(entry.created), changedate=_tmx_date(entry.updated)
        )
        prop = etree.SubElement(tu, "prop", type="x-origin")
        prop.text = entry.origin
        for lang, text in (("nb", entry.source), ("en", entry.target)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = text
        count += 1
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    write_atomic(Path(path), data)
    return count


def _tmx_date(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("nb2en")
    except Exception:  # noqa: BLE001 - a source checkout without metadata
        return "0"


# ---------------------------------------------------------------------------- XLIFF


def read_xliff(root, name: str) -> ReadResult:
    if _local(root.tag) != "xliff":
        raise _fail(name, root, f"the root element is <{_local(root.tag)}>, not <xliff>. Is this an XLIFF file?")
    version = root.get("version", "")
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if version.startswith("2") or namespace.startswith("urn:oasis:names:tc:xliff:document:2"):
        return _read_xliff2(root, name)
    if version.startswith("1") or namespace == XLIFF12_NS:
        return _read_xliff12(root, name)
    raise _fail(name, root, f"XLIFF version '{version}' is not supported. Export XLIFF 1.2 or 2.x.")


def _check_languages(name: str, element, source: str | None, target: str | None) -> None:
    if source and not is_norwegian(source):
        raise _fail(name, element, f"the source language is '{source}'; the memory holds Norwegian (nb, nn, no) sources.")
    if target and not is_english(target):
        raise _fail(name, element, f"the target language is '{target}'; the memory holds English (en) targets.")


def _children(element, local: str):
    return [child for child in element if _local(child.tag) == local]


def _read_xliff12(root, name: str) -> ReadResult:
    result = ReadResult()
    files = [element for element in root.iter() if _local(element.tag) == "file"]
    if not files:
        raise _fail(name, root, "no <file> element. An XLIFF 1.2 document holds its units in <file><body>.")
    for file_ in files:
        _check_languages(name, file_, file_.get("source-language"), file_.get("target-language"))
        for unit in file_.iter():
            if _local(unit.tag) != "trans-unit":
                continue
            sources, targets = _children(unit, "source"), _children(unit, "target")
            if not sources:
                raise _fail(name, unit, f"trans-unit '{unit.get('id', '')}' has no <source>.")
            if not targets:
                result.skipped += 1
                continue
            target = targets[0]
            done = unit.get("approved") == "yes" or (target.get("state") or "") in DONE_STATES
            if not done:
                result.skipped += 1
                continue
            seg_sources = _children(unit, "seg-source")
            if seg_sources:
                pairs = _segmented(seg_sources[0], target)
                if pairs is not None:
                    result.pairs.extend(pairs)
                    continue
            source_text, target_text = segment_text(sources[0]), segment_text(target)
            if source_text.strip() and target_text.strip():
                result.pairs.append((source_text, target_text))
            else:
                result.skipped += 1
    return result


def _segmented(seg_source, target) -> list[tuple[str, str]] | None:
    """Pairs of ``<mrk mtype="seg">`` segments matched by ``mid`` (SDLXLIFF, Okapi); None if none."""
    def segments(element):
        return {
            mark.get("mid"): segment_text(mark)
            for mark in element.iter()
            if _local(mark.tag) == "mrk" and mark.get("mtype") == "seg" and mark.get("mid")
        }

    sources, targets = segments(seg_source), segments(target)
    if not sources:
        return None
    return [(sources[mid], targets[mid]) for mid in sources if targets.get(mid, "").strip() and sources[mid].strip()]


def _read_xliff2(root, name: str) -> ReadResult:
    _check_languages(name, root, root.get("srcLang"), root.get("trgLang"))
    result = ReadResult()
    for segment in root.iter():
        if _local(segment.tag) != "segment":
            continue
        sources, targets = _children(segment, "source"), _children(segment, "target")
        if not sources:
            raise _fail(name, segment, f"segment '{segment.get('id', '')}' has no <source>.")
        if not targets or (segment.get("state") or "initial") not in DONE_STATES:
            result.skipped += 1
            continue
        source_text, target_text = segment_text(sources[0]), segment_text(targets[0])
        if source_text.strip() and target_text.strip():
            result.pairs.append((source_text, target_text))
        else:
            result.skipped += 1
    return result
