"""A notice as a PDF: an office's template (plain text, ``templates/README.txt``) filled with the
case's values and set in Noto Sans SC, embedded as a subset (fpdf2), so any reader — and
``pdftotext`` — shows the Chinese text without fonts of its own."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from string import Template

from fpdf import FPDF

from models.vocabulary import DocumentKind

DEFAULT_TEMPLATES = Path(__file__).with_name("templates")
# The Regular weight the dashboard's npm assets vendor (dashboard/vendor.mjs), packaged with it.
DEFAULT_FONT = (
    Path(__file__).resolve().parents[2]
    / "api/dashboard/static/vendor/noto-sans-sc-ttf/NotoSansSC-Regular.ttf"
)


IDEOGRAPHIC_SPACE = "\u3000"
MM_PER_POINT = 25.4 / 72


class FontMissing(FileNotFoundError):
    """The CJK font is not where the settings say (``make`` vendors it with the dashboard's
    assets)."""


def template_text(kind: DocumentKind, directory: Path | None) -> str:
    """The office's template of ``kind`` when it has one, else the shipped default."""
    for folder in (directory, DEFAULT_TEMPLATES):
        if folder is not None and (folder / f"{kind.value}.txt").is_file():
            return (folder / f"{kind.value}.txt").read_text(encoding="utf-8")
    raise FileNotFoundError(f"no template for {kind.value}")


def fill(template: str, values: dict[str, str]) -> str:
    """``${name}`` replaced; a name the case has no value for stays as written (an office's
    typo shows on the page instead of failing the case's projection)."""
    return Template(template).safe_substitute(values)


def render_pdf(text: str, *, font: Path, title: str, issued_at: datetime) -> bytes:
    """The filled template as an A4 PDF. The creation date is the issue's, so the same notice
    renders to the same bytes."""
    if not font.is_file():
        raise FontMissing(f"CJK font not found: {font}")
    pdf = FPDF(format="A4")
    pdf.set_creation_date(issued_at)
    pdf.set_title(title)
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_font("noto", fname=str(font))
    pdf.add_page()
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("# "):
            pdf.set_font("noto", size=20)
            pdf.multi_cell(0, 14, line[2:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            pdf.set_font("noto", size=12)
            pdf.multi_cell(0, 9, line[3:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("> "):
            pdf.set_font("noto", size=13)
            pdf.multi_cell(0, 9, line[2:].strip(), align="R", new_x="LMARGIN", new_y="NEXT")
        elif not line:
            pdf.ln(6)
        else:  # a paragraph; its leading ideographic spaces (　　) indent its first line
            pdf.set_font("noto", size=13)
            text = line.lstrip(IDEOGRAPHIC_SPACE)
            pdf.set_x(pdf.l_margin + (len(line) - len(text)) * 13 * MM_PER_POINT)
            pdf.write(9, text)
            pdf.ln(9)
    return bytes(pdf.output())
