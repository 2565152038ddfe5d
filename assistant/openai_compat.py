"""``POST /v1/chat/completions``: the assistant behind the OpenAI chat API, so OpenAI clients work unchanged.

The last user message is the question and the earlier turns are its history. The reply's
content is the answer followed by its numbered sources, which is what a person sees in any
OpenAI client; the structured citations ride along in an extra ``citations`` field. Streaming
sends the answer's pieces as deltas, then the sources block with the citations in the last
content chunk, then ``[DONE]``. ``model`` may name an answerer backend; any other name gets the
default backend, so clients with a hard-wired model name still work.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.core import Assistant
from assistant.errors import AssistantError, BadInput
from assistant.types import Answer

MODEL = "press-room-assistant"


class ChatCompletionMessage(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    role: str = Field(..., description="system, user or assistant.")
    content: str | list[dict[str, Any]] | None = Field(None, description="Text, or a list of text parts.")


class ChatCompletionRequest(BaseModel):
    """The OpenAI request; fields this server does not use (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow", strict=True)
    model: str = Field(MODEL, description=f"{MODEL!r}, or the name of an answerer backend.")
    messages: list[ChatCompletionMessage] = Field(..., min_length=1)
    stream: bool = False
    since: str | None = Field(None, description="Extension: only releases published on or after this date.")
    until: str | None = Field(None, description="Extension: only releases published on or before this date.")
    sources: list[str] = Field(default_factory=list, description="Extension: only releases from these sources.")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CompletionMessage(_Open):
    role: str
    content: str


class CompletionChoice(_Open):
    index: int
    message: CompletionMessage
    finish_reason: str


class Usage(_Open):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(_Open):
    id: str
    object: str
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage
    citations: list[dict[str, Any]] = Field(..., description="The answer's citations, as in POST /api/v1/ask.")


class ModelCard(_Open):
    id: str
    object: str
    created: int
    owned_by: str


class ModelList(_Open):
    object: str
    data: list[ModelCard]


def message_text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content or ""


def chat_router(assistant: Assistant, read: list[Any], auth_errors: tuple[int, ...]) -> APIRouter:
    """The OpenAI-compatible routes, at ``/v1`` (OpenAI's base path) and, unlisted, under ``/api/v1``."""
    from assistant.api import SSE, _chain, check_backend, first_then_rest, make_filters, sources_text, wants_stream
    from assistant.api_schemas import error_responses, sse_event_schema

    router = APIRouter(tags=["openai"])

    def backend_for(model: str) -> str | None:
        try:
            check_backend(assistant, model)
        except BadInput:
            return None
        return model

    def completions(body: ChatCompletionRequest, request: Request) -> Any:
        """OpenAI-compatible chat over the releases, plain or streaming (`stream: true`).

        The reply is the cited answer followed by its sources; `citations` holds them as data.
        """
        turns = [{"role": m.role, "content": message_text(m.content)} for m in body.messages
                 if m.role in {"user", "assistant"}]
        if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
            raise BadInput("the last message must be the user's question", code="invalid_request")
        question, history = turns[-1]["content"], turns[:-1]
        filters = make_filters(body.since, body.until, body.sources)
        backend = backend_for(body.model)
        meta = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": body.model}
        if not wants_stream(request, body.stream):
            answer = assistant.ask(question, filters=filters, backend=backend, history=history)
            content = answer.to_markdown()
            n_in, n_out = len(question.split()), len(content.split())
            return {**meta, "object": "chat.completion",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out},
                    "citations": [c.to_dict() for c in answer.citations]}
        first, rest = first_then_rest(assistant.ask_stream(question, history=history, filters=filters,
                                                           backend=backend))

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            import json

            data = {**meta, "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        def events() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            try:
                for item in _chain(first, rest):
                    if isinstance(item, Answer):
                        yield chunk({"content": sources_text(item)},
                                    citations=[c.to_dict() for c in item.citations])
                    else:
                        yield chunk({"content": item})
                yield chunk({}, "stop")
            except AssistantError as e:
                import json

                yield f"data: {json.dumps({'error': {'status': e.status, 'code': e.code, 'message': e.message}})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type=SSE, headers={"Cache-Control": "no-cache"})

    responses = {200: {"content": {SSE: {"schema": sse_event_schema()}},
                       "description": "A chat completion, or chunks as server-sent events when streaming."},
                 **error_responses(*auth_errors, 413, 422)}
    router.add_api_route("/v1/chat/completions", completions, methods=["POST"], dependencies=read,
                         response_model=ChatCompletion, responses=responses)
    router.add_api_route("/api/v1/chat/completions", completions, methods=["POST"], dependencies=read,
                         response_model=ChatCompletion, include_in_schema=False)

    def models() -> dict[str, Any]:
        """The one model this server offers, for clients that list models first."""
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": MODEL}]}

    router.add_api_route("/v1/models", models, methods=["GET"], dependencies=read, response_model=ModelList,
                         responses=error_responses(*auth_errors))
    return router

