"""Encryption of credentials at rest (Fernet) and resolution of secret references."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from connectors.base import PolicyDenied
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


def resolve_secret_ref(ref: str, settings: Settings) -> str:
    """Resolve ``env:NAME`` (NAME under the operator's prefix) or ``file:NAME`` (a file in the
    operator's secrets directory) to the secret it names; anything else is PolicyDenied."""
    scheme, _, target = ref.partition(":")
    policy = settings.confinement
    if scheme == "env" and target:
        prefix = policy.secret_env_prefix
        if not prefix or not target.startswith(prefix) or _service_setting(target):
            raise PolicyDenied(
                f"secret reference {ref!r}: only environment variables named {prefix}* "
                "may hold connection secrets",
                setting="DUCTWORK_CONFINEMENT__SECRET_ENV_PREFIX",
            )
        value = os.environ.get(target)
        if value is None:
            raise SecretReferenceError(f"environment variable {target!r} is not set")
        return value
    if scheme == "file" and target:
        return _secret_file(ref, target, settings)
    raise SecretReferenceError(
        f"unsupported secret reference {ref!r}: use 'env:{policy.secret_env_prefix}NAME' or "
        "'file:NAME' (a file in the secrets directory)"
    )


def _service_setting(name: str) -> bool:
    """One of the service's own settings (never a tenant's secret, whatever the prefix)."""
    if name.upper() in SERVICE_VARIABLES:
        return True
    head, _, rest = name.upper().partition("DUCTWORK_")
    return not head and rest.lower().split("__", 1)[0] in Settings.model_fields


SERVICE_VARIABLES = frozenset({"DATAPIPELINES_API_KEY"})


def _secret_file(ref: str, target: str, settings: Settings) -> str:
    directory = Path(os.path.realpath(settings.secrets_dir))
    path = Path(os.path.realpath(directory / target))  # an absolute target stays absolute
    if not path.is_relative_to(directory) or path == directory:
        raise PolicyDenied(
            f"secret reference {ref!r}: secret files must be inside the secrets directory",
            setting="DUCTWORK_CONFINEMENT__SECRETS_DIR",
        )
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        raise SecretReferenceError(f"secret file {target!r} cannot be read") from None
