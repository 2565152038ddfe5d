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


def test_a_restart_skips_an_unchanged_folder_unless_its_state_is_from_other_code(tmp_path: Path, embedder,  # type: ignore[no-untyped-def]
                                                                              caplog) -> None:
    """A restart with nothing new hashes the files and reads none; a state saved by code that stored less about
    each release (no ``version``, before ``date_inferred``) gets one full check, which brings the records up to date."""
    import json
    import logging

    from assistant.web.serve import STATE_VERSION, _index_folder

    from .conftest import make_assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    assistant = make_assistant(tmp_path / "data", embedder, corpus_dir=str(corpus))
    log = logging.getLogger("test-serve")
    with caplog.at_level(logging.INFO, logger="test-serve"):
        _index_folder(assistant, corpus, log)
        _index_folder(assistant, corpus, log)
        state_file = tmp_path / "data" / f"{assistant.settings.collection}-corpus-state.json"
        state = json.loads(state_file.read_text(encoding="utf-8"))
        assert state["version"] == STATE_VERSION
        del state["version"]
        state_file.write_text(json.dumps(state), encoding="utf-8")
        _index_folder(assistant, corpus, log)
    lines = [r.getMessage() for r in caplog.records]
    assert "1 added" in lines[0] and "nothing changed" in lines[1] and "1 unchanged" in lines[2], lines
    assert assistant.releases()[0][0].date_inferred  # the seed page states no date of its own
