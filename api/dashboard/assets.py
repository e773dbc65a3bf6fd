"""The dashboard's files: its own scripts and styles, and the vendored libraries and font that
``make`` copies in from the npm registry (``dashboard/vendor.mjs``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATE_DIR = PACKAGE_DIR / "templates"
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_PREFIX = "/dashboard/static"

# What the page loads from the vendored folder; missing means `make` has not copied them yet.
VENDORED_FILES = (
    "chart.js/chart.umd.min.js",
    "noto-sans-sc/noto-sans-sc.css",
)


def vendor_installed() -> bool:
    return all((VENDOR_DIR / name).is_file() for name in VENDORED_FILES)


def mount_static(app: FastAPI) -> None:
    """Serve the dashboard's assets under ``/dashboard/static``."""
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="dashboard-static")
