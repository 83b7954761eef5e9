"""The confinement policy: what a tenant's definitions may reach (README, "Trust model").

A tenant's connections and pipelines are code the worker runs with the operator's privileges:
SQL, paths, URLs and secret references. This package decides, from ``settings.confinement``,
what they may reach, and is applied twice: when a definition is saved or tested (the API
answers 422 ``POLICY_DENIED`` naming the setting that would allow it) and where the work
happens (the worker fails the step with the terminal error ``POLICY_DENIED``), so a definition
stored before a policy change is held too.

- ``paths``: local paths stay inside the tenant's roots, never the service's own files.
- ``egress``: one address policy for outbound HTTP and database hosts.
- ``core.secrets.resolve_secret_ref``: secret references only from the operator's store.
- ``sql``: file and settings functions refused in the definition's SQL (the DuckDB engines
  that run it also have external access off: ``connectors.duckdb.sandbox``).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
from urllib.parse import urlsplit

from connectors.base import ConnectionSettings, PolicyDenied
from connectors.registry import canonical_type, connector_for
from core.confinement import egress, paths
from core.settings import Settings

__all__ = ["PolicyDenied", "confine_connection", "egress", "paths"]

LOCAL_FILES = frozenset({"sqlite", "duckdb"})


async def confine_connection(
    settings: Settings, tenant_id: str, type_: str, connection: ConnectionSettings
) -> ConnectionSettings:
    """The connection as the worker may use it: paths resolved inside the tenant's roots,
    database hosts pinned to their checked address, outbound HTTP checked on every request."""
    kind = canonical_type(type_)
    if kind in LOCAL_FILES:
        real = paths.confine(settings, tenant_id, connection.database, f"{kind} database file")
        return replace(connection, database=real)
    if kind == "files":
        return await _files(settings, tenant_id, connection)
    if kind == "http":
        await egress.check_url(connection.host or "", settings)  # the base URL, at once
        return replace(connection, egress=partial(_pinned_url, settings=settings))
    if kind == "kafka":
        return await _kafka(settings, connection)
    if kind is not None and connector_for(kind).network and connection.host:
        port = connection.port or connector_for(kind).default_port or 0
        if settings.store_url.startswith("postgresql"):  # it resolves names: in a thread
            await asyncio.to_thread(_not_the_store, settings, kind, connection, port)
        address = await egress.check_database_host(connection.host, port, settings)
        return replace(connection, host=address)
    return connection


async def _kafka(settings: Settings, connection: ConnectionSettings) -> ConnectionSettings:
    """Every bootstrap server checked as a database host is (and, over plaintext, pinned to its
    checked address); the brokers the cluster advertises are checked when a client meets them."""
    from connectors.kafka.config import bootstrap_addresses

    pinned = []
    plaintext = str((connection.properties or {}).get("security_protocol") or "PLAINTEXT")
    for host, port in bootstrap_addresses(connection):
        server = replace(connection, host=host)
        await asyncio.to_thread(_not_the_store, settings, "kafka", server, port)
        address = await egress.check_database_host(host, port, settings)
        shown = address if plaintext.upper() == "PLAINTEXT" else host  # TLS checks the name
        pinned.append(f"[{shown}]:{port}" if ":" in shown else f"{shown}:{port}")
    properties = {**(connection.properties or {}), "bootstrap_servers": ",".join(pinned)}
    return replace(
        connection, properties=properties, egress=partial(_broker_address, settings=settings)
    )


def _broker_address(url: str, settings: Settings) -> str:
    """An advertised broker (``kafka://host:port``) checked as a database host is."""
    _, _, address = url.partition("://")
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    egress.check_database_host_sync(host, int(port), settings)
    return url


async def _files(
    settings: Settings, tenant_id: str, connection: ConnectionSettings
) -> ConnectionSettings:
    if connection.database.startswith("s3://"):
        props = connection.properties or {}
        endpoint = props.get("endpoint_url") or props.get("endpointUrl")
        if endpoint:
            await egress.check_url(str(endpoint), settings)
        return connection
    if "://" in connection.database:
        raise PolicyDenied("a files root is a local directory or an s3:// URL")
    real = paths.confine(settings, tenant_id, connection.database, "files root")
    return replace(connection, database=real)


def _pinned_url(url: str, settings: Settings) -> str:
    return egress.check_url_sync(url, settings).pinned()


def _not_the_store(
    settings: Settings, kind: str, connection: ConnectionSettings, port: int
) -> None:
    """A PostgreSQL metadata store holds every tenant's users and secrets: never a connection."""
    store = settings.store_url
    if kind != "postgresql" or not store.startswith("postgresql"):
        return
    parts = urlsplit(store.replace("+asyncpg", ""))
    if parts.path.lstrip("/") != connection.database or (parts.port or 5432) != port:
        return
    ours = set(egress.resolve(parts.hostname or "localhost", port))
    theirs = set(egress.resolve(connection.host or "localhost", port))
    if ours & theirs or (all(a.is_loopback for a in ours) and all(a.is_loopback for a in theirs)):
        raise PolicyDenied("the connection names Ductwork's own metadata database")
