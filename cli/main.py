"""``ductwork``: run the stack here (``up``, ``migrate``), or operate any Ductwork over its API.

    ductwork login --url http://127.0.0.1:8000 --email admin@localhost
    ductwork pipelines list
    ductwork pipelines run <pipeline-id> --follow
    ductwork runs logs <run-id> --follow --task load_orders
    ductwork approvals approve <request-id> --reason "checked the diff"

Everything but ``up`` and ``migrate`` goes through the API with ``ductwork_client``: the CLI
never reads the store or Temporal itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from ductwork_client import Client, DuctworkError
from rich.console import Console

from cli import config, render
from cli.follow import follow_logs, follow_run

app = typer.Typer(
    name="ductwork",
    help="Ductwork: data pipelines as durable Temporal workflows.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
pipelines = typer.Typer(help="List, show, create and run pipelines.", no_args_is_help=True)
runs = typer.Typer(help="List runs, show one, read its logs, cancel it.", no_args_is_help=True)
approvals = typer.Typer(help="Decide the approvals that wait.", no_args_is_help=True)
connections = typer.Typer(help="List and test connections.", no_args_is_help=True)
app.add_typer(pipelines, name="pipelines")
app.add_typer(runs, name="runs")
app.add_typer(approvals, name="approvals")
app.add_typer(connections, name="connections")

out = Console()
err = Console(stderr=True)

Url = Annotated[str | None, typer.Option("--url", help="the API's base URL")]


def _client(url: str | None = None) -> Client:
    profile = config.load()
    if not profile.credential:
        err.print("[red]not logged in:[/] run `ductwork login` or set DUCTWORK_API_KEY")
        raise typer.Exit(2)
    return Client(profile.credential, url or profile.url, tenant=profile.tenant)


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r}: write parameters as name=value")
        params[name] = value
    return params


# Local stack ---------------------------------------------------------------------------------


@app.command()
def up() -> None:
    """Start Temporal (dev server and Web UI), the worker and the API here; Ctrl-C stops them."""
    from stack.processes import up as run_stack

    raise typer.Exit(run_stack())


@app.command()
def migrate() -> None:
    """Apply the metadata store's migrations."""
    from stack.cli import migrate as migrate_store

    out.print(f"store migrated: {migrate_store()}")


@app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored secret with DUCTWORK_SECURITY__ENCRYPTION_KEY (keep the old key
    in DUCTWORK_SECURITY__PREVIOUS_ENCRYPTION_KEYS until this has run)."""
    from stack.cli import rotate_key as reencrypt_secrets

    out.print(f"re-encrypted {reencrypt_secrets()} stored secrets with the current key")


# Login ---------------------------------------------------------------------------------------


@app.command()
def login(
    url: Annotated[str, typer.Option(help="the API's base URL")] = config.DEFAULT_URL,
    email: Annotated[str | None, typer.Option(help="log in as this user")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="DUCTWORK_PASSWORD", help="read from DUCTWORK_PASSWORD or asked when left out"
        ),
    ] = None,
    api_key: Annotated[str | None, typer.Option(help="use an API key instead of a user")] = None,
    tenant: Annotated[str | None, typer.Option(help="act in this tenant")] = None,
) -> None:
    """Check a credential against the API and keep it for the next commands."""
    if api_key is None:
        if email is None:
            email = typer.prompt("email")
        password = password or typer.prompt("password", hide_input=True)
        client = Client.login(email, password, url, tenant=tenant)
        credential = client.credential
    else:
        client = Client(api_key, url, tenant=tenant)
        credential = api_key
    with client:
        chosen = client.tenant
    path = config.save(config.Profile(url=url, credential=credential, tenant=chosen))
    out.print(f"logged in to {url} (tenant {chosen}); credential kept in {path}")


# Pipelines -----------------------------------------------------------------------------------


@pipelines.command("list")
def pipelines_list(
    status: Annotated[str | None, typer.Option(help="only pipelines in this status")] = None,
    url: Url = None,
) -> None:
    """The tenant's pipelines."""
    with _client(url) as client:
        out.print(render.pipelines(client.pipelines.list(status=status, size=100).items))


@pipelines.command("show")
def pipelines_show(pipeline_id: str, url: Url = None) -> None:
    """A pipeline and its definition."""
    with _client(url) as client:
        pipeline = client.pipelines.get(pipeline_id)
    out.print(render.pipeline(pipeline))


@pipelines.command("create")
def pipelines_create(
    file: Annotated[Path, typer.Option("-f", "--file", help="a definition in YAML or JSON")],
    name: Annotated[str | None, typer.Option(help="default: the file's name field")] = None,
    url: Url = None,
) -> None:
    """Create a pipeline from a definition file (``name`` and ``definition``, or a bare
    definition with ``--name``)."""
    document = yaml.safe_load(file.read_text())
    if not isinstance(document, dict):
        raise typer.BadParameter(f"{file}: expected a mapping")
    definition = document.get("definition", document)
    chosen = name or document.get("name")
    if not chosen:
        raise typer.BadParameter("give the pipeline a name: a 'name' field or --name")
    extra = {k: v for k, v in document.items() if k in ("description", "tags")}
    with _client(url) as client:
        created = client.pipelines.create(chosen, definition, **extra)
    out.print(f"created pipeline {created.id}")


@pipelines.command("run")
def pipelines_run(
    pipeline_id: str,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value")] = None,
    follow: Annotated[bool, typer.Option(help="show progress until the run ends")] = False,
    url: Url = None,
) -> None:
    """Start a run; with --follow, a progress bar until it ends (exit 1 unless COMPLETED)."""
    with _client(url) as client:
        run = client.pipelines.execute(pipeline_id, _params(param or []))
        if not follow:
            out.print(run.id)
            return
        raise typer.Exit(follow_run(run, out))


# Runs ----------------------------------------------------------------------------------------


@runs.command("list")
def runs_list(
    pipeline: Annotated[str | None, typer.Option(help="only this pipeline's runs")] = None,
    status: Annotated[str | None, typer.Option(help="only runs in this status")] = None,
    url: Url = None,
) -> None:
    """Recent runs, newest first."""
    with _client(url) as client:
        out.print(render.runs(client.runs.list(pipeline, status, size=50).items))


@runs.command("show")
def runs_show(run_id: str, url: Url = None) -> None:
    """A run: status, progress, metrics and each step."""
    with _client(url) as client:
        out.print(render.run(client.runs.get(run_id)))


@runs.command("logs")
def runs_logs(
    run_id: str,
    task: Annotated[str | None, typer.Option(help="only this step's lines")] = None,
    lines: Annotated[int, typer.Option(help="the last N lines")] = 100,
    follow: Annotated[bool, typer.Option(help="keep printing until the run ends")] = False,
    url: Url = None,
) -> None:
    """A run's log lines."""
    with _client(url) as client:
        if follow:
            follow_logs(client.runs.handle(run_id), out, task)
        else:
            for line in client.runs.logs(run_id, task, lines):
                out.print(render.log_line(line))


@runs.command("cancel")
def runs_cancel(run_id: str, url: Url = None) -> None:
    """Ask a run to stop; what it has loaded stays exactly as committed."""
    with _client(url) as client:
        answer = client.runs.cancel(run_id)
    out.print(answer.get("message") or f"cancel requested for {run_id}")


# Approvals -----------------------------------------------------------------------------------


@approvals.command("list")
def approvals_list(
    status: Annotated[str, typer.Option(help="pending, approved, rejected, expired or all")] = (
        "pending"
    ),
    url: Url = None,
) -> None:
    """Approval requests (by default the ones waiting)."""
    with _client(url) as client:
        out.print(render.approvals(client.approvals.list(status)))


@approvals.command("approve")
def approvals_approve(
    request_id: str,
    reason: Annotated[str | None, typer.Option(help="why, kept with the decision")] = None,
    url: Url = None,
) -> None:
    """Approve a request (needs the admin role)."""
    with _client(url) as client:
        decided = client.approvals.approve(request_id, reason)
    out.print(f"{decided.request_id}: {decided.status} by {decided.decided_by}")


@approvals.command("reject")
def approvals_reject(
    request_id: str,
    reason: Annotated[str, typer.Option(help="why, kept with the decision")],
    url: Url = None,
) -> None:
    """Reject a request (needs the admin role)."""
    with _client(url) as client:
        decided = client.approvals.reject(request_id, reason)
    out.print(f"{decided.request_id}: {decided.status} by {decided.decided_by}")


# Connections ---------------------------------------------------------------------------------


@connections.command("list")
def connections_list(url: Url = None) -> None:
    """The tenant's connections (never their secrets)."""
    with _client(url) as client:
        out.print(render.connections(client.connections.list().items))


@connections.command("test")
def connections_test(connection_id: str, url: Url = None) -> None:
    """Connect, and say the server's version and latency (exit 1 when it fails)."""
    with _client(url) as client:
        result = client.connections.test(connection_id)
    if result.connected:
        out.print(f"connected: {result.version or 'server'} in {result.latency_ms} ms")
        return
    err.print(f"[red]not connected:[/] {json.dumps(result.error)}")
    raise typer.Exit(1)


def main(argv: list[str] | None = None) -> int:
    """The console script: API errors become one red line and exit code 2."""
    try:
        code = app(args=argv, standalone_mode=False)
    except DuctworkError as exc:
        err.print(f"[red]{exc.status} {exc.code}:[/] {exc.message}")
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return 130
    except Exception as exc:  # click's usage errors
        from click import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            return exc.exit_code
        raise
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
