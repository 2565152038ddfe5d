"""The citation checker as a faithfulness judge, scored against human judgements on FRANK.

For every CNN/DailyMail row of ``human_annotations.json`` whose article file is present, the
machine summary is scored against its article by ``CitationChecker.score_text`` (mean support
of its sentences), and the Spearman correlation with the human ``Factuality`` score is printed:
over all rows, and over the ``test`` and ``valid`` splits apart.

``--fit`` first re-fits the checker's logistic weights on synthetic citation errors built from
the ``valid``-split articles only (a claim against its own window of the article; against a
window of the same article that lacks its best sentence; against another article; and with a
figure or name swapped for another from the same article), prints them, and uses them; the
``test`` split then is a held-out check. The weights in ``assistant/checking.py`` came from this.

    .venv/bin/python benchmarks/faithfulness.py --json /tmp/faithfulness.json
    .venv/bin/python benchmarks/faithfulness.py --fit          # re-fit weights and threshold, then score
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRANK = ROOT.parent / "shared" / "data" / "frank"
WINDOW = 8  # sentences per synthetic "cited chunk", about one 256-token chunk of news prose


def load_rows(frank: Path, articles: Path) -> list[dict[str, Any]]:
    """CNN/DM annotation rows with their summary and article text; rows without an article file are skipped."""
    rows = json.loads((frank / "human_annotations.json").read_text(encoding="utf-8"))
    cache: dict[str, dict[str, Any] | None] = {}
    out = []
    for r in rows:
        if r.get("dataset") != "cnndm":
            continue
        h = r["hash"]
        if h not in cache:
            f = articles / f"{h}.json"
            cache[h] = json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None
        art = cache[h]
        if art is None or r["model_name"] not in art:
            continue
        out.append({**r, "summary": art[r["model_name"]], "article": article_text(art)})
    return out


def article_text(art: dict[str, Any]) -> str:
    """The article as paragraphs (its original lines), the way a release's text is stored."""
    lines = [ln.strip() for ln in art.get("article_lines") or [] if ln.strip()]
    return "\n\n".join(lines) if lines else art["article"]


def score_rows(rows: list[dict[str, Any]], checker: Any) -> list[float]:
    scores = []
    t0 = time.perf_counter()
    for i, r in enumerate(rows, 1):
        scores.append(checker.score_text(r["summary"], r["article"]))
        if i % 100 == 0:
            print(f"  scored {i}/{len(rows)} summaries ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return scores


def correlations(rows: list[dict[str, Any]], scores: list[float]) -> dict[str, Any]:
    from assistant.checking import spearman

    out: dict[str, Any] = {}
    for name, keep in (("all", lambda r: True), ("test", lambda r: r["split"] == "test"),
                       ("valid", lambda r: r["split"] == "valid")):
        idx = [i for i, r in enumerate(rows) if keep(r)]
        xs = [scores[i] for i in idx]
        ys = [rows[i]["Factuality"] for i in idx]
        out[name] = {"n": len(idx), "spearman": round(spearman(xs, ys), 4)}
    return out


# ---- fitting --------------------------------------------------------------------------------
def _swap(claim: str, article: str, rng: random.Random) -> str | None:
    """The claim with one figure or name replaced by a different one from the same article."""
    nums = re.findall(r"\b\d[\d,.]*\b", claim)
    art_nums = sorted(set(re.findall(r"\b\d[\d,.]*\d\b|\b\d\b", article)) - set(nums))
    if nums and art_nums and rng.random() < 0.5:
        old = rng.choice(nums)
        return claim.replace(old, rng.choice(art_nums), 1)
    names = sorted({m for m in re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b", article)})
    present = [n for n in names if re.search(rf"\b{re.escape(n)}\b", claim, re.I)]
    others = [n for n in names if n not in present]
    if present and others:
        old = rng.choice(present)
        new = rng.choice(others)
        return re.sub(rf"\b{re.escape(old)}\b", new if claim[:1].isupper() else new.lower(), claim, count=1,
                      flags=re.I)
    return None


def training_pairs(rows: list[dict[str, Any]], checker: Any, rng: random.Random) -> tuple[list[Any], list[int]]:
    """Synthetic (features, label) pairs from fully factual summaries of the given rows."""
    from assistant.checking import terms
    from assistant.chunking import sentence_spans

    X: list[Any] = []
    y: list[int] = []
    articles = sorted({r["article"] for r in rows})
    for r in rows:
        if r["Factuality"] < 1.0:
            continue
        art = r["article"]
        sents = [art[s:e] for s, e in sentence_spans(art)]
        if len(sents) < 2 * WINDOW:
            continue
        full = checker.evidence(art, pairs=False)
        for s, e in sentence_spans(r["summary"]):
            claim = r["summary"][s:e]
            if len(terms(claim)) < 4:
                continue
            vec = checker.embed_claims([claim])[0]
            # where in the article the claim comes from
            _, best, _ = checker.features(claim, full, vec)
            lo = max(0, min(best - WINDOW // 2, len(sents) - WINDOW))
            own = " ".join(sents[lo:lo + WINDOW])
            far = (lo + WINDOW + rng.randrange(0, max(1, len(sents) - 2 * WINDOW))) % len(sents)
            other_sents = [x for i, x in enumerate(sents) if not lo <= i < lo + WINDOW]
            far = min(far, max(0, len(other_sents) - WINDOW))
            same_wrong = " ".join(other_sents[far:far + WINDOW])
            other = rng.choice(articles)
            while other == art:
                other = rng.choice(articles)
            other_s = [other[a:b] for a, b in sentence_spans(other)]
            o = rng.randrange(0, max(1, len(other_s) - WINDOW))
            wrong_article = " ".join(other_s[o:o + WINDOW])
            for text, label in ((own, 1), (same_wrong, 0), (wrong_article, 0)):
                X.append(checker.features(claim, checker.evidence(text), vec)[0].vector())
                y.append(label)
            swapped = _swap(claim, art, rng)
            if swapped and swapped != claim:
                sv = checker.embed_claims([swapped])[0]
                X.append(checker.features(swapped, checker.evidence(own), sv)[0].vector())
                y.append(0)
    return X, y


def fit_logistic(X: list[Any], y: list[int], *, l2: float = 1e-3, steps: int = 3000) -> tuple[list[float], float]:
    """Plain logistic regression by gradient descent (numpy only), classes weighted to balance."""
    import numpy as np

    A = np.asarray(X, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)
    w_pos = len(t) / (2 * max(1.0, t.sum()))
    w_neg = len(t) / (2 * max(1.0, len(t) - t.sum()))
    sw = np.where(t > 0, w_pos, w_neg)
    w = np.zeros(A.shape[1])
    b = 0.0
    lr = 0.5
    for _ in range(steps):
        z = A @ w + b
        p = 1 / (1 + np.exp(-z))
        g = (p - t) * sw
        w -= lr * (A.T @ g / len(t) + l2 * w)
        b -= lr * g.mean()
    return [round(float(v), 2) for v in w], round(float(b), 2)


def pick_threshold(probs: list[float], y: list[int], keep: float = 0.95) -> float:
    """The highest threshold that still verifies ``keep`` of the correctly cited claims."""
    pos = sorted(p for p, t in zip(probs, y, strict=True) if t == 1)
    if not pos:
        return 0.5
    return round(pos[int((1 - keep) * len(pos))], 2)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frank", type=Path, default=FRANK, help="FRANK folder (human_annotations.json)")
    ap.add_argument("--articles", type=Path, default=None, help="article files (default: FRANK/articles)")
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    ap.add_argument("--fit", action="store_true", help="re-fit the checker's weights on the valid split first")
    ap.add_argument("--lexical", action="store_true", help="no embeddings (words only)")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N rows (quick look)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from assistant.checking import BIAS, DEFAULT_THRESHOLD, WEIGHTS, CitationChecker
    from assistant.embedding import Embedder

    rows = load_rows(args.frank, args.articles or args.frank / "articles")
    if args.limit:
        rows = rows[: args.limit]
    print(f"{len(rows)} CNN/DM summaries with their article present "
          f"({len({r['hash'] for r in rows})} articles)", file=sys.stderr)
    embedder = None if args.lexical else Embedder(threads=1)
    checker = CitationChecker(embedder)
    result: dict[str, Any] = {"rows": len(rows), "embeddings": not args.lexical}
    if args.fit:
        rng = random.Random(args.seed)
        X, y = training_pairs([r for r in rows if r["split"] == "valid"], checker, rng)
        weights, bias = fit_logistic(X, y)
        checker = CitationChecker(embedder, weights=weights, bias=bias)
        probs = [checker.probability(_features(x)) for x in X]
        threshold = pick_threshold(probs, y)
        checker.threshold = threshold
        acc = sum((p >= threshold) == bool(t) for p, t in zip(probs, y, strict=True)) / len(y)
        neg = [p for p, t in zip(probs, y, strict=True) if t == 0]
        result["fit"] = {"pairs": len(y), "positives": sum(y), "weights": weights, "bias": bias,
                         "threshold": threshold, "accuracy": round(acc, 4),
                         "wrong_citations_caught": round(sum(p < threshold for p in neg) / max(1, len(neg)), 4)}
        print(f"fitted on {len(y)} synthetic pairs: WEIGHTS = {tuple(weights)}, BIAS = {bias}, "
              f"threshold {threshold} (accuracy {acc:.3f})")
    else:
        result["weights"], result["bias"], result["threshold"] = list(WEIGHTS), BIAS, DEFAULT_THRESHOLD
    t0 = time.perf_counter()
    scores = score_rows(rows, checker)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["spearman"] = correlations(rows, scores)
    for name, v in result["spearman"].items():
        print(f"Spearman(checker score, human Factuality) {name:5s} n={v['n']:4d}  {v['spearman']:+.3f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def _features(x: Any) -> Any:
    from assistant.checking import Features

    return Features(*x)


if __name__ == "__main__":
    main()
