"""The API's request and response shapes: they are the OpenAPI schema that clients and schemathesis check.

Request models are strict (no silent coercion of ``0`` to ``false``) and reject unknown fields, so that a
typo such as ``sincee`` is a 422 naming it, not a silently unfiltered answer. Response models allow
extra fields, so a response may grow without breaking clients that ignore what they do not know.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.inputs import MAX_SUMMARY_IDS

NOT_BLANK = r"[^\s\x1c-\x1f]"  # at least one character that str.strip() keeps


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The API's one error shape."""
    return {"error": {"status": status, "code": code, "message": message}}


class _Open(BaseModel):
    """Responses may grow fields; clients must ignore the ones they do not know."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    status: int
    code: str = Field(..., description="Stable machine-readable code, e.g. invalid_input, not_found.")
    message: str = Field(..., description="What went wrong, in words meant for people.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ChatMessage(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    role: str = Field(..., description="user or assistant (system messages are ignored).")
    content: str


class AskRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    question: str = Field(..., description="The question, in plain words.", pattern=NOT_BLANK)
    history: list[ChatMessage] = Field(default_factory=list, description="Earlier turns, oldest first.")
    since: str | None = Field(None, description="Only releases published on or after this date (YYYY-MM-DD or YYYY).")
    until: str | None = Field(None, description="Only releases published on or before this date (YYYY-MM-DD or YYYY).")
    sources: list[str] = Field(default_factory=list, description="Only releases from these sources.")
    backend: str | None = Field(None, description="Answerer backend; default from settings.")
    stream: bool = Field(False, description="Server-sent events: `token` events, then one `sources` event, then "
                                            "`done`. `Accept: text/event-stream` does the same.")


INFERRED = ("True when the release states no date of its own and `date` was inferred (from an event its text "
            "mentions, or its URL): show it as approximate.")


class CitationOut(_Open):
    number: int
    release_id: str
    title: str
    quote: str = Field(..., description="The exact passage quoted, verbatim from the release text.")
    start: int = Field(..., description="Character offset of the quote in the release text.")
    end: int
    date: str | None = None
    source: str | None = None
    url: str | None = None
    path: str | None = None
    verified: bool
    date_inferred: bool = Field(False, description=INFERRED)


class SentenceOut(_Open):
    text: str
    citations: list[int]
    verified: bool


class AnswerOut(_Open):
    question: str
    answer: str = Field(..., description="The answer with [n] markers.")
    answer_span: list[int] | None = Field(None, description="[start, end) of the value asked for within `answer`.")
    covered: bool = Field(..., description="False when the releases do not cover the question.")
    backend: str
    sentences: list[SentenceOut]
    citations: list[CitationOut]
    details: dict[str, Any]


class SearchHit(_Open):
    score: float = Field(description="Higher is better, falling with rank: the re-scorer's probability (0-1) that the "
                                     "passage holds evidence for the query")
    chunk_id: str
    release_id: str
    title: str
    date: str | None
    date_inferred: bool = Field(False, description=INFERRED)
    source: str | None
    url: str | None
    text: str
    start: int
    end: int


class SearchOut(_Open):
    query: str
    hits: list[SearchHit]


class ReleaseSummary(_Open):
    id: str
    title: str
    date: str | None
    date_inferred: bool = Field(False, description=INFERRED)
    source: str | None
    url: str | None
    chunks: int


class ReleaseList(_Open):
    releases: list[ReleaseSummary]


class ReleaseOut(_Open):
    id: str
    title: str
    text: str
    date: str | None = None
    date_inferred: bool = Field(False, description=INFERRED)
    source: str | None = None
    url: str | None = None
    author: str | None = None


class ReleaseIn(BaseModel):
    """A release given as text (the JSON form of ``POST /releases``)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    text: str = Field(..., min_length=1, description="The release body.")
    title: str | None = Field(None, description="Taken from the text when missing.")
    date: str | None = Field(None, description="Publication date; taken from the text when missing.")
    url: str | None = Field(None, description="Canonical link; it becomes the release id.")
    source: str | None = Field(None, description="Organisation or outlet.")


class RejectedOut(BaseModel):
    path: str
    reason: str


class IngestOut(_Open):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    rejected: list[RejectedOut] = Field(..., description="Files that were not indexed, each with the reason.")
    chunks_embedded: int
    summary: str


class DeletedOut(BaseModel):
    deleted: str


class HealthOut(_Open):
    status: str
    releases: int
    chunks: int
    model: str


class SummarizeRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    release_ids: list[str] | None = Field(None, max_length=MAX_SUMMARY_IDS,
                                          description=f"Summarise these releases (at most {MAX_SUMMARY_IDS}) ...")
    query: str | None = Field(None, description="... or the releases that best match this topic ...")
    since: str | None = Field(None, description="... published on or after this date ...")
    until: str | None = Field(None, description="... and on or before this date ...")
    sources: list[str] = Field(default_factory=list, description="... from these sources.")
    format: str = Field("brief", description="brief, bullets, social, newsletter or exec.")
    backend: str | None = Field(None, description="Summary backend; default from settings.")


def validation_message(exc: Exception) -> str:
    """One sentence per problem of a request that failed validation, naming the field."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    parts = []
    for e in errors:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header")]
        kind = e.get("type")
        if kind == "json_invalid":
            where = (e.get("ctx") or {}).get("error", "")
            parts.append(f"the body is not valid JSON ({where})" if where else "the body is not valid JSON")
            continue
        if kind == "extra_forbidden":
            parts.append(f"unknown field {'.'.join(loc)!r}")
            continue
        where = ".".join(loc)
        msg = "must not be blank" if (e.get("ctx") or {}).get("pattern") == NOT_BLANK else e.get("msg")
        parts.append(f"{where}: {msg}" if where else str(msg))
    return "; ".join(parts) if parts else str(exc)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorResponse, "description": "Error, in the API's one error shape."} for s in statuses}



def sse_event_schema(names: list[str] | None = None) -> dict[str, Any]:
    """The OpenAPI schema of one server-sent event (``data`` holds JSON text)."""
    props: dict[str, Any] = {"data": {"type": "string", "description": "JSON"}}
    if names:
        props["event"] = {"type": "string", "enum": names}
    return {"type": "object", "required": ["data"], "properties": props}



def release_body_schema() -> dict[str, Any]:
    return {"required": True, "content": {
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["files"],
            "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                                     "description": "html, htm, txt, md, pdf, json or jsonl files."}}}},
        "application/json": {"schema": ReleaseIn.model_json_schema()},
    }}
