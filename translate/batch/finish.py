"""The end of each file: render, atomic write, state line, report row (and the counts)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

from translate.batch.common import FAILED, OK, REPORT_NAME, SKIPPED, BatchItem, BatchProgress, BatchSummary, make_row, now_iso, sha256_bytes
from translate.batch.plan import OutputState, cannot_write
from translate.errors import Nb2enError
from translate.io import write_atomic
from translate.pipeline import ArticleResult, PreparedArticle

SummarizeFn = Callable[[ArticleResult], None]


class Report:
    """``nb2en-report.jsonl``: one JSON row per file of this run, flushed as each is written.

    ``with Report(out_dir) as report`` starts it afresh and closes (fsyncs) it at the end.
    """

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / REPORT_NAME
        self._handle = None

    def __enter__(self) -> "Report":
        try:
            self._handle = open(self.path, "w", encoding="utf-8")
        except OSError as error:
            raise cannot_write(self.path.parent, error) from None
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.flush()
            try:
                os.fsync(self._handle.fileno())
            except OSError:
                pass  # the rows are flushed; fsync is best effort
            self._handle.close()
            self._handle = None

    def write(self, row: dict) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._handle.flush()


def error_message(error: BaseException) -> str:
    if isinstance(error, Nb2enError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class Finisher:
    """Writes each finished (or failed) file's output, state line and report row."""

    def __init__(
        self,
        report: Report,
        state: OutputState,
        summary: BatchSummary,
        progress: BatchProgress,
        fingerprint: str,
        fmt: str,
        summarize: SummarizeFn | None = None,
        state_fields: dict | None = None,
    ):
        self.report = report
        self.state = state
        self.summary = summary
        self.progress = progress
        self.fingerprint = fingerprint
        self.fmt = fmt
        self.summarize = summarize
        # More for every state line (the memory generation outputs are made with).
        self.state_fields = state_fields or {}

    def emit(self, row: dict, processed: bool = True) -> None:
        self.report.write(row)
        status = row["status"]
        if status == OK:
            self.summary.ok += 1
        elif status == SKIPPED:
            self.summary.skipped += 1
        else:
            self.summary.failed += 1
            self.summary.failures.append((row["path"], row["error"] or ""))
        if row["warnings"]:
            self.summary.warnings += 1
        if processed:
            self.summary.sentences += row["sentences"]
            self.summary.words += row["words"]
            self.progress.file_done(row)

    def fail(self, item: BatchItem, error: BaseException | str, seconds: float = 0.0, **fields) -> None:
        message = error if isinstance(error, str) else error_message(error)
        if item.source_sha256 is not None:
            self._drop_stale_output(item)
        self.emit(make_row(item, FAILED, seconds=seconds, error=message, **fields))

    def _drop_stale_output(self, item: BatchItem) -> None:
        """An output made from an earlier version of a source that now fails no longer matches it."""
        entry = self.state.entries.get(item.output_relative)
        if entry is not None and entry.get("source") == item.relative and entry.get("source_sha256") != item.source_sha256:
            try:
                item.output.unlink(missing_ok=True)
            except OSError:
                return
            self.state.forget(item.output_relative)

    def finish(self, item: BatchItem, prepared: PreparedArticle, result: ArticleResult, seconds: float, window_files: int) -> None:
        """Summarize (if asked), render, write atomically, then the state line and the report row.

        Expected errors (nb2en's, OS, decoding) fail this file only; the fatal ones are
        re-raised by the caller's policy, everything else propagates and stops the run.
        """
        from translate.render import render_output

        started = time.perf_counter()
        words = len(prepared.source.text.split())
        details = {
            "sentences": prepared.sentence_count,
            "words": words,
            "cache_hits": result.cache.hits,
            "cache_misses": result.cache.misses,
            "memory_hits": result.cache.memory,
            "flags": result.flags,
            "warnings": list(result.warnings),
            "window_files": window_files,
        }
        try:
            if self.summarize is not None:
                self.summarize(result)
            content = render_output(result, self.fmt)
            write_atomic(item.output, content)
        except Exception as error:
            self.fail(item, error, seconds + time.perf_counter() - started, **details)
            raise
        self.state.record(
            {
                "output": item.output_relative,
                "source": item.relative,
                "source_sha256": prepared.source.sha256,
                "settings": self.fingerprint,
                "output_sha256": sha256_bytes(content if isinstance(content, bytes) else content.encode("utf-8")),
                "sentences": prepared.sentence_count,
                "words": words,
                "flags": result.flags,
                "finished": now_iso(),
                **self.state_fields,
            }
        )
        self.emit(make_row(item, OK, seconds=seconds + time.perf_counter() - started, **details))
