"""Where webhooks may go, and how their URLs are shown.

A webhook target is an address a supervisor types in and the worker then calls: without a check
it reaches whatever the worker can (the Temporal frontend, the database, a cloud's metadata
service). So a target must be ``https`` and every address its host resolves to must be a public
one — not loopback, private, link-local (the metadata services live there), shared, multicast,
reserved or unspecified. ``PETITIONFLOW_WEBHOOK_ALLOW`` names the exceptions: CIDRs and host names
of intranet hooks, which may then also be plain ``http``. The check runs when a channel is
created and again at every delivery, which then connects to the address it checked (a name that
resolves differently the second time cannot slip through).

``redact`` is how a target is shown anywhere (API answers, delivery rows, logs, errors): without
user and password and with every query value masked.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from models.messages import Message

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MASK = "***"
# Metadata endpoints outside the ranges below (AWS's IPv6 one is in fd00::/8, already private).
METADATA = (ipaddress.ip_network("100.100.100.200/32"),)  # Alibaba Cloud


class TargetRefused(ValueError):
    """The target may not be called. The message is safe to show and to store: it names the
    rule, never what the target's host answered."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def redact(target: str) -> str:
    """The target without credentials: ``https://user:pw@host/p?token=x`` → ``https://host/p?token=***``.
    An e-mail address is returned as it is."""
    if "://" not in target:
        return target
    try:
        parts = urlsplit(target)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return MASK
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    query = urlencode([(k, MASK) for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def forbidden(address: IPAddress) -> bool:
    """An address no webhook may reach unless allow-listed."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return forbidden(address.ipv4_mapped)
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
        or any(address in net for net in METADATA)
    )


@dataclass(frozen=True)
class WebhookGuard:
    """The allow-list (CIDRs and host names) and the check against it."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, spec: str) -> WebhookGuard:
        """``"10.8.0.0/16, hooks.intranet, 127.0.0.1"``; a bad entry stops start-up."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in (e.strip() for e in spec.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if not entry.replace("-", "").replace(".", "").isalnum():
                    raise ValueError(f"PETITIONFLOW_WEBHOOK_ALLOW: bad entry {entry!r}") from None
                hosts.add(entry.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def check(self, target: str) -> tuple[str, int, IPAddress]:
        """``(host, port, address)`` to connect to; ``TargetRefused`` naming the rule broken."""
        try:
            parts = urlsplit(target)
            host, port = parts.hostname, parts.port
        except ValueError:
            raise TargetRefused(Message("不是有效的网址", "not a valid URL")) from None
        if parts.scheme not in ("http", "https") or not host:
            raise TargetRefused(Message("须为 https 网址", "must be an https URL"))
        port = port or (443 if parts.scheme == "https" else 80)
        host = host.lower().rstrip(".")
        named = host in self.hosts
        addresses = resolve(host, port)
        listed = named or all(self._listed(a) for a in addresses)
        if parts.scheme == "http" and not listed:
            raise TargetRefused(
                Message(
                    "须为 https；http 仅限允许名单内的内网地址",
                    "must be https (http only for hosts in PETITIONFLOW_WEBHOOK_ALLOW)",
                )
            )
        if not named and any(forbidden(a) and not self._listed(a) for a in addresses):
            raise TargetRefused(
                Message(
                    "目标地址为内网、本机或保留地址",
                    "the target resolves to a loopback, private, link-local or reserved address",
                )
            )
        return host, port, addresses[0]

    def _listed(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address.version == n.version and address in n for n in self.networks)


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(
            Message("无法解析目标主机", "the target's host does not resolve")
        ) from None
    addresses = list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found)
    )
    if not addresses:
        raise TargetRefused(Message("无法解析目标主机", "the target's host does not resolve"))
    return addresses


def pinned_url(target: str, address: IPAddress) -> str:
    """The target with its host replaced by the checked address (the ``Host`` header and TLS
    server name keep the name)."""
    parts = urlsplit(target)
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
