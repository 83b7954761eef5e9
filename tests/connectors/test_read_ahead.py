"""Batches read ahead in a thread: every batch in order, the source's own error, at most a few
batches read past the writer, and the source closed before the writer goes on."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyarrow as pa
import pytest

from connectors.base import TransientError
from connectors.read_ahead import read_ahead


class Source:
    """Batches of one id each; records how far it was read, and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.read = 0
        self.closed = threading.Event()
        self.threads: set[str] = set()

    def batches(self) -> Iterator[pa.RecordBatch]:
        try:
            for i in range(self.count):
                self.threads.add(threading.current_thread().name)
                if i == self.fail_at:
                    raise TransientError("connection reset", error_type="CONNECTION_FAILED")
                self.read += 1
                yield pa.record_batch([pa.array([i])], names=["id"])
        finally:
            self.closed.set()


def test_every_batch_in_order_read_in_another_thread():
    source = Source(50)
    ids = [batch.column(0)[0].as_py() for batch in read_ahead(source.batches())]
    assert ids == list(range(50))
    assert source.closed.is_set()
    assert source.threads == {"ductwork-read-ahead"}


def test_the_sources_error_comes_out_as_it_was_raised():
    source = Source(10, fail_at=4)
    seen = []
    with pytest.raises(TransientError, match="connection reset"):
        for batch in read_ahead(source.batches()):
            seen.append(batch.column(0)[0].as_py())
    assert seen == [0, 1, 2, 3]
    assert source.closed.is_set()


def test_a_writer_that_stops_stops_the_reading_and_the_source_is_closed():
    source = Source(1_000)
    ahead = read_ahead(source.batches(), depth=2)
    assert next(ahead).column(0)[0].as_py() == 0
    ahead.close()  # as a writer's ``finally`` does
    assert source.closed.is_set()  # before close() returned
    assert source.read <= 1 + 2 + 1  # the one taken, two waiting, one being handed on


def test_nothing_is_read_before_the_first_batch_is_asked_for():
    source = Source(3)
    ahead = read_ahead(source.batches())
    assert source.read == 0
    ahead.close()
    assert source.threads == set()
