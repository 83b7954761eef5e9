"""Encryption of credentials at rest (Fernet) and resolution of secret references."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from core.settings import Settings


class SecretReferenceError(ValueError):
    """A ``credentialSecretRef`` that cannot be resolved."""


class Cipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> Cipher:
        if settings.security.encryption_key is not None:
            return cls(settings.security.encryption_key.get_secret_value().encode())
        return cls(_load_or_create_key(settings.key_file))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("credential cannot be decrypted: the encryption key changed") from exc


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def resolve_secret_ref(ref: str) -> str:
    """Resolve ``env:NAME`` or ``file:/path`` to the secret it names."""
    scheme, _, target = ref.partition(":")
    if scheme == "env" and target:
        value = os.environ.get(target)
        if value is None:
            raise SecretReferenceError(f"environment variable {target!r} is not set")
        return value
    if scheme == "file" and target:
        try:
            return Path(target).read_text().strip()
        except OSError as exc:
            raise SecretReferenceError(
                f"cannot read secret file {target!r}: {exc.strerror}"
            ) from exc
    raise SecretReferenceError(
        f"unsupported secret reference {ref!r}: use 'env:NAME' or 'file:/path/to/secret'"
    )
