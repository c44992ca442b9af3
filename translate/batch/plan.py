"""What a run has to do: discovery, the resume state journal, the OUT_DIR lock, the plan.

Only regular files inside IN_DIR are inputs; a FIFO, socket or device that matches the
pattern is reported and never opened (opening a FIFO blocks). A pattern that reaches out
of IN_DIR (absolute, or with ``..``) is refused, and a match whose real path is outside
IN_DIR (a symbolic link out) is reported, so no input comes from outside IN_DIR and no
output goes outside OUT_DIR.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Callable

from translate.batch.common import (
    LOCK_NAME,
    REPORT_NAME,
    SKIPPED,
    STATE_NAME,
    STATE_VERSION,
    BatchItem,
    BatchOptions,
    make_row,
    output_relative,
    sha256_bytes,
    sha256_file,
)
from translate.errors import BatchInterrupted, InputError, OutputError, UsageError
from translate.io import is_temp_output, require_regular_output, write_atomic

_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# --------------------------------------------------------------------------- discovery


def check_folders(options: BatchOptions) -> None:
    """Refuse a missing or non-folder IN_DIR, an OUT_DIR that is a file or holds IN_DIR, a bad pattern."""
    in_dir, out_dir = Path(options.in_dir), Path(options.out_dir)
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
    if options.pattern is not None:
        check_pattern(options.pattern)


def check_pattern(pattern: str) -> None:
    """A pattern must stay inside IN_DIR: relative, without ``..``."""
    bad = (
        not pattern
        or PurePosixPath(pattern).is_absolute()
        or PureWindowsPath(pattern).is_absolute()
        or pattern.startswith(("/", "\\", "~"))
        or ".." in PurePosixPath(pattern.replace("\\", "/")).parts
    )
    if bad:
        raise UsageError(
            f"Bad --pattern '{pattern}': it must be a glob relative to IN_DIR that stays inside it "
            "(no leading /, no ..). Use a pattern such as '**/*.txt'."
        )


def file_problem(path: Path, in_real: Path) -> str | None:
    """Why ``path`` cannot be an input (not a regular file, or really outside IN_DIR), else None."""
    try:
        info = path.stat()  # follows links; never opens the file
    except OSError as error:
        return f"Cannot read {path}: {error.strerror or error}."
    for test, kind in _FILE_KINDS:
        if test(info.st_mode):
            return f"{path} is {kind}, not a regular file; only regular files are translated, so it was skipped."
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file; only regular files are translated, so it was skipped."
    if not _within(path.resolve(), in_real):
        return f"{path} leads outside the input folder; only files inside IN_DIR are translated, so it was skipped."
    return None


def discover(options: BatchOptions, fmt: str, stop: Callable[[], bool] = lambda: False) -> list[BatchItem]:
    """Files under IN_DIR matching the pattern, in path order; nothing from inside OUT_DIR.

    ``stop`` is polled while the folder is searched (``BatchInterrupted`` when set).
    """
    check_folders(options)
    in_dir = Path(options.in_dir)
    in_real = in_dir.resolve()
    out_abs = Path(options.out_dir).resolve()
    matches = []
    from translate.formats import discoverable

    try:
        for path in in_dir.glob(options.pattern or "**/*"):
            if options.pattern is None and (path.is_dir() or not discoverable(path)):
                continue  # by default: every file of a supported format
            if stop():
                raise BatchInterrupted()
            matches.append(path)
    except (ValueError, NotImplementedError) as error:
        raise UsageError(f"Bad --pattern '{options.pattern}': {error}. Use a relative glob such as '**/*.txt'.") from None
    items: list[BatchItem] = []
    claimed: dict[str, str] = {}
    for path in sorted(matches):
        if path.is_dir():  # a folder whose name matches; its files are matched on their own
            continue
        if _within(path.resolve(), out_abs) or _within(path.absolute(), out_abs):
            continue
        relative = path.relative_to(in_dir)
        out_rel = output_relative(relative, fmt)
        item = BatchItem(path, relative.as_posix(), Path(options.out_dir) / out_rel, out_rel.as_posix())
        item.problem = file_problem(path, in_real)
        if item.problem is None and item.output_relative in claimed:
            item.problem = (
                f"Its output {item.output_relative} would overwrite that of {claimed[item.output_relative]}. "
                "Rename one of them, or narrow --pattern."
            )
        elif item.problem is None:
            claimed[item.output_relative] = item.relative
        items.append(item)
    return items


# --------------------------------------------------------------------------- OUT_DIR


def prepare_out_dir(out_dir: Path) -> None:
    """Create OUT_DIR and make sure it can be written (a clear usage error if not)."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"Cannot create the output folder {out_dir}: {error.strerror or error}. Choose a writable folder.") from None
    for name in (LOCK_NAME, STATE_NAME, REPORT_NAME):  # a FIFO there would block the run, a device be replaced
        require_regular_output(out_dir / name)


def cannot_write(out_dir: Path, error: OSError) -> OutputError:
    return OutputError(
        f"Cannot write to the output folder {out_dir}: {error.strerror or error}. "
        "Choose a folder you can write to, or fix its permissions."
    )


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


class OutDirLock:
    """An advisory lock on OUT_DIR for the length of a run (released by the OS on a kill)."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / LOCK_NAME
        self._handle = None

    def __enter__(self) -> "OutDirLock":
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return self
        try:
            self._handle = open(self.path, "a")
        except OSError as error:
            raise cannot_write(self.path.parent, error) from None
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            self._handle = None
            raise UsageError(
                f"Another `nb2en batch` is writing to {self.path.parent}. Wait for it to finish, or choose another output folder."
            ) from None
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


# --------------------------------------------------------------------------- resume state


class OutputState:
    """The append-only journal of finished outputs in OUT_DIR (see ``translate.batch``).

    ``with OutputState(out_dir) as state`` loads it, rewrites it compactly (atomically) and
    keeps it open for appending until the block ends.
    """

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / STATE_NAME
        self.entries: dict[str, dict] = {}
        self._handle = None

    def __enter__(self) -> "OutputState":
        self.load()
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def load(self) -> None:
        """Read the journal line by line; a torn or undecodable line costs that line only."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError:
            data = b""  # unreadable journal: everything is redone, nothing is wrongly skipped
        for raw in data.split(b"\n"):
            try:
                entry = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue  # a line torn by a kill
            if not isinstance(entry, dict) or entry.get("v") != STATE_VERSION or "output" not in entry:
                continue
            if entry.get("removed"):
                self.entries.pop(entry["output"], None)
            else:
                self.entries[entry["output"]] = entry

    def open(self) -> None:
        content = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in self.entries.values())
        write_atomic(self.path, content)
        try:
            self._handle = open(self.path, "a", encoding="utf-8")
        except OSError as error:
            raise cannot_write(self.path.parent, error) from None

    def is_current(self, item: BatchItem, fingerprint: str) -> dict | None:
        entry = self.entries.get(item.output_relative)
        if (
            entry is None
            or item.source_sha256 is None
            or entry.get("source") != item.relative
            or entry.get("source_sha256") != item.source_sha256
            or entry.get("settings") != fingerprint
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


# --------------------------------------------------------------------------- the plan


@dataclass
class Plan:
    """The work: files to translate (in order) and the report rows of files already done."""

    pending: list[BatchItem] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def make_plan(
    items: list[BatchItem],
    state: OutputState,
    fingerprint: str,
    force: bool = False,
    stop: Callable[[], bool] = lambda: False,
    memory: "MemoryCheck | None" = None,
) -> Plan:
    """Keep the inputs whose output is not current.

    Only an input the journal knows is hashed here (to compare it); every other one is
    read and hashed once, when it is translated. ``stop`` is polled between files
    (``BatchInterrupted`` when set). ``memory`` redoes an otherwise current output when one
    of its sentences changed in the translation memory since it was written.
    """
    plan = Plan()
    for item in items:
        if stop():
            raise BatchInterrupted()
        if item.problem is None and item.output_relative in state.entries:
            try:
                item.source_sha256 = sha256_bytes(item.source.read_bytes())
            except OSError:
                item.source_sha256 = None  # reading it again says why, when it is processed
        entry = None if force or item.problem else state.is_current(item, fingerprint)
        if entry is not None and memory is not None:
            entry = memory.still_current(item, entry, state)
        if entry is None:
            plan.pending.append(item)
            continue
        plan.skipped.append(
            make_row(
                item,
                SKIPPED,
                sentences=entry.get("sentences", 0),
                words=entry.get("words", 0),
                flags=entry.get("flags", []),
            )
        )
    return plan


# --------------------------------------------------------------------------- the memory


class MemoryCheck:
    """Which outputs the translation memory changed since they were written.

    A state line records the memory generation (and file) its output saw. A rerun reads an
    otherwise current input again (no model) only when the memory changed since; it is redone
    if one of its sentences is among the changed entries, else its line moves to the new
    generation and it is skipped. Like a glossary term: only what a correction matches is redone.
    """

    def __init__(self, memory, settings):
        self.memory = memory
        self.settings = settings
        self.generation = memory.generation()
        self.path = str(memory.path) if memory.path is not None else None
        self._changed: dict[int, set[str]] = {}

    def state_fields(self) -> dict:
        return self.settings.memory_fields(self.generation, self.path)

    def still_current(self, item: BatchItem, entry: dict, state: OutputState) -> dict | None:
        """``entry`` (perhaps moved to this generation) if the output still holds, else None."""
        seen = entry.get("memory", 0)
        if not isinstance(seen, int) or entry.get("memory_path") not in (None, self.path):
            return None
        if seen >= self.generation:
            return entry
        if seen not in self._changed:
            self._changed[seen] = self.memory.changed_since(seen)
        changed = self._changed[seen]
        if changed:
            from translate.formats import read_document
            from translate.memory import normalize

            try:
                document = read_document(
                    item.source.read_bytes(), str(item.source), self.settings.input_format, self.settings.encoding
                )
            except Exception:  # noqa: BLE001 - whatever it is, translating it again reports it
                return None
            if any(normalize(s.source) in changed for s in document.article.sentences()):
                return None
        moved = {**entry, **self.state_fields()}
        moved.pop("v", None)
        state.record(moved)
        return moved
