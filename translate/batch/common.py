"""What the batch steps share: options, one input's item, the run summary, progress, rows."""

from __future__ import annotations

import os
import stat

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from translate.io import sha256_bytes

REPORT_NAME = "nb2en-report.jsonl"
STATE_NAME = ".nb2en-state.jsonl"
LOCK_NAME = ".nb2en-batch.lock"
# None: every file of a supported format (translate.formats.discoverable).
DEFAULT_PATTERN = None
DEFAULT_WINDOW_SENTENCES = 256
DEFAULT_WINDOW_FILES = 64
DEFAULT_ENGINE = "local"
OUTPUT_TAG = "en"
# Bump when the layout of the state journal's lines changes.
STATE_VERSION = 1

OK, SKIPPED, FAILED = "ok", "skipped", "failed"


@dataclass
class BatchOptions:
    """How a folder run goes (what it produces is the Translator's ``Settings``)."""

    in_dir: Path
    out_dir: Path
    pattern: str | None = DEFAULT_PATTERN
    force: bool = False
    window_sentences: int = DEFAULT_WINDOW_SENTENCES
    window_files: int = DEFAULT_WINDOW_FILES
    engine: str = DEFAULT_ENGINE


@dataclass
class BatchItem:
    """One matched input and where its output goes; ``problem`` says why it cannot be done."""

    source: Path
    relative: str
    output: Path
    output_relative: str
    problem: str | None = None
    source_sha256: str | None = None


@dataclass
class BatchSummary:
    """What a run did; the CLI turns it into an exit code."""

    out_dir: Path
    report_path: Path
    matched: int = 0
    ok: int = 0
    skipped: int = 0
    failed: int = 0
    not_started: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    sentences: int = 0
    words: int = 0
    warnings: int = 0
    temp_files_removed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


class BatchProgress:
    """What a run reports as it goes. The base class shows nothing (``--quiet``)."""

    def start(self, matched: int, pending: int, skipped: int) -> None:
        """After planning: ``pending`` files will be translated, ``skipped`` are done already."""

    def file_done(self, row: dict) -> None:
        """A file was translated or failed (skipped files are only counted in ``start``)."""

    def note(self, message: str) -> None:
        """Something worth a line: removed temporary files, a stop request."""

    def finish(self, summary: BatchSummary) -> None:
        """The run is over (completed, interrupted, or stopped by a fatal error)."""


def output_relative(relative: Path, fmt: str) -> Path:
    """``a/b.txt`` -> ``a/b.en.txt`` (``.en.md``, ``.en.json`` for the other formats).

    In the input's own format (``same``): ``.en`` before its suffix, ``a/b.html`` ->
    ``a/b.en.html``, ``x.nitf.xml`` -> ``x.en.nitf.xml``, ``c.docx`` -> ``c.en.docx``.
    """
    from translate.render import EXTENSIONS

    if fmt == "same":
        from translate.formats import english_name

        return relative.parent / english_name(relative.name)
    return relative.parent / f"{relative.stem}.{OUTPUT_TAG}.{EXTENSIONS[fmt]}"


def sha256_file(path: Path) -> str | None:
    """The digest of an existing output; None when it is missing or not a regular file (a
    FIFO put where an output was would block the read)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def make_row(item: BatchItem, status: str, **fields) -> dict:
    """One report row (the same keys for every status)."""
    row = {
        "path": item.relative,
        "output": item.output_relative,
        "status": status,
        "seconds": 0.0,
        "sentences": 0,
        "words": 0,
        "cache_hits": 0,
        "cache_misses": 0,
        "memory_hits": 0,
        "flags": [],
        "warnings": [],
        "error": None,
        "source_sha256": item.source_sha256,
        "finished": now_iso(),
    }
    row.update(fields)
    row["seconds"] = round(row["seconds"], 4)
    return row
