"""Attacks through outbound connections the worker makes for a tenant: HTTP sources (and each
redirect they follow), S3 endpoints of files connections, webhooks and database hosts. Under the
strict policy loopback (in every spelling), private, link-local and metadata addresses are
refused when the connection is saved (422 POLICY_DENIED); the service's own ports are refused
even where the operator allows loopback; a redirect to a refused address is not followed; and a
refused connection test says the same whether the port behind it is open or closed.

Refusals are also checked from the far side: the loopback servers record every request, and a
refused address that is a real server (127.0.0.2 when only 127.0.0.1 is allowed) gets none.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
    own_lake,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    post_pipeline,
)
from tests.services import PG_HOST, PG_PORT, PG_USER

WEBHOOKS = "/api/v1/webhooks"


@dataclass
class Recorder:
    """A loopback HTTP server that answers each path with a redirect or a JSON list."""

    host: str
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    hits: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def recording(
    host: str = "127.0.0.1", redirects: dict[str, str] | None = None
) -> Iterator[Recorder]:
    recorder = Recorder(host, dict(redirects or {}))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            recorder.hits.append(self.path)
            path = self.path.split("?")[0]
            if path in recorder.redirects:
                self.send_response(302)
                self.send_header("Location", recorder.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'[{"id": 1, "secret": "INTERNAL-ONLY"}]'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    recorder.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


def _http(url: str) -> dict:
    return {"name": unique_name("rest"), "type": "http", "host": url}


def _loopback_names() -> list[str]:
    """Names this machine resolves to loopback without DNS: localhost and /etc/hosts entries."""
    names = ["localhost", "LocalHost"]
    hostname = socket.gethostname()
    try:
        if socket.gethostbyname(hostname).startswith("127."):
            names.append(hostname)
    except OSError:
        pass
    return names


@pytest.fixture(scope="module")
def live_api() -> Iterator[Api]:
    with serve(Api(orders(3))) as api:
        yield api


@pytest.fixture
def api_server(live_api: Api, policy) -> Api:
    """A live loopback API (a connection that got through would reach it); strict policy."""
    live_api.requests.clear()
    return live_api


LOOPBACK_FORMS = [
    "127.0.0.1",
    "127.0.0.2",
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0x7f.0.0.1",
    "127.1",  # short
    "017700000001",  # octal
    "0177.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "0.0.0.0",
    "0",
    *_loopback_names(),
]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
async def test_an_http_source_on_loopback_is_refused(
    attacker: Attacker, api_server: Api, host: str
):
    url = f"http://{host}:{api_server.url.rsplit(':', 1)[1]}"
    response = await attacker.editor.post(CONNECTIONS, json=_http(url))
    assert_policy_denied(response)
    assert api_server.requests == [], "the refused address was reached"


INTERNAL = {
    "aws-metadata": ("http://169.254.169.254/latest/meta-data/", False),
    "aws-metadata-ipv6": ("http://[fd00:ec2::254]/latest/meta-data/", False),
    "gcp-metadata": ("http://metadata.google.internal/computeMetadata/v1/", False),
    "alibaba-metadata": ("http://100.100.100.200/latest/meta-data/", False),
    "link-local": ("http://169.254.1.1/", False),
    "link-local-ipv6": ("http://[fe80::1]/", False),
    "private-10": ("http://10.0.0.8/api", True),
    "private-172": ("http://172.16.5.4:8080/api", True),
    "private-192": ("http://192.168.1.1/api", True),
    "unique-local-ipv6": ("http://[fc00::1]/api", True),
    "mapped-private": ("http://[::ffff:10.0.0.1]/api", True),
}


@pytest.mark.parametrize(("url", "allowable"), INTERNAL.values(), ids=INTERNAL.keys())
async def test_an_http_source_on_an_internal_network_is_refused(
    attacker: Attacker, policy, url: str, allowable: bool
):
    response = await attacker.editor.post(CONNECTIONS, json=_http(url))
    assert_policy_denied(response, names_setting=allowable)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_x",
        "ftp://93.184.216.34/x",
        "dict://127.0.0.1:11211/stat",
        "HTTP+unix://%2Frun%2Fdocker.sock/info",
        "http://user:pw@127.0.0.1:9/api",
        "http://93.184.216.34@127.0.0.1:9/api",  # looks public, goes to loopback
    ],
    ids=["file", "gopher", "ftp", "dict", "unix-socket", "userinfo", "userinfo-lookalike"],
)
async def test_other_schemes_and_confusing_urls_are_refused(attacker: Attacker, policy, url: str):
    response = await attacker.editor.post(CONNECTIONS, json=_http(url))
    # Refused by the policy (422) or by request validation (400 on /v1).
    assert (response.status_code, error_code(response)) in (
        (422, "POLICY_DENIED"),
        (400, "VALIDATION_ERROR"),
    ), response.text


def _own_ports(settings) -> dict[str, int]:
    return {
        "api": settings.api.port,
        "temporal-frontend": settings.temporal.port,
        "temporal-ui": settings.temporal.ui_port,
    }


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("127.0.0.1", "api"),
        ("localhost", "api"),
        ("2130706433", "api"),
        ("[::ffff:127.0.0.1]", "api"),
        ("127.0.0.1", "temporal-frontend"),
        ("localhost", "temporal-ui"),
    ],
)
async def test_the_services_own_ports_are_refused_even_with_loopback_allowed(
    attacker: Attacker, policy, settings, api_server: Api, host: str, port: str
):
    policy.set(allowed_networks=["127.0.0.0/8", "::1/128"])
    url = f"http://{host}:{_own_ports(settings)[port]}/"
    response = await attacker.editor.post(CONNECTIONS, json=_http(url))
    assert_policy_denied(response, names_setting=False)
    # The control: loopback itself is allowed now.
    allowed = await attacker.editor.post(CONNECTIONS, json=_http(api_server.url))
    assert allowed.status_code == 201, allowed.text


# --- redirects ------------------------------------------------------------------------------------


@pytest.fixture
def internal() -> Iterator[Recorder]:
    """A real server on 127.0.0.2, which the policies below refuse (only 127.0.0.1 allowed)."""
    with recording("127.0.0.2") as server:
        yield server


def _redirect_targets(internal: Recorder) -> dict[str, str]:
    return {
        "refused-loopback": f"{internal.url}/secret",
        "mapped-refused-loopback": f"http://[::ffff:127.0.0.2]:{internal.port}/secret",
        # The API's own port is where the internal server listens (see the test).
        "own-api-port": f"http://127.0.0.1:{internal.port}/v1/pipelines/connections",
        "metadata": "http://169.254.169.254/latest/meta-data/iam/",
        "file-scheme": "file:///etc/passwd",
        "two-hops": "/hop",  # to an allowed path first, which redirects to the refused server
    }


@contextmanager
def _redirecting(where: str, internal: Recorder) -> Iterator[Recorder]:
    """A server on the allowed 127.0.0.1 whose base URL and resource both redirect."""
    location = _redirect_targets(internal)[where]
    hop = f"{internal.url}/secret"
    with recording(redirects={"/start": location, "/start/plain": location, "/hop": hop}) as front:
        yield front


@pytest.mark.parametrize(
    "where",
    [
        "refused-loopback",
        "mapped-refused-loopback",
        "own-api-port",
        "metadata",
        "file-scheme",
        "two-hops",
    ],
)
async def test_a_redirect_to_a_refused_address_is_not_followed(
    attacker: Attacker, policy, settings, internal: Recorder, monkeypatch, where: str
):
    policy.set(allowed_networks=["127.0.0.1/32"])
    with (
        _internal_for(where, internal, settings, monkeypatch) as target,
        _redirecting(where, target) as front,
    ):
        created = await attacker.editor.post(CONNECTIONS, json=_http(f"{front.url}/start"))
        assert created.status_code == 201, created.text
        tested = await attacker.editor.post(f"{CONNECTIONS}/{created.json()['connectionId']}/test")
    assert "/start" in front.hits, "the connection test never asked the allowed server"
    assert target.hits == [], "the redirect to a refused address was followed"
    _assert_refused_test(tested)
    assert "INTERNAL-ONLY" not in attacker.responses()


@contextmanager
def _internal_for(where: str, internal: Recorder, settings, monkeypatch) -> Iterator[Recorder]:
    """The refused server a redirect points at: 127.0.0.2, or for "own-api-port" a server on
    127.0.0.1 (allowed) whose port the settings make the API's own."""
    if where != "own-api-port":
        yield internal
        return
    with recording("127.0.0.1") as own:
        monkeypatch.setattr(settings.api, "port", own.port)
        yield own


def _assert_refused_test(tested) -> None:
    """A connection test refused by the policy: its 422, or a result that says why."""
    if tested.status_code == 200:
        result = tested.json()
        assert result["connected"] is False, tested.text
        assert "POLICY_DENIED" in tested.text or "DUCTWORK_CONFINEMENT__" in tested.text
    else:
        assert_policy_denied(tested, names_setting=False)


@pytest.mark.parametrize("where", ["refused-loopback", "two-hops"])
async def test_a_run_that_meets_a_refused_redirect_fails_as_refused(
    attacker: Attacker, policy, client, internal: Recorder, where: str
):
    lake = await own_lake(attacker)
    policy.set(allowed_networks=["127.0.0.1/32"])
    with _redirecting(where, internal) as front:
        created = await attacker.editor.post(CONNECTIONS, json=_http(f"{front.url}/start"))
        assert created.status_code == 201, created.text
        source = {"connection": created.json()["connectionId"], "table": "plain"}
        response = await post_pipeline(attacker.editor, lake.definition(source))
        if response.status_code != 201:
            assert_policy_denied(response, names_setting=False)
        else:
            outcome = await attempt_run(
                attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
            )
            assert_refused_at_run_time(outcome)
            assert "INTERNAL-ONLY" not in outcome.text
        assert "/start/plain" in front.hits, "the run never asked the allowed server"
    assert internal.hits == [], "the redirect to a refused address was followed"
    assert "INTERNAL-ONLY" not in lake.landed()


# --- an open and a closed port look the same ----------------------------------------------------


def _comparable(response) -> Any:
    """The response without what differs from call to call (timings, request ids)."""
    body = response.json()

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: strip(v)
                for k, v in node.items()
                if k not in ("latencyMs", "latency_ms", "request_id", "requestId")
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return response.status_code, strip(body)


@pytest.mark.parametrize("kind", ["http", "postgresql"])
async def test_a_refused_connection_test_does_not_tell_an_open_port_from_a_closed_one(
    attacker: Attacker, policy, kind: str
):
    with serve(Api(orders(1))) as server:
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        if kind == "http":
            policy.set(allowed_networks=["127.0.0.0/8"])
            body = _http(f"http://127.0.0.1:{port}/v1")
        else:
            body = {
                "name": unique_name("pg"),
                "type": "postgresql",
                "host": "127.0.0.1",
                "port": port,
                "database": "postgres",
                "username": "postgres",
            }
        created = await attacker.editor.post(CONNECTIONS, json=body)
        assert created.status_code == 201, created.text
        connection = created.json()["connectionId"]
        if kind == "http":
            policy.strict()
        else:
            policy.set(database_denied_networks=["127.0.0.0/8"])
        open_port = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
    closed_port = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
    assert_policy_denied(open_port, names_setting=False)
    assert _comparable(open_port) == _comparable(closed_port)
    assert server.requests == [], "the refused connection test reached the port"


# --- database hosts -----------------------------------------------------------------------------


async def test_database_denied_networks_refuse_a_postgresql_connection(
    attacker: Attacker, policy, source_db: str
):
    body = {
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": source_db,
        "username": PG_USER,
    }
    # The control: loopback databases are allowed in development.
    allowed = await attacker.editor.post(CONNECTIONS, json={"name": unique_name("pg"), **body})
    assert allowed.status_code == 201, allowed.text
    policy.set(database_denied_networks=["127.0.0.0/8"])
    for host in ("127.0.0.1", "localhost"):
        refused = await attacker.editor.post(
            CONNECTIONS, json={**body, "name": unique_name("pg"), "host": host}
        )
        message = assert_policy_denied(refused)
        assert "DUCTWORK_CONFINEMENT__DATABASE_" in message, message


async def test_a_database_connection_saved_before_a_denial_is_refused_when_used(
    attacker: Attacker, policy, client, source_db: str
):
    lake = await own_lake(attacker)
    body = {
        "name": unique_name("pg"),
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": source_db,
        "username": PG_USER,
    }
    created = await attacker.editor.post(CONNECTIONS, json=body)
    assert created.status_code == 201, created.text
    connection = created.json()["connectionId"]
    marker = "PGROW" + uuid.uuid4().hex
    source = {"connection": connection, "query": f"SELECT 1 AS id, '{marker}' AS note"}
    pipeline = await post_pipeline(attacker.editor, lake.definition(source))
    assert pipeline.status_code == 201, pipeline.text
    policy.set(database_denied_networks=["127.0.0.0/8"])

    tested = await attacker.editor.post(f"{CONNECTIONS}/{connection}/test")
    assert_policy_denied(tested, names_setting=False)
    outcome = await attempt_run(
        attacker.editor, client, attacker.tenant_id, pipeline.json()["pipelineId"]
    )
    assert_refused_at_run_time(outcome)
    assert marker not in lake.landed()


@pytest.mark.parametrize(
    ("kind", "host"),
    [
        ("postgresql", "169.254.169.254"),
        ("postgresql", "metadata.google.internal"),
        ("postgresql", "fd00:ec2::254"),
        ("mysql", "169.254.169.254"),
        ("mysql", "[fd00:ec2::254]"),
        ("clickhouse", "metadata.google.internal"),
        ("clickhouse", "169.254.169.254"),
    ],
)
async def test_a_database_on_a_metadata_address_is_refused(
    attacker: Attacker, policy, kind: str, host: str
):
    body = {"name": unique_name("db"), "type": kind, "host": host, "database": "x"}
    response = await attacker.editor.post(CONNECTIONS, json=body)
    assert_policy_denied(response, names_setting=False)


@pytest.mark.parametrize(
    ("kind", "port"),
    [("postgresql", "api"), ("mysql", "temporal-frontend"), ("clickhouse", "temporal-ui")],
)
async def test_a_database_on_the_services_own_port_is_refused(
    attacker: Attacker, policy, settings, kind: str, port: str
):
    body = {
        "name": unique_name("db"),
        "type": kind,
        "host": "127.0.0.1",
        "port": _own_ports(settings)[port],
        "database": "x",
    }
    response = await attacker.editor.post(CONNECTIONS, json=body)
    assert_policy_denied(response, names_setting=False)


# --- S3 endpoints and webhooks -------------------------------------------------------------------


S3_ENDPOINTS = {
    "loopback": ("http://127.0.0.1:{port}", True),
    "localhost": ("http://localhost:{port}", True),
    "decimal-loopback": ("http://2130706433:{port}", True),
    "ipv6-loopback": ("http://[::1]:{port}", True),
    "metadata": ("http://169.254.169.254", False),
    "private": ("http://10.0.0.5:9000", True),
    "file-scheme": ("file:///etc", False),
}


S3_CASES = [
    pytest.param(endpoint, allowable, key, id=f"{name}-{key}")
    for name, (endpoint, allowable) in S3_ENDPOINTS.items()
    for key in (("endpoint_url", "endpointUrl") if name == "loopback" else ("endpoint_url",))
]


@pytest.mark.parametrize(("endpoint", "allowable", "key"), S3_CASES)
async def test_an_s3_endpoint_on_an_internal_address_is_refused(
    attacker: Attacker, api_server: Api, key: str, endpoint: str, allowable: bool
):
    port = api_server.url.rsplit(":", 1)[1].split("/")[0]
    body = {
        "name": unique_name("s3"),
        "type": "files",
        "database": "s3://bucket/prefix",
        "username": "AKIAEXAMPLE",
        "password": "not-a-real-secret",
        "properties": {key: endpoint.format(port=port), "region": "us-east-1"},
    }
    response = await attacker.editor.post(CONNECTIONS, json=body)
    if endpoint.startswith("file:"):
        assert response.status_code == 422, response.text
        assert error_code(response) in ("POLICY_DENIED", "VALIDATION_ERROR"), response.text
    else:
        assert_policy_denied(response, names_setting=allowable)
    assert api_server.requests == []


async def test_an_s3_endpoint_on_the_services_own_port_is_refused_with_loopback_allowed(
    attacker: Attacker, policy, settings
):
    policy.set(allowed_networks=["127.0.0.0/8"])
    body = {
        "name": unique_name("s3"),
        "type": "files",
        "database": "s3://bucket/prefix",
        "properties": {"endpoint_url": f"http://127.0.0.1:{settings.api.port}"},
    }
    assert_policy_denied(await attacker.editor.post(CONNECTIONS, json=body), names_setting=False)


WEBHOOK_REFUSALS = {"POLICY_DENIED", "WEBHOOK_URL_REFUSED"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://2130706433:{port}/hook",
        "http://localhost:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
    ],
    ids=["loopback", "decimal-loopback", "localhost", "metadata"],
)
async def test_a_webhook_to_an_internal_address_is_refused(
    attacker: Attacker, api_server: Api, url: str
):
    port = api_server.url.rsplit(":", 1)[1].split("/")[0]
    response = await attacker.editor.post(
        WEBHOOKS, json={"url": url.format(port=port), "events": ["pipeline.failed"]}
    )
    assert response.status_code == 422, response.text
    assert error_code(response) in WEBHOOK_REFUSALS, response.text


@pytest.mark.parametrize("port", ["api", "temporal-frontend", "temporal-ui"])
async def test_a_webhook_to_the_services_own_port_is_refused_with_loopback_allowed(
    attacker: Attacker, policy, settings, api_server: Api, port: str
):
    policy.set(allowed_networks=["127.0.0.0/8"])
    url = f"http://127.0.0.1:{_own_ports(settings)[port]}/hook"
    hook = {"url": url, "events": ["pipeline.failed"]}
    response = await attacker.editor.post(WEBHOOKS, json=hook)
    assert response.status_code == 422, response.text
    assert error_code(response) in WEBHOOK_REFUSALS, response.text
    # The control: another loopback port is allowed now.
    allowed = await attacker.editor.post(
        WEBHOOKS, json={"url": f"{api_server.url}/hook", "events": ["pipeline.failed"]}
    )
    assert allowed.status_code == 201, allowed.text
