"""Translate common questions to SQL without a model: deterministic rules over the schema.

Understands counts, sums, averages, minimums and maximums of a column; grouping ("by X",
"per X", "for each X", by day/week/month/year of a date); top/bottom N; filters on columns
(``status is shipped``, ``amount over 100``, a boolean column named as an adjective); date
ranges (last N days/weeks/months/years, last month, this month/year, today, yesterday, since a
date, between two dates, in a year); and a join when the measure lives in a table that refers
to the asked-about one through a ``<entity>_id`` column. The SQL is built in PostgreSQL's
dialect and transpiled to the database's by sqlglot. A question that asks to change data, or
that names no known table, is not translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlglot

from connectors.postgres.sql import quote_literal
from workflows.data_payloads import SchemaSnapshot, TableSchema, Translation

_WRITE_WORDS = re.compile(
    r"\b(drop|delete|truncate|update|insert|alter|grant|revoke|create|replace|merge|remove|"
    r"erase|wipe|overwrite)\b",
    re.I,
)
_NUMERIC = re.compile(r"int|numeric|decimal|float|double|real|money", re.I)
_TEMPORAL = re.compile(r"date|time", re.I)
_BOOLEAN = re.compile(r"bool|tinyint\(1\)", re.I)
_AGGREGATES = (
    ("count", r"\bhow many\b|\bcount\b|\bnumber of\b"),
    ("sum", r"\btotal\b|\bsum\b"),
    ("avg", r"\baverage\b|\bavg\b|\bmean\b"),
    ("max", r"\bmaximum\b|\bmax\b|\bhighest\b|\blargest\b|\bbiggest\b"),
    ("min", r"\bminimum\b|\bmin\b|\blowest\b|\bsmallest\b"),
)
_COMPARE = {
    ">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "=", "over": ">", "above": ">",
    "more than": ">", "greater than": ">", "at least": ">=", "under": "<", "below": "<",
    "less than": "<", "at most": "<=", "is": "=", "equals": "=", "equal to": "=", "of": "=",
}  # fmt: skip
_DATE_NAMES = ("created_at", "order_date", "sale_date", "event_time", "updated_at", "date", "day")
_UNITS = {"day": "day", "week": "week", "month": "month", "year": "year"}


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _forms(name: str) -> set[str]:
    base = name.lower().split(".")[-1]
    one = singular(base)
    many = one[:-1] + "ies" if one.endswith("y") else one + "s"
    return {f.replace("_", " ") for f in (base, one, many)} | {base, one, many}


def _mentions(text: str, name: str) -> int | None:
    found = [
        m.start()
        for form in _forms(name)
        if (m := re.search(rf"(?<![\w.]){re.escape(form)}(?!\w)", text))
    ]
    return min(found) if found else None


@dataclass
class _Col:
    table: str
    name: str
    type: str

    @property
    def numeric(self) -> bool:
        return bool(_NUMERIC.search(self.type)) and not _BOOLEAN.search(self.type)

    @property
    def temporal(self) -> bool:
        return bool(_TEMPORAL.search(self.type))

    @property
    def boolean(self) -> bool:
        return bool(_BOOLEAN.search(self.type))


@dataclass
class _Query:
    table: str
    select: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    order: str | None = None
    limit: int | None = None
    said: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)  # the tables joined, as the schema names them


def translate(question: str, schema: SchemaSnapshot) -> Translation:
    text = " ".join(question.lower().split())
    verb = _WRITE_WORDS.search(text)
    if verb:
        return Translation(
            None,
            error=f"the question asks to {verb[1]} data; only read-only questions are answered",
        )
    tables = sorted(
        ((p, t) for t in schema.tables if (p := _mentions(text, t.name)) is not None),
        key=lambda pair: pair[0],
    )
    if not tables:
        # No table named: the one table holding the columns the question names, if one does.
        holding = [
            t
            for t in schema.tables
            if any(_mentions(text, c[0]) is not None and c[0] != "id" for c in t.columns)
        ]
        if len(holding) == 1 or len(schema.tables) == 1:
            tables = [(0, (holding or schema.tables)[0])]
    if not tables:
        known = ", ".join(t.name for t in schema.tables)
        return Translation(None, error=f"the question names none of the tables ({known})")
    entity = tables[0][1]
    columns = {t.name: [_Col(t.name, c[0], c[1]) for c in t.columns] for t in schema.tables}
    q = _Query(table=entity.name)
    agg = next((name for name, pattern in _AGGREGATES if re.search(pattern, text)), None)
    top = re.search(r"\b(top|first|bottom|last)\s+(\d+)\b(?!\s+(day|week|month|year)s?\b)", text)
    measure = _measure(text, entity, columns, agg, top is not None)
    if (
        measure is not None
        and measure.table != entity.name
        and not _join(q, entity, measure, columns)
    ):
        return Translation(
            None,
            error=f"{measure.name} is in {measure.table}, which has no "
            f"{singular(entity.name)}_id column to join {entity.name} on",
        )
    _filters(text, q, columns, entity)
    dated = [measure.table] if measure else []
    dated += [*reversed(q.joined), entity.name]  # the nearest table with a date
    _dates(text, q, next((t for t in dated if _date_column(t, columns)), entity.name), columns)
    grouped = _group(text, q, columns, entity, measure)
    _shape(q, entity, columns, agg, measure, top, grouped)
    sql = _sql(q)
    try:
        written = sqlglot.transpile(sql, read="postgres", write=schema.dialect, pretty=True)[0]
    except sqlglot.errors.SqlglotError as exc:
        return Translation(None, error=f"could not write the query for {schema.dialect}: {exc}")
    return Translation(written, explanation=_explain(q))


def _qualified(c: _Col) -> str:
    return f"{_alias(c.table)}.{_ident(c.name)}"


def _alias(table: str) -> str:
    return _ident(table.split(".")[-1])


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_sql(table: str) -> str:
    parts = table.split(".")
    return ".".join(_ident(p) for p in parts) + (f" AS {_alias(table)}" if len(parts) > 1 else "")


def _measure(
    text: str, entity: TableSchema, columns: dict[str, list[_Col]], agg: str | None, top: bool
) -> _Col | None:
    if agg == "count" and not top:
        return None
    ordered = [c for c in columns[entity.name]] + [
        c for t, cs in columns.items() if t != entity.name for c in cs
    ]
    numeric = [c for c in ordered if c.numeric and not c.name.endswith("id")]
    for c in numeric:
        if _mentions(text, c.name) is not None:
            return c
    usual = ("amount", "total", "price", "revenue", "value", "quantity")
    for c in numeric:
        if c.name.lower() in usual and (agg or top):
            return c
    return None


def _join(q: _Query, entity: TableSchema, measure: _Col, columns: dict[str, list[_Col]]) -> bool:
    """Join the measure's table to the entity's: directly by ``<entity>_id``, else through one
    table between them (customers ← orders.customer_id ← order_items.order_id)."""
    path = _join_path(entity.name, measure.table, columns)
    if path is None:
        return False
    for parent, child, key in path:
        q.joins.append(
            f"JOIN {_table_sql(child)} ON {_alias(parent)}.{_ident('id')} = "
            f"{_alias(child)}.{_ident(key)}"
        )
        q.said.append(f"joins {child} on {key}")
        q.joined.append(child)
    return True


def _join_path(
    entity: str, other: str, columns: dict[str, list[_Col]]
) -> list[tuple[str, str, str]] | None:
    """(parent, child, child's key column) steps from ``entity`` to ``other``, or None."""

    def key(parent: str, child: str) -> str | None:
        wanted = f"{singular(parent.split('.')[-1])}_id"
        has_id = any(c.name == "id" for c in columns[parent])
        return wanted if has_id and any(c.name == wanted for c in columns[child]) else None

    if direct := key(entity, other):
        return [(entity, other, direct)]
    between = [
        (middle, first, second)
        for middle in columns
        if middle not in (entity, other)
        and (first := key(entity, middle))
        and (second := key(middle, other))
    ]
    if len(between) != 1:  # none, or several ways to join: not guessed
        return None
    middle, first, second = between[0]
    return [(entity, middle, first), (middle, other, second)]


def _filters(text: str, q: _Query, columns: dict[str, list[_Col]], entity: TableSchema) -> None:
    usable = [c for t in [q.table, *_joined(q)] for c in columns.get(t, [])]
    words = "|".join(sorted(map(re.escape, _COMPARE), key=len, reverse=True))
    for c in usable:
        for form in {c.name.lower(), c.name.lower().replace("_", " ")}:
            pattern = rf"\b{re.escape(form)}\s+({words})\s+('[^']*'|\"[^\"]*\"|[\w.@-]+)"
            match = re.search(pattern, text)
            if not match:
                continue
            op, raw = _COMPARE[match[1]], match[2].strip("'\"")
            if c.numeric and re.fullmatch(r"-?\d+(\.\d+)?", raw):
                value = raw
            elif c.numeric or (c.temporal and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw)):
                continue
            else:
                value = quote_literal(raw)
            q.where.append(f"{_qualified(c)} {op} {value}")
            q.said.append(f"keeps rows where {c.name} {op} {raw}")
            break
    for c in usable:
        if c.boolean and re.search(rf"\b{re.escape(c.name.lower())}\b", text):
            negated = re.search(rf"\b(not|in|non)[ -]?{re.escape(c.name.lower())}\b", text)
            q.where.append(f"{'NOT ' if negated else ''}{_qualified(c)}")
            q.said.append(f"keeps {'non-' if negated else ''}{c.name} rows")


def _joined(q: _Query) -> list[str]:
    return [j.split()[1].strip('"') for j in q.joins]


def _date_column(table: str, columns: dict[str, list[_Col]]) -> _Col | None:
    temporal = [c for c in columns.get(table, []) if c.temporal]
    for name in _DATE_NAMES:
        for c in temporal:
            if c.name.lower() == name:
                return c
    return temporal[0] if temporal else None


def _dates(text: str, q: _Query, table: str, columns: dict[str, list[_Col]]) -> None:
    column = _date_column(table, columns)
    if column is None:
        return
    col = _qualified(column)
    rules: list[tuple[str, str]] = []
    if m := re.search(r"\b(?:last|past|previous)\s+(\d+)\s+(day|week|month|year)s?\b", text):
        rules.append((f"{col} >= CURRENT_DATE - INTERVAL '{m[1]} {m[2]}'", m[0]))
    elif m := re.search(r"\b(?:last|past|previous)\s+(day|week|month|year)\b", text):
        rules.append((f"{col} >= CURRENT_DATE - INTERVAL '1 {m[1]}'", m[0]))
    elif m := re.search(r"\bthis\s+(week|month|year)\b", text):
        rules.append((f"{col} >= DATE_TRUNC('{m[1]}', CURRENT_DATE)", m[0]))
    elif re.search(r"\btoday\b", text):
        rules.append((f"{col} >= CURRENT_DATE", "today"))
    elif re.search(r"\byesterday\b", text):
        rules.append((f"{col} >= CURRENT_DATE - INTERVAL '1 day'", "yesterday"))
        rules.append((f"{col} < CURRENT_DATE", "yesterday"))
    if m := re.search(r"\bbetween\s+(\d{4}-\d{2}-\d{2})\s+and\s+(\d{4}-\d{2}-\d{2})\b", text):
        rules.append((f"{col} >= DATE '{m[1]}'", m[0]))
        rules.append((f"{col} < DATE '{m[2]}' + INTERVAL '1 day'", m[0]))
    else:
        if m := re.search(r"\b(?:since|after|from)\s+(\d{4}-\d{2}-\d{2})\b", text):
            rules.append((f"{col} >= DATE '{m[1]}'", m[0]))
        if m := re.search(r"\b(?:before|until)\s+(\d{4}-\d{2}-\d{2})\b", text):
            rules.append((f"{col} < DATE '{m[1]}'", m[0]))
        if m := re.search(r"\bin\s+((?:19|20)\d{2})\b", text):
            year = int(m[1])
            rules.append((f"{col} >= DATE '{year}-01-01'", m[0]))
            rules.append((f"{col} < DATE '{year + 1}-01-01'", m[0]))
    q.where.extend(condition for condition, _ in rules)
    if rules:
        q.said.append(f"limits {column.name} to {rules[0][1]}")


def _group(
    text: str,
    q: _Query,
    columns: dict[str, list[_Col]],
    entity: TableSchema,
    measure: _Col | None,
) -> bool:
    m = re.search(r"\b(?:by|per|for each|each|grouped by)\s+(day|week|month|year)\b", text)
    if m:
        column = _date_column(measure.table if measure else q.table, columns)
        if column is not None:
            q.group.append(f"DATE_TRUNC('{m[1]}', {_qualified(column)})")
            q.select.append(f"DATE_TRUNC('{m[1]}', {_qualified(column)}) AS {_ident(m[1])}")
            q.said.append(f"groups by {m[1]} of {column.name}")
            return True
    for m in re.finditer(r"\b(?:by|per|for each|each|grouped by)\s+([a-z_][\w ]*)", text):
        words = m[1].split()
        usable = [c for t in [q.table, *_joined(q)] for c in columns.get(t, [])]
        for n in (2, 1):
            phrase = " ".join(words[:n])
            column = next(
                (c for c in usable if phrase in _forms(c.name) and c is not measure), None
            )
            if column is not None:
                q.group.append(_qualified(column))
                q.select.append(_qualified(column))
                q.said.append(f"groups by {column.name}")
                return True
    return False


def _shape(
    q: _Query,
    entity: TableSchema,
    columns: dict[str, list[_Col]],
    agg: str | None,
    measure: _Col | None,
    top: re.Match[str] | None,
    grouped: bool,
) -> None:
    label = {"count": "count", "sum": "total", "avg": "average", "max": "maximum", "min": "minimum"}
    if top is not None:
        n, descending = int(top[2]), top[1] in ("top", "first")
        if measure is not None and (measure.table != entity.name or agg) and not grouped:
            keys = [c for c in columns[entity.name] if c.name in ("id", "name", "title", "email")]
            keys = keys or columns[entity.name][:1]
            q.select.extend(_qualified(c) for c in keys)
            q.group.extend(_qualified(c) for c in keys)
            func = "COUNT" if agg == "count" else (agg or "sum").upper()
            total = _ident(label.get(agg or "", "total"))  # no aggregate asked: a sum, "total"
            q.select.append(f"{func}({_qualified(measure)}) AS {total}")
            q.order = f"{total} {'DESC' if descending else 'ASC'}"
            q.said.insert(0, f"ranks {entity.name} by {func.lower()} of {measure.name}")
        elif measure is not None:
            q.select.append(f"{_alias(q.table)}.*")
            q.order = f"{_qualified(measure)} {'DESC' if descending else 'ASC'}"
            q.said.insert(0, f"ranks {entity.name} by {measure.name}")
        else:
            q.select.append(f"{_alias(q.table)}.*")
            q.said.insert(0, f"lists {entity.name}")
        q.limit = n
        q.said.append(f"keeps the {'top' if descending else 'bottom'} {n}")
        return
    if agg == "count" or (agg and measure is None):
        q.select.append(f"COUNT(*) AS {_ident('count')}")
        q.said.insert(0, f"counts {entity.name}")
    elif agg and measure is not None:
        name = label[agg]
        q.select.append(f"{agg.upper()}({_qualified(measure)}) AS {_ident(name)}")
        q.said.insert(0, f"computes the {name} {measure.name} of {measure.table}")
    elif not grouped:
        q.select.append(f"{_alias(q.table)}.*")
        q.limit = 100
        q.said.insert(0, f"lists {entity.name} (first 100 rows)")
    else:
        q.select.append(f"COUNT(*) AS {_ident('count')}")
        q.said.insert(0, f"counts {entity.name}")
    if grouped and agg:
        q.order = q.group[0]


def _sql(q: _Query) -> str:
    parts = [f"SELECT {', '.join(q.select)}", f"FROM {_table_sql(q.table)}", *q.joins]
    if q.where:
        parts.append("WHERE " + " AND ".join(q.where))
    if q.group:
        parts.append("GROUP BY " + ", ".join(dict.fromkeys(q.group)))
    if q.order:
        parts.append(f"ORDER BY {q.order}")
    if q.limit is not None:
        parts.append(f"LIMIT {q.limit}")
    return "\n".join(parts)


def _explain(q: _Query) -> str:
    said = list(dict.fromkeys(q.said))
    text = "This query " + ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]
    return text + "."
