"""The JSON routes under ``/api/v1``: thin handlers that parse, call the ``Assistant``, serialise.

The Assistant is the app's (``request.app.state.assistant``), so the routers are plain module-level
objects that ``app.create_app`` includes. Keys are checked by the ``guards`` dependencies; errors
are ``AssistantError``s that ``app`` turns into the one JSON error shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import inputs
from assistant.core import Assistant
from assistant.documents import summary_to_docx, summary_to_markdown
from assistant.errors import AssistantError, BadInput
from assistant.types import Answer
from assistant.web.guards import require_read, require_write
from assistant.web.schemas import (
    NOT_BLANK,
    AnswerOut,
    AskRequest,
    DeletedOut,
    HealthOut,
    IngestOut,
    ReleaseIn,
    ReleaseList,
    ReleaseOut,
    SearchOut,
    SummarizeRequest,
    error_body,
    error_responses,
    release_body_schema,
    sse_event_schema,
    validation_message,
)
from assistant.web.shared import SSE, first_then_rest, sse, summarize, wants_stream

API = "/api/v1"
READ = [Depends(require_read)]
WRITE = [Depends(require_write)]
AUTH = (401, 403)  # dropped from the schema of reads when reads are open (see app.py)


def get_assistant(request: Request) -> Assistant:
    return request.app.state.assistant


Current = Depends(get_assistant)
router = APIRouter(prefix=API)


@router.post("/ask", tags=["answers"], dependencies=READ, response_model=AnswerOut,
             responses={200: {"content": {SSE: {"schema": sse_event_schema(["token", "sources", "done", "error"])}},
                              "description": "The answer as JSON, or as server-sent events when streaming."},
                        **error_responses(*AUTH, 413, 422)})
def ask(body: AskRequest, request: Request, assistant: Assistant = Current) -> Any:
    """Answer a question from the releases; every sentence cites a numbered source.

    With `stream: true` (or `Accept: text/event-stream`) the answer comes as server-sent events:
    `token` events with `{"text": ...}`, then one `sources` event holding the whole answer
    (citations included), then `done`.
    """
    filters = inputs.filters(body.since, body.until, body.sources)
    inputs.check_answerer(assistant, body.backend)
    history = [m.model_dump() for m in body.history]
    if not wants_stream(request, body.stream):
        return assistant.ask(body.question, filters=filters, backend=body.backend, history=history).to_dict()
    items = first_then_rest(assistant.ask_stream(body.question, history=history, filters=filters,
                                                 backend=body.backend))

    def events() -> Iterator[str]:
        try:
            for item in items:
                yield sse("sources", item.to_dict()) if isinstance(item, Answer) else sse("token", {"text": item})
            yield sse("done", {})
        except AssistantError as e:
            yield sse("error", error_body(e.status, e.code, e.message))

    return StreamingResponse(events(), media_type=SSE, headers={"Cache-Control": "no-cache"})


@router.get("/search", tags=["answers"], dependencies=READ, response_model=SearchOut,
            responses=error_responses(*AUTH, 422))
def search(q: str = Query(..., description="What to look for.", pattern=NOT_BLANK),
           k: int = Query(10, ge=1, le=100, description="How many passages."),
           since: str | None = Query(None, description="Published on or after (YYYY-MM-DD or YYYY)."),
           until: str | None = Query(None, description="Published on or before (YYYY-MM-DD or YYYY)."),
           source: list[str] = Query([], description="Only these sources (repeatable)."),  # noqa: B008
           assistant: Assistant = Current) -> dict[str, Any]:
    """Ranked passages with scores and metadata, without answer composition."""
    hits = assistant.search(q, k=k, filters=inputs.filters(since, until, source))
    return {"query": q, "hits": [
        {"score": h.score, "chunk_id": h.chunk.id, "release_id": h.chunk.release_id, "title": h.chunk.title,
         "date": h.chunk.date, "date_inferred": h.chunk.date_inferred, "source": h.chunk.source, "url": h.chunk.url,
         "text": h.chunk.text,
         "start": h.chunk.start, "end": h.chunk.end, "dense_score": h.dense_score,
         "keyword_score": h.keyword_score} for h in hits]}


def docx_type() -> str:
    from assistant.documents import DOCX_MEDIA_TYPE

    return DOCX_MEDIA_TYPE


@router.post("/summarize", tags=["answers"], dependencies=READ,
             responses={200: {"description": "The draft as Markdown (default), JSON, or .docx, by `Accept`.",
                              "content": {"text/markdown": {"schema": {"type": "string"}},
                                          "application/json": {"schema": {"type": "object"}},
                                          docx_type(): {"schema": {"type": "string", "format": "binary"}}}},
                        **error_responses(*AUTH, 404, 413, 422)})
def summarize_route(body: SummarizeRequest, request: Request, assistant: Assistant = Current) -> Response:
    """A cited summary draft of releases chosen by id (at most 50), by topic, or by dates and sources.

    Markdown by default; `Accept: application/json` gives the structured summary and
    `Accept: application/vnd.openxmlformats-officedocument.wordprocessingml.document` a .docx.
    """
    summary = summarize(assistant, release_ids=body.release_ids, query=body.query, since=body.since,
                        until=body.until, sources=body.sources, fmt=body.format, backend=body.backend)
    accept = request.headers.get("accept", "")
    if docx_type() in accept:
        return Response(summary_to_docx(summary), media_type=docx_type(),
                        headers={"Content-Disposition": f'attachment; filename="summary-{body.format}.docx"'})
    if "application/json" in accept and "text/markdown" not in accept:
        return JSONResponse(summary.to_dict())
    return Response(summary_to_markdown(summary), media_type="text/markdown; charset=utf-8")


@router.get("/releases", tags=["releases"], dependencies=READ, response_model=ReleaseList,
            responses=error_responses(*AUTH))
def releases(q: str | None = Query(None, description="Only releases whose title, id or source contain this."),
             assistant: Assistant = Current) -> dict[str, Any]:
    """Every indexed release, newest first."""
    needle = (q or "").strip().lower()
    rows = [{"id": r.id, "title": r.title, "date": r.date, "date_inferred": r.date_inferred, "source": r.source,
             "url": r.url, "chunks": n}
            for r, n in assistant.releases()]
    if needle:
        rows = [r for r in rows if needle in " ".join(str(r[f] or "") for f in ("title", "id", "source")).lower()]
    return {"releases": rows}


@router.get("/releases/{release_id:path}", tags=["releases"], dependencies=READ, response_model=ReleaseOut,
            responses=error_responses(*AUTH, 404))
def release(release_id: str, assistant: Assistant = Current) -> dict[str, Any]:
    """One release with its full clean text."""
    # the file path is where the server read it: not the client's business
    return {k: v for k, v in assistant.release(release_id).to_dict().items() if k != "path"}


@router.post("/releases", tags=["releases"], dependencies=WRITE, response_model=IngestOut,
             status_code=201, openapi_extra={"requestBody": release_body_schema()},
             responses={200: {"model": IngestOut, "description": "Nothing new: every release was unchanged "
                                                                  "or rejected."},
                        **error_responses(401, 403, 413, 415, 422)})
async def add_releases(request: Request, assistant: Assistant = Current) -> Any:
    """Add or update releases: upload files (multipart, field `files`, one or more; the formats of
    `assistant ingest`), or send one release as JSON `{title, date, url, source, text}`.

    Each rejected file is listed with the reason; the others are indexed.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            body = ReleaseIn.model_validate(await request.json())
        except RecursionError:
            raise BadInput("the JSON is nested too deeply") from None
        except ValidationError as e:
            raise BadInput(validation_message(e)) from None
        except ValueError as e:  # broken JSON
            raise BadInput(f"the body is not valid JSON ({e})") from None
        report = await run_in_threadpool(assistant.add_text, body.text, title=body.title, date=body.date,
                                         url=body.url, source=body.source)
    elif kind == "multipart/form-data":
        try:
            form = await request.form(max_files=100, max_fields=100)
        except StarletteHTTPException as e:  # the multipart parser's 400: too many files, a broken body
            raise BadInput(f"the upload could not be read: {e.detail}") from None
        uploads = [v for key in ("files", "file") for v in form.getlist(key) if isinstance(v, UploadFile)]
        if not uploads:
            raise BadInput("no files: send them as multipart form field 'files'")
        files = [(u.filename or "upload", await u.read()) for u in uploads]
        report = await run_in_threadpool(assistant.add_files, files)
    else:
        raise AssistantError("send files as multipart/form-data or one release as application/json",
                             status=415, code="unsupported_media_type")
    return JSONResponse(report.to_dict(), status_code=201 if report.added or report.updated else 200)


@router.delete("/releases/{release_id:path}", tags=["releases"], dependencies=WRITE, response_model=DeletedOut,
               responses=error_responses(401, 403, 404))
def delete_release(release_id: str, assistant: Assistant = Current) -> dict[str, Any]:
    """Remove one release (its chunks and its keyword rows) from the index."""
    assistant.delete(release_id)
    return {"deleted": release_id}


@router.get("/health", tags=["service"], response_model=HealthOut)
def health(assistant: Assistant = Current) -> dict[str, Any]:
    """Ready state, counts of releases and chunks, and the embedding model. Never needs a key, so it
    shows no server paths or addresses."""
    found = assistant.health()
    return {k: found[k] for k in ("status", "releases", "chunks", "model") if k in found}


__all__ = ["API", "READ", "WRITE", "get_assistant", "router"]
