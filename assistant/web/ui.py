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

import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import inputs
from assistant.core import Assistant
from assistant.errors import AssistantError, BadInput
from assistant.types import Answer
from assistant.web.guards import is_loopback
from assistant.web.render import (
    CSS,
    HEAD,
    esc,
    release_label,
    render_answer,
    render_report,
    render_source_turns,
    render_sources,
)
from assistant.web.shared import summaries_available, summary_stream

__all__ = ["CSS", "HEAD", "build_ui", "library_writes_error", "read_uploads", "render_sources"]

EXAMPLES = [
    "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?",
    "How many smart meters did Northwind Grid install?",
    "Who became Northwind Grid's chief financial officer in 2021?",
]
MAX_TURNS = 10  # conversation turns kept per session (for follow-ups and the sources panel)
MAX_CHOICES = 300  # releases offered in a checklist or dropdown at once; search narrows the rest
THINKING = "<span class='thinking'>Searching the releases…</span>"


MAX_UPLOAD_FILES = 20  # files in one UI upload; the API takes more (see ASSISTANT_MAX_REQUEST_MB)


def library_writes_error(assistant: Assistant, signed_in: bool) -> str | None:
    """Why this session may not change the library, or None when it may.

    With API keys configured every UI session has signed in with one (``signed_in``); without keys,
    only a server on a loopback address accepts changes.
    """
    if assistant.settings.api_key_list:
        return None if signed_in else "Sign in with an API key (from ASSISTANT_API_KEYS) to change the library."
    if is_loopback(assistant.settings.host):
        return None
    return ("Library changes are off: this server listens on a public address and has no API keys. "
            "Set ASSISTANT_API_KEYS to allow them.")


def upload_folder() -> Path:
    import gradio.utils

    return Path(gradio.utils.get_upload_folder()).resolve()


def read_uploads(paths: list[str], max_bytes: int) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes, then each is deleted.

    Only regular files inside Gradio's upload folder are read (a client names the path in its request,
    so any other path, a device or a FIFO, is refused before it is opened); each is bounded by size.
    """
    if len(paths) > MAX_UPLOAD_FILES:
        raise BadInput(f"at most {MAX_UPLOAD_FILES} files per upload ({len(paths)} were sent)")
    folder = upload_folder()
    out = []
    for name in paths:
        path = Path(os.path.abspath(name))
        if not path.resolve().is_relative_to(folder) or not stat.S_ISREG(path.lstat().st_mode):
            raise BadInput(f"{path.name} was not uploaded through this page")
        if path.stat().st_size > max_bytes:
            raise BadInput(f"{path.name} is larger than the limit of {max_bytes / 1e6:g} MB (ASSISTANT_MAX_FILE_MB)")
        with path.open("rb") as f:
            out.append((path.name, f.read(max_bytes + 1)))
        path.unlink(missing_ok=True)
    return out


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
        return [[r.title, r.date or "", r.source or "", n, r.id] for r, n in rows]

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
                gr.update(choices=srcs))

    # ---- chat ------------------------------------------------------------------------------
    def respond(question: str, chat: list[dict[str, Any]], turns: list[dict[str, str]],
                source_turns: list[dict[str, Any]], since: str, until: str, sources: list[str]
                ) -> Iterator[tuple[Any, ...]]:
        chat, turns, source_turns = list(chat or []), list(turns or []), list(source_turns or [])
        q = (question or "").strip()
        if not q:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
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
        chat[-1] = {"role": "assistant", "content": render_answer(answer, turn)}
        turns = (turns + [{"role": "user", "content": q}, {"role": "assistant", "content": answer.text}])
        source_turns = source_turns + [{"question": q, "html": render_sources(assistant, answer, turn), "turn": turn}]
        yield (chat, gr.skip(), render_source_turns(source_turns[-MAX_TURNS:]), turns[-2 * MAX_TURNS:],
               source_turns[-MAX_TURNS:], answer.to_markdown())

    def clear() -> tuple[Any, ...]:
        return [], "", render_source_turns([]), [], [], ""

    # ---- summaries -------------------------------------------------------------------------
    def generate(picked: list[str], query: str, since: str, until: str, sources: list[str], fmt: str
                 ) -> Iterator[tuple[Any, ...]]:
        if not summaries_available(assistant):
            yield gr.skip(), "<p class='warn'>Summaries are not available in this version.</p>"
            return
        text, summary = "", None
        try:
            for item in summary_stream(assistant, release_ids=list(picked or []), query=query, since=since,
                                       until=until, sources=list(sources or []), fmt=fmt, labels=("From", "To")):
                if isinstance(item, str):
                    text += item
                    yield text, "<p class='thinking'>Writing the draft…</p>"
                else:
                    summary = item
        except AssistantError as e:
            yield gr.skip(), f"<p class='warn'>⚠️ {esc(e.message)}</p>"
            return
        if summary is None:
            return
        n = len(summary.citations)
        if not summary.covered:
            yield summary.to_markdown(), f"<p class='warn'>{esc(summary.text)}</p>"
            return
        yield (summary.to_markdown(),
               f"<p class='ok'>Draft ready: {esc(fmt)}, from {n} release{'s' if n != 1 else ''}. "
               "Edit it freely, then download it.</p>")

    def download(draft: str, fmt: str, kind: str) -> Any:
        if not (draft or "").strip():
            gr.Warning("Generate a draft first.")
            return None
        folder = Path(tempfile.mkdtemp(prefix="summary-"))
        name = f"summary-{''.join(c for c in fmt or 'draft' if c.isalnum()) or 'draft'}"
        if kind == "docx":
            from assistant.export import markdown_to_docx

            path = folder / f"{name}.docx"
            path.write_bytes(markdown_to_docx(draft))
        else:
            path = folder / f"{name}.md"
            path.write_text(draft, encoding="utf-8")
        return str(path)

    # ---- library ---------------------------------------------------------------------------
    def upload(files: list[str] | None, lib_find: str, sum_find: str, picked: list[str], request: gr.Request,
               progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            return (gr.skip(),) * 7
        denied = library_writes_error(assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", None, *(gr.skip(),) * 5)
        progress(0, desc="Reading files")
        try:
            named = read_uploads(list(files), int(settings.max_file_mb * 1_000_000))
        except BadInput as e:
            return (f"<p class='warn'>⚠️ {esc(e.message)}</p>", None, *(gr.skip(),) * 5)
        report = assistant.add_files(named, progress=lambda n, total, name: progress(
            (n - 1, total), desc=f"Indexing {name}", unit="files"))
        return (render_report(report), None, *refresh(lib_find, sum_find, picked))

    def delete(release_id: str | None, lib_find: str, sum_find: str, picked: list[str], request: gr.Request
               ) -> tuple[Any, ...]:
        if not release_id:
            return ("<p class='warn'>Choose a release to delete.</p>", *(gr.skip(),) * 5)
        denied = library_writes_error(assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", *(gr.skip(),) * 5)
        try:
            assistant.delete(release_id)
        except AssistantError as e:
            return (f"<p class='warn'>⚠️ {esc(e.message)}</p>", *(gr.skip(),) * 5)
        return (f"<p class='ok'>Deleted {esc(release_id)}.</p>", *refresh(lib_find, sum_find, picked))

    def reindex(lib_find: str, sum_find: str, picked: list[str], request: gr.Request,
                progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        denied = library_writes_error(assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", *(gr.skip(),) * 5)
        progress(0, desc="Re-indexing")
        report = assistant.reindex(progress=lambda n, total, name: progress(
            (n - 1, total), desc=f"Re-reading {Path(name).name}", unit="files"))
        return (render_report(report, title="Re-index"), *refresh(lib_find, sum_find, picked))

    def find_releases(find: str) -> tuple[Any, ...]:
        rows = catalogue(find)
        return table(rows), gr.update(choices=pick_choices(rows), value=None)

    # ---- layout ----------------------------------------------------------------------------
    initial = catalogue()
    initial_sources = sources_choices()
    with gr.Blocks(title="Press-room assistant", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        gr.HTML("<div class='app-head'><h1>Press-room assistant</h1><p>Ask about the organisation's press "
                "releases. Every sentence of an answer cites its release; click a [n] to see the passage.</p></div>")
        turns = gr.State([])
        source_turns = gr.State([])
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(label="Answers", height=480, elem_id="chat", render_markdown=False,
                                          latex_delimiters=[], feedback_options=None, buttons=[],
                                          placeholder="Ask a question about the releases.")
                        with gr.Row():
                            question = gr.Textbox(show_label=False, placeholder="Ask a question about the releases…",
                                                  elem_id="question", scale=5, max_lines=4, autofocus=True)
                            ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
                        with gr.Accordion("Filters: dates and sources", open=False, elem_id="filters"):
                            with gr.Row():
                                since = gr.Textbox("", label="From", placeholder="YYYY-MM-DD or YYYY", elem_id="since")
                                until = gr.Textbox("", label="To", placeholder="YYYY-MM-DD or YYYY", elem_id="until")
                            source_filter = gr.Dropdown(label="Sources", multiselect=True, choices=initial_sources,
                                                        elem_id="source-filter")
                        with gr.Row():
                            copy_btn = gr.Button("Copy answer with sources", elem_id="copy-answer", size="sm")
                            clear_btn = gr.Button("New conversation", elem_id="clear", size="sm")
                        gr.Examples(EXAMPLES, inputs=[question], label="Try")
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
                        formats = inputs.summary_formats()
                        sum_format = gr.Radio(formats, value=formats[0], label="Format", elem_id="sum-format")
                        sum_go = gr.Button("Generate draft", variant="primary", elem_id="sum-generate",
                                           interactive=summaries_available(assistant))
                    with gr.Column(scale=3):
                        sum_status = gr.HTML("" if summaries_available(assistant) else
                                             "<p class='warn'>Summaries are not available in this version.</p>",
                                             elem_id="sum-status")
                        sum_draft = gr.Textbox(label="Draft (Markdown): edit it here", lines=16, max_lines=40,
                                               interactive=True, elem_id="sum-draft", buttons=["copy"])
                        with gr.Row():
                            sum_md = gr.Button("Download Markdown", elem_id="sum-md", size="sm")
                            sum_docx = gr.Button("Download Word (.docx)", elem_id="sum-docx", size="sm")
                        sum_file = gr.File(label="Your file", interactive=False, elem_id="sum-file")
            with gr.Tab("Library", id="library-tab", elem_id="library-tab"):
                with gr.Row():
                    lib_find = gr.Textbox(label="Search the library", placeholder="Title, source, date or id",
                                          elem_id="lib-find", scale=4)
                    lib_reindex = gr.Button("Re-index", elem_id="lib-reindex", scale=1, min_width=100)
                lib_table = gr.Dataframe(headers=["Title", "Date", "Source", "Chunks", "ID"], value=table(initial),
                                         datatype=["str", "str", "str", "number", "str"], interactive=False,
                                         wrap=True, max_height=420, elem_id="lib-table",
                                         column_widths=["42%", "11%", "14%", "8%", "25%"])
                with gr.Row(equal_height=False):
                    with gr.Column():
                        lib_upload = gr.File(label="Add releases: drop files here (html, htm, txt, md, pdf, json, "
                                                   "jsonl)", file_count="multiple", elem_id="lib-upload", height=140)
                        lib_report = gr.HTML("", elem_id="lib-report")
                    with gr.Column():
                        lib_pick = gr.Dropdown(label="Release to delete", choices=pick_choices(initial), value=None,
                                               filterable=True,
                                               elem_id="lib-pick")
                        lib_delete = gr.Button("Delete release", variant="stop", elem_id="lib-delete")

        lists = [lib_table, lib_pick, source_filter, sum_pick, sum_sources]
        chat_out = [chat, question, sources, turns, source_turns, copy_md]
        chat_in = [question, chat, turns, source_turns, since, until, source_filter]
        ask.click(respond, chat_in, chat_out, api_name="ask")
        question.submit(respond, chat_in, chat_out, api_visibility="private")
        clear_btn.click(clear, None, chat_out, api_visibility="private")
        chat.clear(clear, None, chat_out, api_visibility="private")
        copy_btn.click(None, [copy_md], None, js=COPY_JS)

        sum_find.change(lambda f, p: gr.update(choices=pick_choices(catalogue(f), p)), [sum_find, sum_pick],
                        [sum_pick], api_visibility="private")
        sum_go.click(generate, [sum_pick, sum_query, sum_since, sum_until, sum_sources, sum_format],
                     [sum_draft, sum_status], api_name="summarize")
        sum_md.click(lambda d, f: download(d, f, "md"), [sum_draft, sum_format], [sum_file], api_visibility="private")
        sum_docx.click(lambda d, f: download(d, f, "docx"), [sum_draft, sum_format], [sum_file],
                       api_visibility="private")

        lib_find.change(find_releases, [lib_find], [lib_table, lib_pick], api_name="releases")
        lib_upload.upload(upload, [lib_upload, lib_find, sum_find, sum_pick], [lib_report, lib_upload, *lists],
                          api_visibility="private")
        lib_delete.click(delete, [lib_pick, lib_find, sum_find, sum_pick], [lib_report, *lists],
                         api_visibility="private")
        lib_reindex.click(reindex, [lib_find, sum_find, sum_pick], [lib_report, *lists],
                          api_visibility="private")
        demo.load(refresh, [lib_find, sum_find, sum_pick], lists, api_visibility="private")
    demo.queue(default_concurrency_limit=2)
    return demo


COPY_JS = """
async (text) => {
  const button = document.getElementById('copy-answer');
  const say = (words) => { if (!button) return; const old = button.dataset.label || button.textContent;
    button.dataset.label = old; button.textContent = words; setTimeout(() => { button.textContent = old; }, 1800); };
  if (!text) { say('Nothing to copy yet'); return []; }
  try { await navigator.clipboard.writeText(text); }
  catch (e) { const t = document.createElement('textarea'); t.value = text; document.body.appendChild(t);
    t.select(); document.execCommand('copy'); t.remove(); }
  window.__copiedAnswer = text;
  say('Copied ✓');
  return [];
}
"""
