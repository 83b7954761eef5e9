"""A connection configuration from a description and hints (the AI-ETL platform API's
connectors-ai/configure).

Deterministic rules, each field saying where it came from: the hints win, then what the
description says (``PostgreSQL``, ``db.company.com``, ``port 5433``, ``database analytics``),
then the connector's defaults. A production database not on this machine gets ``ssl_mode:
require``. The password only ever comes from the hints and is never echoed back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from connectors.registry import ALIASES, canonical_type, connector_for, is_target

_WORDS = {**ALIASES, "postgre": "postgresql", "mssql": None, "oracle": None}
_HOST = re.compile(
    r"\b((?:\d{1,3}\.){3}\d{1,3}|localhost|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})\b",
    re.I,
)
_PORT = re.compile(r"\bport\s*:?\s*(\d{2,5})\b|:(\d{2,5})\b", re.I)
_DATABASE_AFTER = re.compile(
    r"\b(?:database|db)\s+(?:named\s+|called\s+)?[`'\"]?([A-Za-z_][\w$-]*)", re.I
)
_DATABASE_BEFORE = re.compile(r"\b([A-Za-z_][\w$-]*)\s+(?:database|db)\b", re.I)
_STOP = {"on", "at", "in", "of", "the", "our", "a", "an", "for", "with", "to", "from", "is",
         "server", "production", "prod", "staging", "dev", "my", "this", "that", "and", "as",
         "local", "remote", "main", "primary", "replica"}  # fmt: skip
_USER = re.compile(r"\b(?:user|username|as)\s+[`'\"]?([A-Za-z_][\w.-]*)", re.I)
_PRODUCTION = re.compile(r"\b(prod|production|live|ssl|tls|secure)\b", re.I)
_LOCAL = ("localhost", "127.0.0.1", "::1")
_NOT_A_HOST = {"e.g", "i.e"}


class ConfigureError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Proposal:
    type: str
    configuration: dict[str, Any]
    password: str | None = field(default=None, repr=False)
    sources: dict[str, str] = field(default_factory=dict)  # field → where its value came from
    warnings: list[str] = field(default_factory=list)


def _type(description: str, hints: dict[str, Any]) -> tuple[str, str]:
    for key in ("type", "connector", "engine"):
        if isinstance(hints.get(key), str):
            canonical = canonical_type(hints[key])
            if canonical is None:
                raise ConfigureError(f"hints.{key}", f"unsupported connection type {hints[key]!r}")
            return canonical, f"hints.{key}"
    for word in re.findall(r"[a-z0-9]+", description.lower()):
        if word in _WORDS:
            named = _WORDS[word]
            if named is None:
                raise ConfigureError("description", f"{word} connections are not supported")
            return named, "description"
    port = hints.get("port")
    for kind in ("postgresql", "mysql"):
        if port is not None and str(port) == str(connector_for(kind).default_port):
            return kind, "hints.port"
    raise ConfigureError(
        "description",
        "the description names no system this service connects to "
        f"(say e.g. PostgreSQL or MySQL; known: {', '.join(sorted(set(ALIASES.values())))})",
    )


def _database(description: str) -> str | None:
    for pattern in (_DATABASE_AFTER, _DATABASE_BEFORE):
        for match in pattern.finditer(description):
            word = match[1]
            if word.lower() not in _STOP and word.lower() not in _WORDS:
                return word
    return None


def propose(description: str, role: str, hints: dict[str, Any]) -> Proposal:
    kind, said = _type(description, hints)
    connector = connector_for(kind)
    proposal = Proposal(kind, {}, sources={"type": said})
    cfg = proposal.configuration

    def put(name: str, value: Any, source: str) -> None:
        if value not in (None, ""):
            cfg[name] = value
            proposal.sources[name] = source

    if connector.network:
        host = hints.get("host")
        found = [h for h in _HOST.findall(description) if h.lower() not in _NOT_A_HOST]
        put("host", host or (found[0] if found else None), "hints" if host else "description")
        if "host" not in cfg:
            raise ConfigureError("hints.host", "no host: give hints.host or name it in the text")
        port_match = _PORT.search(description)
        described_port = (
            next((int(p) for p in port_match.groups() if p), None) if port_match else None
        )
        if hints.get("port") is not None:
            put("port", int(hints["port"]), "hints")
        elif described_port:
            put("port", described_port, "description")
        else:
            put("port", connector.default_port, "default")
    database = hints.get("database")
    put("database", database or _database(description), "hints" if database else "description")
    if "database" not in cfg:
        raise ConfigureError("hints.database", "no database: give hints.database or name it")
    if kind == "postgresql":
        put(
            "schema", hints.get("schema") or "public", "hints" if hints.get("schema") else "default"
        )
        local = cfg["host"] in _LOCAL
        if hints.get("ssl_mode"):
            put("ssl_mode", hints["ssl_mode"], "hints")
        elif _PRODUCTION.search(description) and not local:
            put("ssl_mode", "require", "description (production, not on this machine)")
        else:
            put("ssl_mode", "prefer", "default")
    user = hints.get("username") or hints.get("user")
    user_match = _USER.search(description)
    put(
        "username",
        user or (user_match[1] if user_match else None),
        "hints" if user else "description",
    )
    password = hints.get("password")
    proposal.password = str(password) if password else None
    if role == "target" and not is_target(kind):
        proposal.warnings.append(f"{kind} can be a source only; pipelines load into PostgreSQL")
    return proposal
