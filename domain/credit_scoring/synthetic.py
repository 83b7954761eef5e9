"""A deterministic synthetic batch of parties: accounts, twelve months of transactions and
repayments, and a hidden default outcome that depends on what the features can see plus noise.

The same batch id (and size) gives the same rows on every machine: the generator is seeded by
a hash of the batch id, chunk by chunk, so a large batch can be written (and cancelled) in
pieces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

MONTHS = 12
CHUNK = 5_000
"""Parties generated (and written) at a time."""

TABLES: dict[str, list[tuple[str, str]]] = {
    "parties": [
        ("party_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        ("age", "INTEGER"),
        ("annual_income", "DOUBLE PRECISION"),
        ("employment_years", "DOUBLE PRECISION"),
        ("residence_years", "DOUBLE PRECISION"),
        ("num_dependents", "INTEGER"),
        ("home_owner", "INTEGER"),
    ],
    "accounts": [
        ("account_id", "VARCHAR"),
        ("party_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        ("credit_limit", "DOUBLE PRECISION"),
        ("balance", "DOUBLE PRECISION"),
        ("opened_days_ago", "INTEGER"),
    ],
    "transactions": [
        ("party_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        ("month", "INTEGER"),
        ("inflow", "DOUBLE PRECISION"),
        ("outflow", "DOUBLE PRECISION"),
    ],
    "repayments": [
        ("party_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        ("month", "INTEGER"),
        ("due_amount", "DOUBLE PRECISION"),
        ("paid_amount", "DOUBLE PRECISION"),
        ("days_late", "INTEGER"),
    ],
    "default_outcomes": [
        ("party_id", "VARCHAR"),
        ("batch_id", "VARCHAR"),
        ("default_day", "INTEGER"),  # days after the observation start; NULL: no default
    ],
}
"""The tables ingest writes, with their columns (every one partitioned by batch_id)."""

Rows = list[tuple]


@dataclass
class Chunk:
    """Rows of some parties of the batch, per table of TABLES."""

    rows: dict[str, Rows]

    @property
    def parties(self) -> int:
        return len(self.rows["parties"])


def seed_of(batch_id: str, chunk: int = 0) -> int:
    digest = hashlib.sha256(f"{batch_id}\x00{chunk}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def generate(batch_id: str, batch_size: int) -> Iterator[Chunk]:
    """The batch, CHUNK parties at a time."""
    for index, start in enumerate(range(0, batch_size, CHUNK)):
        yield _chunk(batch_id, index, start, min(CHUNK, batch_size - start))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _chunk(batch_id: str, index: int, start: int, n: int) -> Chunk:
    rng = np.random.default_rng(seed_of(batch_id, index))
    ids = [f"{batch_id}-{start + i:06d}" for i in range(n)]
    risk = rng.normal(0.0, 1.0, n)  # the party's hidden character: never a column
    age = rng.integers(21, 76, n)
    income = np.round(np.exp(rng.normal(np.log(45_000), 0.45, n) - 0.15 * risk), 2)
    employment = np.round(np.minimum(age - 18, rng.exponential(6.0, n) * np.exp(-0.3 * risk)), 1)
    residence = np.round(rng.exponential(5.0, n), 1)
    dependents = np.minimum(rng.poisson(1.2, n), 5)
    owner = (rng.random(n) < _sigmoid((age - 40) / 10 + np.log(income / 45_000))).astype(int)

    accounts: Rows = []
    limits = np.zeros(n)
    balances = np.zeros(n)
    usage = _sigmoid(0.9 * risk + rng.normal(-0.4, 0.6, n))
    for i in range(n):
        for k in range(1 + min(int(rng.poisson(1.5)), 5)):
            limit = round(float(income[i] * rng.uniform(0.05, 0.3)), 2)
            balance = round(float(limit * np.clip(usage[i] + rng.normal(0, 0.1), 0, 1.2)), 2)
            opened = int(rng.integers(30, 30 + 365 * max(1, min(int(age[i]) - 18, 20))))
            limits[i] += limit
            balances[i] += balance
            accounts.append((f"{ids[i]}-A{k}", ids[i], batch_id, limit, balance, opened))

    volatility = 0.05 + 0.35 * _sigmoid(1.2 * risk + rng.normal(0, 0.5, n))
    spend = np.clip(0.75 + 0.12 * risk + rng.normal(0, 0.08, n), 0.3, 1.6)
    late_chance = _sigmoid(-2.4 + 1.3 * risk)
    transactions: Rows = []
    repayments: Rows = []
    late_months = np.zeros(n)
    for i in range(n):
        monthly = income[i] / MONTHS
        due = round(float(max(limits[i] * 0.03, 25.0)), 2)
        for month in range(1, MONTHS + 1):
            inflow = round(float(max(0.0, monthly * (1 + volatility[i] * rng.normal()))), 2)
            outflow = round(float(inflow * spend[i] * rng.uniform(0.9, 1.1)), 2)
            transactions.append((ids[i], batch_id, month, inflow, outflow))
            late = rng.random() < late_chance[i]
            days_late = (
                int(rng.choice([5, 15, 35, 65, 95], p=[0.35, 0.3, 0.2, 0.1, 0.05])) if late else 0
            )
            paid = round(due * float(rng.uniform(0.3, 1.0)), 2) if late else due
            late_months[i] += late
            repayments.append((ids[i], batch_id, month, due, paid, days_late))

    utilisation = balances / np.maximum(limits, 1.0)
    logit = (
        -1.9
        + 0.9 * risk
        + 1.6 * (utilisation - 0.5)
        + 0.25 * late_months
        - 0.6 * np.log(income / 45_000)
        + rng.normal(0, 0.5, n)
    )
    defaults = rng.random(n) < _sigmoid(logit)
    day = np.minimum(rng.exponential(100.0, n).astype(int) + 1, 720)
    outcomes = [(ids[i], batch_id, int(day[i]) if defaults[i] else None) for i in range(n)]
    parties = [
        (
            ids[i],
            batch_id,
            int(age[i]),
            float(income[i]),
            float(employment[i]),
            float(residence[i]),
            int(dependents[i]),
            int(owner[i]),
        )
        for i in range(n)
    ]
    return Chunk(
        {
            "parties": parties,
            "accounts": accounts,
            "transactions": transactions,
            "repayments": repayments,
            "default_outcomes": outcomes,
        }
    )
