"""Webhook routes of seeds 001 and 002, and the URL policy that keeps them off internal hosts."""

from __future__ import annotations

import pytest

from connectors.base import PolicyDenied
from core.confinement import egress
from core.settings import Settings
from domain.webhooks import signing

V1 = "/api/v1/webhooks"
SEED2 = "/api/pipeline/webhooks"
PUBLIC = "http://93.184.216.34/hook"  # a global address: no DNS needed


async def test_v1_webhook_lifecycle_never_returns_the_secret(api):
    secret = "whsec-lifecycle-7Q2x9"
    created = await api.post(
        V1,
        json={"url": PUBLIC, "events": ["pipeline.completed", "pipeline.failed"], "secret": secret},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["events"] == ["pipeline.completed", "pipeline.failed"]
    assert body["has_secret"] is True
    assert "secret" not in body
    hook = body["id"]

    listed = await api.get(V1, params={"per_page": 200})
    assert listed.status_code == 200
    assert hook in [w["id"] for w in listed.json()["webhooks"]]
    assert listed.headers["X-Total-Count"] == str(listed.json()["total"])
    one = await api.get(f"{V1}/{hook}")
    deliveries = await api.get(f"{V1}/{hook}/deliveries")
    assert one.status_code == 200 and deliveries.status_code == 200
    assert deliveries.json()["deliveries"] == []
    for response in (created, listed, one, deliveries):
        assert secret not in response.text

    # The other surface does not see it.
    assert (await api.get(f"{SEED2}/{hook}")).status_code == 404
    assert (await api.delete(f"{V1}/{hook}")).status_code == 204
    gone = await api.get(f"{V1}/{hook}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "RESOURCE_NOT_FOUND"  # the AI-ETL platform API's


async def test_seed2_webhook_generates_a_secret_shown_once(api):
    created = await api.post(
        SEED2,
        json={"url": PUBLIC, "events": ["SUCCESS", "FAILURE"], "pipelines": ["full_scoring"]},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    generated = body["secret"]
    assert len(generated) >= 32
    assert body["pipelines"] == ["full_scoring"]
    listed = await api.get(SEED2)
    assert body["id"] in [w["id"] for w in listed.json()["webhooks"]]
    assert generated not in listed.text
    assert generated not in (await api.get(f"{SEED2}/{body['id']}")).text
    assert (await api.delete(f"{SEED2}/{body['id']}")).status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC, "events": ["SUCCESS"]},  # seed 002's words on seed 001's surface
        {"url": PUBLIC, "events": []},
        {"url": PUBLIC, "events": ["pipeline.failed"], "secret": "short"},
        {"url": PUBLIC, "events": ["pipeline.failed"], "colour": "blue"},
    ],
)
async def test_invalid_bodies_are_400(api, body):
    response = await api.post(V1, json=body)
    assert response.status_code == 400, response.text  # request validation on /api/v1
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.8/hook",
        "http://192.168.1.1/hook",
        "http://172.16.5.4:8080/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://100.100.100.200/latest/meta-data/",  # Alibaba's metadata (shared space)
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[::1]:8080/hook",  # loopback, but only 127.0.0.0/8 is allowed in tests
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0:9000/",
        "http://[::ffff:10.0.0.1]/hook",  # IPv4-mapped private address
        "ftp://93.184.216.34/hook",
        "http://user:pw@93.184.216.34/hook",
        "http://no-such-host.invalid/hook",
    ],
)
async def test_internal_urls_are_refused(api, url):
    response = await api.post(V1, json={"url": url, "events": ["pipeline.failed"]})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "WEBHOOK_URL_REFUSED"
    assert error["details"][0]["loc"] == ["body", "url"]


async def test_loopback_is_refused_unless_allowed(tmp_path):
    def policy(**confinement) -> Settings:
        return Settings(data_dir=tmp_path, confinement=confinement)

    default = policy()
    for url in ("http://127.0.0.1:9000/hook", "http://2130706433/hook", "http://127.1/hook"):
        with pytest.raises(PolicyDenied, match="loopback"):
            await egress.check_url(url, default)
    allowed = policy(allowed_networks=["127.0.0.0/8"])
    checked = await egress.check_url("http://127.0.0.1:9000/hook?x=1", allowed)
    assert checked.addresses == ("127.0.0.1",)
    assert checked.pinned() == "http://127.0.0.1:9000/hook?x=1"
    # The service's own ports stay refused when loopback is allowed.
    with pytest.raises(PolicyDenied, match="own services"):
        await egress.check_url("http://127.0.0.1:8000/hook", allowed)
    # A denied network wins over an allowed one; denied hosts match their subdomains.
    denied = policy(allowed_networks=["127.0.0.0/8"], denied_networks=["127.0.0.1/32"])
    with pytest.raises(PolicyDenied, match="denied"):
        await egress.check_url("http://127.0.0.1/hook", denied)
    by_host = policy(denied_hosts=["example.com"])
    with pytest.raises(PolicyDenied, match="denied"):
        await egress.check_url("https://hooks.example.com/x", by_host)
    public = await egress.check_url("https://[2606:4700::1111]/x", default)
    assert public.pinned() == "https://[2606:4700::1111]:443/x"


def test_signatures_verify_and_detect_tampering():
    payload = {"event": "pipeline.completed", "data": {"run_id": "r1", "status": "success"}}
    body, header = signing.signed_body("k3y-k3y-k3y", payload)
    assert signing.verify_body("k3y-k3y-k3y", body, header)
    assert not signing.verify_body("other-key", body, header)
    assert not signing.verify_body("k3y-k3y-k3y", body.replace(b"r1", b"r2"), header)
    import json

    sent = json.loads(body)
    assert sent["signature"].startswith("sha256=")
    assert signing.verify_payload("k3y-k3y-k3y", sent)
    sent["data"]["status"] = "failed"
    assert not signing.verify_payload("k3y-k3y-k3y", sent)
