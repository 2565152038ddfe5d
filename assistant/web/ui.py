"""The Gradio UI: Chat (streamed answers whose [n] open their sources), Summarize, and Library.

Callbacks only call ``Assistant`` methods, the same ones the API and the CLI call. Release text
is untrusted: everything taken from a release or a file name is HTML-escaped here (see
``render``) and the chat renders HTML without Markdown, so markup inside a release shows as
text and never runs. Each browser session keeps its own conversation, sources and selections in
``gr.State``; only the index is shared.

Auth is the API's: when API keys are configured, the UI asks for one at sign-in (``app``), so every
queue call and upload carries a key, and a signed-in session may change the library. Without keys,
library changes are allowed only when the app listens on a loopback address (the ``make run`` demo).
Files are read only from Gradio's upload folder, never from a path a client names.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import inputs
from assistant.core import Assistant
from assistant.documents import summary_to_markdown
from assistant.errors import AssistantError, BadInput
from assistant.types import Answer
from assistant.web.conversations import new_conversation, open_conversation, remember, restore
from assistant.web.render import (
    COPY_JS,
    CSS,
    HEAD,
    SCROLL_TO_DRAFT_JS,
    display_title,
    esc,
    filters_text,
    format_label,
    release_label,
    render_answer,
    render_preview,
    render_report,
    render_source_turns,
    render_sources,
)
from assistant.web.shared import summaries_available, summary_stream
from assistant.web.uploads import library_writes_error, read_uploads

__all__ = ["CSS", "HEAD", "build_ui", "library_writes_error", "read_uploads", "render_sources"]

EXAMPLES = [
    "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?",
    "How many smart meters did Northwind Grid install?",
    "Who became Northwind Grid's chief financial officer in 2021?",
]
MAX_TURNS = 10  # conversation turns kept per session (for follow-ups and the sources panel)
MAX_CHOICES = 300  # releases offered in a checklist or dropdown at once; search narrows the rest
THINKING = "<span class='thinking'>Searching the releases…</span>"


def build_ui(assistant: Assistant) -> Any:
    settings = assistant.settings

    # ---- lists of releases, computed once per refresh --------------------------------------
    def catalogue(find: str = "") -> list[tuple[Any, int]]:
        rows = assistant.releases()
        needle = (find or "").strip().lower()
        if needle:
            rows = [(r, n) for r, n in rows
                    if needle in f"{r.title} {r.id} {r.source or ''} {r.date or ''}".lower()]
        return rows

    def sources_choices() -> list[str]:
        return sorted({r.source for r, _ in assistant.releases() if r.source})

    def table(rows: list[tuple[Any, int]]) -> list[list[Any]]:
        return [[display_title(r.title or r.id), r.date or "", r.source or "", n] for r, n in rows]

    def count_text(rows: list[tuple[Any, int]], find: str = "") -> str:
        total = len(assistant.releases()) if (find or "").strip() else len(rows)
        shown = f"{len(rows)} of {total} releases match" if (find or "").strip() else f"{total} releases"
        return f"<p class='lib-count'>{esc(shown)}. Click a row to preview it.</p>"

    def pick_choices(rows: list[tuple[Any, int]], keep: list[str] | None = None) -> list[tuple[str, str]]:
        keep = [k for k in keep or [] if k]
        choices = [(release_label(r), r.id) for r, _ in rows[:MAX_CHOICES]]
        shown = {rid for _, rid in choices}
        extra = [k for k in keep if k not in shown]
        if extra:
            found = {r.id: r for r, _ in assistant.releases() if r.id in set(extra)}
            choices = [(release_label(found[k]), k) for k in extra if k in found] + choices
        return choices

    def refresh(lib_find: str = "", sum_find: str = "", picked: list[str] | None = None) -> tuple[Any, ...]:
        """Fresh release lists for every place that shows them (after load, upload, delete, re-index)."""
        lib_rows = catalogue(lib_find)
        srcs = sources_choices()
        picked = [p for p in picked or [] if p]
        sum_choices = pick_choices(catalogue(sum_find), picked)
        valid = {rid for _, rid in sum_choices}
        return (table(lib_rows),
                gr.update(choices=pick_choices(lib_rows), value=None),
                gr.update(choices=srcs),
                gr.update(choices=sum_choices, value=[p for p in picked if p in valid]),
                gr.update(choices=srcs),
                count_text(lib_rows, lib_find))

    # ---- chat ------------------------------------------------------------------------------
    def respond(question: str, chat: list[dict[str, Any]], turns: list[dict[str, str]],
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
            for item in assistant.ask_stream(q, history=turns, filters=filters):
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
        source_turns = source_turns + [{"question": q, "html": render_sources(assistant, answer, turn), "turn": turn}]
        yield (chat, gr.skip(), render_source_turns(source_turns[-MAX_TURNS:]), turns[-2 * MAX_TURNS:],
               source_turns[-MAX_TURNS:], answer.to_markdown())

    def filters_label(since: str, until: str, sources: list[str]) -> Any:
        """The Filters panel says when a filter is on, even folded."""
        on = filters_text((since or "").strip(), (until or "").strip(), sources or [])
        return gr.update(label=f"Filters: on, {on}" if on else "Filters: dates and sources")

    # ---- summaries -------------------------------------------------------------------------
    def generate(picked: list[str], query: str, since: str, until: str, sources: list[str], fmt: str
                 ) -> Iterator[tuple[Any, ...]]:
        if not summaries_available(assistant):
            yield gr.skip(), gr.skip(), "<p class='warn'>Summaries are not available in this version.</p>"
            return
        if not (picked or (query or "").strip() or (since or "").strip() or (until or "").strip() or sources):
            yield gr.skip(), gr.skip(), ("<p class='warn'>Choose what to summarise: tick releases, or give a "
                                         "topic, dates or sources.</p>")
            return
        text, summary = "", None
        try:
            for item in summary_stream(assistant, release_ids=list(picked or []), query=query, since=since,
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

    def toggle_edit(editing: bool, draft: str) -> tuple[Any, ...]:
        editing = not editing
        return (editing, gr.update(visible=editing), gr.update(visible=not editing, value=draft),
                gr.update(value="Done editing" if editing else "Edit draft"))

    # ---- library ---------------------------------------------------------------------------
    def upload(files: list[str] | None, lib_find: str, sum_find: str, picked: list[str], request: gr.Request,
               progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            return (gr.skip(),) * 8
        denied = library_writes_error(assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", None, *(gr.skip(),) * 6)
        progress(0, desc="Reading files")
        try:
            named = read_uploads(list(files), int(settings.max_file_mb * 1_000_000))
        except BadInput as e:
            return (f"<p class='warn'>⚠️ {esc(e.message)}</p>", None, *(gr.skip(),) * 6)
        report = assistant.add_files(named, progress=lambda n, total, name: progress(
            (n - 1, total), desc=f"Indexing {name}", unit="files"))
        return (render_report(report), None, *refresh(lib_find, sum_find, picked))

    def ask_delete(release_id: str | None) -> tuple[Any, ...]:
        """Deleting asks first, naming the release by its title."""
        if not release_id:
            return "<p class='warn'>Choose a release to delete.</p>", gr.update(visible=False)
        title = release_title(release_id)
        return (f"<p class='warn' id='lib-confirm-text'>Delete “{esc(title)}”? It is removed from the index; "
                "its file, if any, stays where it is.</p>", gr.update(visible=True))

    def delete(release_id: str | None, lib_find: str, sum_find: str, picked: list[str], request: gr.Request
               ) -> tuple[Any, ...]:
        hide = gr.update(visible=False)
        if not release_id:
            return ("<p class='warn'>Choose a release to delete.</p>", hide, *(gr.skip(),) * 6)
        denied = library_writes_error(assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", hide, *(gr.skip(),) * 6)
        title = release_title(release_id)
        try:
            assistant.delete(release_id)
        except AssistantError as e:
            return (f"<p class='warn'>⚠️ {esc(e.message)}</p>", hide, *(gr.skip(),) * 6)
        return (f"<p class='ok'>Deleted “{esc(title)}”.</p>", hide, *refresh(lib_find, sum_find, picked))

    def release_title(release_id: str) -> str:
        try:
            return display_title(assistant.release(release_id).title or release_id)
        except AssistantError:
            return release_id

    def reindex(lib_find: str, sum_find: str, picked: list[str], request: gr.Request,
                progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        denied = library_writes_error(assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", *(gr.skip(),) * 6)
        progress(0, desc="Re-indexing")
        report = assistant.reindex(progress=lambda n, total, name: progress(
            (n - 1, total), desc=f"Re-reading {Path(name).name}", unit="files"))
        return (render_report(report, title="Re-index"), *refresh(lib_find, sum_find, picked))

    def find_releases(find: str) -> tuple[Any, ...]:
        rows = catalogue(find)
        return table(rows), gr.update(choices=pick_choices(rows), value=None), count_text(rows, find)

    def preview(find: str, event: gr.SelectData) -> tuple[Any, ...]:
        rows = catalogue(find)
        row = event.index[0] if isinstance(event.index, list | tuple) else event.index
        if not isinstance(row, int) or not 0 <= row < len(rows):
            return gr.skip(), gr.skip()
        release = assistant.release(rows[row][0].id)
        return render_preview(release), gr.update(value=release.id)

    # ---- layout ----------------------------------------------------------------------------
    initial = catalogue()
    initial_sources = sources_choices()
    formats = inputs.summary_formats()
    with gr.Blocks(title="Press-room assistant", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        gr.HTML("<div class='app-head'><h1>Press-room assistant</h1><p>Ask about the organisation's press "
                "releases. Every sentence of an answer cites its release; click a [n] to see the passage.</p></div>")
        turns = gr.State([])
        source_turns = gr.State([])
        # the browser's copy of the conversations; the key is derived from the index so that it survives a
        # restart (localStorage is per origin already, so it needs no secrecy of its own)
        saved = gr.BrowserState({}, storage_key="press-room-conversations",
                                secret=hashlib.sha256(f"{settings.data_dir}|{settings.collection}".encode())
                                .hexdigest()[:32])
        editing = gr.State(False)
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Answers", show_label=False, height=480, elem_id="chat",
                                          render_markdown=False, latex_delimiters=[], feedback_options=None,
                                          buttons=[], placeholder="Ask a question about the releases.")
                        with gr.Row():
                            question = gr.Textbox(label="Question", show_label=False, elem_id="question",
                                                  placeholder="Ask a question about the releases…",
                                                  scale=5, max_lines=4, autofocus=True)
                            ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                        with gr.Accordion("Filters: dates and sources", open=False, elem_id="filters") as panel:
                            with gr.Row():
                                since = gr.Textbox("", label="From", placeholder="YYYY-MM-DD or YYYY", elem_id="since")
                                until = gr.Textbox("", label="To", placeholder="YYYY-MM-DD or YYYY", elem_id="until")
                            source_filter = gr.Dropdown(label="Sources", multiselect=True, choices=initial_sources,
                                                        elem_id="source-filter")
                        with gr.Row():
                            copy_btn = gr.Button("Copy answer with sources", elem_id="copy-answer", size="sm")
                            clear_btn = gr.Button("New conversation", elem_id="clear", size="sm")
                        earlier = gr.Dropdown(label="Earlier conversations", choices=[], value=None,
                                              visible=False, elem_id="earlier")
                        with gr.Row(elem_id="try"):
                            gr.HTML("<span class='try-label'>Try asking:</span>")
                            tries = [gr.Button(q, size="sm", elem_classes=["try-question"]) for q in EXAMPLES]
                        copy_md = gr.Textbox(visible=False, elem_id="copy-md")
                    with gr.Column(scale=2):
                        sources = gr.HTML(render_source_turns([]), elem_id="sources", label="Sources")
            with gr.Tab("Summarize", id="summarize-tab", elem_id="summarize-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2):
                        sum_find = gr.Textbox(label="Find releases", placeholder="Words from a title, a date…",
                                              elem_id="sum-find")
                        sum_pick = gr.CheckboxGroup(label="Releases to summarise", choices=pick_choices(initial),
                                                    elem_id="sum-pick")
                        with gr.Accordion("…or choose by topic, dates and sources", open=False):
                            sum_query = gr.Textbox("", label="Topic", elem_id="sum-query")
                            with gr.Row():
                                sum_since = gr.Textbox("", label="From", placeholder="YYYY-MM-DD or YYYY")
                                sum_until = gr.Textbox("", label="To", placeholder="YYYY-MM-DD or YYYY")
                            sum_sources = gr.Dropdown(label="Sources", multiselect=True, choices=initial_sources)
                        sum_format = gr.Radio([(format_label(f), f) for f in formats], value=formats[0],
                                              label="Format", elem_id="sum-format")
                        sum_go = gr.Button("Generate draft", variant="primary", elem_id="sum-generate",
                                           interactive=summaries_available(assistant))
                    with gr.Column(scale=3):
                        sum_status = gr.HTML("" if summaries_available(assistant) else
                                             "<p class='warn'>Summaries are not available in this version.</p>",
                                             elem_id="sum-status")
                        sum_view = gr.Markdown("", elem_id="sum-rendered", sanitize_html=True,
                                               label="Draft", show_label=False)
                        sum_draft = gr.Textbox(label="Draft (Markdown): edit it here", lines=16, max_lines=40,
                                               interactive=True, elem_id="sum-draft", visible=False)
                        with gr.Row():
                            sum_edit = gr.Button("Edit draft", elem_id="sum-edit", size="sm")
                            sum_md = gr.DownloadButton("Download Markdown", elem_id="sum-md", size="sm",
                                                       visible=False)
                            sum_docx = gr.DownloadButton("Download Word (.docx)", elem_id="sum-docx", size="sm",
                                                         visible=False)
            with gr.Tab("Library", id="library-tab", elem_id="library-tab"):
                with gr.Row():
                    lib_find = gr.Textbox(label="Search the library", placeholder="Title, source or date",
                                          elem_id="lib-find", scale=4)
                    lib_reindex = gr.Button("Re-index", elem_id="lib-reindex", scale=1, min_width=100)
                lib_count = gr.HTML(count_text(initial), elem_id="lib-count")
                lib_table = gr.Dataframe(headers=["Title", "Date", "Source", "Chunks"], value=table(initial),
                                         datatype=["str", "str", "str", "number"], interactive=False,
                                         wrap=True, max_height=420, elem_id="lib-table",
                                         column_widths=["52%", "18%", "20%", "10%"])
                lib_preview = gr.HTML("", elem_id="lib-preview")
                with gr.Row(equal_height=False):
                    with gr.Column():
                        lib_upload = gr.File(label="Add releases: drop files here (html, htm, txt, md, pdf, json, "
                                                   "jsonl)", file_count="multiple", elem_id="lib-upload", height=140)
                        lib_report = gr.HTML("", elem_id="lib-report")
                    with gr.Column():
                        lib_pick = gr.Dropdown(label="Release to delete", choices=pick_choices(initial), value=None,
                                               filterable=True, elem_id="lib-pick")
                        lib_delete = gr.Button("Delete release…", variant="stop", elem_id="lib-delete")
                        with gr.Row(visible=False, elem_id="lib-confirm") as lib_confirm:
                            lib_yes = gr.Button("Yes, delete it", variant="stop", elem_id="lib-delete-yes", size="sm")
                            lib_no = gr.Button("Cancel", elem_id="lib-delete-no", size="sm")

        lists = [lib_table, lib_pick, source_filter, sum_pick, sum_sources, lib_count]
        chat_out = [chat, question, sources, turns, source_turns, copy_md]
        chat_in = [question, chat, turns, source_turns, since, until, source_filter]
        keep = ([saved, chat, turns, source_turns], [saved])
        ask.click(respond, chat_in, chat_out, api_name="ask").then(remember, *keep, api_visibility="private")
        question.submit(respond, chat_in, chat_out, api_visibility="private").then(
            remember, *keep, api_visibility="private")
        for button, text in zip(tries, EXAMPLES, strict=True):
            button.click(lambda t=text: t, None, [question], api_visibility="private").then(
                respond, chat_in, chat_out, api_visibility="private").then(remember, *keep, api_visibility="private")
        new_out = [*chat_out, saved, earlier]
        clear_btn.click(new_conversation, [saved, chat, turns, source_turns], new_out, api_visibility="private")
        chat.clear(new_conversation, [saved, chat, turns, source_turns], new_out, api_visibility="private")
        earlier.input(open_conversation, [earlier, saved, chat, turns, source_turns], new_out,
                      api_visibility="private")
        copy_btn.click(None, [copy_md], None, js=COPY_JS)
        for box in (since, until, source_filter):
            box.change(filters_label, [since, until, source_filter], [panel], api_visibility="private")

        sum_find.change(lambda f, p: gr.update(choices=pick_choices(catalogue(f), p)), [sum_find, sum_pick],
                        [sum_pick], api_visibility="private")
        sum_go.click(None, js=SCROLL_TO_DRAFT_JS)
        sum_go.click(generate, [sum_pick, sum_query, sum_since, sum_until, sum_sources, sum_format],
                     [sum_draft, sum_view, sum_status], api_name="summarize").then(
            draft_files, [sum_draft, sum_format], [sum_md, sum_docx], api_visibility="private")
        sum_edit.click(toggle_edit, [editing, sum_draft], [editing, sum_draft, sum_view, sum_edit],
                       api_visibility="private").then(draft_files, [sum_draft, sum_format], [sum_md, sum_docx],
                                                      api_visibility="private")
        sum_draft.blur(draft_files, [sum_draft, sum_format], [sum_md, sum_docx], api_visibility="private")

        lib_find.change(find_releases, [lib_find], [lib_table, lib_pick, lib_count], api_name="releases")
        lib_table.select(preview, [lib_find], [lib_preview, lib_pick], api_visibility="private")
        lib_upload.upload(upload, [lib_upload, lib_find, sum_find, sum_pick], [lib_report, lib_upload, *lists],
                          api_visibility="private")
        lib_delete.click(ask_delete, [lib_pick], [lib_report, lib_confirm], api_visibility="private")
        lib_no.click(lambda: ("", gr.update(visible=False)), None, [lib_report, lib_confirm],
                     api_visibility="private")
        lib_yes.click(delete, [lib_pick, lib_find, sum_find, sum_pick], [lib_report, lib_confirm, *lists],
                      api_visibility="private")
        lib_reindex.click(reindex, [lib_find, sum_find, sum_pick], [lib_report, *lists],
                          api_visibility="private")
        demo.load(refresh, [lib_find, sum_find, sum_pick], lists, api_visibility="private")
        demo.load(restore, [saved], [chat, sources, turns, source_turns, earlier], api_visibility="private")
    demo.queue(default_concurrency_limit=2)
    return demo
