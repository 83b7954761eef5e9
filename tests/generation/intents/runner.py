"""Measure the generator on intents: generate, run through the worker, compare with the reference.

Each case ends in one of three outcomes:

- ``needs_review``: the generator said it did not fully understand (``status: needs_review``), or
  refused outright with a 422 ``GENERATION_FAILED`` (counted as ``refused`` inside it);
- ``correct``: the pipeline ran to the end and its target holds exactly the reference's rows;
- ``silently_wrong``: anything else — wrong rows, a missing column, a failed run, an unexpected
  HTTP answer — while the generator claimed to have understood.

The target is compared on the reference's columns: each is found in the target by name
(case-insensitively); a reference column not found by name may sit in the target under another
name (a computed or joined column the intent did not name), so the columns left over on both
sides are paired in every way until the rows agree. Rows compare as a multiset, numbers rounded
to 2 decimals, timestamps in UTC.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from temporalio.client import Client, WorkflowFailureError

from core.temporal import workflow_id
from tests import auth
from tests.generation.intents.cases import Intent
from tests.pipelines import wait_finished
from tests.services import mysql_connect, pg_dsn

MIN_CORRECT = 0.9  # the share of cases that must come out right
CONCURRENCY = 8  # cases generated and run at once within one test module
RUN_WITHIN = 120.0  # seconds a generated pipeline may take to finish under the suite's load
MAX_PAIRINGS = 5040  # ways to pair unnamed columns tried before calling a column missing
OUTCOMES = ("correct", "needs_review", "silently_wrong")
REPORT_DIR_VARIABLE = "INTENTS_REPORT_DIR"  # also write the JSON reports there, when set

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Sources:
    connections: dict[str, str]  # "shop", "logistics", "crm", "target" → connection name
    databases: dict[str, str]  # schema → its scratch database
    target_db: str
    target_schema: str


@dataclass
class Outcome:
    id: str
    schema: str
    kind: str
    intent: str
    outcome: str  # one of OUTCOMES
    refused: bool = False  # needs_review by a 422 GENERATION_FAILED
    detail: str = ""
    generate_seconds: float = 0.0
    sql: str = ""  # the transform the generator wrote, for the wrong ones


@dataclass(frozen=True)
class Measured:
    suite: str  # the test module's name for its cases: tuning_shop, heldout_logistics, ...
    outcomes: list[Outcome]


# --- One case ------------------------------------------------------------------------------


async def evaluate(
    api: httpx.AsyncClient, client: Client, sources: Sources, case: Intent
) -> Outcome:
    outcome = Outcome(case.id, case.schema, case.kind, case.text, "silently_wrong")
    started = time.monotonic()
    response = await api.post("/api/v1/pipelines/generate", json=request_body(sources, case))
    outcome.generate_seconds = round(time.monotonic() - started, 2)
    body = response.json() if response.headers.get("content-type", "").startswith("appl") else {}
    if response.status_code == 422 and body.get("error_code") == "GENERATION_FAILED":
        outcome.outcome, outcome.refused = "needs_review", True
        outcome.detail = str(body.get("error", {}).get("message", ""))[:200]
        return outcome
    if response.status_code != 200:
        outcome.detail = f"HTTP {response.status_code}: {response.text[:200]}"
        return outcome
    if body.get("status") == "needs_review":
        outcome.outcome = "needs_review"
        outcome.detail = json.dumps(body.get("unresolved", body.get("validation")))[:200]
        return outcome
    outcome.sql = "; ".join(
        t.get("sql", "") for t in body.get("dag_definition", {}).get("transformations", [])
    )
    execute = await api.post(f"/v1/pipelines/{body['id']}/execute", json={"parameters": {}})
    if execute.status_code != 202:
        outcome.detail = f"execute answered HTTP {execute.status_code}: {execute.text[:200]}"
        return outcome
    run = await finished(api, client, execute.json()["executionId"])
    if run["status"] != "COMPLETED":
        outcome.detail = f"run {run['status']}: {str(run.get('error'))[:200]}"
        return outcome
    expected = await reference(sources, case)
    found = await target(sources, case)
    if found is None:
        outcome.detail = f"no table {sources.target_schema}.{case.table} after the run"
        return outcome
    difference = compare(expected, found, only_columns=case.only_columns)
    if difference is None:
        outcome.outcome = "correct"
    else:
        outcome.detail = difference
    return outcome


async def finished(api: httpx.AsyncClient, client: Client, execution_id: str) -> dict[str, Any]:
    """The run's final status: waits on its workflow (no polling), then asks the API."""
    handle = client.get_workflow_handle(workflow_id("run", auth.DEFAULT_TENANT, execution_id))
    with contextlib.suppress(WorkflowFailureError):  # a failed run: its status says why
        await asyncio.wait_for(handle.result(), RUN_WITHIN)
    return await wait_finished(api, execution_id, within=RUN_WITHIN)


def request_body(sources: Sources, case: Intent) -> dict[str, Any]:
    source_type = "mysql" if case.schema == "crm" else "postgresql"
    target: dict[str, Any] = {
        "type": "postgresql",
        "connection_id": sources.connections["target"],
        "table": f"{sources.target_schema}.{case.table}",
    }
    if case.target_database:  # as the AI-ETL pipelines API's example: `database` and a bare table
        target.update(database=sources.target_schema, table=case.table)
    return {
        "project_id": "intent-suite",
        "intent": case.text,
        "sources": [{"type": source_type, "connection_id": sources.connections[case.schema]}],
        "targets": [target],
    }


# --- Reading rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    columns: list[str]  # lower case
    rows: list[Row]


async def reference(sources: Sources, case: Intent) -> Table:
    database = sources.databases[case.schema]
    if case.schema == "crm":
        conn = await mysql_connect(database)
        try:
            async with conn.cursor() as cursor:
                await cursor.execute(case.sql)
                names = [d[0] for d in cursor.description]
                records = list(await cursor.fetchall())
        finally:
            conn.close()
    else:
        pg = await asyncpg.connect(pg_dsn(database))
        try:
            statement = await pg.prepare(case.sql)
            names = [a.name for a in statement.get_attributes()]
            records = [tuple(r) for r in await statement.fetch()]
        finally:
            await pg.close()
    table = Table([n.lower() for n in names], [normalized(r) for r in records])
    if case.columns != "all":
        keep = [table.columns.index(c.lower()) for c in case.columns]
        table = Table(
            [table.columns[i] for i in keep], [tuple(r[i] for i in keep) for r in table.rows]
        )
    return table


async def target(sources: Sources, case: Intent) -> Table | None:
    conn = await asyncpg.connect(pg_dsn(sources.target_db))
    try:
        exists = await conn.fetchval(
            "SELECT to_regclass($1) IS NOT NULL", f'"{sources.target_schema}"."{case.table}"'
        )
        if not exists:
            return None
        statement = await conn.prepare(f'SELECT * FROM "{sources.target_schema}"."{case.table}"')
        names = [a.name.lower() for a in statement.get_attributes()]
        return Table(names, [normalized(r) for r in await statement.fetch()])
    finally:
        await conn.close()


def normalized(record: Iterable[Any]) -> Row:
    return tuple(_value(v) for v in record)


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal | float | int):
        return round(float(value), 2)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # naive timestamps are taken as UTC
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- Comparing -----------------------------------------------------------------------------


def compare(expected: Table, found: Table, *, only_columns: bool = False) -> str | None:
    """None when ``found`` holds exactly the rows of ``expected``; else what differs."""
    if only_columns and len(found.columns) != len(expected.columns):
        return f"asked for only {expected.columns}; the target has {found.columns}"
    named = {c: found.columns.index(c) for c in expected.columns if c in found.columns}
    unnamed = [c for c in expected.columns if c not in named]
    spare = [i for i, c in enumerate(found.columns) if c not in expected.columns]
    want = Counter(expected.rows)
    closest: list[Row] = []
    pairings = itertools.islice(itertools.permutations(spare, len(unnamed)), MAX_PAIRINGS)
    for pairing in pairings:
        places = {**named, **dict(zip(unnamed, pairing, strict=True))}
        picked = [tuple(r[places[c]] for c in expected.columns) for r in found.rows]
        if Counter(picked) == want:
            return None
        closest = closest or picked
    if len(spare) < len(unnamed):
        return f"the target lacks some of {unnamed}: it has {found.columns}"
    return _row_difference(want, Counter(closest), expected.columns, named, unnamed)


def _row_difference(
    want: Counter[Row], got: Counter[Row], columns: list[str], named: dict, unnamed: list[str]
) -> str:
    missing, extra = want - got, got - want
    text = f"rows: target {sum(got.values())}, reference {sum(want.values())}"
    if unnamed:
        text += f"; not found by name: {unnamed}"
    if missing:
        text += f"; missing e.g. {_sample(missing, columns)}"
    if extra:
        text += f"; unexpected e.g. {_sample(extra, columns)}"
    return text


def _sample(rows: Counter[Row], columns: list[str]) -> str:
    row = sorted(rows, key=repr)[0]
    return "{" + ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True)) + "}"


# --- A whole module ------------------------------------------------------------------------


async def measure(
    suite: str,
    cases: list[Intent],
    api: httpx.AsyncClient,
    client: Client,
    sources: Sources,
    report_dir: Path,
) -> list[Outcome]:
    """Evaluate every case (a few at once), print the table and write ``<suite>.json``."""
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids (the target tables) must be unique"
    assert all(c.multiset for c in cases), "rows are compared as a multiset only"
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(case: Intent) -> Outcome:
        async with gate:
            try:
                return await evaluate(api, client, sources, case)
            except Exception as exc:  # one broken case must not hide the others
                wrong = Outcome(case.id, case.schema, case.kind, case.text, "silently_wrong")
                wrong.detail = repr(exc)
                return wrong

    started = time.monotonic()
    outcomes = list(await asyncio.gather(*(one(c) for c in cases)))
    seconds = round(time.monotonic() - started, 1)
    summary = counts(outcomes)
    report = {
        "suite": suite,
        "seconds": seconds,
        "counts": summary,
        "by_kind": {
            kind: counts([o for o in outcomes if o.kind == kind])
            for kind in sorted({o.kind for o in outcomes})
        },
        "median_generate_seconds": statistics.median(o.generate_seconds for o in outcomes),
        "cases": [asdict(o) for o in outcomes],
    }
    path = write_report(report_dir, suite, report)
    print(f"\n{table(suite, outcomes)}\n{suite}: {summary} in {seconds} s; report: {path}")
    return outcomes


def write_report(report_dir: Path, suite: str, report: dict[str, Any]) -> Path:
    """``<suite>.json`` in pytest's temporary folder, and in $INTENTS_REPORT_DIR when set."""
    text = json.dumps(report, indent=2)
    path = report_dir / f"{suite}.json"
    path.write_text(text)
    if kept := os.environ.get(REPORT_DIR_VARIABLE):
        Path(kept).mkdir(parents=True, exist_ok=True)
        Path(kept, f"{suite}.json").write_text(text)
    return path


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    tally = Counter(o.outcome for o in outcomes)
    return {
        "total": len(outcomes),
        **{name: tally[name] for name in OUTCOMES},
        "refused": sum(o.refused for o in outcomes),
    }


def table(suite: str, outcomes: list[Outcome], only: str | None = None) -> str:
    """One line per case (or per case of outcome ``only``): id, kind, outcome, what was wrong."""
    width, kinds = max(len(o.id) for o in outcomes), max(len(o.kind) for o in outcomes)
    lines = [f"{suite}: {'id':{width}}  {'kind':{kinds}}  outcome         detail"]
    for o in outcomes:
        if only and o.outcome != only:
            continue
        outcome = "refused" if o.refused else o.outcome
        lines.append(
            f"{'':{len(suite) + 2}}{o.id:{width}}  {o.kind:{kinds}}  {outcome:14}  {o.detail[:160]}"
        )
    return "\n".join(lines)


def assert_none_silently_wrong(suite: str, outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if o.outcome == "silently_wrong"]
    assert not wrong, (
        f"{len(wrong)} of {len(outcomes)} silently wrong; {counts(outcomes)}\n"
        + table(suite, outcomes, "silently_wrong")
    )


def assert_correct_share(suite: str, outcomes: list[Outcome]) -> None:
    correct = sum(o.outcome == "correct" for o in outcomes)
    assert correct / len(outcomes) >= MIN_CORRECT, (
        f"{correct} of {len(outcomes)} correct, below {MIN_CORRECT:.0%}; {counts(outcomes)}\n"
        + table(suite, outcomes)
    )
