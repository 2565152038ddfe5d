"""Question (+ filters) -> ranked Hits.

Hybrid retrieval: dense vectors from Chroma and BM25 from the keyword index, each restricted
to live release versions and to the user's filters, fused by reciprocal rank. Dense search
finds paraphrases; BM25 finds the names, figures and outlets that press questions hinge on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.embedding import Embedder
from assistant.keyword import KeywordIndex
from assistant.store import ChromaStore, Where
from assistant.types import Hit, date_to_int

RRF_K = 60


@dataclass(frozen=True)
class Filters:
    """What a user can restrict a question or search to."""

    since: str | None = None  # ISO date or a year, inclusive
    until: str | None = None
    sources: tuple[str, ...] = ()
    release_ids: tuple[str, ...] = ()

    def to_where(self) -> Where:
        return Where(since=_bound(self.since, "0101"), until=_bound(self.until, "1231"),
                     sources=tuple(self.sources), release_ids=tuple(self.release_ids))


def _bound(value: str | None, year_suffix: str) -> int:
    if value and len(value) == 4 and value.isdigit():
        return int(value + year_suffix)
    return date_to_int(value)


class Retriever:
    """Ranks chunks for a query; every answerer and the search API go through here."""

    def __init__(self, store: ChromaStore, embedder: Embedder, keyword: KeywordIndex | None = None, *,
                 dense_weight: float = 1.0, keyword_weight: float = 1.0, depth: int = 40) -> None:
        self.store = store
        self.embedder = embedder
        self.keyword = keyword
        self.dense_weight = dense_weight
        self.keyword_weight = keyword_weight
        self.depth = depth

    def search(self, query: str, k: int = 10, filters: Filters | None = None, *,
               vector: Sequence[float] | None = None) -> list[Hit]:
        """Top ``k`` live chunks; pass ``vector`` when the caller already embedded the query."""
        if vector is None:
            vector = self.embedder.embed_query(query)
        where = (filters or Filters()).to_where()
        depth = max(self.depth, k)
        dense = self.store.query(vector, depth, where)
        if self.keyword is None:
            return [Hit(chunk=c, score=s, dense_score=s) for c, s in dense[:k]]
        keyword = self.keyword.search(query, depth, where)
        live = self.store.release_hashes([r for _, r, _, _ in keyword])
        keyword = [row for row in keyword if live.get(row[1]) == row[2]]
        scores: dict[str, float] = {}
        dense_scores = {c.id: s for c, s in dense}
        keyword_scores = {cid: s for cid, _, _, s in keyword}
        for rank, (c, _) in enumerate(dense):
            scores[c.id] = scores.get(c.id, 0.0) + self.dense_weight / (RRF_K + rank + 1)
        for rank, (cid, _, _, _) in enumerate(keyword):
            scores[cid] = scores.get(cid, 0.0) + self.keyword_weight / (RRF_K + rank + 1)
        top = sorted(scores, key=scores.__getitem__, reverse=True)[:k]
        chunks = {c.id: c for c, _ in dense}
        missing = [cid for cid in top if cid not in chunks]
        chunks.update(self.store.get_chunks(missing))
        if any(cid not in dense_scores for cid in top):
            self._fill_dense_scores(vector, [chunks[c] for c in top if c in chunks], dense_scores)
        return [Hit(chunk=chunks[cid], score=scores[cid], dense_score=dense_scores.get(cid),
                    keyword_score=keyword_scores.get(cid)) for cid in top if cid in chunks]

    def _fill_dense_scores(self, vector: Sequence[float], chunks: list, scores: dict[str, float]) -> None:  # type: ignore[type-arg]
        """Cosine for keyword-only hits, so that every hit has a comparable relevance figure."""
        import numpy as np

        todo = [c for c in chunks if c.id not in scores]
        if not todo:
            return
        vectors = self.store.get_vectors([c.id for c in todo])
        q = np.asarray(vector, dtype=np.float32)
        for c in todo:
            v = vectors.get(c.id)
            if v is not None:
                scores[c.id] = float(np.dot(q, v))
