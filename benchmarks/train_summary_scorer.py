"""Fit the summary sentence scorer (assistant/summaries/summary_model.json) on the FRANK CNN/DM dev articles.

Every body passage of an article (as the summariser sees it: boilerplate out, whole quotes) gets
the features of ``assistant.summaries.scorer`` and a target: its ROUGE-1 and ROUGE-2 F1 (mean)
against the article's reference highlights. A ridge regression on standardised features learns
the weights; the MMR redundancy trade-off is chosen with it, by the ROUGE of the selected 3-sentence
lede. Serving reads the exported weights with numpy.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ALPHA = 10.0  # ridge penalty (1, 10 and 100 were within 0.1 ROUGE of each other in cross-validation)
REDUNDANCY = (0.0, 0.05, 0.1, 0.2)
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


def summarizer(model_spec: dict[str, Any] | None = None, vectors: dict[str, Any] | None = None) -> Any:
    from assistant.embedding import Embedder
    from assistant.summaries import Summarizer
    from assistant.summaries.scorer import LinearModel

    s = Summarizer(Embedder(threads=2), model=LinearModel(model_spec) if model_spec else None, cache_size=10**7)
    if vectors:
        s._vectors = vectors
    return s


def rows(articles: Sequence[Article], s: Any) -> list[Rows]:
    """Features and targets of every passage of every article."""
    import numpy as np
    from rouge_score import rouge_scorer

    from assistant.summaries.scorer import features
    from assistant.types import Release

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    out = []
    for a in articles:
        cands, V, tv, _ = s.passages([Release(id=a.id, title=a.title, text=a.text)])
        if not cands:
            continue
        X = features(cands, V, tv)
        y = np.array([(lambda r: (r["rouge1"].fmeasure + r["rouge2"].fmeasure) / 2)(scorer.score(a.reference, c.text))
                      for c in cands])
        out.append(Rows(a, X, y))
    return out


def fit(train: Sequence[Rows], alpha: float = ALPHA) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import Ridge

    from assistant.summaries.scorer import FEATURES

    X = np.vstack([r.X for r in train])
    y = np.concatenate([r.y for r in train])
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = Ridge(alpha=alpha).fit((X - mean) / scale, y)
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": model.coef_.tolist(), "intercept": float(model.intercept_), "alpha": alpha,
            "trained_on": len(train), "target": "mean of ROUGE-1 and ROUGE-2 F1 with the reference highlights"}


def lede_rouge(spec: dict[str, Any], articles: Sequence[Article], s: Any) -> dict[str, float]:
    """Mean ROUGE F1 x 100 of the summariser's 3-sentence lede under ``spec``, on ``articles``."""
    from rouge_score import rouge_scorer

    from assistant.summaries.scorer import LinearModel
    from assistant.types import Release
    from benchmarks.summaries import METRICS, reference_sentences

    model = LinearModel(spec)
    s.model = model
    s.weights = type(s.weights)(query=s.weights.query, redundancy=spec["redundancy"], duplicate=s.weights.duplicate)
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    for a in articles:
        lede = s.lede([Release(id=a.id, title=a.title, text=a.text)], 3)
        scores = scorer.score("\n".join(reference_sentences(a.reference)), "\n".join(lede))
        for m in METRICS:
            totals[m] += scores[m].fmeasure
    return {m: 100 * v / max(1, len(articles)) for m, v in totals.items()}


def fit_with_redundancy(train: Sequence[Rows], s: Any) -> dict[str, Any]:
    """Fit the weights, then choose the redundancy trade-off by ROUGE on the same training articles."""
    spec = fit(train)
    best = None
    for red in REDUNDANCY:
        spec["redundancy"] = red
        r = lede_rouge(spec, [t.article for t in train], s)
        val = r["rouge1"] + r["rouge2"] + r["rougeLsum"]
        if best is None or val > best[0]:
            best = (val, red)
    spec["redundancy"] = best[1] if best else 0.0
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
    spec = fit_with_redundancy(data, s)
    print(json.dumps({k: v for k, v in spec.items() if k not in ("mean", "scale")}, indent=1))
    if not args.dry_run:
        MODEL_PATH.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
