"""MySQL/MariaDB result columns as Arrow types, from the protocol's column definitions.

The same mapping serves describing a query and conforming what connectorx reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from connectors.source_sql import text_field

# Protocol type codes (include/mysql_com.h, enum_field_types).
DECIMAL, TINY, SHORT, LONG, FLOAT, DOUBLE, NULL, TIMESTAMP, LONGLONG, INT24 = range(10)
DATE, TIME, DATETIME, YEAR, NEWDATE, VARCHAR, BIT = range(10, 17)
JSON, NEWDECIMAL, ENUM, SET = 245, 246, 247, 248
TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB, VAR_STRING, STRING, GEOMETRY = range(249, 256)

UNSIGNED_FLAG = 32
BINARY_CHARSET = 63
# rust_decimal, which connectorx reads DECIMAL with, holds 28 digits at scale 10: wider
# decimals are read as text and parsed by Arrow, exactly.
_NATIVE_DECIMAL_SCALE, _NATIVE_DECIMAL_DIGITS = 10, 28

_INTEGERS = {
    TINY: (pa.int8(), pa.uint8()),
    SHORT: (pa.int16(), pa.uint16()),
    INT24: (pa.int32(), pa.uint32()),
    LONG: (pa.int32(), pa.uint32()),
    LONGLONG: (pa.int64(), pa.uint64()),
}
_TEXT_OR_BYTES = {VARCHAR, VAR_STRING, STRING, TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB, ENUM, SET}


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type_code: int
    flags: int
    charset: int
    length: int
    scale: int


def arrow_type(column: ResultColumn) -> pa.DataType:
    code = column.type_code
    unsigned = bool(column.flags & UNSIGNED_FLAG)
    if code in _INTEGERS:
        return _INTEGERS[code][unsigned]
    if code == FLOAT:
        return pa.float32()
    if code == DOUBLE:
        return pa.float64()
    if code in (DECIMAL, NEWDECIMAL):
        precision, scale = decimal_precision(column), column.scale
        if precision <= 38:
            return pa.decimal128(precision, scale)
        return pa.decimal256(precision, scale)
    if code in (DATE, NEWDATE):
        return pa.date32()
    if code == DATETIME:
        return pa.timestamp("us")
    if code == TIMESTAMP:  # an instant: read in a UTC session
        return pa.timestamp("us", tz="UTC")
    if code == TIME:
        return pa.time64("us")
    if code == YEAR:
        return pa.int16()
    if code in (BIT, GEOMETRY):
        return pa.large_binary()
    if code == JSON:
        return pa.string()
    if code in _TEXT_OR_BYTES:
        return pa.large_binary() if column.charset == BINARY_CHARSET else pa.string()
    if code == NULL:
        return pa.null()
    raise ValueError(f"column {column.name!r} has MySQL type code {code}, which is not supported")


def decimal_precision(column: ResultColumn) -> int:
    """DECIMAL(M, D) from the protocol's display length: M, plus a point, plus a sign."""
    point = 1 if column.scale > 0 else 0
    sign = 0 if column.flags & UNSIGNED_FLAG else 1
    return max(1, column.length - point - sign)


def arrow_field(column: ResultColumn) -> pa.Field:
    """The column as an Arrow field; its metadata marks what is read as text."""
    if _needs_text(column):
        return text_field(column.name, arrow_type(column))
    return pa.field(column.name, arrow_type(column))


def _needs_text(column: ResultColumn) -> bool:
    """Whether connectorx cannot read this column exactly."""
    if column.type_code not in (DECIMAL, NEWDECIMAL):
        return False
    scale = column.scale
    whole = decimal_precision(column) - scale
    return scale > _NATIVE_DECIMAL_SCALE or whole + _NATIVE_DECIMAL_SCALE > _NATIVE_DECIMAL_DIGITS
