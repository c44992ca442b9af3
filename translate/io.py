"""Reading article files as text and writing outputs atomically.

Reading is strict about what is not text (a directory, a binary file) and lenient about
what is (BOM, CRLF, a legacy cp1252 file, decoded with a warning).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from translate.errors import InputError, OutputError

STDIN = "-"
_MAX_CONTROL_FRACTION = 0.01
_FALLBACK_ENCODING = "cp1252"


@dataclass
class SourceText:
    """An article's text as read, with what is needed to identify and reproduce it."""

    path: str
    text: str
    sha256: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_source(path: str | Path, encoding: str | None = None) -> SourceText:
    """Read ``path`` (or stdin for ``-``) as UTF-8 text, normalising newlines to LF."""
    return decode_source(read_input(path), str(path), encoding)


def sha256_bytes(data: bytes) -> str:
    """The ``sha256:<hex>`` digest that sources, outputs and the batch journal are identified by."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_input(path: str | Path) -> bytes:
    """The raw bytes of ``path`` (or stdin for ``-``), with a clear error for a missing or unreadable file.

    Only a regular file is opened (a FIFO would block, a device never end), and none larger
    than the ``file-mb`` input limit is read.
    """
    from translate import limits

    cap = limits.active().bytes("file_mb")
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(cap + 1)
        limits.check_size("The standard input", len(data), "file-mb", "is larger")
        return data
    path = Path(path)
    require_regular_file(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    limits.check_size(str(path), size, "file-mb", f"is {size / limits.MIB:.1f} MiB")
    return _read_bytes(path)


# What a path is when it is not a regular file, for the messages that refuse it.
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def file_kind(mode: int) -> str | None:
    """``'a named pipe (FIFO)'``... for a mode that is not a regular file; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _FILE_KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def require_regular_file(path: str | Path, what: str = "file", error=InputError) -> None:
    """Refuse (before opening it) a path that is missing or not a regular file: opening a FIFO
    blocks, a device never ends. ``what`` names the file in the message (``glossary``...)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise error(f"No such {what}: {path}. Check the path and try again.") from None
    except OSError as failure:
        raise error(f"Cannot read {path}: {failure.strerror or failure}.") from None
    kind = file_kind(mode)
    if kind == "a folder" and what == "file":
        raise error(f"{path} is a folder, not a file. Pass one article file, or use `nb2en batch` for a folder.")
    if kind is not None:
        advice = "Pass a file path, or - to read standard input." if what == "file" else f"Pass a {what} path."
        raise error(f"{path} is {kind}, not a regular file; only regular files are read. {advice}")


def require_regular_output(path: str | Path, advice: str = "Choose another output path.") -> None:
    """Refuse an output path that exists and is not a regular file (a device, FIFO, socket):
    replacing it would destroy it (``-o /dev/null`` as root), writing into it is not a file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing (or unreadable: the write says why)
    kind = file_kind(mode)
    if kind is not None and kind != "a folder":
        raise OutputError(
            f"Cannot write {path}: it is {kind}, not a regular file; outputs are only written to regular files. "
            f"{advice}"
        )


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(f"No such file: {path}. Check the path and try again.")
    if path.is_dir():
        raise InputError(
            f"{path} is a folder, not a file. Pass one article file, or use `nb2en batch` for a folder."
        )
    try:
        return path.read_bytes()
    except PermissionError:
        raise InputError(f"Permission denied reading {path}. Check the file's permissions.") from None
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from None


def decode_source(data: bytes, label: str, encoding: str | None = None) -> SourceText:
    """Decode bytes to text; refuse binary data with a message that says what to do.

    The whole file decides, not its first bytes: a NUL anywhere (outside UTF-16/32, whose
    code units contain NUL bytes) makes it binary, as does a U+0000 in the decoded text.
    """
    digest = sha256_bytes(data)
    explicit = bool(encoding)
    if not encoding:
        encoding = _unicode_bom_encoding(data)  # UTF-16/32 text (with a BOM) has NUL bytes but is text
    if b"\x00" in data and not _wide_unicode(encoding):
        raise InputError(_binary_message(label))
    warnings: list[str] = []
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise InputError(f"{label} cannot be decoded as {encoding}: {error}. Try another --encoding.") from None
        used = encoding
    else:
        try:
            text, used = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, used = data.decode(_FALLBACK_ENCODING), _FALLBACK_ENCODING
            except UnicodeDecodeError:
                raise InputError(
                    f"{label} is not UTF-8 text. Pass --encoding with the file's encoding (e.g. latin-1)."
                ) from None
            warnings.append(
                f"{label} is not UTF-8; decoded it as {_FALLBACK_ENCODING}. Pass --encoding to choose another."
            )
    if text.startswith("\ufeff"):
        text = text[1:]  # one byte-order mark (utf-8-sig and utf-16 have taken theirs already)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise InputError(_binary_message(label))
    if _control_fraction(text) > _MAX_CONTROL_FRACTION:
        raise InputError(
            f"{label} does not look like text (too many control characters). Pass a plain-text article, "
            "or --encoding if it is text in another encoding."
        )
    if explicit and text.strip() and not plausible_text(text):
        warnings.append(
            f"{label} decoded as {used} is mostly characters an article is unlikely to contain (e.g. CJK or "
            "unassigned code points); the --encoding is probably wrong (UTF-8 read as UTF-16 looks like this)."
        )
    if not text.strip():
        warnings.append(f"{label} is empty.")
    return SourceText(path=label, text=text, sha256=digest, encoding=used, warnings=warnings)


def _binary_message(label: str) -> str:
    return f"{label} looks like a binary file, not text (it contains NUL bytes). Pass a plain-text article."


def plausible_text(text: str) -> bool:
    """Whether decoded text looks like a (Latin-script) article rather than a wrong decoding.

    A UTF-8 file read as UTF-16 turns each pair of ASCII bytes into one CJK or other
    non-Latin code point; legacy single-byte mix-ups stay Latin. Latin letters must be the
    majority of the letters, and unassigned, private-use or surrogate code points rare.
    """
    letters = latin = odd = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cn", "Co", "Cs"):
            odd += 1
        elif category[0] == "L":
            letters += 1
            if ch < "\u0250" or "\u1e00" <= ch < "\u1f00":  # Basic Latin to Latin Extended-B, Latin Extended Additional
                latin += 1
    if odd > max(2, len(text) // 100):
        return False
    return letters == 0 or latin * 2 > letters


def _unicode_bom_encoding(data: bytes) -> str | None:
    """``utf-32``/``utf-16`` when the bytes start with that byte-order mark (UTF-8's is handled later)."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _wide_unicode(encoding: str | None) -> bool:
    """Whether text in this encoding normally contains NUL bytes (UTF-16, UTF-32)."""
    try:
        return bool(encoding) and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


# C0 and C1 controls except tab, line feed and form feed (CR is normalised away before this).
_CONTROL = re.compile("[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")


def _control_fraction(text: str) -> float:
    """The share of control characters in the whole text (a regex: cheap even for big files)."""
    if not text:
        return 0.0
    return sum(1 for _ in _CONTROL.finditer(text)) / len(text)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8, or bytes as they are) via a temporary file and a rename.

    A crash or kill at any moment leaves either the old file or the whole new one, never
    a half-written file that a resumed batch would mistake for done.
    """
    path = Path(path)
    require_regular_output(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(f"Cannot write to {path.parent}: {error.strerror or error}. Choose a writable output folder.") from None
    try:
        os.fchmod(fd, 0o666 & ~_current_umask())  # mkstemp makes 0600; give outputs the usual mode
        if isinstance(content, bytes):
            handle = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        require_regular_output(path)  # made while we wrote? still never replaced
        os.replace(tmp_name, path)
    except OSError as error:
        Path(tmp_name).unlink(missing_ok=True)
        raise OutputError(f"Cannot write {path}: {error.strerror or error}. Choose a writable output path.") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def is_temp_output(path: Path) -> bool:
    """True for the temporary files ``write_atomic`` leaves behind if it is killed."""
    return path.name.startswith(".") and path.name.endswith(".tmp")
