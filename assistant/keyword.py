"""The keyword (BM25) index kept beside the vectors: SQLite FTS5 in the data folder.

Press questions hinge on names, figures and outlets that dense vectors blur; BM25 catches them.
FTS5 gives a persistent, incrementally updated index (insert and delete per release, never a
rebuild) with Okapi BM25 ranking built in, and needs nothing beyond Python's sqlite3.
Rows carry the chunk's content hash, so the retriever can serve live versions only, exactly
as with the vector store.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from assistant.store import Where
from assistant.types import Chunk, date_to_int

_WORD = re.compile(r"[0-9A-Za-z\u00C0-\uFFFF]+")
# Questions are full of words that say nothing about which release answers them.
_QUERY_STOP = frozenset(
    """a an the and or but if of at by for with about to from in on is are was were be been being has have
    had do does did what which who whom whose when where why how that this these those it its as than then
    there their they them he she his her we our you your i me my not no yes can could would should will
    shall may might must also both either any all each other such into over under after before between
    during while according report reported reports article articles news said say says tell""".split()
)


class KeywordRow(NamedTuple):
    chunk_id: str
    release_id: str
    content_hash: str
    score: float
    source: str
    date_int: int


class KeywordIndex:
    """BM25 over chunk text plus title, source and date, in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5("
            "title, meta, body, chunk_id UNINDEXED, release_id UNINDEXED, content_hash UNINDEXED, "
            "date_int UNINDEXED, source UNINDEXED, tokenize='porter unicode61')"
        )
        self._db.commit()

    def add(self, chunks: Sequence[Chunk]) -> None:
        rows = [
            (c.title, " ".join(x for x in (c.source, c.date) if x), c.text, c.id, c.release_id, c.content_hash,
             date_to_int(c.date), c.source or "")
            for c in chunks
        ]
        with self._lock, self._db:
            self._db.executemany("DELETE FROM chunks WHERE chunk_id = ?", [(r[3],) for r in rows])
            self._db.executemany(
                "INSERT INTO chunks(title, meta, body, chunk_id, release_id, content_hash, date_int, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def delete_release(self, release_id: str, keep_hash: str | None = None) -> None:
        """Remove a release's rows (all of them, or all but the live version's)."""
        with self._lock, self._db:
            if keep_hash is None:
                self._db.execute("DELETE FROM chunks WHERE release_id = ?", (release_id,))
            else:
                self._db.execute("DELETE FROM chunks WHERE release_id = ? AND content_hash != ?",
                                 (release_id, keep_hash))

    def chunk_keys(self) -> dict[str, tuple[str, str]]:
        """chunk id -> (release id, content hash), for reconciling with the vector store."""
        with self._lock:
            rows = self._db.execute("SELECT chunk_id, release_id, content_hash FROM chunks").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def delete_chunks(self, ids: Sequence[str]) -> None:
        with self._lock, self._db:
            self._db.executemany("DELETE FROM chunks WHERE chunk_id = ?", [(i,) for i in ids])

    def sources(self) -> dict[str, int]:
        """Every distinct source in the index (outlets, organisations) with its number of chunks."""
        with self._lock:
            rows = self._db.execute("SELECT source, count(*) FROM chunks GROUP BY source").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def search(self, query: str, k: int, where: Where | None = None) -> list[KeywordRow]:
        """Rows best first; the score is BM25 (higher is better)."""
        terms = [t for t in dict.fromkeys(w.lower() for w in _WORD.findall(query)) if t not in _QUERY_STOP]
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms[:64])
        sql = ("SELECT chunk_id, release_id, content_hash, -bm25(chunks, 2.0, 1.0, 1.0) AS s, source, date_int "
               "FROM chunks "
               "WHERE chunks MATCH ?")
        args: list[object] = [match]
        if where is not None:
            if where.since:
                sql += " AND date_int >= ?"
                args.append(where.since)
            if where.until:
                sql += " AND date_int > 0 AND date_int <= ?"
                args.append(where.until)
            if where.sources:
                sql += f" AND source IN ({','.join('?' * len(where.sources))})"
                args.extend(where.sources)
            if where.release_ids:
                sql += f" AND release_id IN ({','.join('?' * len(where.release_ids))})"
                args.extend(where.release_ids)
        sql += " ORDER BY s DESC LIMIT ?"
        args.append(k)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [KeywordRow(r[0], r[1], r[2], float(r[3]), r[4], int(r[5] or 0)) for r in rows]

    def close(self) -> None:
        self._db.close()
