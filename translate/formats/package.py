"""Zip packages of XML parts (ODT/ODP, PPTX): read the parts that hold text, copy the rest.

Only the parts a reader asks for are inflated, each through the input limits
(``translate.limits``: member size, compression ratio, the package's total);
every other part (media, styles, layouts, masters, charts) is copied through still
compressed, never inflated, with its original zip entry (name, order, date): ODF's
uncompressed ``mimetype`` stays first. A part that was read but not changed is written
back with the same content.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from lxml import etree

from translate import limits
from translate.errors import InputError
from translate.formats.markup import syntax_error_message


@dataclass
class Package:
    archive: zipfile.ZipFile
    source: bytes
    label: str
    budget: limits.ZipBudget
    # The parts inflated so far (read on demand through ``read``).
    contents: dict[str, bytes] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return self.archive.namelist()

    def read(self, name: str) -> bytes:
        """One part, inflated within the limits (once)."""
        if name not in self.contents:
            self.contents[name] = limits.read_member(self.archive, name, self.label, self.budget)
        return self.contents[name]


def open_package(data: bytes, label: str, kind: str, main_part: str) -> Package:
    """A zip package; one that is not a zip, or lacks ``main_part``, is an InputError."""
    if not data.startswith(b"PK"):
        raise InputError(f"{label} is not a {kind} document (not a zip file). Check the file, or pass --from.")
    archive = limits.open_zip(data, label, f"{kind} document")
    if main_part not in archive.namelist():
        raise InputError(f"{label} is a zip file without {main_part}, so it is not a {kind} document. Check the file.")
    return Package(archive, data, label, limits.ZipBudget())


def parse_part(package: Package, name: str, label: str):
    """The part as an lxml tree (no DTDs, no entity expansion, no network; depth capped)."""
    return parse_xml(package.read(name), f"{label} ({name})")


def parse_xml(data: bytes, label: str):
    try:
        return limits.parse_xml(data, label, huge=True)
    except etree.XMLSyntaxError as error:
        raise InputError(syntax_error_message(label, "XML", error)) from None


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
    return rewrite_zip(package.source, package.archive.infolist(), package.contents, changed)


def rewrite_zip(source: bytes, infos: list[zipfile.ZipInfo], contents: dict[str, bytes], changed: dict[str, bytes]) -> bytes:
    """The zip again, entry by entry in its own order: a changed part with its new bytes, a
    part that was read with its bytes, every other part copied still compressed."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in infos:
            if info.filename in changed:
                archive.writestr(info, changed[info.filename])
            elif info.filename in contents:
                archive.writestr(info, contents[info.filename])
            else:
                limits.copy_raw(archive, source, info)
    return out.getvalue()
