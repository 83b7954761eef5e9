"""Encryption of credentials at rest (Fernet) and resolution of secret references."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from connectors.base import PolicyDenied
from core.settings import Settings


class SecretReferenceError(ValueError):
    """A ``credentialSecretRef`` that cannot be resolved."""


class Cipher:
    """Fernet encryption with the current key; keys being rotated out still decrypt."""

    def __init__(self, key: bytes, previous: list[bytes] | None = None) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in (key, *(previous or []))])

    @classmethod
    def from_settings(cls, settings: Settings) -> Cipher:
        security = settings.security
        previous = [k.get_secret_value().encode() for k in security.previous_encryption_keys]
        if security.encryption_key is not None:
            return cls(security.encryption_key.get_secret_value().encode(), previous)
        return cls(_load_or_create_key(settings.key_file), previous)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("credential cannot be decrypted: the encryption key changed") from exc

    def rotate(self, token: str) -> str:
        """The same secret encrypted with the current key (a token of a previous key, or of
        the current one: rotating twice is harmless)."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("credential cannot be decrypted by any configured key") from exc


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


SECRET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
"""A named secret of the operator's store, e.g. ``sales-db-credentials``."""


def secret_reference_form(ref: str) -> bool:
    """Whether ``ref`` has a form ``resolve_secret_ref`` understands (not whether it resolves)."""
    scheme, colon, target = ref.partition(":")
    if not colon:
        return SECRET_NAME.fullmatch(ref) is not None
    return scheme in ("env", "file") and bool(target)


def resolve_secret_ref(ref: str, settings: Settings) -> str:
    """Resolve a secret reference of the operator's store: a bare name (``sales-db-credentials``:
    the file of that name in the secrets directory, else the environment variable
    ``<prefix>SALES_DB_CREDENTIALS``), ``env:NAME`` (NAME under the operator's prefix) or
    ``file:NAME`` (a file in the secrets directory). Anything outside is PolicyDenied."""
    scheme, colon, target = ref.partition(":")
    policy = settings.confinement
    if not colon and SECRET_NAME.fullmatch(ref):
        return _named_secret(ref, settings)
    if scheme == "env" and target:
        return _secret_variable(ref, target, settings)
    if scheme == "file" and target:
        return _secret_file(ref, target, settings)
    raise SecretReferenceError(
        f"unsupported secret reference {ref!r}: use a secret's name, "
        f"'env:{policy.secret_env_prefix}NAME' or 'file:NAME' (a file in the secrets directory)"
    )


def _named_secret(name: str, settings: Settings) -> str:
    directory = Path(os.path.realpath(settings.secrets_dir))
    if (directory / name).is_file():
        return _secret_file(name, name, settings)
    prefix = settings.confinement.secret_env_prefix
    variable = prefix + re.sub(r"[^A-Z0-9]", "_", name.upper())
    if prefix and not _service_setting(variable) and variable in os.environ:
        return os.environ[variable]
    raise SecretReferenceError(
        f"secret {name!r} is not in the operator's secret store: put it in the file {name!r} "
        f"of the secrets directory (DUCTWORK_CONFINEMENT__SECRETS_DIR) or in the environment "
        f"variable {variable}"
    )


def _secret_variable(ref: str, target: str, settings: Settings) -> str:
    prefix = settings.confinement.secret_env_prefix
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


def credentials(secret: str) -> tuple[str | None, str]:
    """A secret's (username, password): a JSON object with ``password`` (and ``username`` or
    ``user``), as credential stores keep them, else the whole secret is the password."""
    if secret.startswith("{"):
        try:
            found = json.loads(secret)
        except ValueError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("password"), str):
            user = found.get("username") or found.get("user")
            return (user if isinstance(user, str) else None), found["password"]
    return None, secret


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
