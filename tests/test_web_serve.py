"""``assistant serve`` as a person starts it: a child process whose log says "serving on …" only once it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import ROOT, SEED
from .processes import free_port


def test_serve_announces_its_address_only_once_it_answers(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    port = free_port()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli import main; main()", "serve"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log: list[str] = []
    try:
        deadline = time.monotonic() + 240
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            if "serving on" in line:
                break
            assert time.monotonic() < deadline, "".join(log)
        else:
            raise AssertionError("the server stopped before serving:\n" + "".join(log))
        assert f"serving on http://127.0.0.1:{port}" in log[-1]
        health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10)  # no retry: it must answer now
        assert health.status_code == 200 and health.json()["releases"] == 1
        text = "".join(log)
        assert "corpus corpus" not in text and f"indexed {corpus}: 1 added" in text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
