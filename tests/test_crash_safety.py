"""Crash safety: an ingest killed with SIGKILL at any point leaves an index the next ingest completes.

A few hundred releases are ingested by the real ``assistant ingest`` command in a child process, which
is killed (SIGKILL, no clean-up of any kind) at several points of its progress. After every kill, and
after the final complete run, the index must be consistent: each live release has exactly its chunks,
no chunk outside a live release, the keyword index agrees with the vector store. The recovery run must
embed only the releases that were not yet live. Queries keep succeeding while an ingest runs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, SEED, SEED_QUESTION, make_assistant
from .servers import running

N_RELEASES = 240
# Kill the child once it reports this many files loaded (ingest embeds and writes in batches behind the
# loading, so these land before, between and inside batch writes), plus once right after it starts.
KILL_AT_FILES = (0, 60, 132, 204)

_WORDS = ("harbor turbine ferry council grid meter battery solar cable depot clinic school bridge library "
          "tram port budget tender contract partner pilot station network upgrade district customer supplier "
          "warehouse platform campus factory terminal reservoir").split()
_CHECK = """
import json, sys
from pathlib import Path
from assistant.core import Assistant
from assistant.settings import Settings
a = Assistant(Settings(data_dir=Path(sys.argv[1]), corpus_dir=""))
states = a.store.release_states()
chunks = a.store.all_chunks()
print(json.dumps({
    "states": states,
    "chunks": [[c.id, c.release_id, c.content_hash] for c in chunks],
    "keyword_keys": a.keyword.chunk_keys(),
    "keyword_rows": a.keyword.count(),
}))
"""


def _write_corpus(folder: Path) -> list[str]:
    """Releases of one to three chunks each, every one with its own names and figures."""
    rng = random.Random(7)
    folder.mkdir()
    names = []
    for i in range(N_RELEASES):
        sentences = []
        for j in range(rng.randint(4, 40)):
            words = rng.sample(_WORDS, 8)
            sentences.append(f"Release {i} item {j}: the {words[0]} {words[1]} in district {i * 7 + j} "
                             f"added {rng.randint(2, 900)} {words[2]}s, {words[3]} {words[4]} and {words[5]}.")
        name = f"release-{i:03d}.txt"
        (folder / name).write_text(f"Northwind update {i}: {_WORDS[i % len(_WORDS)]} news\n\n"
                                   f"HARLOW BAY, March {1 + i % 28}, 2024 -- " + " ".join(sentences) + "\n")
        names.append(name)
    return names


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return {**env, "ASSISTANT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def _ingest(folder: Path, data: Path, kill_at: int | None = None) -> dict | None:  # type: ignore[type-arg]
    """Run ``assistant ingest``; with ``kill_at``, SIGKILL it once it has loaded that many files."""
    cmd = [sys.executable, "-m", "assistant.cli", "ingest", str(folder)]
    if kill_at is None:
        done = subprocess.run([*cmd, "--json"], env=_env(data), cwd=ROOT, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)
    proc = subprocess.Popen(cmd, env=_env(data), cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)
    deadline = time.monotonic() + 600
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # "ingest: n/total files (path)"
            if kill_at == 0 or (line.startswith("ingest: ") and int(line.split()[1].split("/")[0]) >= kill_at):
                break
            assert time.monotonic() < deadline, "ingest made no progress"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    return None


def _check(data: Path) -> dict:  # type: ignore[type-arg]
    """Read the index from a fresh process (as the next run would) and assert it is consistent."""
    out = subprocess.run([sys.executable, "-c", _CHECK, str(data)], env=_env(data), cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    state = json.loads(out.stdout)
    live = {rid: tuple(v) for rid, v in state["states"].items()}
    per_live: dict[str, int] = {}
    for _cid, rid, h in state["chunks"]:
        if live.get(rid, ("",))[0] == h:
            per_live[rid] = per_live.get(rid, 0) + 1
    # Every live release is complete: searches never see half a release.
    assert {rid: n for rid, (_, n) in live.items()} == {rid: per_live.get(rid, 0) for rid in live}
    ids = [c[0] for c in state["chunks"]]
    assert len(ids) == len(set(ids)), "duplicate chunk ids in the vector store"
    return state


def _assert_settled(state: dict) -> None:  # type: ignore[type-arg]
    """After a complete run: no leftovers anywhere, and the keyword index mirrors the vector store."""
    live = {rid: v[0] for rid, v in state["states"].items()}
    orphans = [c for c in state["chunks"] if live.get(c[1]) != c[2]]
    assert not orphans, f"{len(orphans)} orphan chunks left in the vector store"
    assert state["keyword_keys"] == {cid: [rid, h] for cid, rid, h in state["chunks"]}
    assert state["keyword_rows"] == len(state["chunks"]), "duplicate rows in the keyword index"


@pytest.mark.slow
def test_ingest_survives_sigkill_at_several_points(tmp_path: Path) -> None:
    folder, data = tmp_path / "releases", tmp_path / "data"
    names = _write_corpus(folder)
    live_counts = []
    for kill_at in KILL_AT_FILES:
        _ingest(folder, data, kill_at)
        state = _check(data)
        live_counts.append(len(state["states"]))
    assert live_counts[-1] > 0, f"no kill landed after a batch was written ({live_counts})"
    assert live_counts[-1] < N_RELEASES, f"no kill landed before the end ({live_counts})"
    live_before = set(state["states"])

    report = _ingest(folder, data)
    assert report is not None
    assert set(report["unchanged"]) == live_before, "releases already live were ingested again"
    assert sorted(report["added"]) == sorted(set(names) - live_before)
    assert not report["rejected"] and not report["updated"]
    final = _check(data)
    assert sorted(final["states"]) == sorted(names), "every release present exactly once"
    _assert_settled(final)

    again = _ingest(folder, data)
    assert again is not None and again["chunks_embedded"] == 0 and len(again["unchanged"]) == N_RELEASES


def test_queries_keep_succeeding_while_an_ingest_runs(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    a = make_assistant(tmp_path / "idx", embedder, corpus_dir="")
    a.ingest([SEED])
    folder = tmp_path / "releases"
    _write_corpus(folder)
    failures: list[str] = []
    answered = 0
    with running(create_app(a)) as url:
        worker = threading.Thread(target=lambda: a.ingest([folder]), daemon=True)
        worker.start()
        with httpx.Client(base_url=url, timeout=60) as client:
            while worker.is_alive() or answered < 3:
                r = client.post("/api/v1/ask", json={"question": SEED_QUESTION})
                body = r.json()
                if r.status_code != 200 or not body["citations"] or "July 30, 2022" not in body["answer"]:
                    failures.append(f"{r.status_code}: {str(body)[:200]}")
                answered += 1
        worker.join()
    assert not failures, failures[:3]
    assert answered >= 3
    assert a.store.counts()["releases"] == N_RELEASES + 1
