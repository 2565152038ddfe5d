"""The Summarize tab: choose releases (ticked, or by topic, dates and sources), pick a PR format, and get a
cited draft that can be edited and downloaded as Markdown or Word.

The draft comes from the same ``Assistant`` summary stream as the API's (``shared.summary_stream``); the
rendered view sanitises HTML, and messages quote release text only escaped.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import inputs
from assistant.core import Assistant
from assistant.documents import summary_to_markdown
from assistant.errors import AssistantError
from assistant.web.catalogue import Catalogue
from assistant.web.render import SCROLL_TO_DRAFT_JS, esc, format_label
from assistant.web.shared import summaries_available, summary_stream

UNAVAILABLE = "<p class='warn'>Summaries are not available in this version.</p>"


class SummarizeTab:
    """The summary callbacks (``generate``, ``draft_files``, ``toggle_edit``), the tab's layout and its events."""

    def __init__(self, assistant: Assistant, catalogue: Catalogue) -> None:
        self.assistant = assistant
        self.catalogue = catalogue

    # ---- callbacks -----------------------------------------------------------------------------
    def generate(self, picked: list[str], query: str, since: str, until: str, sources: list[str], fmt: str
                 ) -> Iterator[tuple[Any, ...]]:
        if not summaries_available(self.assistant):
            yield gr.skip(), gr.skip(), UNAVAILABLE
            return
        if not (picked or (query or "").strip() or (since or "").strip() or (until or "").strip() or sources):
            yield gr.skip(), gr.skip(), ("<p class='warn'>Choose what to summarise: tick releases, or give a "
                                         "topic, dates or sources.</p>")
            return
        text, summary = "", None
        try:
            for item in summary_stream(self.assistant, release_ids=list(picked or []), query=query, since=since,
                                       until=until, sources=list(sources or []), fmt=fmt, labels=("From", "To")):
                if isinstance(item, str):
                    text += item
                    yield text, text, "<p class='thinking'>Writing the draft…</p>"
                else:
                    summary = item
        except AssistantError as e:
            yield gr.skip(), gr.skip(), f"<p class='warn'>⚠️ {esc(e.message)}</p>"
            return
        if summary is None:
            return
        n = len(summary.citations)
        draft = summary_to_markdown(summary)
        if not summary.covered:
            yield draft, draft, f"<p class='warn'>{esc(summary.text)}</p>"
            return
        yield (draft, draft, f"<p class='ok'>Draft ready: {esc(fmt)}, from {n} release{'s' if n != 1 else ''}. "
                             "Edit it if you like, then download it.</p>")

    @staticmethod
    def draft_files(draft: str, fmt: str) -> tuple[Any, ...]:
        """The draft as .md and .docx files for the two download buttons (hidden until there is a draft)."""
        if not (draft or "").strip():
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        folder = Path(tempfile.mkdtemp(prefix="summary-"))
        name = f"summary-{''.join(c for c in fmt or 'draft' if c.isalnum()) or 'draft'}"
        md = folder / f"{name}.md"
        md.write_text(draft, encoding="utf-8")
        from assistant.documents import markdown_to_docx

        docx = folder / f"{name}.docx"
        docx.write_bytes(markdown_to_docx(draft))
        return gr.update(value=str(md), visible=True), gr.update(value=str(docx), visible=True)

    @staticmethod
    def toggle_edit(editing: bool, draft: str) -> tuple[Any, ...]:
        editing = not editing
        return (editing, gr.update(visible=editing), gr.update(visible=not editing, value=draft),
                gr.update(value="Done editing" if editing else "Edit draft"))

    # ---- layout (inside the tab) and events ----------------------------------------------------
    def layout(self) -> None:
        available = summaries_available(self.assistant)
        formats = inputs.summary_formats()
        self.editing = gr.State(False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=2):
                self.find = gr.Textbox(label="Find releases", placeholder="Words from a title, a date…",
                                       elem_id="sum-find")
                self.pick = gr.CheckboxGroup(label="Releases to summarise",
                                             choices=self.catalogue.choices(self.catalogue.find()), elem_id="sum-pick")
                with gr.Accordion("…or choose by topic, dates and sources", open=False):
                    self.query = gr.Textbox("", label="Topic", elem_id="sum-query")
                    with gr.Row():
                        self.since = gr.Textbox("", label="From", placeholder="YYYY-MM-DD or YYYY")
                        self.until = gr.Textbox("", label="To", placeholder="YYYY-MM-DD or YYYY")
                    self.sources = gr.Dropdown(label="Sources", multiselect=True, choices=self.catalogue.sources())
                self.format = gr.Radio([(format_label(f), f) for f in formats], value=formats[0],
                                       label="Format", elem_id="sum-format")
                self.go = gr.Button("Generate draft", variant="primary", elem_id="sum-generate",
                                    interactive=available)
            with gr.Column(scale=3):
                self.status = gr.HTML("" if available else UNAVAILABLE, elem_id="sum-status")
                self.view = gr.Markdown("", elem_id="sum-rendered", sanitize_html=True, label="Draft",
                                        show_label=False)
                self.draft = gr.Textbox(label="Draft (Markdown): edit it here", lines=16, max_lines=40,
                                        interactive=True, elem_id="sum-draft", visible=False)
                with gr.Row():
                    self.edit = gr.Button("Edit draft", elem_id="sum-edit", size="sm")
                    self.md = gr.DownloadButton("Download Markdown", elem_id="sum-md", size="sm", visible=False)
                    self.docx = gr.DownloadButton("Download Word (.docx)", elem_id="sum-docx", size="sm",
                                                  visible=False)

    def wire(self) -> None:
        downloads = ([self.draft, self.format], [self.md, self.docx])
        self.find.change(lambda f, p: gr.update(choices=self.catalogue.choices(self.catalogue.find(f), p)),
                         [self.find, self.pick], [self.pick], api_visibility="private")
        self.go.click(None, js=SCROLL_TO_DRAFT_JS)  # the result is below the fold on small screens
        self.go.click(self.generate, [self.pick, self.query, self.since, self.until, self.sources, self.format],
                      [self.draft, self.view, self.status], api_name="summarize").then(
            self.draft_files, *downloads, api_visibility="private")
        self.edit.click(self.toggle_edit, [self.editing, self.draft], [self.editing, self.draft, self.view, self.edit],
                        api_visibility="private").then(self.draft_files, *downloads, api_visibility="private")
        self.draft.blur(self.draft_files, *downloads, api_visibility="private")
