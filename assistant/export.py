"""Kept for callers of ``assistant.export``: the document writer lives in ``assistant.documents``."""

from assistant.documents import DOCX_MEDIA_TYPE, markdown_to_docx

__all__ = ["DOCX_MEDIA_TYPE", "markdown_to_docx"]
