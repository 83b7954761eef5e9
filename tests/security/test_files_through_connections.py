"""Attacks through connections on local paths: files roots, SQLite and DuckDB database files and
files targets. The strict policy gives a tenant ``<data_dir>/tenants/<tenant>/`` only; roots
elsewhere, ``..`` spellings, symlinks out of the root, the store, another tenant's files and the
data directory's own files are refused when the connection is saved (422 POLICY_DENIED), and a
connection saved under a laxer policy is refused when it is used. A files target never removes
files that Ductwork did not write.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.pipelines import unique_name
from tests.security.kit import (
    CONNECTIONS,
    Attacker,
    assert_policy_denied,
    assert_refused_at_run_time,
    attacker_fixture,  # noqa: F401  (the fixture "attacker")
    attempt_run,
    create_connection,
    error_code,
    key_files_fixture,  # noqa: F401  (the fixture "key_files")
    own_lake,
    plant,
    policy_fixture,  # noqa: F401  (the fixture "policy")
    post_pipeline,
    tree_bytes,
)
from tests.sources import duckdb_file


async def _post(client, body: dict):
    return await client.post(CONNECTIONS, json={"name": unique_name("conn"), **body})


def _places(attacker: Attacker, settings, outside: Path) -> dict[str, tuple[str, bool]]:
    """Roots the strict policy refuses, and whether an operator setting could allow them."""
    data, root = settings.data_dir, attacker.root
    sibling = root.parent / f"{root.name}-x"  # shares the root's name as a prefix
    sibling.mkdir(exist_ok=True)
    (data / "tenants" / "default").mkdir(parents=True, exist_ok=True)
    return {
        "filesystem-root": ("/", False),  # it holds the data directory
        "etc": ("/etc", True),
        "double-slash": ("//etc", True),
        "etc-dotdot-etc": ("/etc/../etc", True),
        "outside-the-data-dir": (str(outside), True),
        "prefix-sibling": (str(sibling), False),  # in the data directory's tenants/
        "tenants-dir": (f"{root}/..", False),
        "data-dir-dotdot": (f"{root}/../..", False),
        "data-dir": (str(data), False),
        "staging": (str(data / "staging"), False),
        "staging-dot-segments": (f"{root}/./../../staging", False),
        "another-tenant": (str(data / "tenants" / "default"), False),
        "another-tenant-dotdot": (f"{root}/../default", False),
    }


PLACES = [
    "filesystem-root",
    "etc",
    "double-slash",
    "etc-dotdot-etc",
    "outside-the-data-dir",
    "prefix-sibling",
    "tenants-dir",
    "data-dir-dotdot",
    "data-dir",
    "staging",
    "staging-dot-segments",
    "another-tenant",
    "another-tenant-dotdot",
]


@pytest.mark.parametrize("place", PLACES)
async def test_a_files_root_outside_the_tenant_root_is_refused(
    attacker: Attacker, policy, settings, tmp_path, place: str
):
    outside = tmp_path / "outside"
    outside.mkdir()
    where, allowable = _places(attacker, settings, outside)[place]
    response = await _post(attacker.editor, {"type": "files", "database": where})
    assert_policy_denied(response, names_setting=allowable)


async def test_the_tenant_root_itself_is_allowed(attacker: Attacker, policy):
    """The control: the strict policy refuses what is outside, not everything."""
    (attacker.root / "sub").mkdir()
    for where in (attacker.root, attacker.root / "sub"):
        response = await _post(attacker.editor, {"type": "files", "database": str(where)})
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("pointing_at", ["data-dir", "etc", "another-tenant"])
async def test_a_symlinked_directory_out_of_the_root_is_refused(
    attacker: Attacker, policy, settings, pointing_at: str
):
    target = {
        "data-dir": settings.data_dir,
        "etc": Path("/etc"),
        "another-tenant": settings.data_dir / "tenants" / "default",
    }[pointing_at]
    target.mkdir(parents=True, exist_ok=True)
    link = attacker.root / f"link-{pointing_at}"
    link.symlink_to(target, target_is_directory=True)
    response = await _post(attacker.editor, {"type": "files", "database": str(link)})
    assert_policy_denied(response, names_setting=False)


@pytest.mark.parametrize("how", ["file-symlink", "directory-symlink-in-a-glob"])
async def test_a_symlink_inside_the_root_does_not_read_out_of_it(
    attacker: Attacker, policy, settings, client, how: str
):
    lake = await own_lake(attacker)
    private = settings.data_dir / f"private-{uuid.uuid4().hex[:8]}"
    canary = plant(private / "canary.csv")
    try:
        if how == "file-symlink":
            (attacker.root / "leak.csv").symlink_to(canary.path)
            table = "leak.csv"
        else:
            (attacker.root / "sub").symlink_to(private, target_is_directory=True)
            table = "sub/*.csv"
        definition = lake.definition({"connection": lake.source, "table": table})
        response = await post_pipeline(attacker.editor, definition)
        if response.status_code != 201:
            assert_policy_denied(response, names_setting=False)
        else:
            outcome = await attempt_run(
                attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
            )
            assert_refused_at_run_time(outcome)
            assert not canary.found_in(outcome.text)
        assert not canary.found_in(lake.landed())
        assert not canary.found_in(attacker.responses())
    finally:
        canary.path.unlink(missing_ok=True)
        private.rmdir()


@pytest.mark.parametrize(
    ("kind", "spelling"),
    [
        ("sqlite", "{data}/ductwork.db"),
        ("sqlite", "{root}/../../ductwork.db"),
        ("sqlite", "{data}/./ductwork.db"),
        ("sqlite", "{data}//ductwork.db"),
        ("sqlite", "{root}/store-link.db"),  # a symlink to the store
        ("duckdb", "{data}/ductwork.db"),
        ("sqlite", "{data}/secret.key"),
        ("duckdb", "{data}/jwt.key"),
    ],
    ids=[
        "sqlite-store",
        "sqlite-store-dotdot",
        "sqlite-store-dot",
        "sqlite-store-double-slash",
        "sqlite-store-symlink",
        "duckdb-store",
        "sqlite-secret-key",
        "duckdb-jwt-key",
    ],
)
async def test_a_database_file_connection_on_the_data_dirs_files_is_refused(
    attacker: Attacker, policy, settings, key_files, kind: str, spelling: str
):
    store = settings.data_dir / "ductwork.db"
    assert store.exists()  # the suite's store: SQLite in the data directory
    (attacker.root / "store-link.db").symlink_to(store)
    where = spelling.format(data=settings.data_dir, root=attacker.root)
    response = await _post(attacker.editor, {"type": kind, "database": where})
    assert_policy_denied(response, names_setting=False)


@pytest.mark.parametrize(
    "spelling",
    ["{victim}/warehouse.duckdb", "{root}/../default/w.duckdb"],
    ids=["absolute", "dotdot-from-the-own-root"],
)
async def test_another_tenants_duckdb_file_is_refused(
    attacker: Attacker, policy, settings, api, spelling: str
):
    victim = settings.data_dir / "tenants" / "default"
    victim.mkdir(parents=True, exist_ok=True)
    marker = "VICT" + uuid.uuid4().hex
    for name in ("warehouse.duckdb", "w.duckdb"):
        path = victim / name
        path.unlink(missing_ok=True)
        duckdb_file(str(path), f"CREATE TABLE sales AS SELECT '{marker}' AS secret")
    where = spelling.format(victim=victim, root=attacker.root)
    response = await _post(attacker.editor, {"type": "duckdb", "database": where})
    assert_policy_denied(response, names_setting=False)
    assert marker not in attacker.responses()
    # The control: the tenant that owns the file may use it.
    own = await _post(api, {"type": "duckdb", "database": str(victim / "warehouse.duckdb")})
    assert own.status_code == 201, own.text


async def test_a_duckdb_target_in_another_tenants_root_is_refused(
    attacker: Attacker, policy, settings
):
    victim = settings.data_dir / "tenants" / "default"
    victim.mkdir(parents=True, exist_ok=True)
    new_file = victim / f"planted-{uuid.uuid4().hex[:8]}.duckdb"
    response = await _post(attacker.editor, {"type": "duckdb", "database": str(new_file)})
    assert_policy_denied(response, names_setting=False)
    assert not new_file.exists()


# --- connections saved under a laxer policy are refused when used ------------------------------


async def test_a_files_source_saved_under_a_laxer_policy_is_refused_when_used(
    attacker: Attacker, policy, client, tmp_path
):
    outside = tmp_path / "outside"
    canary = plant(outside / "data.csv")
    lake = await own_lake(attacker)
    policy.set(roots=[outside])  # the operator allowed it once
    source = await create_connection(attacker.editor, {"type": "files", "database": str(outside)})
    response = await post_pipeline(
        attacker.editor, lake.definition({"connection": source, "table": "data.csv"})
    )
    assert response.status_code == 201, response.text
    policy.strict()  # ... and no longer does

    tested = await attacker.editor.post(f"{CONNECTIONS}/{source}/test")
    assert_policy_denied(tested)
    tables = await attacker.editor.get(f"{CONNECTIONS}/{source}/tables")
    assert tables.status_code in (400, 403, 422), tables.text
    outcome = await attempt_run(
        attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
    )
    assert_refused_at_run_time(outcome)
    assert not canary.found_in(outcome.text)
    assert not canary.found_in(lake.landed())
    assert not canary.found_in(attacker.responses())


@pytest.mark.parametrize("kind", ["files", "duckdb"])
async def test_a_target_saved_under_a_laxer_policy_writes_nothing_when_used(
    attacker: Attacker, policy, client, tmp_path, kind: str
):
    outside = tmp_path / "outside"
    outside.mkdir()
    lake = await own_lake(attacker)
    policy.set(roots=[outside])
    where = outside / "exports" if kind == "files" else outside / "exfil.duckdb"
    body = {"type": kind, "database": str(where)}
    if kind == "files":
        body["properties"] = {"format": "csv"}
    target = await create_connection(attacker.editor, body)
    definition = lake.definition()
    definition["sinks"] = {"out": {"connection": target, "table": "loot.rows", "mode": "append"}}
    response = await post_pipeline(attacker.editor, definition)
    assert response.status_code == 201, response.text
    policy.strict()

    outcome = await attempt_run(
        attacker.editor, client, attacker.tenant_id, response.json()["pipelineId"]
    )
    assert_refused_at_run_time(outcome)
    assert lake.seed_marker.encode() not in tree_bytes(outside)
    assert not list(outside.rglob("*")), "the run wrote outside the tenant's roots"


# --- operator allowances ------------------------------------------------------------------------


async def test_the_data_dir_listed_as_a_root_still_keeps_its_own_files(
    attacker: Attacker, policy, settings, key_files
):
    policy.set(roots=[settings.data_dir])
    data = settings.data_dir
    (data / "tenants" / "default").mkdir(parents=True, exist_ok=True)
    (data / "staging").mkdir(exist_ok=True)
    refused = [
        {"type": "files", "database": str(data)},
        {"type": "files", "database": str(data / "staging")},
        {"type": "files", "database": str(data / "tenants" / "default")},
        {"type": "files", "database": str(data / "tenants")},
        {"type": "sqlite", "database": str(data / "ductwork.db")},
        {"type": "duckdb", "database": str(data / "jwt.key")},
    ]
    for body in refused:
        response = await _post(attacker.editor, body)
        assert response.status_code in (400, 422), (body, response.text)
        assert error_code(response) == "POLICY_DENIED", (body, response.text)
    own = await _post(attacker.editor, {"type": "files", "database": str(attacker.root)})
    assert own.status_code == 201, own.text


async def test_tenant_roots_are_for_that_tenant_only(attacker: Attacker, policy, api, tmp_path):
    granted = tmp_path / "granted"
    granted.mkdir()
    (tmp_path / "granted-x").mkdir()  # shares the granted root's name as a prefix
    shared = tmp_path / "shared"
    shared.mkdir()
    policy.set(roots=[shared], tenant_roots={attacker.tenant_id: [granted]})
    mine = await _post(attacker.editor, {"type": "files", "database": str(granted)})
    assert mine.status_code == 201, mine.text
    theirs = await _post(api, {"type": "files", "database": str(granted)})
    assert_policy_denied(theirs)
    beside = await _post(attacker.editor, {"type": "files", "database": f"{granted}-x"})
    assert_policy_denied(beside)
    for client in (attacker.editor, api):
        everyone = await _post(client, {"type": "files", "database": str(shared / ".")})
        assert everyone.status_code == 201, everyone.text


# --- replace never removes what Ductwork did not write -------------------------------------------


@pytest.mark.parametrize("where", ["operator-root", "own-root"])
async def test_replace_keeps_a_foreign_directorys_files(
    attacker: Attacker, policy, client, tmp_path, where: str
):
    lake = await own_lake(attacker)
    if where == "operator-root":
        root = tmp_path / "shared"
        root.mkdir()
        policy.set(roots=[root])
    else:
        root = attacker.root / "exports-root"
        root.mkdir()
    foreign = root / "exports" / "orders"
    foreign.mkdir(parents=True)
    kept = {
        "part-0123456789abcdef.parquet": os.urandom(64),  # a name Ductwork uses itself
        "README.txt": b"hand-made export, do not delete\n",
        "nested/keep.csv": b"id\n1\n",
    }
    for name, data in kept.items():
        (foreign / name).parent.mkdir(parents=True, exist_ok=True)
        (foreign / name).write_bytes(data)
    target = await create_connection(
        attacker.editor,
        {"type": "files", "database": str(root), "properties": {"format": "parquet"}},
    )
    definition = lake.definition()
    definition["sinks"] = {
        "out": {"connection": target, "table": "exports.orders", "mode": "replace"}
    }
    response = await post_pipeline(attacker.editor, definition)
    if response.status_code == 201:
        pipeline = response.json()["pipelineId"]
        await attempt_run(attacker.editor, client, attacker.tenant_id, pipeline)
    for name, data in kept.items():
        assert (foreign / name).exists(), f"replace removed {name}, which Ductwork did not write"
        assert (foreign / name).read_bytes() == data
