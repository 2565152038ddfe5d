"""Headlines as every reader finds them, tidied the same way: without the site's name around them, and
never a caption, a notice or a dateline.

A page's <title> carries the site's name and section (" | News | European Parliament", "Home » News » ...",
"... – Pressemitteilungen – Stadt Köln", "Acme Corp: ..."), and text readers can mistake a photo caption,
a reading-time line, "(Delayed in transmission)" or a legal notice for the headline. ``tidy_title`` removes
the first; ``is_title_candidate`` keeps the second out.
"""

from __future__ import annotations

import re

from .dates import _first_date
from .furniture import _is_furniture_line

_NOT_TITLE = re.compile(
    r"^\(.*\)$|^(?:photo|image|picture|caption|credit|file photo)\b|\b(?:pictured|photo credit|courtesy of)\b"
    r"|\b(?:all rights reserved|not an official record|disclaimer|solely responsible|is not responsible)\b"
    r"|^(?:\d+\s*[-–]\s*)?\d+\s+min(?:ute)?s?\b|^press release\s*[|:#-]?\s*[\d-]*$|^category\s*:",
    re.IGNORECASE,
)
# Section names newsrooms put beside the headline, in the languages of the EU newsrooms we met and the
# big European ones; a part of the title that is only one of these is never the news.
_SITE_WORDS = re.compile(
    r"^(?:news|newsroom|press(?: releases?| room| office| centre| center| statements?)?"
    r"|(?:news|media|press) (?:releases?|statements?|centre|center|room)|media(?: relations)?"
    r"|home|homepage|releases?|announcements?|blog|latest news|updates?|statements?|stories"
    r"|pressemitteilung(?:en)?|presse(?:mitteilungen|meldungen|informationen|bereich)?|aktuelles|nachrichten"
    r"|neuigkeiten|communiqués?(?: de presse)?|actualités|salle de presse|espace presse"
    r"|notas? de prensa|sala de prensa|noticias|comunicados?(?: de prensa)?|prensa"
    r"|comunicat[oi] stampa|notizie|sala stampa|persberichten|persbericht|nieuws|pers"
    r"|notícias|imprensa|sala de imprensa)$",
    re.IGNORECASE,
)
# Separators between a headline and the site's parts: bars and guillemets always are; a dash, a slash
# or a colon only where the part beside it is the site (a dash inside a real headline is common).
_TITLE_SEPARATORS = re.compile(r"\s*[｜]\s*|\s+(?:\||::|»|›|·|•|/)\s+|\s+[-–—]\s+")
_BAR = re.compile(r"[｜|»›]|::")
_LABEL = re.compile(r"^([^:]{2,40}):\s+(.{15,})$")


def is_title_candidate(s: str) -> bool:
    """False for lines that stand where a headline does but are not one: captions, notices,
    reading-time lines, bare "Press release" labels and datelines ("CAPE CANAVERAL, Fla., Dec. 10, 2012")."""
    if not s or _NOT_TITLE.search(s) or _is_furniture_line(s):
        return False
    found = _first_date(s)
    if found and re.search(r"(?:19|20)\d\d\W*$", s) and len(re.findall(r"[A-Za-z]{4,}", s)) <= 4:
        return False
    return True


def tidy_title(title: str | None, *, site_name: str | None = None, url: str | None = None) -> str | None:
    """The headline without the site's name around it.

    "X | News | European Parliament" -> "X"; "Home » News » X" -> "X"; "X - Press Release - Acme Inc."
    -> "X"; "Acme Corp: X" -> "X" when Acme Corp is the site; "Press Release | FTC: X" -> "X" when "FTC" is
    said again in X; "X - Acme Newsroom" -> "X" only when the tail is the site's name, its domain or a
    newsroom word, because a dash inside a real headline is common.
    """
    if not title:
        return title
    t = " ".join(title.split()).strip(" |:»›·•-–—/｜")
    host = re.sub(r"^www\.", "", re.sub(r"^[a-z]+://([^/]+).*$", r"\1", (url or "").lower()))
    site = " ".join((site_name or "").lower().split())

    def is_site(part: str, *, holds_site: bool = True) -> bool:
        """``holds_site``: a part that holds the site's name counts ("Acme Newsroom" for "Acme"); not
        for a title's head, which can name the site inside the headline itself."""
        low = part.lower().strip()
        return bool(low) and bool(
            _SITE_WORDS.match(low)
            or (site and (low == site or low in site or (holds_site and site in low)))
            or (host and (low == host or low.replace(" ", "") in host))
            or re.fullmatch(r"[\w.-]+\.(?:com|org|net|gov|edu|int|eu|uk|io|info|news)", low)
        )

    for _ in range(4):  # site parts on either end, one at a time
        seps = list(_TITLE_SEPARATORS.finditer(t))
        if not seps:
            break
        inside = (t[a.end() : b.start()] for a, b in zip(seps, seps[1:], strict=False))
        pieces = [t[: seps[0].start()], *inside, t[seps[-1].end() :]]
        bar = bool(_BAR.search(t))
        head, tail = pieces[0], pieces[-1]
        # A newsroom word inside ("X - Press Release - Acme Inc."): it and all after it are the site.
        inner = next((i for i, piece in enumerate(pieces[1:-1], 1) if _SITE_WORDS.match(piece.strip())), None)
        if is_site(tail):
            t = t[: seps[-1].start()]
        elif is_site(head, holds_site=False):
            t = t[seps[0].end() :]
        elif inner is not None:
            t = t[: seps[inner - 1].start()]
        elif bar and len(tail.split()) <= 5 and len(t.split("|")[0].split()) >= 3:
            t = t[: seps[-1].start()]
        elif bar and len(head.split()) <= 3 and len(t) - len(head) > 20:
            t = t[seps[0].end() :]
        else:
            break
        t = t.strip(" |:»›·•-–—/｜")
    m = _LABEL.match(t)
    if m and is_site(m.group(1)):
        t = m.group(2)  # "Press release: X", "Acme Corp: X"
    m = re.match(r"^([A-Z][A-Z&.]{1,7}):\s+(.{20,})$", t)
    if m and m.group(1).rstrip(".") in m.group(2):
        t = m.group(2)  # "FTC: The FTC Is Sending ...": a reposting site's source label
    return t or title
