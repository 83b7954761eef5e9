"""Storage recommendation from a data profile: engine, partitioning, retention, with reasons.

Rules a data engineer would apply (pure, deterministic), over the AI-ETL platform API's
``data_profile``:
``size_gb`` (or ``size_mb`` / ``row_count`` as /data/profile answers them), ``growth_rate``
such as ``"10GB/month"``, ``access_pattern`` and ``query_types``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ACCESS_PATTERNS = ("read_heavy", "write_heavy", "mixed", "append_only")
QUERY_TYPES = (
    "analytical",
    "time_series",
    "transactional",
    "point_lookup",
    "full_text",
    "reporting",
    "archival",
)
_UNITS_GB = {"kb": 1 / 1_048_576, "mb": 1 / 1024, "gb": 1.0, "tb": 1024.0, "pb": 1_048_576.0}
_PERIOD_MONTHS = {"day": 30.44, "week": 4.35, "month": 1.0, "year": 1 / 12}
_GROWTH = re.compile(
    r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(kb|mb|gb|tb|pb)\s*(?:/|per\s+)\s*(day|week|month|year)\s*$",
    re.IGNORECASE,
)


def growth_gb_per_month(text: str) -> float:
    """``"10GB/month"``, ``"500 MB/day"``, ``"1TB per year"`` in GB per month."""
    match = _GROWTH.match(text)
    if not match:
        raise ValueError(
            f"growth_rate {text!r} is not a size per period such as '10GB/month' or '500MB/day'"
        )
    amount, unit, period = float(match[1]), match[2].lower(), match[3].lower()
    return amount * _UNITS_GB[unit] * _PERIOD_MONTHS[period]


@dataclass
class StorageProfile:
    size_gb: float
    growth_gb_month: float = 0.0
    access_pattern: str = "mixed"
    query_types: list[str] = field(default_factory=list)
    row_count: int | None = None
    date_column: str | None = None


def recommend_storage(p: StorageProfile) -> dict:
    reasons: list[str] = []
    types = set(p.query_types)
    in_year = p.size_gb + 12 * p.growth_gb_month
    analytical = bool(types & {"analytical", "time_series", "reporting"})
    transactional = bool(types & {"transactional", "point_lookup"})
    if analytical and not transactional and (in_year >= 50 or p.access_pattern == "write_heavy"):
        engine, table_engine = "clickhouse", "MergeTree"
        reasons.append(
            f"analytical queries over {in_year:.0f} GB within a year: a columnar engine scans "
            "only the columns a query reads and compresses 5-10x"
        )
        if p.access_pattern in ("write_heavy", "append_only"):
            reasons.append(
                f"{p.access_pattern} ingestion suits MergeTree's batched, append-only parts"
            )
    elif analytical and transactional:
        engine, table_engine = "postgresql", "heap + BRIN on the time column"
        reasons.append(
            "both transactional and analytical queries: PostgreSQL serves point lookups, "
            "and partitions plus BRIN indexes keep time-range scans cheap"
        )
    elif in_year >= 1024 and "archival" in types:
        engine, table_engine = "object_storage_parquet", "Parquet files, partitioned directories"
        reasons.append(f"{in_year:.0f} GB of archival data: Parquet on object storage is cheapest")
    else:
        engine, table_engine = "postgresql", "heap"
        reasons.append(
            f"{in_year:.0f} GB within a year and {', '.join(sorted(types)) or 'general'} queries: "
            "PostgreSQL handles this without a second system to run"
        )
    partitioning = _partitioning(p, engine, in_year, reasons)
    retention = _retention(p, types, in_year, reasons)
    return {
        "storage_engine": engine,
        "table_engine": table_engine,
        "partitioning": partitioning,
        "retention": retention,
        "compression": "ZSTD(3) column codecs" if engine == "clickhouse" else "default (TOAST/LZ4)",
        "projected_size_gb_12_months": round(in_year, 1),
        "reasons": reasons,
    }


def _partitioning(p: StorageProfile, engine: str, in_year: float, reasons: list[str]) -> dict:
    column = p.date_column or "event_date"
    if in_year < 10 and "time_series" not in p.query_types:
        reasons.append(f"{in_year:.1f} GB within a year: no partitioning needed")
        return {"strategy": "none", "column": None, "expression": None}
    monthly = p.growth_gb_month
    daily = monthly >= 300  # over ~10 GB a day: daily partitions stay a manageable size
    grain = "day" if daily else "month"
    if engine == "clickhouse":
        expression = f"toYYYYMMDD({column})" if daily else f"toYYYYMM({column})"
    else:
        expression = f"PARTITION BY RANGE ({column}) -- one partition per {grain}"
    reasons.append(
        f"growth of {monthly:.1f} GB/month: {grain}ly partitions on {column} keep each partition "
        "small enough to prune, load and drop on its own"
    )
    return {"strategy": f"by_{grain}", "column": column, "expression": expression}


def _retention(p: StorageProfile, types: set[str], in_year: float, reasons: list[str]) -> dict:
    if "archival" in types:
        hot, archive, delete = 90, 90, None
    elif "time_series" in types:
        hot, archive, delete = 90, 365, 3 * 365
    elif "transactional" in types:
        hot, archive, delete = 365, 2 * 365, None
    else:
        hot, archive, delete = 180, 365, None
    reasons.append(
        f"retention: {hot} days hot, older partitions moved to cheaper storage after "
        f"{archive} days" + (f", dropped after {delete} days" if delete else ", kept")
    )
    return {"hot_days": hot, "archive_after_days": archive, "delete_after_days": delete}
