"""Checks of user input that the CLI, the API and the UI share: date ranges, backend names, summary requests.

Each check raises ``BadInput`` naming the field as the caller labels it (the UI says "From" where the
API says "since"), so that a person sees the name of the box they typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.errors import BadInput, ConfigError

# Ids one summary may name: a summary of more cannot be read, and each id costs a store lookup.
MAX_SUMMARY_IDS = 50
DEFAULT_FORMATS = ("brief", "bullets", "social", "newsletter", "exec")
FORMAT_HELP = {
    "brief": "a short paragraph: what happened, why it matters, what is next",
    "bullets": "the key facts as a bulleted list",
    "social": "a post of a few lines for social media",
    "newsletter": "a headline and a paragraph for a newsletter",
    "exec": "an executive summary: the essentials for a decision maker",
}


def filters(since: str | None = None, until: str | None = None, sources: Sequence[str] | None = (),
            release_ids: Sequence[str] | None = (), *, labels: tuple[str, str] = ("since", "until")) -> Any:
    """``Filters`` from loose user input; a bad date names its field (``labels``), a reversed range says so."""
    from assistant.retrieval import Filters

    since_label, until_label = labels
    try:
        start = Filters.from_input(since, None).since
    except BadInput as e:
        raise BadInput(e.message.replace("since ", f"{since_label} ", 1)) from None
    try:
        end = Filters.from_input(None, until).until
    except BadInput as e:
        raise BadInput(e.message.replace("until ", f"{until_label} ", 1)) from None
    if start and end and _first_day(start) > _last_day(end):
        raise BadInput(f"{since_label} ({start}) is after {until_label} ({end}): swap them to search "
                       "between the two dates")
    return Filters(since=start, until=end, sources=tuple(s for s in sources or () if s),
                   release_ids=tuple(release_ids or ()))


def _first_day(value: str) -> str:
    return f"{value}-01-01" if len(value) == 4 else value


def _last_day(value: str) -> str:
    return f"{value}-12-31" if len(value) == 4 else value


def date_range_text(since: str | None, until: str | None) -> str:
    """The dates an answer covers, in words ("" when unfiltered)."""
    if since and until:
        return f"releases from {since} to {until}"
    if since:
        return f"releases from {since} on"
    if until:
        return f"releases up to {until}"
    return ""


def check_answerer(assistant: Any, name: str | None) -> None:
    """A backend named by a user that does not exist is their mistake (422), not a server error."""
    if name:
        try:
            assistant.answerer(name)
        except ConfigError as e:
            raise BadInput(e.message, code="unknown_backend") from None


def check_summarizer(assistant: Any, name: str | None) -> None:
    if name:
        try:
            assistant.summarizer(name)
        except ConfigError as e:
            raise BadInput(e.message, code="unknown_backend") from None


def summary_formats() -> list[str]:
    """The summary formats the installed summaries module offers."""
    try:
        from assistant.summaries import FORMATS
    except ImportError:
        return list(DEFAULT_FORMATS)
    return list(FORMATS) or list(DEFAULT_FORMATS)


def summary_ids(release_ids: Sequence[str] | None) -> list[str] | None:
    """The ids a summary names, blanks dropped and duplicates removed; at most ``MAX_SUMMARY_IDS``."""
    ids = list(dict.fromkeys(r for r in release_ids or [] if r))
    if len(ids) > MAX_SUMMARY_IDS:
        raise BadInput(f"a summary can cover at most {MAX_SUMMARY_IDS} releases ({len(ids)} were chosen): "
                       "choose fewer, or summarise by topic or dates", code="too_many_releases")
    return ids or None
