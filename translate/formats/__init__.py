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
import re
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
    "odt": ("odt", ".odt", (".odt", ".ott"), True),
    "odp": ("odt", ".odp", (".odp", ".otp"), True),
    "fodt": ("odt", ".fodt", (".fodt",), False),
    "fodp": ("odt", ".fodp", (".fodp",), False),
    "pptx": ("pptx", ".pptx", (".pptx",), True),
    "srt": ("srt", ".srt", (".srt",), False),
    "vtt": ("vtt", ".vtt", (".vtt",), False),
    "pdf": ("pdf", ".pdf", (".pdf",), True),
}
ALIASES = {"text": "txt", "markdown": "md", "htm": "html", "xml": "nitf", "webvtt": "vtt", "ott": "odt", "otp": "odp"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an Office-encrypted (agile or standard) .docx/.xlsx/.pptx is stored in, in its
# OLE compound file's directory (UTF-16LE names).
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
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
    """The module (with ``read`` and ``write``) of format ``name`` (a key or alias of ``FORMATS``)."""
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
    if head.lstrip().startswith(PDF_MAGIC) or (name.endswith(".pdf") and PDF_MAGIC in head[:1024]):
        return "pdf"
    if name.endswith(".pdf"):
        raise InputError(f"{path_or_name} is not a PDF (no %PDF- header). Check the file or pass --from.")
    if head.startswith(ZIP_MAGIC):
        zipped = _zip_format(data)
        if zipped:
            return zipped
        for fmt in ZIP_FORMATS:  # damaged, or not what its name says: its reader says which
            if name.endswith(FORMATS[fmt][2]):
                return fmt
        raise InputError(
            f"{path_or_name or 'The input'} is a zip file without word/document.xml (.docx), ppt/presentation.xml "
            "(.pptx) or an OpenDocument text/presentation mimetype (.odt, .odp), so it is not a document nb2en reads. "
            "Check the file."
        )
    zip_extensions = tuple(ext for fmt in ZIP_FORMATS for ext in FORMATS[fmt][2])
    if name.endswith(zip_extensions):
        kind = name.rpartition(".")[2]
        raise InputError(f"{path_or_name} is not a .{kind} document (not a zip file). Check the file or pass --from.")
    if _has_nitf_root(head):
        return "nitf"
    if b"opendocument" in head:
        from translate.formats.odt import flat_format

        flat = flat_format(head)
        if flat:
            return flat
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT") and not name.endswith(".srt"):
        return "vtt"
    if _looks_like_srt(head):
        return "srt"
    for fmt, (_, _, extensions, _) in FORMATS.items():
        if name.endswith(extensions):
            return fmt
    if name.endswith(".xml"):
        return "nitf"
    if _looks_like_html(head):
        return "html"
    return "txt"


# The zip formats, by the part that says what they are.
ZIP_FORMATS = ("docx", "odt", "odp", "pptx")
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.text-template": "odt",
    b"application/vnd.oasis.opendocument.presentation": "odp",
    b"application/vnd.oasis.opendocument.presentation-template": "odp",
}


def _zip_format(data: bytes) -> str | None:
    """docx, odt, odp or pptx from a zip's parts (ODF: its ``mimetype`` part), else None."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "ppt/presentation.xml" in names:
                return "pptx"
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                return _ODF_MIMETYPES.get(archive.read("mimetype").strip())
    except Exception:  # noqa: BLE001 - any damage means "none of these"; the reader words it
        return None
    return None


_SRT_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*\d+[ \t]*\r?\n[ \t]*\d+:\d{1,2}:\d{1,2}[,.]\d{1,3}[ \t]*-->")


def _looks_like_srt(head: bytes) -> bool:
    """A cue number, then a timing line: an SRT whatever its name."""
    return bool(_SRT_START.match(head))


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
    from translate import limits as input_limits

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
    if name != "txt":  # plain text is routed by parse_article
        from translate.language import route_article

        route_article(document.article)
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


def open_document(
    source: bytes | str | os.PathLike,
    label: str | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    limits=None,
) -> Document:
    """The one way input becomes a Document: a path (``-`` for stdin) is read, bytes are taken
    as they are (``label`` names them); the format is ``fmt`` (``--from``), else detected.
    ``limits`` (default: the environment's) bound the read of the file and of the document."""
    if isinstance(source, (bytes, bytearray)):
        return read_document(bytes(source), label or "-", fmt, encoding, limits)
    from translate import limits as input_limits
    from translate.io import read_input

    with input_limits.using(limits):
        return read_document(read_input(source), label or str(source), fmt, encoding, limits)


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
