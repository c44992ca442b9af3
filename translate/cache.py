"""Content-hash cache of sentence translations and summaries in SQLite.

A key is ``sha256:`` plus the hash of canonical JSON of everything that changes the
output (text, model id and revision, backend, compute type, decoding settings, segmenter
or prompt version), so a changed setting can never return a stale result. One row per
key: ``kind`` ("sentence" or "summary"), the value, its flags, and when it was made.

Several nb2en processes may share one cache file: WAL mode lets readers run beside a
writer, every write takes the write lock up front (``BEGIN IMMEDIATE``) and waits up to
``BUSY_TIMEOUT_S`` for it, and schema migrations run inside that lock, so two processes
opening a fresh cache at once cannot both migrate it. The schema version lives in
``PRAGMA user_version``; a file written by a newer nb2en is refused, never rewritten.

A cache that may be read but not written (a read-only mount, a file or folder you may
not write) is opened read-only: hits are served and ``put_many`` raises
``CacheReadOnlyError``, which the pipeline turns into one warning that new results are
not cached. Permission problems never advise deleting the cache; only real damage (an
SQLite failure on a file we may read) becomes a ``CacheError`` naming ``nb2en cache clear``.
``clear_cache`` deletes the files without opening them, so it works on a corrupt cache.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shlex
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from translate.errors import CacheError, CachePermissionError, CacheReadOnlyError

CACHE_ENV = "NB2EN_CACHE_DIR"
APP_NAME = "nb2en"
_PERMISSION_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)
DB_NAME = "nb2en.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 60.0
KEY_ALGORITHM = "sha256"
_CHUNK = 500  # keys per SELECT (well under SQLite's bound-parameter limit)

# Each version's statements take a cache from the previous version to this one.
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE IF NOT EXISTS entries (
               key TEXT PRIMARY KEY,
               kind TEXT NOT NULL,
               value TEXT NOT NULL,
               flags TEXT NOT NULL DEFAULT '[]',
               created REAL NOT NULL
           )""",
    ],
}


def default_cache_dir() -> Path:
    """The per-user cache folder (platformdirs: ``$XDG_CACHE_HOME/nb2en``, else ``~/.cache/nb2en``
    on Linux), so a cron job and two shells in two folders share one cache."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def resolve_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """``--cache-dir``, else ``$NB2EN_CACHE_DIR``, else the per-user cache folder."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return default_cache_dir()


def cache_db_path(cache_dir: str | Path | None = None) -> Path:
    """The database file for a cache folder (absolute, for messages and ``nb2en cache path``)."""
    return (resolve_cache_dir(cache_dir) / DB_NAME).absolute()


def clear_command(cache_dir: str | Path | None = None) -> str:
    """The exact command that clears this cache (with --cache-dir when it is not the default)."""
    directory = resolve_cache_dir(cache_dir).absolute()
    if directory == resolve_cache_dir(None).absolute():
        return "nb2en cache clear"
    return f"nb2en cache clear --cache-dir {shlex.quote(str(directory))}"


def make_key(kind: str, payload: dict) -> str:
    """A prefixed hash of canonical JSON (sorted keys, no whitespace, UTF-8)."""
    canonical = json.dumps({"kind": kind, **payload}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{KEY_ALGORITHM}:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Cache:
    """One SQLite file; one row per sentence translation or summary.

    ``get_many`` and ``put_many`` are the whole interface the pipeline and the
    summarizers use; rows are ``(key, kind, value, flags)``.
    """

    enabled = True

    def __init__(self, directory: str | Path | None = None):
        self.directory = resolve_cache_dir(directory)
        self.path = cache_db_path(directory)
        self._clear = clear_command(directory)
        self._db: sqlite3.Connection | None = None
        self.read_only = False
        # Why the cache is read-only, for a door that wants to warn at once (the pipeline
        # warns at the first write that is refused).
        self.notice: str | None = None
        try:
            if self._must_open_read_only():
                self._open_read_only()
            else:
                self._open_read_write()
        except sqlite3.DatabaseError as error:
            self.close()
            raise self._error(str(error)) from None
        except OSError as error:
            self.close()
            if error.errno in _PERMISSION_ERRNOS:
                raise CachePermissionError(self.path, error.strerror or str(error)) from None
            raise self._error(error.strerror or str(error)) from None
        except CacheError:
            self.close()
            raise

    def _error(self, reason: str) -> CacheError:
        return CacheError(self.path, reason, self._clear)

    def _must_open_read_only(self) -> bool:
        """A database we may read but not write (or whose folder we may not write: WAL needs it)."""
        if not self.path.exists():
            return False
        if not os.access(self.path, os.R_OK):
            raise CachePermissionError(
                self.path, "permission denied reading it", "Check the file's permissions, or pass --no-cache."
            )
        return not (os.access(self.path, os.W_OK) and os.access(self.directory, os.W_OK | os.X_OK))

    def _open_read_write(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a file in the way, a read-only parent: not a damaged cache
            raise CachePermissionError(
                self.directory,
                f"the folder cannot be created: {error.strerror or error}",
                "Pass --cache-dir with a folder that can be created, or --no-cache.",
            ) from None
        if not self.path.exists() and not os.access(self.directory, os.W_OK | os.X_OK):
            raise CachePermissionError(self.path, "its folder is not writable, so the cache cannot be created")
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._set_wal()
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.OperationalError as error:
            if not _is_permission_error(error) or not self.path.exists():
                raise
            self.close()  # writable by the book but not in fact (e.g. a read-only mount os.access missed)
            self._open_read_only()

    def _open_read_only(self) -> None:
        """``mode=ro`` first (sees a WAL's committed rows); ``immutable=1`` where even the WAL's
        shared-memory file cannot be made (a read-only mount of a cleanly closed cache)."""
        reason = "it is read-only" if not os.access(self.path, os.W_OK) else "its folder is read-only"
        uri = "file:" + quote(str(self.path))
        last_error: sqlite3.Error | None = None
        for flags in ("mode=ro", "mode=ro&immutable=1"):
            try:
                self._db = sqlite3.connect(f"{uri}?{flags}", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                version = self._version()
                self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                break
            except sqlite3.OperationalError as error:
                last_error = error
                self.close()
        else:
            raise last_error  # type: ignore[misc]
        self._check_version(version)
        if version < SCHEMA_VERSION:
            self.close()
            raise CachePermissionError(
                self.path,
                f"{reason} and was made by an older nb2en (schema {version})",
                "Open it once with write access to upgrade it, or pass --cache-dir with a writable folder.",
            )
        self.read_only = True
        self.notice = (
            f"the cache at {self.path} is read-only ({reason}): cached results are used, new ones are not saved."
        )

    def _set_wal(self) -> None:
        """Switch to WAL; on a brand-new file another process may hold the lock for a moment."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as error:
                transient = "locked" in str(error) or "busy" in str(error)
                if not transient or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise self._error(
                f"it was written by a newer nb2en (cache schema {version}; this nb2en reads up to "
                f"{SCHEMA_VERSION}); upgrade nb2en to keep using it"
            )

    def _migrate(self) -> None:
        """Bring the schema up to ``SCHEMA_VERSION``, one version per transaction."""
        self._check_version(self._version())
        while self._version() < SCHEMA_VERSION:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                version = self._version()  # re-read under the write lock: another process may have migrated
                self._check_version(version)
                if version < SCHEMA_VERSION:
                    for statement in _MIGRATIONS[version + 1]:
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {version + 1}")
                self._db.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._db is not None and self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the transaction is gone already; the error being raised says why

    @property
    def schema_version(self) -> int:
        return self._version()

    def get_many(self, keys: list[str]) -> dict[str, tuple[str, list[str]]]:
        """The cached (value, flags) for each key present."""
        found: dict[str, tuple[str, list[str]]] = {}
        unique = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, value, flags in self._db.execute(
                    f"SELECT key, value, flags FROM entries WHERE key IN ({marks})", chunk
                ):
                    found[key] = (value, json.loads(flags))
        except sqlite3.DatabaseError as error:
            raise self._error(str(error)) from None
        except ValueError as error:
            raise self._error(f"an entry is damaged: {error}") from None
        return found

    def put_many(self, rows: list[tuple[str, str, str, list[str]]]) -> None:
        """Store (key, kind, value, flags) rows in one transaction."""
        if not rows:
            return
        if self.read_only:
            raise CacheReadOnlyError(self.path)
        now = time.time()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO entries (key, kind, value, flags, created) VALUES (?, ?, ?, ?, ?)",
                [(key, kind, value, json.dumps(flags), now) for key, kind, value, flags in rows],
            )
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            self._rollback()
            if _is_permission_error(error):
                raise CacheReadOnlyError(self.path, f"it cannot be written: {error}") from None
            raise self._error(str(error)) from None

    def stats(self) -> dict:
        try:
            by_kind = dict(self._db.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind").fetchall())
            oldest, newest = self._db.execute("SELECT MIN(created), MAX(created) FROM entries").fetchone()
        except sqlite3.DatabaseError as error:
            raise self._error(str(error)) from None
        return {
            "path": str(self.path),
            "exists": True,
            "schema_version": self._version(),
            "entries": sum(by_kind.values()),
            "by_kind": by_kind,
            "size_bytes": _size_on_disk(self.directory),
            "oldest": oldest,
            "newest": newest,
        }

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NullCache:
    """``--no-cache``: remembers nothing, so every sentence goes to the model."""

    enabled = False
    path = None

    def get_many(self, keys: list[str]) -> dict[str, tuple[str, list[str]]]:
        return {}

    def put_many(self, rows) -> None:
        return None

    def close(self) -> None:
        return None


def _is_permission_error(error: sqlite3.Error) -> bool:
    """SQLite's words for "you may not write this" (as opposed to a damaged file)."""
    text = str(error).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text


def _size_on_disk(directory: Path) -> int:
    """Bytes of the database and its WAL and shared-memory files."""
    return sum(p.stat().st_size for p in directory.glob(DB_NAME + "*") if p.is_file())


def cache_stats(directory: str | Path | None = None) -> dict:
    """Entries and size; a cache that does not exist yet is reported empty and not created."""
    path = cache_db_path(directory)
    if not path.exists():
        return {
            "path": str(path),
            "exists": False,
            "schema_version": None,
            "entries": 0,
            "by_kind": {},
            "size_bytes": 0,
            "oldest": None,
            "newest": None,
        }
    with Cache(directory) as cache:
        return cache.stats()


def clear_cache(directory: str | Path | None = None, models: bool = False) -> list[Path]:
    """Delete the cache database (even a corrupt one), and converted models if asked."""
    import shutil

    root = resolve_cache_dir(directory)
    removed = []
    for path in sorted(root.glob(DB_NAME + "*")):
        path.unlink(missing_ok=True)
        removed.append(path)
    if models and (root / "ct2").exists():
        shutil.rmtree(root / "ct2")
        removed.append(root / "ct2")
    return removed
