"""The keyword (BM25) index kept beside the vectors: SQLite FTS5 in the data folder.

Press questions hinge on names, figures and outlets that dense vectors blur; BM25 catches them.
FTS5 gives a persistent, incrementally updated index (insert and delete per release, never a
rebuild) with Okapi BM25 ranking built in, and needs nothing beyond Python's sqlite3.
Rows carry the chunk's content hash, so the retriever can serve live versions only, exactly
as with the vector store.

The vector store is the source of truth; this index is derived state that each app process
keeps for itself (one file per process or host, never shared over a network). ``sync`` brings
it up to date from the store's release records, incrementally: only releases whose live hash
or chunk count differs are fetched (their text, never re-embedded). ``follow`` runs it when the
store's generation token has changed, checked at most every few seconds, so replicas serving one
Chroma server see each other's ingests and deletes. Between a change and the next check, stale
rows are harmless (searches drop chunks whose hash is not live) and a missing row only costs a
keyword match for a moment.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from assistant.errors import writes_index
from assistant.keyword_db import KeywordFile, pack_vectors, unpack_vectors
from assistant.records import Where
from assistant.text import QUERY_STOPWORDS
from assistant.types import Chunk, date_to_int

if TYPE_CHECKING:
    import numpy as np

    from assistant.store import ChromaStore

__all__ = ["KeyRow", "KeywordIndex", "KeywordRow", "pack_vectors", "unpack_vectors"]
_WORD = re.compile(r"[0-9A-Za-z\u00C0-\uFFFF]+")
# Questions are full of words that say nothing about which release answers them (the re-scorer drops them too).
QUERY_STOP = QUERY_STOPWORDS


# Keyword search on large indexes ranks by the selective terms of a question only (see ``KeywordIndex._selective``):
# from 20k rows, those in at most a tenth of the rows, rarest first while the rows they hold add up to at most 20k.
# (rows from, share of the rows a kept term may be in, rows all kept terms may hold or 0 for no limit), largest first
PRUNING = ((20_000, 0.1, 20_000),)


class KeywordRow(NamedTuple):
    chunk_id: str
    release_id: str
    content_hash: str
    score: float
    source: str
    date_int: int


class KeyRow(NamedTuple):
    chunk_id: str
    release_id: str
    content_hash: str
    source: str
    date_int: int


class KeywordIndex(KeywordFile):
    """BM25 over chunk text plus title, source and date, in one SQLite file (``KeywordFile``)."""

    def __init__(self, path: Path) -> None:
        self._sync_lock = threading.Lock()
        super().__init__(path)

    def _forget(self) -> None:
        self._checked = float("-inf")  # when ``follow`` last looked at the store's generation
        self._rows: int | None = None  # cached row count for doc_freqs; None after any write
        self._term_rows: dict[str, int] = {}  # query term -> rows holding it, for large indexes; cleared by writes
        self._stem_rows: dict[str, int] = {}  # stem -> rows holding it (``doc_freqs``); cleared by writes

    # ---- following the vector store ----------------------------------------------------------
    def release_counts(self) -> dict[tuple[str, str], int]:
        """(release id, content hash) -> rows held, for comparing with the store's release records."""
        def read() -> list[tuple]:
            with self._lock:
                return self._db.execute(
                    "SELECT release_id, content_hash, count(*) FROM keys GROUP BY release_id, content_hash").fetchall()

        return {(r[0], r[1]): int(r[2]) for r in self._safely(read)}

    @writes_index
    def sync(self, store: ChromaStore, *, force: bool = False) -> dict[str, int]:
        """Make this index hold exactly the store's live chunks; a no-op when the generation is unchanged.

        The generation is read before the records, so a change made during the sync is seen by the next one.
        """
        generation = store.generation()
        if not force and generation == self._state("generation"):
            return {"keyword_rows_dropped": 0, "keyword_rows_added": 0}
        live = store.release_states()
        held = self.release_counts()
        stale = [key for key in held if live.get(key[0], ("",))[0] != key[1]]
        todo = {rid: state for rid, state in live.items() if held.get((rid, state[0])) != state[1]}
        dropped = sum(held[key] for key in stale)
        with self._lock, self._db:
            self._drop("release_id = ? AND content_hash = ?", stale)
            self._drop("release_id = ?", [(rid,) for rid in todo])  # one held incompletely is fetched whole again
        dropped += sum(n for key, n in held.items() if key[0] in todo and key not in stale)
        added = 0
        for part in store.iter_live_chunks(todo):  # a batch at a time: a new replica may copy a million chunks
            self.add(part)
            added += len(part)
        self._set_state("generation", generation)
        return {"keyword_rows_dropped": dropped, "keyword_rows_added": added}

    def follow(self, store: ChromaStore, every: float) -> None:
        """``sync`` when the store may have changed: checked at most every ``every`` seconds, never twice at once."""
        now = time.monotonic()
        if now - self._checked < every or not self._sync_lock.acquire(blocking=False):
            return
        try:
            self._checked = now
            self.sync(store)
        finally:
            self._sync_lock.release()

    @writes_index
    def add(self, chunks: Sequence[Chunk], sentence_vectors: Sequence[np.ndarray] | None = None) -> None:
        """Index chunks (replacing rows of the same ids), with each chunk's sentence vectors when given."""
        packed = [pack_vectors(v) for v in sentence_vectors] if sentence_vectors is not None else None
        rows = [
            (c.title, " ".join(x for x in (c.source, c.date) if x), c.text, c.id, c.release_id, c.content_hash,
             date_to_int(c.date), c.source or "")
            for c in chunks
        ]
        with self._lock, self._db:
            self._drop("chunk_id = ?", [(r[3],) for r in rows])
            for n, r in enumerate(rows):
                rowid = self._db.execute(
                    "INSERT INTO keys (chunk_id, release_id, content_hash, source, date_int) VALUES (?, ?, ?, ?, ?)",
                    (r[3], r[4], r[5], r[7], r[6])).lastrowid
                self._db.execute(
                    "INSERT INTO chunks(rowid, title, meta, body, chunk_id, release_id, content_hash, date_int, "
                    "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (rowid, *r))
                if packed is not None:
                    self._db.execute("INSERT OR REPLACE INTO sentences (id, vecs) VALUES (?, ?)", (rowid, packed[n]))

    def _drop(self, condition: str, params: Sequence[Sequence[object]]) -> None:
        """Delete the rows whose keys match ``condition`` (once per parameter tuple); call inside a transaction."""
        self._rows = None
        self._term_rows.clear()
        self._stem_rows.clear()
        for p in params:
            ids = [(r[0],) for r in self._db.execute(f"SELECT id FROM keys WHERE {condition}", tuple(p))]
            self._db.executemany("DELETE FROM chunks WHERE rowid = ?", ids)
            self._db.executemany("DELETE FROM sentences WHERE id = ?", ids)
            self._db.executemany("DELETE FROM keys WHERE id = ?", ids)

    @writes_index
    def delete_release(self, release_id: str, keep_hash: str | None = None) -> None:
        """Remove a release's rows (all of them, or all but the live version's)."""
        with self._lock, self._db:
            if keep_hash is None:
                self._drop("release_id = ?", [(release_id,)])
                self._db.execute("DELETE FROM bodies WHERE release_id = ?", (release_id,))
            else:
                self._drop("release_id = ? AND content_hash != ?", [(release_id, keep_hash)])

    def chunk_keys(self) -> dict[str, tuple[str, str]]:
        """chunk id -> (release id, content hash), for reconciling with the vector store."""
        with self._lock:
            rows = self._db.execute("SELECT chunk_id, release_id, content_hash FROM keys").fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def lookup(self, ids: Sequence[str]) -> dict[str, KeyRow]:
        """What ranking needs to know of each chunk (release, hash, source, date), for the ids held here."""
        rows = self._by_chunk_ids("SELECT chunk_id, release_id, content_hash, source, date_int FROM keys k", ids)
        return {r[0]: KeyRow(r[0], r[1], r[2], r[3], int(r[4])) for r in rows}

    def _by_chunk_ids(self, select: str, ids: Sequence[str]) -> list[tuple]:
        """Rows of ``select`` (its keys table aliased ``k``) for the given chunk ids, 500 ids per statement."""
        def read() -> list[tuple]:
            rows: list[tuple] = []
            with self._lock:
                for i in range(0, len(ids), 500):
                    part = list(ids[i : i + 500])
                    rows += self._db.execute(f"{select} WHERE k.chunk_id IN ({','.join('?' * len(part))})",
                                             part).fetchall()
            return rows

        return self._safely(read)

    @writes_index
    def delete_chunks(self, ids: Sequence[str]) -> None:
        with self._lock, self._db:
            self._drop("chunk_id = ?", [(i,) for i in ids])

    def sources(self) -> dict[str, int]:
        """Every distinct source in the index (outlets, organisations) with its number of chunks."""
        with self._lock:
            rows = self._db.execute("SELECT source, count(*) FROM keys GROUP BY source").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def search(self, query: str, k: int, where: Where | None = None) -> list[KeywordRow]:
        """Rows best first; the score is BM25 (higher is better)."""
        terms = [t for t in dict.fromkeys(w.lower() for w in _WORD.findall(query)) if t not in QUERY_STOP]
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in self._selective(terms[:64]))
        # Keys come from the indexed keys table: reading them from the FTS table's own columns costs more.
        conditions: list[str] = []
        args: list[object] = [match]
        if where is not None:
            if where.since:
                conditions.append("k.date_int >= ?")
                args.append(where.since)
            if where.until:
                conditions.append("k.date_int > 0 AND k.date_int <= ?")
                args.append(where.until)
            # Lists travel as one JSON parameter: SQLite allows 32,766 variables, and a filter may name more ids.
            if where.sources:
                conditions.append("k.source IN (SELECT value FROM json_each(?))")
                args.append(json.dumps(list(where.sources)))
            if where.release_ids:
                conditions.append("k.release_id IN (SELECT value FROM json_each(?))")
                args.append(json.dumps(list(where.release_ids)))
        if conditions:
            sql = ("SELECT k.chunk_id, k.release_id, k.content_hash, -bm25(chunks, 2.0, 1.0, 1.0) AS s, k.source, "
                   "k.date_int FROM chunks JOIN keys k ON k.id = chunks.rowid WHERE chunks MATCH ? AND "
                   + " AND ".join(conditions) + " ORDER BY s DESC LIMIT ?")
        else:  # rank first, then look up the keys of the top rows only
            sql = ("SELECT k.chunk_id, k.release_id, k.content_hash, t.s, k.source, k.date_int FROM "
                   "(SELECT rowid AS id, -bm25(chunks, 2.0, 1.0, 1.0) AS s FROM chunks WHERE chunks MATCH ? "
                   "ORDER BY s DESC LIMIT ?) t JOIN keys k ON k.id = t.id ORDER BY t.s DESC")
        args.append(k)
        rows = self._safely(lambda: self._reader().execute(sql, args).fetchall())
        return [KeywordRow(r[0], r[1], r[2], float(r[3]), r[4], int(r[5] or 0)) for r in rows]

    def _selective(self, terms: list[str]) -> list[str]:
        """The terms worth ranking by, on a large index (``PRUNING``): those in at most a share of the rows, rarest
        first while the rows they hold fit a budget.

        BM25 costs time in proportion to the rows that match any term, and a term held by a large share of
        the rows (an organisation's own name across its archive) matches a fixed share of an index of any size
        while adding little to the score (its IDF is low): ranked with it, one search over a million chunks took
        seconds. Such terms are dropped when a rarer one remains (the rarest is kept otherwise). A share alone
        still grows with the index (a tenth of a million rows is 100k), hence the budget. Small indexes rank by
        every term: on the MultiHop-RAG index (6,600 rows) dropping even the words in over a fifth of the rows
        halved a search's time but cost 0.0055 of complete evidence recall on the whole dev set.
        """
        if len(terms) < 2:
            return terms
        total = self.doc_freqs([])[0]
        rule = next(((share, budget) for least, share, budget in PRUNING if total >= least), None)
        if rule is None:
            return terms
        share, budget = rule
        db = self._reader()
        rows: dict[str, int] = {}
        for t in terms:
            if t not in self._term_rows:  # FTS5's own count: its tokenizer stems the term as it stemmed the rows
                self._term_rows[t] = int(db.execute("SELECT count(*) FROM chunks(?)", (f'"{t}"',)).fetchone()[0])
            rows[t] = self._term_rows[t]
        kept: set[str] = set()
        held = 0
        for t in sorted((t for t in terms if rows[t] <= share * total), key=rows.__getitem__):
            if budget and kept and held + rows[t] > budget:
                break
            kept.add(t)
            held += rows[t]
        return [t for t in terms if t in kept] or [min(terms, key=rows.__getitem__)]

    def texts(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """chunk id -> (title, text) for the ids held here: what the re-scorer reads of each candidate."""
        rows = self._by_chunk_ids("SELECT k.chunk_id, c.title, c.body FROM keys k JOIN chunks c ON c.rowid = k.id", ids)
        return {r[0]: (r[1] or "", r[2] or "") for r in rows}

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """chunk id -> its sentence vectors (one row each), for the ids that have them."""
        rows = self._by_chunk_ids("SELECT k.chunk_id, s.vecs FROM keys k JOIN sentences s ON s.id = k.id", ids)
        return {r[0]: unpack_vectors(r[1]) for r in rows}

    @writes_index
    def put_sentence_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        """Store sentence vectors for chunks held here (others are ignored)."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO sentences (id, vecs) SELECT id, ? FROM keys WHERE chunk_id = ?",
                [(pack_vectors(v), cid) for cid, v in vectors.items()])

    def bodies(self, keys: Mapping[str, str]) -> dict[str, bytes]:
        """release id -> its stored body spans, for the (release id -> text key) pairs stored under that key."""
        def read() -> list[tuple]:
            return self._reader().execute(
                "SELECT release_id, text_key, spans FROM bodies WHERE release_id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(keys)),)).fetchall()

        return {r[0]: r[2] for r in self._safely(read, []) if keys.get(r[0]) == r[1]}

    @writes_index
    def put_bodies(self, rows: Mapping[str, tuple[str, bytes]]) -> None:
        """Store body spans: release id -> (text key, spans), replacing what the release had."""
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO bodies (release_id, text_key, spans) VALUES (?, ?, ?)",
                                 [(rid, key, blob) for rid, (key, blob) in rows.items()])

    def doc_freqs(self, stems: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(rows in the index, stem -> rows containing it) for porter-stemmed lower-case terms.

        Counts are kept until the next write: FTS5 counts a term's rows by reading all of them, and an organisation's
        name in a tenth of a million chunks took 15 ms to count, for every question that named it."""
        stems = list(dict.fromkeys(stems))[:200]
        known = self._stem_rows
        todo = [s for s in stems if s not in known]

        def read() -> tuple[int, list[tuple]]:
            with self._lock:
                if self._rows is None:  # counted once per change, not per question (a full scan of the keys)
                    self._rows = int(self._db.execute("SELECT count(*) FROM keys").fetchone()[0])
                if not todo:
                    return self._rows, []
                return self._rows, self._db.execute(
                    f"SELECT term, doc FROM chunks_vocab WHERE term IN ({','.join('?' * len(todo))})",
                    todo).fetchall()

        total, rows = self._safely(read, (0, []))
        fresh = {**dict.fromkeys(todo, 0), **{r[0]: int(r[1]) for r in rows}}
        counts = {s: fresh[s] if s in fresh else known.get(s, 0) for s in stems}
        if len(known) > 100_000:  # distinct words of many questions: start again rather than grow without end
            known.clear()
        known.update(fresh)
        return total, {s: n for s, n in counts.items() if n}
