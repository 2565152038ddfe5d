"""The web app: JSON API (``routes``), OpenAI-compatible chat (``openai_compat``), Gradio UI (``ui``, ``render``).

``app.create_app`` assembles them; ``guards`` holds the one API-key check that the API and the UI share.
"""
