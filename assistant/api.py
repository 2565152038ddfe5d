"""The web app: JSON routes under ``/api/v1`` and the Gradio UI mounted at ``/``.

Routes are thin: parse, call the ``Assistant``, serialise. Every error leaves through
``error_body`` so that clients see one JSON shape: ``{"error": {"status", "code", "message"}}``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings

log = logging.getLogger("assistant")
API = "/api/v1"


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message}}


class AskRequest(BaseModel):
    question: str = Field(..., description="The question, in plain words.")
    since: str | None = Field(None, description="Only releases published on or after this date (YYYY-MM-DD).")
    until: str | None = Field(None, description="Only releases published on or before this date (YYYY-MM-DD).")
    sources: list[str] = Field(default_factory=list, description="Only releases from these sources.")
    backend: str | None = Field(None, description="Answerer backend; default from settings.")


def create_app(assistant: Assistant | None = None, *, with_ui: bool = True) -> FastAPI:
    """Build the FastAPI app around one Assistant (made from the environment when not given)."""
    assistant = assistant or Assistant()
    app = FastAPI(title="Press-room assistant", version="0.1.0",
                  description="Cited answers over an organisation's press releases.")
    app.state.assistant = assistant

    @app.exception_handler(AssistantError)
    async def _assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return JSONResponse(error_body(422, "invalid_request", "; ".join(parts)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body(500, "internal_error", "internal error; see the server log"),
                            status_code=500)

    @app.post(f"{API}/ask", tags=["answers"])
    def ask(body: AskRequest) -> dict[str, Any]:
        """Answer a question from the releases; every sentence cites a numbered source."""
        from assistant.retrieval import Filters

        filters = Filters(since=body.since, until=body.until, sources=tuple(body.sources))
        return assistant.ask(body.question, filters=filters, backend=body.backend).to_dict()

    @app.get(f"{API}/search", tags=["answers"])
    def search(q: str, k: int = 10) -> dict[str, Any]:
        """Ranked passages with scores and metadata, without answer composition."""
        hits = assistant.search(q, k=max(1, min(k, 100)))
        return {"query": q, "hits": [
            {"score": h.score, "chunk_id": h.chunk.id, "release_id": h.chunk.release_id, "title": h.chunk.title,
             "date": h.chunk.date, "source": h.chunk.source, "url": h.chunk.url, "text": h.chunk.text,
             "start": h.chunk.start, "end": h.chunk.end} for h in hits]}

    @app.get(f"{API}/releases", tags=["releases"])
    def releases() -> dict[str, Any]:
        """Every indexed release, newest first."""
        return {"releases": [_release_summary(r, n) for r, n in assistant.releases()]}

    @app.get(API + "/releases/{release_id:path}", tags=["releases"])
    def release(release_id: str) -> dict[str, Any]:
        """One release with its full clean text."""
        return assistant.release(release_id).to_dict()

    @app.get(f"{API}/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Ready state, counts of releases and chunks, and the embedding model."""
        return assistant.health()

    @app.api_route(API + "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                   include_in_schema=False)
    def unknown(rest: str) -> None:
        """Unknown API paths get the API's error shape, not the UI's 404 page."""
        raise AssistantError(f"no API route /{rest}", status=404, code="not_found")

    if with_ui:
        import gradio as gr

        from assistant.ui import build_ui

        app = gr.mount_gradio_app(app, build_ui(assistant), path="/", footer_links=["api"])
    return app


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
    assistant.embedder.embed_query("warm up")
    log.info("serving on http://%s:%s", settings.host, settings.port)
    uvicorn.run(create_app(assistant), host=settings.host, port=settings.port, log_level="warning")
