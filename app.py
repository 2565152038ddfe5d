"""Build the web app (API + UI) on the bundled corpus and run it: ``python app.py``."""

from assistant.api import serve
from assistant.settings import Settings

if __name__ == "__main__":
    serve(Settings.from_env())
