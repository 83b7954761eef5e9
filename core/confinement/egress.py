"""Where the service may connect on a tenant's behalf: one address policy for outbound HTTP
(HTTP sources and every redirect hop, webhooks, S3 endpoints) and for database hosts.

Outbound HTTP refuses private, loopback, link-local (which holds 169.254.169.254, the cloud
metadata address), shared (100.64/10), multicast, reserved and unspecified addresses, and
cloud metadata host names, unless a network in ``confinement.allowed_networks`` covers them.
Database hosts are allowed by ``confinement.database_allowed_networks`` (default: any address
in development; public and private ones in production, never loopback or link-local).
Everywhere: ``denied_networks``/``denied_hosts`` win, metadata addresses are refused, and so are
the service's own ports (API, Temporal frontend, Web UI) on any non-public address. A name is
resolved once; the caller connects to the checked address (``CheckedUrl.pinned``), so a DNS
answer that changes between check and connect (rebinding) cannot move it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from connectors.base import PolicyDenied
from core.settings import Environment, Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog"})
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
HTTP_SETTING = "DUCTWORK_CONFINEMENT__ALLOWED_NETWORKS"
DATABASE_SETTING = "DUCTWORK_CONFINEMENT__DATABASE_ALLOWED_NETWORKS"


class Unresolvable(PolicyDenied):
    """A host name with no address: nothing can be checked, so nothing is connected to. A
    connection naming one may still be saved (its DNS may come later)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.error_type = "HOST_NOT_FOUND"


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]  # every address the host resolved to, all allowed

    def pinned(self) -> str:
        """The URL with its host replaced by the first checked address."""
        return (
            urlsplit(self.url)
            ._replace(netloc=f"{_literal(self.addresses[0])}:{self.port}")
            .geturl()
        )

    @property
    def netloc(self) -> str:
        """What the Host header says: the URL's own host and port."""
        return urlsplit(self.url).netloc


def _literal(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def parse_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL without credentials, else PolicyDenied."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise PolicyDenied(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise PolicyDenied(f"only http and https URLs are allowed, not {parts.scheme or 'none'}")
    if not parts.hostname:
        raise PolicyDenied("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise PolicyDenied("credentials in the URL are not allowed; use the connection's secret")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def service_ports(settings: Settings) -> frozenset[int]:
    """The ports the service itself listens on: never a tenant's destination."""
    return frozenset({settings.api.port, settings.temporal.port, settings.temporal.ui_port})


async def check_url(url: str, settings: Settings) -> CheckedUrl:
    """``check_url_sync`` off the event loop (the name is resolved in a thread)."""
    timeout = settings.confinement.resolve_timeout_seconds
    return await asyncio.wait_for(asyncio.to_thread(check_url_sync, url, settings), timeout + 1)


def check_url_sync(url: str, settings: Settings) -> CheckedUrl:
    """An outbound HTTP URL checked; synchronous connectors call it from their worker thread."""
    scheme, host, port = parse_url(url)
    _check_host_name(host, settings)
    addresses = resolve(host, port)
    for address in addresses:
        _check_http_address(host, port, address, settings)
    return CheckedUrl(url, scheme, host, port, tuple(str(a) for a in addresses))


async def check_database_host(host: str, port: int, settings: Settings) -> str:
    """A database host checked; the address to connect to."""
    _check_host_name(host.lower(), settings)
    literal = spelled_address(host)  # an address needs no lookup, nor a thread to wait for it in
    addresses = [literal] if literal is not None else await asyncio.to_thread(resolve, host, port)
    for address in addresses:
        _check_database_address(host, port, address, settings)
    return str(addresses[0])


def check_database_host_sync(host: str, port: int, settings: Settings) -> str:
    """``check_database_host`` for a client's own thread (Kafka brokers met in metadata)."""
    _check_host_name(host.lower(), settings)
    addresses = resolve(host, port)
    for address in addresses:
        _check_database_address(host, port, address, settings)
    return str(addresses[0])


def _check_host_name(host: str, settings: Settings) -> None:
    bare = host.rstrip(".")
    denied = [h.lower().rstrip(".") for h in settings.confinement.denied_hosts]
    if bare in METADATA_HOSTS or any(bare == h or bare.endswith("." + h) for h in denied):
        raise PolicyDenied(f"host {host!r} is denied by the address policy")


def _shown(host: str, address: IPAddress) -> str:
    return host if host == str(address) else f"{host!r} ({address})"


def _common(host: str, port: int, address: IPAddress, settings: Settings) -> IPAddress:
    """What every destination must pass: the deny list, metadata, the service's own ports."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    policy = settings.confinement
    if _within(address, policy.denied_networks):
        raise PolicyDenied(f"address {_shown(host, address)} is denied by the address policy")
    if address in METADATA_ADDRESSES:
        raise PolicyDenied(f"address {_shown(host, address)} is a cloud metadata address")
    if port in service_ports(settings) and not address.is_global:
        raise PolicyDenied(
            f"{_shown(host, address)} port {port} is one of Ductwork's own services "
            "(API, Temporal, Web UI), which a connection may not reach"
        )
    return address


def _check_http_address(host: str, port: int, address: IPAddress, settings: Settings) -> None:
    address = _common(host, port, address, settings)
    if _within(address, settings.confinement.allowed_networks):
        return
    if not address.is_global or address.is_multicast or address.is_reserved:
        raise PolicyDenied(
            f"address {_shown(host, address)} is private, loopback, link-local or reserved",
            setting=HTTP_SETTING,
        )


def _check_database_address(host: str, port: int, address: IPAddress, settings: Settings) -> None:
    address = _common(host, port, address, settings)
    policy = settings.confinement
    if _within(address, policy.database_denied_networks):
        raise PolicyDenied(
            f"address {_shown(host, address)} is denied for database connections",
            setting="DUCTWORK_CONFINEMENT__DATABASE_DENIED_NETWORKS",
        )
    if policy.database_allowed_networks is not None:
        if not _within(address, policy.database_allowed_networks):
            raise PolicyDenied(
                f"address {_shown(host, address)} is not in the networks allowed for databases",
                setting=DATABASE_SETTING,
            )
        return
    if settings.environment is Environment.production and (
        address.is_loopback or address.is_link_local or address.is_unspecified
    ):
        raise PolicyDenied(
            f"address {_shown(host, address)} is loopback or link-local, refused in production",
            setting=DATABASE_SETTING,
        )


def _within(address: IPAddress, networks: list[str]) -> bool:
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except (ValueError, TypeError):
            continue  # a mistyped network covers nothing
    return False


def spelled_address(host: str) -> IPAddress | None:
    """The address ``host`` spells (``[::1]`` too), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host``, numeric forms (``127.1``, ``2130706433``) included."""
    literal = spelled_address(host)
    if literal is not None:
        return [literal]
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:  # ValueError: NUL
        raise Unresolvable(f"host {host!r} cannot be resolved") from exc
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise Unresolvable(f"host {host!r} cannot be resolved")
    return found
