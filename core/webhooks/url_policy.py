"""Where a webhook may point: the host is resolved and every address checked.

Refused unless a network in ``settings.webhooks.allowed_networks`` covers them: private,
loopback, link-local (which holds 169.254.169.254, the cloud metadata address), shared
(100.64/10), multicast, reserved and unspecified addresses, and cloud metadata host names.
``denied_networks`` and ``denied_hosts`` refuse more, and win over allowed networks. The
check runs when a webhook is saved and again before every delivery, which then connects to
the very address it checked (no second lookup a DNS rebinding could answer differently).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.settings import WebhookSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)


class UrlRefused(ValueError):
    """A webhook URL the policy does not let the server call."""


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # every address the host resolved to, all allowed

    def pinned(self) -> str:
        """The URL with its host replaced by the first checked address."""
        address = self.addresses[0]
        literal = f"[{address}]" if ":" in address else address
        parts = urlsplit(self.url)
        return parts._replace(netloc=f"{literal}:{self.port}").geturl()


def parse(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL without credentials, else UrlRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("only http and https URLs are allowed")
    if not parts.hostname:
        raise UrlRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("credentials in the URL are not allowed; use the webhook secret")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


async def check(url: str, policy: WebhookSettings) -> CheckedUrl:
    scheme, host, port = parse(url)
    bare = host.rstrip(".")
    denied_hosts = [h.lower().rstrip(".") for h in policy.denied_hosts]
    if bare in METADATA_HOSTS or any(bare == h or bare.endswith("." + h) for h in denied_hosts):
        raise UrlRefused(f"host {host!r} is denied by the webhook URL policy")
    addresses = await _resolve(host, port, policy.resolve_timeout_seconds)
    for address in addresses:
        _check_address(host, address, policy)
    return CheckedUrl(url, scheme, host, port, tuple(str(a) for a in addresses))


def _check_address(host: str, address: IPAddress, policy: WebhookSettings) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    shown = host if host == str(address) else f"{host!r} ({address})"
    if _within(address, policy.denied_networks):
        raise UrlRefused(f"address {shown} is denied by the webhook URL policy")
    if _within(address, policy.allowed_networks):
        return
    if address in METADATA_ADDRESSES:
        raise UrlRefused(f"address {shown} is a cloud metadata address")
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    ):
        raise UrlRefused(
            f"address {shown} is private, loopback, link-local or reserved; "
            "allow its network in DUCTWORK_WEBHOOKS__ALLOWED_NETWORKS to use it"
        )


def _within(address: IPAddress, networks: list[str]) -> bool:
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except (ValueError, TypeError):
            continue  # a mistyped network covers nothing
    return False


async def _resolve(host: str, port: int, within: float) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), within
        )
    except (TimeoutError, OSError, ValueError) as exc:  # ValueError: NUL, bad IDNA
        raise UrlRefused(f"host {host!r} cannot be resolved") from exc
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise UrlRefused(f"host {host!r} cannot be resolved")
    return found
