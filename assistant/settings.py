"""Settings: one frozen object read from ``ASSISTANT_*`` environment variables, ``.env`` and defaults.

Precedence is env > ``.env`` (in the working directory) > default. Each setting declares its
type and default once, in ``FIELDS``; the README's settings table is checked against it by a test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

PREFIX = "ASSISTANT_"


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant. Field docs double as the README's settings table."""

    data_dir: Path = Path("data")
    """Folder holding the Chroma database and the keyword index."""
    collection: str = "releases"
    """Name prefix of the Chroma collections (3-60 characters of a-z, 0-9, '.', '_', '-')."""
    chroma_url: str = ""
    """URL of a `chroma run` server (e.g. http://127.0.0.1:8000); empty means the embedded store in data_dir."""
    keyword_sync_seconds: float = 2.0
    """How often (at most) an app checks whether another changed a shared Chroma index (keyword rows, live releases)."""
    embedding_model: str = ""
    """sentence-transformers model name or local folder; empty means the bundled all-MiniLM-L6-v2."""
    embedding_backend: str = "onnx-int8"
    """Embedding backend: onnx-int8 (fastest), onnx (same vectors as torch) or torch; any of them reads any index."""
    onnx_cache_dir: str = ""
    """Folder for the one-off ONNX export of the model; empty means ~/.cache/press-room-assistant/onnx (XDG)."""
    embedding_batch_size: int = 32
    """Passages embedded per batch at ingest."""
    threads: int = 0
    """CPU threads for the embedding model; 0 means all cores."""
    chunk_tokens: int = 256
    """Most tokens of text in a chunk (less when the model's window is smaller)."""
    chunk_overlap: int = 32
    """Tokens of overlap between consecutive chunks (whole sentences)."""
    max_file_mb: float = 20.0
    """Files larger than this are rejected at ingest."""
    max_question_chars: int = 2000
    """Longer questions are rejected with a clear message."""
    top_k: int = 10
    """Chunks retrieved for an answer."""
    min_relevance: float = 0.40
    """Least cosine relevance for an answer when the question's names are all found; more is needed otherwise
    (calibrated on the MultiHop-RAG dev split for chunk vectors pooled from sentence vectors)."""
    answer_sentences: int = 3
    """Sentences in an extractive answer, at most."""
    answerer: str = "extractive"
    """Answer backend by name: extractive (offline) or openai (any OpenAI-compatible server, see ASSISTANT_LLM_*)."""
    summarizer: str = "extractive"
    """Summary backend by name: extractive (offline) or openai."""
    summary_releases: int = 5
    """Releases a summary by topic or by dates and sources covers, at most."""
    llm_base_url: str = ""
    """Base URL of an OpenAI-compatible server for the openai backend (e.g. http://127.0.0.1:11434/v1 for Ollama)."""
    llm_model: str = ""
    """Model name the LLM server knows (e.g. llama3.1:8b, gpt-4o-mini)."""
    llm_api_key: str = field(default="", repr=False)
    """API key sent to the LLM server as a Bearer token; empty for local servers."""
    llm_timeout: float = 60.0
    """Seconds to wait for the LLM server to connect and to send each piece of its reply."""
    llm_max_tokens: int = 512
    """Most tokens an LLM answer or summary may generate."""
    llm_temperature: float = 0.0
    """Sampling temperature of the LLM (0 for the most literal answers)."""
    support_threshold: float = 0.42
    """Citation-check score (0-1) from which an LLM sentence counts as supported by its cited source."""
    drop_unsupported: bool = False
    """Remove LLM sentences that fail the citation check, instead of keeping them marked unverified."""
    host: str = "127.0.0.1"
    """Web app host."""
    port: int = 7860
    """Web app port."""
    corpus_dir: str = "corpus"
    """Folder the web app ingests at start (the bundled demo corpus); empty to skip."""
    api_keys: str = field(default="", repr=False)
    """Comma-separated API keys. API writes always need one (with none set they are refused); reads when required."""
    require_key_for_reads: bool = False
    """Whether API reads (ask, search, releases, summarize, chat) need an API key too; health never does."""
    max_request_mb: float = 50.0
    """Largest API request body (uploads included); bigger requests are refused with 413."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, dotenv: Path | None = Path(".env"), **overrides: Any
                 ) -> Settings:
        """Build settings from the environment, a ``.env`` file and explicit overrides (highest)."""
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            values.update(_read_dotenv(dotenv))
        values.update({k: v for k, v in (os.environ if env is None else env).items() if k.startswith(PREFIX)})
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            raw = values.get(PREFIX + f.name.upper())
            if raw is not None:
                kwargs[f.name] = _cast(f.name, f.type, raw)
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def with_(self, **changes: Any) -> Settings:
        """A copy with some values changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def validate(self) -> None:
        if not (3 <= len(self.collection) <= 60) or not all(c.isalnum() or c in "._-" for c in self.collection):
            raise ConfigError(
                f"ASSISTANT_COLLECTION={self.collection!r}: use 3-60 characters of a-z, 0-9, '.', '_', '-'")
        if self.chunk_tokens < 32:
            raise ConfigError(f"ASSISTANT_CHUNK_TOKENS={self.chunk_tokens}: use at least 32")
        if not 0 <= self.chunk_overlap < self.chunk_tokens // 2:
            raise ConfigError(f"ASSISTANT_CHUNK_OVERLAP={self.chunk_overlap}: use 0 to half of chunk_tokens")
        if self.top_k < 1 or self.answer_sentences < 1:
            raise ConfigError("ASSISTANT_TOP_K and ASSISTANT_ANSWER_SENTENCES must be at least 1")
        if self.summary_releases < 1 or self.llm_max_tokens < 1 or self.llm_timeout <= 0:
            raise ConfigError("ASSISTANT_SUMMARY_RELEASES, ASSISTANT_LLM_MAX_TOKENS and ASSISTANT_LLM_TIMEOUT "
                              "must be positive")
        if not 0.0 <= self.support_threshold <= 1.0:
            raise ConfigError(f"ASSISTANT_SUPPORT_THRESHOLD={self.support_threshold}: use a number from 0 to 1")
        if self.require_key_for_reads and not self.api_key_list:
            raise ConfigError("ASSISTANT_REQUIRE_KEY_FOR_READS is on but ASSISTANT_API_KEYS is empty: set a key")
        if self.max_request_mb <= 0:
            raise ConfigError(f"ASSISTANT_MAX_REQUEST_MB={self.max_request_mb}: use a positive number")

    @property
    def api_key_list(self) -> list[str]:
        """The configured API keys (``api_keys`` split on commas, blanks dropped)."""
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]


def _cast(name: str, kind: Any, raw: str) -> Any:
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind == "Path":
            return Path(raw)
        return raw
    except ValueError:
        raise ConfigError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from None


def _read_dotenv(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out


def describe() -> list[tuple[str, str, str]]:
    """(env var, default, help) for every setting, in declaration order: feeds docs and their test."""
    import ast
    import inspect

    docs: dict[str, str] = {}
    tree = ast.parse(inspect.getsource(Settings))
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, nxt in zip(body, body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            docs[node.target.id] = str(nxt.value.value)  # type: ignore[union-attr]
    defaults = Settings()
    return [(PREFIX + f.name.upper(), str(getattr(defaults, f.name)), docs.get(f.name, "")) for f in fields(Settings)]
