"""One writing process per embedded index: an advisory lock file in the data folder.

Chroma's embedded mode keeps each collection's vector index in the memory of every process that opens it
and does not notice another process's writes: a server whose folder another process ingested into answered
500 ("Error finding id") until restarted. So a data folder has one writer at a time. ``assistant serve``
holds the lock for its whole life (it writes: uploads, deletes, re-index); ``ingest`` and ``delete`` hold it
while they write, and a second writer is told who holds it instead of breaking the first. Processes that
only read (``ask``, ``search``) take no lock. Several processes serving one index share a ``chroma run``
server (``ASSISTANT_CHROMA_URL``) instead, and follow each other's writes (see ``keyword.py``).

``fcntl.flock`` is released by the kernel when its process ends, however it ends (a ``kill -9`` included),
so a crashed writer never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import AssistantError

LOCK_NAME = "writer.lock"
_held: dict[str, list[int]] = {}  # lock file -> [fd, holds]: re-entrant within this process
_guard = threading.Lock()


class IndexBusy(AssistantError):
    """Another process writes to this embedded index."""

    status = 409
    code = "index_busy"


def acquire(folder: Path) -> None:
    """Take the writer lock of ``folder`` (again, if this process has it), or raise ``IndexBusy`` naming the holder."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock, as before
        return
    key = str(folder / LOCK_NAME)
    with _guard:
        if key in _held:
            _held[key][1] += 1
            return
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 300, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise IndexBusy(
                f"the index in {folder} is being written by {holder}. Ingest through that server "
                "(POST /api/v1/releases or the web page), or stop it first; for several processes on one "
                "index, run a Chroma server and set ASSISTANT_CHROMA_URL"
            ) from None
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200] if sys.argv else "python"
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} ({command})".encode(), 0)
        _held[key] = [fd, 1]


def release(folder: Path) -> None:
    """Give back one hold of ``folder``'s lock; the last one unlocks it."""
    key = str(folder / LOCK_NAME)
    with _guard:
        entry = _held.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _held[key]
            os.close(entry[0])  # closing the only descriptor releases the flock


@contextmanager
def writing(folder: Path | None) -> Iterator[None]:
    """Hold ``folder``'s writer lock for the block (nothing for an index on a Chroma server: ``folder`` None)."""
    if folder is None:
        yield
        return
    acquire(folder)
    try:
        yield
    finally:
        release(folder)
