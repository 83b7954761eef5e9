"""The approvals API's refusals: the right status, and a message that says what to do."""

from __future__ import annotations

import httpx

from tests import auth
from tests.api.test_lifecycle import (  # noqa: F401  (fixture)
    _signal,
    _wait_approval_pending,
    _wait_deployed,
    pipeline,
)


def _error(response: httpx.Response) -> tuple[str, str]:
    body = response.json()
    return body["error_code"], body["error"]["message"]


async def test_approval_refusals_say_what_to_do(app, api, pipeline, tenancy):  # noqa: F811
    pipeline_id, _ = pipeline
    staging = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": "staging"}
    )
    staging_id = staging.json()["details"]["workflow_id"]
    assert (await _wait_deployed(api, staging_id))["status"] == "COMPLETED"
    never = await _signal(api, staging_id, {"approved": True, "approvedBy": "x@acme.com"})
    assert never.status_code == 409
    assert _error(never) == (
        "NO_APPROVAL_PENDING",
        "the workflow has finished and never asked for an approval; nothing to decide",
    )

    pending = await api.post(
        f"/api/v1/pipelines/{pipeline_id}:deploy?mode=api", json={"environment": "production"}
    )
    workflow_id = pending.json()["details"]["workflow_id"]
    await _wait_approval_pending(api, workflow_id)

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers=auth.headers(tenancy.token("editor")),
    ) as editor:
        refused = await _signal(editor, workflow_id, {"approved": True, "approvedBy": "e"})
    assert refused.status_code == 403
    code, message = _error(refused)
    assert code == "PERMISSION_DENIED"
    assert message.startswith("approval decisions need the admin role: ask an admin of tenant")

    for data, where in (
        ({"approved": "yes", "approvedBy": "x"}, ["body", "data", "approved"]),  # not coerced
        ({"approvedBy": "x"}, ["body", "data", "approved"]),
        ({"approved": True, "aproved_by": "x"}, ["body", "data", "aproved_by"]),
    ):
        bad = await _signal(api, workflow_id, data)
        assert bad.status_code == 400, (data, bad.text)  # request validation on /v1
        code, message = _error(bad)
        assert code == "VALIDATION_ERROR"
        assert message.startswith('invalid approval decision: send data {"approved": true|false')
        assert where in [d["loc"] for d in bad.json()["error"]["details"]], bad.text
    for blank in ({"approved": True}, {"approved": True, "approvedBy": "  "}):
        missing = await _signal(api, workflow_id, blank)
        assert missing.status_code == 400
        assert _error(missing)[1].startswith("approvedBy is required: who takes this decision")

    approved = await _signal(
        api, workflow_id, {"approved": True, "approvedBy": "steward@acme.com", "reason": "ok"}
    )
    assert approved.status_code == 200, approved.text
    second = await _signal(api, workflow_id, {"approved": False, "approvedBy": "o@acme.com"})
    assert second.status_code == 409
    code, message = _error(second)
    assert code == "APPROVAL_ALREADY_DECIDED"
    assert "already approved by steward@acme.com" in message
    assert message.endswith("deploy again (or run the pipeline again) to request a new decision")
    assert (await _wait_deployed(api, workflow_id))["status"] == "COMPLETED"
    after = await _signal(api, workflow_id, {"approved": False, "approvedBy": "o@acme.com"})
    assert after.status_code == 409
    assert _error(after)[0] == "APPROVAL_ALREADY_DECIDED"
    # Still a 400 once the workflow has ended: the body is checked before anything else.
    assert (await _signal(api, workflow_id, {"approved": True})).status_code == 400
