"""How HTML and XML bytes become text: the HTML5 and XML rules, and the bytes win over a wrong label.

HTML (HTML5 "determining the character encoding", simplified): a byte-order mark, then a
declared charset (``<meta charset>``, ``http-equiv`` or an XML declaration near the
top), then a UTF-8 check, then Windows-1252. XML: a byte-order mark, then the
``<?xml encoding?>`` declaration, else UTF-8.

Newsroom files are often labelled wrong, so valid UTF-8 with non-ASCII bytes is read as
UTF-8 whatever the label says (a Latin-1 file is almost never valid UTF-8 by accident), with
a warning; and a UTF-8 page with a few stray Latin-1 bytes keeps its UTF-8, reading only the
stray bytes as Windows-1252 (with a warning), instead of turning every æøå into mojibake.
"""

from __future__ import annotations

import codecs
import re

from translate.errors import InputError

_PRESCAN = 4096  # HTML5 says 1024; real CMS heads put the meta after longer preambles
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:+-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels HTML5 reads as Windows-1252 (its superset), and the UTF-16 labels it reads as UTF-8
# (a page that could be read to its <meta> is not UTF-16).
_AS_WINDOWS_1252 = {"latin_1", "iso8859-1", "ascii", "cp1252"}


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    """The encoding a byte-order mark says, and the mark's length (None, 0 without one)."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return name, len(mark)
    return None, 0


def codec_name(label: str) -> str | None:
    """Python's name for an encoding label (None when unknown)."""
    try:
        return codecs.lookup(label.decode("ascii", "replace") if isinstance(label, bytes) else label).name
    except LookupError:
        return None


def declared_html_charset(data: bytes) -> bytes | None:
    head = data[:_PRESCAN]
    found = _XML_ENCODING.match(head.lstrip()) or _META_CHARSET.search(head)
    return found.group(1) if found else None


def is_utf8(name: str | None) -> bool:
    return name in ("utf-8", "utf-8-sig")


def decode_mixed(data: bytes) -> tuple[str, int]:
    """UTF-8 where the bytes are UTF-8, each invalid byte as Windows-1252; and how many were invalid."""
    view = memoryview(data)
    parts: list[str] = []
    position = invalid = 0
    while position < len(data):
        try:
            text, used = codecs.utf_8_decode(view[position:], "strict", True)
            parts.append(text)
            break
        except UnicodeDecodeError as error:
            parts.append(codecs.utf_8_decode(view[position : position + error.start], "strict", True)[0])
            bad = data[position + error.start : position + error.end]
            parts.append(windows_1252(bad))
            invalid += len(bad)
            position += error.end
    return "".join(parts), invalid


def windows_1252(data: bytes) -> str:
    """Windows-1252, with its five undefined bytes read as their Latin-1 code points (nothing lost)."""
    return data.decode("cp1252", errors="nb2en-latin1")


def decode_html(data: bytes, label: str) -> tuple[str, str, list[str]]:
    """The text of an HTML document, the encoding it was read as, and warnings."""
    warnings: list[str] = []
    bom, skip = bom_encoding(data)
    if bom:
        try:
            return data[skip:].decode(bom), bom, warnings
        except UnicodeDecodeError as error:
            raise InputError(f"{label} starts with a {bom} byte-order mark but is not {bom} ({error.reason}). Check the file.") from None
    raw_label = declared_html_charset(data)
    declared = codec_name(raw_label) if raw_label else None
    if raw_label and declared is None:
        warnings.append(f"{label} declares an unknown charset '{raw_label.decode('ascii', 'replace')}'; ignored it.")
    if declared in _AS_WINDOWS_1252:
        declared = "cp1252"
    elif declared and declared.startswith(("utf-16", "utf-32")):
        declared = "utf-8"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if declared and not is_utf8(declared) and not data.isascii():
            warnings.append(
                f"{label} declares charset {raw_label.decode('ascii', 'replace')} but its bytes are valid UTF-8; "
                "read it as UTF-8 (the bytes win)."
            )
        return text, "utf-8", warnings
    if declared and not is_utf8(declared):
        try:
            return data.decode(declared), declared, warnings
        except UnicodeDecodeError:
            if declared != "cp1252":
                warnings.append(f"{label} is not valid {declared} as declared; read it as Windows-1252.")
            return windows_1252(data), "cp1252", warnings
    text, invalid = decode_mixed(data)
    valid_non_ascii = sum(1 for ch in text if ord(ch) > 0x7F) - invalid
    if is_utf8(declared) or valid_non_ascii > invalid:
        warnings.append(
            f"{label} is UTF-8 except for {invalid} byte(s) that are not; read those as Windows-1252. "
            "Check its æøå (the file mixes encodings)."
        )
        return text, "utf-8", warnings
    warnings.append(f"{label} is not UTF-8 and declares no charset; read it as Windows-1252.")
    return windows_1252(data), "cp1252", warnings


def _latin1_fallback(error: UnicodeDecodeError):
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("nb2en-latin1", _latin1_fallback)


def declared_encoding(data: bytes) -> str | None:
    """The encoding an XML declaration names, when Python knows it (as written)."""
    found = _XML_ENCODING.match(data[:200])
    if found and codec_name(found.group(1)):
        return found.group(1).decode("ascii")
    return None


def xml_encoding_override(data: bytes, label: str) -> tuple[str | None, list[str]]:
    """The encoding to parse XML with instead of its declaration (None: follow the declaration).

    A declared single-byte encoding whose bytes are valid UTF-8 with non-ASCII characters
    (UTF-8 saved under an ISO-8859-1 label) is overruled: read as UTF-8, with a warning.
    Undeclared bytes that are not UTF-8 are read as Windows-1252, with a warning, rather
    than refused.
    """
    bom, _ = bom_encoding(data)
    if bom:
        return None, []
    found = _XML_ENCODING.match(data[:200])
    declared = codec_name(found.group(1)) if found else None
    if found and declared is None:
        return None, []  # libxml2 names the unknown encoding
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    if declared and not is_utf8(declared) and not declared.startswith(("utf-16", "utf-32")):
        if valid and not data.isascii():
            return "utf-8", [
                f"{label} declares encoding {found.group(1).decode('ascii')} but its bytes are valid UTF-8; "
                "read it as UTF-8 (the bytes win)."
            ]
        return None, []
    if not found and not valid:
        return "windows-1252", [f"{label} is not UTF-8 and declares no encoding; read it as Windows-1252."]
    return None, []
