"""A source's record batches read in a thread of their own, a few ahead of the writer.

A writer that pulls batches from a source one at a time waits for each read (a database's
wire format decoded into Arrow, a file parsed) and the source waits for each write (DuckDB's
insert, a Parquet encoding). Both release the GIL in their native code, so a reading thread
lets them overlap on a second core. At most ``depth`` batches wait between the two, so memory
stays bounded by the batch size.

The reading thread owns the source's iterator: it reads it, closes it, and hands on its error
(the same object, so its class still decides whether the step is retried). Closing the
iterator returned here, or leaving it by an error, stops the reading and waits for the thread:
the source is closed before the writer returns.
"""

from __future__ import annotations

import contextlib
import contextvars
import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any

import pyarrow as pa

_POLL_SECONDS = 0.1


def read_ahead(
    batches: Iterator[pa.RecordBatch], depth: int = 2
) -> Generator[pa.RecordBatch, None, None]:
    """``batches``, read in a thread up to ``depth`` batches ahead of the caller."""
    ready: queue.Queue[tuple[pa.RecordBatch | None, BaseException | None]] = queue.Queue(depth)
    stopped = threading.Event()

    def hand_on(item: tuple[pa.RecordBatch | None, BaseException | None]) -> bool:
        """Put ``item`` in the queue unless the reader stopped; False: it stopped."""
        while not stopped.is_set():
            try:
                ready.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand_on((batch, None)):
                    return
            hand_on((None, None))
        except BaseException as exc:  # handed on: the caller raises it
            hand_on((None, exc))
        finally:
            _close(batches)

    # The context (structlog's bound ids) goes with the thread.
    thread = threading.Thread(
        target=contextvars.copy_context().run, args=(read,), name="ductwork-read-ahead"
    )
    thread.start()
    try:
        while True:
            batch, error = ready.get()
            if error is not None:
                raise error
            if batch is None:
                return
            yield batch
    finally:
        stopped.set()
        with contextlib.suppress(queue.Empty):
            while True:  # a reader blocked on a full queue sees the stop at once
                ready.get_nowait()
        thread.join()


def _close(batches: Any) -> None:
    close = getattr(batches, "close", None)  # a generator: its source closes here
    if close is not None:
        with contextlib.suppress(Exception):
            close()
