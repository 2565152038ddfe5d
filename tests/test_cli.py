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
    assert "about 2022-07-30 (date inferred)" in result.output  # the page states no date of its own

    result = runner.invoke(cli, ["releases", "--data-dir", data, "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) >= 21 and {"id", "title", "date", "date_inferred", "chunks"} <= set(rows[0])
    assert [r["date"] for r in rows if r["date_inferred"]] == ["2022-07-30"]
    listed = runner.invoke(cli, ["releases", "--data-dir", data]).output
    assert "~2022-07-30  Strategic Cooperation" in listed and " 2019-02-21  Northwind" in listed


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


def test_ask_loads_neither_nltk_nor_gradio(corpus_index) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    s = corpus_index.settings
    code = ("import sys; from assistant.cli import cli\n"
            f"cli(['ask', {SEED_QUESTION!r}, '--data-dir', {str(s.data_dir)!r}], standalone_mode=False)\n"
            "print(sorted(m for m in ('nltk', 'gradio', 'torch', 'llama_index') if m in sys.modules))")
    env = {**os.environ, "ASSISTANT_CHROMA_URL": s.chroma_url, "ASSISTANT_COLLECTION": s.collection}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env=env).stdout
    assert "July 30, 2022" in out  # it did answer
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", [["ask", "Who signed?"], ["search", "agreement"], ["releases"],
                                     ["summarize", "-q", "smart meters"], ["delete", "x.txt"]])
def test_commands_on_an_empty_index_say_so_and_create_nothing(tmp_path: Path, command: list[str]) -> None:
    data = tmp_path / "nowhere"
    result = CliRunner().invoke(cli, [*command, "--data-dir", str(data)])
    assert result.exit_code == 1
    assert f"nothing is indexed in {data.resolve()}" in result.output and "assistant ingest" in result.output
    assert not data.exists() and not (tmp_path / "data").exists()


def test_an_index_emptied_by_deletes_is_empty_too(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    data = str(tmp_path / "idx")
    assert CliRunner().invoke(cli, ["ingest", str(folder), "--data-dir", data]).exit_code == 0
    assert CliRunner().invoke(cli, ["delete", "seed.txt", "--data-dir", data]).exit_code == 0
    result = CliRunner().invoke(cli, ["ask", SEED_QUESTION, "--data-dir", data])
    assert result.exit_code == 1 and "nothing is indexed" in result.output


def test_serve_fills_an_empty_index_first_then_restarts_without_waiting_for_the_corpus(
        tmp_path: Path, corpus_copy: Path) -> None:
    """First start: the corpus is indexed before serving. Restarts: served at once, the corpus checked beside
    (by file hashes when nothing changed; a changed file is re-indexed).

    Each time "serving on" appears only when the server answers: a request right after it succeeds.
    """
    import os
    import re
    import sys
    import time

    import httpx

    from .processes import child_server, free_port

    data = tmp_path / "idx"
    expected = {"first": r"indexed .*: [1-9][0-9]* added",
                "restart": r"indexed .*: nothing changed \([1-9][0-9]* files, checked by hash\)",
                "changed": r"indexed .*: 0 added, 1 updated, [1-9][0-9]* unchanged"}
    for start, pattern in expected.items():
        if start == "changed":
            cfo = corpus_copy / "2021-07-12-northwind-grid-appoints-elena-marchetti-chief-financial-officer.txt"
            text = cfo.read_text(encoding="utf-8")
            assert "financial officer in 2007." in text
            cfo.write_text(text.replace("financial officer in 2007.", "financial officer in 2007, from Harlow Bay."),
                           encoding="utf-8")
        port, log = free_port(), tmp_path / f"{start}.log"
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_CORPUS_DIR": str(corpus_copy),
               "ASSISTANT_PORT": str(port), "ASSISTANT_REQUIRE_KEY_FOR_READS": "false"}
        with child_server([sys.executable, str(ROOT / "app.py")], name="app.py", log_path=log, timeout=300,
                          env=env, ready=lambda log=log: "serving on" in log.read_text(errors="replace")):
            r = httpx.post(f"http://127.0.0.1:{port}/api/v1/ask", json={"question": SEED_QUESTION}, timeout=60)
            assert r.status_code == 200 and "July 30, 2022" in r.json()["answer"]
            text = log.read_text(errors="replace")
            assert text.count("serving on") == 1
            if start == "first":  # an empty index is filled before serving
                assert re.search(pattern, text.split("serving on")[0]), text
            else:  # the check runs beside the server
                deadline = time.monotonic() + 120
                while "indexed " not in log.read_text(errors="replace") and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert re.search(pattern, log.read_text(errors="replace")), log.read_text(errors="replace")


def test_the_cold_start_benchmark_times_the_real_command(tmp_path: Path) -> None:
    """Timed from a small parent, as the benchmark runs it: a child forked from this large pytest process starts
    with the parent's resident pages counted in its peak RSS."""
    import subprocess
    import sys

    code_ = ("import json, sys; from pathlib import Path; from benchmarks.cli_start import _env, timed\n"
             f"print(json.dumps(timed(['--help'], _env(Path({str(tmp_path / 'pycache')!r}), Path({str(ROOT)!r})))))")
    done = subprocess.run([sys.executable, "-c", code_], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu, rss, code, out = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0 and "ingest" in out and "ask" in out
    assert cpu > 0 and wall > 0 and 10 < rss < 200  # a Python process that imported click, not torch or chromadb


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
