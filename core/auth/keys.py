"""API keys: random, shown once, kept only as a SHA-256 (they have 256 bits of entropy)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "dwk_"
SHOWN_CHARS = 12  # how much of a key a list shows, to recognise it


@dataclass(frozen=True)
class NewKey:
    plaintext: str
    prefix: str
    digest: str


def generate() -> NewKey:
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewKey(plaintext, plaintext[:SHOWN_CHARS], digest(plaintext))


def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def looks_like_jwt(token: str) -> bool:
    """A JWT is three base64url parts, the first a JSON object (``eyJ`` = ``{"``)."""
    return token.count(".") == 2 and token.startswith("eyJ")
