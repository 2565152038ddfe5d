"""Finding files and reading them within limits; each format's reader is picked by suffix."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import BadInput
from ..types import Rejected, Release
from .decode import _decode, _printable, _Skip
from .html import _release_from_html
from .json import _releases_from_json
from .markdown import _release_from_markdown
from .pdf import _release_from_pdf
from .release import _bounded, _size
from .text import _release_from_plain

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".html", ".htm", ".txt", ".md", ".markdown", ".pdf", ".json", ".jsonl"}
)
DEFAULT_MAX_BYTES = 20_000_000


# Finding files
# --------------------------------------------------------------------------------------------


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every file named or found below the folders named.

    ``root`` is the folder the user gave (or a file's own folder), so that release ids can be
    paths relative to it and stay the same wherever the corpus is checked out. Hidden files and
    folders are skipped because they are editor and VCS litter, never releases. Every path is
    checked before anything is yielded, so a typo fails the run before any work is done.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    given = [Path(p) for p in paths]
    for p in given:
        if not p.exists():
            raise BadInput(f"no such file or folder: {p}")
    for p in given:
        if p.is_dir():
            for f in _walk(p):
                yield f, p
        else:
            yield p, p.parent


MAX_NAME_CHARS = 255


def upload_name(name: str | None) -> str:
    """A file name sent by a client, made safe to show and to use as a release id.

    Only the last path part is kept (``/`` and ``\\`` both separate: ``../../x.txt`` and
    ``C:\\x.txt`` become ``x.txt``); control and format characters are removed (terminal escapes,
    NUL, right-to-left overrides that show ``txt.exe`` as ``exe.txt``), other whitespace runs become
    one space, and a name longer than ``MAX_NAME_CHARS`` is cut, keeping its extension. Nothing
    is ever written under this name: uploads are read in memory.
    """
    base = " ".join(_printable(re.split(r"[/\\]", name or "")[-1]).split())
    if base in ("", ".", ".."):
        return "upload"
    if len(base) > MAX_NAME_CHARS:
        suffix = Path(base).suffix[:16]
        base = base[: MAX_NAME_CHARS - len(suffix) - 1].rstrip() + "…" + suffix
    return base


def _shown(path: Path) -> str:
    """A path as text that can be printed and stored: undecodable bytes in it become U+FFFD."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _walk(root: Path) -> list[Path]:
    """Files below ``root``. Links to folders are not followed (a link to ``.`` would loop), but
    they are listed, so that ``load_file`` can say so instead of skipping them in silence."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(base / d for d in dirs if os.path.islink(base / d))
        found.extend(base / name for name in files if not name.startswith("."))
    return sorted(found, key=lambda f: f.relative_to(root).parts)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_file(
    path: Path, root: Path | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Release | Rejected]:
    """Read one file and yield its release(s), or a ``Rejected`` for each problem.

    The id basis is the path relative to ``root`` (default: the file's folder) in posix form;
    a URL found inside the document wins over it. The size is checked before reading so that a
    stray video in the corpus folder costs nothing, and only regular files are opened so that
    a FIFO or device file can never hang an ingest.
    """
    path = Path(path)
    where = _shown(path)
    if where != str(path):  # Linux file names are bytes; Python shows undecodable ones as surrogates
        part = "file name" if _shown(Path(path.name)) != path.name else "path to the file"
        yield Rejected(where, f"the {part} is not valid UTF-8: rename it")
        return
    suffix = path.suffix.lower()
    if path.is_symlink() and path.is_dir():
        yield Rejected(where, "a link to a folder: links to folders are not followed (name the folder itself)")
        return
    if path.is_symlink() and _leaves(path, root if root is not None else path.parent):
        # /etc/passwd or /proc/self/status linked into a corpus folder must not be indexed and served
        yield Rejected(where, "a link to a file outside the folder: links that leave the folder are not followed")
        return
    if suffix not in SUPPORTED_SUFFIXES:
        yield Rejected(where, _unsupported(suffix))
        return
    try:
        st = path.stat()
    except OSError as e:
        yield Rejected(where, f"cannot read file: {e.strerror or e}")
        return
    if stat.S_ISDIR(st.st_mode):
        yield Rejected(where, "this is a folder, not a file")
        return
    if not stat.S_ISREG(st.st_mode):
        yield Rejected(where, "not a regular file")
        return
    if st.st_size > max_bytes:
        yield Rejected(where, _too_big(st.st_size, max_bytes))
        return
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as e:
        yield Rejected(where, f"cannot read file: {e.strerror or e}")
        return
    yield from load_bytes(data, where, release_id=_relative_id(path, root), max_bytes=max_bytes)


def load_bytes(
    data: bytes, name: str, *, release_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Release | Rejected]:
    """Turn the bytes of a file (an upload, or a file read by ``load_file``) into release(s).

    ``name`` gives the type (its suffix) and is recorded as ``Release.path``; ``release_id``
    replaces ``name`` as the id basis. A URL found in the document (canonical link, og:url,
    front matter, JSON field) is the id when present, because it is what a reader can follow.
    """
    suffix = Path(name).suffix.lower()
    id_base = release_id or name
    if suffix not in SUPPORTED_SUFFIXES:
        yield Rejected(name, _unsupported(suffix))
        return
    if not data:
        yield Rejected(name, "empty file")
        return
    if len(data) > max_bytes:
        yield Rejected(name, _too_big(len(data), max_bytes))
        return
    try:
        for item in _read(data, suffix, name=name, id_base=id_base):
            yield _bounded(item) if isinstance(item, Release) else item
    except _Skip as e:
        yield Rejected(name, str(e))
    except BadInput as e:
        yield Rejected(name, e.message)
    except RecursionError:
        yield Rejected(name, "document is nested too deeply to read")
    except Exception as e:  # noqa: BLE001 - one odd file must not abort a whole ingest
        yield Rejected(name, f"could not read this {suffix} file ({type(e).__name__}: {e})")


def _read(data: bytes, suffix: str, *, name: str, id_base: str) -> Iterator[Release | Rejected]:
    if suffix == ".pdf":
        yield _release_from_pdf(data, name=name, id_base=id_base)
        return
    text = _decode(data, html=suffix in {".html", ".htm"})
    if not text.strip():
        raise _Skip("file holds only whitespace")
    if suffix in {".json", ".jsonl"}:
        yield from _releases_from_json(text, name=name, id_base=id_base, lines=suffix == ".jsonl")
    elif suffix in {".html", ".htm"}:
        yield _release_from_html(text, name=name, id_base=id_base)
    elif suffix in {".md", ".markdown"}:
        yield _release_from_markdown(text, name=name, id_base=id_base)
    else:
        yield _release_from_plain(text, name=name, id_base=id_base)


def _unsupported(suffix: str) -> str:
    shown = f"'{suffix}'" if suffix else "(no extension)"
    return f"unsupported file type {shown} (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})"


def _too_big(size: int, limit: int) -> str:
    return f"file is {_size(size)}, over the {_size(limit)} limit"


def _relative_id(path: Path, root: Path | None) -> str:
    root = root if root is not None else path.parent
    for p, r in ((path, root), (path.resolve(), root.resolve())):
        try:
            return _printable(p.relative_to(r).as_posix())
        except ValueError:
            continue
    return _printable(path.name)


# --------------------------------------------------------------------------------------------


def _leaves(link: Path, root: Path) -> bool:
    """Whether the symbolic link ``link`` points (through any chain of links) outside ``root``."""
    try:
        target, base = Path(os.path.realpath(link)), Path(os.path.realpath(root))
    except (OSError, RuntimeError, ValueError):  # a loop: reading it fails and says so
        return False
    return target != base and base not in target.parents
