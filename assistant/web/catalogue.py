"""The release lists the UI shows in several places: the Library table and its count, the pickers of the
Summarize and Library tabs, and the source filters.

Every list is read fresh from the ``Assistant`` (the index may change under a running app: an upload in
another session, a re-index, another process), and every value that comes from a release is escaped here
or by Gradio before it reaches the page.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.core import Assistant
from assistant.web.render import display_title, esc, release_label

MAX_CHOICES = 300  # releases offered in a checklist or dropdown at once; search narrows the rest
# The Library's date column marks a guessed date with this sign, explained under the table: the column stays
# one short line even at 400 px, where "about 2022-07-30 (inferred)" would break over three.
INFERRED_MARK = "*"


class Catalogue:
    """Lists of releases for tables, pickers and filters, found by a search text."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def find(self, needle: str = "") -> list[tuple[Any, int]]:
        """(release, chunk count) pairs, newest first, whose title, id, source or date contain ``needle``."""
        rows = self.assistant.releases()
        needle = (needle or "").strip().lower()
        if needle:
            rows = [(r, n) for r, n in rows
                    if needle in f"{r.title} {r.id} {r.source or ''} {r.date or ''}".lower()]
        return rows

    def sources(self) -> list[str]:
        return sorted({r.source for r, _ in self.assistant.releases() if r.source})

    @staticmethod
    def table(rows: list[tuple[Any, int]]) -> list[list[Any]]:
        """Rows of the Library table: title, date (a guessed one marked), source, chunks."""
        return [[display_title(r.title or r.id), (r.date or "") + (INFERRED_MARK if r.date and r.date_inferred else ""),
                 r.source or "", n] for r, n in rows]

    def count_text(self, rows: list[tuple[Any, int]], find: str = "") -> str:
        """How many releases the table shows (of how many), and what a marked date means when one is shown."""
        total = len(self.assistant.releases()) if (find or "").strip() else len(rows)
        shown = f"{len(rows)} of {total} releases match" if (find or "").strip() else f"{total} releases"
        legend = (f" {INFERRED_MARK} Date inferred: the release states none, so it was read from its text or web "
                  "address." if any(r.date and r.date_inferred for r, _ in rows) else "")
        return f"<p class='lib-count'>{esc(shown)}. Click a row to preview it.{esc(legend)}</p>"

    def choices(self, rows: list[tuple[Any, int]], keep: list[str] | None = None) -> list[tuple[str, str]]:
        """(label, release id) choices for a picker: the rows given, and the ``keep`` ids still picked."""
        keep = [k for k in keep or [] if k]
        choices = [(release_label(r), r.id) for r, _ in rows[:MAX_CHOICES]]
        shown = {rid for _, rid in choices}
        extra = [k for k in keep if k not in shown]
        if extra:
            found = {r.id: r for r, _ in self.assistant.releases() if r.id in set(extra)}
            choices = [(release_label(found[k]), k) for k in extra if k in found] + choices
        return choices

    def updates(self, lib_find: str = "", sum_find: str = "", picked: list[str] | None = None) -> tuple[Any, ...]:
        """Fresh values for every place that lists releases (after load, upload, delete, re-index), in the order
        library table, library picker, chat source filter, summary picker, summary source filter, library count."""
        lib_rows = self.find(lib_find)
        srcs = self.sources()
        picked = [p for p in picked or [] if p]
        sum_choices = self.choices(self.find(sum_find), picked)
        valid = {rid for _, rid in sum_choices}
        return (self.table(lib_rows),
                gr.update(choices=self.choices(lib_rows), value=None),
                gr.update(choices=srcs),
                gr.update(choices=sum_choices, value=[p for p in picked if p in valid]),
                gr.update(choices=srcs),
                self.count_text(lib_rows, lib_find))
