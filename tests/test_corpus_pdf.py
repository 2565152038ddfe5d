"""PDF text layers -> releases, and PDFs that cannot be read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.test_corpus import BODY, reason, release, write

# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def make_pdf(title: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, **({"title": title} if title else {}))
    doc.build(
        [
            Paragraph("Acme Robotics Opens Toledo Assembly Plant", styles["Title"]),
            Paragraph(
                BODY + " The plant employs 340 people and will reach full output in 2026.", styles["Normal"]
            ),
            Paragraph(
                "About Acme Robotics: Acme designs and builds industrial robots in Ohio.", styles["Normal"]
            ),
        ]
    )
    return buf.getvalue()


@pytest.mark.parametrize("meta_title", [None, "Toledo Plant Release"])
def test_pdf_text_layer(tmp_path: Path, meta_title: str | None) -> None:
    r = release(write(tmp_path, "plant.pdf", make_pdf(meta_title)))
    assert r.title == (meta_title or "Acme Robotics Opens Toledo Assembly Plant")
    assert r.date == "2025-03-03"
    paras = r.text.split("\n\n")
    assert paras[0] == BODY + " The plant employs 340 people and will reach full output in 2026."
    assert paras[-1] == "About Acme Robotics: Acme designs and builds industrial robots in Ohio."


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    assert reason(write(tmp_path, "locked.pdf", buf.getvalue())).startswith(
        "encrypted PDF: cannot read its text"
    )


def test_pdf_without_text_is_rejected(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 200, 200, fill=1)  # a drawing, no text: what a scan looks like to us
    c.save()
    assert reason(write(tmp_path, "scan.pdf", buf.getvalue())) == "PDF has no text layer (scanned image?)"


@pytest.mark.parametrize("content", [b"<html>not a pdf</html>", b"%PDF-1.7\n garbage that is not a PDF body"])
def test_invalid_pdf_is_rejected(tmp_path: Path, content: bytes) -> None:
    assert reason(write(tmp_path, "fake.pdf", content)).startswith("not a valid PDF")
