"""Folder runs: discovery, resume, shared model batches across articles, report, progress.

The steps, one module each: ``plan`` (discovery, the resume state journal, the
fingerprint -> the list of work), ``engines`` (windows of parsed articles in ->
translations out; ``local`` or ``ray``, chosen by name), ``finish`` (render, atomic write, state
line, report row) and ``run`` (``run_batch``, which strings them together).

``run_batch`` mirrors ``IN_DIR`` under ``OUT_DIR`` (``a/b.txt`` -> ``a/b.en.txt``,
``.en.md`` or ``.en.json``). It never prints: everything a person sees goes through the
``BatchProgress`` object the caller passes in (the CLI passes a progress bar or a plain
logger, see ``translate.progress``).

How a re-run knows what is done. Text and Markdown outputs have no room for metadata, so
OUT_DIR holds a small append-only journal, ``.nb2en-state.jsonl``: one line per finished
output, written *after* the output was renamed into place, with the source's relative
path and sha256, the fingerprint of every setting that changes the output (``Settings.fingerprint``), and the sha256 of
the output itself. A file is skipped only when all four still match (so an output that
was edited, truncated or deleted afterwards is redone). The journal is compacted
(rewritten atomically) at the start of each run; a line torn by a kill (even mid-character)
is ignored, which at worst redoes one finished file.

Crash safety. Outputs are written with ``io.write_atomic`` (temporary file in the same
folder, then rename), so a kill leaves either no output or a whole one; stale temporary
files are removed at the start of the next run. An advisory lock on OUT_DIR keeps two runs
from writing into the same folder (and from deleting each other's temporary files).

The report ``nb2en-report.jsonl`` describes the latest run: it is started afresh by each
run and gets one row per file (ok, skipped or failed), appended and flushed as files finish.
"""

from translate.batch.common import (
    DEFAULT_PATTERN,
    DEFAULT_WINDOW_FILES,
    DEFAULT_WINDOW_SENTENCES,
    FAILED,
    LOCK_NAME,
    OK,
    REPORT_NAME,
    SKIPPED,
    STATE_NAME,
    BatchItem,
    BatchOptions,
    BatchProgress,
    BatchSummary,
    output_relative,
)
from translate.batch.engines import ENGINES, BatchEngine, create_engine, engine_names
from translate.batch.run import EXPECTED_ERRORS, FATAL_ERRORS, run_batch

__all__ = [
    "DEFAULT_PATTERN",
    "DEFAULT_WINDOW_FILES",
    "DEFAULT_WINDOW_SENTENCES",
    "ENGINES",
    "EXPECTED_ERRORS",
    "FAILED",
    "FATAL_ERRORS",
    "LOCK_NAME",
    "OK",
    "REPORT_NAME",
    "SKIPPED",
    "STATE_NAME",
    "BatchEngine",
    "BatchItem",
    "BatchOptions",
    "BatchProgress",
    "BatchSummary",
    "create_engine",
    "engine_names",
    "output_relative",
    "run_batch",
]
