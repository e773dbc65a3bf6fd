"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over petition cases.

Services are our petition categories (``catalogue``); a POSTed service request becomes a case
through the same path as ``POST /api/v1/cases``; reads come from the projection and carry no
personal data. The router lives in ``api.open311.routes``, the CLI in ``api.open311.cli``.
"""
