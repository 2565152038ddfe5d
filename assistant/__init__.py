"""The press-room assistant: cited answers and summaries over an organisation's press releases."""

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.types import Answer, Chunk, Citation, Hit, Release

__all__ = ["Answer", "Assistant", "AssistantError", "Chunk", "Citation", "Hit", "Release", "Settings"]
