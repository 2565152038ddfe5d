"""Retrieval quality on MultiHop-RAG: our retriever against naive baselines, all scored by one function.

Systems: ``ours`` (the package's public ``Assistant.retriever``), ``baseline_llamaindex`` (the
paper's naive llama-index pipeline: SentenceSplitter 256 tokens, the same embedding model, Chroma,
top-10 cosine), ``baseline_bm25`` (bm25s over our own chunks) and ``baseline_rrf`` (reciprocal-rank
fusion of a dense and a BM25 ranking of our own chunks). Metrics follow the dataset's
``retrieval_evaluate.py``; see ``shared/data/multihop-rag/README.md`` and ``benchmarks/README.md``.

    .venv/bin/python benchmarks/retrieval.py --json /tmp/eval-full.json   # dev split, every system
    .venv/bin/python benchmarks/retrieval.py --limit 300 --seed 1         # a reproducible subset
    .venv/bin/python benchmarks/retrieval.py --smoke                      # the quick CI run
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "multihop-rag"
DEFAULT_CORPUS = DATA / "corpus_train.json"
DEFAULT_QUERIES = DATA / "queries_dev.json"
DEFAULT_DATA_DIR = Path("data/eval-multihop")

SYSTEMS = ("ours", "baseline_llamaindex", "baseline_bm25", "baseline_rrf")
METRICS = ("hits@4", "hits@10", "mrr@10", "map@10", "evidence_recall@10", "complete@10")
NULL_TYPE = "null_query"
TOP = 10
RRF_K = 60
RRF_DEPTH = 50  # each ranking fused by baseline_rrf
WARMUP = 3  # queries run untimed before each system's timed pass
LLAMA_CHUNK_SIZE = 256
# Same HNSW settings as assistant/store.py, so the dense baseline loses nothing to ANN recall.
LLAMA_HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 128, "max_neighbors": 32}
# Modules whose code shapes what an index holds: when one changes, a cached index is rebuilt from scratch
# (ingest skips releases by content hash, so it would not re-chunk or re-embed them by itself).
INDEX_MODULES = ("types", "corpus", "dates", "chunking", "embedding", "core", "keyword")
SMOKE_ANSWERABLE, SMOKE_NULL, SMOKE_ARTICLE_BUDGET, SMOKE_EXTRA_ARTICLES, SMOKE_ASK = 100, 20, 70, 30, 30
DEFAULT_ASK_LIMIT = 300

Search = Callable[[str], list[str]]  # query -> chunk texts as scored, best first

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(ROOT))


# ---- metrics: pure functions, unit-tested ---------------------------------------------------
def squash(text: str) -> str:
    """What retrieval_evaluate.py compares: the text with spaces and newlines removed."""
    return text.replace(" ", "").replace("\n", "")


def score_query(retrieved: Sequence[str], facts: Sequence[str]) -> dict[str, float]:
    """One query's metrics over its top 10 chunks, exactly as the dataset's retrieval_evaluate.py.

    A chunk is relevant when any gold fact is a substring of it (both squashed). MAP@10 sums, over
    ranks, the gold facts first matched at that rank divided by the rank, then divides by
    min(#facts, 10). Evidence recall and completeness (ours) ask which facts appear anywhere in the top 10.
    """
    if not facts:
        raise ValueError("a query without gold facts has no retrieval metrics")
    gold = [squash(f) for f in facts]
    top = [squash(t) for t in retrieved[:TOP]]
    first: int | None = None
    precision_sum = 0.0
    found: list[str] = []
    for rank, text in enumerate(top, start=1):
        if not any(g in text for g in gold):
            continue
        first = first or rank
        new = 0
        for g in gold:
            if g in text and g not in found:
                new += 1
                found.append(g)
        precision_sum += new / rank
    present = [any(g in t for t in top) for g in gold]
    return {
        "hits@4": float(first is not None and first <= 4),
        "hits@10": float(first is not None),
        "mrr@10": 1.0 / first if first else 0.0,
        "map@10": precision_sum / min(len(gold), 10),
        "evidence_recall@10": sum(present) / len(gold),
        "complete@10": float(all(present)),
        "first_relevant": float(first or 0),
    }


def aggregate(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Mean of each metric over queries (0 for none)."""
    return {m: (sum(r[m] for r in rows) / len(rows) if rows else 0.0) for m in METRICS}


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without importing numpy."""
    if not values:
        return 0.0
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def fact_coverage(queries: Iterable[dict[str, Any]], chunks_by_title: dict[str, list[str]]) -> float:
    """Share of gold facts contained in at least one chunk of their article: the ceiling of any ranking."""
    squashed = {t: [squash(x) for x in texts] for t, texts in chunks_by_title.items()}
    total = hit = 0
    for q in queries:
        for e in q["evidence_list"]:
            total += 1
            fact = squash(e["fact"])
            hit += any(fact in c for c in squashed.get(e["title"], ()))
    return hit / total if total else 0.0


# ---- data ------------------------------------------------------------------------------------
def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _bar(items: Iterable[Any], desc: str, total: int, show: bool) -> Iterable[Any]:
    from tqdm import tqdm

    tty = sys.stderr.isatty()
    return tqdm(items, desc=desc, total=total, unit="q", file=sys.stderr, disable=not show,
                mininterval=0.5 if tty else 10, leave=tty)


def file_key(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"name": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def code_key() -> dict[str, str]:
    out = {}
    for name in INDEX_MODULES:
        f = ROOT / "assistant" / f"{name}.py"
        if f.is_file():
            out[name] = hashlib.sha256(f.read_bytes()).hexdigest()[:16]
        elif f.with_suffix("").is_dir():  # a package (assistant/corpus/): all its modules
            h = hashlib.sha256()
            for p in sorted(f.with_suffix("").rglob("*.py")):
                h.update(p.read_bytes())
            out[name] = h.hexdigest()[:16]
    return out


def select_queries(queries: list[dict[str, Any]], limit: int | None, seed: int) -> list[dict[str, Any]]:
    """A reproducible random subset (in file order), or all queries."""
    if not limit or limit >= len(queries):
        return queries
    keep = sorted(random.Random(seed).sample(range(len(queries)), limit))
    return [queries[i] for i in keep]


def smoke_subset(records: list[dict[str, Any]], queries: list[dict[str, Any]], seed: int = 0
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Answerable queries (balanced by type) whose evidence fits in a fixed budget of articles, null
    queries, and those articles plus a few random others: a small index, so CI stays fast.

    Queries are taken in a seeded random order and kept while their articles fit the budget, so later
    picks are queries over articles already chosen: 100 queries need ~70 articles instead of ~170.
    """
    rng = random.Random(seed)
    answerable = [q for q in queries if q["question_type"] != NULL_TYPE]
    nulls = [q for q in queries if q["question_type"] == NULL_TYPE]
    quota = -(-SMOKE_ANSWERABLE // max(1, len({q["question_type"] for q in answerable})))
    picked: list[dict[str, Any]] = []
    needed: set[str] = set()
    per_type: dict[str, int] = defaultdict(int)
    for q in rng.sample(answerable, len(answerable)):
        new = {e["title"] for e in q["evidence_list"]} - needed
        if per_type[q["question_type"]] < quota and len(needed) + len(new) <= SMOKE_ARTICLE_BUDGET:
            picked.append(q)
            needed |= new
            per_type[q["question_type"]] += 1
            if len(picked) == SMOKE_ANSWERABLE:
                break
    picked += rng.sample(nulls, min(SMOKE_NULL, len(nulls)))
    articles = [r for r in records if r["title"] in needed]
    others = [r for r in records if r["title"] not in needed]
    articles += rng.sample(others, min(SMOKE_EXTRA_ARTICLES, len(others)))
    return articles, picked


# ---- systems ---------------------------------------------------------------------------------
def build_ours(corpus: Path, folder: Path, manifest: Path | None, *, rebuild: bool = False) -> Any:
    """An Assistant whose index holds ``corpus``; reused when the manifest says nothing changed.

    Settings come from ASSISTANT_* environment variables (not .env), so chunking or models can be
    compared without code changes; data_dir is always ``folder``.
    """
    from assistant.core import Assistant
    from assistant.settings import Settings

    # Load what Assistant imports lazily now, so that a long run uses one snapshot of the package's code
    # even while people edit it.
    for module in ("assistant.retrieval", "assistant.answering"):
        importlib.import_module(module)
    settings = Settings.from_env(dotenv=None, data_dir=folder)
    key = {"corpus": file_key(corpus), "code": code_key(),
           "settings": {"chunk_tokens": settings.chunk_tokens, "chunk_overlap": settings.chunk_overlap,
                        "embedding_model": settings.embedding_model, "collection": settings.collection}}
    old = _read_json(manifest) if manifest else None
    # Same settings and index code: the index is reused, or updated in place when only the corpus changed.
    same_build = bool(old) and not rebuild and _without_corpus(old.get("key", {})) == _without_corpus(key)
    if not same_build and folder.exists():
        _log(f"ours: settings or index code changed (or no manifest): rebuilding {folder}")
        shutil.rmtree(folder)
    a = Assistant(settings)
    if same_build and old["key"].get("corpus") == key["corpus"] and a.store.counts()["chunks"]:
        _log(f"ours: reusing the index in {folder} ({a.store.counts()['chunks']} chunks)")
        return a
    _log(f"ours: ingesting {corpus} into {folder} ...")
    t0 = time.perf_counter()
    report = a.ingest([corpus], prune=True)
    took = time.perf_counter() - t0
    _log(f"ours: {report.summary()} in {took:.0f} s")
    if report.rejected:
        _log(f"ours: rejected: {report.rejected[:5]}")
    if manifest:
        _write_json(manifest, {"key": key, "built_s": round(took, 1), "summary": report.summary()})
    return a


def _without_corpus(key: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in key.items() if k != "corpus"}


def ours_search(a: Any) -> Search:
    retriever = a.retriever

    def search(query: str) -> list[str]:
        return [h.chunk.text for h in retriever.search(query, TOP)]

    return search


class BM25Chunks:
    """Plain BM25 (bm25s, lower-case words, English stopwords) over title + source + date + chunk text."""

    def __init__(self, chunks: Sequence[Any]) -> None:
        import bm25s

        self._bm25s = bm25s
        self.chunks = list(chunks)
        texts = [f"{c.title}\n{c.source or ''}\n{c.date or ''}\n{c.text}" for c in self.chunks]
        self.index = bm25s.BM25()
        self.index.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def rank(self, query: str, k: int) -> list[int]:
        """Indexes into ``chunks``, best first; chunks sharing no word with the query are left out."""
        tokens = self._bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        if not tokens[0] or not self.chunks:
            return []
        docs, scores = self.index.retrieve(tokens, k=min(k, len(self.chunks)), show_progress=False, n_threads=1)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def search(self, query: str) -> list[str]:
        return [self.chunks[i].text for i in self.rank(query, TOP)]


def rrf_search(a: Any, bm25: BM25Chunks) -> Search:
    """Fuse a dense ranking (our store, our vectors) and BM25, both over our chunks, by reciprocal rank."""
    store, embedder = a.retriever.store, a.embedder

    def search(query: str) -> list[str]:
        dense = [c for c, _ in store.query(embedder.embed_query(query), RRF_DEPTH)]
        keyword = [bm25.chunks[i] for i in bm25.rank(query, RRF_DEPTH)]
        scores: dict[str, float] = defaultdict(float)
        texts: dict[str, str] = {}
        for ranking in (dense, keyword):
            for rank, c in enumerate(ranking, start=1):
                scores[c.id] += 1.0 / (RRF_K + rank)
                texts[c.id] = c.text
        return [texts[i] for i in sorted(scores, key=scores.__getitem__, reverse=True)[:TOP]]

    return search


def build_llamaindex(records: list[dict[str, Any]], corpus_key: dict[str, Any], folder: Path,
                     model_path: str, *, rebuild: bool = False, progress: bool = True
                     ) -> tuple[Search, dict[str, list[str]], dict[str, Any]]:
    """The paper's naive pipeline on llama-index; returns (search, chunk texts by title, its config)."""
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

    LlamaSettings.llm = None
    overlap = DEFAULT_CHUNK_OVERLAP if DEFAULT_CHUNK_OVERLAP < LLAMA_CHUNK_SIZE else 0
    config = {"splitter": f"SentenceSplitter(chunk_size={LLAMA_CHUNK_SIZE}, chunk_overlap={overlap})",
              "overlap_note": "llama-index 0.14 default (the paper's 0.9.x default was 200)",
              "embedding": f"HuggingFaceEmbedding(model_name={model_path!r})",
              "store": "ChromaVectorStore, PersistentClient", "hnsw": LLAMA_HNSW,
              "metadata": ["title", "published_at", "source"], "scored_text": "MetadataMode.LLM"}
    key = {"corpus": corpus_key, "model": model_path, "config": config}
    manifest = folder.parent / "manifest-llamaindex.json"
    embed = HuggingFaceEmbedding(model_name=model_path, device="cpu", embed_batch_size=32)
    client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
    name = "multihop-llamaindex"
    old = _read_json(manifest)
    reuse = not rebuild and old is not None and old.get("key") == key
    if reuse:
        collection = client.get_or_create_collection(name, configuration={"hnsw": LLAMA_HNSW})
        reuse = collection.count() > 0
    if reuse:
        _log(f"baseline_llamaindex: reusing {folder} ({collection.count()} chunks)")
        index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=collection), embed_model=embed)
    else:
        manifest.unlink(missing_ok=True)
        if name in [c.name for c in client.list_collections()]:
            client.delete_collection(name)
        collection = client.create_collection(name, configuration={"hnsw": LLAMA_HNSW})
        docs = [Document(text=r["body"], metadata={"title": r["title"], "published_at": r["published_at"],
                                                  "source": r["source"]}) for r in records]
        t0 = time.perf_counter()
        nodes = SentenceSplitter(chunk_size=LLAMA_CHUNK_SIZE, chunk_overlap=overlap).get_nodes_from_documents(
            docs, show_progress=progress)
        _log(f"baseline_llamaindex: embedding {len(nodes)} chunks into {folder} ...")
        storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
        index = VectorStoreIndex(nodes, storage_context=storage, embed_model=embed, show_progress=progress)
        took = time.perf_counter() - t0
        _log(f"baseline_llamaindex: built in {took:.0f} s")
        _write_json(manifest, {"key": key, "built_s": round(took, 1), "chunks": len(nodes)})
    retriever = index.as_retriever(similarity_top_k=TOP)

    def search(query: str) -> list[str]:
        return [n.node.get_content(metadata_mode=MetadataMode.LLM) for n in retriever.retrieve(query)]

    stored = collection.get(include=["documents", "metadatas"])
    by_title: dict[str, list[str]] = defaultdict(list)
    for doc, meta in zip(stored["documents"] or [], stored["metadatas"] or [], strict=True):
        by_title[str((meta or {}).get("title", ""))].append(doc or "")
    config["chunks"] = len(stored["ids"])
    return search, by_title, config


# ---- running ---------------------------------------------------------------------------------
def evaluate(name: str, search: Search, queries: Sequence[dict[str, Any]], show: bool
             ) -> tuple[list[dict[str, float]], list[float]]:
    """Per-query metric rows and latencies (ms) of one system, after a short untimed warm-up."""
    for q in queries[:WARMUP]:
        search(q["query"])
    rows, latencies = [], []
    for q in _bar(queries, name, len(queries), show):
        t0 = time.perf_counter()
        texts = search(q["query"])
        latencies.append((time.perf_counter() - t0) * 1000)
        rows.append(score_query(texts, [e["fact"] for e in q["evidence_list"]]))
    return rows, latencies


def declined_share(a: Any, queries: Sequence[dict[str, Any]], desc: str, show: bool) -> float:
    """Share of queries that ``Assistant.ask`` answers with 'not covered'."""
    declined = sum(not a.ask(q["query"]).covered for q in _bar(queries, desc, len(queries), show))
    return declined / len(queries) if queries else 0.0


def run(corpus: Path | str = DEFAULT_CORPUS, queries: Path | str = DEFAULT_QUERIES,
        data_dir: Path | str = DEFAULT_DATA_DIR, *, limit: int | None = None, seed: int = 0, smoke: bool = False,
        baselines: bool = True, ask_limit: int | None = DEFAULT_ASK_LIMIT, rebuild: bool = False,
        progress: bool = True) -> dict[str, Any]:
    """Build (or reuse) the indexes, run every system over the queries, return every figure.

    ``smoke`` picks 100 answerable and 20 null queries (``smoke_subset``), indexes only the articles
    they need plus 30 others in a fresh temporary folder (``data_dir`` is not used), and skips the
    llama-index baseline. ``ask_limit`` caps the answerable queries sent to ``ask()`` (0/None: all).
    """
    for k, v in {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
        os.environ.setdefault(k, v)
    corpus, queries_path, data_dir = Path(corpus).resolve(), Path(queries).resolve(), Path(data_dir)
    records = json.loads(corpus.read_text(encoding="utf-8"))
    all_queries = json.loads(queries_path.read_text(encoding="utf-8"))
    t_start = time.perf_counter()
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if smoke:
        records, selected = smoke_subset(records, all_queries, seed)
        tmp = tempfile.TemporaryDirectory(prefix="eval-smoke-", ignore_cleanup_errors=True)
        data_dir = Path(tmp.name)
        corpus_file = data_dir / "corpus-subset.json"
        corpus_file.write_text(json.dumps(records), encoding="utf-8")
        baselines_llama, ask_limit = False, SMOKE_ASK
    else:
        selected = select_queries(all_queries, limit, seed)
        corpus_file, baselines_llama = corpus, baselines
    answerable = [q for q in selected if q["question_type"] != NULL_TYPE]
    nulls = [q for q in selected if q["question_type"] == NULL_TYPE]
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        a = build_ours(corpus_file, data_dir / "ours", None if smoke else data_dir / "manifest-ours.json",
                       rebuild=rebuild)
        chunks = a.store.all_chunks()
        s = a.settings
        config: dict[str, Any] = {
            "corpus": str(corpus), "corpus_sha256": file_key(corpus)["sha256"], "queries": str(queries_path),
            "articles_indexed": len(records), "queries_selected": len(selected), "answerable": len(answerable),
            "null": len(nulls), "limit": limit, "seed": seed, "smoke": smoke, "data_dir": str(data_dir),
            "ours": {"chunks": len(chunks), "chunk_tokens": s.chunk_tokens, "chunk_overlap": s.chunk_overlap,
                     "embedding_model": a.embedder.name, "top_k": s.top_k, "min_relevance": s.min_relevance,
                     "answerer": s.answerer, "index_code": code_key()},
            "baseline_bm25": {"library": "bm25s", "params": "BM25(k1=1.5, b=0.75, method='lucene')",
                              "text": "title\\nsource\\ndate\\nchunk text", "stopwords": "en"},
            "baseline_rrf": {"k": RRF_K, "depth": RRF_DEPTH, "dense": "assistant store.query", "keyword": "bm25"},
            "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        searches: dict[str, Search] = {"ours": ours_search(a)}
        by_title: dict[str, dict[str, list[str]]] = {}
        ours_titles: dict[str, list[str]] = defaultdict(list)
        for c in chunks:
            ours_titles[c.title].append(c.text)
        if baselines_llama:
            from assistant.embedding import default_model_path

            model = s.embedding_model or str(default_model_path())
            search, titles, cfg = build_llamaindex(records, file_key(corpus), data_dir / "llamaindex", model,
                                                   rebuild=rebuild, progress=progress)
            searches["baseline_llamaindex"], by_title["baseline_llamaindex"] = search, titles
            config["baseline_llamaindex"] = cfg
        if baselines or smoke:
            bm25 = BM25Chunks(chunks)
            searches["baseline_bm25"] = bm25.search
            searches["baseline_rrf"] = rrf_search(a, bm25)
            by_title["baseline_bm25"] = by_title["baseline_rrf"] = ours_titles
        by_title["ours"] = ours_titles

        result: dict[str, Any] = {"config": config}
        by_type: dict[str, dict[str, dict[str, float]]] = {}
        per_query: list[dict[str, Any]] = [{"query": q["query"], "question_type": q["question_type"],
                                            "first_relevant": {}, "evidence_recall@10": {}} for q in answerable]
        for name in (n for n in SYSTEMS if n in searches):
            rows, lat = evaluate(name, searches[name], answerable, progress)
            result[name] = {**aggregate(rows), "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95),
                            "queries": len(rows), "fact_coverage": fact_coverage(answerable, by_title[name])}
            groups: dict[str, list[dict[str, float]]] = defaultdict(list)
            for q, row, pq in zip(answerable, rows, per_query, strict=True):
                groups[q["question_type"]].append(row)
                pq["first_relevant"][name] = int(row["first_relevant"]) or None
                pq["evidence_recall@10"][name] = round(row["evidence_recall@10"], 4)
            by_type[name] = {t: {**aggregate(g), "queries": len(g)} for t, g in sorted(groups.items())}
        asked = answerable
        if ask_limit and ask_limit < len(answerable):
            asked = random.Random(seed).sample(answerable, ask_limit)
        result["ours"].update(null_queries=len(nulls), answerable_asked=len(asked))
        try:  # the retrieval figures above must survive a failing answerer
            result["ours"]["null_declined"] = declined_share(a, nulls, "ask null", progress)
            result["ours"]["answerable_wrongly_declined"] = declined_share(a, asked, "ask answerable", progress)
        except Exception as e:  # noqa: BLE001 - reported in the output instead
            _log(f"ours: ask() failed: {type(e).__name__}: {e}")
            result["ours"]["ask_error"] = f"{type(e).__name__}: {e}"
        result["by_type"] = by_type
        result["per_query"] = per_query
        config["seconds"] = round(time.perf_counter() - t_start, 1)
        return result
    finally:
        if tmp is not None:
            tmp.cleanup()


# ---- output ----------------------------------------------------------------------------------
_COLUMNS = (("Hits@4", "hits@4"), ("Hits@10", "hits@10"), ("MRR@10", "mrr@10"), ("MAP@10", "map@10"),
            ("EvRecall@10", "evidence_recall@10"), ("Complete@10", "complete@10"))


def format_report(result: dict[str, Any]) -> str:
    systems = [n for n in SYSTEMS if n in result]
    head = f"{'system':<21}" + "".join(f"{c:>12}" for c, _ in _COLUMNS) + f"{'p50 ms':>9}{'p95 ms':>9}"
    cfg = result["config"]
    lines = [f"MultiHop-RAG retrieval: {cfg['answerable']} answerable queries, {cfg['articles_indexed']} articles"
             + (" (smoke)" if cfg["smoke"] else ""), "", head, "-" * len(head)]
    for n in systems:
        r = result[n]
        lines.append(f"{n:<21}" + "".join(f"{r[k]:>12.4f}" for _, k in _COLUMNS)
                     + f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    for qtype in sorted({t for n in systems for t in result["by_type"].get(n, {})}):
        count = next(result["by_type"][n][qtype]["queries"] for n in systems if qtype in result["by_type"][n])
        lines += ["", f"{qtype} ({count} queries)"]
        for n in systems:
            r = result["by_type"][n].get(qtype)
            if r:
                lines.append(f"  {n:<19}" + "".join(f"{r[k]:>12.4f}" for _, k in _COLUMNS))
    o = result["ours"]
    if "ask_error" in o:
        asked = f"ours, ask() failed: {o['ask_error']}"
    else:
        asked = (f"ours, ask(): declined {o['null_declined']:.1%} of {o['null_queries']} null queries (higher is "
                 f"better); wrongly declined {o['answerable_wrongly_declined']:.1%} of {o['answerable_asked']} "
                 "answerable queries (lower is better)")
    lines += ["", "facts found verbatim in some indexed chunk (the ceiling): "
              + ", ".join(f"{n} {result[n]['fact_coverage']:.4f}" for n in systems),
              asked,
              f"chunks: ours {cfg['ours']['chunks']}"
              + (f", llama-index {cfg['baseline_llamaindex']['chunks']}" if "baseline_llamaindex" in cfg else "")
              + f"; took {cfg['seconds']:.0f} s"]
    return "\n".join(lines)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="benchmarks/retrieval.py", description=__doc__.split("\n\n")[0],
        epilog="example: .venv/bin/python benchmarks/retrieval.py --limit 300 --json /tmp/eval.json",
    )
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="MultiHop-RAG corpus JSON (read in place)")
    p.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="MultiHop-RAG queries JSON")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="where the indexes are built and kept")
    p.add_argument("--json", type=Path, help="write every figure to this JSON file")
    p.add_argument("--limit", type=int, help="evaluate a random subset of N queries (reproducible with --seed)")
    p.add_argument("--seed", type=int, default=0, help="seed for --limit, --smoke and the ask() sample")
    p.add_argument("--smoke", action="store_true", help="quick CI run on a small fresh index, no llama-index")
    p.add_argument("--no-baselines", action="store_true", help="evaluate ours only")
    p.add_argument("--ask-limit", type=int, default=DEFAULT_ASK_LIMIT,
                   help=f"answerable queries sent to ask() for the wrongly-declined share (0: all; "
                        f"default {DEFAULT_ASK_LIMIT}); every null query is asked")
    p.add_argument("--rebuild", action="store_true", help="rebuild the indexes even when their manifests match")
    args = p.parse_args(argv)
    for path in (args.corpus, args.queries):
        if not path.is_file():
            p.error(f"no such file: {path}")
    result = run(args.corpus, args.queries, args.data_dir, limit=args.limit, seed=args.seed, smoke=args.smoke,
                 baselines=not args.no_baselines, ask_limit=args.ask_limit, rebuild=args.rebuild)
    print(format_report(result))
    if args.json:
        _write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
