"""The Chat tab: streamed answers whose [n] open their sources, filters that say when they are on, example
questions, copying, and conversations kept in the browser.

Each browser session keeps its own conversation and sources in ``gr.State`` (and a copy in the browser's
storage, see ``conversations``); only the index is shared. Answers and sources are rendered by ``render``,
which escapes everything that comes from a release or a user.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant import inputs
from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.types import Answer
from assistant.web.catalogue import Catalogue
from assistant.web.conversations import new_conversation, open_conversation, remember, restore
from assistant.web.render import COPY_JS, esc, filters_text, render_answer, render_source_turns, render_sources

EXAMPLES = [
    "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?",
    "How many smart meters did Northwind Grid install?",
    "Who became Northwind Grid's chief financial officer in 2021?",
]
MAX_TURNS = 10  # conversation turns kept per session (for follow-ups and the sources panel)
THINKING = "<span class='thinking'>Searching the releases…</span>"


class ChatTab:
    """The chat's callbacks (``respond``, ``filters_label``), its layout, and its events."""

    def __init__(self, assistant: Assistant, catalogue: Catalogue) -> None:
        self.assistant = assistant
        self.catalogue = catalogue

    # ---- callbacks -----------------------------------------------------------------------------
    def respond(self, question: str, chat: list[dict[str, Any]], turns: list[dict[str, str]],
                source_turns: list[dict[str, Any]], since: str, until: str, sources: list[str]
                ) -> Iterator[tuple[Any, ...]]:
        chat, turns, source_turns = list(chat or []), list(turns or []), list(source_turns or [])
        q = (question or "").strip()
        if not q:
            yield (gr.skip(),) * 6
            return
        chat += [{"role": "user", "content": esc(q)}, {"role": "assistant", "content": THINKING}]
        yield chat, "", gr.skip(), gr.skip(), gr.skip(), gr.skip()
        answer: Answer | None = None
        text = ""
        try:
            filters = inputs.filters(since, until, sources, labels=("From", "To"))
            for item in self.assistant.ask_stream(q, history=turns, filters=filters):
                if isinstance(item, Answer):
                    answer = item
                else:
                    text += item
                    chat[-1] = {"role": "assistant", "content": esc(text)}
                    yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except AssistantError as e:
            chat[-1] = {"role": "assistant", "content": f"<div class='error'>⚠️ {esc(e.message)}</div>"}
            yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        if answer is None:  # a backend that streamed text but no Answer: nothing to cite
            return
        turn = int(source_turns[-1].get("turn", len(source_turns))) + 1 if source_turns else 1  # ids stay unique
        covers = filters_text(filters.since, filters.until, filters.sources)
        chat[-1] = {"role": "assistant", "content": render_answer(answer, turn, covers=covers)}
        turns = (turns + [{"role": "user", "content": q}, {"role": "assistant", "content": answer.text}])
        source_turns = source_turns + [{"question": q, "html": render_sources(self.assistant, answer, turn),
                                        "turn": turn}]
        yield (chat, gr.skip(), render_source_turns(source_turns[-MAX_TURNS:]), turns[-2 * MAX_TURNS:],
               source_turns[-MAX_TURNS:], answer.to_markdown())

    @staticmethod
    def filters_label(since: str, until: str, sources: list[str]) -> Any:
        """The Filters panel says when a filter is on, even folded."""
        on = filters_text((since or "").strip(), (until or "").strip(), sources or [])
        return gr.update(label=f"Filters: on, {on}" if on else "Filters: dates and sources")

    # ---- layout (inside the tab) and events ----------------------------------------------------
    def layout(self) -> None:
        settings = self.assistant.settings
        self.turns = gr.State([])
        self.source_turns = gr.State([])
        # the browser's copy of the conversations; the key is derived from the index so that it survives a
        # restart (localStorage is per origin already, so it needs no secrecy of its own)
        self.saved = gr.BrowserState({}, storage_key="press-room-conversations",
                                     secret=hashlib.sha256(f"{settings.data_dir}|{settings.collection}".encode())
                                     .hexdigest()[:32])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                self.chat = gr.Chatbot(label="Answers", show_label=False, height=480, elem_id="chat",
                                       render_markdown=False, latex_delimiters=[], feedback_options=None,
                                       buttons=[], placeholder="Ask a question about the releases.")
                with gr.Row():
                    self.question = gr.Textbox(label="Question", show_label=False, elem_id="question",
                                               placeholder="Ask a question about the releases…",
                                               scale=5, max_lines=4, autofocus=True)
                    self.ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                with gr.Accordion("Filters: dates and sources", open=False, elem_id="filters") as self.panel:
                    with gr.Row():
                        self.since = gr.Textbox("", label="From", placeholder="YYYY-MM-DD or YYYY", elem_id="since")
                        self.until = gr.Textbox("", label="To", placeholder="YYYY-MM-DD or YYYY", elem_id="until")
                    self.source_filter = gr.Dropdown(label="Sources", multiselect=True,
                                                     choices=self.catalogue.sources(), elem_id="source-filter")
                with gr.Row():
                    self.copy_btn = gr.Button("Copy answer with sources", elem_id="copy-answer", size="sm")
                    self.clear_btn = gr.Button("New conversation", elem_id="clear", size="sm")
                self.earlier = gr.Dropdown(label="Earlier conversations", choices=[], value=None,
                                           visible=False, elem_id="earlier")
                with gr.Row(elem_id="try"):
                    gr.HTML("<span class='try-label'>Try asking:</span>")
                    self.tries = [gr.Button(q, size="sm", elem_classes=["try-question"]) for q in EXAMPLES]
                self.copy_md = gr.Textbox(visible=False, elem_id="copy-md")
            with gr.Column(scale=2):
                self.sources = gr.HTML(render_source_turns([]), elem_id="sources", label="Sources")

    def wire(self, demo: gr.Blocks) -> None:
        chat_out = [self.chat, self.question, self.sources, self.turns, self.source_turns, self.copy_md]
        chat_in = [self.question, self.chat, self.turns, self.source_turns, self.since, self.until,
                   self.source_filter]
        keep = ([self.saved, self.chat, self.turns, self.source_turns], [self.saved])
        self.ask.click(self.respond, chat_in, chat_out, api_name="ask").then(remember, *keep, api_visibility="private")
        self.question.submit(self.respond, chat_in, chat_out, api_visibility="private").then(
            remember, *keep, api_visibility="private")
        for button, text in zip(self.tries, EXAMPLES, strict=True):  # a "Try" question is asked, not just filled
            button.click(lambda t=text: t, None, [self.question], api_visibility="private").then(
                self.respond, chat_in, chat_out, api_visibility="private").then(
                remember, *keep, api_visibility="private")
        new_out = [*chat_out, self.saved, self.earlier]
        conversation = [self.saved, self.chat, self.turns, self.source_turns]
        self.clear_btn.click(new_conversation, conversation, new_out, api_visibility="private")
        self.chat.clear(new_conversation, conversation, new_out, api_visibility="private")
        self.earlier.input(open_conversation, [self.earlier, *conversation], new_out, api_visibility="private")
        self.copy_btn.click(None, [self.copy_md], None, js=COPY_JS)
        for box in (self.since, self.until, self.source_filter):
            box.change(self.filters_label, [self.since, self.until, self.source_filter], [self.panel],
                       api_visibility="private")
        demo.load(restore, [self.saved], [self.chat, self.sources, self.turns, self.source_turns, self.earlier],
                  api_visibility="private")
