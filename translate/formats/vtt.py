"""WebVTT (.vtt) subtitles: header, NOTE/STYLE/REGION blocks, identifiers, timings and
cue settings kept; the spoken text translated (character references decoded for the
model and written back escaped).

The work is shared with SRT in ``translate.formats.subtitles``.
"""

from __future__ import annotations

from translate.formats import Document
from translate.formats.subtitles import read_subtitles, write_subtitles


def read(data: bytes, label: str) -> Document:
    return read_subtitles(data, label, vtt=True)


def write(document: Document) -> bytes:
    return write_subtitles(document)
