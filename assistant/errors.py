"""The one error class whose message is meant for users, and its few subclasses.

The CLI prints ``str(error)`` and exits non-zero; the API turns it into the one JSON error
shape with ``error.status``. Anything else that escapes is a bug, not a user error.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


class AssistantError(Exception):
    """An error to show to the user as it is."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class BadInput(AssistantError):
    """A file, question or option we cannot use; the message says which and why."""

    status = 422
    code = "invalid_input"


class NotFound(AssistantError):
    status = 404
    code = "not_found"


class ConfigError(AssistantError):
    """A setting has a value we cannot use."""

    status = 500
    code = "bad_setting"


class DependencyMissing(AssistantError):
    status = 500
    code = "dependency_missing"


class DiskFull(AssistantError):
    """The disk that holds the index has no space left; raised by ``disk_full_said`` around every index write."""

    status = 507
    code = "disk_full"


_NEARLY_FULL = 4 << 20


def _nearly_full(where: str) -> bool:
    """Whether the disk holding the local path ``where`` (or its nearest existing parent) is all but full."""
    import os
    from pathlib import Path

    if "://" in where:
        return False  # a Chroma server's disk is not ours to see
    path = Path(where)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        st = os.statvfs(path)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _NEARLY_FULL


def is_disk_full(error: BaseException) -> bool:
    """ENOSPC in any of the shapes it reaches us: an OSError, SQLite's 'database or disk is full' (from Chroma's
    Rust core or Python's sqlite3), or a Rust I/O error's text."""
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    text = str(error)
    return any(s in text for s in ("disk is full", "No space left on device", "os error 28"))


@contextmanager
def disk_full_said(where: str) -> Iterator[None]:
    """Turn a full disk met inside the block into ``DiskFull`` naming ``where``; other errors pass unchanged.

    Writes are ordered so that a write cut short is never served (see ``store.py``), so the message can
    promise that running the command again after freeing space finishes the job.
    """
    try:
        yield
    except AssistantError:
        raise
    except Exception as e:
        full = disk_full(e, where)
        if full is None:
            raise
        raise full from e


def disk_full(error: BaseException, where: str) -> DiskFull | None:
    """The ``DiskFull`` to raise for ``error`` met while writing ``where``, or None when it is something else.

    Chroma's Rust core does not always pass the OS error on (a compaction cut short by ENOSPC reports only
    'Failed to apply logs to the metadata segment'), so a failed write where the disk holding ``where`` has
    almost no space left (under ``_NEARLY_FULL`` bytes) counts as a full disk too.
    """
    if not is_disk_full(error) and not _nearly_full(where):
        return None
    return DiskFull(f"the disk holding {where} is full: free some space there and run the command again "
                    "(nothing half-written is served, and the next ingest completes it)")


def writes_index(method: _F) -> _F:
    """A method decorator: ``disk_full_said(self.location)`` around every call (for the store and keyword index)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with disk_full_said(self.location):
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
