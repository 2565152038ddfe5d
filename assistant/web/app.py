"""The web app's assembly: the JSON routes, the OpenAI-compatible chat, the docs, and the Gradio UI at ``/``.

No logic of its own: it includes the routers (``routes``, ``openai_compat``), the guards (``guards``),
one error handler per kind of error so that clients always see ``{"error": {"status", "code", "message"}}``,
and mounts the UI with Gradio's own path and upload checks on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.web import openai_compat, routes
from assistant.web.guards import BodyLimit, LoopbackHosts, UploadCount, is_loopback, require_read
from assistant.web.schemas import error_body, validation_message

__all__ = ["create_app"]

log = logging.getLogger("assistant")
UI_UPLOAD = "/gradio_api/upload"
EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def create_app(assistant: Assistant | None = None, *, with_ui: bool = True) -> FastAPI:
    """Build the FastAPI app around one Assistant (made from the environment when not given)."""
    assistant = assistant or Assistant()
    settings = assistant.settings
    app = FastAPI(title="Press-room assistant", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Cited answers over an organisation's press releases. Errors always have the shape "
                              '`{"error": {"status", "code", "message"}}`; bad input is a 422 with code '
                              "`invalid_input` (or a more precise one) naming the field. Writes need an API key "
                              "(`Authorization: Bearer KEY` or `X-API-Key: KEY`).")
    app.state.assistant = assistant
    _add_docs(app)
    # Gradio adds its own CORS rule (any localhost origin, with credentials) unless the parent app has one:
    # this one allows no other origin, so only pages served by this app can call it from a browser.
    app.add_middleware(CORSMiddleware, allow_origins=[])
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_request_mb * 1_000_000),
                       prefixes=(routes.API, "/v1/", UI_UPLOAD))
    app.add_middleware(UploadCount, path=UI_UPLOAD)
    if is_loopback(settings.host):
        app.add_middleware(LoopbackHosts)
    _add_error_handlers(app)
    app.include_router(routes.router)
    app.include_router(openai_compat.router)
    _add_unknown_routes(app)
    _open_reads_in_schema(app, settings)
    if with_ui:
        _mount_ui(app, assistant)
    return app


def _add_docs(app: FastAPI) -> None:
    """/docs and /redoc from assets shipped in ``fastapi-offline``, so that they work without the internet."""
    import fastapi_offline
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/static-offline-docs", StaticFiles(directory=assets), name="static-offline-docs")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Any:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - Swagger UI",
                                   swagger_js_url="/static-offline-docs/swagger-ui-bundle.js",
                                   swagger_css_url="/static-offline-docs/swagger-ui.css",
                                   swagger_favicon_url="/static-offline-docs/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> Any:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - ReDoc",
                              redoc_js_url="/static-offline-docs/redoc.standalone.js",
                              redoc_favicon_url="/static-offline-docs/favicon.png", with_google_fonts=False)


def _add_unknown_routes(app: FastAPI) -> None:
    known = [r for r in (*routes.router.routes, *openai_compat.router.routes) if isinstance(r, APIRoute)]

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

    for prefix in (routes.API, "/v1"):
        app.add_api_route(prefix + "/{rest:path}", unknown, methods=EVERY_METHOD, include_in_schema=False)


def _open_reads_in_schema(app: FastAPI, settings: Settings) -> None:
    """When reads need no key, the schema says so: no security and no 401/403 on read operations."""
    if settings.require_key_for_reads:
        return
    reads = {(r.path_format, m.lower()) for r in (*routes.router.routes, *openai_compat.router.routes)
             if isinstance(r, APIRoute) for d in r.dependant.dependencies if d.call is require_read
             for m in r.methods or ()}
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = build()
        for (path, method) in reads:
            op = spec.get("paths", {}).get(path, {}).get(method)
            if op:
                op.pop("security", None)
                for status in ("401", "403"):
                    op.get("responses", {}).pop(status, None)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _mount_ui(app: FastAPI, assistant: Assistant) -> None:
    import gradio as gr

    from assistant.web.guards import valid_key
    from assistant.web.render import CSS, HEAD
    from assistant.web.ui import build_ui

    settings = assistant.settings
    login = (lambda _user, password: valid_key(settings, password)) if settings.api_key_list else None
    blocks = build_ui(assistant)
    gr.mount_gradio_app(app, blocks, path="/", footer_links=["api"], css=CSS, head=HEAD,
                        max_file_size=int(settings.max_file_mb * 1_000_000), show_error=True,
                        auth=login, auth_message="Sign in with any user name and an API key "
                                                 "(from ASSISTANT_API_KEYS) as the password." if login else None)
    # Only launch() sets this, and without it Gradio skips its check that a file named in a request
    # was uploaded through it: any server path could be read. Mounted, we set it ourselves.
    blocks.has_launched = True


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    async def _assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.code, exc.message), status_code=exc.status,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(422, "invalid_input", validation_message(exc)), status_code=422)

    @app.exception_handler(RecursionError)
    async def _too_deep(_: Request, exc: RecursionError) -> JSONResponse:
        return JSONResponse(error_body(422, "invalid_input", "the JSON is nested too deeply"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body": not UTF-8, or nested too deeply
            why = ("the JSON is nested too deeply" if isinstance(exc.__cause__, RecursionError)
                   else "the request body is not valid UTF-8 JSON")
            return JSONResponse(error_body(422, "invalid_input", why), status_code=422)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(exc.status_code, code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body(500, "internal_error", "internal error; see the server log"),
                            status_code=500)
