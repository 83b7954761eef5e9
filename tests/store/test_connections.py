"""store.connections: create, get, find, page, delete; every read is scoped to a tenant."""

from __future__ import annotations

import pytest

from store import connections as connection_store
from store import pipelines as pipeline_store
from store.errors import Conflict, NotFound


async def test_create_and_get(session, make, tenant, database):
    created = await make.connection(
        tenant,
        "sales-db",
        username="etl",
        password_encrypted="gAAAA-cipher-text",
        properties={"sslMode": "require", "connectionTimeout": 10000},
    )
    async with database.session() as fresh:
        row = await connection_store.get(fresh, tenant, created.id)
    assert row.id == created.id
    assert row.name == "sales-db"
    assert (row.host, row.port, row.database, row.username) == ("db.internal", 5432, "sales", "etl")
    assert row.password_encrypted == "gAAAA-cipher-text"
    assert row.properties == {"sslMode": "require", "connectionTimeout": 10000}
    assert row.created_at == created.created_at


async def test_get_is_scoped_to_the_tenant(session, make, tenant):
    row = await make.connection(tenant)
    with pytest.raises(NotFound) as err:
        await connection_store.get(session, "another-tenant", row.id)
    assert err.value.code == "CONNECTION_NOT_FOUND"
    assert row.id in err.value.message
    with pytest.raises(NotFound):
        await connection_store.get(session, tenant, "no-such-id")


async def test_find_by_id_or_name(session, make, tenant):
    row = await make.connection(tenant, "by-name")
    other = await make.connection("another-tenant", "only-there")
    assert (await connection_store.find(session, tenant, row.id)).id == row.id
    assert (await connection_store.find(session, tenant, "by-name")).id == row.id
    assert await connection_store.find(session, tenant, "no-such") is None
    assert await connection_store.find(session, tenant, other.id) is None
    assert await connection_store.find(session, tenant, "only-there") is None
    assert await connection_store.find(session, "another-tenant", "by-name") is None


async def test_duplicate_name_is_a_conflict_within_a_tenant(make, tenant, database):
    await make.connection(tenant, "twice")
    with pytest.raises(Conflict) as err:
        await make.connection(tenant, "twice")
    assert err.value.code == "CONNECTION_EXISTS"
    assert "'twice'" in err.value.message
    # The session is usable after the conflict, and other tenants may use the name.
    elsewhere = await make.connection("another-tenant", "twice")
    async with database.session() as fresh:
        rows, total = await connection_store.page(fresh, tenant, 0, 10)
        assert [r.name for r in rows] == ["twice"]
        assert total == 1
        assert (await connection_store.get(fresh, "another-tenant", elsewhere.id)).name == "twice"


async def test_page_orders_by_creation_and_counts_the_tenant(session, make, tenant):
    ids = [(await make.connection(tenant)).id for _ in range(3)]
    await make.connection("another-tenant")
    rows, total = await connection_store.page(session, tenant, 0, 2)
    assert [r.id for r in rows] == ids[:2]
    assert total == 3
    rows, total = await connection_store.page(session, tenant, 2, 2)
    assert [r.id for r in rows] == ids[2:]
    assert total == 3
    rows, total = await connection_store.page(session, tenant, 3, 2)
    assert (rows, total) == ([], 3)
    assert (await connection_store.page(session, "another-tenant", 0, 10))[1] == 1
    assert await connection_store.page(session, "nobody", 0, 10) == ([], 0)


async def test_delete(session, make, tenant, database):
    row = await make.connection(tenant)
    await connection_store.delete(session, tenant, row.id)
    async with database.session() as fresh:
        with pytest.raises(NotFound):
            await connection_store.get(fresh, tenant, row.id)
        with pytest.raises(NotFound):
            await connection_store.delete(fresh, tenant, row.id)


async def test_delete_of_another_tenants_connection_is_not_found(session, make, tenant):
    row = await make.connection(tenant)
    with pytest.raises(NotFound):
        await connection_store.delete(session, "another-tenant", row.id)
    assert (await connection_store.get(session, tenant, row.id)).id == row.id


async def test_delete_in_use_is_a_conflict(session, make, tenant, database):
    used = await make.connection(tenant)
    free = await make.connection(tenant)
    pipeline = await make.pipeline(tenant, "orders-etl", connections={used.id})
    with pytest.raises(Conflict) as err:
        await connection_store.delete(session, tenant, used.id)
    assert err.value.code == "CONNECTION_IN_USE"
    assert "orders-etl" in err.value.message
    await connection_store.delete(session, tenant, free.id)

    async with database.session() as fresh:
        assert (await connection_store.get(fresh, tenant, used.id)).id == used.id
        await pipeline_store.soft_delete(
            fresh, await pipeline_store.get(fresh, tenant, pipeline.id)
        )
        await connection_store.delete(fresh, tenant, used.id)
        with pytest.raises(NotFound):
            await connection_store.get(fresh, tenant, used.id)


async def test_find_all_reads_every_ref_by_id_or_name_in_one_query(session, make, tenant):
    by_id = await make.connection(tenant, "by-id")
    by_name = await make.connection(tenant, "by-name")
    elsewhere = await make.connection("another-tenant", "only-there")
    found = await connection_store.find_all(
        session, tenant, [by_id.id, "by-name", elsewhere.id, "only-there", "nothing"]
    )
    assert {ref: row.id for ref, row in found.items()} == {
        by_id.id: by_id.id,
        "by-name": by_name.id,
    }
    assert await connection_store.find_all(session, tenant, []) == {}
