"""Build the web app (API + UI) on the bundled corpus and run it: ``python app.py``."""

from assistant.cli import serve_app
from assistant.settings import Settings

if __name__ == "__main__":
    serve_app(Settings.from_env())
