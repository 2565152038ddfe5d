"""Answer quality: does the answer state the expected fact, cite the right release, and decline what the releases
do not cover? Three sources, each scored the same four ways (see benchmarks/README.md for results):

* ``corpus``: the bundled corpus/ with benchmarks/corpus_questions.json (every case of issue #14, follow-ups included);
* ``newsrooms``: shared/data/newsrooms (real releases; scored by its own score.py);
* ``multihop``: MultiHop-RAG dev, inference queries (the answer is a name) and null queries, over the index that
  benchmarks/retrieval.py builds (data/eval-multihop/ours; built there if missing).

    .venv/bin/python benchmarks/answers.py                         # every source
    .venv/bin/python benchmarks/answers.py --sources corpus newsrooms --json /tmp/answers.json
    .venv/bin/python benchmarks/answers.py --sources multihop --limit 150 --seed 0
"""

from __future__ import annotations

import argparse
import inspect
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NEWSROOMS = SHARED / "newsrooms"
MULTIHOP = SHARED / "multihop-rag"
CORPUS_QUESTIONS = Path(__file__).resolve().parent / "corpus_questions.json"
SOURCES = ("corpus", "newsrooms", "multihop")

if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))


def norm(s: str) -> str:
    """The newsroom scorer's matching: NFKC, plain quotes and dashes, collapsed space, lower case."""
    s = unicodedata.normalize("NFKC", s or "")
    s = re.sub("[\u2018\u2019\u201a\u201b\u2032`]", "'", s)
    s = re.sub("[\u201c\u201d\u201e\u201f\u2033]", '"', s)
    s = re.sub("[\u2010-\u2015\u2212]", "-", s).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip().lower()


def contains_any(text: str, expected: Sequence[str]) -> bool:
    t = norm(text)
    return any(norm(e) in t for e in expected)


def open_assistant(data_dir: Path, folder: Path | None = None) -> Any:
    """An Assistant over ``data_dir``; ``folder`` is ingested first (unchanged files cost nothing)."""
    from assistant.core import Assistant
    from assistant.settings import Settings

    a = Assistant(Settings.from_env(dotenv=None, data_dir=data_dir))
    if folder is not None:
        a.ingest([folder])
    return a


def ask(a: Any, question: str, history: Sequence[dict[str, str]] = ()) -> tuple[Any, float]:
    """One question through the same path as the API: ``ask(history=)`` where it exists, else ``follow_up``."""
    t0 = time.perf_counter()
    if "history" in inspect.signature(a.ask).parameters:
        answer = a.ask(question, history=list(history))
    else:
        answer = a.ask(a.follow_up(question, list(history)) if history else question)
    return answer, time.perf_counter() - t0


def rates(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if not r["unanswerable"]]
    una = [r for r in rows if r["unanswerable"]]

    def share(rs: Sequence[dict[str, Any]], key: str) -> float:
        return round(sum(bool(r[key]) for r in rs) / len(rs), 3) if rs else 0.0

    out = {"answerable": len(ans), "unanswerable": len(una),
           "answer_correct": share(ans, "correct"), "right_source": share(ans, "right_source"),
           "correct_decline": share(una, "declined"), "wrong_decline": share(ans, "declined"),
           "p50_ms": round(1000 * statistics.median(r["seconds"] for r in rows), 1) if rows else 0.0}
    forbidden = [r for r in rows if r.get("forbidden_hit") is not None]
    if forbidden:
        out["forbidden_text"] = share(forbidden, "forbidden_hit")
    return out


# ---- sources --------------------------------------------------------------------------------------
def run_corpus(data_dir: Path) -> list[dict[str, Any]]:
    a = open_assistant(data_dir / "eval-answers-corpus", ROOT / "corpus")
    paths = {r.id: Path(r.path or r.id).name for r, _ in a.releases()}
    rows = []
    threads: dict[str, list[dict[str, str]]] = {}
    for q in json.loads(CORPUS_QUESTIONS.read_text())["questions"]:
        history = threads.get(q.get("thread", ""), []) if q.get("thread") else []
        answer, took = ask(a, q["question"], history)
        if q.get("thread"):
            threads[q["thread"]] = [*history, {"role": "user", "content": q["question"]},
                                    {"role": "assistant", "content": answer.text}]
        cited = [paths.get(c.release_id, c.release_id) for c in answer.citations]
        rows.append({"id": q["id"], "question": q["question"], "unanswerable": bool(q.get("expected_decline")),
                     "declined": not answer.covered, "answer": answer.text,
                     "correct": answer.covered and contains_any(answer.text, q.get("expected", [])),
                     "right_source": any(c.startswith(tuple(q.get("releases", []))) for c in cited) if q.get(
                         "releases") else False,
                     "forbidden_hit": contains_any(answer.text, q["forbidden"]) if q.get("forbidden") else None,
                     "cited": cited, "seconds": took, "details": answer.details})
    return rows


def run_newsrooms(data_dir: Path) -> list[dict[str, Any]]:
    a = open_assistant(data_dir / "eval-answers-newsrooms", NEWSROOMS / "files")
    files = (NEWSROOMS / "files").resolve()
    paths = {}
    for r, _ in a.releases():
        p = Path(r.path) if r.path else None
        paths[r.id] = str(p.resolve().relative_to(files)) if p and p.resolve().is_relative_to(files) else r.id
    data = json.loads((NEWSROOMS / "questions.json").read_text())
    preds, rows = [], []
    for q in data["questions"]:
        answer, took = ask(a, q["question"])
        cited = [paths.get(c.release_id, c.release_id) for c in answer.citations]
        preds.append({"id": q["id"], "answer_text": answer.text, "cited_files": cited, "declined": not answer.covered})
        rows.append({"id": q["id"], "question": q["question"], "unanswerable": bool(q.get("expected_decline")),
                     "declined": not answer.covered, "answer": answer.text, "cited": cited, "seconds": took,
                     "details": answer.details})
    with tempfile.TemporaryDirectory() as tmp:
        pred_file, out_file = Path(tmp) / "pred.json", Path(tmp) / "out.json"
        pred_file.write_text(json.dumps(preds))
        subprocess.run([sys.executable, str(NEWSROOMS / "score.py"), str(pred_file), "--json", str(out_file)],
                       check=True, capture_output=True)
        scored = json.loads(out_file.read_text())
    by_id = {r["id"]: r for r in scored.get("rows", scored.get("questions", []))}
    for row in rows:
        s = by_id.get(row["id"], {})
        row["correct"] = bool(s.get("answer_correct"))
        row["right_source"] = bool(s.get("right_source"))
    return rows


def multihop_assistant(data_dir: Path) -> Any:
    """The MultiHop-RAG index where ``benchmarks/retrieval.py`` keeps it (``<data-dir>/eval-multihop/ours``),
    reused when its manifest says nothing changed, built there otherwise."""
    from benchmarks.retrieval import DEFAULT_CORPUS, build_ours

    folder = data_dir / "eval-multihop"
    return build_ours(DEFAULT_CORPUS, folder / "ours", folder / "manifest-ours.json")


def run_multihop(data_dir: Path, limit: int, seed: int) -> list[dict[str, Any]]:
    a = multihop_assistant(data_dir)
    queries = json.loads((MULTIHOP / "queries_dev.json").read_text())
    rng = random.Random(seed)
    inference = [q for q in queries if q["question_type"] == "inference_query"]
    nulls = [q for q in queries if q["question_type"] == "null_query"]
    chosen = rng.sample(inference, min(limit, len(inference))) + rng.sample(nulls, min(limit, len(nulls)))
    rows = []
    for q in chosen:
        answer, took = ask(a, q["query"])
        urls = {e["url"] for e in q["evidence_list"]}
        cited = [c.url or c.release_id for c in answer.citations]
        null = q["question_type"] == "null_query"
        rows.append({"id": q["query"][:60], "question": q["query"], "unanswerable": null,
                     "declined": not answer.covered, "answer": answer.text, "cited": cited,
                     "correct": answer.covered and not null and contains_any(answer.text, [q["answer"]]),
                     "right_source": bool(urls & set(cited)), "seconds": took, "details": answer.details})
    return rows


def org_cv(data_dir: Path, folds: int = 5) -> dict[str, Any]:
    """Leave organisations out: the newsroom questions are split by the organisation whose release answers (an
    unanswerable question by the release its note names), the bundled corpus's questions are one more
    organisation, each fold's settings of the subject-context check
    (``CONTEXT_SHARE``, ``LEDE_WORDS``) are chosen on the other organisations' questions, and the figures are
    those of the held-out questions under the settings chosen without them."""
    from assistant.answering import context, extractive

    data = json.loads((NEWSROOMS / "questions.json").read_text())
    org = {r["key"]: r["organisation"] for r in data["releases"]}
    group = {}
    for q in data["questions"]:
        keys = q.get("releases") or [k for k in org if k in q.get("why_unanswerable", "")] or [q["id"]]
        group[q["id"]] = org.get(keys[0], keys[0])
    corpus_ids = [f"corpus:{q['id']}" for q in json.loads(CORPUS_QUESTIONS.read_text())["questions"]]
    group.update({i: "bundled corpus" for i in corpus_ids})
    orgs = sorted(set(group.values()))
    random.Random(0).shuffle(orgs)
    fold_of = {o: i % folds for i, o in enumerate(orgs)}
    grid = [(share, lede) for share in (0.5, 0.67, 0.75, 1.0) for lede in (0, 20, 40, 80)]
    runs = {}
    for share, lede in grid:
        extractive.CONTEXT_SHARE, context.LEDE_WORDS = share, lede
        context.context_words.cache_clear()
        runs[(share, lede)] = {r["id"]: r for r in run_newsrooms(data_dir)}
        runs[(share, lede)].update({f"corpus:{r['id']}": r for r in run_corpus(data_dir)})

    def gain(rows: Sequence[dict[str, Any]]) -> float:  # a wrong decline costs what three right answers earn
        return sum((r["declined"] if r["unanswerable"] else r["correct"] - 3 * r["declined"]) for r in rows)

    held: dict[str, dict[str, Any]] = {}
    chosen = []
    for f in range(folds):
        train = [i for i, g in group.items() if fold_of[g] != f]
        best = max(grid, key=lambda cfg: gain([runs[cfg][i] for i in train]))
        chosen.append(best)
        held.update({i: runs[best][i] for i, g in group.items() if fold_of[g] == f})

    def split(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {"newsrooms": rates([r for i, r in rows.items() if not i.startswith("corpus:")]),
                "corpus": rates([r for i, r in rows.items() if i.startswith("corpus:")])}

    return {"held_out": split(held), "chosen": chosen,
            "grid": {f"{s}/{n}": split(rs) for (s, n), rs in runs.items()}}


def format_table(results: dict[str, dict[str, Any]]) -> str:
    cols = ("answerable", "unanswerable", "answer_correct", "right_source", "correct_decline", "wrong_decline",
            "p50_ms")
    lines = [f"{'source':<10} " + " ".join(f"{c:>15}" for c in cols)]
    for name, r in results.items():
        lines.append(f"{name:<10} " + " ".join(f"{r.get(c, ''):>15}" for c in cols))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sources", nargs="+", choices=SOURCES, default=list(SOURCES))
    p.add_argument("--data-dir", type=Path, default=Path("data"), help="where the evaluation indexes are kept")
    p.add_argument("--limit", type=int, default=100, help="MultiHop: inference and null queries each (sampled)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="write figures and every question's answer here")
    p.add_argument("--show-misses", action="store_true")
    p.add_argument("--org-cv", action="store_true",
                   help="newsrooms: choose the subject-context settings leaving organisations out (see org_cv)")
    args = p.parse_args(argv)
    if args.org_cv:
        cv = org_cv(args.data_dir)
        print(json.dumps({k: cv[k] for k in ("held_out", "chosen")}, default=str))
        print(format_table({f"{k} {src[:4]}": v[src] for k, v in cv["grid"].items() for src in v}))
        return 0
    results, details = {}, {}
    for source in args.sources:
        if source == "corpus":
            rows = run_corpus(args.data_dir)
        elif source == "newsrooms":
            rows = run_newsrooms(args.data_dir)
        else:
            rows = run_multihop(args.data_dir, args.limit, args.seed)
        results[source], details[source] = rates(rows), rows
        if args.show_misses:
            for r in rows:
                bad = r["declined"] != r["unanswerable"] or (not r["unanswerable"] and not r["correct"])
                if bad or r.get("forbidden_hit"):
                    print(f"- [{source} {r['id']}] {r['question']}\n    -> {r['answer'][:300]}", file=sys.stderr)
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps({"figures": results, "rows": details}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
