"""One schema setup for the generation tests: a PostgreSQL shop and a MariaDB catalogue."""

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
    id integer PRIMARY KEY, name text NOT NULL, country text, active boolean NOT NULL,
    email text, created_at timestamptz NOT NULL
);
CREATE TABLE orders (
    id bigint PRIMARY KEY, customer_id integer, amount numeric(12, 2), status text,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL
);
CREATE TABLE events (
    id bigint PRIMARY KEY, user_id integer NOT NULL, kind text, version integer NOT NULL,
    updated_at timestamptz NOT NULL
);
INSERT INTO customers
SELECT g, 'customer ' || g, (ARRAY['Germany','France','Spain'])[1 + g % 3], g % 4 <> 0,
       CASE WHEN g % 5 = 0 THEN NULL ELSE 'c' || g || '@example.com' END,
       timestamptz '2024-01-01 00:00+00' + g * interval '1 day'
FROM generate_series(1, 40) g;
INSERT INTO orders
SELECT g, 1 + g % 40, round((g * 7.3) % 500, 2),
       (ARRAY['paid','pending','shipped','cancelled'])[1 + g % 4],
       timestamptz '2024-03-01 00:00+00' + g * interval '5 hours',
       timestamptz '2024-03-01 00:00+00' + g * interval '5 hours'
FROM generate_series(1, 300) g;
INSERT INTO events
SELECT g, 1 + g % 25, (ARRAY['click','view','buy'])[1 + g % 3], g / 25,
       timestamptz '2024-05-01 00:00+00' + g * interval '1 minute'
FROM generate_series(1, 200) g;
"""

MYSQL_SCHEMA = [
    """CREATE TABLE products (
        id int PRIMARY KEY, name varchar(100) NOT NULL, category varchar(40),
        price decimal(10, 2), in_stock tinyint(1) NOT NULL, updated_at datetime NOT NULL)""",
    """CREATE TABLE sales (
        id bigint PRIMARY KEY, product_id int NOT NULL, qty int NOT NULL,
        amount decimal(12, 2) NOT NULL, sold_at date NOT NULL)""",
    """INSERT INTO products
       SELECT seq, CONCAT('product ', seq), ELT(1 + seq % 3, 'tools', 'toys', 'books'),
              ROUND(seq * 3.5, 2), seq % 3 <> 0, TIMESTAMP '2024-02-01 00:00:00' + INTERVAL seq HOUR
       FROM seq_1_to_30""",
    """INSERT INTO sales
       SELECT seq, 1 + seq % 30, 1 + seq % 5, ROUND((1 + seq % 5) * (seq % 30 + 1) * 3.5, 2),
              DATE '2024-04-01' + INTERVAL (seq % 20) DAY
       FROM seq_1_to_250""",
]


PARQUET = {"format": "parquet"}


@dataclass
class Shop:
    pg: str  # connection names
    mysql: str
    target: str
    pg_db: str
    mysql_db: str
    target_db: str
    schema: str  # the target schema of this session
    duck: str  # a DuckDB file target
    duck_path: str
    lake: str  # a files target (Parquet), local
    lake_root: str


@pytest.fixture(scope="session")
async def gen_api(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    credentials = {"X-API-Key": auth.BOOTSTRAP_KEY, "X-Tenant-ID": auth.DEFAULT_TENANT}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ductwork.test", headers=credentials, timeout=120
    ) as http:
        yield http


@pytest.fixture(scope="session")
async def shop(gen_api: httpx.AsyncClient, target_db: str, tmp_path_factory) -> AsyncIterator[Shop]:
    require(PG_HOST, PG_PORT, "PostgreSQL")
    require(MYSQL_HOST, MYSQL_PORT, "MariaDB")
    tag = uuid.uuid4().hex[:8]
    mysql_db = f"dw_gen_{tag}"
    admin = await mysql_connect(None)
    await mysql_execute(admin, f"CREATE DATABASE `{mysql_db}`")
    try:
        conn = await mysql_connect(mysql_db)
        await mysql_execute(conn, *MYSQL_SCHEMA)
        conn.close()
        async with scratch_database("gen") as pg_db:
            pg = await asyncpg.connect(pg_dsn(pg_db))
            await pg.execute(PG_SCHEMA)
            await pg.close()
            names = {}
            files = tmp_path_factory.mktemp("gen_targets")
            duck_path, lake_root = str(files / "warehouse.duckdb"), str(files / "lake")
            for label, body in (
                ("pg", _pg_body(pg_db)),
                ("target", _pg_body(target_db)),
                ("mysql", _mysql_body(mysql_db)),
                ("duck", {"type": "duckdb", "database": duck_path}),
                ("lake", {"type": "files", "database": lake_root, "properties": PARQUET}),
            ):
                body["name"] = f"gen-{label}-{tag}"
                response = await gen_api.post("/v1/pipelines/connections", json=body)
                assert response.status_code == 201, response.text
                names[label] = body["name"]
            yield Shop(
                names["pg"],
                names["mysql"],
                names["target"],
                pg_db,
                mysql_db,
                target_db,
                f"gen_{tag}",
                names["duck"],
                duck_path,
                names["lake"],
                lake_root,
            )
    finally:
        await mysql_execute(admin, f"DROP DATABASE IF EXISTS `{mysql_db}`")
        admin.close()


def _pg_body(database: str) -> dict:
    return {
        "type": "postgresql",
        "host": PG_HOST,
        "port": PG_PORT,
        "database": database,
        "username": PG_USER,
        "password": "pg-s3cret-never-in-artifacts",
    }


def _mysql_body(database: str) -> dict:
    return {
        "type": "mysql",
        "host": MYSQL_HOST,
        "port": MYSQL_PORT,
        "database": database,
        "username": "root",
        "password": "",
    }
