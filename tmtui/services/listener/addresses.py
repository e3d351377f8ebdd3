"""Who is asking and where the listener listens: client addresses, allow lists, the path.

Client address: the TCP peer, unless `trust_forwarded`; then the right-most
`X-Forwarded-For` entry (the one the tunnel itself appended: cloudflared and ngrok both
append the address that connected to them, so a forged left part is ignored), else
`CF-Connecting-IP`, else the peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from tmtui.core.models import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: web.Request, trust_forwarded: bool) -> str:
    """See the module docstring for which header is believed, and why."""
    peer = request.remote or "unknown"
    if not trust_forwarded:
        return normalise_address(peer)
    forwarded = [
        entry.strip()
        for header in request.headers.getall("X-Forwarded-For", [])
        for entry in header.split(",")
        if entry.strip()
    ]
    if forwarded:
        return normalise_address(forwarded[-1])
    connecting = request.headers.get("CF-Connecting-IP", "").strip()
    return normalise_address(connecting or peer)


def normalise_address(text: str) -> str:
    """An address as one canonical string: ports and brackets dropped, IPv4-in-IPv6 unwrapped.

    Anything unparseable is kept (printable, short) so it is rate-limited and refused by
    allow_ips rather than mistaken for the peer.
    """
    candidate = text.strip()
    if candidate.startswith("[") and "]" in candidate:
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:
        candidate = candidate.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return "".join(ch if ch.isprintable() else "?" for ch in text.strip()[:64]) or "unknown"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def parse_networks(allow_ips: Sequence[str]) -> list[Network]:
    """`[listener] allow_ips` as networks; a bad entry is a config error, not a silent skip."""
    networks: list[Network] = []
    for entry in allow_ips:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ConfigError(
                f"[listener] allow_ips: {entry!r} is not an IP address or CIDR range"
            ) from None
    return networks


def address_allowed(client: str, networks: Sequence[Network]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in networks)


def is_loopback_host(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_path(path: str) -> str:
    """The webhook path with one leading slash; /health and route syntax are refused."""
    cleaned = "/" + path.strip().strip("/")
    if cleaned == "/health":
        raise ConfigError("[listener] path may not be /health: that is the health check")
    if any(ch in cleaned for ch in "{}?#"):
        raise ConfigError(f"[listener] path {path!r} may not contain braces, ? or #")
    return cleaned


def bound_address(runner: web.AppRunner, host: str, port: int) -> tuple[str, int]:
    """The address really listened on, read from the server sockets (port 0 becomes real)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return str(address[0]), int(address[1])
    return host, port
