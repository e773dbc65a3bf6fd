"""The client's address: the connection's own, unless the connection comes from a reverse proxy
named in ``PETITIONFLOW_TRUSTED_PROXIES`` — then the nearest address in ``X-Forwarded-For``
that is not one of those proxies. Anyone else's proxy headers are ignored, so they cannot choose
the address a rate limit counts."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The setting's addresses and networks; a bad entry stops start-up, naming it."""
    networks = []
    for entry in (e.strip() for e in setting.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"PETITIONFLOW_TRUSTED_PROXIES: not an address: {entry!r}") from None
    return tuple(networks)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(request.app.state.settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):  # the rightmost hops were added by our own proxies
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
