"""The supervisors' web dashboard (issue 5): one page over the JSON API, every asset served here.

``app.include_router(router)`` serves the page at ``/dashboard``; ``mount_static(app)`` serves its
scripts, styles, fonts and chart library from this package (no CDN, works offline).
"""

from api.dashboard.assets import STATIC_DIR, mount_static, vendor_installed
from api.dashboard.routes import router

__all__ = ["STATIC_DIR", "mount_static", "router", "vendor_installed"]
