"""The Gradio UI: one page with three tabs, Chat (``chat_tab``), Summarize (``summarize_tab``) and Library
(``library_tab``), and the events between them (a library change refreshes every release list).

Callbacks only call ``Assistant`` methods, the same ones the API and the CLI call. Release text is
untrusted: everything taken from a release or a file name is HTML-escaped (see ``render``) and the chat
renders HTML without Markdown, so markup inside a release shows as text and never runs. Each browser
session keeps its own conversation, sources and selections in ``gr.State``; only the index is shared.

Auth is the API's: when API keys are configured, the UI asks for one at sign-in (``app``), so every
queue call and upload carries a key, and a signed-in session may change the library. Without keys,
library changes are allowed only when the app listens on a loopback address (the ``make run`` demo).
Files are read only from Gradio's upload folder, never from a path a client names.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.core import Assistant
from assistant.web.catalogue import Catalogue
from assistant.web.chat_tab import ChatTab
from assistant.web.library_tab import LibraryTab
from assistant.web.render import CSS, HEAD, render_sources
from assistant.web.summarize_tab import SummarizeTab
from assistant.web.uploads import library_writes_error, read_uploads

__all__ = ["CSS", "HEAD", "build_ui", "library_writes_error", "read_uploads", "render_sources"]


def build_ui(assistant: Assistant) -> Any:
    catalogue = Catalogue(assistant)
    chat = ChatTab(assistant, catalogue)
    summarize = SummarizeTab(assistant, catalogue)
    library = LibraryTab(assistant, catalogue, catalogue.updates)
    with gr.Blocks(title="Press-room assistant", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        gr.HTML("<div class='app-head'><h1>Press-room assistant</h1><p>Ask about the organisation's press "
                "releases. Every sentence of an answer cites its release; click a [n] to see the passage.</p></div>")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                chat.layout()
            with gr.Tab("Summarize", id="summarize-tab", elem_id="summarize-tab"):
                summarize.layout()
            with gr.Tab("Library", id="library-tab", elem_id="library-tab"):
                library.layout()

        # every place that lists releases, in the order of ``Catalogue.updates``
        lists = [library.table, library.pick, chat.source_filter, summarize.pick, summarize.sources, library.count]
        searches = [summarize.find, summarize.pick]
        chat.wire(demo)
        summarize.wire()
        library.wire(lists, searches)
        demo.load(catalogue.updates, [library.find, *searches], lists, api_visibility="private")
    demo.queue(default_concurrency_limit=2)
    return demo
