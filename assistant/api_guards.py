"""The API's guards: API keys for reads and writes, and the request size limit (413).

Keys come from ``ASSISTANT_API_KEYS`` and are sent as ``Authorization: Bearer KEY`` or
``X-API-Key: KEY``. Writes always need one, so with no keys configured they are refused (403):
an exposed server cannot be changed by anyone. Reads need one when ``ASSISTANT_REQUIRE_KEY_FOR_READS``
is on. Errors are ``AssistantError``s, so they leave in the API's one error shape.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api_schemas import error_body
from assistant.errors import AssistantError
from assistant.settings import Settings

_bearer = HTTPBearer(auto_error=False, scheme_name="bearer", description="An API key from ASSISTANT_API_KEYS.")
_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                           description="An API key from ASSISTANT_API_KEYS.")


class Unauthorized(AssistantError):
    status = 401
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


def key_checker(settings: Settings, *, write: bool) -> Callable[..., None]:
    """A route dependency that enforces the API key rule for reads or writes."""
    keys = [k.encode() for k in settings.api_key_list]
    needed = write or settings.require_key_for_reads

    def check(creds: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
              header_key: str | None = Security(_key_header)) -> None:  # noqa: B008
        if not needed:
            return
        if not keys:
            raise AssistantError("writes through the API are disabled: no API keys are configured; "
                                 "set ASSISTANT_API_KEYS to allow them", status=403, code="writes_disabled")
        given = (creds.credentials if creds else None) or header_key
        if not given:
            raise Unauthorized("this endpoint needs an API key: send 'Authorization: Bearer KEY' or "
                               "'X-API-Key: KEY'", code="missing_api_key")
        if not any(hmac.compare_digest(given.encode(), k) for k in keys):
            raise Unauthorized("the API key is not valid", code="invalid_api_key")

    def open_route() -> None:
        return None

    return check if needed else open_route


class BodyLimit:
    """Refuse API request bodies over the limit with a 413 in the API's error shape.

    A declared Content-Length over the limit is refused before reading; a body sent without one
    is counted as it arrives. Paths outside the API (the UI) have Gradio's own upload limit.
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
