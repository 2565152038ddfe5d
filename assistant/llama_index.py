"""The press room as llama-index parts: a retriever, a query engine, an agent tool, and Document ingest.

Install with the ``llama-index`` extra. Nothing else in the package imports this module, so the
CLI and the web app never load llama-index for it. Each part wraps the same ``Assistant`` that
the CLI and the web app call, so answers here are the checked, cited answers users get there:

- ``PressRoomRetriever``: our hybrid retrieval and re-scorer as a llama-index ``BaseRetriever``;
  each ``NodeWithScore`` carries the release id, title, date, source, URL and character offsets.
- ``PressRoomQueryEngine``: the response text is our answer (extractive or LLM) and the source
  nodes are its checked citations, each the exact quoted passage of its release.
- ``press_room_tool``: a ``FunctionTool`` an agent calls with a question; it returns the cited answer.
- ``ingest_documents``: llama-index ``Document``s (from any llama-index reader) become releases.

llama-index objects stay inside this module; the rest of the package sees only our own types.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, DependencyMissing
from assistant.types import Answer, Citation, Hit, IngestReport, Rejected, Release

try:
    from llama_index.core.base.base_query_engine import BaseQueryEngine
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.base.response.schema import Response
    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.schema import Document, NodeWithScore, QueryBundle, TextNode
    from llama_index.core.tools import FunctionTool
except ImportError:  # pragma: no cover - the message is the point
    raise DependencyMissing('llama-index is not installed: pip install "press-room-assistant[llama-index]" '
                            '(or "llama-index-core>=0.14,<0.15")') from None

if TYPE_CHECKING:
    from assistant.core import Assistant
    from assistant.retrieval import Filters

__all__ = ["PressRoomQueryEngine", "PressRoomRetriever", "citation_node", "hit_node", "ingest_documents",
           "press_room_tool", "release_from_document"]


def _filters(since: str | None, until: str | None, sources: Sequence[str] | None,
             release_ids: Sequence[str] | None) -> Filters | None:
    from assistant.retrieval import Filters

    if not (since or until or sources or release_ids):
        return None
    return Filters.from_input(since, until, sources or (), release_ids or ())


def _metadata(release_id: str, title: str, date: str | None, source: str | None, url: str | None,
              start: int, end: int, **extra: Any) -> dict[str, Any]:
    meta = {"release_id": release_id, "title": title, "date": date, "source": source, "url": url,
            "start_char": start, "end_char": end, **extra}
    return {k: v for k, v in meta.items() if v is not None}


# Metadata an LLM prompt built by llama-index shows beside the text; the offsets and ids only clutter it.
_HIDDEN_FROM_LLM = ["release_id", "start_char", "end_char", "chunk_id", "verified", "number"]


def hit_node(hit: Hit) -> NodeWithScore:
    """One retrieved passage as llama-index sees it: a ``TextNode`` with our metadata, and our score."""
    c = hit.chunk
    node = TextNode(id_=c.id, text=c.text, start_char_idx=c.start, end_char_idx=c.end,
                    metadata=_metadata(c.release_id, c.title, c.date, c.source, c.url, c.start, c.end,
                                       chunk_id=c.id),
                    excluded_llm_metadata_keys=_HIDDEN_FROM_LLM, excluded_embed_metadata_keys=_HIDDEN_FROM_LLM)
    return NodeWithScore(node=node, score=hit.score)


def citation_node(citation: Citation) -> NodeWithScore:
    """One checked citation of an answer: the quoted passage, where it sits in its release, whether it checked out."""
    c = citation
    node = TextNode(id_=f"{c.release_id}#{c.start}-{c.end}", text=c.quote, start_char_idx=c.start,
                    end_char_idx=c.end,
                    metadata=_metadata(c.release_id, c.title, c.date, c.source, c.url, c.start, c.end,
                                       number=c.number, verified=c.verified),
                    excluded_llm_metadata_keys=_HIDDEN_FROM_LLM, excluded_embed_metadata_keys=_HIDDEN_FROM_LLM)
    return NodeWithScore(node=node, score=1.0 if c.verified else 0.0)


class PressRoomRetriever(BaseRetriever):
    """Our retrieval as a llama-index retriever: hybrid search, re-scored, with date and source filters.

    >>> retriever = PressRoomRetriever(assistant, top_k=5, since="2022")
    >>> RetrieverQueryEngine.from_args(retriever, llm=my_llm)   # llama-index's own engine on our index
    """

    def __init__(self, assistant: Assistant, *, top_k: int | None = None, since: str | None = None,
                 until: str | None = None, sources: Sequence[str] | None = None,
                 release_ids: Sequence[str] | None = None, callback_manager: CallbackManager | None = None) -> None:
        self.assistant = assistant
        self.top_k = top_k
        self.filters = _filters(since, until, sources, release_ids)
        super().__init__(callback_manager=callback_manager)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.assistant.search(query_bundle.query_str, k=self.top_k, filters=self.filters)
        return [hit_node(h) for h in hits]


class PressRoomQueryEngine(BaseQueryEngine):
    """Our checked answers as a llama-index query engine.

    ``Response.response`` is the answer text with its ``[n]`` markers; ``source_nodes`` are the
    citations in number order (text = the quoted passage); ``metadata`` holds ``covered``, the
    backend and the whole ``Answer`` under ``"answer"``. ``backend`` picks ``extractive`` or the
    LLM one (``openai``, or the ``Assistant(llm=...)`` given); default: the assistant's own.
    """

    def __init__(self, assistant: Assistant, *, backend: str | None = None, since: str | None = None,
                 until: str | None = None, sources: Sequence[str] | None = None,
                 release_ids: Sequence[str] | None = None, callback_manager: CallbackManager | None = None) -> None:
        self.assistant = assistant
        self.backend = backend
        self.filters = _filters(since, until, sources, release_ids)
        super().__init__(callback_manager=callback_manager or CallbackManager([]))

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}

    def answer(self, question: str) -> Answer:
        """Our own ``Answer`` for ``question`` (what ``query`` wraps)."""
        return self.assistant.ask(question, filters=self.filters, backend=self.backend)

    def stream_answer(self, question: str) -> Iterator[str | Answer]:
        """The answer as it is made: text pieces, then the checked ``Answer``."""
        return self.assistant.ask_stream(question, filters=self.filters, backend=self.backend)

    def _query(self, query_bundle: QueryBundle) -> Response:
        return to_response(self.answer(query_bundle.query_str))

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        import asyncio

        return to_response(await asyncio.to_thread(self.answer, query_bundle.query_str))


def to_response(answer: Answer) -> Response:
    """A llama-index ``Response`` holding our answer and its citations."""
    return Response(response=answer.text, source_nodes=[citation_node(c) for c in answer.citations],
                    metadata={"covered": answer.covered, "backend": answer.backend, "answer": answer})


def cited_text(answer: Answer) -> str:
    """The answer followed by its numbered sources, as an agent (or a person) should read it."""
    if not answer.citations:
        return answer.text
    lines = [answer.text, "", "Sources:"]
    for c in answer.citations:
        where = c.url or c.release_id
        lines.append(f"[{c.number}] {c.title}{', ' + c.date if c.date else ''} ({where}): \"{c.quote}\"")
    return "\n".join(lines)


def press_room_tool(assistant: Assistant, *, name: str = "press_room",
                    description: str | None = None, backend: str | None = None) -> FunctionTool:
    """A llama-index tool that asks the press room a question and returns the cited answer.

    The tool's text output is the answer with a numbered source list (title, date, link and the
    quoted passage); its ``raw_output`` is our ``Answer``. Bad input (an empty or too long
    question) comes back as the error message, so that an agent can correct itself.
    """

    def ask_press_room(question: str, since: str | None = None, until: str | None = None) -> Answer | str:
        """Answer a question from the organisation's press releases; every sentence cites its release."""
        try:
            return assistant.ask(question, filters=_filters(since, until, None, None), backend=backend)
        except AssistantError as e:
            return f"Error: {e.message}"

    def as_text(output: Answer | str) -> str:  # what the agent reads; raw_output keeps the Answer
        return cited_text(output) if isinstance(output, Answer) else output

    text = description or ("Answers questions about the organisation's press releases (announcements, dates, "
                           "people, figures, quotes). Input: a question in plain words; optional since/until dates "
                           "(YYYY or YYYY-MM-DD). Output: a short answer whose sentences cite numbered sources, or "
                           "a statement that the releases do not cover it.")
    return FunctionTool.from_defaults(fn=ask_press_room, name=name, description=text, callback=as_text)


# ---- ingest ----------------------------------------------------------------------------------------
def release_from_document(document: Document) -> Release:
    """A llama-index ``Document`` as a release.

    Metadata keys that readers commonly set are used when present: ``release_id`` or ``id``,
    ``title``, ``date`` (or ``publication_date``, ``published``), ``url`` (or ``source_url``,
    ``link``), ``source``, ``author``, ``file_name`` and ``file_path`` (set by ``SimpleDirectoryReader``).
    The id is the first of ``release_id``, the URL, the file name (as when a folder is ingested) and
    the document's own id, so reading the same source again updates its release instead of adding a copy.
    """
    from assistant.corpus import release_from_text

    meta = dict(document.metadata or {})

    def first(*keys: str) -> str | None:
        for key in keys:
            value = meta.get(key)
            if value not in (None, ""):
                return str(value)
        return None

    url = first("url", "source_url", "link")
    path = first("file_path")
    path = str(Path(path).resolve()) if path else None
    rid = first("release_id", "id") or url or first("file_name") or document.id_
    return release_from_text(document.get_content(), release_id=rid, title=first("title"),
                             date=first("date", "publication_date", "published", "creation_date"), url=url,
                             source=first("source", "organisation", "organization"), author=first("author"),
                             path=path)


def ingest_documents(assistant: Assistant, documents: Iterable[Document]) -> IngestReport:
    """Index llama-index ``Document``s as releases (``Assistant.index_releases``): idempotent, like files.

    A document we cannot use (no text, a bad date) is reported as rejected with the reason; the
    others are indexed.
    """

    def releases() -> Iterator[Release | Rejected]:
        for doc in documents:
            try:
                yield release_from_document(doc)
            except AssistantError as e:
                yield Rejected(str(doc.metadata.get("file_path") or doc.id_), e.message)

    return assistant.index_releases(releases())
