"""The llama-index integration with real llama-index objects: the README's examples run as written, our
retriever inside llama-index's own ``RetrieverQueryEngine``, a ``FunctionAgent`` that calls the press-room tool,
and ``Document`` ingest. The shared corpus index serves the retrieval tests; ingest builds its own.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core import Document  # noqa: E402
from llama_index.core.llms import ChatMessage, MessageRole, MockLLM  # noqa: E402
from llama_index.core.query_engine import RetrieverQueryEngine  # noqa: E402

from assistant.llama_index import (  # noqa: E402
    PressRoomQueryEngine,
    PressRoomRetriever,
    ingest_documents,
    press_room_tool,
    release_from_document,
)
from assistant.types import Answer  # noqa: E402

from .conftest import ROOT, SEED, SEED_QUESTION, make_assistant  # noqa: E402

SEED_ID = SEED.name


def readme_examples() -> list[str]:
    """The Python blocks of the README's llama-index section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## llama-index\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_examples_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> None:  # type: ignore[no-untyped-def]
    """Each README block in turn, in one namespace, in the repository root (the corpus path is relative)."""
    blocks = readme_examples()
    assert len(blocks) == 4
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "readme-data"))
    ns: dict[str, Any] = {"llm": MockLLM(max_tokens=8)}

    exec(compile(blocks[0], "README.md[llama-index ingest]", "exec"), ns)
    assistant = ns["assistant"]
    assert sorted(ns["report"].added) == sorted([SEED_ID, "https://news.example.com/acme-lyon"])
    assert assistant.release(SEED_ID).path == str(SEED)
    acme = assistant.release("https://news.example.com/acme-lyon")
    assert acme.title == "Acme opens Lyon plant" and acme.date == "2024-05-02"

    exec(compile(blocks[1], "README.md[llama-index retriever]", "exec"), ns)
    nodes = ns["response"].source_nodes
    assert nodes and "China Unicom" in nodes[0].node.metadata["title"]
    assert all(n.node.metadata["date"] >= "2022-01-01" for n in nodes)  # the since filter held
    for n in nodes:
        meta = n.node.metadata
        assert assistant.release(meta["release_id"]).text[meta["start_char"]:meta["end_char"]] == n.node.text

    exec(compile(blocks[2], "README.md[llama-index query engine]", "exec"), ns)
    response = ns["response"]
    assert "July 30, 2022" in response.response and "[1]" in response.response
    first = response.source_nodes[0].node
    seed = assistant.release(first.metadata["release_id"])
    assert seed.text[first.start_char_idx:first.end_char_idx] == first.text and first.metadata["verified"]

    exec(compile(blocks[3], "README.md[llama-index tool]", "exec"), ns)
    assert "July 30, 2022" in ns["output"].content and "Sources:" in ns["output"].content


def test_retriever_nodes_carry_our_metadata_scores_and_filters(corpus_index) -> None:  # type: ignore[no-untyped-def]
    hits = corpus_index.search(SEED_QUESTION, k=5)
    nodes = PressRoomRetriever(corpus_index, top_k=5).retrieve(SEED_QUESTION)
    assert [n.node.node_id for n in nodes] == [h.chunk.id for h in hits]
    assert [n.score for n in nodes] == pytest.approx([h.score for h in hits])
    top = nodes[0].node
    assert top.metadata["release_id"] == SEED_ID and top.metadata["date"] == "2022-07-30"
    assert (top.start_char_idx, top.end_char_idx) == (top.metadata["start_char"], top.metadata["end_char"])
    assert "release_id" not in top.get_metadata_str(mode="llm")  # offsets and ids stay out of llama-index prompts

    later = PressRoomRetriever(corpus_index, top_k=5, since="2023-01-01").retrieve(SEED_QUESTION)
    assert later and all(n.node.metadata["date"] >= "2023-01-01" for n in later)
    assert SEED_ID not in {n.node.metadata["release_id"] for n in later}


def test_our_retriever_inside_llama_index_query_engine(corpus_index) -> None:  # type: ignore[no-untyped-def]
    engine = RetrieverQueryEngine.from_args(PressRoomRetriever(corpus_index, top_k=3), llm=MockLLM(max_tokens=5))
    response = engine.query(SEED_QUESTION)
    assert response.source_nodes[0].node.metadata["release_id"] == SEED_ID
    assert len(response.source_nodes) == 3 and str(response).strip()


def test_query_engine_source_nodes_are_the_checked_citations(corpus_index) -> None:  # type: ignore[no-untyped-def]
    engine = PressRoomQueryEngine(corpus_index)
    response = engine.query(SEED_QUESTION)
    answer = response.metadata["answer"]
    assert isinstance(answer, Answer) and response.response == answer.text and response.metadata["covered"]
    assert [n.node.metadata["number"] for n in response.source_nodes] == [c.number for c in answer.citations]
    assert [n.node.text for n in response.source_nodes] == [c.quote for c in answer.citations]
    async_response = asyncio.run(engine.aquery(SEED_QUESTION))
    assert async_response.response == response.response

    none = engine.query("What did the company say about its lunar mining colony on Europa?")
    assert not none.metadata["covered"] and none.source_nodes == []


def _agent_llm() -> Any:
    """llama-index's scripted function-calling LLM: it calls the press-room tool with the user's question, then
    relays what the tool returned (a real model decides this; the agent loop and the tool are real)."""
    from llama_index.core.base.llms.types import ToolCallBlock
    from llama_index.core.llms.mock import MockFunctionCallingLLM

    def respond(messages: list[ChatMessage], **kwargs: Any) -> ChatMessage:
        results = [m for m in messages if m.role == MessageRole.TOOL]
        if results:
            return ChatMessage(role=MessageRole.ASSISTANT, content=results[-1].content)
        question = [m for m in messages if m.role == MessageRole.USER][-1].content
        call = ToolCallBlock(tool_call_id="call-1", tool_name="press_room", tool_kwargs={"question": question})
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=[call])

    return MockFunctionCallingLLM(response_generator=respond)


def test_an_agent_calls_the_tool_and_gets_a_cited_answer(corpus_index) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult

    tool = press_room_tool(corpus_index)
    agent = FunctionAgent(tools=[tool], llm=_agent_llm())

    async def run() -> tuple[Any, list[Any]]:
        handler = agent.run(user_msg=SEED_QUESTION)
        results = [ev async for ev in handler.stream_events() if isinstance(ev, ToolCallResult)]
        return await handler, results

    final, results = asyncio.run(run())
    (result,) = results
    answer = result.tool_output.raw_output
    assert isinstance(answer, Answer) and answer.covered and "July 30, 2022" in answer.text
    c = answer.citations[0]
    assert c.release_id == SEED_ID and c.verified and corpus_index.release(SEED_ID).text[c.start:c.end] == c.quote
    text = str(final.response.content)
    assert "July 30, 2022" in text and f"[1] {c.title}, 2022-07-30" in text and c.quote in text


def test_tool_reports_bad_input_to_the_agent(corpus_index) -> None:  # type: ignore[no-untyped-def]
    tool = press_room_tool(corpus_index)
    assert tool.call(question="   ").content.startswith("Error: ")
    assert "since" in tool.call(question=SEED_QUESTION, since="not a date").content


def test_document_ingest_is_idempotent_and_rejects_empty_documents(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    a = make_assistant(tmp_path / "docs", embedder)
    doc = Document(text="Acme opened its first plant in Lyon on 2 May 2024. It employs 300 people in the region.",
                   metadata={"title": "Acme opens Lyon plant", "date": "2024-05-02", "source": "Acme",
                             "url": "https://news.example.com/acme-lyon"})
    empty = Document(text="   ", metadata={"file_path": "/tmp/empty.txt"})
    first = ingest_documents(a, [doc, empty])
    assert first.added == ["https://news.example.com/acme-lyon"]
    assert [r.path for r in first.rejected] == ["/tmp/empty.txt"]
    again = ingest_documents(a, [doc])
    assert again.unchanged == ["https://news.example.com/acme-lyon"] and not again.added
    answer = a.ask("How many people does the Lyon plant employ?")
    assert answer.covered and "300" in answer.text and answer.citations[0].source == "Acme"
    assert release_from_document(Document(text="Plain text release about a new plant.")).id  # the document's own id
