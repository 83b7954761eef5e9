"""Connections: create, read, list, delete."""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.db import get_now
from store.errors import Conflict, NotFound
from store.models import Connection, Pipeline, PipelineConnection


async def create(session: AsyncSession, connection: Connection) -> Connection:
    session.add(connection)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(
            f"a connection named {connection.name!r} already exists",
            code="CONNECTION_EXISTS",
        ) from None
    return connection


async def get(session: AsyncSession, tenant_id: str, connection_id: str) -> Connection:
    row = await get_now(session, Connection, connection_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound(f"connection {connection_id!r} not found", code="CONNECTION_NOT_FOUND")
    return row


async def find(session: AsyncSession, tenant_id: str, ref: str) -> Connection | None:
    """A connection by id or by name."""
    row = await session.get(Connection, ref)
    if row is not None and row.tenant_id == tenant_id:
        return row
    result = await session.exec(
        select(Connection).where(Connection.tenant_id == tenant_id, Connection.name == ref)
    )
    return result.first()


async def find_all(session: AsyncSession, tenant_id: str, refs: list[str]) -> dict[str, Connection]:
    """The connections ``refs`` name (by id or by name, as ``find``) in one query; a ref that
    names none is left out."""
    if not refs:
        return {}
    rows = await session.exec(
        select(Connection).where(
            Connection.tenant_id == tenant_id,
            or_(col(Connection.id).in_(refs), col(Connection.name).in_(refs)),
        )
    )
    by_id, by_name = {}, {}
    for row in rows:
        by_id[row.id] = row
        by_name[row.name] = row
    return {ref: found for ref in refs if (found := by_id.get(ref) or by_name.get(ref))}


async def page(
    session: AsyncSession, tenant_id: str, offset: int, limit: int
) -> tuple[list[Connection], int]:
    where = Connection.tenant_id == tenant_id
    total = (await session.exec(select(func.count()).select_from(Connection).where(where))).one()
    rows = await session.exec(
        select(Connection)
        .where(where)
        .order_by(col(Connection.created_at), col(Connection.id))
        .offset(offset)
        .limit(limit)
    )
    return list(rows), total


async def delete(session: AsyncSession, tenant_id: str, connection_id: str) -> None:
    row = await get(session, tenant_id, connection_id)
    users = await session.exec(
        select(Pipeline.name)
        .join(PipelineConnection, col(PipelineConnection.pipeline_id) == col(Pipeline.id))
        .where(PipelineConnection.connection_id == connection_id)
        .where(col(Pipeline.deleted_at).is_(None))
    )
    names = sorted(users)
    if names:
        raise Conflict(
            f"connection {row.name!r} is used by pipeline(s) {', '.join(names)}; "
            "change or delete them first",
            code="CONNECTION_IN_USE",
        )
    await session.delete(row)
    await session.commit()
