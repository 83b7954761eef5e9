"""domain.webhooks.signing: HMAC-SHA256 over the raw body and over the canonical payload."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from domain.webhooks import signing

SECRET = "whsec"
PAYLOAD = {"event": "run.succeeded", "b": [1, 2], "a": {"z": 1, "y": "é"}}


def test_header_signature_is_hmac_of_the_exact_body() -> None:
    body, header = signing.signed_body(SECRET, PAYLOAD)
    assert header == "sha256=" + hmac.new(b"whsec", body, hashlib.sha256).hexdigest()
    assert signing.verify_body(SECRET, body, header)


def test_body_signature_verifies_after_parsing() -> None:
    body, _ = signing.signed_body(SECRET, PAYLOAD)
    parsed = json.loads(body)
    assert {k: v for k, v in parsed.items() if k != "signature"} == PAYLOAD
    assert signing.verify_payload(SECRET, parsed)


def test_a_stale_signature_field_is_replaced() -> None:
    body, _ = signing.signed_body(SECRET, {**PAYLOAD, "signature": "sha256=old"})
    assert json.loads(body)["signature"] != "sha256=old"
    assert signing.verify_payload(SECRET, json.loads(body))


@pytest.mark.parametrize(
    ("secret", "mutate", "header"),
    [
        ("other", lambda b: b, None),
        (SECRET, lambda b: b + b" ", None),
        (SECRET, lambda b: b.replace(b"succeeded", b"failed"), None),
        (SECRET, lambda b: b, "sha256=" + "0" * 64),
        (SECRET, lambda b: b, ""),
    ],
    ids=["wrong-secret", "trailing-space", "tampered", "forged", "empty-header"],
)
def test_verify_body_rejects(secret: str, mutate, header: str | None) -> None:  # type: ignore[no-untyped-def]
    body, good = signing.signed_body(SECRET, PAYLOAD)
    assert not signing.verify_body(secret, mutate(body), header if header is not None else good)


def test_verify_body_rejects_a_missing_header() -> None:
    body, _ = signing.signed_body(SECRET, PAYLOAD)
    assert not signing.verify_body(SECRET, body, None)


@pytest.mark.parametrize(
    "change",
    [
        {"event": "run.failed"},
        {"extra": 1},
        {"signature": None},
        {"signature": 123},
        {"signature": "sha256=" + "0" * 64},
    ],
    ids=["changed-field", "added-field", "null-signature", "non-string", "forged"],
)
def test_verify_payload_rejects(change: dict) -> None:  # type: ignore[type-arg]
    parsed = json.loads(signing.signed_body(SECRET, PAYLOAD)[0])
    assert not signing.verify_payload(SECRET, {**parsed, **change})


def test_canonical_form_is_key_order_independent() -> None:
    assert signing.canonical({"b": 1, "a": "é"}) == signing.canonical({"a": "é", "b": 1})
    assert signing.canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
