"""connectors.kafka.brokers: the brokers a cluster advertises are read over a socket of our own
and checked before librdkafka is given the connection (Tansu, and a scripted broker for SASL
and hostile answers)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from connectors.base import ConnectionSettings, PolicyDenied, TerminalError, TransientError
from connectors.kafka import brokers
from connectors.kafka.brokers import _Scram
from connectors.kafka.config import KafkaConfig
from tests.kafka.conftest import running_tansu, tansu_binary
from tests.service_processes import free_port

Answer = Callable[[int, bytes], bytes]
"""A scripted broker's answer body to a request (its API key, its body)."""


def _config(port: int, checked: list[tuple[str, int]] | None = None, **props) -> KafkaConfig:
    settings = ConnectionSettings(
        host="127.0.0.1",
        port=port,
        database="",
        user=props.pop("user", None),
        password=props.pop("password", None),
        properties={"timeout_seconds": 2, **props},
    )

    def check(host: str, port: int) -> None:
        if checked is not None:
            checked.append((host, port))
        if host == "10.9.9.9":
            raise PolicyDenied(f"{host}:{port} is denied")

    return KafkaConfig.from_settings(settings, check)


def _metadata_answer(*advertised: tuple[str, int]) -> bytes:
    body = struct.pack(">ii", 0, len(advertised))
    for node, (host, port) in enumerate(advertised):
        body += struct.pack(">ih", node, len(host)) + host.encode() + struct.pack(">ih", port, -1)
    return body + struct.pack(">hii", -1, 0, 0)  # no cluster id, controller 0, no topics


@contextmanager
def scripted_broker(answer: Answer, raw: bytes | None = None) -> Iterator[tuple[int, list]]:
    """A one-connection-at-a-time broker on loopback that frames ``answer``'s bodies (or sends
    ``raw`` as it is); yields its port and the (API key, body) of each request it read."""
    server = socket.create_server(("127.0.0.1", 0))
    seen: list[tuple[int, bytes]] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                try:
                    while size := conn.recv(4):
                        request = conn.recv(struct.unpack(">i", size)[0], socket.MSG_WAITALL)
                        key, _, correlation, client = struct.unpack(">hhih", request[:10])
                        seen.append((key, request[10 + client :]))
                        if raw is not None:
                            conn.sendall(raw)
                            break
                        reply = struct.pack(">i", correlation) + answer(key, request[10 + client :])
                        conn.sendall(struct.pack(">i", len(reply)) + reply)
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1], seen
    finally:
        server.close()


def test_the_brokers_tansu_advertises_are_read_and_checked():
    tansu_binary()
    port, advertised = free_port(), free_port()
    with running_tansu(port, f"tcp://127.0.0.2:{advertised}"):
        checked: list[tuple[str, int]] = []
        settings = brokers.client_config(_config(port, checked), **{"group.id": "g"})
    assert checked == [("127.0.0.2", advertised)]
    assert settings["bootstrap.servers"] == f"127.0.0.1:{port}" and settings["group.id"] == "g"


def test_a_denied_advertised_broker_stops_the_client_before_it_is_made():
    denied = _metadata_answer(("10.9.9.9", 9092))
    with (
        scripted_broker(lambda key, body: denied) as (port, _),
        pytest.raises(PolicyDenied, match=r"10\.9\.9\.9"),
    ):
        brokers.client_config(_config(port))


def test_without_a_policy_nothing_is_asked():
    settings = ConnectionSettings(host="127.0.0.1", port=free_port(), database="")
    config = KafkaConfig.from_settings(settings)
    assert brokers.client_config(config)["bootstrap.servers"] == config.bootstrap


def test_sasl_plain_authenticates_before_the_metadata_request():
    def answer(key: int, body: bytes) -> bytes:
        if key == 17:  # SaslHandshake: accepted, PLAIN offered
            return struct.pack(">hih", 0, 1, 5) + b"PLAIN"
        if key == 36:  # SaslAuthenticate: accepted, nothing back
            return struct.pack(">hhi", 0, -1, 0)
        return _metadata_answer(("127.0.0.1", 9092))

    with scripted_broker(answer) as (port, seen):
        config = _config(
            port, [], user="alice", password="s3cret", security_protocol="SASL_PLAINTEXT"
        )
        assert brokers.advertised(config) == [("127.0.0.1", 9092)]
    assert [key for key, _ in seen] == [17, 36, 3]
    assert seen[1][1] == struct.pack(">i", 13) + b"\0alice\0s3cret"


def test_refused_sasl_credentials_are_terminal_and_not_echoed():
    def answer(key: int, body: bytes) -> bytes:
        if key == 17:
            return struct.pack(">hih", 0, 1, 5) + b"PLAIN"
        return struct.pack(">hh", 58, 6) + b"s3cret" + struct.pack(">i", 0)

    with scripted_broker(answer) as (port, _):
        config = _config(port, user="a", password="s3cret", security_protocol="SASL_PLAINTEXT")
        with pytest.raises(TerminalError, match="refused the credentials") as refused:
            brokers.advertised(config)
    assert "s3cret" not in str(refused.value)


def test_scram_sha_256_matches_rfc_7677():
    scram = _Scram("SCRAM-SHA-256", "user", "pencil", nonce="rOprNGfwEbeRWgbNEkqO")
    server_first = (
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    )
    final, server = scram.answer("n=user,r=rOprNGfwEbeRWgbNEkqO", server_first)
    assert final == (
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    )
    assert server == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


@pytest.mark.parametrize(
    "server_first",
    [
        "r=someone-elses-nonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=999999999",
        "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots",
    ],
    ids=["foreign-nonce", "endless-iterations", "no-count"],
)
def test_a_hostile_scram_challenge_is_refused(server_first: str):
    with pytest.raises(TerminalError, match="not a Kafka broker"):
        _Scram("SCRAM-SHA-512", "u", "p", nonce="abc").answer("n=u,r=abc", server_first)


HOSTILE = {
    "garbage": b"HTTP/1.1 200 OK\r\n\r\n",
    "huge-size": struct.pack(">i", 1 << 30),
    "short-body": struct.pack(">ii", 8, 1) + b"\0",
    "endless-brokers": struct.pack(">iiii", 12, 1, 0, 0x7FFFFFFF),
}


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_answer_is_refused(raw: bytes):
    with (
        scripted_broker(lambda key, body: b"", raw=raw) as (port, _),
        pytest.raises((TerminalError, TransientError)),
    ):
        brokers.advertised(_config(port))


def test_no_bootstrap_server_answering_is_transient():
    with pytest.raises(TransientError):
        brokers.advertised(_config(free_port()))
