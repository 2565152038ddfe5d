"""Serving the web app: index the corpus folder, build the app, run uvicorn (``assistant serve``, ``app.py``).

A restart with nothing new costs a hash of each corpus file: the folder's file hashes and the releases they
gave are saved beside the index after each ingest, and compared on the next start.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from assistant.core import Assistant
from assistant.corpus import iter_files
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.text import visible
from assistant.web.app import create_app

# What the saved folder state means; a state saved by other code gets one full check. Raise it when readers learn
# something new to store about a release (2: ``date_inferred``), so an unchanged folder is read once again.
STATE_VERSION = 2


def serve(settings: Settings) -> None:
    """Index the corpus folder, build the web app and serve it until stopped (``assistant serve``, ``app.py``).

    An empty index is filled from the corpus folder before serving, so that the first question is
    answered from it. An index that already holds releases is served at once, and the folder is
    checked in a background thread: an unchanged folder costs a hash of each file, a changed one is
    ingested (changed releases replace theirs while answers come from the current version).
    "serving on ..." is logged once the server answers.
    """

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log = logging.getLogger("assistant.serve")
    assistant = Assistant(settings)
    assistant.store.claim()  # the one writer of an embedded index while it serves (assistant/locking.py)
    # Gradio's import takes seconds and needs none of the index: do it while the corpus is checked
    preload = threading.Thread(target=importlib.import_module, args=("gradio",), daemon=True)
    preload.start()
    folder = Path(settings.corpus_dir) if settings.corpus_dir else None
    if folder is not None and folder.is_dir():
        if assistant.store.counts()["releases"]:
            threading.Thread(target=_index_folder, args=(assistant, folder, log), name="corpus-check",
                             daemon=True).start()
        else:
            _index_folder(assistant, folder, log)
    assistant.search("warm up")  # loads the model, the vector index and the keyword tables before the first user
    preload.join()
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(assistant), host=settings.host, port=settings.port,
                                           log_level="warning"))
    url = f"http://{settings.host}:{settings.port}"
    threading.Thread(target=_announce, args=(server, url, log), name="announce", daemon=True).start()
    server.run()


def _index_folder(assistant: Any, folder: Path, log: Any) -> None:
    """Ingest ``folder`` unless it and its releases are as the last ingest left them (file hashes only)."""

    s = assistant.settings
    where = visible(str(folder))
    state_file = Path(s.data_dir) / f"{s.collection}-corpus-state.json"
    files: dict[str, str] = {}
    try:
        files = _file_hashes(folder)
        saved = json.loads(state_file.read_text(encoding="utf-8")) if state_file.is_file() else {}
    except (OSError, ValueError):  # an unreadable or broken state file only means a full check
        saved = {}
    releases = saved.get("releases") if isinstance(saved, dict) else None
    if (releases and saved.get("version") == STATE_VERSION and saved.get("folder") == str(folder.resolve())
            and saved.get("files") == files
            and assistant.store.release_hashes(list(releases)) == releases):
        log.info("indexed %s: nothing changed (%d files, checked by hash)", where, len(files))
        return
    try:
        report = assistant.ingest([folder])
    except AssistantError as e:
        log.error("indexing %s failed: %s", where, visible(e.message))
        return
    log.info("indexed %s: %s", where, report.summary())
    for r in report.rejected:
        log.warning("skipped %s: %s", visible(r.path), visible(r.reason))
    ids = report.added + report.updated + report.unchanged
    state = {"version": STATE_VERSION, "folder": str(folder.resolve()), "files": files,
             "releases": assistant.store.release_hashes(ids)}
    tmp = state_file.with_name(f".{state_file.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, state_file)
    except OSError as e:
        log.warning("could not save %s (%s): the next start reads the whole folder again", state_file, e)


def _file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file an ingest of ``folder`` reads, by path (taken before the ingest reads them)."""

    return {str(f.resolve()): hashlib.sha256(f.read_bytes()).hexdigest() for f, _ in iter_files([folder])}


def _announce(server: Any, url: str, log: Any) -> None:
    """Log the address once uvicorn has bound its socket and finished the app's start-up (it answers then)."""

    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    log.info("serving on %s", url)
