"""The web app's guards: the one API-key check (API and UI), the request size limit (413), and the host check.

Keys come from ``ASSISTANT_API_KEYS`` and are sent as ``Authorization: Bearer KEY`` or
``X-API-Key: KEY`` (the UI asks for one at sign-in). Writes always need one, so with no keys configured
they are refused (403): an exposed server cannot be changed by anyone. Reads need one when
``ASSISTANT_REQUIRE_KEY_FOR_READS`` is on. Errors are ``AssistantError``s, so they leave in the API's
one error shape.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.web.schemas import error_body

_bearer = HTTPBearer(auto_error=False, scheme_name="bearer", description="An API key from ASSISTANT_API_KEYS.")
_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                           description="An API key from ASSISTANT_API_KEYS.")


class Unauthorized(AssistantError):
    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


def valid_key(settings: Settings, given: str | None) -> bool:
    """The one key check: is ``given`` one of the configured API keys (compared in constant time)?"""
    if not given:
        return False
    return any(hmac.compare_digest(given.encode(), k.encode()) for k in settings.api_key_list)


def keys_on(settings: Settings) -> bool:
    return bool(settings.api_key_list)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def check_key(settings: Settings, given: str | None, *, write: bool) -> None:
    """Raise the API's 401/403 unless ``given`` may read (or, with ``write``, change) the index."""
    if not (write or settings.require_key_for_reads):
        return
    if not keys_on(settings):
        raise AssistantError("writes through the API are disabled: no API keys are configured; "
                             "set ASSISTANT_API_KEYS to allow them", status=403, code="writes_disabled")
    if not given:
        raise Unauthorized("this endpoint needs an API key: send 'Authorization: Bearer KEY' or "
                           "'X-API-Key: KEY'", code="missing_api_key")
    if not valid_key(settings, given):
        raise Unauthorized("the API key is not valid", code="invalid_api_key")


def request_key(request: Request) -> str | None:
    """The key a request carries, as a bearer token or an X-API-Key header."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return (token.strip() if scheme.lower() == "bearer" else None) or request.headers.get("x-api-key")


def require_read(request: Request, creds: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
                 header_key: str | None = Security(_key_header)) -> None:  # noqa: B008
    """Route dependency for reads (the OpenAPI security is dropped when reads are open; see ``app``)."""
    check_key(request.app.state.assistant.settings, (creds.credentials if creds else None) or header_key,
              write=False)


def require_write(request: Request, creds: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
                  header_key: str | None = Security(_key_header)) -> None:  # noqa: B008
    check_key(request.app.state.assistant.settings, (creds.credentials if creds else None) or header_key,
              write=True)


class BodyLimit:
    """Refuse request bodies over the limit with a 413 in the API's error shape.

    A declared Content-Length over the limit is refused before reading; a body sent without one
    is counted as it arrives. The limit covers the API and the UI's upload route.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        message = f"the request body is larger than the limit of {self.max_bytes / 1e6:g} MB (ASSISTANT_MAX_REQUEST_MB)"
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await JSONResponse(error_body(413, "too_large", message), status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            msg = await receive()
            seen += len(msg.get("body", b"")) if msg["type"] == "http.request" else 0
            if seen > self.max_bytes:
                raise StarletteHTTPException(413, message)
            return msg

        await self.app(scope, counted, send)


class LoopbackHosts:
    """On a loopback address, answer only requests addressed to a loopback name.

    A web page elsewhere can point its own domain at 127.0.0.1 (DNS rebinding) and then call the app
    as if it were same-origin; its requests still carry that domain in ``Host``, so they are refused.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if host and not is_loopback(name):
                if scope["type"] == "http":
                    await JSONResponse(error_body(421, "wrong_host", f"this server answers only on a loopback "
                                                                     f"address, not {name!r}"),
                                       status_code=421)(scope, receive, send)
                return
        await self.app(scope, receive, send)


MAX_UI_UPLOAD_FILES = 20


class UploadCount:
    """Refuse a UI upload (Gradio's multipart route) that carries more than ``MAX_UI_UPLOAD_FILES`` files.

    Gradio's parser allows 1,000 files per request and writes each to its cache before any handler of
    ours runs, so the count is checked here, on the stream, by counting the parts' ``filename=`` headers
    (a part boundary may split one: the tail of each piece is kept for the next).
    """

    def __init__(self, app: ASGIApp, path: str, max_files: int = MAX_UI_UPLOAD_FILES) -> None:
        self.app = app
        self.path = path
        self.max_files = max_files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        seen, tail = 0, b""
        marker = b"filename="

        async def counted() -> Message:
            nonlocal seen, tail
            msg = await receive()
            if msg["type"] == "http.request":
                data = tail + msg.get("body", b"")
                seen += data.count(marker)
                tail = data[-(len(marker) - 1):]
                if seen > self.max_files:
                    raise StarletteHTTPException(413, f"at most {self.max_files} files per upload")
            return msg

        await self.app(scope, counted, send)
