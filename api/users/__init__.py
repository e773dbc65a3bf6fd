"""The user directory: who works in which unit, by name (``GET /api/v1/users``, the CLI's
``users list|revoke``), and the names the case pages show beside user ids."""
