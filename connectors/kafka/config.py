"""Connection settings of a Kafka cluster: bootstrap servers, TLS and SASL.

``host``/``port`` name one bootstrap server; ``properties.bootstrap_servers`` (``"a:9092,b:9092"``)
names several. ``properties.security_protocol`` is ``PLAINTEXT`` (default), ``SSL``,
``SASL_PLAINTEXT`` or ``SASL_SSL``; ``properties.sasl_mechanism`` ``PLAIN`` (default with SASL),
``SCRAM-SHA-256`` or ``SCRAM-SHA-512``, with the connection's username and its password (a
secret like every connection's: encrypted at rest or a secret reference, never shown).
``properties.ssl_ca_pem`` gives a CA certificate inline (no path on the worker's disk is read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.base import ConnectionSettings, TerminalError

DEFAULT_PORT = 9092
PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")

BrokerCheck = Callable[[str, int], None]
"""Checks a broker address the cluster advertises against the egress policy; raises
``PolicyDenied``."""


def bootstrap_addresses(settings: ConnectionSettings) -> list[tuple[str, int]]:
    """Every bootstrap server as (host, port)."""
    listed = str((settings.properties or {}).get("bootstrap_servers") or "").strip()
    entries = [e.strip() for e in listed.split(",") if e.strip()] if listed else []
    if not entries and settings.host:
        entries = [e.strip() for e in settings.host.split(",") if e.strip()]
        if len(entries) == 1 and settings.port:
            entries = [f"{entries[0]}:{settings.port}"]
    if not entries:
        raise TerminalError(
            "a Kafka connection needs a bootstrap server: 'host' (and 'port'), or "
            "properties.bootstrap_servers as 'host:port,host:port'",
            error_type="INVALID_CONNECTION",
        )
    addresses = []
    for entry in entries:
        host, sep, port = entry.rpartition(":")
        if not sep or not port.isdigit():
            host, port = entry, str(settings.port or DEFAULT_PORT)
        host = host.strip("[]")
        if not host or not 0 < int(port) < 65536:
            raise TerminalError(
                f"bootstrap server {entry!r} is not 'host:port'", error_type="INVALID_CONNECTION"
            )
        addresses.append((host, int(port)))
    return addresses


@dataclass(frozen=True)
class KafkaConfig:
    servers: tuple[tuple[str, int], ...]
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_ca_pem: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0
    broker_check: BrokerCheck | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(
        cls, settings: ConnectionSettings, broker_check: BrokerCheck | None = None
    ) -> KafkaConfig:
        props = settings.properties or {}
        protocol = str(props.get("security_protocol") or "PLAINTEXT").upper()
        if protocol not in PROTOCOLS:
            raise TerminalError(
                f"security_protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}",
                error_type="INVALID_CONNECTION",
            )
        mechanism = None
        if protocol.startswith("SASL"):
            mechanism = str(props.get("sasl_mechanism") or "PLAIN").upper()
            if mechanism not in MECHANISMS:
                raise TerminalError(
                    f"sasl_mechanism {mechanism!r} is not one of {', '.join(MECHANISMS)}",
                    error_type="INVALID_CONNECTION",
                )
        return cls(
            servers=tuple(bootstrap_addresses(settings)),
            security_protocol=protocol,
            sasl_mechanism=mechanism,
            user=settings.user,
            password=settings.password,
            ssl_ca_pem=props.get("ssl_ca_pem") or None,
            timeout_s=_timeout_seconds(props.get("timeout_seconds", 10)),
            broker_check=broker_check,
        )

    @property
    def bootstrap(self) -> str:
        return ",".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.servers)

    def librdkafka_settings(self, **extra: Any) -> dict[str, Any]:
        """librdkafka's settings; its own logs stay off (they could name addresses). A client
        is made with ``connectors.kafka.brokers.client_config``, which checks the brokers the
        cluster advertises first."""
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": self.security_protocol,
            "socket.timeout.ms": int(self.timeout_s * 1000),
            "log_level": 0,
            "logger": _silent,
        }
        if self.sasl_mechanism:
            conf["sasl.mechanism"] = self.sasl_mechanism
            conf["sasl.username"] = self.user or ""
            conf["sasl.password"] = self.password or ""
        if self.ssl_ca_pem:
            conf["ssl.ca.pem"] = self.ssl_ca_pem
        conf.update(extra)
        return conf

    def check_brokers(self, brokers: list[tuple[str, int]]) -> None:
        """The brokers the cluster advertises go through the same policy as the bootstrap."""
        if self.broker_check is not None:
            for host, port in brokers:
                self.broker_check(host, port)


MAX_TIMEOUT_SECONDS = 300.0  # librdkafka's largest socket timeout


def _timeout_seconds(value: Any) -> float:
    """``properties.timeout_seconds`` as a number of seconds, said how to fix otherwise."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS or isinstance(value, bool):
        raise TerminalError(
            f"properties.timeout_seconds must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT_SECONDS:g}, not {value!r}",
            error_type="INVALID_CONNECTION",
        )
    return seconds


class _Silent:
    def log(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[..., None]:
        return self.log


_silent = _Silent()
