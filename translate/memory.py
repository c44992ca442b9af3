"""The translation memory: English that people wrote or corrected, used before any model.

It is people's work, not something to recompute, so it lives apart from the cache: in the
per-user *data* folder (platformdirs ``user_data_dir("nb2en")``, ``$XDG_DATA_HOME`` honoured),
or ``--memory-dir`` / ``$NB2EN_MEMORY_DIR``; ``nb2en cache clear`` never touches it.

One SQLite row per Norwegian sentence, keyed by its text with whitespace runs collapsed and
trimmed (``normalize``): the English, when it was made and changed, and where it came from
(an import file, ``/suggest``, the page). Every change takes the next value of ``seq``, so
``generation()`` and ``changed_since()`` tell a batch rerun which sentences changed since a
file was written (only those files are redone).

Near misses (``near``): each source is stored with ``NEAR_BANDS`` MinHash band keys over its
words (locality-sensitive hashing: two sentences that share almost all their words share a
band with near certainty; unrelated ones almost never), so candidates are a few index seeks
whatever the memory's size; rapidfuzz's ratio (normalized Indel similarity) then keeps one of
``NEAR_MIN_SCORE`` or more. They are suggestions only; the pipeline never applies them.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import struct
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
# MinHash LSH: bands of rows hashes each. A sentence with one word of 15 changed (word
# Jaccard ~0.88) shares a band with probability 1 - (1 - 0.88^3)^5 > 0.99, with two changed
# (0.76) ~0.9; one sharing half its words (0.33) ~0.17; unrelated ones almost never.
NEAR_BANDS, NEAR_ROWS = 5, 3
NEAR_CANDIDATES = 16
# Short sentences (few words: one changed word moves the Jaccard a lot) also get one key per
# word left out, plus one for all their words: a substituted, added or dropped word matches exactly.
NEAR_SHORT_WORDS = 12
_PRIME = (1 << 61) - 1
_LAYOUT = struct.Struct("<16I")  # a 64-byte BLAKE2b digest as 16 hash values (NEAR_BANDS * NEAR_ROWS <= 16)
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
    # The near-miss index: an entry's MinHash band keys (its source never changes; updates change the English).
    "CREATE TABLE IF NOT EXISTS near_keys (key INTEGER NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID",
]



def normalize(text: str) -> str:
    """The lookup form of a sentence: whitespace runs collapsed to one space, ends trimmed."""
    return " ".join(text.split())


def near_keys(text: str) -> list[int]:
    """The MinHash band keys of a sentence's words (lowercased); none without words.

    Each word's hash values are the 32-bit words of one BLAKE2b digest; the signature is
    their column-wise minimum over the words. Short sentences add their leave-one-out keys.
    """
    sequence = _WORD.findall(text.lower())
    words = set(sequence)
    if not words:
        return []
    mins = [min(column) for column in zip(*(_LAYOUT.unpack(hashlib.blake2b(w.encode("utf-8")).digest()) for w in words))]
    keys = []
    for band in range(NEAR_BANDS):
        key = band
        for value in mins[band * NEAR_ROWS : (band + 1) * NEAR_ROWS]:
            key = (key << 32 | value) % _PRIME
        keys.append(key)
    if len(sequence) <= NEAR_SHORT_WORDS:
        for left_out in range(-1, len(sequence)):
            kept = "\x1f".join(word for k, word in enumerate(sequence) if k != left_out)
            keys.append(int.from_bytes(hashlib.blake2b(kept.encode("utf-8"), digest_size=8).digest(), "little") >> 1)
    return keys


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
            db.execute("PRAGMA cache_size = -65536")  # 64 MiB: a big import's index pages stay in memory
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
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
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

    def _ready(self) -> bool:
        """Whether there is a database to read; one made since this object was opened is opened now
        (a server whose memory gets its first entry from ``/suggest``)."""
        if self._db is None and self.path.exists():
            with self._lock:
                if self._db is None:
                    self._open()
        return self._db is not None

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
        if not wanted or not self._ready():
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
        if not self._ready():
            return None
        query = normalize(text)
        keys = near_keys(query)
        if not keys:
            return None
        from rapidfuzz import fuzz

        # A ratio of 95 or more bounds the length difference: |a - b| <= 0.05 (a + b).
        low, high = int(len(query) * 0.95 / 1.05), int(len(query) * 1.05 / 0.95) + 1
        marks = ",".join("?" * len(keys))
        with self._lock:
            # The entries sharing the most keys first: a near miss shares nearly all of them.
            rows = self._db.execute(
                f"SELECT e.source, e.target, e.origin FROM (SELECT id, COUNT(*) AS shared FROM near_keys "
                f"WHERE key IN ({marks}) GROUP BY id ORDER BY shared DESC LIMIT ?) c JOIN entries e ON e.id = c.id "
                "WHERE length(e.source) BETWEEN ? AND ?",
                (*keys, NEAR_CANDIDATES, low, high),
            ).fetchall()
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
        if not self._ready():
            return 0
        with self._lock:
            return self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM entries").fetchone()[0]

    def changed_since(self, generation: int) -> set[str]:
        """Normalized sources added or changed after ``generation``."""
        if not self._ready():
            return set()
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT source FROM entries WHERE seq > ?", (generation,))}

    def entries(self) -> list[Entry]:
        """Every entry, oldest first (for export)."""
        if not self._ready():
            return []
        with self._lock:
            rows = self._db.execute("SELECT source, target, origin, created, updated FROM entries ORDER BY id").fetchall()
        return [Entry(*row) for row in rows]

    def count(self) -> int:
        if not self._ready():
            return 0
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def stats(self) -> dict:
        by_origin: dict[str, int] = {}
        if self._ready():
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
                next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM entries").fetchone()[0]
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
                        inserts.append((next_id + len(inserts), source, target, origin, now, now, seq))
                    elif existing[source] != target:
                        seq += 1
                        updates.append((target, origin, now, seq, source))
                    else:
                        counts.unchanged += 1
                db.executemany(
                    "INSERT INTO entries(id, source, target, origin, created, updated, seq) VALUES (?, ?, ?, ?, ?, ?, ?)", inserts
                )
                # In key order: a B-tree filled in order is many times faster than at random.
                db.executemany(
                    "INSERT OR IGNORE INTO near_keys(key, id) VALUES (?, ?)",
                    sorted((key, row[0]) for row in inserts for key in near_keys(row[1])),
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


class Suggestions:
    """Where ``POST /suggest`` (and the page's in-place correction) store a reader's English.

    LibreTranslate's parameters: ``q`` the Norwegian, ``s`` the English, ``source`` and
    ``target`` the languages. The pair is stored as one entry (its text normalized), origin
    ``/suggest``; only Norwegian to English is accepted (``auto`` counts as Norwegian).
    """

    ORIGIN = "/suggest"

    def __init__(self, memory: "Memory"):
        self.memory = memory

    def add(self, q: str, s: str, source: str, target: str) -> ImportCounts:
        from translate.errors import UsageError
        from translate.memory_io import is_english, is_norwegian

        if not (source == "auto" or is_norwegian(source)) or not is_english(target):
            raise UsageError(
                f"Suggestions are kept for Norwegian to English only, not {source} to {target}."
            )
        if not normalize(q) or not normalize(s):
            raise UsageError("Invalid request: q and s must not be empty")
        return self.memory.put_many([(q, s)], origin=self.ORIGIN)

    def close(self) -> None:
        self.memory.close()


def suggestion_store(memory_dir: str | Path | None = None) -> Suggestions:
    """Where a server started with ``--suggestions`` keeps what readers send (made if missing)."""
    return Suggestions(Memory(memory_dir))


def open_memory(memory_dir: str | Path | None = None, enabled: bool = True) -> Memory | NullMemory:
    """The memory a translation reads (never created by a translation; a missing one is empty)."""
    if not enabled:
        return NullMemory()
    return Memory(memory_dir, create=False)
