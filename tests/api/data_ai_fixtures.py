"""One small shop for the data-assistant tests: a PostgreSQL database and a MariaDB one,
each registered as a connection."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from tests import auth
from tests.conftest import scratch_database
from tests.services import (
    MYSQL_HOST,
    MYSQL_PORT,
    PG_HOST,
    PG_PORT,
    PG_USER,
    mysql_connect,
    mysql_execute,
    pg_dsn,
    require,
)

PG_SCHEMA = """
CREATE TABLE customers (
    id integer PRIMARY KEY, name text NOT NULL, email text UNIQUE, country text,
    active boolean NOT NULL, created_at timestamptz NOT NULL
);
CREATE TABLE orders (
    id bigint PRIMARY KEY, customer_id integer, amount numeric(12, 2), status text,
    created_at timestamptz NOT NULL
);
INSERT INTO customers
SELECT g, 'customer ' || g, CASE WHEN g % 5 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
       (ARRAY['Germany','France','Spain'])[1 + g % 3], g % 4 <> 0,
       now() - g * interval '1 day'
FROM generate_series(1, 40) g;
INSERT INTO orders
SELECT g, 1 + g % 40, round((g * 7.3) % 500, 2),
       (ARRAY['paid','pending','shipped','cancelled'])[1 + g % 4],
       now() - g * interval '5 hours'
FROM generate_series(1, 300) g;
INSERT INTO orders SELECT 1000 + id, customer_id, amount, status, created_at
FROM orders WHERE id <= 10;
"""

MYSQL_SCHEMA = [
    """CREATE TABLE products (
        id int PRIMARY KEY, name varchar(100) NOT NULL, category varchar(40),
        price decimal(10, 2), updated_at datetime NOT NULL)""",
    """CREATE TABLE sales (
        id bigint PRIMARY KEY, product_id int NOT NULL, qty int NOT NULL,
        amount decimal(12, 2), sold_at date NOT NULL, KEY ix_sales_product (product_id))""",
    """INSERT INTO products SELECT seq, CONCAT('product ', seq),
       ELT(1 + seq % 3, 'tools', 'toys', 'books'), ROUND(seq * 3.5, 2),
       TIMESTAMP '2024-02-01 00:00:00' + INTERVAL seq HOUR FROM seq_1_to_30""",
    """INSERT INTO sales SELECT seq, 1 + seq % 30, 1 + seq % 5,
       IF(seq % 10 = 0, NULL, ROUND(seq * 1.5, 2)),
       CURRENT_DATE - INTERVAL (seq % 60) DAY FROM seq_1_to_250""",
]


@dataclass
class Shop:
    pg: str  # connection ids
    mysql: str
    pg_db: str
    mysql_db: str


async def build_shop(api: httpx.AsyncClient, pg_db: str, mysql_db: str) -> Shop:
    conn = await asyncpg.connect(pg_dsn(pg_db))
    try:
        await conn.execute(PG_SCHEMA)
    finally:
        await conn.close()
    admin = await mysql_connect(None)
    try:
        await mysql_execute(admin, f"CREATE DATABASE `{mysql_db}`", f"USE `{mysql_db}`")
        await mysql_execute(admin, *MYSQL_SCHEMA)
    finally:
        admin.close()
    tag = uuid.uuid4().hex[:8]
    pg = await api.post(
        "/v1/pipelines/connections",
        json={
            "name": f"shop-pg-{tag}",
            "type": "postgresql",
            "host": PG_HOST,
            "port": PG_PORT,
            "database": pg_db,
            "username": PG_USER,
            "password": "trust-auth",
        },
    )
    assert pg.status_code == 201, pg.text
    my = await api.post(
        "/v1/pipelines/connections",
        json={
            "name": f"shop-my-{tag}",
            "type": "mariadb",
            "host": MYSQL_HOST,
            "port": MYSQL_PORT,
            "database": mysql_db,
            "username": "root",
        },
    )
    assert my.status_code == 201, my.text
    return Shop(pg.json()["connectionId"], my.json()["connectionId"], pg_db, mysql_db)


async def drop_mysql(name: str) -> None:
    admin = await mysql_connect(None)
    try:
        await mysql_execute(admin, f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.close()


@pytest.fixture(scope="module")
async def shop_api(app) -> AsyncIterator[httpx.AsyncClient]:
    """The API as the bootstrap admin key, for module-scoped setup and the tests alike."""
    credentials = {"X-API-Key": auth.BOOTSTRAP_KEY, "X-Tenant-ID": auth.DEFAULT_TENANT}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ductwork.test", headers=credentials
    ) as http:
        yield http


@pytest.fixture(scope="module")
async def shop(shop_api: httpx.AsyncClient) -> AsyncIterator[Shop]:
    require(PG_HOST, PG_PORT, "PostgreSQL")
    require(MYSQL_HOST, MYSQL_PORT, "MariaDB")
    mysql_db = f"dw_test_shop_{uuid.uuid4().hex[:8]}"
    async with scratch_database("shop") as pg_db:
        try:
            yield await build_shop(shop_api, pg_db, mysql_db)
        finally:
            await drop_mysql(mysql_db)
