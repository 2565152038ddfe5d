"""Real servers as child processes for tests: start one on a free port, wait until it answers, stop it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def child_server(cmd: Sequence[str], *, name: str, log_path: Path, ready: Callable[[], bool], timeout: float,
                 env: Mapping[str, str] | None = None, poll: float = 0.1) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` until the block ends, once ``ready()`` is true; a clear error if it dies or stays silent.

    ``ready`` may raise ``httpx.HTTPError`` (or ``OSError``) while the server is still starting.
    """
    import httpx

    with log_path.open("wb") as log:
        proc = subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=dict(env) if env is not None else None)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {log_path}")
                try:
                    if ready():
                        break
                except (httpx.HTTPError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer within {timeout:.0f} s; see {log_path}")
                time.sleep(poll)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
