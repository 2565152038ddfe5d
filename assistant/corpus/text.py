"""Plain text and browser-saved page text -> ``Release``."""

from __future__ import annotations

from ..types import Release
from .decode import _clean_chars
from .release import _make_release


def _release_from_plain(text: str, *, name: str, id_base: str) -> Release:
    return _make_release(_clean_chars(text), release_id=id_base, path=name, light=False)
