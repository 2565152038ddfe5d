"""Build the web app (API + UI) on the bundled corpus and run it: ``python app.py``."""

from assistant.settings import Settings
from assistant.web.serve import serve

if __name__ == "__main__":
    serve(Settings.from_env())
