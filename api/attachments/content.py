"""What an uploaded file is, judged by its content (magic bytes, through ``puremagic``), never
by what the client says; and its name made safe to show and to hand back in a download."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

import puremagic


@dataclass(frozen=True)
class FileType:
    media_type: str
    extensions: tuple[str, ...]  # the first is added to a name that has none
    label: str


# Scans, photos and signed agreements: images and PDF. Nothing a browser would run (HTML, SVG)
# and no archives or office files, whose contents a magic-byte check cannot vouch for.
ALLOWED: dict[str, FileType] = {
    t.media_type: t
    for t in (
        FileType("image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), "JPEG"),
        FileType("image/png", (".png",), "PNG"),
        FileType("application/pdf", (".pdf",), "PDF"),
        FileType("image/tiff", (".tif", ".tiff"), "TIFF"),
        FileType("image/webp", (".webp",), "WebP"),
    )
}
ALLOWED_LABELS = "、".join(t.label for t in ALLOWED.values())
# What clients send for "some file": no claim about the type.
UNSPECIFIED = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
# Other names clients use for the allowed types.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "application/x-pdf": "application/pdf",
    "image/tif": "image/tiff",
    "image/x-tiff": "image/tiff",
}
# A name's extension: a dot, then up to 5 letters or digits with at least one letter
# ("2026.11.29 来信" has none; "扫描.PDF" has ".pdf").
EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")
UNSAFE_IN_NAMES = re.compile(r'[<>:"|?*]')  # refused by Windows, or quoting trouble
MAX_NAME = 120


def sniff(data: bytes) -> str | None:
    """The allowed media type the content's signature names, or None. Among equally strong
    matches (a PDF also reads as an FDF) an allowed one is taken; a stronger match of another
    type wins over a weaker allowed one."""
    if not data:
        return None
    try:
        matches = puremagic.magic_string(data)
    except puremagic.PureError:  # no signature at all (plain text, random bytes)
        return None
    if not matches:
        return None
    best = max(m.confidence for m in matches)
    return next(
        (m.mime_type for m in matches if m.confidence == best and m.mime_type in ALLOWED), None
    )


def declared_type(content_type: str | None) -> str | None:
    """The media type the client claims, normalised; None when it claims nothing."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in UNSPECIFIED:
        return None
    return ALIASES.get(media, media)


def clean_name(raw: str | None) -> str:
    """The client's file name kept for display: its last path part only, in NFC, without
    control or format characters (bidirectional overrides, zero-width) or characters that
    file systems refuse, without leading dots, at most 120 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\t\n\r\v\f]", " ", name)  # line breaks and tabs read as spaces
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co"})
    name = UNSAFE_IN_NAMES.sub("_", name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > MAX_NAME:
        ext = extension(name)
        name = name[: MAX_NAME - len(ext)].rstrip() + ext
    return name


def extension(name: str) -> str:
    match = EXTENSION.search(name)
    return match.group(0).lower() if match else ""


def named_for(name: str, file_type: FileType) -> str | None:
    """The name with the type's extension: added when it has none; None when its extension
    says another type (``scan.png`` holding a PDF), which the upload refuses."""
    ext = extension(name)
    if not ext:
        return (name or "附件") + file_type.extensions[0]
    return name if ext in file_type.extensions else None


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in RFC 5987 form, which
    every current browser reads (Chinese names survive the download)."""
    ext = extension(name)
    stem = name[: len(name) - len(ext)]
    fallback = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", fallback).strip(" ._")
    if not re.search(r"[A-Za-z0-9]", fallback):
        fallback = "attachment"
    fallback += ext
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
