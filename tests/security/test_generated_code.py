"""Generated code: no tenant string leaves a Python literal of a rendered Airflow DAG file, and
no tenant's deployment writes over another tenant's DAG file.

Each hostile value goes everywhere a definition can carry a string (the pipeline's name, its
schedule, source, sink, transformation and check names, SQL, tables, connections, modes, any
other key) and the rendered file is checked three ways: it parses; outside the one JSON string
literal it is byte for byte the file rendered for a benign pipeline; and importing it (against
a stub ``airflow`` package) runs no payload, while every value comes back exactly as given.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import io
import json
import sys
import tokenize
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.airflow_dag import DATA_NAME, dag_document, dag_file_name, dag_id, render_dag
from store.db import Database
from tests import auth
from tests.pipelines import create_connection, create_pipeline, unique_name

# --- the stub airflow package ------------------------------------------------------------------

_STUB = {
    "airflow/__init__.py": """
CREATED = []


class DAG:
    current = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.tasks = {}
        CREATED.append(self)

    def __enter__(self):
        DAG.current = self
        return self

    def __exit__(self, *exc):
        DAG.current = None
        return False


class BaseOperator:
    def __init__(self, *, task_id, **kwargs):
        if DAG.current is None:
            raise RuntimeError("an operator outside a DAG")
        if task_id in DAG.current.tasks:
            raise ValueError(f"duplicate task id {task_id!r}")
        self.task_id = task_id
        self.kwargs = kwargs
        self.upstream = []
        DAG.current.tasks[task_id] = self

    def set_upstream(self, others):
        self.upstream.extend(o.task_id for o in others)
""",
    "airflow/operators/__init__.py": "",
    "airflow/operators/empty.py": """
from airflow import BaseOperator


class EmptyOperator(BaseOperator):
    pass
""",
    "airflow/providers/__init__.py": "",
    "airflow/providers/common/__init__.py": "",
    "airflow/providers/common/sql/__init__.py": "",
    "airflow/providers/common/sql/operators/__init__.py": "",
    "airflow/providers/common/sql/operators/sql.py": """
from airflow import BaseOperator


class SQLExecuteQueryOperator(BaseOperator):
    template_fields = ("sql", "conn_id")
    template_ext = (".sql",)

    def __init__(self, *, conn_id, sql, **kwargs):
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.sql = sql
""",
}


@pytest.fixture
def stub_airflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A tiny ``airflow`` package on sys.path, gone (from sys.modules too) after the test."""
    root = tmp_path / "stub"
    for name, text in _STUB.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert importlib.util.find_spec("airflow") is None, "a real airflow is installed"
    monkeypatch.syspath_prepend(str(root))
    yield
    for name in [m for m in sys.modules if m == "airflow" or m.startswith("airflow.")]:
        del sys.modules[name]


def _import(path: Path) -> Any:
    """Import a rendered file as Airflow's DAG processor does; the module."""
    spec = importlib.util.spec_from_file_location(f"dag_{uuid.uuid4().hex}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- hostile values ----------------------------------------------------------------------------


def _hostile(marker: Path) -> list[str]:
    """Strings that would run ``payload`` were they pasted into Python source unescaped."""
    payload = f"__import__('os').system('touch {marker}')"
    touch = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    touch_dq = f'__import__("pathlib").Path("{marker}").touch()'
    return [
        f'x"""; {touch_dq}; """',  # ran when the old renderer put the name in its docstring
        f"x'''; {touch_dq}; '''",
        f'x"""\n{payload}\n"""',
        f"x'''\n{payload}\n'''",
        f'x"""; {touch}; """',
        f"x'''; {touch}; '''",
        f"x'; {touch}; '",
        f'x"; {touch}; "',
        f'x\\"; {touch}; #',
        f"x\\'; {touch}; #",
        "ends with a backslash\\",
        "ends with two backslashes\\\\",
        f"x\\\n{touch}",
        f"x\n{touch}\n",
        f"x\r{touch}\r",
        f"x\r\n{touch}\r\n",
        f"x\u2028{touch}\u2028",
        f"x\u2029{touch}",
        f"x\x85{touch}\x85",
        f"x\x0b\x0c{touch}",
        f"# {touch}",
        "{}",
        "{0}{1}",
        f"{{{touch}}}",
        f"f'{{{touch}}}'",
        "{{ conn.other_tenant.password }}{% raw %}",
        f"x\x00{touch}",
        f"x\x00\n{payload}",
        f"\\N{{BULLET}}\\x41\\u0041 {payload}",
        f"*/ {payload} /*",
        f"]]; {touch}; [[",
        f"); {touch}; (",
        "\ud800 lone surrogate",
        "\u202e right-to-left override",
        "..\\..\\windows",
        "../../etc/cron.d/x",
        payload,
        touch,
    ]


def _definition(value: str) -> dict[str, Any]:
    """A definition with ``value`` in every place a string can go (keys included)."""
    return {
        "description": value,
        "sources": {
            value: {"connection": value, "table": value},
            "q": {"connection": value, "query": value},
        },
        "transformations": [{"name": value, "type": value, "sql": value}, {"name": value}],
        "quality_checks": [{"name": value, "type": value}, {"type": value}],
        "sinks": {value: {"connection": value, "table": value, "mode": value}},
        "orchestration": {"retries": value, "timeout_minutes": value, value: [value, 1, None]},
        value: {value: value},
    }


BENIGN = "benign"


def _split(source: str) -> tuple[str, str, ast.Assign]:
    """(the file without the data assignment, that assignment's source, its node)."""
    tree = ast.parse(source)
    [node] = [
        n
        for n in tree.body
        if isinstance(n, ast.Assign) and [ast.unparse(t) for t in n.targets] == [DATA_NAME]
    ]
    lines = source.splitlines(keepends=True)
    assert node.end_lineno is not None
    start, end = node.lineno - 1, node.end_lineno
    return "".join(lines[:start] + lines[end:]), "".join(lines[start:end]), node


def _identifiers(tree: ast.AST) -> set[str]:
    """Every name, attribute, argument, keyword and import the module uses."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.arg | ast.FunctionDef | ast.ClassDef):
            found.add(node.arg if isinstance(node, ast.arg) else node.name)
    return found


def _render(value: str, tenant: str = "t", pipeline: str = "p") -> str:
    return render_dag(value, _definition(value), value, dag_id=dag_id(tenant, pipeline, 1))


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "payload-ran"


def test_the_payloads_would_run_if_pasted_raw(marker: Path):
    """The test's own check: the payloads are live (pasted into a literal, they run)."""
    scope: dict[str, Any] = {}
    exec(f'name = """{_hostile(marker)[0]}"""', scope)  # the old docstring's mistake
    assert marker.exists()


def test_hostile_values_stay_data_in_the_rendered_file(marker: Path, tmp_path: Path, stub_airflow):
    benign = _render(BENIGN)
    program, _, _ = _split(benign)
    allowed = _identifiers(ast.parse(benign))  # what the renderer itself writes
    for value in _hostile(marker):
        source = _render(value)
        assert source.isascii(), repr(value)
        # (a) it parses
        tree = ast.parse(source)
        # (b) the program around the data is the benign file's, byte for byte; the data is one
        # string constant (the parser joins its pieces) that reads back as the document.
        rest, _, node = _split(source)
        assert rest == program, repr(value)
        assert _identifiers(tree) <= allowed, repr(value)
        call = node.value
        assert isinstance(call, ast.Call) and ast.unparse(call.func) == "json.loads"
        [literal] = call.args
        assert isinstance(literal, ast.Constant) and isinstance(literal.value, str)
        document = json.loads(literal.value)
        expected = dag_document(value, _definition(value), value, dag_id("t", "p", 1))
        assert document == json.loads(json.dumps(expected)), repr(value)
        assert document["pipeline"] == value and document["schedule"] == value
        for other in ast.walk(ast.parse(rest)):
            if isinstance(other, ast.Constant):
                assert value not in str(other.value), repr(value)
        # (c) importing it runs no payload, and builds the DAG from the values as given
        path = tmp_path / dag_file_name(dag_id("t", f"p-{uuid.uuid4().hex[:8]}", 1))
        path.write_text(source)
        module = _import(path)
        assert not marker.exists(), f"importing the DAG ran a payload: {value!r}"
        dag = module.dag
        assert dag.kwargs["dag_id"] == dag_id("t", "p", 1)
        assert dag.kwargs["description"] == f"Ductwork pipeline {value}"
        assert dag.kwargs["schedule"] == value
        assert dag.kwargs["default_args"]["retries"] == 3  # a non-number falls back
        sql = [t for t in dag.tasks.values() if hasattr(t, "sql")]
        assert value in {t.sql for t in sql} and value in {t.conn_id for t in sql}
        for task in document["tasks"]:  # exactly the document's tasks, as given
            built = dag.tasks[task["task_id"]]
            assert (getattr(built, "sql", None), getattr(built, "conn_id", None)) == (
                task["sql"],
                task["conn_id"],
            )
        assert all(type(t).template_fields == () for t in sql)  # Jinja never reads a value
        assert all(type(t).template_ext == () for t in sql)
        assert dag.tasks["quality_checks"].upstream, "tasks are wired in order"


def test_the_docstring_and_comments_hold_no_tenant_text(marker: Path):
    benign = ast.get_docstring(ast.parse(_render(BENIGN)), clean=False)
    for value in _hostile(marker):
        source = _render(value)
        assert ast.get_docstring(ast.parse(source), clean=False) == benign, repr(value)
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        comments = [t.string for t in tokens if t.type == tokenize.COMMENT]
        assert comments == [], (value, comments)


def test_dag_ids_and_file_names_are_safe_and_never_shared(marker: Path, tmp_path: Path):
    folder = tmp_path / "dags"
    names = [*_hostile(marker), "", ".", "..", "/", "a/b", "a\\b", "A", "a", "a.b", "a-b", "a_b"]
    seen: dict[str, tuple[str, str]] = {}
    for tenant in names:
        for pipeline in ("p", "P", "p/../q", str(uuid.UUID(int=1))):
            made = dag_id(tenant, pipeline, 7)
            file_name = dag_file_name(made)
            assert file_name == f"{made}.py" and made.endswith("__v7")
            assert "/" not in made and "\\" not in made and ".." not in made and made.isascii()
            assert (folder / file_name).resolve().parent == folder.resolve()
            assert len(made) <= 250
            assert made not in seen, f"{(tenant, pipeline)} and {seen[made]} share {made}"
            seen[made] = (tenant, pipeline)
    # The separator cannot be forged: a tenant holding "__" is not another tenant's prefix.
    assert dag_id("a__b", "c", 1) != dag_id("a", "b__c", 1)
    assert dag_id("acme", "p", 1) != dag_id("acme", "p", 2)
    for refused in ("", "..", "../x", "a/b", "a\\b", "x\x00", ".hidden", "-rf", "A" * 300):
        with pytest.raises(ValueError):
            dag_file_name(refused)


# --- two tenants, one pipeline name --------------------------------------------------------------


async def _same_name_pipeline(
    client: httpx.AsyncClient, name: str, source_db: str, target_db: str
) -> str:
    src = await create_connection(client, source_db, unique_name("gc-src"))
    dst = await create_connection(client, target_db, unique_name("gc-dst"))
    definition = {
        "sources": {"rows": {"connection": src, "table": "gc_rows"}},
        "sinks": {"wh": {"connection": dst, "table": "wh.gc_rows", "mode": "replace"}},
    }
    return await create_pipeline(client, name, definition)


async def _deploy(client: httpx.AsyncClient, pipeline_id: str) -> dict:
    response = await client.post(f"/api/v1/pipelines/{pipeline_id}:deploy?mode=watch_folder")
    assert response.status_code == 200, response.text
    return response.json()["details"]


@pytest.fixture
async def second_tenant(app: Any, db: Database) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """Another tenant and its editor's API client."""
    tenant = f"gc-{uuid.uuid4().hex[:8]}"
    key = await auth.make_key(db, tenant, "editor")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ductwork.test",
        headers=auth.headers(key, tenant),
    ) as editor:
        yield tenant, editor


async def test_two_tenants_deploying_the_same_name_keep_their_own_dag_files(
    api: httpx.AsyncClient,
    second_tenant: tuple[str, httpx.AsyncClient],
    source,
    source_db: str,
    target_db: str,
):
    other_tenant, editor = second_tenant
    await source.execute("CREATE TABLE IF NOT EXISTS gc_rows (id int PRIMARY KEY)")
    name = f'Daily Sales """ {uuid.uuid4().hex[:6]}'
    victim_id = await _same_name_pipeline(api, name, source_db, target_db)
    victim = await _deploy(api, victim_id)
    victim_path = Path(victim["dag_path"])
    before = await asyncio.to_thread(victim_path.read_text)

    attacker_id = await _same_name_pipeline(editor, name, source_db, target_db)
    theirs = await _deploy(editor, attacker_id)
    their_path = Path(theirs["dag_path"])

    assert victim["dag_id"] == dag_id("default", victim_id, 1)
    assert theirs["dag_id"] == dag_id(other_tenant, attacker_id, 1)
    assert theirs["dag_id"] != victim["dag_id"]
    assert their_path != victim_path and their_path.parent == victim_path.parent
    assert await asyncio.to_thread(victim_path.read_text) == before  # not overwritten
    for path, details in ((victim_path, victim), (their_path, theirs)):
        source_text = await asyncio.to_thread(path.read_text)
        _, _, node = _split(source_text)
        document = json.loads(node.value.args[0].value)  # type: ignore[attr-defined]
        assert document["dag_id"] == details["dag_id"] and document["pipeline"] == name
        assert path.name == dag_file_name(details["dag_id"])
    # Each tenant's Airflow view finds its own DAG only.
    assert (await api.get(f"/v1/airflow/dags/{theirs['dag_id']}")).status_code == 404
    assert (await editor.get(f"/v1/airflow/dags/{victim['dag_id']}")).status_code == 404
