"""SubRip (.srt) subtitles: cue numbers and timings kept, the spoken text translated.

The work is shared with WebVTT in ``translate.formats.subtitles`` (how a sentence that runs
across cues is translated whole and spread back, and how lines are wrapped).
"""

from __future__ import annotations

from translate.formats import Document
from translate.formats.subtitles import read_subtitles, write_subtitles


def read(data: bytes, label: str) -> Document:
    return read_subtitles(data, label, vtt=False)


def write(document: Document) -> bytes:
    return write_subtitles(document)
