"""Markdown with front matter -> releases."""

from __future__ import annotations

from pathlib import Path

from tests.test_corpus import BODY, reason, release, write

# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------

MARKDOWN = """---
title: Acme Robotics Opens Toledo Assembly Plant
published_at: 2025-03-03
link: https://news.acme.example/toledo
organisation: Acme Robotics
author: [Riley Chen, Sam Lee]
---

# Acme Robotics Opens Toledo Assembly Plant

TOLEDO, Ohio -- Acme Robotics today opened a **120,000-square-foot** plant that builds
[industrial robot arms](https://acme.example/arms) for *carmakers* and _food producers_.
![A robot arm](arm.png)

Highlights:

- 340 jobs
- Full output by **2026**

```
robot --start
```

## About Acme Robotics

Acme Robotics builds industrial robots.
"""


def test_markdown_front_matter_and_syntax(tmp_path: Path) -> None:
    r = release(write(tmp_path, "2025/toledo.md", MARKDOWN), tmp_path)
    assert r.id == r.url == "https://news.acme.example/toledo"
    assert (r.title, r.date, r.source, r.author) == (
        "Acme Robotics Opens Toledo Assembly Plant", "2025-03-03", "Acme Robotics", "Riley Chen, Sam Lee",
    )  # fmt: skip
    assert r.text.split("\n\n") == [
        "TOLEDO, Ohio -- Acme Robotics today opened a 120,000-square-foot plant that builds industrial "
        "robot arms for carmakers and food producers.",
        "Highlights:",
        "340 jobs",
        "Full output by 2026",
        "robot --start",
    ]  # highlights kept as items; the "About Acme Robotics" boilerplate is release furniture


def test_markdown_without_front_matter_takes_the_first_heading(tmp_path: Path) -> None:
    r = release(write(tmp_path, "docs/plant.markdown", f"# Toledo Plant Opens\n\n{BODY}\n"), tmp_path)
    assert (r.id, r.title, r.date, r.text, r.url) == (
        "docs/plant.markdown",
        "Toledo Plant Opens",
        "2025-03-03",
        BODY,
        None,
    )


def test_markdown_with_broken_front_matter_is_rejected(tmp_path: Path) -> None:
    p = write(tmp_path, "bad.md", "---\ntitle: [unclosed\ndate: 2025-03-03\n---\n\nBody text here.\n")
    assert reason(p).startswith("front matter is not valid YAML")
