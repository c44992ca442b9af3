"""Article formats: read bytes into the article model, write the English back over them.

Each format is one module with the same two functions::

    read(data: bytes, label: str) -> Document
    write(document: Document) -> bytes

``read`` turns the file into blocks (with their ``location`` in the document) and inline
spans over each block's plain text; the pipeline translates the blocks' sentences and
never sees markup. ``write`` lays the English over the original document (kept parts
untouched) after placing each inline span on the English (``translate.formats.inline``).
A new format is one new module plus one line in ``FORMATS``.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
import time
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePath

from translate.article import Article
from translate.errors import InputError, Nb2enError, UsageError
from translate.io import SourceText

# name -> (module, default extension of the output, extensions read, binary output)
FORMATS: dict[str, tuple[str, str, tuple[str, ...], bool]] = {
    "txt": ("text", ".txt", (".txt", ".text"), False),
    "html": ("html", ".html", (".html", ".htm", ".xhtml"), False),
    "md": ("markdown", ".md", (".md", ".markdown"), False),
    "docx": ("docx", ".docx", (".docx",), True),
    "nitf": ("nitf", ".xml", (".nitf", ".nitf.xml"), False),
}
ALIASES = {"text": "txt", "markdown": "md", "htm": "html", "xml": "nitf"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an Office-encrypted (agile or standard) .docx/.xlsx/.pptx is stored in, in its
# OLE compound file's directory (UTF-16LE names).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
ZIP_MAGIC = b"PK\x03\x04"
_SNIFF = 4096


@dataclass
class Document:
    """An article read from a file: the model the pipeline fills, plus the writer's state.

    ``source`` carries the path, the sha256 of the original bytes and the plain text of the
    blocks (for language checks and summaries); ``state`` is what the format's ``write``
    needs to lay the English over the original (an lxml tree, the Markdown lines, the
    DOCX parts).
    """

    format: str
    article: Article
    source: SourceText
    state: object = field(default=None, repr=False)
    # Seconds the reader took (decoding, parsing, segmenting): the JSON's ``timings.parse_s``.
    parse_seconds: float = 0.0

    @property
    def binary(self) -> bool:
        return FORMATS[self.format][3]


def format_names() -> tuple[str, ...]:
    return tuple(FORMATS)


def normalise_name(name: str) -> str:
    name = name.lower().lstrip(".")
    name = ALIASES.get(name, name)
    if name not in FORMATS:
        raise UsageError(f"Unknown input format '{name}'. Choose one of: {', '.join(FORMATS)}.")
    return name


def get_format(name: str):
    """The module (with ``read`` and ``write``) of format ``name`` (txt, html, md, docx, nitf)."""
    return importlib.import_module(f"translate.formats.{FORMATS[normalise_name(name)][0]}")


def supported_suffixes() -> tuple[str, ...]:
    """File name endings a batch picks up by default."""
    return tuple(sorted({ext for _, _, exts, _ in FORMATS.values() for ext in exts} | {".xml"}))


def detect_format(path_or_name: str | PurePath | None, data: bytes) -> str:
    """The format of a file from its content first, then its extension.

    Content wins where it is unambiguous (a zip with ``word/document.xml``, an ``<nitf``
    root); a legacy ``.doc`` is refused with a message that says only .docx is read.
    """
    name = str(path_or_name or "").lower()
    head = data[:_SNIFF]
    if head.startswith(OLE_MAGIC) and _ENCRYPTED_PACKAGE in data:
        raise InputError(
            f"{path_or_name or 'The input'} is an encrypted (password-protected) Office document. "
            "Remove the password in Word (File > Info > Protect Document), save it, and try again."
        )
    if head.startswith(OLE_MAGIC) or (name.endswith(".doc") and not head.startswith(ZIP_MAGIC)):
        raise InputError(
            f"{path_or_name or 'The input'} is a legacy Word .doc file; only .docx is read. "
            "Save it as .docx (Word: File > Save As) and try again."
        )
    if head.startswith(ZIP_MAGIC):
        docx = _is_docx(data)
        if docx:
            return "docx"
        if docx is None:
            raise InputError(
                f"{path_or_name or 'The input'} is a damaged zip file (it cannot be opened, so it is not a readable "
                ".docx). Open and re-save it, or check the file."
            )
        raise InputError(
            f"{path_or_name or 'The input'} is a zip file without word/document.xml, so it is not a .docx document. "
            "Pass a .docx, HTML, Markdown, NITF or text article."
        )
    if name.endswith(".docx"):
        raise InputError(f"{path_or_name} is not a .docx document (not a zip file). Check the file or pass --from.")
    if _has_nitf_root(head):
        return "nitf"
    for fmt, (_, _, extensions, _) in FORMATS.items():
        if name.endswith(extensions):
            return fmt
    if name.endswith(".xml"):
        return "nitf"
    if _looks_like_html(head):
        return "html"
    return "txt"


def _is_docx(data: bytes) -> bool | None:
    """Whether a zip holds ``word/document.xml``; None when it cannot be opened at all."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except Exception:  # noqa: BLE001 - any damage (BadZipFile, struct.error...) is a damaged zip
        return None


def _first_element_name(head: bytes) -> str | None:
    """The name of the first element of an XML/HTML document (after declaration, comments, doctype)."""
    from lxml import etree

    try:
        for _, element in etree.iterparse(BytesIO(head), events=("start",), recover=True, resolve_entities=False):
            return etree.QName(element).localname.lower()
    except etree.LxmlError:
        return None
    return None


def _has_nitf_root(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"<") and _first_element_name(head) == "nitf"


def _looks_like_html(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return False
    return _first_element_name(head) in ("html", "head", "body")


def read_document(
    data: bytes, label: str, fmt: str | None = None, encoding: str | None = None, limits=None
) -> Document:
    """Read ``data`` in format ``fmt`` (detected from ``label`` and the content when None).

    ``encoding`` applies to plain text (the structured formats declare their own).
    ``limits`` (a ``limits.InputLimits``; default: the environment's) bound the read. A
    reader's complaint about its input is this file's ``InputError`` (exit 2, a ``failed``
    row in a batch), whatever the parser raised: never an "unexpected error".
    """
    from translate.formats import limits as input_limits

    started = time.perf_counter()
    with input_limits.using(limits):
        name = normalise_name(getattr(fmt, "value", fmt)) if fmt else detect_format(label, data)
        if not FORMATS[name][3]:  # a markup or text document is parsed whole: its size is capped
            input_limits.check_size(label, len(data), "document-mb", f"is {len(data) / input_limits.MIB:.1f} MiB")
        reader = get_format(name)
        try:
            document = reader.read(data, label, encoding) if name == "txt" else reader.read(data, label)
        except Nb2enError:
            raise
        except Exception as error:
            if not _is_reader_error(error):
                raise
            raise InputError(
                f"{label} cannot be read as {name} ({type(error).__name__}: {_one_line(error)}). "
                "Check the file, or pass --from with its real format."
            ) from None
    document.parse_seconds = time.perf_counter() - started
    return document


def _reader_errors() -> tuple[type[BaseException], ...]:
    import struct
    import zlib

    return (
        ValueError, RuntimeError, NotImplementedError, LookupError, EOFError, RecursionError,
        zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, zlib.error,
    )  # fmt: skip


_READER_ERRORS = _reader_errors()


def _is_reader_error(error: BaseException) -> bool:
    """A parser's complaint about its input (not one of our bugs: TypeError, AttributeError...)."""
    if isinstance(error, _READER_ERRORS):
        return True
    lxml = sys.modules.get("lxml.etree")
    return lxml is not None and isinstance(error, lxml.LxmlError)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:200] + ("..." if len(text) > 200 else "")


def write_document(document: Document) -> bytes:
    """The document with its English, in its own format."""
    return get_format(document.format).write(document)


def english_name(name: str) -> str:
    """The name of the English output in the input's own format: ``.en`` before the format's suffix.

    ``b.html`` -> ``b.en.html``, ``x.nitf.xml`` -> ``x.en.nitf.xml``, ``x.xml`` -> ``x.en.xml``,
    ``a.docx`` -> ``a.en.docx``, ``notes`` -> ``notes.en``.
    """
    lowered = name.lower()
    for suffix in (".nitf.xml",):
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + ".en" + name[-len(suffix) :]
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return name + ".en"
    return f"{stem}.en.{extension}"


def discoverable(path) -> bool:
    """Whether a batch picks up this file by default: a supported extension (an ``.xml`` only
    with an ``<nitf`` root) or a legacy ``.doc`` (picked up to be reported: only .docx is read)."""
    name = str(path).lower()
    if name.endswith(".xml"):
        try:
            if not os.path.isfile(path):  # a FIFO or a device is never opened: the planner reports it
                return True
            with open(path, "rb") as handle:
                return _has_nitf_root(handle.read(_SNIFF))
        except OSError:
            return True  # reported when it is read
    return name.endswith(supported_suffixes()) or name.endswith(".doc")


def source_text(data: bytes, label: str, article: Article, encoding: str, warnings: list[str]) -> SourceText:
    """The SourceText of a structured document: its original bytes' hash, its blocks' text."""
    return SourceText(
        path=label,
        text=article.plain_text(),
        sha256="sha256:" + hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        warnings=warnings,
    )
