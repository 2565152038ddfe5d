"""The real ``assistant`` command, driven through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli

from .conftest import CORPUS, ROOT, SEED, SEED_QUESTION


def test_help_lists_commands_without_importing_torch() -> None:
    import subprocess
    import sys

    code = "import sys; from assistant.cli import cli; sys.argv=['assistant','--help']\n" \
           "try:\n    cli()\nexcept SystemExit: pass\nprint('torch' in sys.modules, 'chromadb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "ingest" in out and "ask" in out
    assert out.strip().endswith("False False")


def test_ingest_then_ask_over_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "idx")
    result = runner.invoke(cli, ["ingest", str(CORPUS), "--data-dir", data])
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "0 rejected" in result.output

    result = runner.invoke(cli, ["ask", SEED_QUESTION, "--data-dir", data, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["covered"] and "July 30, 2022" in answer["answer"]
    assert answer["citations"][0]["title"].startswith("Strategic Cooperation Agreement Signed")

    result = runner.invoke(cli, ["ask", SEED_QUESTION, "--data-dir", data])
    assert "July 30, 2022" in result.output and "Sources:" in result.output and "[1]" in result.output

    result = runner.invoke(cli, ["releases", "--data-dir", data, "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) >= 21 and {"id", "title", "date", "chunks"} <= set(rows[0])


def test_bad_file_is_reported_one_line_with_summary(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.md").write_text("")
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--data-dir", str(tmp_path / "idx")])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("skipped")]
    assert len(lines) == 1 and "empty.md" in lines[0] and "empty" in lines[0].split(":", 1)[1]
    assert "1 added" in result.output and "1 rejected" in result.output


def test_user_errors_exit_1_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ask", "", "--data-dir", str(tmp_path / "idx")])
    assert result.exit_code == 1 and "Error: the question is empty" in result.output
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "missing"), "--data-dir", str(tmp_path / "idx")])
    assert result.exit_code == 1 and "no such file or folder" in result.output


@pytest.mark.parametrize("args,expected", [
    (["What was Northwind Grid's third-quarter 2022 revenue?"], "**$548 million**"),
    (["Who was CEO of Northwind Grid in 2023?"], "Dana Whitfield"),
    (["who signed it?", "--previous",
      "When did China Unicom and Shandong Heavy Industry sign their strategic cooperation agreement?"], "Tang Yongbo"),
])
def test_ask_reads_the_answer_over_the_cli(corpus_index, args: list[str], expected: str) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["ask", *args, "--data-dir", str(corpus_index.settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert expected in result.output.split("\nSources:")[0]


def test_ask_declines_over_the_cli(corpus_index) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["ask", "What did Northwind Grid say about its merger with Tesla?", "--json",
                                      "--data-dir", str(corpus_index.settings.data_dir)])
    assert result.exit_code == 0 and json.loads(result.stdout)["covered"] is False
