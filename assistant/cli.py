"""The ``assistant`` command: ingest, ask, search, summarize, releases, delete, serve.

Every command takes ``--data-dir`` (or ``ASSISTANT_DATA_DIR``) and prints readable text, or
JSON with ``--json``. Commands call the same ``Assistant`` methods as the API and the UI.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from assistant.errors import AssistantError

F = TypeVar("F", bound=Callable[..., Any])


def common(func: F) -> F:
    """--data-dir on every command, and AssistantError shown as a clean message with exit code 1."""

    @click.option("--data-dir", type=click.Path(path_type=Path), default=None,
                  help="Index folder (default: ASSISTANT_DATA_DIR or ./data).")
    @wraps(func)
    def wrapper(*args: Any, data_dir: Path | None, **kwargs: Any) -> Any:
        from assistant.core import Assistant
        from assistant.settings import Settings

        try:
            settings = Settings.from_env(data_dir=data_dir)
            return func(Assistant(settings), *args, **kwargs)
        except AssistantError as e:
            click.echo(f"Error: {e.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def filter_options(func: F) -> F:
    func = click.option("--source", "sources", multiple=True, help="Only releases from this source (repeatable).")(func)
    func = click.option("--until", help="Only releases published on or before this date (YYYY-MM-DD or YYYY).")(func)
    func = click.option("--since", help="Only releases published on or after this date (YYYY-MM-DD or YYYY).")(func)
    return func


def _filters(since: str | None, until: str | None, sources: tuple[str, ...]) -> Any:
    from assistant.retrieval import Filters

    return Filters.from_input(since, until, sources)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="press-room-assistant")
def cli() -> None:
    """Answer questions over press releases, with citations.

    \b
    Examples:
      assistant ingest corpus/
      assistant ask "When did China Unicom sign the agreement with Shandong Heavy Industry?"
      assistant serve --port 7860
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove releases whose files under PATHS are gone.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@common
def ingest(assistant: Any, paths: tuple[Path, ...], prune: bool, as_json: bool) -> None:
    """Index press-release files and folders (html, txt, md, pdf, json, jsonl), recursively.

    Unchanged releases are skipped; changed ones replace their old version; bad files are
    reported one line each and leave the index as it was.
    """
    report = assistant.ingest(paths, prune=prune, progress=None if sys.stderr.isatty() else _progress_lines())
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for r in report.rejected:
        click.echo(f"skipped {r.path}: {r.reason}", err=True)
    click.echo(report.summary())


def _progress_lines() -> Callable[[int, int, str], None]:
    """Progress for logs and pipes (a terminal gets a bar instead): a line every 5% of the files."""

    def show(n: int, total: int, path: str) -> None:
        if n == 1 or n == total or n % max(1, total // 20) == 0:
            click.echo(f"ingest: {n}/{total} files ({path})", err=True)

    return show


@cli.command()
@click.argument("question")
@filter_options
@click.option("--backend", help="Answerer backend (default: ASSISTANT_ANSWERER or extractive).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--previous", multiple=True, help="An earlier question that QUESTION follows (repeatable, oldest first).")
@common
def ask(assistant: Any, question: str, since: str | None, until: str | None, sources: tuple[str, ...],
        backend: str | None, as_json: bool, previous: tuple[str, ...]) -> None:
    """Answer QUESTION from the indexed releases, citing each sentence.

    Example: assistant ask "who signed it?" --previous "When did China Unicom sign with Shandong Heavy Industry?"
    """
    history = [{"role": "user", "content": p} for p in previous]
    answer = assistant.ask(question, filters=_filters(since, until, sources), backend=backend, history=history)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(answer.to_markdown())


@cli.command()
@click.argument("query")
@click.option("-k", "--top", "k", type=int, default=10, show_default=True, help="How many passages.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@common
def search(assistant: Any, query: str, k: int, since: str | None, until: str | None, sources: tuple[str, ...],
           as_json: bool) -> None:
    """Show the passages that best match QUERY, with scores."""
    for hit in assistant.search(query, k=k, filters=_filters(since, until, sources)):
        c = hit.chunk
        if as_json:
            click.echo(json.dumps({"score": round(hit.score, 4), "release_id": c.release_id, "title": c.title,
                                   "date": c.date, "text": c.text}, ensure_ascii=False))
        else:
            click.echo(f"{hit.score:.3f}  {c.date or '----------'}  {c.title}\n    {' '.join(c.text.split())[:200]}")


@cli.command()
@click.argument("release_ids", nargs=-1)
@click.option("-q", "--query", help="Summarise the releases that best match this topic.")
@filter_options
@click.option("-f", "--format", "fmt", type=click.Choice(["brief", "bullets", "social", "newsletter", "exec"]),
              default="brief", show_default=True,
              help="brief: headline + 3-sentence lede; bullets: up to 5; social: <= 280 characters; "
                   "newsletter: one paragraph; exec: what happened / why it matters / what is next.")
@click.option("--backend", help="Summary backend: extractive or openai (default: ASSISTANT_SUMMARIZER).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the draft with its sources to this file: .docx, .md or .txt.")
@click.option("--plain", is_flag=True, help="Print plain text instead of Markdown.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@common
def summarize(assistant: Any, release_ids: tuple[str, ...], query: str | None, since: str | None,
              until: str | None, sources: tuple[str, ...], fmt: str, backend: str | None, output: Path | None,
              plain: bool, as_json: bool) -> None:
    """Draft a cited summary of releases: by id, by topic (--query), or by --since/--until/--source.

    Every point cites its release [n]; quotes are verbatim; "About" paragraphs, contacts and
    forward-looking statements never appear.

    \b
    Examples:
      assistant summarize 000_db7f590154eb122a.txt
      assistant summarize -q "smart meters" -f bullets
      assistant summarize --since 2024-01-01 -f exec -o exec-brief.docx
    """
    from assistant.errors import BadInput

    suffix = output.suffix.lower() if output else ""
    if output and suffix not in {".docx", ".md", ".txt"}:
        raise BadInput(f"--output {output}: use a .docx, .md or .txt file name")
    summary = assistant.summarize(release_ids=list(release_ids) or None, query=query, since=since, until=until,
                                  sources=list(sources) or None, fmt=fmt, backend=backend)
    if output:
        if suffix == ".docx":
            output.write_bytes(summary.to_docx())
        else:
            output.write_text((summary.to_text() if suffix == ".txt" else summary.to_markdown()) + "\n",
                              encoding="utf-8")
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary.to_text() if plain else summary.to_markdown())
    unverified = summary.details.get("unverified", 0)
    if unverified:
        click.echo(f"note: {unverified} point(s) are not supported by the sources they cite (marked unverified)",
                   err=True)
    if output:
        click.echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@common
def releases(assistant: Any, as_json: bool) -> None:
    """List indexed releases, newest first."""
    for release, n in assistant.releases():
        if as_json:
            click.echo(json.dumps({"id": release.id, "title": release.title, "date": release.date,
                                   "source": release.source, "url": release.url, "chunks": n}, ensure_ascii=False))
        else:
            click.echo(f"{release.date or '----------'}  {release.title}  ({n} chunks)\n    {release.id}")


@cli.command()
@click.argument("release_id")
@common
def delete(assistant: Any, release_id: str) -> None:
    """Remove one release from the index."""
    assistant.delete(release_id)
    click.echo(f"deleted {release_id}")


@cli.command()
@click.option("--host", help="Address to listen on (default: ASSISTANT_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: ASSISTANT_PORT or 7860).")
@click.option("--corpus", "corpus_dir",
              help="Folder to ingest before serving (default: ASSISTANT_CORPUS_DIR or ./corpus).")
@common
def serve(assistant: Any, host: str | None, port: int | None, corpus_dir: str | None) -> None:
    """Serve the web UI at / and the JSON API at /api/v1."""
    from assistant.api import serve as run_server

    run_server(assistant.settings.with_(host=host, port=port, corpus_dir=corpus_dir))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
