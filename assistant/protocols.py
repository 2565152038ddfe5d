"""The seams between the core and its backends: what an answerer, a summariser and an LLM client offer.

The core, the web app, the CLI and the llama-index adapter call these methods and nothing else,
so that an offline backend, an LLM one, or one named by a dotted path (``assistant.backends``)
plug in the same way. Every stream yields text pieces and ends with its one result object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.types import Answer, Release, Summary

if TYPE_CHECKING:
    from assistant.retrieval import Filters

Message = dict[str, str]  # one chat message: {"role": ..., "content": ...}


@runtime_checkable
class Answerer(Protocol):
    """Answers one question from the index, every sentence cited."""

    name: str

    def answer(self, question: str, filters: Filters | None = None) -> Answer:
        """The whole checked answer."""
        ...

    def stream(self, question: str, filters: Filters | None = None) -> Iterator[str | Answer]:
        """Pieces of the answer's text as they are made, then the ``Answer``, always last."""
        ...


@runtime_checkable
class Summarizer(Protocol):
    """Drafts a cited summary of given releases in one of the formats (brief, bullets, social …)."""

    name: str

    def summarize(self, releases: Sequence[Release], fmt: str = "brief", *, query: str | None = None) -> Summary:
        """The whole checked summary."""
        ...

    def stream(self, releases: Sequence[Release], fmt: str = "brief", *, query: str | None = None
               ) -> Iterator[str | Summary]:
        """Pieces of the draft as they are made, then the ``Summary``, always last."""
        ...


@runtime_checkable
class LLM(Protocol):
    """What the LLM answerer and summariser need from a language model: chat messages in, text pieces out."""

    name: str
    model: str

    def stream(self, messages: Sequence[Message], *, max_tokens: int | None = None,
               temperature: float | None = None) -> Iterator[str]:
        """Yield the reply's text as it is generated."""
        ...


def answer_pieces(answer: Answer) -> Iterator[str | Answer]:
    """A finished answer as a stream: a few words at a time, then the answer.

    For backends that compose the whole answer at once (the extractive one): the pieces join to
    exactly ``Answer.text``, so a client that only prints the pieces shows the same answer.
    """
    yield from re.findall(r"\s*\S+(?:\s+\S+){0,5}", answer.text)
    yield answer


def summary_pieces(summary: Summary) -> Iterator[str | Summary]:
    """A finished summary as a stream: the whole Markdown draft at once (nothing to stream offline), then it."""
    from assistant.documents import summary_to_markdown

    yield summary_to_markdown(summary)
    yield summary
