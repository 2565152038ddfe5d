"""``POST /v1/chat/completions``: the assistant behind the OpenAI chat API, so OpenAI clients work unchanged.

The last user message is the question and the earlier turns are its history. The reply's
content is the answer followed by its numbered sources, which is what a person sees in any
OpenAI client; the structured citations ride along in an extra ``citations`` field. Streaming
sends the answer's pieces as deltas, then the sources block with the citations in the last
content chunk, then ``[DONE]``. ``model`` is one of ``GET /v1/models``: ``press-room-assistant`` (the
default backend) or a backend by name; any other name is a 404 that lists them, and each reply's ``model``
says which backend answered.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant import inputs
from assistant.core import Assistant
from assistant.errors import AssistantError, BadInput
from assistant.types import Answer
from assistant.web.routes import AUTH, READ, Current
from assistant.web.schemas import error_body, error_responses, sse_event_schema
from assistant.web.shared import SSE, first_then_rest, sources_text, wants_stream

MODEL = "press-room-assistant"


class ChatCompletionMessage(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    role: str = Field(..., description="system, user or assistant.")
    content: str | list[dict[str, Any]] | None = Field(None, description="Text, or a list of text parts.")


class ChatCompletionRequest(BaseModel):
    """The OpenAI request; fields this server does not use (temperature, max_tokens, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow", strict=True)
    model: str = Field(MODEL, description=f"{MODEL!r} (the default backend), or a backend named in GET /v1/models.")
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


def served_models(assistant: Assistant) -> list[str]:
    """The model ids this server answers to: the default, and each answerer backend that can run here."""
    names = [MODEL, "extractive"]
    if assistant.settings.llm_base_url:
        names.append("openai")
    return names


def backend_for(assistant: Assistant, model: str) -> str | None:
    """The answerer backend a model id names (None: the default); an id this server does not serve is a 404."""
    served = served_models(assistant)
    if model not in served:
        raise AssistantError(f"the model {model!r} is not served here (models: {', '.join(served)}; "
                             "see GET /v1/models)", status=404, code="model_not_found")
    return None if model == MODEL else model


router = APIRouter(tags=["openai"])


def completions(body: ChatCompletionRequest, request: Request, assistant: Assistant = Current) -> Any:
    """OpenAI-compatible chat over the releases, plain or streaming (`stream: true`).

    The reply is the cited answer followed by its sources; `citations` holds them as data. `model`
    is one of `GET /v1/models`; the reply's `model` names the backend that answered
    (`press-room-assistant/extractive`, say).
    """
    turns = [{"role": m.role, "content": message_text(m.content)} for m in body.messages
             if m.role in {"user", "assistant"}]
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise BadInput("the last message must be the user's question")
    question, history = turns[-1]["content"], turns[:-1]
    filters = inputs.filters(body.since, body.until, body.sources)
    backend = backend_for(assistant, body.model)
    answered_by = f"{MODEL}/{backend or assistant.settings.answerer}"
    meta = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": answered_by}
    if not wants_stream(request, body.stream):
        answer = assistant.ask(question, filters=filters, backend=backend, history=history)
        content = answer.to_markdown()
        n_in, n_out = len(question.split()), len(content.split())
        return {**meta, "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out},
                "citations": [c.to_dict() for c in answer.citations]}
    items = first_then_rest(assistant.ask_stream(question, history=history, filters=filters, backend=backend))

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = {**meta, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            for item in items:
                if isinstance(item, Answer):
                    yield chunk({"content": sources_text(item)}, citations=[c.to_dict() for c in item.citations])
                else:
                    yield chunk({"content": item})
            yield chunk({}, "stop")
        except AssistantError as e:
            yield f"data: {json.dumps(error_body(e.status, e.code, e.message))}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type=SSE, headers={"Cache-Control": "no-cache"})


router.add_api_route("/v1/chat/completions", completions, methods=["POST"], dependencies=READ,
                     response_model=ChatCompletion,
                     responses={200: {"content": {SSE: {"schema": sse_event_schema()}},
                                      "description": "A chat completion, or chunks as server-sent events when "
                                                     "streaming."},
                                **error_responses(*AUTH, 404, 413, 422)})
router.add_api_route("/api/v1/chat/completions", completions, methods=["POST"], dependencies=READ,
                     response_model=ChatCompletion, include_in_schema=False)


@router.get("/v1/models", dependencies=READ, response_model=ModelList, responses=error_responses(*AUTH))
def models(assistant: Assistant = Current) -> dict[str, Any]:
    """The models this server answers to: `press-room-assistant` (the default backend) and each backend by name."""
    return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "press-room"}
                                       for m in served_models(assistant)]}
