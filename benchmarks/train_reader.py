"""Fit the reader (assistant/reader_model.json): which retrieved sentence answers a question.

Labelled data: MultiHop-RAG dev queries, whose evidence ``fact`` sentences are answer-bearing, and the newsroom
set's questions, whose ``support`` sentences are. Every question is read exactly as the answerer reads it
(``ExtractiveAnswerer.read``: retrieval, body sentences, features); a candidate sentence is positive when it
overlaps a labelled sentence. Unanswerable questions (MultiHop null queries, newsroom u*) add negatives only.
The bundled corpus questions are never used here: they are the held-out check of benchmarks/answers.py.

Prints cross-validated figures on folds that keep facts apart (a query's evidence articles never in two folds)
and on folds that keep organisations apart (newsroom issuer / MultiHop outlet), then fits on everything and
writes the model with the decline threshold chosen on the out-of-fold probabilities.

    .venv/bin/python benchmarks/train_reader.py --multihop 400 --write
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from benchmarks.answers import MULTIHOP, NEWSROOMS, multihop_assistant, norm, open_assistant  # noqa: E402

MAX_WRONG_DECLINE = 0.0  # the sentence probability alone separates unanswerable questions poorly (see README)


def _words(s: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", norm(s)))


def overlaps(sentence: str, labelled: Sequence[str]) -> bool:
    a = norm(sentence)
    for lab in labelled:
        b = norm(lab)
        if len(b) > 15 and (b in a or (len(a) > 30 and a in b)):
            return True
        wa, wb = _words(a), _words(b)
        if wa and wb and len(wa & wb) / min(len(wa), len(wb)) >= 0.8 and len(wa & wb) >= 6:
            return True
    return False


def reader(a: Any) -> Any:
    """The answerer that reads as at run time, with a neutral model (the one being fitted may not exist yet)."""
    from assistant.answering.extractive import ExtractiveAnswerer
    from assistant.reader import ReaderModel

    s = a.settings
    return ExtractiveAnswerer(a.retriever, a.store, a.embedder, top_k=s.top_k, min_relevance=s.min_relevance,
                              max_sentences=s.answer_sentences, model=ReaderModel.neutral())


def rows_for(answerer: Any, question: str, labelled: Sequence[str], qid: str, fact_group: str, org_group: str,
             answerable: bool) -> list[dict[str, Any]]:
    reading = answerer.read(question)
    return [{"qid": qid, "x": c.x, "y": int(answerable and overlaps(c.text, labelled)), "fact": fact_group,
             "org": org_group, "answerable": answerable} for c in reading.candidates]


def collect_newsrooms(data_dir: Path) -> list[dict[str, Any]]:
    a = open_assistant(data_dir / "eval-answers-newsrooms", NEWSROOMS / "files")
    answerer = reader(a)
    data = json.loads((NEWSROOMS / "questions.json").read_text())
    org = {r["key"]: r["organisation"] for r in data["releases"]}
    out = []
    for q in data["questions"]:
        keys = q.get("releases") or []
        group = "nr:" + (keys[0] if keys else q["id"])
        out += rows_for(answerer, q["question"], q.get("support", []), "nr:" + q["id"], group,
                        "nr:" + (org.get(keys[0], q["id"]) if keys else q["id"]), not q.get("expected_decline"))
    return out


def collect_multihop(data_dir: Path, n: int, seed: int) -> list[dict[str, Any]]:
    a = multihop_assistant(data_dir)
    answerer = reader(a)
    queries = json.loads((MULTIHOP / "queries_dev.json").read_text())
    rng = random.Random(seed)
    answerable = rng.sample([q for q in queries if q["question_type"] != "null_query"], n)
    nulls = rng.sample([q for q in queries if q["question_type"] == "null_query"], max(1, n // 4))
    out = []
    for i, q in enumerate(answerable + nulls):
        ev = q["evidence_list"]
        facts = [e["fact"] for e in ev]
        fact_group = "mh:" + (min(e["url"] for e in ev) if ev else f"null{i}")
        org_group = "mh:" + (min(e["source"] for e in ev) if ev else f"null{i % 7}")
        out += rows_for(answerer, q["query"], facts, f"mh:{i}", fact_group, org_group, bool(ev))
    return out


def cross_validate(rows: list[dict[str, Any]], key: str, folds: int = 5) -> dict[str, float]:
    """Out-of-fold probabilities; the share of answerable questions whose best sentence is a labelled one."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    groups = np.array([r[key] for r in rows])
    p = np.zeros(len(rows))
    w = weights(rows)
    for train, test in GroupKFold(n_splits=folds).split(x, y, groups):
        p[test] = fit(x[train], y[train], w[train]).predict_proba(x[test])[:, 1]
    for r, v in zip(rows, p, strict=True):
        r["p_" + key] = float(v)
    return {**top1(rows, "p_" + key), "cosine_only": top1(rows, None)["top1"]}


def top1(rows: list[dict[str, Any]], pkey: str | None) -> dict[str, float]:
    from assistant.reader import FEATURES

    by_q: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_q.setdefault(r["qid"], []).append(r)
    hit = n = 0
    cos = FEATURES.index("cosine")
    for rs in by_q.values():
        if not any(r["y"] for r in rs):
            continue
        best = max(rs, key=lambda r: r[pkey] if pkey else r["x"][cos])
        hit += best["y"]
        n += 1
    return {"top1": round(hit / n, 3) if n else 0.0, "questions": n}


def weights(rows: list[dict[str, Any]]) -> Any:
    """Each source weighs the same in total: MultiHop's many multi-article queries would otherwise teach the
    reader its own question style rather than that of questions about one organisation's releases."""
    import numpy as np

    sources = [r["qid"][:3] for r in rows]
    counts = {s: sources.count(s) for s in set(sources)}
    return np.array([len(rows) / (len(counts) * counts[s]) for s in sources])


def fit(x: Any, y: Any, w: Any = None) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    return model.fit(x, y, logisticregression__sample_weight=w)


def threshold(rows: list[dict[str, Any]], pkey: str) -> tuple[float, dict[str, float]]:
    """The highest decline threshold that declines at most MAX_WRONG_DECLINE of answerable questions whose
    retrieval found a labelled sentence (out-of-fold), and what it declines of the unanswerable ones."""
    best: dict[str, tuple[float, bool]] = {}
    for r in rows:
        p, has = best.get(r["qid"], (0.0, False))
        best[r["qid"]] = (max(p, r[pkey]), r["answerable"])
    ans = sorted(p for p, a in best.values() if a)
    una = [p for p, a in best.values() if not a]
    t = ans[int(MAX_WRONG_DECLINE * len(ans))] if ans and MAX_WRONG_DECLINE > 0 else 0.0
    return float(t), {"wrong_decline": round(sum(p < t for p in ans) / len(ans), 3),
                      "correct_decline": round(sum(p < t for p in una) / len(una), 3) if una else 0.0,
                      "answerable": len(ans), "unanswerable": len(una)}


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.reader import FEATURES, MODEL_PATH

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, default=Path("data"))
    p.add_argument("--multihop", type=int, default=400,
                   help="MultiHop answerable queries (+ a quarter as many nulls)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rows", type=Path, help="cache of the labelled candidates (read if present, else written)")
    p.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.name}")
    args = p.parse_args(argv)
    if args.rows and args.rows.exists():
        rows = json.loads(args.rows.read_text())
    else:
        rows = collect_newsrooms(args.data_dir)
        if args.multihop:
            rows += collect_multihop(args.data_dir, args.multihop, args.seed)
        if args.rows:
            args.rows.write_text(json.dumps(rows))
    print(f"{len(rows)} candidate sentences, {sum(r['y'] for r in rows)} labelled answer-bearing")
    report: dict[str, Any] = {}
    for key in ("fact", "org"):
        report[key] = cross_validate(rows, key)
        for name, subset in (("newsrooms", "nr:"), ("multihop", "mh:")):
            report[key][name] = top1([r for r in rows if r["qid"].startswith(subset)], "p_" + key)["top1"]
        print(f"folds by {key}: {report[key]}")
    t, declines = threshold(rows, "p_org")
    report["threshold"] = {"value": round(t, 4), **declines}
    print(f"decline threshold (organisation-disjoint out-of-fold): {report['threshold']}")
    if args.write:
        import numpy as np

        model = fit(np.array([r["x"] for r in rows]), np.array([r["y"] for r in rows]), weights(rows))
        scaler, lr = model.steps[0][1], model.steps[1][1]
        MODEL_PATH.write_text(json.dumps({
            "features": list(FEATURES), "coef": [round(float(c), 6) for c in lr.coef_[0]],
            "intercept": round(float(lr.intercept_[0]), 6), "mean": [round(float(m), 6) for m in scaler.mean_],
            "scale": [round(float(s), 6) for s in scaler.scale_], "threshold": round(t, 4),
            "meta": {"fitted_by": "benchmarks/train_reader.py", "candidates": len(rows), "cv": report},
        }, indent=1) + "\n")
        print(f"wrote {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
