"""How a batch run shows itself: a rich progress bar on a terminal, plain log lines otherwise.

Both implement ``translate.batch.BatchProgress``; the CLI picks one (or the silent base
class for ``--quiet``). All output goes to stderr so stdout stays free.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from translate.batch import BatchProgress, BatchSummary

PREFIX = "nb2en: batch:"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class _Rates:
    """Counters for the files translated in this run (skipped ones do not count)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.pending = 0
        self.done = 0
        self.failed = 0
        self.sentences = 0
        self.words = 0

    def add(self, row: dict) -> None:
        self.done += 1
        self.failed += row["status"] == "failed"
        self.sentences += row["sentences"]
        self.words += row["words"]

    def elapsed(self) -> float:
        return max(time.perf_counter() - self.started, 1e-9)

    def eta(self) -> float | None:
        if not self.done:
            return None
        return self.elapsed() / self.done * (self.pending - self.done)


def summary_line(summary: BatchSummary) -> str:
    rate = summary.sentences / summary.seconds if summary.seconds else 0.0
    head = "interrupted" if summary.interrupted else "done"
    parts = [
        f"{head}: {summary.ok} translated, {summary.skipped} skipped (already done), {summary.failed} failed",
    ]
    if summary.not_started:
        parts.append(f"{summary.not_started} not started")
    parts.append(f"{summary.sentences} sentences in {_clock(summary.seconds)} ({rate:.1f}/s)")
    line = f"{PREFIX} " + ", ".join(parts) + f". Report: {summary.report_path}"
    if summary.interrupted:
        line += ". Run the same command again to finish the rest."
    elif summary.failed:
        line += '. Failed files are listed there with the reason (status "failed").'
    return line


class LogProgress(BatchProgress):
    """Plain lines on a stream that is not a terminal: a line every ``interval`` seconds."""

    def __init__(self, stream: TextIO | None = None, interval: float = 10.0):
        self.stream = stream or sys.stderr
        self.interval = interval
        self.rates = _Rates()
        self._last = 0.0

    def _print(self, message: str) -> None:
        self.stream.write(message + "\n")
        self.stream.flush()

    def start(self, matched: int, pending: int, skipped: int) -> None:
        self.rates = _Rates()
        self.rates.pending = pending
        self._last = time.perf_counter()
        self._print(f"{PREFIX} {matched} files matched, {skipped} already done, {pending} to translate.")

    def file_done(self, row: dict) -> None:
        self.rates.add(row)
        if row["status"] == "failed":
            self._print(f"{PREFIX} failed: {row['path']}: {row['error']}")
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._print(self.status_line())

    def status_line(self) -> str:
        r = self.rates
        elapsed = r.elapsed()
        return (
            f"{PREFIX} {r.done}/{r.pending} files ({r.failed} failed), {r.sentences} sentences, "
            f"{r.sentences / elapsed:.1f} sentences/s, {r.words / elapsed:.0f} words/s, "
            f"elapsed {_clock(elapsed)}, ETA {_clock(r.eta())}"
        )

    def note(self, message: str) -> None:
        self._print(f"{PREFIX} {message}")

    def finish(self, summary: BatchSummary) -> None:
        self._print(summary_line(summary))


class QuietProgress(BatchProgress):
    """``--quiet``: nothing while running; one line at the end only if something failed."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr

    def finish(self, summary: BatchSummary) -> None:
        if summary.failed or summary.interrupted:
            self.stream.write(summary_line(summary) + "\n")
            self.stream.flush()


class RichProgress(BatchProgress):
    """A progress bar on a terminal: files, sentences/s, words/s, elapsed and ETA."""

    def __init__(self, stream: TextIO | None = None):
        from rich.console import Console

        self.console = Console(file=stream or sys.stderr)
        self.rates = _Rates()
        self._progress = None
        self._task = None

    def start(self, matched: int, pending: int, skipped: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.rates = _Rates()
        self.rates.pending = pending
        self.console.print(f"{PREFIX} {matched} files matched, {skipped} already done, {pending} to translate.")
        self._progress = Progress(
            TextColumn("[bold]translating"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("files{task.fields[failed]}"),
            TextColumn("{task.fields[sps]:.1f} sent/s  {task.fields[wps]:.0f} words/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self._task = self._progress.add_task("batch", total=pending, failed="", sps=0.0, wps=0.0)
        self._progress.start()

    def file_done(self, row: dict) -> None:
        self.rates.add(row)
        if row["status"] == "failed":
            from rich.markup import escape

            self.console.print(f"[red]failed[/red] {escape(row['path'])}: {escape(row['error'] or '')}", highlight=False)
        if self._progress is not None:
            elapsed = self.rates.elapsed()
            self._progress.update(
                self._task,
                completed=self.rates.done,
                failed=f" ({self.rates.failed} failed)" if self.rates.failed else "",
                sps=self.rates.sentences / elapsed,
                wps=self.rates.words / elapsed,
            )

    def note(self, message: str) -> None:
        self.console.print(f"{PREFIX} {message}", highlight=False)

    def finish(self, summary: BatchSummary) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self.console.print(summary_line(summary), highlight=False)


def choose_progress(quiet: bool, stream: TextIO | None = None) -> BatchProgress:
    """Silent for ``--quiet``, a bar on a terminal, plain lines otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return QuietProgress(stream)
    if stream.isatty():
        return RichProgress(stream)
    return LogProgress(stream)
