"""One folder run: plan, then windows through the engine, then finish each file.

Error policy. Expected errors (nb2en's own, OS and decoding errors) fail the file they hit
and the run goes on; ``ModelLoadError`` and ``CacheError`` fail the files they hit and end
the run (no other file could succeed); any other exception is a bug: the files it hit are
reported failed and the exception propagates, so the night does not go on producing
failures that look like bad input.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from translate.batch.common import REPORT_NAME, BatchItem, BatchOptions, BatchProgress, BatchSummary, sha256_bytes
from translate.batch.engines import BatchEngine, create_engine
from translate.batch.finish import Finisher, Report, SummarizeFn
from translate.batch.plan import MemoryCheck, OutDirLock, OutputState, discover, make_plan, prepare_out_dir, remove_temp_files
from translate.errors import BatchInterrupted, CacheError, ModelLoadError, Nb2enError
from translate.io import read_input
from translate.pipeline import PreparedArticle, Translator, prepare_document

# Per-file failures: the file is reported, the run goes on.
EXPECTED_ERRORS = (Nb2enError, OSError, UnicodeError)
# Errors after which no other file could succeed either: stop the run and say so.
FATAL_ERRORS = (ModelLoadError, CacheError)


@dataclass
class _Read:
    item: BatchItem
    prepared: PreparedArticle
    seconds: float


def run_batch(
    options: BatchOptions,
    translator: Translator,
    progress: BatchProgress | None = None,
    stop: Callable[[], bool] | threading.Event | None = None,
    summarize: SummarizeFn | None = None,
    summary_identity: dict | None = None,
    engine: BatchEngine | None = None,
) -> BatchSummary:
    """Translate every matching file under ``options.in_dir`` into ``options.out_dir``.

    What is produced (format, encoding, model, summary options) is ``translator.settings``;
    ``engine`` (default: ``options.engine`` built around ``translator``) executes windows.
    ``stop`` is polled while searching, planning and between files (a ``threading.Event`` or
    a callable): once set, no new file is started and the run returns with ``interrupted``.
    A ``KeyboardInterrupt`` during a window abandons that window (nothing half-written stays
    behind) and returns the same way. ``summarize(result)`` sets ``result.summary``;
    ``summary_identity`` (the summarizer's identity) then goes into the fingerprint.
    """
    if isinstance(stop, threading.Event):
        stop = stop.is_set
    stop = stop or (lambda: False)
    progress = progress or BatchProgress()
    started = time.perf_counter()
    out_dir = Path(options.out_dir)
    summary = BatchSummary(out_dir, out_dir / REPORT_NAME)
    settings = translator.settings
    try:
        items = discover(options, settings.output_format.value, stop)
    except BatchInterrupted:
        summary.interrupted = True
        progress.finish(summary)
        return summary
    fingerprint = translator.fingerprint(summary_identity)
    prepare_out_dir(out_dir)
    own_engine = engine is None
    engine = engine or create_engine(options.engine, translator)
    try:
        _run(options, translator, progress, stop, summarize, engine, items, fingerprint, summary, started)
    finally:
        if own_engine:
            engine.close()
    return summary


def _run(options, translator, progress, stop, summarize, engine, items, fingerprint, summary, started) -> None:
    out_dir = Path(options.out_dir)
    settings = translator.settings
    with OutDirLock(out_dir):
        try:
            removed = remove_temp_files(out_dir)
            summary.temp_files_removed = removed
            if removed:
                progress.note(f"removed {removed} temporary file(s) left by an interrupted run")
            summary.matched = len(items)
            with OutputState(out_dir) as state, Report(out_dir) as report:
                memory = MemoryCheck(translator.memory, settings) if settings.use_memory else None
                finisher = Finisher(
                    report, state, summary, progress, fingerprint, settings.output_format.value, summarize,
                    state_fields=memory.state_fields() if memory is not None else None,
                )
                try:
                    plan = make_plan(items, state, fingerprint, options.force, stop, memory)
                    for row in plan.skipped:
                        finisher.emit(row, processed=False)
                    progress.start(len(items), len(plan.pending), summary.skipped)
                    _Executor(options, settings, engine, finisher, stop, summary).run(plan.pending)
                except (KeyboardInterrupt, BatchInterrupted):
                    summary.interrupted = True
                    summary.not_started = len(items) - (summary.ok + summary.failed + summary.skipped)
        finally:
            summary.seconds = round(time.perf_counter() - started, 3)
            progress.finish(summary)


class _Executor:
    """Reads and parses each pending file once, fills windows, hands them to the engine."""

    def __init__(self, options: BatchOptions, settings, engine: BatchEngine, finisher: Finisher, stop, summary):
        self.options = options
        self.settings = settings
        self.engine = engine
        self.finisher = finisher
        self.stop = stop
        self.summary = summary

    def run(self, pending: list[BatchItem]) -> None:
        window: list[_Read] = []
        window_sentences = 0
        for index, item in enumerate(pending):
            if self.stop():
                # The files read into the unfinished window are simply not started.
                self.summary.interrupted = True
                self.summary.not_started = len(pending) - index + len(window)
                return
            read = self.read(item)
            if read is None:
                continue
            window.append(read)
            window_sentences += read.prepared.sentence_count
            if window_sentences >= self.options.window_sentences or len(window) >= self.options.window_files:
                self.translate_window(window)
                window, window_sentences = [], 0
        if window:
            if self.stop():
                self.summary.interrupted = True
                self.summary.not_started += len(window)
                return
            self.translate_window(window)

    def read(self, item: BatchItem) -> _Read | None:
        started = time.perf_counter()
        if item.problem:
            self.finisher.fail(item, item.problem)
            return None
        from translate import limits as input_limits
        from translate.formats import open_document

        settings = self.settings
        data = None
        try:
            # The bytes first (under the file-size limit), so a file that fails to parse is
            # reported with their hash; then the one reader, as every door reads.
            with input_limits.using(settings.input_limits):
                data = read_input(item.source)
            document = open_document(data, str(item.source), settings.input_format, settings.encoding, settings.input_limits)
        except EXPECTED_ERRORS as error:
            if data is not None and item.source_sha256 is None:
                item.source_sha256 = sha256_bytes(data)  # the report names the bytes that failed
            self.finisher.fail(item, error, time.perf_counter() - started)
            return None
        item.source_sha256 = document.source.sha256
        return _Read(item, prepare_document(document), time.perf_counter() - started)

    def translate_window(self, window: list[_Read]) -> None:
        started = time.perf_counter()
        try:
            results = self.engine.translate_window([read.prepared for read in window])
        except FATAL_ERRORS as error:
            self._fail_all(window, error)
            raise
        except EXPECTED_ERRORS as error:
            if len(window) == 1:
                self.finisher.fail(window[0].item, error, window[0].seconds + time.perf_counter() - started)
                return
            for read in window:  # find the culprit: translate each article on its own
                self.translate_window([read])
            return
        except Exception as error:
            self._fail_all(window, error)
            raise
        elapsed = time.perf_counter() - started
        total = sum(read.prepared.sentence_count for read in window)
        for read, result in zip(window, results):
            share = read.prepared.sentence_count / total if total else 1 / len(window)
            try:
                self.finisher.finish(read.item, read.prepared, result, read.seconds + elapsed * share, len(window))
            except FATAL_ERRORS:
                raise
            except EXPECTED_ERRORS:
                continue  # reported by the finisher; the run goes on

    def _fail_all(self, window: list[_Read], error: BaseException) -> None:
        for read in window:
            self.finisher.fail(read.item, error, read.seconds)
