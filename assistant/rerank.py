"""Second-stage re-scoring of fused candidates, without a cross-encoder.

No cross-encoder ships offline (../shared/NOTES.md), and the first stage ranks whole chunks: a
chunk that mentions the question's topic everywhere can outrank the one holding the single
sentence that answers it. Press questions are written around such sentences ("... the company
that paid billions to stay the default search engine ..."), so the re-scorer looks inside each
candidate: how much of the question's rare vocabulary (weighted by IDF) one sentence holds, how
well each clause of the question is matched by some sentence, shared word pairs, the title;
beside the first stage's own evidence (fused rank, dense and BM25 scores and ranks, named
sources and dates, how strongly the candidate's release as a whole was retrieved).

A small gradient-boosted tree ensemble combines them. It was fitted with
``benchmarks/train_reranker.py`` on the MultiHop-RAG dev split only (chunk contains a gold
evidence sentence or not), and ships as JSON evaluated here in numpy: serving needs no
scikit-learn. Every feature is generic (ranks, coverages, counts), none is tied to a corpus,
an outlet or a question's wording.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.keyword import QUERY_STOP
from assistant.query import QueryPlan, without_dates

if TYPE_CHECKING:
    import numpy as np

MODEL_PATH = Path(__file__).with_name("rerank_model.json")
# Features also measured against the other candidates of the same release (gap to its best, rank among
# them): the question is often which passage of a release holds the fact, not only which release.
RELEASE_RELATIVE = ("sent1", "clause_max", "meaning_sent", "meaning_clause_max", "dense", "bm25")
FEATURES = (
    "rank", "dense", "has_dense", "dense_rank", "bm25", "bm25_rank", "part_rank", "source", "date",
    "sent1", "sent2", "sent1_gap", "chunk_cover", "chunk_gap", "title_cover", "clause_max", "clause_mean",
    "bigrams", "release_best", "release_count", "name_sent", "name_chunk", "figure_chunk", "clause_count",
    "dense_gap", "sent1_rank", "clause_rank", "sent1_local", "clause_local",
    "meaning_sent", "meaning_clause_max", "meaning_clause_mean",
    "meaning_sent_gap", "meaning_clause_max_gap", "meaning_clause_mean_gap",
    "clause_dense_rank", "clause_bm25_rank", "clause_hits",
    *(f"{name}_in_release_{kind}" for kind in ("gap", "rank") for name in RELEASE_RELATIVE),
)
COVERAGE_WEIGHT = 3.0  # score (log-odds) one fully covered new clause is worth in ``select``
# Places in the top k kept for each named source's best passages (2 or 3, or named dates as groups too,
# changed evidence recall by less than 0.002 in cross-validation).
GROUP_QUOTA = 1
ABSENT_RANK = 200  # rank given to a candidate missing from a ranking
_WORD = re.compile(r"[0-9a-z]+")
_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b[A-Z][A-Za-z0-9&'-]+")
_FIGURE = re.compile(r"\b\d[\d,.]*\b")
_SENTENCE = re.compile(r"(?<=[.!?\"”])\s+(?=[\"“A-Z0-9])|\n+")
# Where a question moves from one condition to the next ("..., held an event ..., and is accused of ...").
_CLAUSE = re.compile(r"\s*[,;:]\s+|\s+(?:and|while|whereas|but|or)\s+|\s+(?:compared (?:to|with)|as opposed to)\s+|"
                     r"\?\s*", re.I)


@functools.cache
def _stemmer() -> Any:
    from nltk.stem.porter import PorterStemmer

    # The original algorithm is the one SQLite's FTS5 porter tokenizer implements, so stems match its vocabulary.
    return PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM)


_STEMS: dict[str, str] = {}  # word -> stem; bounded by the vocabulary, cleared if it ever grows past MAX_STEMS
MAX_STEMS = 500_000
# A candidate's terms in order, where each sentence ends among them, and its title's terms: tuples of shared
# stem strings, about 2 KB a chunk, so the cache stays near 40 MB when full.
_Terms = tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...]]
_CHUNK_TERMS: OrderedDict[tuple[str, int], _Terms] = OrderedDict()
MAX_CHUNKS_CACHED = 20_000
_CACHE_LOCK = threading.Lock()


def stem(word: str) -> str:
    s = _STEMS.get(word)
    if s is None:
        if len(_STEMS) >= MAX_STEMS:
            _STEMS.clear()
        s = _STEMS[word] = str(_stemmer().stem(word))
    return s


def terms(text: str) -> list[str]:
    """Stemmed content words: lower case, stop words of questions removed."""
    stems = _STEMS
    return [stems.get(w) or stem(w) for w in _WORD.findall(text.lower()) if w not in QUERY_STOP]


def _chunk_terms(chunk_id: str, title: str, text: str) -> _Terms:
    """(terms in order, the end of each sentence among them, title terms) of a candidate, cached by id and text."""
    key = (chunk_id, hash((title, text)))
    with _CACHE_LOCK:  # requests run in threads; an eviction between get and move_to_end would raise
        hit = _CHUNK_TERMS.get(key)
        if hit is not None:
            _CHUNK_TERMS.move_to_end(key)
            return hit
    words: list[str] = []
    ends: list[int] = []
    for sentence in _SENTENCE.split(text):
        found = terms(sentence)
        if found:
            words += found
            ends.append(len(words))
    out = (tuple(words), tuple(ends), tuple(terms(title)))
    with _CACHE_LOCK:
        _CHUNK_TERMS[key] = out
        while len(_CHUNK_TERMS) > MAX_CHUNKS_CACHED:
            _CHUNK_TERMS.popitem(last=False)
    return out


@dataclass
class Candidate:
    """What the first stage knows of one candidate chunk, and its text."""

    chunk_id: str
    release_id: str
    source: str
    date_int: int
    rank: int  # in the fused ranking
    dense: float | None  # cosine with the question, when dense search found it
    dense_rank: int | None
    bm25: float | None
    bm25_rank: int | None
    part_rank: int | None  # best rank in the rankings of the question's clauses
    title: str = ""
    text: str = ""
    # by the embedding model, the best sentence's cosine with the question, its best with any clause, and the
    # mean over clauses of each clause's best (see ``meaning_texts`` and ``sentence_sims``)
    sims: tuple[float, float, float] | None = None
    # best rank in the question's clauses' own lists, by meaning and by BM25, and how many of those lists
    # hold it among their first few (``Tuning.clause_pool``); None when no clause list found it
    clause_dense_rank: int | None = None
    clause_bm25_rank: int | None = None
    clause_hits: int = 0


@dataclass
class Scored:
    """Features of each candidate, and how well each covers each clause of the question (for selection)."""

    x: np.ndarray  # (candidates, FEATURES)
    clauses: np.ndarray  # (candidates, clauses): best sentence coverage of each clause


def meaning_texts(plan: QueryPlan, most: int = 8) -> list[str]:
    """What the sentence vectors are compared with: the question without its dates, then its clauses."""
    text = without_dates(plan.text)
    return [text, *[c for c in _CLAUSE.split(text) if c and len(c.split()) >= 3][:most]]


def sentence_sims(sentences: np.ndarray, meaning: np.ndarray) -> tuple[float, float, float]:
    """``Candidate.sims`` from a chunk's sentence vectors and those of ``meaning_texts`` (question first)."""
    sims = sentences @ meaning.T  # (sentences, 1 + clauses)
    best = float(sims[:, 0].max())
    if meaning.shape[0] < 2:
        return best, best, best
    per_clause = sims[:, 1:].max(axis=0)
    return best, float(per_clause.max()), float(per_clause.mean())


def features(plan: QueryPlan, cands: Sequence[Candidate], doc_freqs: Callable[[list[str]], tuple[int, dict[str, int]]]
             ) -> Scored:
    """One row of ``FEATURES`` per candidate, and each candidate's coverage of each clause of the question."""
    import numpy as np

    text = without_dates(plan.text)
    qterms = list(dict.fromkeys(terms(text)))
    total, df = doc_freqs(qterms)

    def idf(t: str) -> float:
        n = df.get(t, 0)
        return math.log(1 + (total - n + 0.5) / (n + 0.5))

    weight = {t: idf(t) for t in qterms}
    qtotal = sum(weight.values()) or 1.0
    clauses = []
    for piece in _CLAUSE.split(text):
        cl = {t for t in terms(piece) if t in weight}
        if len(cl) >= 2:
            clauses.append((cl, sum(weight[t] for t in cl) or 1.0))
    asked = frozenset(weight)
    # Names the question uses (capitalised mid-sentence: companies, people, products) and its figures.
    names = set(terms(" ".join(_NAME.findall(text)))) - set(terms(" ".join(plan.sources)))
    figures = set(terms(" ".join(_FIGURE.findall(text))))
    qpairs = set(zip(qterms, qterms[1:], strict=False))
    bm25_max = max((c.bm25 for c in cands if c.bm25 is not None), default=0.0) or 1.0
    release_best: dict[str, int] = {}
    release_count: dict[str, int] = {}
    for c in cands:
        release_best[c.release_id] = min(release_best.get(c.release_id, c.rank), c.rank)
        release_count[c.release_id] = release_count.get(c.release_id, 0) + 1
    sources = set(plan.sources)

    seen = []
    for c in cands:
        words, ends, title_terms = _chunk_terms(c.chunk_id, c.title, c.text)
        # the question's terms in each sentence (a few at most), and in the whole passage
        found = [asked.intersection(words[a:b]) for a, b in zip((0, *ends), ends, strict=False)] or [frozenset()]
        seen.append((words, title_terms, found, frozenset().union(*found)))
    # The same terms weighted by how rare they are among these candidates: a name every candidate holds
    # (the company all of them are about) says nothing about which one answers.
    in_cands: dict[str, int] = {}
    for *_, held in seen:
        for t in held:
            in_cands[t] = in_cands.get(t, 0) + 1
    local = {t: w * math.log(1 + len(cands) / (1 + in_cands.get(t, 0))) for t, w in weight.items()}
    ltotal = sum(local.values()) or 1.0
    lclauses = [(cl, sum(local[t] for t in cl) or 1.0) for cl, _ in clauses]

    rows = []
    cover = np.zeros((len(cands), len(clauses)))
    for i, c in enumerate(cands):
        words, title_terms, found, held = seen[i]
        covers = sorted((sum(weight[t] for t in f) / qtotal for f in found), reverse=True)
        covers += [0.0, 0.0]
        chunk_cover = sum(weight[t] for t in held) / qtotal
        title_cover = sum(weight[t] for t in asked.intersection(title_terms)) / qtotal
        clause_scores = [max(sum(weight[t] for t in f if t in cl) / size for f in found) for cl, size in clauses]
        cover[i] = clause_scores
        pairs = len({p for p in zip(words, words[1:], strict=False) if p[0] in asked and p in qpairs})
        rows.append([
            math.log1p(c.rank),
            c.dense if c.dense is not None else 0.0,
            float(c.dense is not None),
            math.log1p(c.dense_rank if c.dense_rank is not None else ABSENT_RANK),
            (c.bm25 or 0.0) / bm25_max,
            math.log1p(c.bm25_rank if c.bm25_rank is not None else ABSENT_RANK),
            math.log1p(c.part_rank if c.part_rank is not None else ABSENT_RANK),
            float(c.source in sources),
            float(any(d.contains(c.date_int) for d in plan.dates)),
            covers[0], covers[1], 0.0, chunk_cover, 0.0, title_cover,
            max(clause_scores, default=0.0),
            sum(clause_scores) / len(clause_scores) if clause_scores else 0.0,
            float(pairs),
            math.log1p(release_best[c.release_id]),
            float(release_count[c.release_id]),
            max(len(names & f) for f in found) / max(1, len(names)),
            len(names & held) / max(1, len(names)),
            len(figures & held) / len(figures) if figures else -1.0,
            float(sum(v >= 0.5 for v in clause_scores)),
            0.0, 0.0, 0.0,
            max(sum(local[t] for t in f) for f in found) / ltotal,
            max((max(sum(local[t] for t in f if t in cl) / size for f in found) for cl, size in lclauses), default=0.0),
            *(c.sims or (0.0, 0.0, 0.0)), 0.0, 0.0, 0.0,
            math.log1p(c.clause_dense_rank if c.clause_dense_rank is not None else ABSENT_RANK),
            math.log1p(c.clause_bm25_rank if c.clause_bm25_rank is not None else ABSENT_RANK),
            float(c.clause_hits),
            *([0.0] * 2 * len(RELEASE_RELATIVE)),
        ])
    # Rounded: sums over sets run in hash order, which varies between processes; ranks must not.
    x = np.round(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES)), 9)
    if len(rows):  # where each stands among this question's candidates: the trees see no other row
        col = FEATURES.index
        x[:, col("sent1_gap")] = x[:, col("sent1")].max() - x[:, col("sent1")]
        x[:, col("chunk_gap")] = x[:, col("chunk_cover")].max() - x[:, col("chunk_cover")]
        x[:, col("dense_gap")] = x[:, col("dense")].max() - x[:, col("dense")]
        for name in ("meaning_sent", "meaning_clause_max", "meaning_clause_mean"):
            x[:, col(name + "_gap")] = x[:, col(name)].max() - x[:, col(name)]
        x[:, col("sent1_rank")] = np.log1p(_ranks(x[:, col("sent1")]))
        x[:, col("clause_rank")] = np.log1p(_ranks(x[:, col("clause_max")]))
        group = np.unique([c.release_id for c in cands], return_inverse=True)[1]
        for name in RELEASE_RELATIVE:
            values = x[:, col(name)]
            best = np.full(group.max() + 1, -np.inf)
            np.maximum.at(best, group, values)
            x[:, col(f"{name}_in_release_gap")] = best[group] - values
            x[:, col(f"{name}_in_release_rank")] = _group_ranks(values, group)
    return Scored(x, np.round(cover, 9))


def _group_ranks(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``_ranks`` within each group: 0 for a group's highest value (ties in candidate order)."""
    import numpy as np

    n = len(values)
    order = np.lexsort((np.arange(n), -values, group))  # by group, then value high to low, then position
    in_order = group[order]
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.arange(n) - np.searchsorted(in_order, in_order)  # place minus the group's first place
    return ranks


def _ranks(values: np.ndarray) -> np.ndarray:
    """0 for the highest value, 1 for the next, ... (ties in candidate order)."""
    import numpy as np

    return np.argsort(np.argsort(-values, kind="stable"), kind="stable").astype(np.float64)


def select(scores: np.ndarray, clauses: np.ndarray, releases: Sequence[str], groups: Sequence[Sequence[int]],
           k: int, per_release: int, *, coverage: float = COVERAGE_WEIGHT, quota: int = GROUP_QUOTA) -> list[int]:
    """The k candidates to show, best first.

    First each group's ``quota`` best (a group: the candidates from one source the question names),
    taking turns; then, greedily, the one with the highest score plus ``coverage``
    times how much it adds to the clauses covered so far, so that a question with several conditions
    gets a passage for each; at most ``per_release`` passages per release while others are available.
    """
    import numpy as np

    n = len(scores)
    chosen: list[int] = []
    covered = np.zeros(clauses.shape[1])
    count: dict[str, int] = {}

    def take(i: int) -> None:
        nonlocal covered
        chosen.append(i)
        covered = np.maximum(covered, clauses[i])
        count[releases[i]] = count.get(releases[i], 0) + 1

    ranked_groups = [sorted(g, key=lambda i: -scores[i]) for g in groups]
    for turn in range(quota):  # groups take turns, so each gets its best passage before any gets a second
        for g in ranked_groups:
            pick = next((i for i in g if i not in chosen), None)
            if pick is not None and len(chosen) < k and sum(i in chosen for i in g) <= turn:
                take(pick)
    use_cover = clauses.shape[1] >= 2
    while len(chosen) < min(k, n):
        gain = np.maximum(clauses - covered, 0).sum(axis=1) if use_cover else 0.0
        value = scores + coverage * gain
        value[chosen] = -np.inf
        capped = [count.get(r, 0) >= per_release for r in releases]
        open_ = [i for i in range(n) if i not in chosen and not capped[i]]
        pool = open_ or [i for i in range(n) if i not in chosen]
        take(max(pool, key=lambda i: value[i]))
    return sorted(chosen, key=lambda i: -scores[i])


class TreeModel:
    """A boosted tree ensemble (scikit-learn's HistGradientBoosting, exported) evaluated in numpy.

    The trees' nodes sit in flat arrays, and every (candidate, tree) pair is walked at once: one step
    moves each pair one level down. A leaf points to itself, so pairs that arrived simply stay.
    """

    def __init__(self, spec: dict) -> None:
        if tuple(spec["features"]) != FEATURES:
            raise ValueError("re-scoring model was trained on other features; retrain it with "
                             "benchmarks/train_reranker.py")
        import numpy as np

        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        roots: list[int] = []
        for t in spec["trees"]:
            base = len(feature)
            roots.append(base)
            for i, is_leaf in enumerate(t["leaf"]):
                feature.append(0 if is_leaf else int(t["feature"][i]))
                threshold.append(0.0 if is_leaf else float(t["threshold"][i]))
                left.append(base + i if is_leaf else base + int(t["left"][i]))
                right.append(base + i if is_leaf else base + int(t["right"][i]))
                value.append(float(t["value"][i]) if is_leaf else 0.0)
        self.feature = np.array(feature, dtype=np.intp)
        self.threshold = np.array(threshold, dtype=np.float64)
        self.left = np.array(left, dtype=np.intp)
        self.right = np.array(right, dtype=np.intp)
        self.value = np.array(value, dtype=np.float64)
        self.roots = np.array(roots, dtype=np.intp)
        self.depth = int(spec["depth"])
        self.base = float(spec["base"])

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> TreeModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def predict(self, x: np.ndarray) -> np.ndarray:
        import numpy as np

        n, width = x.shape
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        offset = (np.arange(n, dtype=np.intp) * width)[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        for _ in range(self.depth):
            go_left = flat[offset + self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.base + self.value[node].sum(axis=1)


@functools.cache
def default_model() -> TreeModel | None:
    """The shipped model, or None when its file is missing or stale (retrieval then keeps the fused order)."""
    if not MODEL_PATH.is_file():
        return None
    try:
        return TreeModel.load()
    except (ValueError, KeyError) as e:
        logging.getLogger(__name__).warning("not re-scoring retrieval: %s", e)
        return None
