"""The keyword index's SQLite file: its schema, its connections, and starting over when it is damaged.

``assistant.keyword`` indexes and ranks; this module owns the file underneath. One writer connection is shared
under a lock; each searching thread reads through a connection of its own (WAL lets readers run beside each
other and the writer). The file is derived state (the vector store is the source of truth), so a damaged or
foreign file is set aside with a warning and the index starts empty, to be refilled by the next sync.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import writes_index

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("assistant.keyword")  # one logger for the keyword index, whichever module speaks


def pack_vectors(m: np.ndarray) -> bytes:
    """Unit-length rows as int8 with one float32 scale each: a quarter of float32's bytes, cosines within 0.01."""
    import numpy as np

    m = np.asarray(m, dtype=np.float32).reshape(len(m), -1)
    scale = np.maximum(np.abs(m).max(axis=1), 1e-12) / 127.0
    q = np.round(m / scale[:, None]).astype(np.int8)
    return np.array(m.shape, dtype=np.uint32).tobytes() + scale.astype(np.float32).tobytes() + q.tobytes()


def unpack_vectors(blob: bytes) -> np.ndarray:
    import numpy as np

    n, d = (int(v) for v in np.frombuffer(blob, dtype=np.uint32, count=2))
    scale = np.frombuffer(blob, dtype=np.float32, count=n, offset=8)
    q = np.frombuffer(blob, dtype=np.int8, count=n * d, offset=8 + 4 * n).reshape(n, d)
    return q.astype(np.float32) * scale[:, None]


def _corrupt(e: sqlite3.DatabaseError) -> bool:
    """A damaged or foreign file ('database disk image is malformed', 'file is not a database'), not a busy one."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    return "malformed" in str(e) or "not a database" in str(e)


class KeywordFile:
    """The SQLite file of a keyword index: tables ``chunks`` (FTS5), ``keys``, ``sentences``, ``state``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        # Searches read through a connection of their own thread (WAL lets readers run beside each other and
        # the writer), so a question's BM25 searches need not queue behind the shared connection's lock.
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._forget()
        try:
            self._open()
        except sqlite3.DatabaseError as e:
            if not _corrupt(e):
                raise
            self._start_over(e)

    def _safely(self, read: Callable[[], Any], empty: Any = None) -> Any:
        """``read()``, or ``empty`` after starting over when it meets damage that opening the file did not reach
        (a page in the middle): that one read goes without keyword rows, and the next sync refills the index."""
        try:
            return read()
        except sqlite3.DatabaseError as e:
            if not _corrupt(e):
                raise
            self._start_over(e)
            return [] if empty is None else empty

    def _start_over(self, error: sqlite3.DatabaseError) -> None:
        """Set a damaged file aside (kept for inspection) and start empty, with a warning saying so.

        The index is derived state: with no generation recorded, the next sync copies every live chunk back
        from the vector store (text only, nothing is re-embedded).
        """
        with self._lock:
            for db in [*self._readers, getattr(self, "_db", None)]:
                if db is not None:
                    db.close()
            self._readers.clear()
            self._local = threading.local()
            aside = self.path.with_name(self.path.name + ".corrupt")
            self.path.replace(aside)
            for suffix in ("-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            log.warning("the keyword index %s could not be read (%s); moved it to %s and rebuilding it from the "
                        "vector store", self.path, error, aside.name)
            self._open()
            self._forget()

    def _forget(self) -> None:
        """Drop whatever a subclass derived from the file's contents (called at start and after starting over)."""

    @property
    def location(self) -> str:
        return str(self.path)

    @writes_index
    def _open(self) -> None:
        """Connect and create the tables (a no-op on an existing index); raises ``DatabaseError`` on a bad file."""
        path = self.path
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
            "title, meta, body, chunk_id UNINDEXED, release_id UNINDEXED, content_hash UNINDEXED, "
            "date_int UNINDEXED, source UNINDEXED, tokenize='porter unicode61')"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        # One row per chunk, its id the FTS row's rowid: lookups and deletes by chunk or release use indexes
        # (the FTS table can only scan), and dense hits get their release, hash, source and date from here.
        self._db.execute("CREATE TABLE IF NOT EXISTS keys (id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, "
                         "release_id TEXT NOT NULL, content_hash TEXT NOT NULL, source TEXT NOT NULL, "
                         "date_int INTEGER NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS keys_release ON keys (release_id, content_hash)")
        # Each chunk's sentence vectors (int8, see ``pack_vectors``), for the re-scorer; a chunk without a row
        # (synced from another process, or indexed before the table) gets them when first re-scored.
        self._db.execute("CREATE TABLE IF NOT EXISTS sentences (id INTEGER PRIMARY KEY, vecs BLOB NOT NULL)")
        # Each release's body sentence spans (``assistant.answering.context``), keyed by a hash of its text and of
        # the rules that find them: splitting a long release costs more than the rest of answering from it.
        self._db.execute("CREATE TABLE IF NOT EXISTS bodies (release_id TEXT PRIMARY KEY, text_key TEXT NOT NULL, "
                         "spans BLOB NOT NULL)")
        # Document frequencies of the (porter-stemmed) terms, for the re-scorer's term weights.
        self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks, 'row')")
        if self._db.execute("SELECT count(*) FROM keys").fetchone()[0] == 0:  # a file from before the table
            self._db.execute("INSERT OR IGNORE INTO keys SELECT rowid, chunk_id, release_id, content_hash, "
                             "coalesce(source, ''), coalesce(date_int, 0) FROM chunks")
            self._db.execute("DELETE FROM chunks WHERE rowid NOT IN (SELECT id FROM keys)")
        self._db.commit()

    def _state(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @writes_index
    def _set_state(self, key: str, value: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", (key, value))

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection, opened on first use."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._local.db = db
            with self._lock:
                self._readers.append(db)
        return db

    def close(self) -> None:
        with self._lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
        self._local = threading.local()
        self._db.close()
