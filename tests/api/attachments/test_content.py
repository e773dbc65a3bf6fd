"""An upload's type comes from its content; its name is made safe to show and to download."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from api.attachments.content import (
    ALLOWED,
    clean_name,
    content_disposition,
    declared_type,
    named_for,
    sniff,
)
from tests.api.attachments.files import EXE, HTML, SVG, jpeg, pdf, png

TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
ZIP = b"PK\x03\x04" + b"\x00" * 40  # and so every .docx / .xlsx
GIF = b"GIF89a" + b"\x00" * 20


SAMPLES = {
    "png": (png(), "image/png"),
    "jpeg": (jpeg(), "image/jpeg"),
    "pdf": (pdf(), "application/pdf"),
    "tiff": (TIFF, "image/tiff"),
    "webp": (WEBP, "image/webp"),
    "html": (HTML, None),
    "svg": (SVG, None),
    "exe": (EXE, None),
    "zip": (ZIP, None),
    "gif": (GIF, None),
    "text": ("王五的来信".encode(), None),
    "empty": (b"", None),
    "late-signature": (b"  %PDF-1.4", None),  # a signature not where it belongs
}


@pytest.mark.parametrize(("data", "expected"), list(SAMPLES.values()), ids=list(SAMPLES))
def test_the_type_is_read_from_the_content(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


def test_declared_types_are_normalised() -> None:
    assert declared_type("image/JPG; charset=x") == "image/jpeg"
    assert declared_type("application/octet-stream") is None
    assert declared_type(None) is None
    assert declared_type("text/html") == "text/html"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("王五来信.pdf", "王五来信.pdf"),
        ("C:\\Users\\张三\\Desktop\\扫描件.PDF", "扫描件.PDF"),
        ("../../etc/passwd", "passwd"),
        ("\u202egpj.exe.pdf", "gpj.exe.pdf"),  # a right-to-left override would show "fdp.exe.jpg"
        ("zero\u200bwidth.png", "zerowidth.png"),
        ("line\nbreak\t.pdf", "line break .pdf"),
        ('a"b<c>|d?.pdf', "a_b_c__d_.pdf"),
        ("...hidden.png", "hidden.png"),
        ("e\u0301.png", "\u00e9.png"),  # NFC
        ("", ""),
        (None, ""),
        ("长" * 300 + ".pdf", "长" * 116 + ".pdf"),
    ],
)
def test_names_keep_only_what_is_safe_to_show(raw: str | None, clean: str) -> None:
    assert clean_name(raw) == clean


def test_the_extension_must_agree_with_the_content() -> None:
    pdf_type = ALLOWED["application/pdf"]
    assert named_for("来信.PDF", pdf_type) == "来信.PDF"
    assert named_for("2026.11.29 来信", pdf_type) == "2026.11.29 来信.pdf"  # no extension: added
    assert named_for("", pdf_type) == "附件.pdf"
    assert named_for("scan.png", pdf_type) is None
    assert named_for("letter.html", pdf_type) is None
    assert named_for("photo.jpeg", ALLOWED["image/jpeg"]) == "photo.jpeg"


@pytest.mark.parametrize(
    "name", ["王五来信.pdf", "scan 1.jpg", "a;b=c'd%20.png", "résumé.pdf", "附件.pdf"]
)
def test_the_download_names_the_file_in_ascii_and_in_utf_8(name: str) -> None:
    header = content_disposition(name)
    assert header.isascii()
    match = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'(\S+)', header)
    assert match is not None, header
    fallback, encoded = match.groups()
    assert unquote(encoded) == name
    assert re.fullmatch(r"[A-Za-z0-9._ ()-]+", fallback)
    assert fallback.endswith(name[name.rindex(".") :].lower())
