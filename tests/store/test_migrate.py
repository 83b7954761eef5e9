"""Migrations: they build the schema of the models, and applying them again changes nothing."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers the tables)
from store import connections as connection_store
from store.migrate import alembic_config, upgrade_async


async def _schema(database) -> dict[str, list[str]]:
    def read(sync_conn):
        inspector = inspect(sync_conn)
        return {
            table: sorted(c["name"] for c in inspector.get_columns(table))
            for table in inspector.get_table_names()
        }

    async with database.engine.connect() as conn:
        return await conn.run_sync(read)


async def _revisions(database) -> list[str]:
    async with database.engine.connect() as conn:
        return list((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


async def test_migrations_build_the_model_schema(database):
    head = ScriptDirectory.from_config(alembic_config(database.url)).get_current_head()
    assert await _revisions(database) == [head]
    schema = await _schema(database)
    expected = {
        name: sorted(c.name for c in table.columns)
        for name, table in SQLModel.metadata.tables.items()
    }
    assert {k: v for k, v in schema.items() if k != "alembic_version"} == expected


async def test_migrations_applied_twice_are_a_no_op(database, make, tenant, session):
    row = await make.connection(tenant, "survives")
    before = await _schema(database)
    revisions = await _revisions(database)

    await upgrade_async(database.url)
    await upgrade_async(database.url)

    assert await _schema(database) == before
    assert await _revisions(database) == revisions
    assert len(revisions) == 1  # one row: the head revision
    async with database.session() as fresh:
        assert (await connection_store.get(fresh, tenant, row.id)).name == "survives"
