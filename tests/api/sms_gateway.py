"""A local SMS gateway for the tests: records every signed JSON body it is posted."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GATEWAY_KEY = "gateway-key-123"


@dataclass
class Gateway:
    url: str = ""
    texts: list[dict[str, Any]] = field(default_factory=list)
    signatures_ok: list[bool] = field(default_factory=list)
    status: int = 200  # what it answers (a gateway that is down: 503)

    def of_kind(self, kind: str, phone: str | None = None) -> list[dict[str, Any]]:
        return [t for t in self.texts if t["kind"] == kind and phone in (None, t["to"])]

    async def wait_for(self, kind: str, count: int = 1, *, phone: str | None = None) -> list:
        for _ in range(400):
            found = self.of_kind(kind, phone)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {kind} text arrived; got {[t['kind'] for t in self.texts]}")


@contextmanager
def sms_gateway() -> Iterator[Gateway]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            expected = "sha256=" + hmac.new(GATEWAY_KEY.encode(), body, hashlib.sha256).hexdigest()
            gateway.signatures_ok.append(
                hmac.compare_digest(expected, self.headers.get("X-Petitionflow-Signature", ""))
            )
            if gateway.status == 200:
                gateway.texts.append(json.loads(body))
            self.send_response(gateway.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def use_gateway(settings: Any, gateway: Gateway) -> None:
    """Point the stack's settings (read when its worker starts) at the gateway."""
    from pydantic import SecretStr

    settings.sms_gateway_url = gateway.url
    settings.sms_gateway_key = SecretStr(GATEWAY_KEY)
