"""Two assets of one run that stage the same table at once each keep their own staging table
(the scorecard seeded by the scoring asset while the refining asset writes a new version)."""

from __future__ import annotations

import asyncio

from activities.assets.activities import staging_token
from activities.assets.stores import DuckStore

COLUMNS = [("version", "VARCHAR"), ("points", "INTEGER")]


def test_each_asset_of_a_run_has_its_own_staging_token():
    run = "run_07b6ccc5f124462a"
    seeding, refining = staging_token(run, "score_parties"), staging_token(run, "refine")
    assert seeding != refining
    assert seeding == staging_token(run, "score_parties")  # a retried attempt finds its own
    assert staging_token("run_aaaaaaaaaaaa1", "refine") != refining


async def test_two_assets_staging_one_table_at_once_both_publish(tmp_path):
    path = str(tmp_path / "assets.duckdb")
    run = "run_07b6ccc5f124462a"
    stores = [DuckStore(path, "shop", staging_token(run, asset)) for asset in ("a", "b")]
    for store in stores:
        await store.prepare()
    try:
        await asyncio.gather(
            stores[0].stage_rows("scorecards", COLUMNS, [("v1", 1)], ["version"]),
            stores[1].stage_rows("scorecards", COLUMNS, [("v2", 2)], ["version"]),
        )
        for store in stores:
            await store.publish()
        rows = await stores[0].query("SELECT version, points FROM shop.scorecards ORDER BY 1")
        assert [tuple(r) for r in rows] == [("v1", 1), ("v2", 2)]
    finally:
        for store in stores:
            await store.close()
