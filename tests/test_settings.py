from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.settings import Settings, describe

from .conftest import ROOT


def test_env_beats_dotenv_beats_default(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("ASSISTANT_TOP_K=7\nASSISTANT_PORT=9000\n")
    s = Settings.from_env({"ASSISTANT_PORT": "8123"}, dotenv=dotenv)
    assert (s.top_k, s.port, s.chunk_tokens) == (7, 8123, 256)


def test_overrides_win_and_none_is_ignored() -> None:
    s = Settings.from_env({"ASSISTANT_DATA_DIR": "/x"}, dotenv=None, data_dir=None, port=1234)
    assert s.data_dir == Path("/x") and s.port == 1234


@pytest.mark.parametrize("env,needle", [
    ({"ASSISTANT_TOP_K": "many"}, "ASSISTANT_TOP_K='many' is not a valid int"),
    ({"ASSISTANT_CHUNK_TOKENS": "8"}, "ASSISTANT_CHUNK_TOKENS=8"),
    ({"ASSISTANT_COLLECTION": "a b"}, "ASSISTANT_COLLECTION"),
])
def test_bad_values_name_the_setting(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(needle)):
        Settings.from_env(env, dotenv=None)


def test_readme_documents_every_setting_and_command() -> None:
    from assistant.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for env, _default, help_text in describe():
        assert env in readme, f"{env} is missing from README.md"
        assert help_text, f"{env} has no docstring in settings.py"
    for name in cli.commands:
        assert f"assistant {name}" in readme, f"command 'assistant {name}' is missing from README.md"
