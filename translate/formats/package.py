"""Zip packages of XML parts (ODT/ODP, PPTX): read every part, write back only the changed ones.

Every part that holds no translated text goes back into the zip byte-identical, with its
original zip entry (name, order, compression, date): ODF's uncompressed ``mimetype``
stays first, media, styles, layouts, masters and charts are never re-serialised.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from io import BytesIO

from lxml import etree

from translate.errors import InputError
from translate.formats.markup import syntax_error_message


@dataclass
class Package:
    infos: list
    contents: dict[str, bytes]


def open_package(data: bytes, label: str, kind: str, main_part: str) -> Package:
    """Every part of a zip package; a file that is not a zip, or lacks ``main_part``, is an InputError."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise InputError(f"{label} is not a {kind} document (not a zip file, or a damaged one). Check the file, or pass --from.") from None
    names = {info.filename for info in infos}
    if main_part not in names:
        raise InputError(f"{label} is a zip file without {main_part}, so it is not a {kind} document. Check the file.")
    try:
        contents = {info.filename: archive.read(info.filename) for info in infos}
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
        raise InputError(f"{label} is a damaged {kind} ({error}). Open and re-save it.") from None
    return Package(infos, contents)


def parse_part(package: Package, name: str, label: str):
    """The part as an lxml tree (no DTDs, no entity expansion, no network)."""
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
    try:
        return etree.parse(BytesIO(package.contents[name]), parser)
    except etree.XMLSyntaxError as error:
        raise InputError(syntax_error_message(f"{label} ({name})", "XML", error)) from None


def serialise_part(tree, original: bytes) -> bytes:
    """The tree as bytes, behind the part's own XML declaration (as it was written)."""
    body = etree.tostring(tree.getroot(), encoding="UTF-8", xml_declaration=False)
    if original.startswith(b"<?xml"):
        end = original.find(b"?>")
        if end >= 0:
            end += 2
            while end < len(original) and original[end : end + 1] in (b"\r", b"\n"):
                end += 1
            return original[:end] + body
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def write_package(package: Package, changed: dict[str, bytes]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in package.infos:
            archive.writestr(info, changed.get(info.filename, package.contents[info.filename]))
    return out.getvalue()
