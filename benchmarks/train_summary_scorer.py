"""Fit the summary sentence scorer (assistant/summaries/summary_model.json) on the FRANK CNN/DM dev articles.

Every body passage of an article (as the summariser sees it: boilerplate out, whole quotes) gets
the features of ``assistant.summaries.scorer`` and a label: whether it is in the greedy oracle
summary (up to three passages chosen one by one for the best mean ROUGE-1/ROUGE-2 F1 against the
reference highlights). A logistic regression on standardised features learns the weights, which
rank the points of bullets, newsletter and exec. The brief's lede is the lead under a word budget
(``scorer.lead_budget``): the budget is chosen on the same training articles, by the
ROUGE-1 + ROUGE-2 + ROUGE-L of the lede it gives. Serving reads the exported JSON with numpy.

    .venv/bin/python benchmarks/train_summary_scorer.py            # fit on all dev articles, write the JSON
    .venv/bin/python benchmarks/train_summary_scorer.py --dry-run  # fit and print, write nothing

Cross-validated figures come from ``benchmarks/summaries.py``, which uses ``fit`` and ``rows`` from here.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

C = 1.0  # inverse L2 penalty of the logistic regression
SWAP_MARGIN = 1.0  # exec's "what happened" swaps by this margin (log-odds); chosen on the 3-sentence lede before
LEDE_WORDS = (55.0, 60.0, 65.0, 70.0, 75.0, 80.0, 85.0, 90.0)  # candidate word budgets of the lede
# The next passage joins when that brings the lede closer to its budget (overshoot 1). Fitting the overshoot
# too (0.5-3, or "until over") chose it differently in every fold and lost ROUGE in cross-validation.
LEDE_OVERSHOOT = (1.0,)
LEDE_MAX = 4
REDUNDANCY = 1.0  # MMR trade-off of the other formats, in the model's log-odds units (not fitted: no data)
VECTOR_CACHE = Path("/tmp/summary-scorer-vectors.pkl")


@dataclass
class Article:
    id: str
    title: str
    text: str
    reference: str
    outlet: str


@dataclass
class Rows:
    article: Article
    X: Any
    y: Any
    cands: list[Any]
    reference: str


def summarizer(model_spec: dict[str, Any] | None = None, vectors: dict[str, Any] | None = None) -> Any:
    from assistant.embedding import Embedder
    from assistant.summaries import Summarizer
    from assistant.summaries.scorer import LinearModel

    s = Summarizer(Embedder(threads=2), model=LinearModel(model_spec) if model_spec else None, cache_size=10**7)
    if vectors:
        s._vectors = vectors
    return s


def oracle(reference: str, texts: Sequence[str], scorer: Any, k: int = 3) -> list[int]:
    """Greedy ROUGE oracle: passages added one by one while the mean ROUGE-1/2 F1 of the summary rises."""
    chosen: list[int] = []
    best = 0.0
    for _ in range(k):
        gains = []
        for i in range(len(texts)):
            if i not in chosen:
                r = scorer.score(reference, "\n".join(texts[j] for j in sorted([*chosen, i])))
                gains.append(((r["rouge1"].fmeasure + r["rouge2"].fmeasure) / 2, i))
        if not gains or max(gains)[0] <= best:
            break
        best, i = max(gains)
        chosen.append(i)
    return chosen


def rows(articles: Sequence[Article], s: Any) -> list[Rows]:
    """Features and oracle labels of every passage of every article."""
    import numpy as np
    from rouge_score import rouge_scorer

    from assistant.summaries.scorer import features
    from assistant.types import Release
    from benchmarks.summaries import reference_sentences

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    out = []
    for a in articles:
        cands, V, tv, _ = s.passages([Release(id=a.id, title=a.title, text=a.text)])
        if not cands:
            continue
        y = np.zeros(len(cands))
        y[oracle("\n".join(reference_sentences(a.reference)), [c.text for c in cands], scorer)] = 1.0
        out.append(Rows(a, features(cands, V, tv), y, cands, "\n".join(reference_sentences(a.reference))))
    return out


def fit(train: Sequence[Rows], c: float = C) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from assistant.summaries.scorer import FEATURES

    X = np.vstack([r.X for r in train])
    y = np.concatenate([r.y for r in train])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000).fit((X - mean) / scale, y)
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]), "C": c,
            "trained_on": len(train), "redundancy": REDUNDANCY, "swap_margin": SWAP_MARGIN,
            "target": "log-odds that the passage is in the greedy ROUGE-1/2 oracle summary of 3"}


_ROUGE: dict[tuple[str, tuple[int, ...]], Any] = {}


def lede_rouge(r: Rows, picked: Sequence[int]) -> Any:
    """ROUGE-1/2/L F1 x 100 of the passages ``picked`` (reading order) of ``r``, cached: the grid repeats ledes."""
    import numpy as np
    from rouge_score import rouge_scorer

    key = (r.article.id, tuple(sorted(picked, key=lambda i: r.cands[i].start)))
    if key not in _ROUGE:
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
        scores = scorer.score(r.reference, "\n".join(r.cands[i].text for i in key[1]))
        _ROUGE[key] = np.array([scores[m].fmeasure * 100 for m in ("rouge1", "rouge2", "rougeL")])
    return _ROUGE[key]


def fit_lede(train: Sequence[Rows]) -> dict[str, float]:
    """The word budget and overshoot of the lede with the best mean ROUGE-1 + ROUGE-2 + ROUGE-L on ``train``."""
    import numpy as np

    from assistant.summaries.extractive import fact_or_quote
    from assistant.summaries.scorer import DEFAULT_WEIGHTS, lead_budget

    best: tuple[float, dict[str, float]] | None = None
    for words in LEDE_WORDS:
        for over in LEDE_OVERSHOOT:
            w = replace(DEFAULT_WEIGHTS, lede_words=words, lede_overshoot=over, lede_max=LEDE_MAX)
            total = float(np.mean([lede_rouge(r, lead_budget(r.cands, weights=w, allow=fact_or_quote))
                                   for r in train], axis=0).sum())
            if best is None or total > best[0]:
                best = (total, {"words": words, "overshoot": over, "max_passages": LEDE_MAX})
    assert best is not None
    return best[1]


def fit_model(train: Sequence[Rows], s: Any = None) -> dict[str, Any]:
    """Fit the weights and the lede's word budget on the same training articles."""
    spec = fit(train)
    spec["lede"] = fit_lede(train)
    return spec


def load_vectors() -> dict[str, Any]:
    if VECTOR_CACHE.is_file():
        return pickle.loads(VECTOR_CACHE.read_bytes())
    return {}


def save_vectors(s: Any) -> None:
    VECTOR_CACHE.write_bytes(pickle.dumps(s._vectors))


def main(argv: list[str] | None = None) -> int:
    from assistant.summaries.scorer import MODEL_PATH
    from benchmarks.summaries import DEFAULT_ARTICLES, load_articles

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    articles = load_articles(args.articles)
    s = summarizer(vectors=load_vectors())
    data = rows(articles, s)
    save_vectors(s)
    spec = fit_model(data, s)
    print(json.dumps({k: v for k, v in spec.items() if k not in ("mean", "scale")}, indent=1))
    if not args.dry_run:
        MODEL_PATH.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
