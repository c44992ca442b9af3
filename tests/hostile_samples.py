"""Hostile and broken input files, built in a temp folder (nothing binary is checked in).

Zip bombs are made without inflating anything big: a deflate stream of one MiB of zeros,
flushed so that it can be repeated, is repeated N times (N MiB inflated for ~1 KiB each),
and the CRC is computed over the same MiB N times. Encrypted and Deflate64 zips are normal
zips whose headers are patched (flag bit 0, method 9), which is all a reader sees first.
The Office-encrypted file is a minimal OLE compound file whose directory names the
``EncryptionInfo`` and ``EncryptedPackage`` streams, as Word writes them.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from io import BytesIO

MIB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def document_xml(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>" for text in paragraphs)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    ).encode("utf-8")


GOOD_DOCUMENT = document_xml(["Regjeringen la fram budsjettet i Oslo.", "Bærum fikk mer penger til skolene."])


def make_docx(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb_stream(mib: int, unit: bytes = b"\0" * MIB) -> tuple[bytes, int]:
    """Raw deflate of ``unit`` repeated ``mib`` times (cheap to make), and its CRC-32."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)  # an empty final block
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(unit, crc)
    return block * mib + tail, crc


def bomb_docx(part: str, inflated_mib: int, head: bytes = b"", lie_mib: int | None = None) -> bytes:
    """A .docx whose ``part`` inflates to ``inflated_mib`` MiB (``head`` then spaces, or zeros).

    ``lie_mib`` writes a smaller size in the headers than the part really inflates to
    (the other kind of bomb: a reader that trusts the header is fooled).
    """
    unit = b" " * MIB if head else b"\0" * MIB
    stream, crc = _bomb_stream(inflated_mib, unit)
    if head:  # an XML start, then the spaces: its own deflate block first
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
        stream = first + stream
        crc = zlib.crc32(head)
        for _ in range(inflated_mib):
            crc = zlib.crc32(unit, crc)
    size = len(head) + inflated_mib * MIB
    declared = size if lie_mib is None else lie_mib * MIB
    others = make_docx({"word/document.xml": GOOD_DOCUMENT} if part != "word/document.xml" else {})
    return _append_raw(others, part, stream, crc, declared)


def _append_raw(zip_bytes: bytes, name: str, stream: bytes, crc: int, size: int) -> bytes:
    """``zip_bytes`` with one more deflated member whose compressed bytes are given as is."""
    buffer = BytesIO(zip_bytes)
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.CRC, info.compress_size, info.file_size = crc, len(stream), size
        zip64 = size > zipfile.ZIP64_LIMIT
        with archive._lock:
            info.header_offset = archive.fp.tell()
            archive.fp.write(info.FileHeader(zip64))
            archive.fp.write(stream)
            archive.filelist.append(info)
            archive.NameToInfo[name] = info
            archive.start_dir = archive.fp.tell()
            archive._didModify = True
    return buffer.getvalue()


def patch_members(zip_bytes: bytes, flag_or: int = 0, method: int | None = None) -> bytes:
    """Every member's local and central headers with ``flag_or`` set and (if given) ``method``."""
    data = bytearray(zip_bytes)
    with zipfile.ZipFile(BytesIO(zip_bytes)) as archive:
        offsets = [info.header_offset for info in archive.infolist()]
    for offset in offsets:  # local headers: flags at +6, method at +8
        flags = struct.unpack_from("<H", data, offset + 6)[0]
        struct.pack_into("<H", data, offset + 6, flags | flag_or)
        if method is not None:
            struct.pack_into("<H", data, offset + 8, method)
    position = data.find(b"PK\x01\x02")
    while position >= 0:  # central directory: flags at +8, method at +10
        flags = struct.unpack_from("<H", data, position + 8)[0]
        struct.pack_into("<H", data, position + 8, flags | flag_or)
        if method is not None:
            struct.pack_into("<H", data, position + 10, method)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def zipcrypto_docx() -> bytes:
    return patch_members(make_docx({"word/document.xml": GOOD_DOCUMENT}), flag_or=0x1)


def deflate64_docx() -> bytes:
    return patch_members(make_docx({"word/document.xml": GOOD_DOCUMENT}), method=9)


def office_encrypted_docx() -> bytes:
    """An OLE compound file (header, one directory sector) with Word's encryption streams."""
    header = bytearray(512)
    header[:8] = OLE_MAGIC
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)  # minor, major version, byte order, sector shift
    struct.pack_into("<I", header, 48, 0)  # first directory sector
    directory = bytearray()
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2)):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        directory += entry
    directory += bytes(512 - len(directory))
    return bytes(header) + bytes(directory) + bytes(1024)


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200) + b"<html><p>not really</p>" + bytes(64)


def deep_html(levels: int) -> bytes:
    return ("<html><body>" + "<div>" * levels + "<p>Dypt inne står det en setning.</p>" + "</div>" * levels + "<p>Til slutt.</p></body></html>").encode()


def deep_markdown_list(levels: int) -> bytes:
    return "".join("  " * i + f"- Nivå {i} av listen.\n" for i in range(levels)).encode()


def deep_markdown_quote(levels: int) -> bytes:
    return "".join(">" * i + f" Sitat på nivå {i}.\n\n" for i in range(1, levels + 1)).encode()


def mixed_utf8_html() -> bytes:
    """UTF-8 HTML without a charset, with two stray Latin-1 bytes (a pasted ø and å)."""
    text = "<html><body><p>Bærum og Tromsø fikk snø.</p><p>Smør og ål.</p></body></html>".encode("utf-8")
    return text.replace("Smør".encode(), b"Sm\xf8r").replace("ål".encode(), b"\xe5l")


def utf8_nitf_declared_latin1() -> bytes:
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<nitf baselang="nb-NO"><head><title>Snø i Bærum</title></head>'
        "<body><body.content><p>Det snødde i Bærum i natt.</p></body.content></body></nitf>\n"
    ).encode("utf-8")


# ---------------------------------------------------------------------------- sized documents

_HTML_UNIT = '<p>Regjeringen la fram <a href="https://nrk.no/x">budsjettet</a> i <b>Oslo</b>, og Bærum fikk mer.</p>\n'
_MD_UNIT = "Regjeringen la fram [budsjettet](https://nrk.no/x) i **Oslo**, og Bærum fikk mer.\n\n- Et punkt om *Bærum*.\n\n"
_TXT_UNIT = "Regjeringen la fram budsjettet i Oslo, og Bærum fikk mer penger.\n\n"
_NITF_UNIT = "<p>Regjeringen la fram <em>budsjettet</em> i <location>Oslo</location>, og Bærum fikk mer.</p>\n"
_DOCX_UNIT = (
    '<w:p><w:r><w:t xml:space="preserve">Regjeringen la fram {n} </w:t></w:r><w:r><w:rPr><w:b/></w:rPr>'
    '<w:t>budsjettet</w:t></w:r><w:r><w:t xml:space="preserve"> i Oslo, og Bærum fikk mer.</w:t></w:r></w:p>'
)


def sized(fmt: str, size: int) -> bytes:
    """A document of about ``size`` bytes in ``fmt``: one short paragraph after another (a
    flat page, the shape that made the HTML walker quadratic)."""
    if fmt == "html":
        n = size // len(_HTML_UNIT.encode())
        return ('<!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>Budsjett</title></head><body>\n' + _HTML_UNIT * n + "</body></html>\n").encode()
    if fmt == "md":
        return ("# Budsjett\n\n" + _MD_UNIT * (size // len(_MD_UNIT.encode()))).encode()
    if fmt == "txt":
        return (_TXT_UNIT * (size // len(_TXT_UNIT.encode()))).encode()
    if fmt == "nitf":
        n = size // len(_NITF_UNIT.encode())
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<nitf baselang="nb"><head><title>Budsjett</title></head><body>'
            "<body.content>\n" + _NITF_UNIT * n + "</body.content></body></nitf>\n"
        ).encode()
    if fmt == "docx":
        n = size // len(_DOCX_UNIT.encode())
        body = "".join(_DOCX_UNIT.format(n=i) for i in range(n))
        xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
        return make_docx({"word/document.xml": xml.encode()})
    raise ValueError(fmt)
