"""The web app: JSON routes under ``/api/v1``, the OpenAI-compatible chat, and the Gradio UI at ``/``.

Routes are thin: parse, check the API key (``api_guards``), call the ``Assistant``, serialise
(``api_schemas``). Every error leaves through ``error_body`` so that clients see one JSON shape:
``{"error": {"status", "code", "message"}}``. The UI does not go through these routes (see ``ui``);
the helpers here that both use (filters, summaries) keep the two consistent.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api_guards import BodyLimit, key_checker
from assistant.api_schemas import (
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
)
from assistant.core import Assistant
from assistant.errors import AssistantError, BadInput, ConfigError
from assistant.settings import Settings
from assistant.types import Answer

__all__ = ["API", "create_app", "error_body", "make_filters", "serve"]

log = logging.getLogger("assistant")
API = "/api/v1"
SSE = "text/event-stream"


# ---- helpers shared by the routes and the UI -----------------------------------------------
def make_filters(since: str | None = None, until: str | None = None, sources: Any = (),
                 release_ids: Any = ()) -> Any:
    """Filters from loose user input; see ``Filters.from_input``."""
    from assistant.retrieval import Filters

    return Filters.from_input(since, until, sources, release_ids)


def summaries_available(assistant: Assistant) -> bool:
    return callable(getattr(assistant, "summarize", None))


def summary_formats() -> list[str]:
    """The summary formats the installed summaries module offers."""
    try:
        from assistant import summaries  # type: ignore[attr-defined]
    except ImportError:
        return ["brief", "bullets", "social", "newsletter", "exec"]
    found = getattr(summaries, "FORMATS", None)
    return list(found) if found else ["brief", "bullets", "social", "newsletter", "exec"]


def summary_stream(assistant: Assistant, *, release_ids: list[str] | None = None, query: str | None = None,
                   since: str | None = None, until: str | None = None, sources: list[str] | None = None,
                   fmt: str = "brief", backend: str | None = None) -> Iterator[Any]:
    """``Assistant.summarize_stream`` with checked input: text pieces, then the Summary (always last).

    One place for the API and the UI. Releases are those named, else the best matches for the
    topic, else the newest that pass the date and source filters (the core decides).
    """
    if not summaries_available(assistant):
        raise AssistantError("summaries are not available in this version", status=404, code="not_available")
    f = make_filters(since, until, sources)  # the same date errors as everywhere else
    if backend:
        try:
            assistant.summarizer(backend)  # type: ignore[attr-defined]
        except ConfigError as e:
            raise BadInput(e.message, code="unknown_backend") from None
    kwargs = {"release_ids": [r for r in release_ids or [] if r] or None, "query": (query or "").strip() or None,
              "since": f.since, "until": f.until, "sources": list(f.sources) or None, "fmt": fmt,
              "backend": backend}
    stream = getattr(assistant, "summarize_stream", None)
    if callable(stream):
        yield from stream(**kwargs)
    else:
        yield assistant.summarize(**kwargs)  # type: ignore[attr-defined]


def summarize(assistant: Assistant, **kwargs: Any) -> Any:
    """The finished Summary of ``summary_stream``."""
    *_, last = summary_stream(assistant, **kwargs)
    return last


def check_backend(assistant: Assistant, name: str | None) -> None:
    """A backend named by a client that does not exist is the client's mistake (422), not ours."""
    if name:
        try:
            assistant.answerer(name)
        except ConfigError as e:
            raise BadInput(e.message, code="unknown_backend") from None


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


def first_then_rest(items: Iterator[Any]) -> tuple[Any, Iterator[Any]]:
    """Run a generator up to its first item now, so input errors become JSON errors, not broken streams."""
    first = next(items)
    return first, items


# ---- the app -------------------------------------------------------------------------------
def create_app(assistant: Assistant | None = None, *, with_ui: bool = True) -> FastAPI:
    """Build the FastAPI app around one Assistant (made from the environment when not given)."""
    assistant = assistant or Assistant()
    settings = assistant.settings
    app = FastAPI(title="Press-room assistant", version="0.1.0",
                  description="Cited answers over an organisation's press releases. Errors always have the shape "
                              '`{"error": {"status", "code", "message"}}`. Writes need an API key '
                              "(`Authorization: Bearer KEY` or `X-API-Key: KEY`).")
    app.state.assistant = assistant
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_request_mb * 1_000_000), prefixes=(API, "/v1/"))
    _add_error_handlers(app)
    read = [Depends(key_checker(settings, write=False))]
    write = [Depends(key_checker(settings, write=True))]
    auth_errors = (401, 403) if settings.require_key_for_reads else ()
    router = APIRouter(prefix=API)

    @router.post("/ask", tags=["answers"], dependencies=read, response_model=AnswerOut,
                 responses={200: {"content": {SSE: {"schema": sse_event_schema(["token", "sources", "done", "error"])}},
                                  "description": "The answer as JSON, or as server-sent events when streaming."},
                            **error_responses(*auth_errors, 413, 422)})
    def ask(body: AskRequest, request: Request) -> Any:
        """Answer a question from the releases; every sentence cites a numbered source.

        With `stream: true` (or `Accept: text/event-stream`) the answer comes as server-sent events:
        `token` events with `{"text": ...}`, then one `sources` event holding the whole answer
        (citations included), then `done`.
        """
        filters = make_filters(body.since, body.until, body.sources)
        check_backend(assistant, body.backend)
        history = [m.model_dump() for m in body.history]
        if not wants_stream(request, body.stream):
            return assistant.ask(body.question, filters=filters, backend=body.backend, history=history).to_dict()
        first, rest = first_then_rest(assistant.ask_stream(body.question, history=history, filters=filters,
                                                           backend=body.backend))

        def events() -> Iterator[str]:
            try:
                for item in _chain(first, rest):
                    if isinstance(item, Answer):
                        yield sse("sources", item.to_dict())
                    else:
                        yield sse("token", {"text": item})
                yield sse("done", {})
            except AssistantError as e:
                yield sse("error", error_body(e.status, e.code, e.message))

        return StreamingResponse(events(), media_type=SSE, headers={"Cache-Control": "no-cache"})

    @router.get("/search", tags=["answers"], dependencies=read, response_model=SearchOut,
                responses=error_responses(*auth_errors, 422))
    def search(q: str = Query(..., description="What to look for.", pattern=NOT_BLANK),
               k: int = Query(10, ge=1, le=100, description="How many passages."),
               since: str | None = Query(None, description="Published on or after (YYYY-MM-DD or YYYY)."),
               until: str | None = Query(None, description="Published on or before (YYYY-MM-DD or YYYY)."),
               source: list[str] = Query([], description="Only these sources (repeatable)."),  # noqa: B008
               ) -> dict[str, Any]:
        """Ranked passages with scores and metadata, without answer composition."""
        hits = assistant.search(q, k=k, filters=make_filters(since, until, source))
        return {"query": q, "hits": [
            {"score": h.score, "chunk_id": h.chunk.id, "release_id": h.chunk.release_id, "title": h.chunk.title,
             "date": h.chunk.date, "source": h.chunk.source, "url": h.chunk.url, "text": h.chunk.text,
             "start": h.chunk.start, "end": h.chunk.end, "dense_score": h.dense_score,
             "keyword_score": h.keyword_score} for h in hits]}

    @router.post("/summarize", tags=["answers"], dependencies=read,
                 responses={200: {"description": "The draft as Markdown (default), JSON, or .docx, by `Accept`.",
                                  "content": {"text/markdown": {"schema": {"type": "string"}},
                                              "application/json": {"schema": {"type": "object"}},
                                              _docx_type(): {"schema": {"type": "string", "format": "binary"}}}},
                            **error_responses(*auth_errors, 404, 413, 422)})
    def summarize_route(body: SummarizeRequest, request: Request) -> Response:
        """A cited summary draft of releases chosen by id, by topic, or by dates and sources.

        Markdown by default; `Accept: application/json` gives the structured summary and
        `Accept: application/vnd.openxmlformats-officedocument.wordprocessingml.document` a .docx.
        """
        summary = summarize(assistant, release_ids=body.release_ids, query=body.query, since=body.since,
                            until=body.until, sources=body.sources, fmt=body.format, backend=body.backend)
        accept = request.headers.get("accept", "")
        if _docx_type() in accept:
            return Response(_summary_docx(summary), media_type=_docx_type(),
                            headers={"Content-Disposition": f'attachment; filename="summary-{body.format}.docx"'})
        if "application/json" in accept and "text/markdown" not in accept:
            return JSONResponse(summary.to_dict() if hasattr(summary, "to_dict") else
                                {"summary": summary.to_markdown()})
        return Response(summary.to_markdown(), media_type="text/markdown; charset=utf-8")

    @router.get("/releases", tags=["releases"], dependencies=read, response_model=ReleaseList,
                responses=error_responses(*auth_errors))
    def releases(q: str | None = Query(None, description="Only releases whose title, id or source contain this.")
                 ) -> dict[str, Any]:
        """Every indexed release, newest first."""
        needle = (q or "").strip().lower()
        rows = [_release_summary(r, n) for r, n in assistant.releases()]
        if needle:
            rows = [r for r in rows if needle in " ".join(str(r[f] or "") for f in ("title", "id", "source")).lower()]
        return {"releases": rows}

    @router.get("/releases/{release_id:path}", tags=["releases"], dependencies=read, response_model=ReleaseOut,
                responses=error_responses(*auth_errors, 404))
    def release(release_id: str) -> dict[str, Any]:
        """One release with its full clean text."""
        # the file path is where the server read it: not the client's business
        return {k: v for k, v in assistant.release(release_id).to_dict().items() if k != "path"}

    @router.post("/releases", tags=["releases"], dependencies=write, response_model=IngestOut,
                 status_code=201, openapi_extra={"requestBody": release_body_schema()},
                 responses={200: {"model": IngestOut, "description": "Nothing new: every release was unchanged "
                                                                      "or rejected."},
                            **error_responses(401, 403, 413, 415, 422)})
    async def add_releases(request: Request) -> Any:
        """Add or update releases: upload files (multipart, field `files`, one or more; the formats of
        `assistant ingest`), or send one release as JSON `{title, date, url, source, text}`.

        Each rejected file is listed with the reason; the others are indexed.
        """
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            try:
                body = ReleaseIn.model_validate(await request.json())
            except ValueError as e:  # broken JSON or a body that is not a release
                raise BadInput(_validation_message(e), code="invalid_request") from None
            report = await run_in_threadpool(assistant.add_text, body.text, title=body.title, date=body.date,
                                             url=body.url, source=body.source)
        elif kind == "multipart/form-data":
            try:
                form = await request.form(max_files=100, max_fields=100)
            except StarletteHTTPException as e:  # the multipart parser's 400: too many files, a broken body
                raise BadInput(f"the upload could not be read: {e.detail}", code="invalid_request") from None
            uploads = [v for key in ("files", "file") for v in form.getlist(key) if hasattr(v, "read")]
            if not uploads:
                raise BadInput("no files: send them as multipart form field 'files'", code="invalid_request")
            files = [(u.filename or "upload", await u.read()) for u in uploads]
            report = await run_in_threadpool(assistant.add_files, files)
        else:
            raise AssistantError("send files as multipart/form-data or one release as application/json",
                                 status=415, code="unsupported_media_type")
        return JSONResponse(report.to_dict(), status_code=201 if report.added or report.updated else 200)

    @router.delete("/releases/{release_id:path}", tags=["releases"], dependencies=write, response_model=DeletedOut,
                   responses=error_responses(401, 403, 404))
    def delete_release(release_id: str) -> dict[str, Any]:
        """Remove one release (its chunks and its keyword rows) from the index."""
        assistant.delete(release_id)
        return {"deleted": release_id}

    @router.get("/health", tags=["service"], response_model=HealthOut)
    def health() -> dict[str, Any]:
        """Ready state, counts of releases and chunks, and the embedding model. Never needs a key."""
        return assistant.health()

    app.include_router(router)

    from assistant.openai_compat import chat_router

    chat = chat_router(assistant, read, auth_errors)
    app.include_router(chat)
    known = [r for r in (*router.routes, *chat.routes) if isinstance(r, APIRoute)]

    def unknown(request: Request) -> None:
        """Unknown API paths and methods get the API's error shape (404, 405), not the UI's 404 page."""
        path = request.scope["path"]
        allowed = sorted({m for r in known if r.path_regex.match(path) for m in r.methods or ()})
        if allowed:
            error = AssistantError(f"{request.method} is not allowed on {path} (allowed: {', '.join(allowed)})",
                                   status=405, code="method_not_allowed")
            error.headers = {"Allow": ", ".join(allowed)}  # type: ignore[attr-defined]
            raise error
        raise AssistantError(f"no API route {path}", status=404, code="not_found")

    every_method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    for prefix in (API, "/v1"):
        app.add_api_route(prefix + "/{rest:path}", unknown, methods=every_method, include_in_schema=False)

    if with_ui:
        import gradio as gr

        from assistant.ui import CSS, HEAD, build_ui, ui_login

        login = ui_login(settings)  # when API reads need a key, so does the UI
        app = gr.mount_gradio_app(app, build_ui(assistant), path="/", footer_links=["api"], css=CSS, head=HEAD,
                                  max_file_size=int(settings.max_file_mb * 1_000_000), show_error=True,
                                  auth=login, auth_message="Sign in with any user name and an API key "
                                                           "(from ASSISTANT_API_KEYS) as the password."
                                  if login else None)
    return app


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    async def _assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.code, exc.message), status_code=exc.status,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(422, "invalid_request", _validation_message(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body": a body that is not UTF-8 JSON
            return JSONResponse(error_body(422, "invalid_request", "the request body is not valid UTF-8 JSON"),
                                status_code=422)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body(500, "internal_error", "internal error; see the server log"),
                            status_code=500)


def _validation_message(exc: Exception) -> str:
    if isinstance(exc, RequestValidationError | ValidationError):
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query"))
            msg = "must not be blank" if (e.get("ctx") or {}).get("pattern") == NOT_BLANK else e.get("msg")
            parts.append(f"{where}: {msg}" if where else str(msg))
        return "; ".join(parts)
    return f"the body is not valid JSON ({exc})"


def _docx_type() -> str:
    from assistant.export import DOCX_MEDIA_TYPE

    return DOCX_MEDIA_TYPE


def _summary_docx(summary: Any) -> bytes:
    to_docx = getattr(summary, "to_docx", None)
    if callable(to_docx):
        return to_docx()
    from assistant.export import markdown_to_docx

    return markdown_to_docx(summary.to_markdown())


def _release_summary(release: Any, n_chunks: int) -> dict[str, Any]:
    return {"id": release.id, "title": release.title, "date": release.date, "source": release.source,
            "url": release.url, "chunks": n_chunks}


def serve(settings: Settings) -> None:
    """Ingest the bundled corpus (a no-op when unchanged), then serve the app with uvicorn."""
    import uvicorn

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    assistant = Assistant(settings)
    corpus_dir = Path(settings.corpus_dir) if settings.corpus_dir else None
    if corpus_dir is not None and corpus_dir.is_dir():
        report = assistant.ingest([corpus_dir])
        log.info("corpus %s: %s", settings.corpus_dir, report.summary())
        for r in report.rejected:
            log.warning("skipped %s: %s", r.path, r.reason)
    assistant.search("warm up")  # loads the model, the vector index and the keyword tables before the first user
    log.info("serving on http://%s:%s", settings.host, settings.port)
    uvicorn.run(create_app(assistant), host=settings.host, port=settings.port, log_level="warning")
