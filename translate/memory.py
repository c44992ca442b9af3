"""The translation memory: English that people wrote or corrected, used before any model.

It is people's work, not something to recompute, so it lives apart from the cache: in the
per-user *data* folder (platformdirs ``user_data_dir("nb2en")``, ``$XDG_DATA_HOME`` honoured),
or ``--memory-dir`` / ``$NB2EN_MEMORY_DIR``; ``nb2en cache clear`` never touches it.

One SQLite row per Norwegian sentence, keyed by its text with whitespace runs collapsed and
trimmed (``normalize``): the English, when it was made and changed, and where it came from
(an import file, ``/suggest``, the page). Every change takes the next value of ``seq``, so
``generation()`` and ``changed_since()`` tell a batch rerun which sentences changed since a
file was written (only those files are redone).

Near misses (``near``): an FTS5 index over the sources finds a few candidates sharing the
query's longest words, and rapidfuzz's ratio (normalized Indel similarity) keeps one of
``NEAR_MIN_SCORE`` or more. They are suggestions only; the pipeline never applies them.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from translate.errors import MemoryStoreError

MEMORY_ENV = "NB2EN_MEMORY_DIR"
APP_NAME = "nb2en"
DB_NAME = "memory.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 60.0
NEAR_MIN_SCORE = 95.0
# Candidates the FTS index hands to the fuzzy scorer, and the query words it searches for.
NEAR_CANDIDATES = 24
NEAR_QUERY_WORDS = 8
_CHUNK = 500
_WORD = re.compile(r"\w+", re.UNICODE)

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS entries (
           id INTEGER PRIMARY KEY,
           source TEXT NOT NULL UNIQUE,
           target TEXT NOT NULL,
           origin TEXT NOT NULL,
           created REAL NOT NULL,
           updated REAL NOT NULL,
           seq INTEGER NOT NULL
       )""",
    "CREATE INDEX IF NOT EXISTS entries_seq ON entries(seq)",
]
# The near-miss index follows the entries table through triggers (an external-content FTS5 table).
_FTS_SCHEMA = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS near USING fts5(
           source, content='entries', content_rowid='id', tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER IF NOT EXISTS entries_ai AFTER INSERT ON entries BEGIN
           INSERT INTO near(rowid, source) VALUES (new.id, new.source); END""",
    """CREATE TRIGGER IF NOT EXISTS entries_ad AFTER DELETE ON entries BEGIN
           INSERT INTO near(near, rowid, source) VALUES ('delete', old.id, old.source); END""",
]



def normalize(text: str) -> str:
    """The lookup form of a sentence: whitespace runs collapsed to one space, ends trimmed."""
    return " ".join(text.split())


def default_memory_dir() -> Path:
    """The per-user data folder (``$XDG_DATA_HOME/nb2en``, else ``~/.local/share/nb2en`` on Linux)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def resolve_memory_dir(memory_dir: str | Path | None = None) -> Path:
    """``--memory-dir``, else ``$NB2EN_MEMORY_DIR``, else the per-user data folder."""
    if memory_dir:
        return Path(memory_dir).expanduser()
    if os.environ.get(MEMORY_ENV):
        return Path(os.environ[MEMORY_ENV]).expanduser()
    return default_memory_dir()


def memory_db_path(memory_dir: str | Path | None = None) -> Path:
    return (resolve_memory_dir(memory_dir) / DB_NAME).absolute()


@dataclass(frozen=True)
class Entry:
    source: str
    target: str
    origin: str
    created: float
    updated: float


@dataclass(frozen=True)
class NearMiss:
    """A close entry shown as a suggestion (never applied): its source, English and score (0-100)."""

    source: str
    target: str
    score: float
    origin: str

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "score": round(self.score, 1), "origin": self.origin}


@dataclass
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}


class NullMemory:
    """No memory (``--no-memory``, or none made yet): every lookup misses."""

    enabled = False
    path = None

    def lookup(self, texts) -> dict[str, Entry]:
        return {}

    def near(self, text: str) -> NearMiss | None:
        return None

    def generation(self) -> int:
        return 0

    def changed_since(self, generation: int) -> set[str]:
        return set()

    def close(self) -> None:
        pass


class Memory:
    """One SQLite file of human translations. Safe to share between threads (one lock).

    ``create=False`` opens an existing file only; a missing one behaves as empty until
    something is stored (``put_many`` creates it then).
    """

    enabled = True

    def __init__(self, directory: str | Path | None = None, create: bool = True):
        self.directory = resolve_memory_dir(directory)
        self.path = memory_db_path(directory)
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self.fts = True
        if create or self.path.exists():
            self._open()

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            self._db = db
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            db.execute("PRAGMA journal_mode = WAL").fetchone()
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise MemoryStoreError(
                    f"The translation memory at {self.path} was written by a newer nb2en (schema {version}). "
                    "Upgrade nb2en, or pass --no-memory."
                )
            if version < SCHEMA_VERSION:
                db.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA:
                    db.execute(statement)
                try:
                    for statement in _FTS_SCHEMA:
                        db.execute(statement)
                except sqlite3.OperationalError:
                    self.fts = False  # an SQLite without FTS5: exact lookups only
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            else:
                self.fts = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'near'").fetchone() is not None
        except sqlite3.Error as error:
            self.close()
            raise MemoryStoreError(
                f"Cannot open the translation memory at {self.path} ({error}). "
                "Check the file and its folder, pass --memory-dir, or --no-memory to translate without it."
            ) from None
        except OSError as error:
            self.close()
            raise MemoryStoreError(
                f"Cannot open the translation memory at {self.path} ({error.strerror or error}). "
                "Pass --memory-dir with a writable folder, or --no-memory."
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> "Memory":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def lookup(self, texts) -> dict[str, Entry]:
        """The entries for ``texts`` (any whitespace), keyed by their normalized text."""
        wanted = sorted({normalize(text) for text in texts} - {""})
        found: dict[str, Entry] = {}
        if self._db is None or not wanted:
            return found
        with self._lock:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in self._db.execute(
                    f"SELECT source, target, origin, created, updated FROM entries WHERE source IN ({marks})", chunk
                ):
                    found[row[0]] = Entry(*row)
        return found

    def near(self, text: str) -> NearMiss | None:
        """The closest entry scoring ``NEAR_MIN_SCORE`` or more (an exact one is a hit, not a near miss)."""
        if self._db is None or not self.fts:
            return None
        query = normalize(text)
        words = sorted({w for w in _WORD.findall(query) if len(w) > 1}, key=lambda w: (-len(w), w))[:NEAR_QUERY_WORDS]
        if not words:
            return None
        from rapidfuzz import fuzz

        # A ratio of 95 or more bounds the length difference: |a - b| <= 0.05 (a + b).
        low, high = int(len(query) * 0.95 / 1.05), int(len(query) * 1.05 / 0.95) + 1
        match = " OR ".join('"' + word.replace('"', '""') + '"' for word in words)
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT e.source, e.target, e.origin FROM near JOIN entries e ON e.id = near.rowid "
                    "WHERE near MATCH ? AND length(e.source) BETWEEN ? AND ? ORDER BY near.rank LIMIT ?",
                    (match, low, high, NEAR_CANDIDATES),
                ).fetchall()
            except sqlite3.OperationalError:
                return None
        best: NearMiss | None = None
        for source, target, origin in rows:
            if source == query:
                continue
            score = fuzz.ratio(query, source, score_cutoff=NEAR_MIN_SCORE)
            if score and (best is None or score > best.score):
                best = NearMiss(source, target, score, origin)
        return best

    def generation(self) -> int:
        """The number of the latest change (0 for an empty memory)."""
        if self._db is None:
            return 0
        with self._lock:
            return self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0]

    def changed_since(self, generation: int) -> set[str]:
        """Normalized sources added or changed after ``generation``."""
        if self._db is None:
            return set()
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT source FROM entries WHERE seq > ?", (generation,))}

    def entries(self) -> list[Entry]:
        """Every entry, oldest first (for export)."""
        if self._db is None:
            return []
        with self._lock:
            rows = self._db.execute("SELECT source, target, origin, created, updated FROM entries ORDER BY id").fetchall()
        return [Entry(*row) for row in rows]

    def count(self) -> int:
        if self._db is None:
            return 0
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def stats(self) -> dict:
        by_origin: dict[str, int] = {}
        if self._db is not None:
            with self._lock:
                for origin, count in self._db.execute("SELECT origin, COUNT(*) FROM entries GROUP BY origin"):
                    by_origin[origin] = count
        size = sum(p.stat().st_size for p in self.path.parent.glob(DB_NAME + "*")) if self.path.exists() else 0
        return {
            "path": str(self.path),
            "exists": self.path.exists(),
            "entries": sum(by_origin.values()),
            "by_origin": by_origin,
            "generation": self.generation(),
            "size_bytes": size,
        }

    # ------------------------------------------------------------------ writing

    def put_many(self, pairs, origin: str, now: float | None = None) -> ImportCounts:
        """Store ``(source, target)`` pairs in one transaction (all or nothing).

        A source already there with the same English is unchanged (keeps its time, origin and
        ``seq``); with other English it is updated. Later pairs for one source win.
        """
        now = time.time() if now is None else now
        counts = ImportCounts()
        latest: dict[str, str] = {}
        for source, target in pairs:
            source, target = normalize(source), normalize(target)
            if source and target:
                latest[source] = target
        if self._db is None:
            self._open()
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0]
                items = list(latest.items())
                existing: dict[str, str] = {}
                for start in range(0, len(items), _CHUNK):
                    chunk = [source for source, _ in items[start : start + _CHUNK]]
                    marks = ",".join("?" * len(chunk))
                    existing.update(db.execute(f"SELECT source, target FROM entries WHERE source IN ({marks})", chunk))
                inserts, updates = [], []
                for source, target in items:
                    if source not in existing:
                        seq += 1
                        inserts.append((source, target, origin, now, now, seq))
                    elif existing[source] != target:
                        seq += 1
                        updates.append((target, origin, now, seq, source))
                    else:
                        counts.unchanged += 1
                db.executemany(
                    "INSERT INTO entries(source, target, origin, created, updated, seq) VALUES (?, ?, ?, ?, ?, ?)", inserts
                )
                db.executemany("UPDATE entries SET target = ?, origin = ?, updated = ?, seq = ? WHERE source = ?", updates)
                db.execute("COMMIT")
            except BaseException as error:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise MemoryStoreError(
                        f"Could not write to the translation memory at {self.path} ({error}); nothing was stored. "
                        "Check the file and its folder, or pass --memory-dir."
                    ) from None
                raise
        counts.added, counts.updated = len(inserts), len(updates)
        return counts


def open_memory(memory_dir: str | Path | None = None, enabled: bool = True) -> Memory | NullMemory:
    """The memory a translation reads (never created by a translation; a missing one is empty)."""
    if not enabled:
        return NullMemory()
    return Memory(memory_dir, create=False)
