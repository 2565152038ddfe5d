"""ROUGE of the offline summariser's 3-sentence lede against CNN/DailyMail reference highlights, beside Lead-3.

Each article file (FRANK's per-article JSON: ``article_lines`` or ``article``, and the reference
highlights under ``bart_reference``, the cased copy, else another ``*_reference`` or ``reference``)
becomes a ``Release`` whose text is the article's paragraphs, and goes through the same
``Summarizer`` the assistant uses for press releases; the lede of its ``brief`` format is
scored. Lead-3 is the article's first three sentences, split by the same sentence splitter,
scored in the same run by the same scorer: Google's ``rouge-score`` with the Porter stemmer,
F1 of ROUGE-1, ROUGE-2, ROUGE-L (sentence level) and ROUGE-Lsum (sentences on lines, the
variant papers report as ROUGE-L on CNN/DM).

    .venv/bin/python benchmarks/summaries.py --json /tmp/summaries.json
    .venv/bin/python benchmarks/summaries.py --articles DIR --limit 50
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_ARTICLES = ROOT.parent / "shared" / "data" / "frank" / "articles"
METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum")
REFERENCE_KEYS = ("bart_reference", "reference", "highlights")


def load_articles(folder: Path) -> list[tuple[str, str, str]]:
    """(id, article text as paragraphs, reference) for every file that has a reference summary."""
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
        if text.strip():
            out.append((d.get("hash") or f.stem, text, ref))
    return out


def reference_sentences(ref: str) -> list[str]:
    """CNN/DM highlights are tokenised sentences joined by " . "; one per line for ROUGE-Lsum."""
    parts = [p.strip() for p in ref.replace(" .", " .\n").splitlines()]
    return [p for p in parts if p]


def lead(text: str, n: int = 3) -> list[str]:
    from assistant.chunking import sentence_spans

    return [" ".join(text[s:e].split()) for s, e in sentence_spans(text)[:n]]


def run(folder: Path, *, limit: int = 0) -> dict[str, Any]:
    from rouge_score import rouge_scorer

    from assistant.embedding import Embedder
    from assistant.summaries import Summarizer
    from assistant.types import Release

    articles = load_articles(folder)
    if limit:
        articles = articles[:limit]
    if not articles:
        raise SystemExit(f"no article files with a reference summary in {folder}")
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    summarizer = Summarizer(Embedder(threads=1))
    totals: dict[str, dict[str, float]] = {"ours": dict.fromkeys(METRICS, 0.0), "lead3": dict.fromkeys(METRICS, 0.0)}
    words = {"ours": 0, "lead3": 0}
    per_article = []
    t0 = time.perf_counter()
    for i, (aid, text, ref) in enumerate(articles, 1):
        release = Release(id=aid, title="", text=text)
        systems = {"ours": summarizer.lede([release], 3), "lead3": lead(text, 3)}
        target = "\n".join(reference_sentences(ref))
        row: dict[str, Any] = {"id": aid}
        for name, sents in systems.items():
            scores = scorer.score(target, "\n".join(sents))
            for m in METRICS:
                totals[name][m] += scores[m].fmeasure
            words[name] += sum(len(s.split()) for s in sents)
            row[name] = {m: round(scores[m].fmeasure, 4) for m in METRICS}
        per_article.append(row)
        if i % 25 == 0:
            print(f"  {i}/{len(articles)} articles ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    n = len(articles)
    result: dict[str, Any] = {
        "articles": n,
        "folder": str(folder),
        "scorer": "rouge-score, use_stemmer=True, F1 x 100",
        "seconds": round(time.perf_counter() - t0, 1),
        "python": platform.python_version(),
    }
    for name in totals:
        result[name] = {m: round(100 * totals[name][m] / n, 2) for m in METRICS}
        result[name]["mean_words"] = round(words[name] / n, 1)
    result["ours_beats_lead3"] = {m: result["ours"][m] > result["lead3"][m] for m in METRICS}
    # The summariser's few weights were set on the even-numbered articles of the FRANK folder (sorted
    # by file name); the odd-numbered ones are the held-out half.
    for half, parity in (("tuning_half", 0), ("held_out_half", 1)):
        rows = per_article[parity::2]
        result[half] = {name: {m: round(100 * sum(r[name][m] for r in rows) / max(1, len(rows)), 2)
                               for m in METRICS} for name in totals}
    result["per_article"] = per_article
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES, help="folder of article JSON files")
    ap.add_argument("--json", type=Path, default=None, help="write the results (with per-article scores) here")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles")
    args = ap.parse_args(argv)
    result = run(args.articles, limit=args.limit)
    print(f"{result['articles']} articles; ROUGE F1 x 100 (rouge-score, Porter stemmer)")
    print(f"{'system':8s} " + " ".join(f"{m:>9s}" for m in METRICS) + "  words")
    for name in ("ours", "lead3"):
        r = result[name]
        print(f"{name:8s} " + " ".join(f"{r[m]:9.2f}" for m in METRICS) + f"  {r['mean_words']:5.1f}")
    for half in ("tuning_half", "held_out_half"):
        for name in ("ours", "lead3"):
            r = result[half][name]
            print(f"  {half:13s} {name:6s} " + " ".join(f"{r[m]:9.2f}" for m in METRICS))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
