"""Every stored secret re-encrypted with the current key (``ductwork rotate-key``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import Connection
from store.models.webhooks import Webhook


async def reencrypt(session: AsyncSession, rotate: Callable[[str], str]) -> int:
    """Connections' passwords and webhooks' signing secrets through ``rotate``, in one
    transaction (all or nothing); how many were rewritten."""
    count = 0
    connections = await session.exec(
        select(Connection).where(col(Connection.password_encrypted).is_not(None))
    )
    for connection in connections:
        assert connection.password_encrypted is not None
        connection.password_encrypted = rotate(connection.password_encrypted)
        session.add(connection)
        count += 1
    for webhook in await session.exec(select(Webhook)):
        webhook.secret_encrypted = rotate(webhook.secret_encrypted)
        session.add(webhook)
        count += 1
    await session.commit()
    return count
