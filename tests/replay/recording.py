"""Recording replay histories, on purpose only: `make record-histories` sets RECORD_HISTORIES=1."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from temporalio.client import WorkflowHandle

HISTORIES = Path(__file__).parent / "histories"


def recording() -> bool:
    return os.environ.get("RECORD_HISTORIES") == "1"


async def record(handle: WorkflowHandle, name: str) -> None:
    """Save the handle's history as ``histories/<name>.json`` when recording, else do nothing.
    The workflow is waited for first: a run reads finished in the store as its last load
    commits, a little before its workflow closes."""
    if not recording():
        return
    with contextlib.suppress(Exception):  # a failed or cancelled run's history is kept too
        await handle.result()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{name}.json").write_text((await handle.fetch_history()).to_json())
