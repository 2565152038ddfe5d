"""The OpenAI-compatible chat endpoint, driven by the real ``openai`` client over HTTP.

The server requires keys for reads here, so the client's ``api_key`` is what authenticates it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .conftest import SEED_QUESTION
from .servers import running, with_settings

KEY = "sk-press-room-test"


@pytest.fixture(scope="module")
def base(corpus_index) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.web.app import create_app

    locked = with_settings(corpus_index, api_keys=KEY, require_key_for_reads=True)
    with running(create_app(locked, with_ui=False)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base: str):  # type: ignore[no-untyped-def]
    from openai import OpenAI

    return OpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0, timeout=60)


def test_plain_completion_has_answer_sources_and_citations(client) -> None:  # type: ignore[no-untyped-def]
    done = client.chat.completions.create(model="press-room-assistant",
                                          messages=[{"role": "user", "content": SEED_QUESTION}])
    content = done.choices[0].message.content
    assert done.object == "chat.completion" and done.choices[0].finish_reason == "stop"
    assert "July 30, 2022" in content and "[1]" in content and "\nSources:\n[1] " in content
    citations = done.model_extra["citations"]
    assert citations[0]["number"] == 1 and citations[0]["verified"] and citations[0]["date"] == "2022-07-30"
    assert done.usage.total_tokens > 0


def test_streaming_completion(client) -> None:  # type: ignore[no-untyped-def]
    stream = client.chat.completions.create(model="extractive", stream=True,
                                            messages=[{"role": "system", "content": "Be brief."},
                                                      {"role": "user", "content": SEED_QUESTION}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len([c for c in chunks if c.choices[0].delta.content]) >= 3  # tokens, then the sources
    assert text.startswith("On the afternoon of July 30, 2022") and "\nSources:\n[1] " in text
    with_citations = [c for c in chunks if (c.model_extra or {}).get("citations")]
    assert len(with_citations) == 1 and with_citations[0].model_extra["citations"][0]["verified"]


def test_follow_up_reads_earlier_messages(client) -> None:  # type: ignore[no-untyped-def]
    done = client.chat.completions.create(model="extractive", messages=[
        {"role": "user", "content": SEED_QUESTION},
        {"role": "assistant", "content": "On the afternoon of July 30, 2022, ... [1]"},
        {"role": "user", "content": "And who signed it?"}])
    assert "Tang Yongbo" in done.choices[0].message.content


def test_not_covered_and_filters(client) -> None:  # type: ignore[no-untyped-def]
    done = client.chat.completions.create(model="press-room-assistant",
                                          messages=[{"role": "user", "content": "How do I repot an orchid?"}])
    assert done.choices[0].message.content == "The releases do not cover this question."
    assert done.model_extra["citations"] == []
    later = client.chat.completions.create(model="press-room-assistant", extra_body={"since": "2023-01-01"},
                                           messages=[{"role": "user", "content": SEED_QUESTION}])
    assert all(c["date"] >= "2023-01-01" for c in later.model_extra["citations"])


def test_models_list_and_which_one_answered(client) -> None:  # type: ignore[no-untyped-def]
    import openai

    assert [m.id for m in client.models.list()] == ["press-room-assistant", "extractive"]  # no LLM configured
    done = client.chat.completions.create(model="press-room-assistant",
                                          messages=[{"role": "user", "content": SEED_QUESTION}])
    assert done.model == "press-room-assistant/extractive"
    with pytest.raises(openai.NotFoundError) as e:  # a model this server does not serve is named, not ignored
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": SEED_QUESTION}])
    assert e.value.body["code"] == "model_not_found" and "gpt-4o" in e.value.body["message"]
    assert "press-room-assistant" in e.value.body["message"]


def test_errors(base: str, client) -> None:  # type: ignore[no-untyped-def]
    import openai

    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{base}/v1", api_key="wrong", max_retries=0).chat.completions.create(
            model="x", messages=[{"role": "user", "content": SEED_QUESTION}])
    with pytest.raises(openai.UnprocessableEntityError) as e:
        client.chat.completions.create(model="x", messages=[{"role": "assistant", "content": "Hello"}])
    assert e.value.body["code"] == "invalid_input"  # the SDK hands over our error object
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="x", messages=[])


def test_text_parts_and_the_api_prefix(base: str) -> None:
    r = httpx.post(f"{base}/api/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"}, timeout=60,
                   json={"model": "press-room-assistant", "messages": [{"role": "user", "content": [
                       {"type": "text", "text": SEED_QUESTION}]}]})
    assert r.status_code == 200 and "July 30, 2022" in r.json()["choices"][0]["message"]["content"]
