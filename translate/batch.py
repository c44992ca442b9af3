"""Folder runs: discovery, resume, shared model batches across articles, report, progress.

``run_batch`` mirrors ``IN_DIR`` under ``OUT_DIR`` (``a/b.txt`` -> ``a/b.en.txt``,
``.en.md`` or ``.en.json``). It never prints: everything a person sees goes through the
``BatchProgress`` object the caller passes in (the CLI passes a progress bar or a plain
logger, see ``translate.progress``).

How a re-run knows what is done. Text and Markdown outputs have no room for metadata, so
OUT_DIR holds a small append-only journal, ``.nb2en-state.jsonl``: one line per finished
output, written *after* the output was renamed into place, with the source's relative
path and sha256, the hash of every setting that changes the output, and the sha256 of
the output itself. A file is skipped only when all four still match (so an output that
was edited, truncated or deleted afterwards is redone). The journal is compacted
(rewritten atomically) at the start of each run; a line torn by a kill is ignored, which
at worst redoes one finished file.

Crash safety. Outputs are written with ``io.write_atomic`` (temporary file in the same
folder, then rename), so a kill leaves either no output or a whole one; stale temporary
files are removed at the start of the next run. An advisory lock on OUT_DIR keeps two runs
from writing into the same folder (and from deleting each other's temporary files).

The report ``nb2en-report.jsonl`` describes the latest run: it is started afresh by each
run and gets one row per file (ok, skipped or failed), appended and flushed as files finish.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from translate import segment
from translate.cache import make_key
from translate.errors import CacheError, InputError, ModelLoadError, Nb2enError, OutputError, UsageError
from translate.io import SourceText, is_temp_output, read_source, write_atomic
from translate.pipeline import FAITHFUL_VERSION, ArticleResult, Translator, prepare_article, translate_articles

REPORT_NAME = "nb2en-report.jsonl"
STATE_NAME = ".nb2en-state.jsonl"
LOCK_NAME = ".nb2en-batch.lock"
DEFAULT_PATTERN = "**/*.txt"
DEFAULT_WINDOW_SENTENCES = 256
DEFAULT_WINDOW_FILES = 64
OUTPUT_TAG = "en"
# Bump when the layout of outputs or of the state journal changes.
STATE_VERSION = 1

OK, SKIPPED, FAILED = "ok", "skipped", "failed"
# Errors after which no other file could succeed either: stop the run and say so.
FATAL_ERRORS = (ModelLoadError, CacheError)


@dataclass
class BatchOptions:
    """Everything about a folder run except the translation settings (those are the Translator's)."""

    in_dir: Path
    out_dir: Path
    pattern: str = DEFAULT_PATTERN
    fmt: str = "text"
    force: bool = False
    encoding: str | None = None
    window_sentences: int = DEFAULT_WINDOW_SENTENCES
    window_files: int = DEFAULT_WINDOW_FILES


@dataclass
class BatchItem:
    """One matched input file and where its output goes."""

    source: Path
    relative: str
    output: Path
    output_relative: str
    conflict: str | None = None
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
        """After discovery: ``pending`` files will be translated, ``skipped`` are done already."""

    def file_done(self, row: dict) -> None:
        """A file was translated or failed (skipped files are only counted in ``start``)."""

    def note(self, message: str) -> None:
        """Something worth a line: removed temporary files, a stop request."""

    def finish(self, summary: BatchSummary) -> None:
        """The run is over (completed, interrupted, or stopped by a fatal error)."""


SummarizeFn = Callable[[ArticleResult], None]


# --------------------------------------------------------------------------- helpers


def output_relative(relative: Path, fmt: str) -> Path:
    """``a/b.txt`` -> ``a/b.en.txt`` (``.en.md``, ``.en.json`` for the other formats)."""
    from translate.render import EXTENSIONS

    return relative.parent / f"{relative.stem}.{OUTPUT_TAG}.{EXTENSIONS[fmt]}"


def sha256_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def settings_hash(translator: Translator, options: BatchOptions, summary_identity: dict | None) -> str:
    """Hash of everything that changes an output file (not of what only changes speed)."""
    return make_key(
        "batch-output",
        {
            "state": STATE_VERSION,
            "model": translator.backend.identity(),
            "segmenter": segment.SEGMENTER_VERSION,
            "faithful": FAITHFUL_VERSION,
            "repair": translator.settings.repair,
            "format": options.fmt,
            "encoding": options.encoding,
            "summary": summary_identity,
        },
    )


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# --------------------------------------------------------------------------- discovery


def check_folders(options: BatchOptions) -> None:
    """Refuse a missing or non-folder IN_DIR, and an OUT_DIR that is a file or holds IN_DIR."""
    in_dir, out_dir = Path(options.in_dir), Path(options.out_dir)
    if options.encoding:
        try:
            codecs.lookup(options.encoding)
        except LookupError:
            raise UsageError(f"Unknown encoding '{options.encoding}'. Pass a Python codec name such as latin-1 or cp1252.") from None
    if not in_dir.exists():
        raise InputError(f"No such folder: {in_dir}. Check the path and try again.")
    if not in_dir.is_dir():
        raise InputError(f"{in_dir} is a file, not a folder. Use `nb2en translate` for one article.")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder. Choose a folder for the outputs.")
    if _within(in_dir.resolve(), out_dir.resolve()):
        raise UsageError(
            f"The output folder {out_dir} is (or contains) the input folder. "
            "Choose an output folder outside the input folder, or a subfolder of it."
        )


def discover(options: BatchOptions) -> list[BatchItem]:
    """Files under IN_DIR matching the pattern, in path order; nothing from inside OUT_DIR."""
    check_folders(options)
    in_dir = Path(options.in_dir)
    out_abs = Path(options.out_dir).resolve()
    try:
        matches = sorted(in_dir.glob(options.pattern))
    except (ValueError, NotImplementedError) as error:
        raise UsageError(f"Bad --pattern '{options.pattern}': {error}. Use a relative glob such as '**/*.txt'.") from None
    items: list[BatchItem] = []
    claimed: dict[str, str] = {}
    for path in matches:
        if path.is_dir():  # a folder whose name matches; its files are matched on their own
            continue
        if _within(path.resolve(), out_abs) or _within(path.absolute(), out_abs):
            continue
        relative = path.relative_to(in_dir)
        out_rel = output_relative(relative, options.fmt)
        item = BatchItem(path, relative.as_posix(), Path(options.out_dir) / out_rel, out_rel.as_posix())
        if item.output_relative in claimed:
            item.conflict = (
                f"Its output {item.output_relative} would overwrite that of {claimed[item.output_relative]}. "
                "Rename one of them, or narrow --pattern."
            )
        else:
            claimed[item.output_relative] = item.relative
        items.append(item)
    return items


# --------------------------------------------------------------------------- state and report


class OutputState:
    """The append-only journal of finished outputs in OUT_DIR (see the module docstring)."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / STATE_NAME
        self.entries: dict[str, dict] = {}
        self._handle = None

    def load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError):
            lines = []  # unreadable journal: everything is redone, nothing is wrongly skipped
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line torn by a kill
            if not isinstance(entry, dict) or entry.get("v") != STATE_VERSION or "output" not in entry:
                continue
            if entry.get("removed"):
                self.entries.pop(entry["output"], None)
            else:
                self.entries[entry["output"]] = entry

    def open(self) -> None:
        """Rewrite the journal compactly (atomically), then keep it open for appending."""
        content = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in self.entries.values())
        write_atomic(self.path, content)
        self._handle = open(self.path, "a", encoding="utf-8")

    def is_current(self, item: BatchItem, source_sha256: str | None, settings: str) -> dict | None:
        entry = self.entries.get(item.output_relative)
        if (
            entry is None
            or source_sha256 is None
            or entry.get("source") != item.relative
            or entry.get("source_sha256") != source_sha256
            or entry.get("settings") != settings
        ):
            return None
        if sha256_file(item.output) != entry.get("output_sha256"):
            return None
        return entry

    def record(self, entry: dict) -> None:
        entry = {"v": STATE_VERSION, **entry}
        self.entries[entry["output"]] = entry
        self._append(entry)

    def forget(self, output_relative: str) -> None:
        if self.entries.pop(output_relative, None) is not None:
            self._append({"v": STATE_VERSION, "output": output_relative, "removed": True})

    def _append(self, entry: dict) -> None:
        self._handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Report:
    """``nb2en-report.jsonl``: one JSON row per file of this run, flushed as each is written."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / REPORT_NAME
        self._handle = None

    def open(self) -> None:
        try:
            self._handle = open(self.path, "w", encoding="utf-8")
        except OSError as error:
            raise OutputError(f"Cannot write the report {self.path}: {error.strerror or error}. Choose a writable output folder.") from None

    def write(self, row: dict) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.flush()
            try:
                os.fsync(self._handle.fileno())
            except OSError:
                pass  # the rows are flushed; fsync is best effort
            self._handle.close()
            self._handle = None


class OutDirLock:
    """An advisory lock on OUT_DIR for the length of a run (released by the OS on a kill)."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / LOCK_NAME
        self._handle = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, as before
            return
        self._handle = open(self.path, "a")
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            self._handle = None
            raise UsageError(
                f"Another `nb2en batch` is writing to {self.path.parent}. Wait for it to finish, or choose another output folder."
            ) from None

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def prepare_out_dir(out_dir: Path) -> None:
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"Cannot create the output folder {out_dir}: {error.strerror or error}. Choose a writable folder.") from None


def remove_temp_files(out_dir: Path) -> int:
    """Delete temporary files that a killed run's ``write_atomic`` left behind."""
    removed = 0
    for root, _dirs, files in os.walk(out_dir):
        for name in files:
            path = Path(root) / name
            if is_temp_output(path):
                try:
                    path.unlink()
                    removed += 1
                except OSError:
                    pass  # reported nowhere: it is litter, and the next run tries again
    return removed


# --------------------------------------------------------------------------- the run


@dataclass
class _Prepared:
    item: BatchItem
    source: SourceText
    sentences: int
    words: int
    seconds: float


def _row(item: BatchItem, status: str, **fields) -> dict:
    row = {
        "path": item.relative,
        "output": item.output_relative,
        "status": status,
        "seconds": 0.0,
        "sentences": 0,
        "words": 0,
        "cache_hits": 0,
        "cache_misses": 0,
        "flags": [],
        "warnings": [],
        "error": None,
        "source_sha256": item.source_sha256,
        "finished": now_iso(),
    }
    row.update(fields)
    row["seconds"] = round(row["seconds"], 4)
    return row


def _error_message(error: BaseException) -> str:
    if isinstance(error, Nb2enError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class _Run:
    def __init__(self, options, translator, progress, stop, summarize, summary_identity):
        self.options = options
        self.translator = translator
        self.progress = progress or BatchProgress()
        self.stop = stop or (lambda: False)
        self.summarize = summarize
        self.settings = settings_hash(translator, options, summary_identity)
        self.out_dir = Path(options.out_dir)
        self.state = OutputState(self.out_dir)
        self.report = Report(self.out_dir)
        self.summary = BatchSummary(self.out_dir, self.report.path)

    # -- bookkeeping

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
        message = error if isinstance(error, str) else _error_message(error)
        if item.source_sha256 is not None:
            self._drop_stale_output(item)
        self.emit(_row(item, FAILED, seconds=seconds, error=message, **fields))

    def _drop_stale_output(self, item: BatchItem) -> None:
        """An output made from an earlier version of a source that now fails no longer matches it."""
        entry = self.state.entries.get(item.output_relative)
        if entry is not None and entry.get("source") == item.relative and entry.get("source_sha256") != item.source_sha256:
            try:
                item.output.unlink(missing_ok=True)
            except OSError:
                return
            self.state.forget(item.output_relative)

    # -- phases

    def plan(self, items: list[BatchItem]) -> list[BatchItem]:
        pending = []
        for item in items:
            try:
                item.source_sha256 = sha256_bytes(item.source.read_bytes())
            except OSError:
                item.source_sha256 = None  # read_source says why, in the processing phase
            entry = None if self.options.force or item.conflict else self.state.is_current(item, item.source_sha256, self.settings)
            if entry is not None:
                self.emit(
                    _row(
                        item,
                        SKIPPED,
                        sentences=entry.get("sentences", 0),
                        words=entry.get("words", 0),
                        flags=entry.get("flags", []),
                    ),
                    processed=False,
                )
            else:
                pending.append(item)
        return pending

    def process(self, pending: list[BatchItem]) -> None:
        window: list[_Prepared] = []
        window_sentences = 0
        for index, item in enumerate(pending):
            if self.stop():
                # The files read into the unfinished window are simply not started.
                self.summary.interrupted = True
                self.summary.not_started = len(pending) - index + len(window)
                return
            prepared = self.read(item)
            if prepared is None:
                continue
            window.append(prepared)
            window_sentences += prepared.sentences
            if window_sentences >= self.options.window_sentences or len(window) >= self.options.window_files:
                self.translate_window(window)
                window, window_sentences = [], 0
        if window:
            if self.stop():
                self.summary.interrupted = True
                self.summary.not_started += len(window)
                return
            self.translate_window(window)

    def read(self, item: BatchItem) -> _Prepared | None:
        started = time.perf_counter()
        if item.conflict:
            self.fail(item, item.conflict)
            return None
        try:
            source = read_source(item.source, self.options.encoding)
        except Nb2enError as error:
            self.fail(item, error, time.perf_counter() - started)
            return None
        item.source_sha256 = source.sha256
        article, _ = prepare_article(source)
        sentences = len(article.sentences())
        return _Prepared(item, source, sentences, len(source.text.split()), time.perf_counter() - started)

    def translate_window(self, window: list[_Prepared]) -> None:
        started = time.perf_counter()
        try:
            results = translate_articles([p.source for p in window], self.translator)
        except FATAL_ERRORS as error:
            for prepared in window:
                self.fail(prepared.item, error, prepared.seconds)
            raise
        except Exception as error:  # noqa: BLE001 - one bad article must not sink its window
            if len(window) == 1:
                self.fail(window[0].item, error, window[0].seconds + time.perf_counter() - started)
                return
            for prepared in window:  # find the culprit: translate each article on its own
                self.translate_window([prepared])
            return
        elapsed = time.perf_counter() - started
        total = sum(p.sentences for p in window)
        for prepared, result in zip(window, results):
            share = prepared.sentences / total if total else 1 / len(window)
            self.finish_file(prepared, result, prepared.seconds + elapsed * share, len(window))

    def finish_file(self, prepared: _Prepared, result: ArticleResult, seconds: float, window_files: int) -> None:
        from translate.render import render

        item = prepared.item
        started = time.perf_counter()
        details = {
            "sentences": prepared.sentences,
            "words": prepared.words,
            "cache_hits": result.cache.hits,
            "cache_misses": result.cache.misses,
            "flags": result.flags,
            "warnings": list(result.warnings),
            "window_files": window_files,
        }
        try:
            if self.summarize is not None:
                self.summarize(result)
            content = render(result, self.options.fmt)
            write_atomic(item.output, content)
        except FATAL_ERRORS as error:
            self.fail(item, error, seconds, **details)
            raise
        except Exception as error:  # noqa: BLE001 - recorded in the report; the run goes on
            self.fail(item, error, seconds + time.perf_counter() - started, **details)
            return
        self.state.record(
            {
                "output": item.output_relative,
                "source": item.relative,
                "source_sha256": prepared.source.sha256,
                "settings": self.settings,
                "output_sha256": sha256_bytes(content.encode("utf-8")),
                "sentences": prepared.sentences,
                "words": prepared.words,
                "flags": result.flags,
                "finished": now_iso(),
            }
        )
        self.emit(_row(item, OK, seconds=seconds + time.perf_counter() - started, **details))


def run_batch(
    options: BatchOptions,
    translator: Translator,
    progress: BatchProgress | None = None,
    stop: Callable[[], bool] | threading.Event | None = None,
    summarize: SummarizeFn | None = None,
    summary_identity: dict | None = None,
) -> BatchSummary:
    """Translate every matching file under ``options.in_dir`` into ``options.out_dir``.

    ``stop`` is polled between files (a ``threading.Event`` or a callable): once it is set,
    no new file is started and the run returns with ``interrupted``. A ``KeyboardInterrupt``
    during a window abandons that window (nothing half-written stays behind) and returns
    the same way. ``summarize(result)`` sets ``result.summary`` when summaries are wanted;
    ``summary_identity`` (the summarizer's settings) then goes into the settings hash.
    ``ModelLoadError`` and ``CacheError`` end the run: they are raised after the report
    rows of the files they hit are written.
    """
    if isinstance(stop, threading.Event):
        stop = stop.is_set
    started = time.perf_counter()
    items = discover(options)
    run = _Run(options, translator, progress, stop, summarize, summary_identity)
    prepare_out_dir(run.out_dir)
    lock = OutDirLock(run.out_dir)
    lock.acquire()
    try:
        removed = remove_temp_files(run.out_dir)
        run.summary.temp_files_removed = removed
        if removed:
            run.progress.note(f"removed {removed} temporary file(s) left by an interrupted run")
        run.state.load()
        run.state.open()
        run.report.open()
        run.summary.matched = len(items)
        try:
            pending = run.plan(items)
            run.progress.start(len(items), len(pending), run.summary.skipped)
            run.process(pending)
        except KeyboardInterrupt:
            run.summary.interrupted = True
            done = run.summary.ok + run.summary.failed + run.summary.skipped
            run.summary.not_started = len(items) - done
    finally:
        run.summary.seconds = round(time.perf_counter() - started, 3)
        run.report.close()
        run.state.close()
        lock.release()
        run.progress.finish(run.summary)
    return run.summary


class StopOnSignals:
    """Ctrl-C / SIGTERM for a batch run (the CLI installs it around ``run_batch``).

    The first signal asks the run to stop: no new file is started, the window being
    translated is finished and written. A second signal abandons that window at once
    (``KeyboardInterrupt``; nothing half-written stays behind). Use as a context manager;
    the previous handlers are restored on exit. ``stop`` is what ``run_batch`` polls.
    """

    def __init__(self, notify: Callable[[str], None] | None = None):
        self.event = threading.Event()
        self.notify = notify or (lambda message: None)
        self._previous: dict = {}

    def stop(self) -> bool:
        return self.event.is_set()

    def _handle(self, signum, frame) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        self.notify("stopping: finishing the files being translated now (press Ctrl-C again to abandon them)")

    def __enter__(self) -> "StopOnSignals":
        import signal

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
