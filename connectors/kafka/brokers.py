"""The brokers a Kafka cluster advertises, read before librdkafka connects to any of them.

librdkafka connects to every broker the cluster's metadata names as soon as it reads it, so a
check of those brokers after a client is made comes too late. Before a client is made, one
Metadata request (version 4: Kafka 1.0 to 4.x) goes over a socket of our own to a bootstrap
server, with the connection's TLS and SASL (PLAIN, SCRAM-SHA-256/512), and every broker the
answer names must pass the egress policy as the bootstrap servers did.

Residual risk: a cluster that answers this request otherwise than librdkafka's own (or changes
its metadata between the two) can still name another broker to librdkafka. The clients check
the metadata they read too (``KafkaConfig.check_brokers``), which stops the read or the load,
but librdkafka may have connected to that broker by then. Likewise librdkafka resolves a broker's
name again itself: a name that resolves elsewhere after the check is not seen. confluent-kafka
offers no hook (librdkafka's ``resolve_cb``/``connect_cb``) that would close both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import socket
import ssl
import struct
import time
from typing import Any

from connectors.base import TerminalError, TransientError, unreachable
from connectors.kafka.config import KafkaConfig

_METADATA, _SASL_HANDSHAKE, _SASL_AUTHENTICATE = 3, 17, 36
_CLIENT_ID = b"ductwork-broker-check"
_MAX_ANSWER = 1 << 20  # a Metadata answer without topics is a few hundred bytes per broker
_MAX_ITERATIONS = 100_000  # SCRAM: Kafka allows 4096 to 16384
_REFUSED_CREDENTIALS = "Kafka: the broker refused the credentials (SASL)"


def client_config(config: KafkaConfig, **extra: Any) -> dict[str, Any]:
    """librdkafka's settings for a client of ``config``, once every broker the cluster
    advertises has passed the egress policy (no policy: no request)."""
    if config.broker_check is not None:
        config.check_brokers(advertised(config))
    return config.librdkafka_settings(**extra)


def advertised(config: KafkaConfig) -> list[tuple[str, int]]:
    """(host, port) of every broker the cluster names, from the first bootstrap server that
    answers."""
    failure: Exception | None = None
    for host, port in config.servers:
        try:
            with _Session(config, host, port) as session:
                return session.brokers()
        except TerminalError:
            raise
        except (OSError, TransientError) as exc:
            failure = exc
    if isinstance(failure, ssl.SSLError):
        raise TerminalError(
            "Kafka: the TLS handshake failed (certificate or protocol)", error_type="KAFKA_ERROR"
        ) from None
    raise TransientError(unreachable("Kafka"), error_type="CONNECTION_ERROR") from failure


class _Session:
    """One connection to one broker, authenticated as the connection says."""

    def __init__(self, config: KafkaConfig, host: str, port: int) -> None:
        self.config = config
        self.deadline = time.monotonic() + config.timeout_s
        self.correlation = 0
        raw = socket.create_connection((host, port), timeout=config.timeout_s)
        try:
            self.sock: socket.socket = raw
            if config.security_protocol in ("SSL", "SASL_SSL"):
                context = ssl.create_default_context(cadata=config.ssl_ca_pem or None)
                self.sock = context.wrap_socket(raw, server_hostname=host)
            if config.sasl_mechanism:
                self._authenticate(config.sasl_mechanism)
        except BaseException:
            raw.close()
            raise

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.sock.close()

    def brokers(self) -> list[tuple[str, int]]:
        # Metadata v4: no topics (only the brokers), no topic created.
        answer = _Reader(self._call(_METADATA, 4, struct.pack(">ib", 0, 0)))
        answer.int32()  # throttle_time_ms
        found = []
        for _ in range(answer.count()):
            answer.int32()  # node_id
            host = answer.string()
            port = answer.int32()
            answer.string()  # rack
            if not host or not 0 < port < 65536:
                raise _not_kafka()
            found.append((host, port))
        return found

    def _authenticate(self, mechanism: str) -> None:
        handshake = _Reader(self._call(_SASL_HANDSHAKE, 1, _string(mechanism)))
        if handshake.int16() != 0:
            raise TerminalError(
                f"Kafka: the broker does not offer SASL {mechanism}", error_type="KAFKA_ERROR"
            )
        user, password = self.config.user or "", self.config.password or ""
        if mechanism == "PLAIN":
            self._sasl(f"\0{user}\0{password}".encode())
            return
        _Scram(mechanism, user, password).run(self._sasl)

    def _sasl(self, auth: bytes) -> bytes:
        answer = _Reader(self._call(_SASL_AUTHENTICATE, 0, struct.pack(">i", len(auth)) + auth))
        error = answer.int16()
        answer.string()  # the broker's message: never echoed
        if error != 0:
            raise TerminalError(_REFUSED_CREDENTIALS, error_type="KAFKA_ERROR")
        return answer.bytes()

    def _call(self, api_key: int, version: int, body: bytes) -> bytes:
        self.correlation += 1
        header = struct.pack(">hhih", api_key, version, self.correlation, len(_CLIENT_ID))
        request = header + _CLIENT_ID + body
        self._timeout()
        self.sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", self._exactly(4))
        if not 4 <= size <= _MAX_ANSWER:
            raise _not_kafka()
        answer = self._exactly(size)
        if struct.unpack(">i", answer[:4])[0] != self.correlation:
            raise _not_kafka()
        return answer[4:]

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            self._timeout()
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the broker closed the connection")
            data += chunk
        return data

    def _timeout(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the broker did not answer in time")
        self.sock.settimeout(left)


class _Scram:
    """SCRAM-SHA-256/512 (RFC 5802) as Kafka's SASL speaks it, the server's proof checked."""

    def __init__(self, mechanism: str, user: str, password: str, nonce: str | None = None) -> None:
        self.hash = "sha256" if mechanism == "SCRAM-SHA-256" else "sha512"
        self.user = user.replace("=", "=3D").replace(",", "=2C")
        self.password = password.encode()
        self.nonce = nonce or secrets.token_urlsafe(24)

    def run(self, exchange: Any) -> None:
        first_bare = f"n={self.user},r={self.nonce}"
        server_first = exchange(f"n,,{first_bare}".encode()).decode("utf-8", "replace")
        final, expected = self.answer(first_bare, server_first)
        server_final = _fields(exchange(final.encode()).decode("utf-8", "replace"))
        if "e" in server_final or not hmac.compare_digest(server_final.get("v", ""), expected):
            raise TerminalError(_REFUSED_CREDENTIALS, error_type="KAFKA_ERROR")

    def answer(self, first_bare: str, server_first: str) -> tuple[str, str]:
        """The client's final message and the server signature it must send back."""
        fields = _fields(server_first)
        nonce, salt, iterations = fields.get("r", ""), fields.get("s", ""), fields.get("i", "")
        if not nonce.startswith(self.nonce) or not iterations.isdigit():
            raise _not_kafka()
        if not 0 < int(iterations) <= _MAX_ITERATIONS:
            raise _not_kafka()
        salted = hashlib.pbkdf2_hmac(
            self.hash, self.password, base64.b64decode(salt), int(iterations)
        )
        client_key = self._mac(salted, b"Client Key")
        without_proof = f"c=biws,r={nonce}"
        message = f"{first_bare},{server_first},{without_proof}".encode()
        signature = self._mac(hashlib.new(self.hash, client_key).digest(), message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        server = self._mac(self._mac(salted, b"Server Key"), message)
        return (
            f"{without_proof},p={base64.b64encode(proof).decode()}",
            base64.b64encode(server).decode(),
        )

    def _mac(self, key: bytes, message: bytes) -> bytes:
        return hmac.new(key, message, self.hash).digest()


def _fields(message: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in message.split(",") if "=" in part)


class _Reader:
    """Kafka's big-endian fields, read with bounds checked (an answer is untrusted)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def _take(self, size: int) -> bytes:
        if size < 0 or self.at + size > len(self.data):
            raise _not_kafka()
        self.at += size
        return self.data[self.at - size : self.at]

    def int16(self) -> int:
        return int(struct.unpack(">h", self._take(2))[0])

    def int32(self) -> int:
        return int(struct.unpack(">i", self._take(4))[0])

    def count(self) -> int:
        return max(0, self.int32())

    def string(self) -> str:
        size = self.int16()
        return "" if size < 0 else self._take(size).decode("utf-8", "replace")

    def bytes(self) -> bytes:
        size = self.int32()
        return b"" if size < 0 else self._take(size)


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def _not_kafka() -> TerminalError:
    return TerminalError(
        "Kafka: the bootstrap server's answer is not a Kafka broker's", error_type="KAFKA_ERROR"
    )
