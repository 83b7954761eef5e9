"""Rotating the credential key: every stored secret re-encrypted, old key then unneeded."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from core.secrets import Cipher
from store.db import Database
from store.migrate import upgrade_async
from store.models import Connection, utcnow
from store.models.webhooks import Webhook
from store.reencryption import reencrypt


@pytest.fixture
async def store(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'rotation.db'}"
    await upgrade_async(url)
    database = Database(url)
    yield database
    await database.dispose()


async def test_rotate_key_reencrypts_every_secret(store: Database):
    old_key, new_key = Fernet.generate_key(), Fernet.generate_key()
    old = Cipher(old_key)
    async with store.session() as session:
        session.add(
            Connection(
                id="c1",
                tenant_id="default",
                name="sales",
                type="postgresql",
                host="127.0.0.1",
                port=5432,
                database="sales",
                username="etl",
                password_encrypted=old.encrypt("pg-s3cret"),
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        session.add(
            Webhook(
                id="w1",
                tenant_id="default",
                surface="v1",
                url="http://127.0.0.1:9/hook",
                events=["pipeline.completed"],
                secret_encrypted=old.encrypt("hook-s3cret"),
                created_by="test",
                created_at=utcnow(),
            )
        )
        await session.commit()

    rotating = Cipher(new_key, previous=[old_key])
    async with store.session() as session:
        assert await reencrypt(session, rotating.rotate) == 2
        assert await reencrypt(session, rotating.rotate) == 2  # again: harmless

    new = Cipher(new_key)
    async with store.session() as session:
        connection = (await session.exec(select(Connection))).one()
        webhook = (await session.exec(select(Webhook))).one()
    assert new.decrypt(connection.password_encrypted or "") == "pg-s3cret"
    assert new.decrypt(webhook.secret_encrypted) == "hook-s3cret"
    with pytest.raises(ValueError, match="encryption key changed"):
        old.decrypt(webhook.secret_encrypted)
