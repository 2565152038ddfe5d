"""A real ``chroma run`` server for the server-mode tests, and a runner that wraps a command in one.

``python -m tests.chroma_server CMD...`` starts a server on a free port of 127.0.0.1 with its data in a
temporary folder, runs CMD with ``PRESS_TEST_CHROMA_URL`` set to the server's URL (tests/conftest.py then
points every test index at it), stops the server and exits with CMD's status. ``make test`` uses it to run
the store, ingest and API tests a second time against the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import child_server, free_port

ENV = "PRESS_TEST_CHROMA_URL"


def _chroma_command() -> str:
    beside = Path(sys.executable).with_name("chroma")
    found = str(beside) if beside.exists() else shutil.which("chroma")
    if not found:
        raise RuntimeError("the `chroma` command (from the chromadb package) is not installed")
    return found


@contextmanager
def chroma_server(path: Path | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Run ``chroma run`` until the block ends; yields its base URL once its heartbeat answers."""
    import httpx

    port = free_port()
    owned = path is None
    folder = Path(tempfile.mkdtemp(prefix="chroma-server-")) if path is None else path
    url = f"http://127.0.0.1:{port}"
    cmd = [_chroma_command(), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    try:
        with child_server(cmd, name="chroma run", log_path=folder.parent / f"{folder.name}.log", timeout=timeout,
                          ready=lambda: httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200):
            yield url
    finally:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tests.chroma_server COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with chroma_server() as url:
        print(f"chroma server at {url}", file=sys.stderr, flush=True)
        return subprocess.call(argv, env={**os.environ, ENV: url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
