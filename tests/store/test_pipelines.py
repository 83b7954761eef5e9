"""store.pipelines: pipelines, their immutable versions, filters and soft delete."""

from __future__ import annotations

import pytest

from store import connections as connection_store
from store import pipelines as pipeline_store
from store.errors import Conflict, NotFound
from store.models import PipelineVersion, utcnow


async def _new_version(session, pipeline, number: int, definition: dict, connections: set[str]):
    version = PipelineVersion(
        pipeline_id=pipeline.id,
        number=number,
        label=f"1.0.{number - 1}",
        definition=definition,
        created_by="tester",
        created_at=utcnow(),
    )
    await pipeline_store.add_version(session, pipeline, version, connections)
    session.add(pipeline)
    await session.commit()


async def test_create_and_get(session, make, tenant, database):
    definition = {"sources": {"orders": {"connection": "c", "table": "public.orders"}}}
    created = await make.pipeline(tenant, "daily", tags=["a", "b"], definition=definition)
    async with database.session() as fresh:
        row = await pipeline_store.get(fresh, tenant, created.id)
        assert (row.name, row.tags, row.status, row.current_version) == (
            "daily",
            ["a", "b"],
            "CREATED",
            1,
        )
        assert row.deleted_at is None
        version = await pipeline_store.get_version(fresh, created.id, 1)
        assert (version.number, version.label, version.definition) == (1, "1.0.0", definition)
        with pytest.raises(NotFound) as err:
            await pipeline_store.get_version(fresh, created.id, 2)
        assert err.value.code == "NOT_FOUND"


async def test_get_is_scoped_to_the_tenant(session, make, tenant):
    row = await make.pipeline(tenant)
    with pytest.raises(NotFound) as err:
        await pipeline_store.get(session, "another-tenant", row.id)
    assert err.value.code == "PIPELINE_NOT_FOUND"
    with pytest.raises(NotFound):
        await pipeline_store.get(session, tenant, "no-such-id")


async def test_duplicate_name_is_a_conflict_within_a_tenant(session, make, tenant):
    first = await make.pipeline(tenant, "unique-name")
    with pytest.raises(Conflict) as err:
        await make.pipeline(tenant, "unique-name")
    assert err.value.code == "PIPELINE_EXISTS"
    assert "'unique-name'" in err.value.message
    assert (await make.pipeline("another-tenant", "unique-name")).tenant_id == "another-tenant"
    assert await pipeline_store.name_taken(session, tenant, "unique-name")
    assert not await pipeline_store.name_taken(session, tenant, "unique-name", exclude=first.id)
    assert not await pipeline_store.name_taken(session, tenant, "other-name")
    assert not await pipeline_store.name_taken(session, "third-tenant", "unique-name")


async def test_add_version_keeps_the_old_one_and_moves_the_links(session, make, tenant):
    old_conn = await make.connection(tenant)
    new_conn = await make.connection(tenant)
    pipeline = await make.pipeline(
        tenant, definition={"v": 1}, connections={old_conn.id}, label="1.0.0"
    )
    await _new_version(session, pipeline, 2, {"v": 2}, {new_conn.id})

    row = await pipeline_store.get(session, tenant, pipeline.id)
    assert row.current_version == 2
    assert (await pipeline_store.get_version(session, pipeline.id, 2)).definition == {"v": 2}
    assert (await pipeline_store.get_version(session, pipeline.id, 2)).label == "1.0.1"
    assert (await pipeline_store.get_version(session, pipeline.id, 1)).definition == {"v": 1}
    # Only the current version's connections are in use.
    await connection_store.delete(session, tenant, old_conn.id)
    with pytest.raises(Conflict):
        await connection_store.delete(session, tenant, new_conn.id)


async def test_soft_delete_hides_the_pipeline(session, make, tenant, database):
    conn = await make.connection(tenant)
    kept = await make.pipeline(tenant, tags=["t"])
    gone = await make.pipeline(tenant, "gone", tags=["t"], connections={conn.id})
    await pipeline_store.soft_delete(session, gone)

    async with database.session() as fresh:
        with pytest.raises(NotFound):
            await pipeline_store.get(fresh, tenant, gone.id)
        rows, total = await pipeline_store.page(fresh, tenant, tags=[], offset=0, limit=10)
        assert [r.id for r in rows] == [kept.id]
        assert total == 1
        assert not await pipeline_store.name_taken(fresh, tenant, "gone")
        # Its versions stay (runs refer to them); its connections are free.
        assert (await pipeline_store.get_version(fresh, gone.id, 1)).number == 1
        await connection_store.delete(fresh, tenant, conn.id)
    again = await make.pipeline(tenant, "gone")
    assert again.id != gone.id


async def test_page_filters_by_tags_and_status(session, make, tenant):
    a = await make.pipeline(tenant, tags=["sales", "daily"])
    b = await make.pipeline(tenant, tags=["sales"], status="ACTIVE")
    c = await make.pipeline(tenant, tags=["daily"], status="PAUSED")
    await make.pipeline("another-tenant", tags=["sales"])

    async def ids(**kw):
        args = {"tags": [], "offset": 0, "limit": 10, **kw}
        rows, total = await pipeline_store.page(session, tenant, **args)
        return [r.id for r in rows], total

    assert await ids() == ([a.id, b.id, c.id], 3)
    assert await ids(tags=["sales"]) == ([a.id, b.id], 2)
    assert await ids(tags=["sales", "daily"]) == ([a.id], 1)
    assert await ids(tags=["weekly"]) == ([], 0)
    assert await ids(keep=lambda row: row.status == "ACTIVE") == ([b.id], 1)
    assert await ids(tags=["daily"], keep=lambda row: row.status == "PAUSED") == ([c.id], 1)
    assert await ids(tags=["daily"], keep=lambda row: row.status == "CREATED") == ([a.id], 1)
    assert await ids(offset=1, limit=1) == ([b.id], 3)
    assert await ids(tags=["daily"], offset=1, limit=5) == ([c.id], 2)


@pytest.mark.parametrize(
    ("previous", "requested", "expected"),
    [
        ("1.0.0", None, "1.0.1"),
        ("1.0.9", None, "1.0.10"),
        ("1.0.0", "1.0.0", "1.0.1"),
        ("1.0.0", "2.0.0", "2.0.0"),
        ("7", None, "8"),
        ("beta", None, "beta.1"),
        ("1.0-rc", None, "1.0-rc.1"),
    ],
)
def test_next_label(previous, requested, expected):
    assert pipeline_store.next_label(previous, requested) == expected
