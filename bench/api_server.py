"""The API process of the benchmark: exactly what ``petitionflow api`` serves (same settings, same
uvicorn config), plus ``GET /api/v1/stats`` when ``api/stats/routes.py`` exists but the app does
not mount it yet; and, with ``BENCH_SQL_LOG_DIR`` set, the statement recorder of ``sql_log``
(idle unless its flag file exists). Run as ``python -m bench.api_server`` with the
``PETITIONFLOW_`` environment."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from fastapi import FastAPI

from bench import sql_log
from petitionflow.cli import api_server
from petitionflow.observability import configure_logging
from petitionflow.settings import Settings

STATS_PATH = "/api/v1/stats"


def has_route(app: FastAPI, path: str) -> bool:
    return any(getattr(route, "path", None) == path for route in app.routes)


def mount_stats(app: FastAPI) -> str:
    """Where the stats route comes from: the app itself, the bench, or nowhere (not written)."""
    if has_route(app, STATS_PATH):
        return "app"
    if importlib.util.find_spec("api.stats.routes") is None:
        return "absent"
    from api.stats import routes as stats_routes

    app.include_router(stats_routes.router)
    return "mounted by bench"


def main() -> None:
    settings = Settings()
    configure_logging(settings)
    if os.environ.get(sql_log.ENV):
        sql_log.install(Path(os.environ[sql_log.ENV]))
    server = api_server(settings)
    app = server.config.app
    assert isinstance(app, FastAPI)
    print(f"stats route: {mount_stats(app)}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
