"""core.secrets: secret references resolve only from the operator's store; Fernet at rest."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from connectors.base import PolicyDenied
from core.secrets import Cipher, SecretReferenceError, credentials, resolve_secret_ref
from core.settings import Settings


def make_settings(tmp_path: Path, **confinement: object) -> Settings:
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    (secrets / "pg").write_text("  s3cret\n")
    (secrets / "nested").mkdir(exist_ok=True)
    (secrets / "nested" / "key").write_text("deep")
    (tmp_path / "outside").write_text("not yours")
    return Settings.model_validate(
        {"data_dir": tmp_path / "data", "confinement": {"secrets_dir": str(secrets), **confinement}}
    )


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("env:DUCTWORK_SECRET_PG", "from-env"),
        ("file:pg", "s3cret"),
        ("file:nested/key", "deep"),
        ("file:nested/../pg", "s3cret"),
    ],
    ids=["env", "file-stripped", "file-nested", "file-dotdot-inside"],
)
def test_references_that_resolve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ref: str, expected: str
) -> None:
    monkeypatch.setenv("DUCTWORK_SECRET_PG", "from-env")
    assert resolve_secret_ref(ref, make_settings(tmp_path)) == expected


@pytest.mark.parametrize(
    ("ref", "prefix", "setting"),
    [
        ("env:HOME", "DUCTWORK_SECRET_", "SECRET_ENV_PREFIX"),
        ("env:DATAPIPELINES_API_KEY", "DATAPIPELINES_", "SECRET_ENV_PREFIX"),
        ("env:DUCTWORK_AUTH__JWT_SECRET", "DUCTWORK_", "SECRET_ENV_PREFIX"),
        ("env:DUCTWORK_SECURITY__ENCRYPTION_KEY", "DUCTWORK_", "SECRET_ENV_PREFIX"),
        ("env:DUCTWORK_STORE__URL", "DUCTWORK_", "SECRET_ENV_PREFIX"),
        ("env:DUCTWORK_DATA_DIR", "DUCTWORK_", "SECRET_ENV_PREFIX"),
        ("env:ANYTHING", "", "SECRET_ENV_PREFIX"),
        ("file:../outside", "DUCTWORK_SECRET_", "SECRETS_DIR"),
        ("file:/etc/passwd", "DUCTWORK_SECRET_", "SECRETS_DIR"),
        ("file:.", "DUCTWORK_SECRET_", "SECRETS_DIR"),
        ("file:nested/../../outside", "DUCTWORK_SECRET_", "SECRETS_DIR"),
    ],
    ids=[
        "env-outside-prefix",
        "env-service-key",
        "env-service-jwt",
        "env-service-encryption",
        "env-service-store",
        "env-service-data-dir",
        "env-empty-prefix",
        "file-parent",
        "file-absolute",
        "file-the-directory",
        "file-dotdot-out",
    ],
)
def test_references_outside_the_store_are_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ref: str, prefix: str, setting: str
) -> None:
    target = ref.partition(":")[2]
    if ref.startswith("env:"):
        monkeypatch.setenv(target, "would leak")
    with pytest.raises(PolicyDenied) as err:
        resolve_secret_ref(ref, make_settings(tmp_path, secret_env_prefix=prefix))
    assert err.value.setting == f"DUCTWORK_CONFINEMENT__{setting}"


def test_a_prefix_wide_enough_for_settings_still_serves_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUCTWORK_WAREHOUSE_PASSWORD", "pw")
    settings = make_settings(tmp_path, secret_env_prefix="DUCTWORK_")
    assert resolve_secret_ref("env:DUCTWORK_WAREHOUSE_PASSWORD", settings) == "pw"


def test_a_symlink_out_of_the_secrets_directory_is_denied(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    (tmp_path / "secrets" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(PolicyDenied):
        resolve_secret_ref("file:link", settings)


@pytest.mark.parametrize(
    "ref",
    ["vault:x", "env:", "file:", "a/b", "", "ENV:DUCTWORK_SECRET_PG", "../pg", ".hidden"],
    ids=[
        "other-scheme",
        "env-empty",
        "file-empty",
        "name-with-slash",
        "empty",
        "upper-scheme",
        "name-dotdot",
        "name-dot-first",
    ],
)
def test_unsupported_references(tmp_path: Path, ref: str) -> None:
    with pytest.raises(SecretReferenceError, match="unsupported secret reference"):
        resolve_secret_ref(ref, make_settings(tmp_path))


@pytest.mark.parametrize(
    "ref",
    ["env:DUCTWORK_SECRET_NOT_SET", "file:missing", "file:nested", "not-set", "nested"],
    ids=["env", "file", "dir", "name", "name-of-a-dir"],
)
def test_allowed_references_that_name_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ref: str
) -> None:
    monkeypatch.delenv("DUCTWORK_SECRET_NOT_SET", raising=False)
    monkeypatch.delenv("DUCTWORK_SECRET_NESTED", raising=False)
    with pytest.raises(SecretReferenceError) as err:
        resolve_secret_ref(ref, make_settings(tmp_path))
    assert not isinstance(err.value, PolicyDenied)


def test_cipher_round_trip_and_key_change() -> None:
    cipher = Cipher(Fernet.generate_key())
    token = cipher.encrypt("pässword")
    assert token != "pässword"
    assert cipher.decrypt(token) == "pässword"
    with pytest.raises(ValueError, match="encryption key changed"):
        Cipher(Fernet.generate_key()).decrypt(token)


def test_cipher_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    token = Cipher.from_settings(settings).encrypt("x")
    mode = stat.S_IMODE(os.stat(settings.key_file).st_mode)
    assert mode == 0o600
    assert Cipher.from_settings(settings).decrypt(token) == "x"  # the same key, read back


def test_a_named_secret_is_a_file_of_the_secrets_directory_else_a_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    assert resolve_secret_ref("pg", settings) == "s3cret"  # the file wins
    monkeypatch.setenv("DUCTWORK_SECRET_SALES_DB_CREDENTIALS", "from-env")
    assert resolve_secret_ref("sales-db-credentials", settings) == "from-env"
    assert resolve_secret_ref("sales.db_credentials", settings) == "from-env"
    (tmp_path / "secrets" / "sales-db-credentials").write_text("from-file")
    assert resolve_secret_ref("sales-db-credentials", settings) == "from-file"
    # The service's own settings are never a named secret, whatever the prefix.
    monkeypatch.setenv("DUCTWORK_AUTH__JWT_SECRET", "the service's own")
    open_prefix = make_settings(tmp_path, secret_env_prefix="DUCTWORK_")
    with pytest.raises(SecretReferenceError):
        resolve_secret_ref("auth__jwt_secret", open_prefix)
    # No prefix: named secrets come only from the secrets directory.
    monkeypatch.setenv("SALES_DB_CREDENTIALS", "anywhere")
    with pytest.raises(SecretReferenceError):
        resolve_secret_ref("sales-db-credentials-2", make_settings(tmp_path, secret_env_prefix=""))


def test_a_symlinked_named_secret_out_of_the_directory_is_denied(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    (tmp_path / "secrets" / "escape").symlink_to(tmp_path / "outside")
    with pytest.raises(PolicyDenied):
        resolve_secret_ref("escape", settings)


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("plain", (None, "plain")),
        ('{"username": "etl", "password": "pw"}', ("etl", "pw")),
        ('{"user": "etl", "password": "pw"}', ("etl", "pw")),
        ('{"password": "pw"}', (None, "pw")),
        ('{"username": "etl"}', (None, '{"username": "etl"}')),
        ("{not json", (None, "{not json")),
        ('{"username": 7, "password": "pw"}', (None, "pw")),
    ],
    ids=["plain", "username", "user", "password-only", "no-password", "not-json", "odd-user"],
)
def test_credentials_of_a_secret(secret: str, expected: tuple[str | None, str]) -> None:
    assert credentials(secret) == expected
