"""Attacks through a connection's secret reference (``credentialSecretRef``), which the worker
resolves with the service's environment and files: the service's own variables and key files,
``/proc/self/environ`` and escapes from the secrets directory are refused when the connection
is saved (422 POLICY_DENIED); only ``env:DUCTWORK_SECRET_*`` and files in the secrets directory
resolve, and only an admin may give a reference at all.

A reference that resolved would be sent to a server the tenant chooses (an HTTP source's auth
header), so every case also checks that the secret never left.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.http_api import Api, orders, serve
from tests.pipelines import unique_name
from tests.security.kit import (
    CONNECTIONS,
    Attacker,
    assert_policy_denied,
    assert_refused_at_run_time,
    attacker_fixture,  # noqa: F401  (the fixture "attacker")
    attempt_run,
    error_code,
    key_files_fixture,  # noqa: F401  (the fixture "key_files")
    own_lake,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    post_pipeline,
)


@pytest.fixture
def secrets_dir(settings, policy) -> Path:
    """The secrets directory of the strict policy: ``<data_dir>/secrets``."""
    directory = settings.confinement.secrets_dir or settings.data_dir / "secrets"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def server(policy) -> Iterator[Api]:
    """A loopback API the operator lets tenants reach; it records every request's headers."""
    policy.set(allowed_networks=["127.0.0.0/8"])
    with serve(Api(orders(3))) as api:
        yield api


def _http(ref: str, server: Api) -> dict:
    return {
        "name": unique_name("rest"),
        "type": "http",
        "host": server.url,
        "credentialSecretRef": ref,
        "properties": {"auth_header": "X-Api-Key"},
    }


def _received(server: Api) -> str:
    return "\n".join(f"{path} {headers}" for path, headers in server.requests)


# --- only an admin gives a reference ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["env", "file"])
async def test_an_editor_may_not_give_a_secret_reference(
    attacker: Attacker, secrets_dir: Path, server: Api, monkeypatch, kind: str
):
    token = "TOK" + uuid.uuid4().hex
    if kind == "env":
        variable = f"DUCTWORK_SECRET_T{uuid.uuid4().hex[:8].upper()}"
        monkeypatch.setenv(variable, token)
        ref = f"env:{variable}"
    else:
        (secrets_dir / "editor-token").write_text(token)
        ref = f"file:{secrets_dir / 'editor-token'}"
    response = await attacker.editor.post(CONNECTIONS, json=_http(ref, server))
    assert response.status_code == 403, response.text
    assert token not in _received(server)
    # The control: the same reference is fine for an admin.
    created = await attacker.admin.post(CONNECTIONS, json=_http(ref, server))
    assert created.status_code == 201, created.text


# --- references to the service's own secrets ----------------------------------------------------


def _refs(settings, secrets_dir: Path) -> dict[str, tuple[str, bool]]:
    """Refused references, and whether an operator setting could allow them."""
    data = settings.data_dir
    link = secrets_dir / f"link-{uuid.uuid4().hex[:8]}"
    link.symlink_to(data / "secret.key")
    return {
        "env-bootstrap-key": ("env:DATAPIPELINES_API_KEY", False),
        "env-jwt-secret": ("env:DUCTWORK_AUTH__JWT_SECRET", False),
        "env-encryption-key": ("env:DUCTWORK_SECURITY__ENCRYPTION_KEY", False),
        "env-store-url": ("env:DUCTWORK_STORE__URL", False),
        "env-path": ("env:PATH", True),
        "env-prefix-without-underscore": ("env:DUCTWORK_SECRET", True),
        "file-secret-key": (f"file:{data / 'secret.key'}", False),
        "file-jwt-key": (f"file:{data / 'jwt.key'}", False),
        "file-store": (f"file:{data / 'ductwork.db'}", False),
        "file-proc-environ": ("file:/proc/self/environ", False),
        "file-proc-cmdline": ("file:/proc/self/cmdline", False),
        "file-etc-passwd": ("file:/etc/passwd", True),
        "file-dotdot-from-secrets": (f"file:{secrets_dir}/../secret.key", False),
        "file-dot-segments": (f"file:{secrets_dir}/./../jwt.key", False),
        "file-symlink-in-secrets": (f"file:{link}", False),
        "file-relative": ("file:../../../../../../etc/passwd", True),
    }


REFS = [
    "env-bootstrap-key",
    "env-jwt-secret",
    "env-encryption-key",
    "env-store-url",
    "env-path",
    "env-prefix-without-underscore",
    "file-secret-key",
    "file-jwt-key",
    "file-store",
    "file-proc-environ",
    "file-proc-cmdline",
    "file-etc-passwd",
    "file-dotdot-from-secrets",
    "file-dot-segments",
    "file-symlink-in-secrets",
    "file-relative",
]


@pytest.mark.parametrize("name", REFS)
async def test_references_to_the_services_own_secrets_are_refused(
    attacker: Attacker, settings, secrets_dir: Path, key_files, server: Api, monkeypatch, name
):
    # The service's variables hold markers: a reference that resolved would carry one out.
    markers = {v: f"SVC{uuid.uuid4().hex}" for v in ("DATAPIPELINES_API_KEY", "DUCTWORK_SECRET")}
    for variable, value in markers.items():
        monkeypatch.setenv(variable, value)
    ref, allowable = _refs(settings, secrets_dir)[name]
    response = await attacker.admin.post(CONNECTIONS, json=_http(ref, server))
    assert_policy_denied(response, names_setting=allowable)
    secrets = [*markers.values(), *(k.marker for k in key_files)]
    received = _received(server)
    assert not [s for s in secrets if s in received], "a secret reached the tenant's server"
    assert not [s for s in secrets if s in attacker.responses()]


# --- what is allowed resolves -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["env", "file"])
async def test_an_allowed_reference_resolves_for_an_admin(
    attacker: Attacker, secrets_dir: Path, server: Api, monkeypatch, kind: str
):
    token = "TOK" + uuid.uuid4().hex
    if kind == "env":
        variable = f"DUCTWORK_SECRET_T{uuid.uuid4().hex[:8].upper()}"
        monkeypatch.setenv(variable, token)
        ref = f"env:{variable}"
    else:
        name = f"token-{uuid.uuid4().hex[:8]}"
        (secrets_dir / name).write_text(token + "\n")
        ref = f"file:{secrets_dir / name}"
    created = await attacker.admin.post(CONNECTIONS, json=_http(ref, server))
    assert created.status_code == 201, created.text
    tested = await attacker.admin.post(f"{CONNECTIONS}/{created.json()['connectionId']}/test")
    assert tested.status_code == 200, tested.text
    assert tested.json()["connected"] is True, tested.text
    assert any(value == token for _, headers in server.requests for value in headers.values()), (
        "the reference did not resolve to the secret"
    )
    assert token not in attacker.responses()


# --- references saved under a laxer policy are refused when used --------------------------------


@pytest.mark.parametrize("kind", ["env", "file"])
async def test_a_reference_saved_under_a_laxer_policy_is_refused_when_used(
    attacker: Attacker, policy, server: Api, client, tmp_path, monkeypatch, kind: str
):
    token = "OLD" + uuid.uuid4().hex
    if kind == "env":
        variable = f"DUCTWORK_TEST_OLD_{uuid.uuid4().hex[:8].upper()}"
        monkeypatch.setenv(variable, token)
        ref = f"env:{variable}"
        policy.set(allowed_networks=["127.0.0.0/8"], secret_env_prefix="DUCTWORK_TEST_OLD_")
    else:
        old = tmp_path / "old-secrets"
        old.mkdir()
        (old / "token").write_text(token)
        ref = f"file:{old / 'token'}"
        policy.set(allowed_networks=["127.0.0.0/8"], secrets_dir=old)
    created = await attacker.admin.post(CONNECTIONS, json=_http(ref, server))
    assert created.status_code == 201, created.text
    rest = created.json()["connectionId"]
    lake = await own_lake(attacker)
    pipeline = await post_pipeline(
        attacker.admin, lake.definition({"connection": rest, "table": "plain"})
    )
    assert pipeline.status_code == 201, pipeline.text
    policy.set(allowed_networks=["127.0.0.0/8"])  # the strict policy, the server still allowed
    server.requests.clear()  # saving the pipeline looked the resource up, as it was allowed to

    tested = await attacker.admin.post(f"{CONNECTIONS}/{rest}/test")
    assert_policy_denied(tested)
    outcome = await attempt_run(
        attacker.admin, client, attacker.tenant_id, pipeline.json()["pipelineId"]
    )
    assert_refused_at_run_time(outcome)
    assert token not in _received(server), "the secret reached the tenant's server"
    assert token not in attacker.responses() and token not in outcome.text
    assert token not in lake.landed()


async def test_a_refused_reference_is_no_500_for_any_role(
    attacker: Attacker, secrets_dir: Path, server: Api
):
    for client in (attacker.editor, attacker.admin):
        response = await client.post(CONNECTIONS, json=_http("env:DATAPIPELINES_API_KEY", server))
        assert response.status_code in (403, 422), response.text
        assert error_code(response) in ("PERMISSION_DENIED", "POLICY_DENIED"), response.text
