"""Helpers for tests that talk real HTTP: run an app with uvicorn on 127.0.0.1, build small private indexes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .conftest import CORPUS, SEED, make_assistant
from .processes import free_port

# a few bundled releases: enough for answers and filters, quick to embed
SMALL_CORPUS = [
    SEED,
    CORPUS / "2021-07-12-northwind-grid-appoints-elena-marchetti-chief-financial-officer.txt",
    CORPUS / "2023-01-19-northwind-grid-completes-gridsense-smart-meter-rollout.txt",
]


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; yields the base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def small_index(data_dir: Path, embedder: Any, files: list[Path] | None = None, **settings: Any) -> Any:
    """A private, writable index of a few bundled releases."""
    settings.setdefault("corpus_dir", "")
    assistant = make_assistant(data_dir, embedder, **settings)
    report = assistant.ingest(files or SMALL_CORPUS)
    assert not report.rejected, report.rejected
    return assistant


def with_settings(assistant: Any, **changes: Any) -> Any:
    """Another Assistant over the same loaded index and model, with some settings changed (e.g. auth)."""
    from assistant.core import Assistant

    other = Assistant(assistant.settings.with_(**changes))
    for part in ("embedder", "store", "keyword", "retriever"):
        other.__dict__[part] = getattr(assistant, part)
    return other
