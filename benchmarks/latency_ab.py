"""Paired latency of ``/api/v1/ask``: this checkout against another (say main, in a git worktree), in one run.

On a shared machine the same server's p50 moves by a quarter between two runs a minute apart, so two separate
``latency.py`` runs cannot show a 10% change. Here both apps serve their own copy of the MultiHop index at the same
time, each question goes to both (in alternating order) before the next is sent, and only one request is in flight
at a time: noise hits both alike. It prints each side's p50/mean/p95 and the median of the per-question ratios.

    git worktree add /tmp/main-tree main && ln -s "$PWD/.venv" /tmp/main-tree/.venv
    .venv/bin/python benchmarks/latency_ab.py --baseline /tmp/main-tree --questions 200
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from benchmarks import latency  # noqa: E402 - after the path fix above

ASK_P50_TARGET_MS = 80.0  # the answers issue's target for /api/v1/ask on this index


def _serve(tree: Path, folder: Path, key: dict[str, Any], log: Any) -> tuple[subprocess.Popen[bytes], Any]:
    """``app.py`` of ``tree`` (with that tree's virtual environment when it has one) serving ``folder``."""
    import httpx

    port = latency.free_port()
    python = tree / ".venv" / "bin" / "python"
    proc = subprocess.Popen([str(python if python.exists() else sys.executable), "app.py"], cwd=tree,
                            env=latency.server_env(folder, port, key), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    return proc, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=latency.REQUEST_TIMEOUT)


def run(baseline: Path, data_dir: Path, n: int, warmup: int, seed: int) -> dict[str, Any]:
    folder, key = latency.index_folder(data_dir, latency.DEFAULT_CORPUS.resolve())
    questions = latency.load_questions(latency.DEFAULT_QUERIES.resolve(), seed)
    trees = {"baseline": baseline.resolve(), "ours": ROOT}
    work = Path(tempfile.mkdtemp(prefix="latency-ab-"))
    servers: dict[str, tuple[subprocess.Popen[bytes], Any]] = {}
    try:
        for name, tree in trees.items():
            copy = work / name
            shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("*.lock"))
            servers[name] = _serve(tree, copy, key, (work / f"{name}.log").open("wb"))
            proc, client = servers[name]
            latency.wait_ready(proc, client, questions[0], time.perf_counter())
        names = list(servers)
        for q in questions[1:1 + warmup]:
            for name in names:
                latency.ask(servers[name][1], q)
        times: dict[str, list[float]] = {name: [] for name in names}
        for i, q in enumerate(questions[1 + warmup:1 + warmup + n]):
            for name in names if i % 2 == 0 else names[::-1]:
                t = time.perf_counter()
                r = latency.ask(servers[name][1], q)
                times[name].append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise RuntimeError(f"{name}: HTTP {r.status_code} {r.text[:200]}")
    finally:
        for proc, client in servers.values():
            client.close()
            latency.stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)
    out: dict[str, Any] = {"questions": n, "warmup": warmup, "baseline": str(trees["baseline"])}
    for name, ts in times.items():
        ms = sorted(1000 * t for t in ts)
        out[name] = {"p50_ms": round(statistics.median(ms), 1), "mean_ms": round(statistics.mean(ms), 1),
                     "p95_ms": round(latency.percentile(ms, 95), 1)}
    out["paired_ratio_median"] = round(statistics.median(o / b for o, b in zip(times["ours"], times["baseline"],
                                                                               strict=True)), 3)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="benchmarks/latency_ab.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--baseline", type=Path, required=True, help="a checkout of the code to compare with")
    p.add_argument("--data-dir", type=Path, default=latency.DEFAULT_DATA_DIR,
                   help="benchmarks/retrieval.py's folder; its index is <data-dir>/ours (copied for each side)")
    p.add_argument("--questions", type=int, default=200, help="questions timed on each side")
    p.add_argument("--warmup", type=int, default=10, help="questions asked untimed first, on each side")
    p.add_argument("--seed", type=int, default=0, help="order of the questions")
    p.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = p.parse_args(argv)
    result = run(args.baseline, args.data_dir, args.questions, args.warmup, args.seed)
    for name in ("baseline", "ours"):
        r = result[name]
        print(f"{name:<9} ask p50 {r['p50_ms']:7.1f} ms   mean {r['mean_ms']:7.1f}   p95 {r['p95_ms']:7.1f}")
    print(f"ours / baseline, median of the per-question ratios: {result['paired_ratio_median']:.3f}")
    target = ASK_P50_TARGET_MS
    print(f"  {'PASS' if result['ours']['p50_ms'] <= target else 'MISS'}  ask p50 <= {target:g} ms")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
