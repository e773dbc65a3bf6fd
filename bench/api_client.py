"""The API over real HTTP (httpx to the uvicorn process): the calls the sections make."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


class ApiError(RuntimeError):
    pass


class ApiClient:
    def __init__(self, base_url: str, *, connections: int = 32, timeout: float = 60) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    @staticmethod
    def _auth(token: str, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers

    @staticmethod
    def _json(response: httpx.Response, *expected: int) -> Any:
        if response.status_code not in expected:
            raise ApiError(
                f"{response.request.method} {response.url.path}: "
                f"{response.status_code} {response.text[:200]}"
            )
        return response.json()

    async def register(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new case (201); every registration carries an Idempotency-Key, as clients should."""
        response = await self.http.post(
            "/api/v1/cases", json=body, headers=self._auth(token, uuid.uuid4().hex)
        )
        result: dict[str, Any] = self._json(response, 201)
        return result

    async def act(self, token: str, case_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(
            f"/api/v1/cases/{case_id}/actions",
            json=body,
            headers=self._auth(token, uuid.uuid4().hex),
        )
        result: dict[str, Any] = self._json(response, 200)
        return result

    async def get(self, token: str, path: str, params: dict[str, Any] | None = None) -> Any:
        response = await self.http.get(path, params=params or {}, headers=self._auth(token))
        return self._json(response, 200)
