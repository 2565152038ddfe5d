"""Conversations kept in the browser (``gr.BrowserState``): the current one survives a reload, earlier ones
are listed and can be reopened.

The stored value is ``{"current": {chat, turns, sources}, "earlier": [{title, chat, turns, sources}, ...]}``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.web.render import render_source_turns

MAX_SAVED = 10  # earlier conversations kept in the browser


def saved_choices(saved: dict[str, Any]) -> Any:
    earlier = (saved or {}).get("earlier", [])
    return gr.update(choices=[(c["title"], i) for i, c in enumerate(earlier)], value=None,
                     visible=bool(earlier))


def remember(saved: dict[str, Any], chat: list[Any], turns: list[Any], source_turns: list[Any]
             ) -> dict[str, Any]:
    saved = dict(saved or {})
    saved["current"] = {"chat": chat or [], "turns": turns or [], "sources": source_turns or []}
    return saved


def restore(saved: dict[str, Any]) -> tuple[Any, ...]:
    current = (saved or {}).get("current") or {}
    source_turns = current.get("sources", [])
    return (current.get("chat", []), render_source_turns(source_turns), current.get("turns", []),
            source_turns, saved_choices(saved))


def new_conversation(saved: dict[str, Any], chat: list[Any], turns: list[Any], source_turns: list[Any]
                     ) -> tuple[Any, ...]:
    saved = dict(saved or {})
    earlier = list(saved.get("earlier", []))
    if turns:
        earlier = [{"title": conversation_title(turns), "chat": chat, "turns": turns,
                    "sources": source_turns}, *earlier][:MAX_SAVED]
    saved.update(earlier=earlier, current={})
    return ([], "", render_source_turns([]), [], [], "", saved, saved_choices(saved))


def open_conversation(index: int | None, saved: dict[str, Any], chat: list[Any], turns: list[Any],
                      source_turns: list[Any]) -> tuple[Any, ...]:
    saved = dict(saved or {})
    earlier = list(saved.get("earlier", []))
    if index is None or not 0 <= int(index) < len(earlier):
        return (gr.skip(),) * 8
    chosen = earlier.pop(int(index))
    if turns:
        earlier.insert(0, {"title": conversation_title(turns), "chat": chat, "turns": turns,
                           "sources": source_turns})
    saved.update(earlier=earlier[:MAX_SAVED], current={"chat": chosen["chat"], "turns": chosen["turns"],
                                                       "sources": chosen["sources"]})
    return (chosen["chat"], "", render_source_turns(chosen["sources"]), chosen["turns"], chosen["sources"],
            "", saved, saved_choices(saved))


def conversation_title(turns: list[dict[str, str]]) -> str:
    first = next((t["content"] for t in turns if t.get("role") == "user"), "Conversation")
    return first if len(first) <= 80 else first[:79] + "…"
