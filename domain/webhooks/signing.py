"""HMAC-SHA256 signatures of webhook deliveries.

Two signatures, one secret:

- the ``X-Ductwork-Signature`` header, ``sha256=<hex>`` over the raw request body (verify it
  before parsing: ``verify_body(secret, raw_body, header)``);
- the ``signature`` field of the JSON body (AI-ETL platform API), ``sha256=<hex>`` over the payload
  without that field, serialized canonically: keys sorted, no whitespace, UTF-8
  (``verify_payload(secret, parsed_body)``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

SIGNATURE_HEADER = "X-Ductwork-Signature"
EVENT_HEADER = "X-Ductwork-Event"
DELIVERY_HEADER = "X-Ductwork-Delivery"
PREFIX = "sha256="


def sign(secret: str, message: bytes) -> str:
    return PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_body(secret: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    """The body to send (payload plus its ``signature`` field) and the header's signature."""
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    body = json.dumps(
        {**unsigned, "signature": sign(secret, canonical(unsigned))},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    return body, sign(secret, body)


def verify_body(secret: str, body: bytes, signature: str | None) -> bool:
    return signature is not None and hmac.compare_digest(sign(secret, body), signature)


def verify_payload(secret: str, payload: dict[str, Any]) -> bool:
    claimed = payload.get("signature")
    if not isinstance(claimed, str):
        return False
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    return hmac.compare_digest(sign(secret, canonical(unsigned)), claimed)
