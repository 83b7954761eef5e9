"""Errors raised by store functions; the API maps them to 404 and 409."""

from __future__ import annotations


class StoreError(Exception):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    pass
