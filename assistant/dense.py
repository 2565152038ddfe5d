"""Dense (vector) search for one question: the nearest live chunks that pass the user's filters, at any index size.

Chroma's filtered search first reads every chunk that passes the filter from its metadata tables, so its cost
grows with their number: on 100k chunks a five-year date window (a third of them) took 300 ms, against 2 ms
unfiltered, and ten times that on a million. The nearest chunks read without a filter cost the same at any size,
and the keys this module learns for them anyway (release, content hash, source, date, from the keyword index)
are enough to apply the filter here. So a filtered search reads the ``OVERFETCH`` nearest chunks unfiltered and
keeps those that pass; when the filter is too narrow for that to find enough (few of them pass), Chroma filters,
which is then cheap, because few chunks pass. Either way the result is the nearest passing live chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from assistant.keyword import KeyRow, KeywordIndex, KeywordRow
from assistant.records import Where
from assistant.types import Chunk, date_to_int

if TYPE_CHECKING:
    from assistant.store import ChromaStore

Key = KeyRow | KeywordRow  # what ranking knows of a chunk: release_id, content_hash, source, date_int
# Nearest chunks read unfiltered before Chroma is asked to filter: the second read is made only when the first
# suggests it will find enough (a filter passing ~1.5% of chunks or more). 1,000 and 4,000 nearest cost
# 8 and 56 ms on 100k chunks (HNSW reads grow with the count asked for, barely with the index).
OVERFETCH = (1000, 4000)
# Nearest chunks Chroma returns when it filters on sources or releases and the date range is applied here.
RANGE_FETCH = 500
# A filter naming at most this many releases goes to Chroma at once: their chunks are few, so it is cheap there.
FEW_RELEASES = 200
Rows = list[tuple[str, float]]


class DenseSearch:
    """One question's vector searches; ``keys`` and ``chunks`` collect what was learned of the chunks seen."""

    def __init__(self, store: ChromaStore, keyword: KeywordIndex, live: dict[str, str]) -> None:
        self.store = store
        self.keyword = keyword
        self.live = live  # release id -> its live content hash
        self.keys: dict[str, Key] = {}
        self.chunks: dict[str, Chunk] = {}  # whole chunks, for the few that the keyword index lacks

    def nearest(self, vectors: Sequence[Sequence[float]] | Any, n: int, where: Where | None = None) -> list[Rows]:
        """For each vector, its ``n`` nearest live chunks passing ``where`` (id, cosine), nearest first."""
        if not len(vectors):
            return []
        if where is None or where.to_chroma() is None:
            return [self.passing(rows)[:n] for rows in self.store.query_ids_many(vectors, n * 2 + 4)]
        out: list[Rows] = [[] for _ in vectors]
        every = list(range(len(vectors)))
        few = bool(where.release_ids) and len(where.release_ids) <= FEW_RELEASES
        todo, narrow = ([], every) if few else (every, [])
        for step, fetch in enumerate(OVERFETCH):
            if not todo:
                break
            later: list[int] = []
            for i, rows in zip(todo, self.store.query_ids_many([vectors[i] for i in todo], fetch), strict=True):
                ok = self.passing(rows, where)
                if len(ok) >= n or len(rows) < fetch:  # enough, or every chunk was read
                    out[i] = ok[:n]
                elif step + 1 < len(OVERFETCH) and len(ok) * OVERFETCH[step + 1] >= n * fetch:
                    later.append(i)  # at this share, the larger read should find enough
                else:
                    narrow.append(i)
            todo = later
        if narrow:
            for i, rows in zip(narrow, self._filtered([vectors[i] for i in narrow], n, where), strict=True):
                out[i] = rows
        return out

    def _filtered(self, vectors: Sequence[Sequence[float]], n: int, where: Where) -> list[Rows]:
        """Chroma's filtered search, for filters that few chunks pass.

        Chroma reads every chunk that passes each clause, and a date range is usually the broadest clause (a
        five-year window held a third of 100k chunks: 450 ms with a source clause, against 130-180 ms for the
        source clause alone). With a source or release clause as well, Chroma filters on those only, reading
        ``RANGE_FETCH`` nearest, and the range is applied here; vectors that this leaves short are filtered whole.
        """
        out: list[Rows] = [[] for _ in vectors]
        todo = list(range(len(vectors)))
        if (where.since or where.until) and (where.sources or where.release_ids):
            loose = replace(where, since=0, until=0)
            short = []
            for i, rows in zip(todo, self.store.query_ids_many(vectors, RANGE_FETCH, loose), strict=True):
                out[i] = self.passing(rows, where)[:n]
                if len(out[i]) < n and len(rows) >= RANGE_FETCH:
                    short.append(i)
            todo = short
        if todo:
            got = self.store.query_ids_many([vectors[i] for i in todo], n * 2 + 4, where)
            for i, rows in zip(todo, got, strict=True):
                out[i] = self.passing(rows)[:n]
        return out

    def passing(self, rows: Rows, where: Where | None = None) -> Rows:
        """The rows that are live versions (and pass ``where``), in order."""
        self.learn([cid for cid, _ in rows])
        keys, live = self.keys, self.live
        accepts = where.matcher() if where is not None else None
        return [(cid, s) for cid, s in rows if cid in keys and live.get(keys[cid].release_id) == keys[cid].content_hash
                and (accepts is None or accepts(keys[cid].release_id, keys[cid].source, keys[cid].date_int))]

    def learn(self, ids: Sequence[str]) -> None:
        """Keys of the chunks from the keyword index; the few it lacks yet (another process's fresh write) are read
        from the store whole."""
        keys = self.keys
        todo = [cid for cid in ids if cid not in keys]
        keys.update(self.keyword.lookup(todo))
        missing = [cid for cid in todo if cid not in keys]
        if missing:
            found = self.store.get_chunks(missing)
            self.chunks.update(found)
            keys.update((cid, KeyRow(cid, c.release_id, c.content_hash, c.source or "", date_to_int(c.date)))
                        for cid, c in found.items())
