"""The one error class whose message is meant for users, and its few subclasses.

The CLI prints ``str(error)`` and exits non-zero; the API turns it into the one JSON error
shape with ``error.status``. Anything else that escapes is a bug, not a user error.
"""

from __future__ import annotations


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
