"""``/dashboard``: the page shell and the vocabulary its scripts render with.

The page holds no data: its scripts call the JSON API with the token the user signed in with,
so the page itself needs no authentication and never sees a token in a URL.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, JSONResponse

from api.dashboard.assets import TEMPLATE_DIR, vendor_installed
from api.dashboard.vocabulary import dashboard_vocabulary

router = APIRouter(include_in_schema=False)

# Everything from this origin only: no CDN, no inline script, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
VENDOR_MISSING_NOTICE = (
    '<p class="vendor-missing" role="alert">图表库和字体尚未安装，请运行 <code>make dev</code>。'
    " / Chart library and font are not installed: run <code>make dev</code>.</p>"
)


@cache
def _template(name: str) -> str:
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def _shell() -> HTMLResponse:
    notice = "" if vendor_installed() else VENDOR_MISSING_NOTICE
    html = _template("index.html").replace("<!-- vendor-notice -->", notice)
    return HTMLResponse(html, headers=PAGE_HEADERS)


@router.get("/dashboard", response_class=HTMLResponse)
def overview_page() -> HTMLResponse:
    """The overview: KPI tiles, charts, at-risk and overdue cases, alerts grouped per case."""
    return _shell()


@router.get("/dashboard/cases", response_class=HTMLResponse)
def case_list_page() -> HTMLResponse:
    """The case list: the API's filters, search, paging, export."""
    return _shell()


@router.get("/dashboard/backlog", response_class=HTMLResponse)
def backlog_page() -> HTMLResponse:
    """The 积案 workbench: backlog cases and cases under 督办单, with their leaders."""
    return _shell()


@router.get("/dashboard/register", response_class=HTMLResponse)
def registration_page() -> HTMLResponse:
    """The registration form (登记)."""
    return _shell()


@router.get("/dashboard/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: Annotated[str, Path(max_length=200)]) -> HTMLResponse:
    """One case; the scripts read the id from the path and load it through the API."""
    return _shell()


@router.get("/track", response_class=HTMLResponse)
def tracking_page() -> HTMLResponse:
    """The petitioners' tracking page: a tracking code in, state and dates out (the public
    ``GET /api/v1/track/{code}``); no sign-in, nothing personal."""
    return HTMLResponse(_template("track.html"), headers=PAGE_HEADERS)


@router.get("/track/{tracking_code}", response_class=HTMLResponse)
def tracking_page_of(tracking_code: Annotated[str, Path(max_length=64)]) -> HTMLResponse:
    """The tracking page opened on one case: the link texted at registration. The script reads
    the code from the path; the page itself carries nothing of the case."""
    return HTMLResponse(_template("track.html"), headers=PAGE_HEADERS)


@router.get("/dashboard/vocabulary.json")
def vocabulary() -> JSONResponse:
    """Labels (Chinese, English) and the parameter forms of every action."""
    body: dict[str, Any] = dashboard_vocabulary()
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})
