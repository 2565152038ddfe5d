"""Question (+ filters, history) -> ranked Hits.

Hybrid retrieval: dense vectors from Chroma and BM25 from the keyword index, each restricted
to live release versions and to the user's filters, fused by reciprocal rank. Dense search
finds paraphrases; BM25 finds the names, figures and outlets that press questions hinge on.

Press questions often name several releases at once ("as reported by both The Courier and
the Ledger", "the October 7 and November 1 articles"). The query plan (``assistant.query``)
finds the sources and dates a question names; each gets its own sub-ranking, fused with the
main ones, and the final list keeps room for every named source and caps how many passages one
release may take, so the top results cover each piece of evidence rather than ten passages of
one article.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from assistant.chunking import chunk_sentences
from assistant.dense import DenseSearch, Key
from assistant.embedding import Embedder
from assistant.filters import Filters
from assistant.keyword import KeywordIndex, KeywordRow
from assistant.keyword_db import pack_vectors, unpack_vectors
from assistant.query import DateRange, QueryPlan, plan
from assistant.records import Where
from assistant.rerank import Candidate, TreeModel, default_model, features, meaning_texts, select, sentence_sims
from assistant.store import ChromaStore
from assistant.types import Chunk, Hit

if TYPE_CHECKING:
    import numpy as np

RRF_K = 60
# A source holding more than this share of the index (the organisation of a one-publisher newsroom)
# tells retrieval nothing when a question names it.
MAX_SOURCE_SHARE = 0.3


@dataclass
class _Stage:
    """What the first stage found: fused ranking and the evidence behind it (``keys`` is None without BM25)."""

    plan: QueryPlan
    vector: Sequence[float]
    hits: list[Hit]  # the answer itself when there is no keyword index
    keys: dict[str, Key] | None = None
    chunks: dict[str, Chunk] = field(default_factory=dict)
    ranked: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    reserved: list[list[str]] = field(default_factory=list)
    named_sources: list[str] = field(default_factory=list)
    dense_scores: dict[str, float] = field(default_factory=dict)
    dense_rank: dict[str, int] = field(default_factory=dict)
    keyword_scores: dict[str, float] = field(default_factory=dict)
    keyword_rank: dict[str, int] = field(default_factory=dict)
    part_rank: dict[str, int] = field(default_factory=dict)
    meaning: np.ndarray | None = None  # vectors of ``meaning_texts(plan)`` when the re-scorer will need them
    clause_dense_rank: dict[str, int] = field(default_factory=dict)  # best rank for any clause, by meaning
    clause_bm25_rank: dict[str, int] = field(default_factory=dict)  # the same by BM25
    # clause lists holding it among their first ``Tuning.clause_pool``: these passages are re-scored as well
    clause_hits: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Retrieved:
    """What one retrieval found (``hits``) and computed on the way, so answerers need not redo it."""

    hits: list[Hit]
    plan: QueryPlan
    vector: Sequence[float]


@dataclass
class Tuning:
    """Weights of the fused rankings; defaults chosen with benchmarks/retrieval.py on the dev split."""

    depth: int = 60  # candidates taken from each main ranking
    keyword_pool: int = 300  # BM25 rows fetched once, for the main ranking and its filtered sub-rankings
    sub_depth: int = 15  # from each source or date sub-ranking
    dense: float = 1.0
    keyword: float = 1.5
    source: float = 1.0  # each named source's sub-ranking
    date: float = 0.6  # each named date's sub-ranking
    recent: float = 0.3  # "latest": newest first among candidates
    part: float = 1.0  # each clause's own ranking, for questions about several pieces of evidence
    part_slots: int = 3  # places in the top k kept for each clause's best passages
    part_pool: int = 100  # a clause naming one source: its source's passages among this many nearest
    per_release: int = 4  # passages one release may hold in the top k (when others are available)
    # the same cap after re-scoring, which finds a release's other evidence passages better (5 against 4:
    # +0.003 evidence recall, +0.006 complete on both cross-validation splits)
    rescored_per_release: int = 5
    rerank_depth: int = 50  # fused candidates the second stage re-scores
    # For a question of several clauses, each clause's own nearest passages by meaning and by BM25: the first
    # ``clause_pool`` of each join the re-scored candidates (the fused top 50 missed the facts of three- and
    # four-source questions: all of a query's facts were among them for 0.73 of dev queries, 0.77 with these),
    # and ranks down to ``clause_depth`` are re-scorer features.
    clause_pool: int = 5
    clause_depth: int = 20


class Retriever:
    """Ranks chunks for a query; every answerer and the search API go through here."""

    def __init__(self, store: ChromaStore, embedder: Embedder, keyword: KeywordIndex | None = None,
                 tuning: Tuning | None = None, *, sync_seconds: float = 2.0,
                 reranker: TreeModel | None | str = "default") -> None:
        self.store = store
        self.embedder = embedder
        self.keyword = keyword
        self.sync_seconds = sync_seconds
        self.tuning = tuning or Tuning()
        # The second stage needs the keyword index (texts, term statistics); "default" is the shipped model.
        self.reranker: TreeModel | None = default_model() if isinstance(reranker, str) else reranker
        if keyword is None:
            self.reranker = None
        self._source_counts: tuple[object, dict[str, int]] = (None, {})

    def source_counts(self) -> dict[str, int]:
        """Chunks per source (outlets, issuers). A count over every chunk (a second on a million), so it is re-read
        only when the store's live releases change (``live_hashes`` gives a new map then)."""
        live = self.store.live_hashes()
        held, counts = self._source_counts
        if self.keyword is not None and held is not live:
            counts = self.keyword.sources()
            self._source_counts = (live, counts)
        return counts

    def known_sources(self) -> list[str]:
        """Sources a question may name to narrow retrieval (those that single out part of the index)."""
        counts = self.source_counts()
        total = sum(counts.values()) or 1
        return sorted(s for s, n in counts.items() if s and n / total <= MAX_SOURCE_SHARE)

    def plan(self, query: str, history: Sequence[str] = ()) -> QueryPlan:
        return plan(query, self.known_sources(), history)

    def search(self, query: str, k: int = 10, filters: Filters | None = None, *,
               vector: Sequence[float] | None = None, history: Sequence[str] = ()) -> list[Hit]:
        """Top ``k`` live chunks; pass ``vector`` when the caller already embedded ``plan(query).text``."""
        return self.retrieve(query, k, filters, vector=vector, history=history).hits

    def retrieve(self, query: str, k: int = 10, filters: Filters | None = None, *,
                 vector: Sequence[float] | None = None, history: Sequence[str] = ()) -> Retrieved:
        """``search`` plus what it computed on the way (the plan, the question's vector), for answerers."""
        stage = self._first_stage(query, k, filters, vector, history, rescore=self.reranker is not None)
        if stage.keys is None:
            return Retrieved(stage.hits, stage.plan, stage.vector)
        keys, chunks = stage.keys, stage.chunks
        if self.reranker is not None and len(stage.ranked) > 1:
            cands = self._candidates(stage)
            scored = features(stage.plan, cands, self.keyword.doc_freqs)  # type: ignore[union-attr]
            groups = [[i for i, c in enumerate(cands) if c.source == s] for s in stage.named_sources]
            logits = self.reranker.predict(scored.x)
            picked = select(logits, scored.clauses, [c.release_id for c in cands], groups, k,
                            self.tuning.rescored_per_release)
            top = [cands[i].chunk_id for i in picked]
            # A hit's score is then the re-scorer's probability that it holds evidence (so it falls with rank);
            # the rare fill-ins from beyond the candidates get 0.
            scores = {cands[i].chunk_id: 1 / (1 + math.exp(-float(logits[i]))) for i in picked}
            top += [cid for cid in stage.ranked[len(cands):] if cid not in top][: k - len(top)]
        else:
            top = _diversify(stage.ranked, keys, k, self.tuning.per_release, stage.named_sources, stage.reserved)
            scores = stage.scores
        chunks.update(self.store.get_chunks([cid for cid in top if cid not in chunks]))
        top = [cid for cid in top if cid in chunks]  # deleted since it was ranked
        self._fill_dense_scores(stage.vector, [chunks[c] for c in top], stage.dense_scores)
        return Retrieved([Hit(chunk=chunks[cid], score=scores.get(cid, 0.0), dense_score=stage.dense_scores.get(cid),
                              keyword_score=stage.keyword_scores.get(cid)) for cid in top], stage.plan, stage.vector)

    def sentence_vectors(self, chunks: Sequence[Chunk]) -> dict[str, dict[str, np.ndarray]]:
        """chunk id -> {sentence text: its stored vector} (``chunk_sentences`` order), for chunks that have them."""
        if self.keyword is None:
            return {}
        held = self.keyword.sentence_vectors([c.id for c in chunks])
        out: dict[str, dict[str, np.ndarray]] = {}
        for c in (c for c in chunks if c.id in held):
            sentences = chunk_sentences(c.text)
            if len(sentences) == len(held[c.id]):
                out[c.id] = dict(zip(sentences, held[c.id], strict=True))
        return out

    def candidates(self, query: str, filters: Filters | None = None, *, history: Sequence[str] = ()
                   ) -> tuple[QueryPlan, list[Candidate]]:
        """The candidates the re-scorer sees for ``query``, with their texts (for training it)."""
        stage = self._first_stage(query, 10, filters, None, history, rescore=True)
        return stage.plan, self._candidates(stage) if stage.keys is not None else []

    def _candidates(self, stage: _Stage) -> list[Candidate]:
        assert self.keyword is not None and stage.keys is not None
        ids = stage.ranked[: self.tuning.rerank_depth]
        fused = set(ids)
        ids += [cid for cid in stage.clause_hits if cid not in fused]
        texts = self.keyword.texts(ids)
        for cid, c in stage.chunks.items():  # fresh writes another process made, not in this index yet
            texts.setdefault(cid, (c.title, c.text))
        vectors = self.keyword.sentence_vectors(ids)
        missing = [cid for cid in ids if cid not in vectors and cid in texts]
        if missing:  # synced from another process, or indexed before sentence vectors were kept: made once
            _, fresh = self.embedder.embed_passages([chunk_sentences(texts[cid][1]) for cid in missing])
            made = {cid: unpack_vectors(pack_vectors(v)) for cid, v in zip(missing, fresh, strict=True)}
            self.keyword.put_sentence_vectors(made)  # kept exactly as used now: the same features next time
            vectors.update(made)
        meaning = stage.meaning if stage.meaning is not None else self.embedder.embed_queries(meaning_texts(stage.plan))
        out = []
        for rank, cid in enumerate(ids):
            key = stage.keys[cid]
            title, text = texts.get(cid, ("", ""))
            out.append(Candidate(cid, key.release_id, key.source, key.date_int, rank,
                                 stage.dense_scores.get(cid) if cid in stage.dense_rank else None,
                                 stage.dense_rank.get(cid), stage.keyword_scores.get(cid),
                                 stage.keyword_rank.get(cid), stage.part_rank.get(cid), title, text,
                                 sentence_sims(vectors[cid], meaning) if cid in vectors else None,
                                 stage.clause_dense_rank.get(cid), stage.clause_bm25_rank.get(cid),
                                 stage.clause_hits.get(cid, 0)))
        return out

    def _first_stage(self, query: str, k: int, filters: Filters | None, vector: Sequence[float] | None,
                     history: Sequence[str], *, rescore: bool = False) -> _Stage:
        """Dense, BM25, source, date and clause rankings fused by reciprocal rank; with ``rescore``, also what the
        re-scorer needs (the vectors of ``meaning_texts`` and each clause's own lists)."""
        if self.keyword is not None:  # another process may have changed the shared store
            self.keyword.follow(self.store, self.sync_seconds)
        p = self.plan(query, history)
        part_vectors: Any = ()  # rows of the embedder's array (or none)
        t = self.tuning
        parts = p.parts if t.part > 0 else ()
        where = (filters or Filters()).to_where()
        part_wheres = [replace(where, sources=part.sources) if len(part.sources) == 1 and not where.sources
                       else where for part in parts]
        # What the re-scorer compares sentence vectors with goes in the same batch: one model call, not two.
        meaning_text = meaning_texts(p) if rescore and self.keyword is not None else []
        clauses = meaning_text[1:] if len(meaning_text) > 2 else []  # the question and at least two clauses
        keyword_rows: Future[list[list[KeywordRow]]] | None = None
        if self.keyword is not None:  # BM25 needs no vectors: it runs in another thread while the model does
            jobs = [(p.text, max(t.keyword_pool, k), where),
                    *((part.text, t.sub_depth, w) for part, w in zip(parts, part_wheres, strict=True)),
                    *((clause, t.clause_depth, where) for clause in clauses)]
            keyword_rows = _background().submit(self._keyword_searches, jobs)
        meaning = None  # stays None without meaning texts (a batch slice would give an empty array)
        if vector is None:
            batch = self.embedder.embed_queries([p.text, *(part.text for part in parts), *meaning_text])
            vector, part_vectors = batch[0], batch[1:1 + len(parts)]
            if meaning_text:
                meaning = batch[1 + len(parts):]
        elif parts or meaning_text:
            batch = self.embedder.embed_queries([*(part.text for part in parts), *meaning_text])
            part_vectors = batch[: len(parts)]
            if meaning_text:
                meaning = batch[len(parts):]
        if self.keyword is None:
            dense_rows = self.store.query(vector, max(t.depth, k), where)
            return _Stage(p, vector, [Hit(chunk=c, score=s, dense_score=s) for c, s in dense_rows[:k]])

        # Rankings work on chunk keys (release, hash, source, date); whole chunks are fetched for the top k only.
        live = self.store.live_hashes()
        searcher = DenseSearch(self.store, self.keyword, live)
        keys, chunks = searcher.keys, searcher.chunks

        def dense_search(vec: Sequence[float], n: int, w: Where) -> list[tuple[str, float]]:
            return searcher.nearest([vec], n, w)[0]

        dense = dense_search(vector, max(t.depth, k), where)
        dense_scores = dict(dense)
        rankings: list[tuple[list[str], float]] = [([cid for cid, _ in dense], t.dense)]

        # One BM25 pass gives the main ranking and, filtered, the source and date sub-rankings: a
        # filter does not change BM25 scores, so the sub-rankings are exact within the pool.
        assert keyword_rows is not None
        pool, *found = [[row for row in rows if live.get(row.release_id) == row.content_hash]
                        for rows in keyword_rows.result()]
        part_found, clause_found = found[: len(parts)], found[len(parts):]
        for rows in (pool, *found):
            for row in rows:
                keys.setdefault(row.chunk_id, row)
        keyword_scores: dict[str, float] = {row.chunk_id: row.score for row in pool}
        rankings.append(([row.chunk_id for row in pool[: max(t.depth, k)]], t.keyword))
        named_sources = [s for s in p.sources if not where.sources or s in where.sources][:4]
        for source in named_sources:
            rankings.append(([cid for cid, _ in dense if keys[cid].source == source][: t.sub_depth], t.source))
            rankings.append(([row.chunk_id for row in pool if row.source == source][: t.sub_depth], t.source))
        for dr in p.dates[:4]:
            if _narrow(where, dr) is None:
                continue
            rankings.append(([cid for cid, _ in dense if dr.contains(keys[cid].date_int)][: t.sub_depth], t.date))
            rankings.append(([row.chunk_id for row in pool if dr.contains(row.date_int)][: t.sub_depth], t.date))

        part_rankings: list[list[str]] = []
        if parts:
            for part, part_vector, sub, kw_rows in zip(parts, part_vectors, part_wheres, part_found, strict=True):
                part_rows: list[tuple[str, float]] = []
                if sub is not where:  # a filtered vector search costs ~4x an unfiltered one: filter here first
                    part_rows = [(cid, s) for cid, s in dense_search(part_vector, t.part_pool, where)
                            if keys[cid].source == part.sources[0]][: t.sub_depth]
                if not part_rows:
                    part_rows = dense_search(part_vector, t.sub_depth, sub)
                for cid, score in part_rows:
                    dense_scores.setdefault(cid, score)
                fused: dict[str, float] = {}
                for ids in ([cid for cid, _ in part_rows], [row.chunk_id for row in kw_rows]):
                    for rank, cid in enumerate(ids):
                        fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
                ranking = sorted(fused, key=fused.__getitem__, reverse=True)
                part_rankings.append(ranking)
                rankings.append((ranking, t.part))

        scores: dict[str, float] = {}
        for ids, weight in rankings:
            for rank, cid in enumerate(ids):
                scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + rank + 1)
        if p.recent and scores:
            newest = sorted(scores, key=lambda cid: keys[cid].date_int, reverse=True)
            for rank, cid in enumerate(newest):
                scores[cid] += t.recent / (RRF_K + rank + 1)
        ranked = sorted(scores, key=scores.__getitem__, reverse=True)
        part_rank: dict[str, int] = {}
        for r in part_rankings:
            for rank, cid in enumerate(r):
                part_rank[cid] = min(part_rank.get(cid, rank), rank)
        stage = _Stage(p, vector, [], keys=keys, chunks=chunks, ranked=ranked, scores=scores,
                       reserved=[[cid for cid in r if cid in scores][: t.part_slots] for r in part_rankings],
                       named_sources=named_sources, dense_scores=dense_scores,
                       dense_rank={cid: i for i, (cid, _) in enumerate(dense)}, keyword_scores=keyword_scores,
                       keyword_rank={row.chunk_id: i for i, row in enumerate(pool)}, part_rank=part_rank,
                       meaning=meaning)
        if clauses and meaning is not None:
            self._clause_lists(stage, meaning[1:], clause_found, where, searcher)
        return stage

    def _keyword_searches(self, jobs: Sequence[tuple[str, int, Where]]) -> list[list[KeywordRow]]:
        assert self.keyword is not None
        return [self.keyword.search(text, n, where) for text, n, where in jobs]

    def _clause_lists(self, stage: _Stage, vectors: np.ndarray, bm25: Sequence[Sequence[KeywordRow]], where: Where,
                      dense: DenseSearch) -> None:
        """Each clause's nearest passages by meaning (one store call for all) and by BM25 (``bm25``: live rows whose
        keys the stage holds), for the re-scorer.

        A question about three or four pieces of evidence ranks as a whole for the passages that match
        most of it; the one holding a single clause's fact can sit far down. Clause lists find it directly.
        """
        t = self.tuning
        lists = dense.nearest(vectors, t.clause_depth, where)
        ranked_dense = [[cid for cid, _ in rows] for rows in lists]
        ranked_bm25 = [[row.chunk_id for row in rows] for rows in bm25]
        for ranking, best in ((ranked_dense, stage.clause_dense_rank), (ranked_bm25, stage.clause_bm25_rank)):
            for ids in ranking:
                for rank, cid in enumerate(ids):
                    best[cid] = min(best.get(cid, rank), rank)
                    if rank < t.clause_pool:
                        stage.clause_hits[cid] = stage.clause_hits.get(cid, 0) + 1

    def _fill_dense_scores(self, vector: Sequence[float], chunks: list[Chunk], scores: dict[str, float]) -> None:
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


@functools.cache
def _background() -> ThreadPoolExecutor:
    """Threads for the questions' BM25 searches, one task per question (SQLite works outside the GIL, as the model
    does); several workers so that concurrent questions need not wait for each other's searches."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword-search")


def _narrow(where: Where, dr: DateRange) -> Where | None:
    since = max(where.since, dr.start)
    until = min(where.until or 99991231, dr.end)
    if since > until:
        return None
    return replace(where, since=since, until=until if until != 99991231 else 0)


def _diversify(ranked: list[str], chunks: Mapping[str, Key], k: int, per_release: int,
               sources: Sequence[str], reserved: Sequence[Sequence[str]] = ()) -> list[str]:
    """Top k with room for each clause's best passages and every named source, and at most
    ``per_release`` passages per release."""
    top: list[str] = []
    for depth in range(max((len(r) for r in reserved), default=0)):  # clauses take turns
        for r in reserved:
            if depth < len(r) and r[depth] not in top and len(top) < k:
                top.append(r[depth])
    for source in sources:  # the best passage of each named source is guaranteed a place
        best = next((cid for cid in ranked if chunks[cid].source == source), None)
        if best is not None and best not in top and len(top) < k:
            top.append(best)
    count: dict[str, int] = {}
    for cid in top:
        count[chunks[cid].release_id] = count.get(chunks[cid].release_id, 0) + 1
    for cid in ranked:
        if len(top) >= k:
            break
        rid = chunks[cid].release_id
        if cid in top or count.get(rid, 0) >= per_release:
            continue
        top.append(cid)
        count[rid] = count.get(rid, 0) + 1
    for cid in ranked:  # too few releases to respect the cap: fill up anyway
        if len(top) >= k:
            break
        if cid not in top:
            top.append(cid)
    return sorted(top, key=ranked.index)
