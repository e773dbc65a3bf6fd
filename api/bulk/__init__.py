"""Bulk actions: one action sent to many cases by a workflow (``POST /api/v1/bulk-actions``)."""
