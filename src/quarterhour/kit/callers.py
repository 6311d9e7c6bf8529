"""Who is calling: the one place a request's caller address is read (for failure budgets).

The caller is the socket peer, unless that peer is one of the configured trusted proxies
(`QUARTERHOUR_TRUSTED_PROXIES`); then it is the right-most address in X-Forwarded-For that is not
itself a trusted proxy. Each proxy appends the address it received the request from, so
everything left of that is whatever the caller chose to send and is never believed. With no
trusted proxies (the default) X-Forwarded-For is ignored altogether.

An IPv6 caller is counted by its /64: one subscriber line holds 2^64 addresses, and counting them
one by one would let a single caller rotate through fresh addresses for ever.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    """The configured proxies (IP addresses or CIDR blocks); ValueError names a bad entry."""
    networks = []
    for entry in proxies:
        text = entry.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {text!r}") from None
    return tuple(networks)


def parse_proxies(spec: str) -> tuple[str, ...]:
    """QUARTERHOUR_TRUSTED_PROXIES: comma-separated addresses or CIDR blocks (checked here)."""
    proxies = tuple(p.strip() for p in spec.split(",") if p.strip())
    try:
        trusted_networks(proxies)
    except ValueError as error:
        raise ValueError(f"QUARTERHOUR_TRUSTED_PROXIES: {error}") from None
    return proxies


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, nets: Iterable[Network]
) -> bool:
    return address is not None and any(address in net for net in nets)


def _key(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, raw: str) -> str:
    if address is None:
        return raw.strip()[:64] or UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def caller_address(peer: str | None, forwarded_for: Sequence[str], proxies: tuple[str, ...]) -> str:
    """The caller's key from the socket peer and the X-Forwarded-For header values, in order."""
    if peer is None:
        return UNKNOWN
    nets = trusted_networks(proxies)
    peer_address = _address(peer)
    if not _trusted(peer_address, nets):
        return _key(peer_address, peer)
    hops = [hop for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if not _trusted(address, nets):
            return _key(address, hop)
    # Every hop is a trusted proxy (or there is none): the request started at the left-most.
    if hops:
        return _key(_address(hops[0]), hops[0])
    return _key(peer_address, peer)


def caller_of(scope: Scope, proxies: tuple[str, ...]) -> str:
    """The caller of an ASGI request (see the module's docstring)."""
    client = scope.get("client")
    peer = client[0] if client else None
    if not proxies:
        return caller_address(peer, (), proxies)
    forwarded = [
        value.decode("latin-1") for name, value in scope["headers"] if name == b"x-forwarded-for"
    ]
    return caller_address(peer, forwarded, proxies)
