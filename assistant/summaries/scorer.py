"""How likely each body sentence is to belong in a summary: a model learned from news, read as data.

News and releases put their point first, so position is the strongest signal; but the lead is
weak exactly where the first sentences are a dateline, a teaser, a byline or a quote. A small
model weighs position against what the sentence holds: its centrality (mean embedding similarity
with the rest of its release), its similarity with the headline and with the lede, figures and
names, quote marks with or without a speaker, and flags of boilerplate (fragments, questions,
very short or long sentences). ``benchmarks/train_summary_scorer.py`` fits it on the FRANK CNN/DM
dev articles (a logistic regression: is the sentence in the greedy ROUGE oracle summary?) and writes
``summary_model.json``; serving evaluates the linear model in numpy, with no scikit-learn.

The lead is a prior, not a competitor. A brief's lede (``lead_budget``) is the first body passages
(datelines, bylines, captions and unattributed quotes already out) taken while they stay short of a
word budget fitted to what editors write: ROUGE F1 and readers both punish a lede longer than the
news needs, and a lede of three long sentences says less per word than two. On 134 news articles the
model's swaps of a lead sentence for a later one lost ROUGE at every margin tried (benchmarks/README.md),
so the lede does not swap; ``lead_swaps`` (the exec format's "what happened") does, by a margin.
``mmr`` picks the points of the other formats by score minus redundancy with those already picked.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.boilerplate import Candidate

if TYPE_CHECKING:
    import numpy as np

MODEL_PATH = Path(__file__).with_name("summary_model.json")
FEATURES = (
    "pos_inv", "first", "second", "third", "rel_pos", "para_first", "para_inv",
    "centrality", "centrality_raw", "lede_sim", "title_sim", "has_title", "title_x_first",
    "words", "short", "long", "figures", "names", "quote", "quote_speaker", "quote_no_speaker",
    "question", "no_end", "colon_end", "lower_start", "first_x_short", "first_x_quote", "lede_x_pos",
)
_FIGURE = re.compile(r"\d")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]+")
_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")


@dataclass(frozen=True)
class Weights:
    """Hand-set parts of the scorer that news cannot inform, and the selection's redundancy trade-off."""

    query: float = 0.8  # topic similarity (a topic summary); CNN/DM has no topics to learn it from
    redundancy: float = 0.3  # MMR trade-off: score - redundancy * max similarity to what is picked
    duplicate: float = 0.85  # above this similarity a sentence repeats one already picked
    swap_margin: float = 1.0  # how much more the model must prefer a later sentence to replace one of the lead
    lede_words: float = 80.0  # a brief's lede adds lead passages while it is shorter than this many words,
    lede_overshoot: float = 1.0  # unless the next one would overshoot by more than this times the shortfall
    lede_max: int = 4  # and never holds more passages than this


DEFAULT_WEIGHTS = Weights()


class LinearModel:
    """Standardised features times learned weights, plus an intercept (scikit-learn's Ridge, exported)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        import numpy as np

        if tuple(spec["features"]) != FEATURES:
            raise ValueError("summary model was trained on other features; retrain it with "
                             "benchmarks/train_summary_scorer.py")
        self.mean = np.asarray(spec["mean"], dtype=np.float64)
        self.scale = np.asarray(spec["scale"], dtype=np.float64)
        self.coef = np.asarray(spec["coef"], dtype=np.float64)
        self.intercept = float(spec["intercept"])
        self.spec = spec

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LinearModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def predict(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept


def lede_weights(base: Weights, spec: dict[str, Any]) -> Weights:
    """``base`` with the selection parameters fitted with the model (its scores set the scale of the trade-offs)."""
    lede = spec.get("lede") or {}
    return replace(base, redundancy=float(spec.get("redundancy", base.redundancy)),
                   swap_margin=float(spec.get("swap_margin", base.swap_margin)),
                   lede_words=float(lede.get("words", base.lede_words)),
                   lede_overshoot=float(lede.get("overshoot", base.lede_overshoot)),
                   lede_max=int(lede.get("max_passages", base.lede_max)))


@functools.cache
def default_model() -> LinearModel:
    return LinearModel.load()


def features(cands: Sequence[Candidate], vectors: Any, title_vectors: dict[int, Any] | None = None) -> np.ndarray:
    """One row of ``FEATURES`` per candidate; position, centrality and lede are within its own release."""
    import numpy as np

    V = np.asarray(vectors)
    X = np.zeros((len(cands), len(FEATURES)))
    by_source: dict[int, list[int]] = {}
    for i, c in enumerate(cands):
        by_source.setdefault(c.source, []).append(i)
    col = {name: k for k, name in enumerate(FEATURES)}
    for source, idx in by_source.items():
        sub = V[idx] @ V[idx].T
        n = len(idx)
        cent = (sub.sum(axis=1) - 1.0) / (n - 1) if n > 1 else np.ones(1)
        lo, hi = float(cent.min()), float(cent.max())
        norm = (cent - lo) / (hi - lo) if hi > lo else np.ones(n)
        lede = V[idx[:3]].mean(axis=0)
        lede = lede / (np.linalg.norm(lede) or 1.0)
        tv = (title_vectors or {}).get(source)
        paras = sorted({cands[i].para for i in idx})
        para_rank = {p: r for r, p in enumerate(paras)}
        seen_para: set[int] = set()
        for k, i in enumerate(idx):
            c = cands[i]
            text = c.text
            words = len(text.split())
            row = X[i]
            row[col["pos_inv"]] = 1.0 / (1.0 + k)
            row[col["first"]] = k == 0
            row[col["second"]] = k == 1
            row[col["third"]] = k == 2
            row[col["rel_pos"]] = k / max(1, n - 1)
            row[col["para_first"]] = c.para not in seen_para
            seen_para.add(c.para)
            row[col["para_inv"]] = 1.0 / (1.0 + para_rank[c.para])
            row[col["centrality"]] = norm[k]
            row[col["centrality_raw"]] = cent[k]
            row[col["lede_sim"]] = float(V[i] @ lede)
            if tv is not None:
                row[col["title_sim"]] = float(V[i] @ tv)
                row[col["has_title"]] = 1.0
                row[col["title_x_first"]] = row[col["title_sim"]] * (k == 0)
            row[col["words"]] = min(words, 80) / 40.0
            row[col["short"]] = words < 8
            row[col["long"]] = words > 40
            row[col["figures"]] = min(3, len(_FIGURE.findall(text))) / 3.0
            row[col["names"]] = min(6, len(_NAME.findall(text))) / 6.0
            row[col["quote"]] = c.quote
            row[col["quote_speaker"]] = c.quote and (c.attributed or c.attribution is not None)
            row[col["quote_no_speaker"]] = c.quote and not (c.attributed or c.attribution is not None)
            row[col["question"]] = text.rstrip(" \"'”’").endswith("?")
            row[col["no_end"]] = not _END.search(text)
            row[col["colon_end"]] = text.rstrip().endswith(":")
            row[col["lower_start"]] = text[:1].islower()
            row[col["first_x_short"]] = (k == 0) * (words < 12)
            row[col["first_x_quote"]] = (k == 0) * c.quote
            row[col["lede_x_pos"]] = row[col["lede_sim"]] * row[col["pos_inv"]]
    return X


def score(cands: list[Candidate], vectors: Any, *, title_vectors: dict[int, Any] | None = None,
          query_vector: Any = None, weights: Weights = DEFAULT_WEIGHTS, model: LinearModel | None = None) -> None:
    """Set ``Candidate.score`` (the model's estimate, plus topic similarity when there is a topic)."""
    import numpy as np

    if not cands:
        return
    X = features(cands, vectors, title_vectors)
    scores = (model or default_model()).predict(X)
    V = np.asarray(vectors)
    for i, c in enumerate(cands):
        c.features = dict(zip(FEATURES, (float(v) for v in X[i]), strict=True))
        s = float(scores[i])
        if query_vector is not None:
            c.features["query"] = float(V[i] @ query_vector)
            s += weights.query * c.features["query"]
        c.score = s


def mmr(cands: list[Candidate], vectors: Any, k: int, *, weights: Weights = DEFAULT_WEIGHTS,
        exclude: Sequence[int] = (), allow: Any = None) -> list[int]:
    """Indices of up to ``k`` candidates: best score minus redundancy with those already chosen."""
    import numpy as np

    V = np.asarray(vectors)
    chosen: list[int] = list(exclude)
    picked: list[int] = []
    pool = [i for i in range(len(cands)) if i not in chosen and (allow is None or allow(cands[i]))]
    while pool and len(picked) < k:
        best, best_val = -1, -1e9
        for i in pool:
            red = max((float(V[i] @ V[j]) for j in chosen), default=0.0)
            if red >= weights.duplicate:
                continue
            val = cands[i].score - weights.redundancy * red
            if val > best_val:
                best, best_val = i, val
        if best < 0:
            break
        picked.append(best)
        chosen.append(best)
        pool.remove(best)
    return picked


def lead_swaps(cands: list[Candidate], vectors: Any, k: int, *, weights: Weights = DEFAULT_WEIGHTS,
               allow: Any = None) -> list[int]:
    """Indices of ``k`` passages: the lead (the first of each release, then the second, ...), where each
    weakest one is replaced by the best later passage while the model prefers that by ``swap_margin``."""
    import numpy as np

    V = np.asarray(vectors)
    pool = sorted((i for i in range(len(cands)) if allow is None or allow(cands[i])),
                  key=lambda i: (cands[i].index, cands[i].source))
    chosen = pool[:k]
    for _ in range(k):
        rest = [i for i in pool if i not in chosen]
        if not rest:
            break
        worst = min(chosen, key=lambda i: cands[i].score)
        kept = [j for j in chosen if j != worst]
        fresh = [i for i in rest if max((float(V[i] @ V[j]) for j in kept), default=0.0) < weights.duplicate]
        if not fresh:
            break
        best = max(fresh, key=lambda i: cands[i].score)
        if cands[best].score - cands[worst].score <= weights.swap_margin:
            break
        chosen = [*kept, best]
    return chosen


def lead_budget(cands: list[Candidate], *, weights: Weights = DEFAULT_WEIGHTS, allow: Any = None) -> list[int]:
    """Indices of the lede: lead passages (the first of each release, then the second, ...) in order, added
    while the lede is shorter than ``lede_words`` and the next passage overshoots the budget by at most
    ``lede_overshoot`` times what is still missing; at least one passage, at most ``lede_max``."""
    pool = sorted((i for i in range(len(cands)) if allow is None or allow(cands[i])),
                  key=lambda i: (cands[i].index, cands[i].source))
    chosen: list[int] = []
    words = 0
    for i in pool:
        n = cands[i].words
        if len(chosen) >= weights.lede_max or words >= weights.lede_words:
            break
        if chosen and words + n - weights.lede_words > weights.lede_overshoot * (weights.lede_words - words):
            break
        chosen.append(i)
        words += n
    return chosen
