"""What the UI may read and change: who may change the library, and reading files from Gradio's upload folder.

A Gradio request names the path of each uploaded file itself, so a path is never trusted: only regular
files inside the upload folder are read, each within the size limit, and each is deleted once read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from assistant.core import Assistant
from assistant.errors import BadInput
from assistant.web.guards import is_loopback

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
