"""The Gradio UI: a chat whose answers cite releases, and a panel showing each quoted passage.

Callbacks only call ``Assistant`` methods. Release text is untrusted: everything taken from a
release is HTML-escaped before it reaches the page, so markup inside a release shows as text.
"""

from __future__ import annotations

import html
from typing import Any

from assistant.core import Assistant
from assistant.errors import AssistantError
from assistant.types import Answer, Citation

CONTEXT_CHARS = 280

CSS = """
.source { border-left: 3px solid #6b7280; padding: 4px 10px; margin: 8px 0; }
.source mark { background: #fde68a; padding: 0 2px; }
.source .meta { color: #6b7280; font-size: 0.9em; }
"""


def render_sources(assistant: Assistant, answer: Answer) -> str:
    """Each cited release: title (linked), date, source, and the quote highlighted in its context."""
    if not answer.citations:
        return "<p class='no-sources'>No sources: the releases do not cover this question.</p>"
    return "\n".join(_render_citation(assistant, c) for c in answer.citations)


def _render_citation(assistant: Assistant, c: Citation) -> str:
    try:
        text = assistant.release(c.release_id).text
    except AssistantError:
        text = c.quote
        start, end = 0, len(c.quote)
    else:
        start, end = c.start, c.end
    before = text[max(0, start - CONTEXT_CHARS):start]
    after = text[end:end + CONTEXT_CHARS]
    title = html.escape(c.title or c.release_id)
    if c.url and c.url.startswith(("http://", "https://")):
        title = f"<a href='{html.escape(c.url, quote=True)}' target='_blank' rel='noopener noreferrer'>{title}</a>"
    meta = " · ".join(html.escape(x) for x in (c.date, c.source, c.path if not c.url else None) if x)
    return (
        f"<div class='source' id='source-{c.number}'><b>[{c.number}]</b> {title}"
        f"<div class='meta'>{meta}</div>"
        f"<p>{'…' if start > CONTEXT_CHARS else ''}{html.escape(before)}<mark>{html.escape(text[start:end])}</mark>"
        f"{html.escape(after)}{'…' if end + CONTEXT_CHARS < len(text) else ''}</p></div>"
    )


def build_ui(assistant: Assistant) -> Any:
    import gradio as gr

    def respond(question: str, history: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str, str]:
        history = list(history or [])
        if not (question or "").strip():
            return history, "", gr.skip()
        history.append({"role": "user", "content": html.escape(question)})
        try:
            answer = assistant.ask(question)
        except AssistantError as e:
            history.append({"role": "assistant", "content": f"⚠️ {html.escape(e.message)}"})
            return history, "", ""
        history.append({"role": "assistant", "content": html.escape(answer.text)})
        return history, "", render_sources(assistant, answer)

    with gr.Blocks(title="Press-room assistant") as demo:
        gr.Markdown("## Press-room assistant\nAsk about the organisation's press releases. "
                    "Every sentence of an answer cites its release.")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Answers", height=460, elem_id="chat")
                question = gr.Textbox(label="Your question", placeholder="When did … sign the agreement with …?",
                                      elem_id="question")
                ask = gr.Button("Ask", variant="primary", elem_id="ask")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML("<p>Sources of the latest answer appear here.</p>", elem_id="sources")
        ask.click(respond, [question, chat], [chat, question, sources], api_name="ask")
        question.submit(respond, [question, chat], [chat, question, sources], api_name=False)
    demo.css = CSS
    return demo
