"""The one owner of input limits: how big, how deep and how compressed an input may be.

Every reader (HTML, Markdown, NITF, DOCX and the zip formats to come), the CLI, batch and
serve take their limits from here, so a hostile file is refused the same way at every
door, before it costs more than the limit. Each limit has a name (``document-mb``...),
and every refusal names it together with the way to raise it::

    --input-limit document-mb=200        (repeatable; translate, summarize, split, batch, serve)
    NB2EN_INPUT_LIMITS="document-mb=200,zip-ratio=500"

The defaults fit real newsroom files with a wide margin (a long feature's HTML is about
1 MB, a Word report's ``document.xml`` a few MB, nesting a few dozen levels deep).

API for readers (``read(data, label)`` keeps its signature): ``active()`` is the limits
of the read in progress (``formats.read_document(..., limits=...)`` sets them); the zip
helpers (``open_zip``, ``read_member``, ``copy_raw``) and ``parse_xml``/``check_depth`` do
the checking, each raising ``InputError`` (exit 2; a ``failed`` row in a batch).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import struct
import zipfile
from dataclasses import dataclass, fields, replace
from io import BytesIO

from translate.errors import InputError, UsageError

ENV_VAR = "NB2EN_INPUT_LIMITS"
OPTION = "--input-limit"
MIB = 1024 * 1024
# Below this inflated size a zip member's ratio says nothing (a tiny XML part compresses 50:1).
RATIO_FLOOR = MIB
_CHUNK = MIB
# Zip compression methods Python can inflate (stored, deflate, bzip2, lzma).
_READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_METHOD_NAMES = {9: "Deflate64", 6: "Implode", 10: "PKWARE imploding", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES"}
# The walkers recurse once per level; a depth above this would exhaust Python's stack.
MAX_DEPTH = 1000


@dataclass(frozen=True)
class InputLimits:
    """Named input limits; ``NAME=VALUE`` spellings use dashes (``document_mb`` is ``document-mb``)."""

    # Largest input file read at all (checked before it is read).
    file_mb: float = 256
    # Largest markup document parsed: an HTML, Markdown, NITF or text file, or one inflated
    # XML part of a zip document (.docx).
    document_mb: float = 32
    # Most bytes inflated from one zip document in all (its parts that are translated;
    # media and other parts are copied through compressed, never inflated).
    zip_total_mb: float = 64
    # Most inflated/compressed ratio of one zip member above 1 MiB (zip bombs reach ~1000).
    zip_ratio: float = 400
    # Most members (parts) in one zip document.
    zip_parts: int = 10000
    # Deepest element nesting of HTML, XML (NITF, DOCX parts) and Markdown block nesting.
    depth: int = 256
    # Most pages in one PDF (each page's inflated content streams are held to document-mb).
    pdf_pages: int = 2000

    @classmethod
    def names(cls) -> list[str]:
        return [f.name.replace("_", "-") for f in fields(cls)]

    @classmethod
    def from_env(cls, environ=None) -> "InputLimits":
        """The defaults with ``$NB2EN_INPUT_LIMITS`` (comma-separated ``NAME=VALUE``) applied."""
        text = (environ if environ is not None else os.environ).get(ENV_VAR, "")
        items = [item for item in text.replace(";", ",").split(",") if item.strip()]
        return cls().with_items(items, source=ENV_VAR)

    def with_items(self, items, source: str = OPTION) -> "InputLimits":
        """A copy with ``NAME=VALUE`` items applied (``UsageError`` naming the bad item)."""
        changes = {}
        for item in items or ():
            name, sep, value = str(item).partition("=")
            key = name.strip().lower().replace("_", "-")
            if not sep or key not in self.names():
                raise UsageError(
                    f"Bad {source} '{item}': use NAME=VALUE with NAME one of {', '.join(self.names())}."
                )
            attribute = key.replace("-", "_")
            kind = int if isinstance(getattr(self, attribute), int) else float
            try:
                number = kind(value.strip())
            except ValueError:
                number = None
            if number is None or number <= 0 or (key == "depth" and number > MAX_DEPTH):
                bound = f" (at most {MAX_DEPTH})" if key == "depth" else ""
                raise UsageError(f"Bad {source} '{item}': {key} takes a positive {kind.__name__}{bound}.")
            changes[attribute] = number
        return replace(self, **changes)

    def bytes(self, name: str) -> int:
        return int(getattr(self, name) * MIB)


def resolve(items=None) -> InputLimits:
    """The limits of a command: defaults, then ``$NB2EN_INPUT_LIMITS``, then ``--input-limit`` items."""
    return InputLimits.from_env().with_items(items or ())


def describe(limits: InputLimits | None = None) -> str:
    """``name=value`` for every limit (for help texts and docs)."""
    limits = limits or InputLimits()
    return ", ".join(f"{name}={getattr(limits, name.replace('-', '_')):g}" for name in limits.names())


# ----------------------------------------------------------------------------- the active limits

_ACTIVE: contextvars.ContextVar[InputLimits | None] = contextvars.ContextVar("nb2en_input_limits", default=None)


def active() -> InputLimits:
    """The limits of the read in progress (the environment's when no door set any)."""
    limits = _ACTIVE.get()
    return limits if limits is not None else InputLimits.from_env()


@contextlib.contextmanager
def using(limits: InputLimits | None):
    """Make ``limits`` the active limits for the reads inside the block (None: keep the current)."""
    if limits is None:
        yield active()
        return
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)


def refusal(label: str, what: str, name: str, limits: InputLimits | None = None) -> InputError:
    """The one wording of a refusal: what is too big, which limit, how to raise it."""
    limits = limits or active()
    value = getattr(limits, name.replace("-", "_"))
    return InputError(
        f"{label} {what}, over the {name} limit of {value:g}. "
        f"If the file is trusted, raise it with {OPTION} {name}=N (or ${ENV_VAR})."
    )


def check_size(label: str, size: int, name: str = "document-mb", what: str | None = None) -> None:
    """Refuse ``size`` bytes above the MiB limit ``name``."""
    limits = active()
    if size > limits.bytes(name.replace("-", "_")):
        raise refusal(label, what or f"is {size / MIB:.1f} MiB", name, limits)


# ----------------------------------------------------------------------------- zip documents


def open_zip(data: bytes, label: str, kind: str = "zip document") -> zipfile.ZipFile:
    """The zip archive of ``data``, its members checked before any is inflated.

    Refused (``InputError``): not a zip, too many parts, an encrypted member, a compression
    method Python cannot inflate (Deflate64...). Sizes are checked as each member is read.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error) as error:
        raise InputError(f"{label} is not a valid {kind} (a damaged or not a zip file: {error}). Check the file.") from None
    limits = active()
    if len(infos) > limits.zip_parts:
        raise refusal(label, f"has {len(infos)} zip parts", "zip-parts", limits)
    for info in infos:
        check_member(info, label, kind)
    return archive


def check_member(info: zipfile.ZipInfo, label: str, kind: str = "zip document") -> None:
    """Refuse an encrypted member or one whose compression cannot be read."""
    if info.flag_bits & 0x1:
        raise InputError(
            f"{label} is password-protected (its zip part {info.filename} is encrypted). "
            f"Remove the password (save an unprotected copy) and try again."
        )
    if info.compress_type not in _READABLE_METHODS:
        method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        raise InputError(
            f"{label} uses {method} zip compression (part {info.filename}), which cannot be read. "
            f"Open and re-save it (Word saves standard Deflate) and try again."
        )


class ZipBudget:
    """What one zip document may still inflate in all (``zip-total-mb``)."""

    def __init__(self, limits: InputLimits | None = None):
        self.limits = limits or active()
        self.left = self.limits.bytes("zip_total_mb")


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo | str, label: str, budget: ZipBudget | None = None
) -> bytes:
    """One member inflated as a stream, refused as soon as it passes a limit.

    Checked before inflating: the declared size (``document-mb``, the budget's
    ``zip-total-mb``) and ratio (``zip-ratio``); while inflating: the actual size against
    the same caps (a header may lie), so no more than the cap is ever held.
    """
    if isinstance(info, str):
        info = archive.getinfo(info)
    limits = budget.limits if budget is not None else active()
    check_member(info, label)
    cap = limits.bytes("document_mb")
    total_left = budget.left if budget is not None else limits.bytes("zip_total_mb")
    part = f"part {info.filename}"

    def check(size: int) -> None:
        if size > cap:
            raise refusal(label, f"has a zip {part} of {size / MIB:.1f} MiB or more inflated", "document-mb", limits)
        if size > total_left:
            raise refusal(label, "inflates to more than its zip-total-mb in all", "zip-total-mb", limits)
        if size > RATIO_FLOOR and size > limits.zip_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise refusal(label, f"has a zip {part} compressed {ratio:.0f}:1 (a zip bomb?)", "zip-ratio", limits)

    check(info.file_size)
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                check(size)
                chunks.append(chunk)
    except InputError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as error:
        raise InputError(f"{label} is damaged: its zip {part} cannot be read ({error}). Open and re-save it.") from None
    except Exception as error:  # zlib.error, lzma.LZMAError...: a corrupt stream is the file's fault
        raise InputError(f"{label} is damaged: its zip {part} cannot be inflated ({error}). Open and re-save it.") from None
    if budget is not None:
        budget.left -= size
    return b"".join(chunks)


def copy_raw(out: zipfile.ZipFile, source: bytes, info: zipfile.ZipInfo) -> None:
    """Copy one member of the zip ``source`` into ``out`` still compressed (never inflated).

    Media and other parts that are not translated go through this way, so a bomb hidden in
    an image costs its compressed size only. The member's own compressed bytes, CRC and
    sizes are written with a fresh local header.
    """
    start = info.header_offset
    if source[start : start + 4] != b"PK\x03\x04":
        raise InputError(f"The zip part {info.filename} is damaged (no local header). Open and re-save the file.")
    name_length, extra_length = struct.unpack("<HH", source[start + 26 : start + 30])
    begin = start + 30 + name_length + extra_length
    payload = source[begin : begin + info.compress_size]
    if len(payload) != info.compress_size:
        raise InputError(f"The zip part {info.filename} is truncated. Open and re-save the file.")
    copied = zipfile.ZipInfo(info.filename, info.date_time)
    copied.compress_type = info.compress_type
    copied.external_attr = info.external_attr
    copied.create_system = info.create_system
    copied.comment = info.comment
    copied.flag_bits = info.flag_bits & 0x800  # keep only the UTF-8 name flag: sizes are in the header
    copied.CRC = info.CRC
    copied.compress_size = info.compress_size
    copied.file_size = info.file_size
    zip64 = info.file_size > zipfile.ZIP64_LIMIT or info.compress_size > zipfile.ZIP64_LIMIT
    # zipfile has no public raw write; this is what ZipFile.write does after compressing.
    with out._lock:  # noqa: SLF001
        copied.header_offset = out.fp.tell()
        out._writecheck(copied)  # noqa: SLF001
        out._didModify = True  # noqa: SLF001
        out.fp.write(copied.FileHeader(zip64))
        out.fp.write(payload)
        out.filelist.append(copied)
        out.NameToInfo[copied.filename] = copied
        out.start_dir = out.fp.tell()


# ----------------------------------------------------------------------------- XML and nesting


def parse_xml(data: bytes, label: str, huge: bool = False, encoding: str | None = None):
    """An lxml tree of ``data``: no entity expansion, no DTD, no network; size and depth capped.

    ``huge`` lifts libxml2's own 10 MB text-node limit and 256-level depth cap (Word parts
    can hold long runs); the ``depth`` limit applies through ``check_depth`` either way.
    ``encoding`` overrides the declaration (``formats.encoding``). Syntax errors propagate as
    ``lxml.etree.XMLSyntaxError`` for the caller to word.
    """
    from lxml import etree

    check_size(label, len(data))
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=huge, remove_blank_text=False, encoding=encoding
    )
    try:
        tree = etree.parse(BytesIO(data), parser)
    except etree.XMLSyntaxError as error:
        if "Excessive depth" in str(error):
            raise too_deep(label) from None
        raise
    check_depth(tree.getroot(), label)
    return tree


def check_depth(root, label: str, what: str = "elements") -> None:
    """Refuse a tree nested deeper than the ``depth`` limit (one pass, stops at the limit)."""
    from lxml import etree

    limits = active()
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > limits.depth:
                raise too_deep(label, what, limits)
        else:
            depth -= 1


def too_deep(label: str, what: str = "elements", limits: InputLimits | None = None) -> InputError:
    limits = limits or active()
    return refusal(label, f"nests {what} more than {limits.depth} deep", "depth", limits)
