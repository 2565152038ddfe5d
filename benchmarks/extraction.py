"""Main text, titles and dates of real pages: our HTML reader beside trafilatura alone, in one run.

Two dev sets under ``../shared/data`` (read-only, never copied into the repository):

- ``extraction``: 1,975 web pages with human main-content text. Each page's body text is scored
  with the folder's own metric (``score.py``: ROUGE-LSum F1 on white-space tokens, NLTK sentences),
  and with the 4-word-shingle F1 of ``\\w+`` tokens that the public article-extraction benchmark
  uses. Both extractors see the same HTML in the same run. Printed per source (subset), with the
  pages where ours falls below 0.5 while trafilatura alone scores above 0.9.
- ``dates``: the publication dates of the extraction pages whose ground truth gives one (Readability's
  metadata), ours beside trafilatura's metadata.
- ``newsrooms``: real press releases in every format, scored against ``questions.json``: title
  (case- and punctuation-insensitive, any listed title counts), date, whether the sentences the
  questions quote are still in the text, and whether release furniture was left in it.

``--folds`` reports the figures per half of the sources (fit on one half, score on the other),
so that a rule tuned on the dev set is also shown on pages it was not tuned on.

    .venv/bin/python benchmarks/extraction.py                      # both sets
    .venv/bin/python benchmarks/extraction.py --limit 40 --set extraction
    .venv/bin/python benchmarks/extraction.py --json /tmp/extraction.json --show-worst 10
    .venv/bin/python benchmarks/extraction.py --set dates
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
EXTRACTION = DATA / "extraction"
NEWSROOMS = DATA / "newsrooms"
# Folds by source: no page of a held-out source is seen by a rule fitted on the other fold.
FOLDS = (("cleaneval", "l3s-gn1", "readability"), ("cleanportaleval", "dragnet"))
# Lines that are release furniture wherever they occur (the list); none may survive ingest.
FURNITURE = re.compile(
    r"^(?:view source version on|source:? [A-Z]|for information media\b|not an official record|tags?:|"
    r"further information\b|related (?:news|articles|content|links)\b|share (?:this|on)\b|"
    r"(?:media|press) contacts?:?$|forward-looking statements?$|about [A-Z][\w&.,' -]{1,60}$)",
    re.IGNORECASE | re.MULTILINE,
)


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _load_scorer() -> Any:
    """The extraction folder's own ``score.py`` (standard library only), imported by path."""
    spec = importlib.util.spec_from_file_location("extraction_score", EXTRACTION / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shingle_f1(truth: str, pred: str, n: int = 4) -> float:
    """F1 of the bags of ``n``-word shingles of ``\\w+`` tokens (the article-extraction-benchmark metric)."""

    def bag(text: str) -> Counter[tuple[str, ...]]:
        toks = re.findall(r"\w+", text.lower())
        if len(toks) < n:
            return Counter([tuple(toks)]) if toks else Counter()
        return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))

    t, p = bag(truth), bag(pred)
    if not t and not p:
        return 1.0
    hit = sum((t & p).values())
    if not hit:
        return 0.0
    precision, recall = hit / sum(p.values()), hit / sum(t.values())
    return 2 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------------------------
# Extractors
# --------------------------------------------------------------------------------------------


def ours(html: bytes) -> str:
    """Body text as our ingest stores it (the title is metadata, not body, for both extractors)."""
    from assistant.corpus import load_bytes
    from assistant.types import Release

    out = [r for r in load_bytes(html, "page.html") if isinstance(r, Release)]
    return out[0].text if out else ""


def trafilatura_alone(html: bytes) -> str:
    """trafilatura's main text with its defaults, comments left out (as extraction benchmarks run it)."""
    import trafilatura

    return trafilatura.extract(html.decode("utf-8", "replace"), include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[bytes], str]] = {"ours": ours, "trafilatura": trafilatura_alone}


# --------------------------------------------------------------------------------------------
# The extraction set
# --------------------------------------------------------------------------------------------


def extraction_pages(limit: int | None, subsets: list[str] | None) -> Iterator[tuple[str, str, bytes, str]]:
    """(subset, page id, HTML bytes, ground truth) for every page, ``limit`` per subset at most."""
    for f in sorted((EXTRACTION / "ground-truth").glob("*.jsonl.gz")):
        subset = f.name.removesuffix(".jsonl.gz")
        if subsets and subset not in subsets:
            continue
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        for row in rows[:limit]:
            html = gzip.decompress((EXTRACTION / "html" / subset / f"{row['page_id']}.html.gz").read_bytes())
            yield subset, row["page_id"], html, row["plaintext"]


def run_extraction(limit: int | None, subsets: list[str] | None) -> dict[str, Any]:
    scorer = _load_scorer()
    split, split_name = scorer._find_splitter()
    pages: list[dict[str, Any]] = []
    seconds: dict[str, float] = defaultdict(float)
    for subset, page_id, html, truth in extraction_pages(limit, subsets):
        row: dict[str, Any] = {"subset": subset, "page_id": page_id}
        for name, fn in EXTRACTORS.items():
            started = time.perf_counter()
            try:
                text = fn(html)
            except Exception as e:  # noqa: BLE001 - an extractor crash scores as an empty extraction
                _log(f"{name} failed on {subset}/{page_id}: {type(e).__name__}: {e}")
                text = ""
            seconds[name] += time.perf_counter() - started
            row[f"{name}_f1"] = scorer.score_page(truth, text, ["rouge"], split)["rouge_f1"]
            row[f"{name}_shingle"] = shingle_f1(truth, text)
        pages.append(row)
        if len(pages) % 50 == 0:
            _log(f"{len(pages)} pages")
    return {"splitter": split_name, "pages": pages, "seconds": dict(seconds)}


def summarise_extraction(result: dict[str, Any], *, show_worst: int) -> dict[str, Any]:
    pages = result["pages"]
    by_subset: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in pages:
        by_subset[p["subset"]].append(p)
    names = list(EXTRACTORS)
    metrics = [f"{n}_{m}" for m in ("f1", "shingle") for n in names]
    table: dict[str, dict[str, float]] = {}
    for subset, rows in sorted(by_subset.items()):
        table[subset] = {"pages": len(rows), **{m: statistics.fmean(r[m] for r in rows) for m in metrics}}
    subs = list(table.values())
    table["_micro"] = {"pages": len(pages), **{m: statistics.fmean(r[m] for r in pages) for m in metrics}}
    table["_macro"] = {"pages": len(pages), **{m: statistics.fmean(s[m] for s in subs) for m in metrics}}
    for i, fold in enumerate(FOLDS, 1):
        rows = [p for p in pages if p["subset"] in fold]
        if rows:
            table[f"_fold{i}"] = {"pages": len(rows), **{m: statistics.fmean(r[m] for r in rows) for m in metrics}}
    lost = [p for p in pages if p["ours_f1"] < 0.5 and p["trafilatura_f1"] > 0.9]
    lost_shingle = [p for p in pages if p["ours_shingle"] < 0.5 and p["trafilatura_shingle"] > 0.9]
    print(f"\nbody text, ROUGE-LSum F1 (sentences: {result['splitter']}) and 4-shingle F1")
    print(f"{'source':<16}{'pages':>6}" + "".join(f"{m:>22}" for m in metrics))
    for subset, v in table.items():
        print(f"{subset:<16}{v['pages']:>6}" + "".join(f"{v[m]:>22.4f}" for m in metrics))
    print(f"pages where ours < 0.5 and trafilatura > 0.9: {len(lost)} (ROUGE), {len(lost_shingle)} (shingles)")
    for p in lost[:20]:
        print(f"  {p['subset']}/{p['page_id'][:16]} ours {p['ours_f1']:.2f} trafilatura {p['trafilatura_f1']:.2f}")
    for name, s in result["seconds"].items():
        print(f"{name}: {s:.1f} s for {len(pages)} pages ({1000 * s / max(1, len(pages)):.1f} ms/page)")
    if show_worst:
        worst = sorted(pages, key=lambda p: p["ours_f1"] - p["trafilatura_f1"])[:show_worst]
        print("largest losses against trafilatura:")
        for p in worst:
            print(f"  {p['subset']}/{p['page_id']} ours {p['ours_f1']:.3f} trafilatura {p['trafilatura_f1']:.3f}")
    return {"table": table, "lost": [f"{p['subset']}/{p['page_id']}" for p in lost]}


def run_page_dates() -> dict[str, Any]:
    """Publication dates of the extraction pages whose ground truth gives one (Readability's metadata):
    ours (the stored release's date) beside trafilatura's metadata (htmldate), in the same run."""
    import trafilatura

    from assistant.corpus import load_bytes
    from assistant.types import Release

    rows = []
    with gzip.open(EXTRACTION / "ground-truth" / "readability.jsonl.gz", "rt", encoding="utf-8") as fh:
        truth = [json.loads(line) for line in fh if line.strip()]
    for row in truth:
        if not row.get("published_time"):
            continue
        html = gzip.decompress((EXTRACTION / "html" / "readability" / f"{row['page_id']}.html.gz").read_bytes())
        got = [r for r in load_bytes(html, "page.html") if isinstance(r, Release)]
        meta = trafilatura.extract_metadata(html.decode("utf-8", "replace"))
        want = row["published_time"][:10]
        rows.append({"page": row["source"][1], "want": want, "ours": got[0].date if got else None,
                     "trafilatura": meta.date if meta else None})
    ours_ok = sum(r["ours"] == r["want"] for r in rows)
    traf_ok = sum(r["trafilatura"] == r["want"] for r in rows)
    print(f"\npage dates (readability pages with a published time): ours {ours_ok}/{len(rows)}, "
          f"trafilatura metadata {traf_ok}/{len(rows)}")
    for r in rows:
        if r["ours"] != r["want"]:
            print(f"  {r['page']}: ours {r['ours']} trafilatura {r['trafilatura']} (want {r['want']})")
    return {"pages": rows, "ours_right": ours_ok, "trafilatura_right": traf_ok}


# --------------------------------------------------------------------------------------------
# The newsrooms set
# --------------------------------------------------------------------------------------------


def _norm_title(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    return " ".join(re.findall(r"\w+", s))


def _norm_text(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    s = s.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                                   "\u2014": "-"}))
    return " ".join(s.split())


def run_newsrooms() -> dict[str, Any]:
    from assistant.corpus import load_file
    from assistant.types import Release

    data = json.loads((NEWSROOMS / "questions.json").read_text(encoding="utf-8"))
    rows = []
    texts: dict[str, str] = {}
    started = time.perf_counter()
    for rel in data["releases"]:
        path = NEWSROOMS / "files" / rel["file"]
        got = [r for r in load_file(path, NEWSROOMS / "files") if isinstance(r, Release)]
        r = got[0] if got else None
        texts[rel["key"]] = _norm_text(r.text) if r else ""
        furniture = FURNITURE.findall(r.text) if r else []
        rows.append({
            "key": rel["key"], "file": rel["file"], "organisation": rel["organisation"],
            "loaded": r is not None,
            "title_ok": bool(r) and _norm_title(r.title) in {_norm_title(t) for t in rel["titles"]},
            "date_ok": bool(r) and r.date == rel["date"],
            "title": r.title if r else None, "date": r.date if r else None,
            "want_title": rel["titles"][0], "want_date": rel["date"],
            "furniture": furniture,
        })
    # A quoted sentence counts as kept when any release the question names still holds it.
    quotes = kept = 0
    for q in data["questions"]:
        support = q.get("support") or []
        for sentence in [support] if isinstance(support, str) else support:
            quotes += 1
            kept += any(_norm_text(sentence) in texts.get(k, "") for k in q.get("releases", []))
    seconds = time.perf_counter() - started
    n = len(rows)
    print(f"\nnewsrooms: {n} releases ({seconds:.1f} s)")
    print(f"loaded {sum(r['loaded'] for r in rows)}/{n}  titles right {sum(r['title_ok'] for r in rows) / n:.3f}  "
          f"dates right {sum(r['date_ok'] for r in rows) / n:.3f}  "
          f"quoted sentences kept {kept}/{quotes}  "
          f"releases with furniture left {sum(bool(r['furniture']) for r in rows)}")
    for r in rows:
        problems = []
        if not r["title_ok"]:
            problems.append(f"title {r['title']!r} (want {r['want_title']!r})")
        if not r["date_ok"]:
            problems.append(f"date {r['date']} (want {r['want_date']})")
        if r["furniture"]:
            problems.append(f"furniture {r['furniture'][:3]}")
        if problems:
            print(f"  {r['file']}: " + "; ".join(problems))
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_org[r["organisation"]].append(r)
    org_title = statistics.fmean(statistics.fmean(x["title_ok"] for x in v) for v in by_org.values())
    org_date = statistics.fmean(statistics.fmean(x["date_ok"] for x in v) for v in by_org.values())
    print(f"per organisation (mean of {len(by_org)} organisations): titles {org_title:.3f}  dates {org_date:.3f}")
    return {"releases": rows, "seconds": seconds, "quotes": quotes, "quotes_kept": kept}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["extraction", "dates", "newsrooms", "all"], default="all")
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per extraction source")
    parser.add_argument("--subset", action="append", help="only this extraction source (repeatable)")
    parser.add_argument("--show-worst", type=int, default=0, help="list the N pages where ours loses most")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    if args.set in ("extraction", "all"):
        result = run_extraction(args.limit, args.subset)
        out["extraction"] = {**summarise_extraction(result, show_worst=args.show_worst), **result}
    if args.set in ("dates", "all"):
        out["dates"] = run_page_dates()
    if args.set in ("newsrooms", "all"):
        out["newsrooms"] = run_newsrooms()
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
