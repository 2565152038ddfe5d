"""The hot path stays light: serving and ``assistant ask`` load neither llama-index nor openai unless an LLM
backend or the llama-index integration is used. Each case runs in a fresh interpreter and reads ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SEED_QUESTION

# ``llama_index`` alone is a namespace package without code: locating the punkt data that llama-index-core ships
# (assistant/chunking.py) puts it in sys.modules; what costs seconds is llama_index.core and the integrations.
REPORT = """
import json, sys
print(json.dumps(sorted({'.'.join(m.split('.')[:2]) for m in sys.modules
                         if m.startswith(('llama_index.', 'openai'))})))
"""


def loaded_after(code: str, data_dir: Path) -> list[str]:
    """Top-level heavy packages imported after running ``code`` in a fresh interpreter."""
    env = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False", "ASSISTANT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code + REPORT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the seed release, so that ``ask`` runs retrieval and composes a cited answer."""
    data = tmp_path_factory.mktemp("imports-data")
    seed = str(ROOT / "corpus" / "000_db7f590154eb122a.txt")
    loaded_after(f"from assistant.core import Assistant\nAssistant().ingest([{seed!r}])\n", data)
    return data


def test_serving_builds_the_app_without_llama_index_or_openai(seeded: Path) -> None:
    """The whole web app (API and UI) built, and a question answered through it."""
    code = ("from assistant.web.app import create_app\n"
            "from fastapi.testclient import TestClient\n"
            "client = TestClient(create_app(), base_url='http://127.0.0.1')\n"
            f"r = client.post('/api/v1/ask', json={{'question': {SEED_QUESTION!r}}})\n"
            "assert r.status_code == 200 and 'July 30, 2022' in r.json()['answer'], r.text\n")
    assert loaded_after(code, seeded) == []


def test_ask_answers_without_llama_index_or_openai(seeded: Path) -> None:
    code = ("from click.testing import CliRunner\nfrom assistant.cli import cli\n"
            f"r = CliRunner().invoke(cli, ['ask', {SEED_QUESTION!r}])\n"
            "assert r.exit_code == 0 and 'July 30, 2022' in r.output, r.output\n")
    assert loaded_after(code, seeded) == []


def test_the_integration_and_the_llm_backend_load_them_when_used(seeded: Path) -> None:
    """The check above can fail: the same probe sees the packages once they are really used."""
    assert "llama_index.core" in loaded_after("import assistant.llama_index\n", seeded)
    code = ("from assistant.core import Assistant\nfrom assistant.settings import Settings\n"
            "a = Assistant(Settings.from_env().with_(llm_base_url='http://127.0.0.1:9/v1', llm_model='m'))\n"
            "a.llm().client()\n")
    assert "openai" in loaded_after(code, seeded)
