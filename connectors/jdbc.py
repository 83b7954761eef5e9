"""A ``jdbc`` connection (the pipeline service API's example type) is not a system of its own:
its JDBC URL (``jdbc:postgresql://host:5432/db``) or its port names the system. Anything else
is refused with the accepted types."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# JDBC sub-protocols → Ductwork's connection types.
SUBPROTOCOLS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mariadb",
    "clickhouse": "clickhouse",
    "ch": "clickhouse",
}
# Well-known ports, when no URL says it.
PORTS = {5432: "postgresql", 3306: "mysql", 8123: "clickhouse", 8443: "clickhouse"}


class JdbcUnresolved(ValueError):
    """Neither the URL nor the port says which database system a jdbc connection is."""


@dataclass(frozen=True)
class JdbcTarget:
    type: str
    host: str | None
    port: int | None
    database: str | None


def resolve(host: str | None, port: int | None) -> JdbcTarget:
    """The system of a ``jdbc`` connection from its host (a JDBC URL or a plain host name) and
    port; JdbcUnresolved naming what is accepted otherwise."""
    if host and host.lower().startswith("jdbc:"):
        return _from_url(host)
    kind = PORTS.get(port or 0)
    if kind is None:
        raise JdbcUnresolved(
            f"a 'jdbc' connection on port {port} does not say which database it is: give "
            f"'host' as a JDBC URL ({_url_forms()}), or a port Ductwork knows "
            f"({_known_ports()}), or set 'type' to the database itself"
        )
    return JdbcTarget(kind, host, port, None)


def _from_url(url: str) -> JdbcTarget:
    subprotocol, _, rest = url[len("jdbc:") :].partition(":")
    kind = SUBPROTOCOLS.get(subprotocol.lower())
    if kind is None or not rest.startswith("//"):
        raise JdbcUnresolved(
            f"JDBC URL sub-protocol {subprotocol!r} is not one Ductwork connects to; accepted: "
            f"{_url_forms()}"
        )
    parts = urlsplit(rest)
    try:
        port = parts.port
    except ValueError:
        raise JdbcUnresolved(f"the JDBC URL's port is not a number: {url!r}") from None
    if not parts.hostname:
        raise JdbcUnresolved(f"the JDBC URL names no host: {url!r}")
    database = parts.path.lstrip("/") or None
    return JdbcTarget(kind, parts.hostname, port, database)


def _url_forms() -> str:
    return ", ".join(
        f"jdbc:{name}://host:port/database" for name in sorted(set(SUBPROTOCOLS.values()))
    )


def _known_ports() -> str:
    return ", ".join(f"{port} {kind}" for port, kind in sorted(PORTS.items()))
