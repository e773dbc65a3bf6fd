"""A notice's PDF as the API sends it, to staff and to the petitioner online alike: a download
that no browser renders in the page, never cached, with its SHA-256 (the one on the timeline)."""

from __future__ import annotations

from base64 import b64encode
from typing import Any

from fastapi import Response

from api.documents.service import Pdf

PDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
}


def pdf_response(pdf: Pdf) -> Response:
    return Response(
        pdf.data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{pdf.file_name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
            "Repr-Digest": f"sha-256=:{b64encode(bytes.fromhex(pdf.sha256)).decode()}:",
        },
    )
