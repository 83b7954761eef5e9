"""Kafka client errors, classified: what a retry can fix, and what it cannot."""

from __future__ import annotations

from connectors.base import ConnectorError, TerminalError, TransientError, safe_detail, unreachable

# librdkafka's codes that no retry fixes: credentials, authorization, a missing topic.
_TERMINAL = {
    "_AUTHENTICATION": "the broker refused the credentials (SASL)",
    "SASL_AUTHENTICATION_FAILED": "the broker refused the credentials (SASL)",
    "TOPIC_AUTHORIZATION_FAILED": "the user may not use this topic",
    "CLUSTER_AUTHORIZATION_FAILED": "the user may not use this cluster",
    "GROUP_AUTHORIZATION_FAILED": "the user may not use this consumer group",
    "_UNKNOWN_TOPIC": "the topic does not exist",
    "UNKNOWN_TOPIC_OR_PART": "the topic or partition does not exist",
    "TOPIC_EXCEPTION": "the topic name is not valid",
    "_SSL": "the TLS handshake failed (certificate or protocol)",
    "MESSAGE_TOO_LARGE": "a message is larger than the broker accepts",
}
_UNREACHABLE = {"_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE", "_TIMED_OUT", "_MSG_TIMED_OUT"}


def classify(exc: BaseException) -> ConnectorError:
    """A ``KafkaException``/``KafkaError`` (or anything else the client raised) as a
    connector error; the broker's own text is summarised, never echoed whole."""
    if isinstance(exc, ConnectorError):
        return exc
    error = exc.args[0] if exc.args and hasattr(exc.args[0], "name") else exc
    name = str(getattr(error, "name", lambda: "")())
    if name in _TERMINAL:
        return TerminalError(f"Kafka: {_TERMINAL[name]}", error_type="KAFKA_ERROR")
    if name in _UNREACHABLE:
        return TransientError(unreachable("Kafka"), error_type="CONNECTION_ERROR")
    retriable = getattr(error, "retriable", None)
    detail = safe_detail(str(getattr(error, "str", lambda: str(exc))()), 200)
    if callable(retriable) and not retriable() and name:
        return TerminalError(f"Kafka: {name}: {detail}", error_type="KAFKA_ERROR")
    return TransientError(
        f"Kafka: {name or type(exc).__name__}: {detail}", error_type="KAFKA_ERROR"
    )
