"""Templates: list by industry, read, create a pipeline with parameters and customizations,
and every shipped template running end to end on its sample data."""

from __future__ import annotations

import pytest

from domain import templates
from tests.api.test_errors import assert_error
from tests.pipelines import create_connection, run_to_end, unique_name

pytestmark = pytest.mark.postgres

# What each template loads from its sample data: (target table, the row count a correct run
# gives, counted in the source with the template's own logic).
EXPECTED = {
    "fintech/payment_processing": (
        "merchant_settlement",
        "SELECT count(*) FROM (SELECT DISTINCT created_at::date, merchant_id FROM {s}.transactions "
        "WHERE status IN ('captured', 'settled')) d",
    ),
    "ecommerce/daily_sales": (
        "daily_sales",
        "SELECT count(*) FROM (SELECT DISTINCT o.ordered_at::date, p.category FROM {s}.orders o "
        "JOIN {s}.order_items i ON i.order_id = o.id JOIN {s}.products p ON p.id = i.product_id "
        "WHERE o.status <> 'cancelled') d",
    ),
    "saas/product_events": (
        "daily_account_usage",
        "SELECT count(*) FROM (SELECT DISTINCT occurred_at::date, account_id FROM {s}.events) d",
    ),
    "marketing/attribution": (
        "channel_attribution",
        "SELECT count(*) FROM (SELECT DISTINCT t.channel, t.campaign FROM {s}.conversions c "
        "JOIN {s}.touchpoints t ON t.customer_id = c.customer_id "
        "AND t.touched_at <= c.converted_at "
        "AND t.touched_at > c.converted_at - interval '30 days') d",
    ),
    "healthcare/claims": (
        "provider_month",
        "SELECT count(*) FROM (SELECT DISTINCT date_trunc('month', service_date), provider_id "
        "FROM {s}.claims) d",
    ),
}


@pytest.fixture
async def connections(api, source_db, target_db) -> tuple[str, str]:
    return (
        await create_connection(api, source_db, unique_name("tpl-src")),
        await create_connection(api, target_db, unique_name("tpl-dst")),
    )


async def sample_schema(source, template_id: str) -> str:
    schema = unique_name("sample")
    await source.execute(templates.get(template_id).sample_sql(schema))
    return schema


def parameters_for(template_id: str, src: str, dst: str, schema: str) -> dict:
    values = {
        "SOURCE_CONNECTION": src,
        "TARGET_CONNECTION": dst,
        "SOURCE_SCHEMA": schema,
        "TARGET_SCHEMA": schema.replace("sample", "out"),
    }
    if template_id == "healthcare/claims":
        values["MEMBER_KEY_NAMESPACE"] = "acme-health"
    return values


def test_at_least_five_templates_ship():
    shipped = templates.catalog()
    assert set(EXPECTED) <= set(shipped)
    for t in shipped.values():
        assert t.sample_sql_path.is_file(), t.id
        assert t.sample_tables and t.parameters


async def test_list_and_filter_by_industry(api):
    response = await api.get("/v1/pipelines/templates")
    assert response.status_code == 200, response.text
    listed = response.json()["templates"]
    assert {t["industry"] for t in listed} >= {
        "fintech",
        "ecommerce",
        "saas",
        "marketing",
        "healthcare",
    }
    fintech = (await api.get("/v1/pipelines/templates", params={"industry": "fintech"})).json()
    [payments] = fintech["templates"]
    assert payments["id"] == "fintech/payment_processing"
    assert payments["name"] == "Payment Processing Pipeline"
    assert payments["compliance"] == ["PCI-DSS", "SOX"]
    required = {p["name"] for p in payments["parameters"] if p["required"]}
    assert required == {"SOURCE_CONNECTION", "TARGET_CONNECTION"}
    none = await api.get("/v1/pipelines/templates", params={"industry": "mining"})
    assert none.json() == {"templates": [], "total": 0}


async def test_get_template(api):
    response = await api.get("/v1/pipelines/templates/healthcare/claims")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["compliance"] == ["HIPAA"]
    assert body["definition"]["sources"]["claims"]["connection"] == "${SOURCE_CONNECTION}"
    assert "CREATE TABLE claims.claims" in body["sampleData"]["sql"]
    assert body["sampleData"]["tables"] == ["claims", "providers"]
    missing = await api.get("/v1/pipelines/templates/fintech/nope")
    assert_error(missing, 404, "TEMPLATE_NOT_FOUND")


async def test_create_with_customizations(api, source, connections):
    src, dst = connections
    schema = await sample_schema(source, "fintech/payment_processing")
    name = unique_name("acme-payment-processing")
    response = await api.post(
        "/v1/pipelines/templates/fintech/payment_processing/create",
        json={
            "pipelineName": name,
            "parameters": {
                "SOURCE_CONNECTION": src,
                "TARGET_CONNECTION": dst,
                "SOURCE_SCHEMA": schema,
            },
            "customizations": {
                "sources.payment_gateway.partitions": 4,
                "transformations.screened.columns.high_value": "amount > 5000",
                "definition.orchestration.retries": 1,
            },
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["templateId"] == "fintech/payment_processing"
    assert created["name"] == name and created["version"] == "1.0.0"
    pipeline = (await api.get(f"/v1/pipelines/{created['pipelineId']}")).json()
    definition = pipeline["definition"]
    assert definition["sources"]["payment_gateway"]["partitions"] == 4
    assert definition["sources"]["payment_gateway"]["connection"] == src
    assert f"{schema}.transactions" in definition["sources"]["payment_gateway"]["query"]
    screened = next(t for t in definition["transformations"] if t["name"] == "screened")
    assert screened["columns"]["high_value"] == "amount > 5000"
    assert definition["orchestration"]["retries"] == 1
    assert set(pipeline["tags"]) >= {"fintech", "compliance:pci-dss", "compliance:sox"}
    again = await api.post(
        "/v1/pipelines/templates/fintech/payment_processing/create",
        json={
            "pipelineName": name,
            "parameters": {
                "SOURCE_CONNECTION": src,
                "TARGET_CONNECTION": dst,
                "SOURCE_SCHEMA": schema,
            },
        },
    )
    assert_error(again, 409, "PIPELINE_EXISTS")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"parameters": {}}, 400, "VALIDATION_ERROR"),  # required parameters missing
        ({"parameters": {"NOPE": 1}}, 400, "VALIDATION_ERROR"),
        ({"customizations": {"sources.nope.table.x": 1}}, 400, "VALIDATION_ERROR"),
        ({"customizations": {"sources.payment_gateway.partiton": 4}}, 400, "VALIDATION_ERROR"),
        ({"customizations": {"transformations.nope.sql": "SELECT 1"}}, 400, "VALIDATION_ERROR"),
        ({"customizations": {"sources..table": "x"}}, 400, "VALIDATION_ERROR"),
        ({"customizations": {"sources.payment_gateway.partitions": 0}}, 422, "INVALID_DEFINITION"),
        ({"customizations": {"sinks.settlement.mode": "upsert"}}, 422, "INVALID_DEFINITION"),
        ({"unknownField": 1}, 400, "VALIDATION_ERROR"),
    ],
)
async def test_create_errors(api, connections, body, status, code):
    src, dst = connections
    request = {
        "pipelineName": unique_name("bad"),
        "parameters": {"SOURCE_CONNECTION": src, "TARGET_CONNECTION": dst},
        **body,
    }
    response = await api.post(
        "/v1/pipelines/templates/fintech/payment_processing/create", json=request
    )
    assert_error(response, status, code)


async def test_unknown_connection_is_refused(api):
    response = await api.post(
        "/v1/pipelines/templates/ecommerce/daily_sales/create",
        json={
            "pipelineName": unique_name("noconn"),
            "parameters": {"SOURCE_CONNECTION": "nope", "TARGET_CONNECTION": "nope2"},
        },
    )
    assert_error(response, 422, "INVALID_DEFINITION")
    missing = await api.post("/v1/pipelines/templates/nope/nope/create", json={"pipelineName": "x"})
    assert_error(missing, 404, "TEMPLATE_NOT_FOUND")


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
async def test_template_runs_end_to_end(api, source, target, connections, template_id):
    src, dst = connections
    schema = await sample_schema(source, template_id)
    parameters = parameters_for(template_id, src, dst, schema)
    response = await api.post(
        f"/v1/pipelines/templates/{template_id}/create",
        json={"pipelineName": unique_name(template_id.replace("/", "-")), "parameters": parameters},
    )
    assert response.status_code == 201, response.text
    finished = await run_to_end(api, response.json()["pipelineId"])
    assert finished["status"] == "COMPLETED", finished
    table, expected_sql = EXPECTED[template_id]
    expected = await source.fetchval(expected_sql.format(s=schema))
    loaded = await target.fetchval(f"SELECT count(*) FROM {parameters['TARGET_SCHEMA']}.{table}")
    assert expected > 0 and loaded == expected
