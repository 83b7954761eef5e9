"""The client's address: the connection's peer, or what trusted reverse proxies forwarded.

A proxy header (``X-Forwarded-For``, ``Forwarded`` or ``X-Real-IP``: the one the proxies set)
is read only when the peer is a trusted proxy, and only as far as trusted proxies wrote it:
reading its hops from the right, the first address that is not a trusted proxy is the client.
Everything left of that hop came from the client itself and may be forged.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN = "unknown"  # a peer without an address (e.g. a Unix socket)
SCHEMES = frozenset({"http", "https"})
# One ``key=value`` pair of RFC 7239's Forwarded, the value a token or a quoted string, then the
# separator that follows it: ';' between pairs, ',' between the elements of successive hops.
_PAIR = re.compile(r'\s*([^=;,\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,]*?)\s*([;,]|$)')


class HeaderLists(Protocol):
    """Request headers that repeat (Starlette's ``Headers``)."""

    def getlist(self, key: str) -> list[str]: ...


def parse_address(text: str) -> Address | None:
    """``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::1`` or ``"[::1]"``; None for anything else."""
    text = text.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # IPv4 with a port; IPv6 has two colons or more
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_elements(values: Iterable[str]) -> list[dict[str, str]]:
    """RFC 7239 ``Forwarded`` headers as one dict of lower-cased keys per hop, left to right."""
    elements: list[dict[str, str]] = []
    for value in values:
        current: dict[str, str] = {}
        for match in _PAIR.finditer(value):
            key, raw, separator = match.groups()
            current[key.lower()] = raw[1:-1] if raw.startswith('"') else raw
            if separator == ",":
                elements.append(current)
                current = {}
        if current:
            elements.append(current)
    return elements


class TrustedProxies:
    """Which peers may name the client, and in which header they do."""

    def __init__(self, networks: Iterable[str], header: str = "x-forwarded-for") -> None:
        self.networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n.strip(), strict=False) for n in networks
        )
        self.header = header.lower()

    def trusts(self, address: Address | None) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def _hops(self, headers: HeaderLists) -> list[str]:
        """The addresses the header lists, from the client's end to ours."""
        values = headers.getlist(self.header)
        if self.header == "forwarded":
            return [element.get("for", "") for element in forwarded_elements(values)]
        if self.header == "x-real-ip":
            return values
        return [hop for value in values for hop in value.split(",")]

    def client(self, peer: str | None, headers: HeaderLists) -> str:
        """The client's address (canonical text): the peer's unless a trusted proxy says."""
        if not peer:
            return UNKNOWN
        found = parse_address(peer)
        if found is None:
            return peer
        if not self.trusts(found):
            return str(found)
        for hop in reversed(self._hops(headers)):
            address = parse_address(hop)
            if address is None:  # a hop a trusted proxy did not write: stop at the last one known
                break
            found = address
            if not self.trusts(address):
                break
        return str(found)

    def scheme(self, peer: str | None, headers: HeaderLists) -> str | None:
        """The scheme the client used, as the nearest trusted proxy says; None: not a proxy."""
        if not peer or not self.trusts(parse_address(peer)):
            return None
        if self.header == "forwarded":
            protos: Sequence[str] = [
                e.get("proto", "") for e in forwarded_elements(headers.getlist("forwarded"))
            ]
        else:
            protos = [p for v in headers.getlist("x-forwarded-proto") for p in v.split(",")]
        scheme = protos[-1].strip().lower() if protos else ""
        return scheme if scheme in SCHEMES else None
