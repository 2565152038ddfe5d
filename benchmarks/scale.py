"""Scale: ingest, ask, search, releases and delete on indexes of 10k, 100k and 1M chunks.

Each size gets an embedded index of synthetic releases (ten short sentences each, so ten chunks a release:
1k, 10k and 100k releases; words drawn with Zipf frequencies from a made-up vocabulary of 5,000), with
``HashEmbedder``, a model-free stand-in: the real model would take hours on two cores for a million chunks,
and what grows with the index is the store's and the keyword index's work, not the model's. The index is
built in batches of 200 releases through the calls ``Assistant.index_releases`` makes (real chunking, the
store's ``add_chunks`` and ``put_releases``, the keyword index's ``add``), then reconciled; only the batch
size differs (``index_releases`` flushes every 256 chunks, and Chroma's per-write cost made a million chunks
take hours). Then it times, on that index, through the real code paths: ingesting 20 new releases with
``index_releases`` (which includes the reconcile pass), ``ask`` and ``search`` (p50/p95 over a fixed set of
questions, after a warm-up), searches filtered by date, by source and by both (p50 over the questions),
listing every release, a fresh keyword index catching up from the store (what a new replica does), and
deleting releases. It prints each figure per size and how it grew against the smallest size.

With ``--workdir DIR --keep`` the indexes stay, and a later run on the same folder measures them again
without rebuilding (each run ingests and deletes releases of its own, so runs do not collide).

    .venv/bin/python benchmarks/scale.py --sizes 10000,100000            # about half an hour on a busy machine
    .venv/bin/python benchmarks/scale.py --sizes 10000,100000,1000000 --workdir /tmp/scale --keep --json s.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))

from assistant.embedding import Embedder  # noqa: E402 - after the path fix above
from assistant.types import Release, date_to_int  # noqa: E402

DIM = 384
CHUNKS_PER_RELEASE = 10
_ORGS = ("Northwind Grid", "Harlow Bay Council", "Marlowe Ferries", "Kessel Water", "Orme Rail", "Tallis Health",
         "Brightwater Schools", "Caldera Energy", "Westmere Port", "Ashford Transit")


def _vocabulary(n: int = 5000) -> list[str]:
    """``n`` made-up words (consonant-vowel syllables), used with Zipf frequencies like the words of real text:
    a handful very common, most rare. A small vocabulary would make every word common, and every keyword
    search match a fixed share of all chunks (it did: BM25 then grew with the index)."""
    rng = random.Random(3)
    cons, vows = "bdfgklmnprstvz", "aeiou"
    words: dict[str, None] = {}
    while len(words) < n:
        words["".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


_WORDS = _vocabulary()
_ZIPF = [1.0 / (rank + 1) for rank in range(len(_WORDS))]
QUESTIONS = [f"What did {org} announce about the {_WORDS[40 + 37 * i]} {_WORDS[300 + 91 * i]} project?"
             for i, org in enumerate(_ORGS)]
# Asked once, untimed, before the timed questions: a serving process is warm (vector index loaded, the pages of
# common words read), and these share no rare word with the timed ones.
WARM_UP = [f"What did {org} say about the {_WORDS[60 + 41 * i]} {_WORDS[500 + 83 * i]} plans?"
           for i, org in enumerate(_ORGS)]


class HashEmbedder(Embedder):
    """Unit vectors of hashed words (feature hashing): no model, microseconds a text, same words -> close vectors.

    For scale tests and this benchmark only; never an index users query.
    """

    backend = "hash"

    def __init__(self, dim: int = DIM) -> None:
        super().__init__("hash-test")
        self.name = "hash-test"
        self._dim = dim

    @property
    def max_tokens(self) -> int:
        return 256

    @property
    def dimension(self) -> int:
        return self._dim

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                h = zlib.crc32(word.encode())
                out[row, h % self._dim] += 1.0 if h & 1 << 31 else -1.0
            out[row, row % self._dim] += 1e-3  # never all zeros
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.embedded += len(texts)
        return out


def synthetic_releases(n: int, *, sentences: int = CHUNKS_PER_RELEASE, start: int = 0, seed: int = 7
                       ) -> Iterator[Release]:
    """``n`` small releases with ids ``syn-<number>``: an organisation, a date, ``sentences`` short sentences."""
    rng = random.Random(seed + start)
    for i in range(start, start + n):
        org = _ORGS[i % len(_ORGS)]
        lines = []
        for s in range(sentences):
            a, b, c = rng.choices(_WORDS, weights=_ZIPF, k=3)
            lines.append(f"{org} said the {a} {b} project number {i}-{s} will cost {rng.randint(2, 900)} million "
                         f"and bring {c} in {rng.randint(2025, 2031)}.")
        title = " ".join(rng.choices(_WORDS, weights=_ZIPF, k=2))
        yield Release(id=f"syn-{i:07d}", title=f"{org} update {i}: {title}",
                      text=" ".join(lines), date=f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                      source=org)


def scale_assistant(data_dir: Path, **settings: Any) -> Any:
    """An Assistant on ``data_dir`` with ``HashEmbedder`` and chunks of about one synthetic sentence each."""
    from assistant.core import Assistant
    from assistant.settings import Settings

    settings = {"chunk_tokens": 32, "chunk_overlap": 0, "corpus_dir": "", **settings}
    a = Assistant(Settings(data_dir=data_dir, **settings))
    a.__dict__["embedder"] = HashEmbedder()
    return a


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def build(a: Any, n_releases: int, batch: int = 200, max_s: float = 0) -> dict[str, Any]:
    """Write ``n_releases`` synthetic releases into ``a``'s empty index, ``batch`` releases per write; with ``max_s``,
    stop after the batch that passes that many seconds (never in the middle of a write: a killed embedded Chroma
    writer once left its vector index unable to apply its log)."""
    from assistant.chunking import chunk_release, chunk_sentences

    t = time.perf_counter()
    made = done = 0
    releases = synthetic_releases(n_releases)
    with a.store.writing():
        while part := list(itertools.islice(releases, batch)):
            chunks = [c for r in part for c in chunk_release(r, a.embedder.count_tokens, size=a._chunk_size(),
                                                               overlap=a.settings.chunk_overlap)]
            vectors, sentence_vectors = a.embedder.embed_passages([chunk_sentences(c.text) for c in chunks])
            a.store.add_chunks(chunks, vectors)  # chunks first, then the records that make them live
            a.store.put_releases([(r, sum(c.release_id == r.id for c in chunks)) for r in part])
            a.keyword.add(chunks, sentence_vectors)
            made += len(chunks)
            done += len(part)
            if max_s and time.perf_counter() - t > max_s:
                break
            if made % 100_000 < len(chunks):
                print(f"    {made:,} chunks, {made / (time.perf_counter() - t):.0f}/s", file=sys.stderr, flush=True)
    a.reconcile()
    build_s = time.perf_counter() - t
    return {"build_s": round(build_s, 1), "build_chunks_per_s": round(made / build_s), "releases": done,
            "runs": 0}


FILTERS = {  # name -> (since, until, sources): a five-year window holds a third of the index, a source a tenth
    "date": ("2015-01-01", "2019-12-31", ()),
    "source": (None, None, (_ORGS[3],)),
    "date+source": ("2015-01-01", "2019-12-31", (_ORGS[0],)),
}


def measure(n_chunks: int, workdir: Path, repeats: int = 3) -> dict[str, Any]:
    """Build an index of ``n_chunks`` chunks (or reuse the one built in ``workdir``) and time every operation."""
    from assistant.keyword import KeywordIndex
    from assistant.retrieval import Filters

    data = workdir / f"scale-{n_chunks}"
    stamp = data / "built.json"
    a = scale_assistant(data)
    built = json.loads(stamp.read_text()) if stamp.exists() else build(a, n_chunks // CHUNKS_PER_RELEASE)
    n_releases = built["releases"]  # fewer than asked for when a build was stopped early
    run = built["runs"]
    built["runs"] += 1
    stamp.write_text(json.dumps(built))
    counts = a.store.counts()
    print(f"  {counts} (built in {built['build_s']:.0f} s)", file=sys.stderr, flush=True)
    out: dict[str, Any] = {"chunks": counts["chunks"], "releases": counts["releases"], "build_s": built["build_s"],
                           "build_chunks_per_s": built["build_chunks_per_s"]}

    t = time.perf_counter()
    more = a.index_releases(synthetic_releases(20, start=n_releases + 20 * run))
    out["ingest_20_s"] = round(time.perf_counter() - t, 2)
    assert len(more.added) == 20, more

    for q in WARM_UP:
        a.ask(q)
    asks, searches = [], []
    for _ in range(repeats):
        for q in QUESTIONS:
            t = time.perf_counter()
            a.ask(q)
            asks.append(time.perf_counter() - t)
            t = time.perf_counter()
            a.search(q)
            searches.append(time.perf_counter() - t)
    out.update(ask_p50_ms=round(1000 * statistics.median(asks), 1), ask_p95_ms=round(1000 * _p(asks, 0.95), 1),
               search_p50_ms=round(1000 * statistics.median(searches), 1))
    for name, (since, until, sources) in FILTERS.items():
        filters = Filters.from_input(since, until, sources)
        where = filters.to_where()
        times = []
        for q in QUESTIONS:
            t = time.perf_counter()
            hits = a.search(q, filters=filters)
            times.append(time.perf_counter() - t)
            assert hits and all(where.accepts_key(h.chunk.release_id, h.chunk.source or "", date_to_int(h.chunk.date))
                                for h in hits), (name, q)
        out[f"search_{name}_p50_ms"] = round(1000 * statistics.median(times), 1)

    t = time.perf_counter()
    listed = a.releases()
    out["releases_s"] = round(time.perf_counter() - t, 2)
    assert len(listed) == counts["releases"] + 20

    t = time.perf_counter()
    replica_path = workdir / f"replica-{n_chunks}.sqlite3"
    replica = KeywordIndex(replica_path)
    synced = replica.sync(a.store)
    out["replica_sync_s"] = round(time.perf_counter() - t, 1)
    assert synced["keyword_rows_added"] == counts["chunks"] + 20 * CHUNKS_PER_RELEASE, synced
    replica.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{replica_path}{suffix}").unlink(missing_ok=True)

    deletes = []
    for i in range(5):
        rid = f"syn-{i * (n_releases // 5) + run:07d}"
        t = time.perf_counter()
        a.delete(rid)
        deletes.append(time.perf_counter() - t)
    out["delete_p50_ms"] = round(1000 * statistics.median(deletes), 1)
    assert a.store.counts()["releases"] == counts["releases"] + 15
    a.keyword.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="chunk counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the ten questions")
    parser.add_argument("--workdir", default="", help="where the indexes go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the indexes")
    parser.add_argument("--json", default="", help="also write the results here")
    parser.add_argument("--build-only", action="store_true", help="build the indexes in --workdir, measure nothing")
    parser.add_argument("--max-build-s", type=float, default=0, help="with --build-only: stop building after this")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="scale-"))
    if args.build_only:
        for size in (int(s) for s in args.sizes.split(",")):
            data = workdir / f"scale-{size}"
            a = scale_assistant(data)
            built = build(a, size // CHUNKS_PER_RELEASE, max_s=args.max_build_s)
            (data / "built.json").write_text(json.dumps(built))
            print(json.dumps({"chunks": size, **built}), flush=True)
            a.keyword.close()
        return 0
    rows: list[dict[str, Any]] = []
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"{size:,} chunks ...", file=sys.stderr, flush=True)
            rows.append(measure(size, workdir, args.repeats))
            print(json.dumps(rows[-1]), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    base = rows[0]
    print(f"\n{'chunks':>9} {'releases':>8} {'build/s':>8} {'ingest20 s':>10} {'ask p50':>8} {'ask p95':>8} "
          f"{'search p50':>10} {'date':>6} {'source':>6} {'both':>6} {'releases s':>10} {'replica s':>9} "
          f"{'delete ms':>9}   ask p50 vs first")
    for r in rows:
        print(f"{r['chunks']:>9,} {r['releases']:>8,} {r['build_chunks_per_s']:>8} {r['ingest_20_s']:>10} "
              f"{r['ask_p50_ms']:>8} {r['ask_p95_ms']:>8} {r['search_p50_ms']:>10} {r['search_date_p50_ms']:>6} "
              f"{r['search_source_p50_ms']:>6} {r['search_date+source_p50_ms']:>6} {r['releases_s']:>10} "
              f"{r['replica_sync_s']:>9} {r['delete_p50_ms']:>9}   {r['ask_p50_ms'] / base['ask_p50_ms']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": platform.processor() or platform.machine(),
                                               "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
