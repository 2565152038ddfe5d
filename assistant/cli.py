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
from assistant.text import visible, visible_json

F = TypeVar("F", bound=Callable[..., Any])


def echo(text: str, *, err: bool = False, lines: bool = False) -> None:
    """Print with control characters escaped: titles, file names and ids come from untrusted files.

    ``lines=True`` keeps newlines and tabs, for text whose lines we laid out; every field inside it
    that comes from a release must then be passed through ``visible`` first.
    """
    click.echo(visible(text, lines=lines), err=err)


def echo_json(data: Any, indent: int | None = 2) -> None:
    """JSON as it is, but for the characters JSON leaves raw that a terminal would act on."""
    click.echo(visible_json(json.dumps(data, ensure_ascii=False, indent=indent)))


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
            echo(f"Error: {e.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def require_index(assistant: Any) -> None:
    """Raise NotFound when nothing is indexed where the settings point, without creating that folder.

    Commands that read the index call it after checking their own input, so that a bad option is
    reported as such, and so that looking never leaves an empty ./data behind.
    """
    from assistant.errors import NotFound

    s = assistant.settings
    where = s.chroma_url or str(Path(s.data_dir).resolve())
    hint = f"nothing is indexed in {where}: run `assistant ingest FOLDER` first, or point --data-dir " \
           "(ASSISTANT_DATA_DIR) at an index"
    if not s.chroma_url and not (Path(s.data_dir) / "chroma" / "chroma.sqlite3").is_file():
        raise NotFound(hint)
    if not assistant.store.counts()["releases"]:
        raise NotFound(hint)


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
        echo_json(report.to_dict())
        return
    for r in report.rejected:
        echo(f"skipped {r.path}: {r.reason}", err=True)
    echo(report.summary())


def _progress_lines() -> Callable[[int, int, str], None]:
    """Progress for logs and pipes (a terminal gets a bar instead): a line every 5% of the files."""

    def show(n: int, total: int, path: str) -> None:
        if n == 1 or n == total or n % max(1, total // 20) == 0:
            echo(f"ingest: {n}/{total} files ({path})", err=True)

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
    from assistant.answering import check_question

    check_question(question, assistant.settings.max_question_chars)
    filters = _filters(since, until, sources)
    require_index(assistant)
    history = [{"role": "user", "content": p} for p in previous]
    answer = assistant.ask(question, filters=filters, backend=backend, history=history)
    if as_json:
        echo_json(answer.to_dict())
    else:
        echo(_visible_citations(answer).to_markdown(), lines=True)


@cli.command()
@click.argument("query")
@click.option("-k", "--top", "k", type=int, default=10, show_default=True, help="How many passages.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@common
def search(assistant: Any, query: str, k: int, since: str | None, until: str | None, sources: tuple[str, ...],
           as_json: bool) -> None:
    """Show the passages that best match QUERY, with scores."""
    from assistant.answering import check_question

    check_question(query, assistant.settings.max_question_chars)
    filters = _filters(since, until, sources)
    require_index(assistant)
    for hit in assistant.search(query, k=k, filters=filters):
        c = hit.chunk
        if as_json:
            echo_json({"score": round(hit.score, 4), "release_id": c.release_id, "title": c.title, "date": c.date,
                       "date_inferred": c.date_inferred, "text": c.text}, indent=None)
        else:
            echo(f"{hit.score:.3f}  {_date(c.date, c.date_inferred)}  {visible(c.title)}\n"
                 f"    {visible(' '.join(c.text.split())[:200])}", lines=True)


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
    require_index(assistant)
    summary = assistant.summarize(release_ids=list(release_ids) or None, query=query, since=since, until=until,
                                  sources=list(sources) or None, fmt=fmt, backend=backend)
    from assistant.documents import summary_to_docx, summary_to_markdown, summary_to_text

    if output:
        if suffix == ".docx":
            output.write_bytes(summary_to_docx(summary))
        else:
            text = summary_to_text(summary) if suffix == ".txt" else summary_to_markdown(summary)
            output.write_text(text + "\n", encoding="utf-8")
    if as_json:
        echo_json(summary.to_dict())
    else:
        shown = _visible_citations(summary)
        echo(summary_to_text(shown) if plain else summary_to_markdown(shown), lines=True)
    unverified = summary.details.get("unverified", 0)
    if unverified:
        echo(f"note: {unverified} point(s) are not supported by the sources they cite (marked unverified)", err=True)
    if output:
        echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@common
def releases(assistant: Any, as_json: bool) -> None:
    """List indexed releases, newest first."""
    require_index(assistant)
    for release, n in assistant.releases():
        if as_json:
            echo_json({"id": release.id, "title": release.title, "date": release.date,
                       "date_inferred": release.date_inferred, "source": release.source, "url": release.url,
                       "chunks": n}, indent=None)
        else:
            echo(f"{_date(release.date, release.date_inferred)}  {visible(release.title)}  ({n} chunks)\n"
                 f"    {visible(release.id)}", lines=True)


@cli.command()
@click.argument("release_id")
@common
def delete(assistant: Any, release_id: str) -> None:
    """Remove one release from the index."""
    require_index(assistant)
    assistant.delete(release_id)
    echo(f"deleted {release_id}")


@cli.command()
@click.option("--host", help="Address to listen on (default: ASSISTANT_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: ASSISTANT_PORT or 7860).")
@click.option("--corpus", "corpus_dir",
              help="Folder to ingest before serving (default: ASSISTANT_CORPUS_DIR or ./corpus).")
@common
def serve(assistant: Any, host: str | None, port: int | None, corpus_dir: str | None) -> None:
    """Serve the web UI at / and the JSON API at /api/v1."""
    from assistant.web.serve import serve as run_server

    run_server(assistant.settings.with_(host=host, port=port, corpus_dir=corpus_dir))


def _date(date: str | None, inferred: bool) -> str:
    """A date column for lists: ``~`` before a date the release does not state (inferred), dashes for none."""
    return f"{'~' if inferred else ' '}{visible(date)}" if date else " ----------"


def _visible_citations(result: Any) -> Any:
    """An Answer or Summary whose citation fields (one line each when printed) have control characters escaped."""
    from dataclasses import replace

    cites = tuple(replace(c, title=visible(c.title), release_id=visible(c.release_id), quote=visible(c.quote),
                          url=c.url and visible(c.url), date=c.date and visible(c.date),
                          source=c.source and visible(c.source)) for c in result.citations)
    return replace(result, citations=cites)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
