"""Statistics of a unit subtree: the open workload now, and a period (``GET /api/v1/stats``)."""
