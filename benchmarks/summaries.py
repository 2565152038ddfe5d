"""ROUGE of the offline summariser's lede against CNN/DailyMail reference highlights, beside Lead-3.

Each article file (FRANK's per-article JSON: ``article_lines`` or ``article``, and the reference
highlights under ``bart_reference``, the cased copy, else another ``*_reference`` or ``reference``)
becomes a ``Release`` whose text is the article's paragraphs, and goes through the same
``Summarizer`` the assistant uses for press releases; the lede of its ``brief`` format (lead passages
under a fitted word budget) is scored. Lead-3 is the article's first three sentences, split by the
same sentence splitter, scored in the same run by the same scorer: Google's ``rouge-score`` with the Porter stemmer,
F1 of ROUGE-1, ROUGE-2, ROUGE-L (sentence level) and ROUGE-Lsum (sentences on lines, the
variant papers report as ROUGE-L on CNN/DM).

Beside the shipped model, the learned parts (sentence scorer and the lede's word budget,
``benchmarks/train_summary_scorer.py``) are cross-validated, fitted on the training folds only: 5 folds
by article (each fold's figures and their spread are reported), folds by outlet (CNN / Daily Mail),
FRANK's own split (fit on its validation articles, score its test articles) as a stand-in for unseen
articles, and a final test fold (a fixed fifth of the articles, by a hash of their id) that was kept out
of all development and is fitted on the other four fifths.

    .venv/bin/python benchmarks/summaries.py --json /tmp/summaries.json
    .venv/bin/python benchmarks/summaries.py --articles DIR --limit 50
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FRANK_ROOT = ROOT.parent / "shared" / "data" / "frank"
DEFAULT_ARTICLES = FRANK_ROOT / "articles"
METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum")
REFERENCE_KEYS = ("bart_reference", "reference", "highlights")


def headline(url: str) -> str:
    """The headline an article URL carries in its slug ("…/article-3023941/Gary-Locke-set-….html"), else ""."""
    path = [p for p in re.sub(r"[?#].*$", "", url or "").split("/") if p]
    for part in reversed(path[3:]):
        part = re.sub(r"\.html?$", "", part)
        if part in ("index", "") or part.isdigit() or re.fullmatch(r"article-\d+", part):
            continue
        if "-" in part:
            return " ".join(w for w in part.split("-") if w)
    return ""


def load_articles(folder: Path, *, titles: bool = True) -> list[Any]:
    """Every article file with a reference summary, with the headline of its URL as its title."""
    from benchmarks.train_summary_scorer import Article

    out = []
    for f in sorted(folder.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        ref = next((d[k] for k in REFERENCE_KEYS if isinstance(d.get(k), str)), None)
        if ref is None:
            ref = next((v for k, v in sorted(d.items()) if k.endswith("_reference") and isinstance(v, str)), None)
        if not ref:
            continue
        lines = [ln.strip() for ln in d.get("article_lines") or [] if ln.strip()]
        text = "\n\n".join(lines) if lines else d.get("article", "")
        url = d.get("url") or ""
        outlet = "dailymail" if "dailymail" in url else "cnn" if "cnn.com" in url else "other"
        if text.strip():
            out.append(Article(d.get("hash") or f.stem, headline(url) if titles else "", text, ref, outlet))
    return out


def reference_sentences(ref: str) -> list[str]:
    """CNN/DM highlights are tokenised sentences joined by " . "; one per line for ROUGE-Lsum."""
    parts = [p.strip() for p in ref.replace(" .", " .\n").splitlines()]
    return [p for p in parts if p]


def lead(text: str, n: int = 3) -> list[str]:
    from assistant.chunking import sentence_spans

    return [" ".join(text[s:e].split()) for s, e in sentence_spans(text)[:n]]


def score_systems(articles: Sequence[Any], s: Any) -> dict[str, dict[str, float]]:
    """Mean ROUGE F1 x 100 (and words) of ours (``s``'s lede) and Lead-3 on ``articles``, in one run."""
    from rouge_score import rouge_scorer

    from assistant.types import Release

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = {name: dict.fromkeys((*METRICS, "words"), 0.0) for name in ("ours", "lead3")}
    for a in articles:
        systems = {"ours": s.lede([Release(id=a.id, title=a.title, text=a.text)]), "lead3": lead(a.text, 3)}
        target = "\n".join(reference_sentences(a.reference))
        for name, sents in systems.items():
            scores = scorer.score(target, "\n".join(sents))
            for m in METRICS:
                totals[name][m] += scores[m].fmeasure * 100
            totals[name]["words"] += sum(len(x.split()) for x in sents)
    n = max(1, len(articles))
    return {name: {k: round(v / n, 2) for k, v in t.items()} for name, t in totals.items()}


def cross_validate(data: Sequence[Any], folds: Sequence[Sequence[int]], s: Any) -> dict[str, Any]:
    """Fit on all folds but one, score ours and Lead-3 on that one; each fold's figures, article-weighted means
    over all folds, and the spread (standard deviation) of ours minus Lead-3 across folds."""
    import statistics

    from benchmarks.train_summary_scorer import fit_model

    sums: dict[str, dict[str, float]] = {}
    per_fold = []
    n = 0
    for test in folds:
        held = set(test)
        spec = fit_model([r for i, r in enumerate(data) if i not in held], s)
        part = score_systems([data[i].article for i in test], _with(s, spec))
        per_fold.append({**part, "articles": len(test), "lede": spec["lede"],
                         "ours_minus_lead3": {m: round(part["ours"][m] - part["lead3"][m], 2) for m in METRICS}})
        for name, vals in part.items():
            for k, v in vals.items():
                sums.setdefault(name, {}).setdefault(k, 0.0)
                sums[name][k] += v * len(test)
        n += len(test)
    out: dict[str, Any] = {name: {k: round(v / n, 2) for k, v in vals.items()} for name, vals in sums.items()}
    out["articles"] = n
    out["ours_minus_lead3"] = {m: round(out["ours"][m] - out["lead3"][m], 2) for m in METRICS}
    if len(per_fold) > 1:
        out["fold_sd"] = {m: round(statistics.stdev(f["ours_minus_lead3"][m] for f in per_fold), 2) for m in METRICS}
    out["folds"] = per_fold
    return out


def _with(s: Any, spec: dict[str, Any]) -> Any:
    from assistant.summaries.scorer import DEFAULT_WEIGHTS, LinearModel, lede_weights

    s.model = LinearModel(spec)
    s.weights = lede_weights(DEFAULT_WEIGHTS, spec)
    return s


def final_test_fold(data: Sequence[Any], share: int = 5) -> list[int]:
    """A fixed 1/``share`` of the articles, by a hash of their id: kept out of development, scored at the end."""
    import hashlib

    def key(i: int) -> str:
        return hashlib.sha1(f"final-test:{data[i].article.id}".encode()).hexdigest()

    order = sorted(range(len(data)), key=key)
    return sorted(order[: len(data) // share])


def repeated(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over repeats of a k-fold cross-validation (each article scored once per repeat), each repeat's
    ours minus Lead-3, and the standard deviation of ours minus Lead-3 over all folds of all repeats."""
    import statistics

    out: dict[str, Any] = {name: {k: round(statistics.fmean(r[name][k] for r in runs), 2) for k in runs[0][name]}
                           for name in ("ours", "lead3")}
    out["repeats"] = len(runs)
    out["ours_minus_lead3"] = {m: round(out["ours"][m] - out["lead3"][m], 2) for m in METRICS}
    out["per_repeat"] = [r["ours_minus_lead3"] for r in runs]
    diffs = [f["ours_minus_lead3"] for r in runs for f in r["folds"]]
    if len(diffs) > 1:
        out["fold_sd"] = {m: round(statistics.stdev(d[m] for d in diffs), 2) for m in METRICS}
    return out


def run(folder: Path, *, limit: int = 0, folds: int = 5, titles: bool = True, repeats: int = 5) -> dict[str, Any]:
    import random

    from benchmarks.train_summary_scorer import load_vectors, rows, save_vectors, summarizer

    articles = load_articles(folder, titles=titles)
    if limit:
        articles = articles[:limit]
    if not articles:
        raise SystemExit(f"no article files with a reference summary in {folder}")
    t0 = time.perf_counter()
    s = summarizer(vectors=load_vectors())
    shipped = s.model.spec
    result: dict[str, Any] = {
        "articles": len(articles), "folder": str(folder), "titles_from_urls": titles,
        "scorer": "rouge-score, use_stemmer=True, F1 x 100",
        "shipped_model": score_systems(articles, s),
    }
    data = rows(articles, s)
    save_vectors(s)
    runs = []
    for seed in range(max(1, repeats)):  # repeated k-fold: one split of 168 articles is a noisy estimate
        order = list(range(len(data)))
        random.Random(seed).shuffle(order)
        runs.append(cross_validate(data, [order[f::folds] for f in range(folds)], s))
    result["cv_random_folds"] = runs[0]
    result["cv_repeated"] = repeated(runs)
    outlets = sorted({r.article.outlet for r in data})
    by_outlet = [[i for i, r in enumerate(data) if r.article.outlet == o] for o in outlets]
    result["cv_by_outlet"] = cross_validate(data, [f for f in by_outlet if len(f) >= 5], s)
    from benchmarks.train_summary_scorer import fit_model

    test = final_test_fold(data)
    spec = fit_model([r for i, r in enumerate(data) if i not in set(test)], s)
    final = score_systems([data[i].article for i in test], _with(s, spec))
    result["final_test_fold"] = {**final, "articles": len(test), "trained_on": len(data) - len(test),
                                 "lede": spec["lede"]}
    split = FRANK_ROOT / "validation_split.txt"
    if split.is_file():  # FRANK's own validation/test split: fit on validation articles, score the test ones
        valid = set(split.read_text().split())
        train = [i for i, r in enumerate(data) if r.article.id in valid]
        test = [i for i, r in enumerate(data) if r.article.id not in valid]
        if train and test:
            spec = fit_model([data[i] for i in train], s)
            part = score_systems([data[i].article for i in test], _with(s, spec))
            part["articles"] = len(test)  # type: ignore[assignment]
            part["trained_on"] = len(train)  # type: ignore[assignment]
            result["frank_test_split"] = part
    _with(s, shipped)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    result["python"] = platform.python_version()
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES, help="folder of article JSON files")
    ap.add_argument("--json", type=Path, default=None, help="write the results (with per-article scores) here")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    ap.add_argument("--folds", type=int, default=5, help="folds of the cross-validation (by article)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of the cross-validation, each shuffled anew")
    ap.add_argument("--no-titles", action="store_true", help="do not give articles the headline of their URL")
    args = ap.parse_args(argv)
    result = run(args.articles, limit=args.limit, folds=args.folds, titles=not args.no_titles,
                 repeats=args.repeats)
    print(f"{result['articles']} articles; ROUGE F1 x 100 (rouge-score, Porter stemmer)")
    print(f"{'':34s} {'system':6s} " + " ".join(f"{m:>9s}" for m in METRICS) + "  words")
    for key, label in (("shipped_model", "shipped model (fit on these articles)"),
                       ("cv_repeated", f"{args.folds}-fold CV, {args.repeats} repeats"),
                       ("cv_random_folds", f"{args.folds}-fold CV, first repeat"),
                       ("cv_by_outlet", "outlet-held-out (CNN / Daily Mail)"),
                       ("final_test_fold", "final test fold (fit on the rest)"),
                       ("frank_test_split", "fit on FRANK valid, FRANK test")):
        if key not in result:
            continue
        for name in ("ours", "lead3"):
            r = result[key][name]
            print(f"{label[:34]:34s} {name:6s} " + " ".join(f"{r[m]:9.2f}" for m in METRICS)
                  + f"  {r['words']:5.1f}")
    cv = result["cv_random_folds"]
    for k, f in enumerate(cv["folds"], 1):
        d = f["ours_minus_lead3"]
        print(f"fold {k} ({f['articles']} articles, lede budget {f['lede']['words']:.0f} words, overshoot "
              f"{f['lede']['overshoot']:g}): ours - Lead-3 " + " ".join(f"{d[m]:+.2f}" for m in METRICS))
    print("first repeat: ours - Lead-3 " + " ".join(f"{cv['ours_minus_lead3'][m]:+.2f}" for m in METRICS)
          + "; sd across folds " + " ".join(f"{cv.get('fold_sd', {}).get(m, 0.0):.2f}" for m in METRICS))
    rep = result["cv_repeated"]
    for k, d in enumerate(rep["per_repeat"], 1):
        print(f"repeat {k}: ours - Lead-3 " + " ".join(f"{d[m]:+.2f}" for m in METRICS))
    print(f"{rep['repeats']} repeats: ours - Lead-3 " + " ".join(f"{rep['ours_minus_lead3'][m]:+.2f}" for m in METRICS)
          + "; sd across all folds " + " ".join(f"{rep.get('fold_sd', {}).get(m, 0.0):.2f}" for m in METRICS))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
