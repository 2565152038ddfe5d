"""Backends by name: the one place that picks an answerer, a summariser or an LLM client.

It sits above both the offline implementations (``answering``, ``summaries``) and the LLM ones
(``generative``, ``llm``), so none of those imports another's factory and there is no import
circle. Each factory takes a known name or a dotted path to a class (``package.module.Class`` or
``package.module:Class``), as txtai's factories do, so that an outside package can add a backend
without touching ours. Implementations are imported only when chosen: the extractive path never
loads ``openai`` or ``llama_index``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError
from assistant.protocols import LLM, Answerer, Summarizer

if TYPE_CHECKING:
    from assistant.embedding import Embedder
    from assistant.settings import Settings

ANSWERERS = ("extractive", "openai")
SUMMARIZERS = ("extractive", "openai")
LLMS = ("none", "openai")
_LLM_ONLY = ("llm", "drop_unsupported", "support_threshold", "max_tokens")


def resolve(path: str) -> Any:
    """The object a dotted path names (``pkg.mod.Name`` or ``pkg.mod:Name``); a ConfigError when it cannot."""
    module, sep, attr = path.partition(":") if ":" in path else path.rpartition(".")
    if not sep or not module or not attr:
        raise ConfigError(f"{path!r} is neither a known backend name nor a dotted path (package.module.Class)")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"cannot load backend {path!r}: {e}") from None


def create_answerer(name: str, **kwargs: Any) -> Answerer:
    """Answerers by name: ``extractive`` (offline) or ``openai`` (an LLM, given as ``llm``), or a dotted path.

    Every answerer takes ``retriever``, ``store``, ``embedder`` and the answer settings; the LLM one
    also ``llm``, ``drop_unsupported``, ``support_threshold`` and ``max_tokens``.
    """
    if name == "extractive":
        from assistant.answering.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(**{k: v for k, v in kwargs.items() if k not in _LLM_ONLY})
    if name == "openai":
        from assistant.generative import LLMAnswerer

        return LLMAnswerer(**kwargs)
    if "." in name:
        made = resolve(name)(**kwargs)
        return _checked(made, Answerer, name)
    raise ConfigError(f"unknown answerer {name!r} (known: {', '.join(ANSWERERS)}, or a dotted class path)")


def create_summarizer(name: str, *, embedder: Embedder, llm: LLM | None = None, drop_unsupported: bool = False,
                      support_threshold: float | None = None, max_tokens: int | None = None) -> Summarizer:
    """Summary backends by name: ``extractive`` (offline), ``openai`` (an LLM, given as ``llm``), or a dotted path."""
    if name == "extractive":
        from assistant.summaries import Summarizer as ExtractiveSummarizer

        return ExtractiveSummarizer(embedder)
    if name == "openai":
        from assistant.generative import LLMSummarizer

        if llm is None:
            raise ConfigError("the openai summary backend needs an LLM")
        return LLMSummarizer(embedder, llm, drop_unsupported=drop_unsupported, support_threshold=support_threshold,
                             max_tokens=max_tokens)
    if "." in name:
        made = resolve(name)(embedder=embedder, llm=llm)
        return _checked(made, Summarizer, name)
    raise ConfigError(f"unknown summary backend {name!r} (known: {', '.join(SUMMARIZERS)}, or a dotted class path)")


def create_llm(name: str, *, base_url: str = "", model: str = "", api_key: str = "", timeout: float = 60.0,
               max_tokens: int | None = None, temperature: float | None = None, **options: Any) -> LLM:
    """LLM clients by name (``none``, ``openai``), a llama-index ``LLM`` object, or a dotted path to a class.

    A dotted path may name any llama-index LLM class (``llama_index.llms.ollama.Ollama``); it is built
    with ``model``, ``max_tokens`` and ``temperature`` when given, and ``options``, and wrapped so that
    it streams like the others.
    """
    from assistant import llm as clients

    if not isinstance(name, str):  # already an object: a llama-index LLM or one of ours
        return as_llm(name)
    if name == "none":
        return clients.NoLLM()
    if name == "openai":
        return clients.OpenAICompatible(base_url, model, api_key, timeout=timeout, max_tokens=max_tokens or 512,
                                        temperature=temperature or 0.0, **options)
    if "." in name:
        given = {"model": model or None, "max_tokens": max_tokens, "temperature": temperature}
        return as_llm(resolve(name)(**{k: v for k, v in given.items() if v is not None}, **options))
    raise ConfigError(f"unknown LLM backend {name!r} (known: {', '.join(LLMS)}, or a dotted class path)")


def as_llm(obj: Any) -> LLM:
    """One of our clients as it is; a llama-index ``LLM`` (anything with ``stream_chat``) wrapped."""
    from assistant.llm import LlamaIndexLLM

    if isinstance(obj, LLM) and not callable(getattr(obj, "stream_chat", None)):
        return obj
    return LlamaIndexLLM(obj)


def llm_from_settings(settings: Settings, name: str = "openai") -> LLM:
    """The LLM the ASSISTANT_LLM_* settings describe."""
    s = settings
    return create_llm(name, base_url=s.llm_base_url, model=s.llm_model, api_key=s.llm_api_key,
                      timeout=s.llm_timeout, max_tokens=s.llm_max_tokens, temperature=s.llm_temperature)


def _checked(made: Any, protocol: type, path: str) -> Any:
    if not isinstance(made, protocol):
        raise ConfigError(f"{path} does not offer what a {protocol.__name__.lower()} must (see assistant.protocols)")
    return made
