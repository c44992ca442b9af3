"""The guard every command body runs in: errors become one-line messages and exit codes; signals stop a batch cleanly.

Exit codes: 0 ok, 1 the work failed, 2 bad usage or input, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Callable, Optional

import typer

from translate.errors import Nb2enError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def fail(message: str, code: int) -> None:
    typer.echo(f"nb2en: {message}", err=True)
    raise typer.Exit(code)


def run_guarded(debug: bool, work: Callable[[], int | None]) -> None:
    """Run a command body; turn errors into one-line messages and exit codes."""
    try:
        code = work() or EXIT_OK
    except typer.Exit:
        raise
    except Nb2enError as error:
        if debug:
            raise
        fail(str(error), error.exit_code)
    except KeyboardInterrupt:
        typer.echo("nb2en: interrupted.", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback without --debug
        if debug:
            raise
        fail(f"unexpected error: {type(error).__name__}: {error}. Re-run with --debug for details.", EXIT_FAILED)
    else:
        raise typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"nb2en: warning: {message}", err=True)


def check_output(path: str, output: Optional[Path]) -> None:
    """Refuse, before any work, an output that is a folder, cannot be written, or is the input."""
    if output is None:
        return
    from translate.errors import OutputError, SameFileError
    from translate.io import require_regular_output

    # A device, FIFO or socket is never replaced (as root neither).
    require_regular_output(output, "Choose another output path, or leave -o out to print to standard output.")
    if output.is_dir():
        raise OutputError(f"Cannot write {output}: it is a folder. Pass a file path to -o, or leave -o out to print to stdout.")
    if path != "-" and output.exists():
        try:
            same = os.path.samefile(path, output)
        except OSError:
            same = False
        if same:
            raise SameFileError(
                f"The output {output} is the input file; writing it would replace the Norwegian source. "
                "Choose another output path."
            )
    folder = output.parent if str(output.parent) else Path(".")
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # write_atomic creates the missing folders: check the nearest existing one
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise OutputError(f"Cannot write {output}: permission denied. Choose a writable output path.")


def emit(content: str | bytes, output: Optional[Path]) -> None:
    if output is None:
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
            sys.stdout.flush()
        return
    from translate.io import write_atomic

    write_atomic(output, content)


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
