"""Cold ``assistant`` commands: wall time and peak RSS of ``assistant --help`` and of ``assistant ask``.

Each run is a fresh Python process (``python -c 'from assistant.cli import main; main()' ...``, the
code of this repository), as a user typing the command gets. ``ask`` runs on an index of the bundled
``corpus/`` that is built once, untimed, in a temporary folder. Bytecode is cached in a temporary
folder too (the first, untimed run of each command writes it), as an installed package has it.
``benchmarks/latency.py`` runs this before it starts the server; alone:

    .venv/bin/python benchmarks/cli_start.py --runs 5
    .venv/bin/python benchmarks/cli_start.py --repo ../main --repo .   # a baseline checkout beside this one
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "When did Northwind Grid appoint a chief financial officer?"
MAIN = "from assistant.cli import main; main()"
# Limits from the issue tracker: a cold `assistant ask` on the bundled corpus, on an idle machine.
TARGETS = {"ask_wall_s": 1.5, "ask_peak_rss_mb": 250.0}


def _env(cache: Path, repo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("ASSISTANT_")}
    env.update({"PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH", "")])),
                "PYTHONPYCACHEPREFIX": str(cache), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
                "ANONYMIZED_TELEMETRY": "False"})
    return env


def timed(args: list[str], env: dict[str, str], repo: Path = ROOT) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit code, stdout) of one fresh ``assistant`` process.

    CPU is user + system time of the process and its threads: on a busy shared machine it moves less
    than wall time, which counts the waits for a core too.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", MAIN, *args], cwd=repo, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS (getrusage would give the max of all)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, out


def run(runs: int = 3, repo: Path = ROOT) -> dict[str, Any]:
    """Build the bundled index, then time ``--help`` and ``ask`` ``runs`` times each, alternating.

    ``repo``: the checkout whose code (and ``corpus/``) is timed, this one by default.
    """
    repo = repo.resolve()
    with tempfile.TemporaryDirectory(prefix="cli-start-") as tmp:
        env = _env(Path(tmp) / "pycache", repo)
        data = str(Path(tmp) / "index")
        print(f"cli: indexing {repo / 'corpus'} with the code of {repo} (untimed) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-c", MAIN, "ingest", str(repo / "corpus"), "--data-dir", data], cwd=repo,
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = {"help": ["--help"], "ask": ["ask", QUESTION, "--data-dir", data]}
        rows: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
        for args in commands.values():  # warm-up: writes the bytecode cache
            _, _, _, code, out = timed(args, env, repo)
            if code != 0:
                raise RuntimeError(f"`assistant {' '.join(args)}` exited with {code}")
        load = os.getloadavg()[0]
        for _ in range(runs):
            for name, args in commands.items():
                wall, cpu, rss, _, _ = timed(args, env, repo)
                rows[name].append((wall, cpu, rss))
    result: dict[str, Any] = {"repo": str(repo), "runs": runs, "question": QUESTION, "loadavg_start": load,
                              "loadavg_end": os.getloadavg()[0], "answer_first_line": out.splitlines()[0][:120]}
    for name, got in rows.items():
        walls, cpus, rsss = zip(*got, strict=True)
        result[name] = {"wall_s_median": round(statistics.median(walls), 3), "wall_s_min": round(min(walls), 3),
                        "wall_s_max": round(max(walls), 3), "cpu_s_median": round(statistics.median(cpus), 3),
                        "peak_rss_mb_max": round(max(rsss), 1)}
    return result


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [("cold `assistant ask`: median wall s", result["ask"]["wall_s_median"], TARGETS["ask_wall_s"]),
            ("cold `assistant ask`: peak RSS MB", result["ask"]["peak_rss_mb_max"], TARGETS["ask_peak_rss_mb"])]
    return [{"what": what, "value": value, "limit": limit, "pass": value <= limit} for what, value, limit in rows]


def format_report(result: dict[str, Any]) -> str:
    lines = [f"CLI of {result['repo']}, a fresh process each ({result['runs']} runs, load average "
             f"{result['loadavg_start']:.2f} at start, {result['loadavg_end']:.2f} at end):"]
    for name in ("help", "ask"):
        r = result[name]
        lines.append(f"  assistant {name:<5} wall median {r['wall_s_median']:.2f} s (min {r['wall_s_min']:.2f}, "
                     f"max {r['wall_s_max']:.2f}), CPU median {r['cpu_s_median']:.2f} s, "
                     f"peak RSS {r['peak_rss_mb_max']:.0f} MB")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(prog="benchmarks/cli_start.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3, help="timed runs of each command (default 3)")
    p.add_argument("--repo", type=Path, action="append",
                   help="a checkout whose code to time (repeatable, timed in turn; default: this one)")
    args = p.parse_args()
    for repo in args.repo or [ROOT]:
        result = run(max(1, args.runs), repo)
        print(format_report(result))
        for t in targets(result):
            print(f"  {'PASS' if t['pass'] else 'MISS'}  {t['what']:<42}{t['value']:>10.2f}  (<= {t['limit']:g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
