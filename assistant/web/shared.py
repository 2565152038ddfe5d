"""Helpers that the JSON routes, the OpenAI-compatible routes and the UI share: streams and summaries.

They sit here, not in a route module, so that no web module imports another one's routes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from assistant import inputs
from assistant.errors import AssistantError
from assistant.types import Answer

SSE = "text/event-stream"


def summaries_available(assistant: Any) -> bool:
    return callable(getattr(assistant, "summarize", None))


def summary_stream(assistant: Any, *, release_ids: list[str] | None = None, query: str | None = None,
                   since: str | None = None, until: str | None = None, sources: list[str] | None = None,
                   fmt: str = "brief", backend: str | None = None,
                   labels: tuple[str, str] = ("since", "until")) -> Iterator[Any]:
    """``Assistant.summarize_stream`` with checked input: text pieces, then the Summary (always last).

    Releases are those named, else the best matches for the topic, else the newest that pass the
    date and source filters (the core decides).
    """
    if not summaries_available(assistant):
        raise AssistantError("summaries are not available in this version", status=404, code="not_available")
    f = inputs.filters(since, until, sources, labels=labels)  # the same date errors as everywhere else
    ids = inputs.summary_ids(release_ids)
    inputs.check_summarizer(assistant, backend)
    kwargs = {"release_ids": ids, "query": (query or "").strip() or None, "since": f.since, "until": f.until,
              "sources": list(f.sources) or None, "fmt": fmt, "backend": backend}
    stream = getattr(assistant, "summarize_stream", None)
    if callable(stream):
        yield from stream(**kwargs)
    else:
        yield assistant.summarize(**kwargs)


def summarize(assistant: Any, **kwargs: Any) -> Any:
    """The finished Summary of ``summary_stream``."""
    *_, last = summary_stream(assistant, **kwargs)
    return last


def sources_text(answer: Answer) -> str:
    """The numbered sources block of ``Answer.to_markdown()``, without the answer before it."""
    md = answer.to_markdown()  # the answer part may differ from Answer.text (its span in bold)
    at = md.find("\n\nSources:\n")
    return md[at:] if at >= 0 else ""


def sse(event: str | None, data: Any) -> str:
    head = f"event: {event}\n" if event else ""
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return head + "".join(f"data: {line}\n" for line in body.split("\n")) + "\n"


def wants_stream(request: Request, flag: bool) -> bool:
    return flag or SSE in request.headers.get("accept", "")


def first_then_rest(items: Iterator[Any]) -> Iterator[Any]:
    """Run a generator up to its first item now, so input errors become JSON errors, not broken streams."""
    first = next(items)

    def chained() -> Iterator[Any]:
        yield first
        yield from items

    return chained()
