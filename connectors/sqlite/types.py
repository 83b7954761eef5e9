"""SQLite's declared column types as Arrow types, and stored values converted to them.

SQLite stores any value in any column; the declared type decides what the column becomes
(following SQLite's own affinity rules, with dates, times, booleans and DECIMAL(p,s) kept).
A column without a declared type (an expression in a query) takes the type of its values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa

from connectors.base import TerminalError

_DECIMAL = re.compile(r"^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


def declared_type(declared: str) -> pa.DataType | None:
    """The Arrow type of a declared column type; None when the values must tell."""
    t = declared.strip().upper()
    if not t:
        return None
    if t.startswith("BOOL"):
        return pa.bool_()
    if "INT" in t:  # SQLite's rule 1: INTEGER affinity
        return pa.int64()
    if any(word in t for word in ("CHAR", "CLOB", "TEXT", "JSON", "UUID")):
        return pa.string()
    if "BLOB" in t:
        return pa.binary()
    if any(word in t for word in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    if t == "DATE":
        return pa.date32()
    if t.startswith(("DATETIME", "TIMESTAMP")):
        return pa.timestamp("us")
    if t == "TIME":
        return pa.time64("us")
    if match := _DECIMAL.match(t):
        precision, scale = int(match[1]), int(match[2] or 0)
        if precision <= 38:
            return pa.decimal128(precision, scale)
        return pa.decimal256(precision, scale)
    if t.startswith(("DECIMAL", "NUMERIC")):  # stored as INTEGER or REAL
        return pa.float64()
    return None


def inferred_type(values: Sequence[Any]) -> pa.DataType:
    """The type of an undeclared column from a sample of its values."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pa.string()
    if kinds == {int}:
        return pa.int64()
    if kinds <= {int, float}:
        return pa.float64()
    if kinds == {bytes}:
        return pa.binary()
    return pa.string()


def to_array(name: str, values: Sequence[Any], data_type: pa.DataType) -> pa.Array:
    """The stored values of column ``name`` as an Arrow array of ``data_type``."""
    convert = _converter(data_type)
    try:
        if convert is None:
            return pa.array(values, type=data_type)
        return pa.array([None if v is None else convert(v) for v in values], type=data_type)
    except (ValueError, TypeError, ArithmeticError, pa.ArrowException) as exc:
        bad = _first_bad(values, data_type, convert)
        raise TerminalError(
            f"column {name!r} holds {bad!r}, which is not a {data_type} value ({exc}); "
            "CAST it in a source query",
            error_type="DATA_ERROR",
        ) from exc


def _converter(data_type: pa.DataType) -> Callable[[Any], Any] | None:
    if pa.types.is_boolean(data_type):
        return _bool
    if pa.types.is_string(data_type):
        return _text
    if pa.types.is_binary(data_type):
        return lambda v: v.encode() if isinstance(v, str) else v
    if pa.types.is_date32(data_type):
        return _date
    if pa.types.is_timestamp(data_type):
        return _datetime
    if pa.types.is_time(data_type):
        return lambda v: time.fromisoformat(v) if isinstance(v, str) else v
    if pa.types.is_decimal(data_type):
        quantum = Decimal(1).scaleb(-data_type.scale)
        return lambda v: Decimal(str(v)).quantize(quantum)
    return None  # integers and floats: Arrow converts (and refuses text)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "t", "yes", "y"):
            return True
        if lowered in ("0", "false", "f", "no", "n"):
            return False
        raise ValueError(f"{value!r} is not a boolean")
    return bool(value)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, str) else str(value)


def _date(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"{value!r} is not an ISO date")


def _datetime(value: Any) -> datetime:
    """ISO text (SQLite's 'YYYY-MM-DD HH:MM:SS[.fff]', 'T', offsets) or Unix seconds."""
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
        except (OverflowError, OSError) as exc:  # the platform's time_t cannot hold it
            raise ValueError(f"{value!r} seconds is beyond the timestamps' range") from exc
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _first_bad(
    values: Sequence[Any], data_type: pa.DataType, convert: Callable[[Any], Any] | None
) -> Any:
    for value in values:
        if value is None:
            continue
        try:
            pa.array([convert(value) if convert else value], type=data_type)
        except Exception:
            return value
    return None
