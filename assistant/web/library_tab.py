"""The Library tab: the indexed releases (searchable, counted, previewed on a click), uploads, re-indexing, and
deleting a release after a confirmation that names it by its title.

Who may change the library is decided by ``uploads.library_writes_error`` (a signed-in session, or a loopback
demo without keys); files are read only from Gradio's upload folder (``uploads.read_uploads``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError, BadInput
from assistant.web.catalogue import Catalogue
from assistant.web.render import display_title, esc, render_preview, render_report
from assistant.web.uploads import library_writes_error, read_uploads

Lists = Callable[[str, str, list[str]], tuple[Any, ...]]  # (library search, summary search, picked) -> list updates
N_LISTS = 6  # values ``Catalogue.updates`` returns


class LibraryTab:
    """The library's callbacks, layout and events; ``refresh`` gives fresh values for every release list."""

    def __init__(self, assistant: Assistant, catalogue: Catalogue, refresh: Lists) -> None:
        self.assistant = assistant
        self.catalogue = catalogue
        self.refresh = refresh

    # ---- callbacks -----------------------------------------------------------------------------
    def upload(self, files: list[str] | None, lib_find: str, sum_find: str, picked: list[str], request: gr.Request,
               progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            return (gr.skip(),) * (2 + N_LISTS)
        denied = library_writes_error(self.assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", None, *(gr.skip(),) * N_LISTS)
        progress(0, desc="Reading files")
        try:
            named = read_uploads(list(files), int(self.assistant.settings.max_file_mb * 1_000_000))
        except BadInput as e:
            return (f"<p class='warn'>⚠️ {esc(e.message)}</p>", None, *(gr.skip(),) * N_LISTS)
        report = self.assistant.add_files(named, progress=lambda n, total, name: progress(
            (n - 1, total), desc=f"Indexing {name}", unit="files"))
        return (render_report(report), None, *self.refresh(lib_find, sum_find, picked))

    def ask_delete(self, release_id: str | None) -> tuple[Any, ...]:
        """Deleting asks first, naming the release by its title."""
        if not release_id:
            return "<p class='warn'>Choose a release to delete.</p>", gr.update(visible=False)
        return (f"<p class='warn' id='lib-confirm-text'>Delete “{esc(self.title(release_id))}”? It is removed from "
                "the index; its file, if any, stays where it is.</p>", gr.update(visible=True))

    def delete(self, release_id: str | None, lib_find: str, sum_find: str, picked: list[str], request: gr.Request
               ) -> tuple[Any, ...]:
        hide = gr.update(visible=False)
        if not release_id:
            return ("<p class='warn'>Choose a release to delete.</p>", hide, *(gr.skip(),) * N_LISTS)
        denied = library_writes_error(self.assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", hide, *(gr.skip(),) * N_LISTS)
        title = self.title(release_id)
        try:
            self.assistant.delete(release_id)
        except AssistantError as e:
            return (f"<p class='warn'>⚠️ {esc(e.message)}</p>", hide, *(gr.skip(),) * N_LISTS)
        return (f"<p class='ok'>Deleted “{esc(title)}”.</p>", hide, *self.refresh(lib_find, sum_find, picked))

    def title(self, release_id: str) -> str:
        try:
            return display_title(self.assistant.release(release_id).title or release_id)
        except AssistantError:
            return release_id

    def reindex(self, lib_find: str, sum_find: str, picked: list[str], request: gr.Request,
                progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        denied = library_writes_error(self.assistant, bool(request.username))
        if denied:
            return (f"<p class='warn'>{esc(denied)}</p>", *(gr.skip(),) * N_LISTS)
        progress(0, desc="Re-indexing")
        report = self.assistant.reindex(progress=lambda n, total, name: progress(
            (n - 1, total), desc=f"Re-reading {Path(name).name}", unit="files"))
        return (render_report(report, title="Re-index"), *self.refresh(lib_find, sum_find, picked))

    def find_releases(self, find: str) -> tuple[Any, ...]:
        rows = self.catalogue.find(find)
        return (self.catalogue.table(rows), gr.update(choices=self.catalogue.choices(rows), value=None),
                self.catalogue.count_text(rows, find))

    def preview(self, find: str, event: gr.SelectData) -> tuple[Any, ...]:
        rows = self.catalogue.find(find)
        row = event.index[0] if isinstance(event.index, list | tuple) else event.index
        if not isinstance(row, int) or not 0 <= row < len(rows):
            return gr.skip(), gr.skip()
        release = self.assistant.release(rows[row][0].id)
        return render_preview(release), gr.update(value=release.id)

    # ---- layout (inside the tab) and events ----------------------------------------------------
    def layout(self) -> None:
        rows = self.catalogue.find()
        with gr.Row():
            self.find = gr.Textbox(label="Search the library", placeholder="Title, source or date",
                                   elem_id="lib-find", scale=4)
            self.reindex_btn = gr.Button("Re-index", elem_id="lib-reindex", scale=1, min_width=100)
        self.count = gr.HTML(self.catalogue.count_text(rows), elem_id="lib-count")
        self.table = gr.Dataframe(headers=["Title", "Date", "Source", "Chunks"], value=self.catalogue.table(rows),
                                  datatype=["str", "str", "str", "number"], interactive=False,
                                  wrap=True, max_height=420, elem_id="lib-table",
                                  column_widths=["52%", "18%", "20%", "10%"])
        self.preview_html = gr.HTML("", elem_id="lib-preview")
        with gr.Row(equal_height=False):
            with gr.Column():
                self.upload_box = gr.File(label="Add releases: drop files here (html, htm, txt, md, pdf, json, "
                                                "jsonl)", file_count="multiple", elem_id="lib-upload", height=140)
                self.report = gr.HTML("", elem_id="lib-report")
            with gr.Column():
                self.pick = gr.Dropdown(label="Release to delete", choices=self.catalogue.choices(rows), value=None,
                                        filterable=True, elem_id="lib-pick")
                self.delete_btn = gr.Button("Delete release…", variant="stop", elem_id="lib-delete")
                with gr.Row(visible=False, elem_id="lib-confirm") as self.confirm:
                    self.yes = gr.Button("Yes, delete it", variant="stop", elem_id="lib-delete-yes", size="sm")
                    self.no = gr.Button("Cancel", elem_id="lib-delete-no", size="sm")

    def wire(self, lists: list[Any], searches: list[Any]) -> None:
        """``lists``: every component ``Catalogue.updates`` refreshes, in its order; ``searches``: the summary
        search box and picker, whose values a refresh keeps."""
        self.find.change(self.find_releases, [self.find], [self.table, self.pick, self.count], api_name="releases")
        self.table.select(self.preview, [self.find], [self.preview_html, self.pick], api_visibility="private")
        self.upload_box.upload(self.upload, [self.upload_box, self.find, *searches],
                               [self.report, self.upload_box, *lists], api_visibility="private")
        self.delete_btn.click(self.ask_delete, [self.pick], [self.report, self.confirm], api_visibility="private")
        self.no.click(lambda: ("", gr.update(visible=False)), None, [self.report, self.confirm],
                      api_visibility="private")
        self.yes.click(self.delete, [self.pick, self.find, *searches], [self.report, self.confirm, *lists],
                       api_visibility="private")
        self.reindex_btn.click(self.reindex, [self.find, *searches], [self.report, *lists], api_visibility="private")
