"""Ingest speed and memory on MultiHop-RAG: our pipeline (per embedding backend) against a naive llama-index one.

Each pipeline runs in its own child process, so its peak memory (the child's VmHWM) is its own
and no pipeline warms another's caches. A child first loads what it needs (imports, the model,
the store: ``setup_s``), embeds a few words to warm up, then times the ingest itself
(``ingest_s``: reading the corpus, chunking, embedding, storing). Throughput is over ``ingest_s``:

- articles/s: corpus throughput, what a user waits for (the ratio ours/naive is taken on it);
- chunks/s: vectors stored per second (the pipelines chunk differently, so this differs);
- passages/s: embedded tokens / 240 per second, i.e. ~240-token passages as in ``shared/NOTES.md``,
  whose rough compute limit for fp32 on two of these cores is ~75-80 passages/s.

    .venv/bin/python benchmarks/ingest.py --limit 60                         # quick check
    .venv/bin/python benchmarks/ingest.py --backends onnx,torch,onnx-int8 --json /tmp/ingest.json
    git worktree add /tmp/base 8edee0c && \\
    .venv/bin/python benchmarks/ingest.py --limit 60 --baseline /tmp/base --no-naive --repeat 2  # beside a revision
    .venv/bin/python benchmarks/ingest.py --corpus ../shared/data/newsrooms/files --baseline /tmp/base --no-naive
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

from benchmarks.retrieval import DEFAULT_CORPUS, LLAMA_CHUNK_SIZE, LLAMA_HNSW  # noqa: E402

NAIVE = "naive-llamaindex"
BACKENDS = ("onnx", "torch", "onnx-int8")
PASSAGE_TOKENS = 240  # the passage size of NOTES.md's speed table
NOTES_LIMIT = "75-80"  # NOTES.md: rough fp32 compute limit on 2 cores, passages/s
DEFAULT_TIMEOUT_S = 3600


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """This process's RSS high-water mark (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def embedded_tokens(texts: Sequence[str], max_tokens: int = 256) -> int:
    """Tokens the model actually sees for these texts (special tokens included, truncated as it truncates)."""
    from tokenizers import Tokenizer

    from assistant.embedding import default_model_path

    tok = Tokenizer.from_file(str(default_model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return sum(min(len(e.ids), max_tokens) for e in tok.encode_batch(list(texts)))


# ---- the pipelines, each run in a child process ------------------------------------------------
def child_ours(corpus: Path, folder: Path, backend: str, start: float) -> dict[str, Any]:
    """``Assistant.ingest`` into a fresh data folder with one embedding backend."""
    from assistant.chunking import chunk_sentences
    from assistant.core import Assistant
    from assistant.settings import Settings

    settings = Settings.from_env(dotenv=None, data_dir=folder, embedding_backend=backend, corpus_dir="")
    a = Assistant(settings)
    a.embedder.embed(["warm up"])  # loads (or first exports) the model
    _ = a.store, a.keyword
    t0 = time.perf_counter()
    report = a.ingest([corpus])
    took, peak = time.perf_counter() - t0, peak_rss_mb()
    chunks = a.store.all_chunks()  # only to count tokens, after the peak was read
    return {"articles": len(report.added), "rejected": len(report.rejected), "chunks": len(chunks),
            "setup_s": t0 - start, "ingest_s": took, "peak_rss_mb": peak,
            # what the model saw: each distinct sentence of the chunks (a chunk's vector pools its sentences')
            "tokens": embedded_tokens(list(dict.fromkeys(s for c in chunks for s in chunk_sentences(c.text)))),
            "embedder": a.embedder.name, "backend": a.embedder.backend, "threads": settings.threads,
            "chunking": f"{settings.chunk_tokens} tokens, overlap {settings.chunk_overlap}"}


def child_naive(corpus: Path, folder: Path, start: float) -> dict[str, Any]:
    """The paper's naive llama-index pipeline, as ``build_llamaindex`` in benchmarks/retrieval.py."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core.constants import DEFAULT_CHUNK_OVERLAP
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from assistant.embedding import default_model_path

    LlamaSettings.llm = None
    overlap = DEFAULT_CHUNK_OVERLAP if DEFAULT_CHUNK_OVERLAP < LLAMA_CHUNK_SIZE else 0
    embed = HuggingFaceEmbedding(model_name=str(default_model_path()), device="cpu", embed_batch_size=32)
    embed.get_text_embedding("warm up")
    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection("ingest-llamaindex", configuration={"hnsw": LLAMA_HNSW})
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    t0 = time.perf_counter()
    records = json.loads(corpus.read_text(encoding="utf-8"))
    docs = [Document(text=r["body"], metadata={"title": r["title"], "published_at": r["published_at"],
                                              "source": r["source"]}) for r in records]
    nodes = SentenceSplitter(chunk_size=LLAMA_CHUNK_SIZE, chunk_overlap=overlap).get_nodes_from_documents(docs)
    VectorStoreIndex(nodes, storage_context=storage, embed_model=embed)
    took, peak = time.perf_counter() - t0, peak_rss_mb()
    return {"articles": len(docs), "rejected": 0, "chunks": collection.count(), "setup_s": t0 - start,
            "ingest_s": took, "peak_rss_mb": peak,
            "tokens": embedded_tokens([n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]),
            "embedder": "HuggingFaceEmbedding (sentence-transformers, torch)", "backend": "torch",
            "chunking": f"SentenceSplitter(chunk_size={LLAMA_CHUNK_SIZE}, chunk_overlap={overlap})"}


def child_main(pipeline: str, corpus: Path, out: Path) -> None:
    start = time.perf_counter()
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    with tempfile.TemporaryDirectory(prefix="ingest-bench-", ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp) / "index"
        if pipeline == NAIVE:
            result = child_naive(corpus, folder, start)
        else:
            result = child_ours(corpus, folder, pipeline.removeprefix("ours:"), start)
        result["total_s"] = time.perf_counter() - start
    out.write_text(json.dumps(result), encoding="utf-8")


# ---- the parent: subsets, children, the table ------------------------------------------------------
def run_pipeline(pipeline: str, corpus: Path, timeout_s: float, *, code: Path = ROOT) -> dict[str, Any]:
    """One pipeline in a child process; its figures, or an ``error`` (a failure or a timeout).

    ``code``: the checkout whose package and ``benchmarks/ingest.py`` the child runs (another revision's
    worktree for a baseline in the same run; its own ``assistant`` comes first on the child's path).
    """
    with tempfile.TemporaryDirectory(prefix="ingest-bench-out-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(code / "benchmarks" / "ingest.py"), "--child", pipeline, "--corpus", str(corpus),
               "--child-out", str(out)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")])}
        _log(f"{pipeline} ({code}): running ...")
        t0 = time.perf_counter()
        try:
            done = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout_s:.0f} s"}
        if done.returncode != 0 or not out.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return {"error": f"exit {done.returncode}: {' | '.join(tail)}"}
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        result["wall_s"] = time.perf_counter() - t0
    s = result["ingest_s"]
    result.update(articles_per_s=result["articles"] / s, chunks_per_s=result["chunks"] / s,
                  passages_per_s=result["tokens"] / PASSAGE_TOKENS / s)
    _log(f"{pipeline}: {result['articles']} articles, {result['chunks']} chunks in {s:.1f} s")
    return result


def run(corpus: Path = DEFAULT_CORPUS, *, limit: int | None = None, backends: Sequence[str] = ("onnx",),
        timeout_s: float = DEFAULT_TIMEOUT_S, baseline: Path | None = None, naive: bool = True,
        repeat: int = 1) -> dict[str, Any]:
    """Every pipeline over the corpus (or its first ``limit`` articles); returns every figure.

    ``corpus`` is MultiHop-RAG's JSON or a folder of release files (HTML, PDF, Markdown ...: read as
    ``assistant ingest`` reads a folder; the naive pipeline reads JSON only). ``baseline``: another
    checkout (``git worktree add /tmp/base <rev>``) whose own code ingests the same corpus in this run.
    ``repeat``: run every pipeline this often, in alternating order; the median run is reported.
    """
    corpus = Path(corpus).resolve()
    if corpus.is_dir():
        count, naive = sum(1 for f in corpus.rglob("*") if f.is_file()), False
    else:
        records = json.loads(corpus.read_text(encoding="utf-8"))
        count = len(records)
    config: dict[str, Any] = {
        "corpus": str(corpus), "articles": count, "limit": limit, "backends": list(backends),
        "python": platform.python_version(), "cpus": os.cpu_count(), "load_before": _loadavg(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "baseline": str(baseline) if baseline else None,
        "repeat": repeat,
    }
    runs = [(f"ours:{b}", ROOT) for b in backends]
    if baseline:
        runs += [(f"baseline:{b}", Path(baseline).resolve()) for b in backends]
    if naive:
        runs.append((NAIVE, ROOT))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ingest-bench-corpus-") as tmp:
        source = corpus
        if limit and not corpus.is_dir() and limit < count:  # a subset file in a temp folder; the data stays
            source = Path(tmp) / "corpus-subset.json"
            source.write_text(json.dumps(records[:limit]), encoding="utf-8")
            config["articles"] = limit
        tries: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in runs}
        for i in range(repeat):  # alternate the order, so that a change in load hits both sides alike
            for name, code in runs if i % 2 == 0 else runs[::-1]:
                # a baseline child is that checkout's own script, which knows only "ours:<backend>"
                pipeline = "ours:" + name.split(":", 1)[1] if name.startswith("baseline:") else name
                tries[name].append(run_pipeline(pipeline, source, timeout_s, code=code))
        for name, got in tries.items():
            ok = sorted((r for r in got if "error" not in r), key=lambda r: r["ingest_s"])
            results[name] = ok[(len(ok) - 1) // 2] if ok else got[0]  # the median run (the faster of two)
            results[name]["ingest_s_all"] = [round(r["ingest_s"], 1) for r in ok]
    config["load_after"] = _loadavg()
    return {"config": config, "pipelines": results}


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def format_report(result: dict[str, Any]) -> str:
    cfg, rows = result["config"], result["pipelines"]
    head = (f"{'pipeline':<20} {'articles':>8} {'chunks':>7} {'setup s':>8} {'ingest s':>9} {'articles/s':>10} "
            f"{'chunks/s':>9} {'passages/s':>10} {'peak RSS MB':>11}")
    lines = [f"Ingest of {cfg['articles']} articles from {cfg['corpus']} ({cfg['cpus']} CPUs, "
             f"load average before {cfg['load_before']}, after {cfg['load_after']})", head, "-" * len(head)]
    for name, r in rows.items():
        if "error" in r:
            lines.append(f"{name:<20} error: {r['error']}")
            continue
        lines.append(f"{name:<20} {r['articles']:>8} {r['chunks']:>7} {r['setup_s']:>8.1f} {r['ingest_s']:>9.1f} "
                     f"{r['articles_per_s']:>10.2f} {r['chunks_per_s']:>9.1f} {r['passages_per_s']:>10.1f} "
                     f"{r['peak_rss_mb']:>11.0f}")
    naive = rows.get(NAIVE, {})
    lines.append("")
    for name, r in rows.items():
        if name == NAIVE or "error" in r or "error" in naive or not naive:
            continue
        lines.append(f"{name} / naive: {r['articles_per_s'] / naive['articles_per_s']:.2f}x articles/s "
                     f"(target >= 2x), {r['chunks_per_s'] / naive['chunks_per_s']:.2f}x chunks/s, "
                     f"{r['passages_per_s'] / naive['passages_per_s']:.2f}x passages/s")
    for name, r in rows.items():
        base = rows.get(name.replace("ours:", "baseline:", 1), {}) if name.startswith("ours:") else {}
        if base and "error" not in r and "error" not in base:
            lines.append(f"{name} / baseline ({cfg['baseline']}): {r['articles_per_s'] / base['articles_per_s']:.2f}x "
                         f"articles/s, {r['chunks_per_s'] / base['chunks_per_s']:.2f}x chunks/s (ingest s, every run: "
                         f"{r.get('ingest_s_all')} vs {base.get('ingest_s_all')})")
    fp32 = rows.get("ours:onnx", {})
    if "passages_per_s" in fp32:
        lines.append(f"ours:onnx embeds {fp32['passages_per_s']:.1f} passages/s of {PASSAGE_TOKENS} tokens; NOTES.md's "
                     f"rough fp32 compute limit on 2 cores is ~{NOTES_LIMIT} passages/s")
    lines.append("Chunking: " + "; ".join(f"{n}: {r['chunking']}" for n, r in rows.items() if "chunking" in r))
    lines.append("Other processes share these CPUs: compare figures from one run, not across runs.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="MultiHop-RAG corpus JSON")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--backends", default="onnx",
                        help=f"our embedding backends to run, comma-separated, from {','.join(BACKENDS)}")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this file")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per pipeline")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout (git worktree add /tmp/base REV) to run beside ours in this run")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive llama-index pipeline")
    parser.add_argument("--repeat", type=int, default=1, help="runs per pipeline, in alternating order (median kept)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child, args.corpus, args.child_out)
        return 0
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        parser.error(f"unknown backends {unknown}: use {','.join(BACKENDS)}")
    result = run(args.corpus, limit=args.limit, backends=backends, timeout_s=args.timeout, baseline=args.baseline,
                 naive=not args.no_naive, repeat=max(1, args.repeat))
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if all("error" not in r for r in result["pipelines"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
