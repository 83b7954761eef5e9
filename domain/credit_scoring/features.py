"""The features of a party, computed in SQL over the ingested tables (DuckDB and PostgreSQL
alike): one row per party of the batch, one column per feature."""

from __future__ import annotations

FEATURES = (
    "age",
    "annual_income",
    "employment_years",
    "residence_years",
    "num_dependents",
    "home_owner",
    "num_accounts",
    "total_credit_limit",
    "utilisation",
    "oldest_account_days",
    "avg_monthly_inflow",
    "inflow_volatility",
    "spend_to_income",
    "on_time_ratio",
    "delinquencies",
    "payment_shortfall",
)
"""Every feature, in the order of the features table's columns (after party_id, batch_id)."""

FEATURES_SQL = """
WITH acc AS (
    SELECT party_id, COUNT(*) AS num_accounts, SUM(credit_limit) AS total_limit,
           SUM(balance) AS total_balance, MAX(opened_days_ago) AS oldest_days
    FROM {schema}.accounts WHERE batch_id = :batch_id GROUP BY party_id
), tx AS (
    SELECT party_id, AVG(inflow) AS avg_inflow, STDDEV_SAMP(inflow) AS sd_inflow,
           SUM(inflow) AS total_in, SUM(outflow) AS total_out
    FROM {schema}.transactions WHERE batch_id = :batch_id GROUP BY party_id
), rp AS (
    SELECT party_id, COUNT(*) AS months,
           SUM(CASE WHEN days_late = 0 THEN 1 ELSE 0 END) AS on_time,
           SUM(CASE WHEN days_late > 30 THEN 1 ELSE 0 END) AS delinquencies,
           SUM(due_amount) AS due, SUM(paid_amount) AS paid
    FROM {schema}.repayments WHERE batch_id = :batch_id GROUP BY party_id
)
SELECT
    p.party_id,
    p.batch_id,
    CAST(p.age AS DOUBLE PRECISION) AS age,
    CAST(p.annual_income AS DOUBLE PRECISION) AS annual_income,
    CAST(p.employment_years AS DOUBLE PRECISION) AS employment_years,
    CAST(p.residence_years AS DOUBLE PRECISION) AS residence_years,
    CAST(p.num_dependents AS DOUBLE PRECISION) AS num_dependents,
    CAST(p.home_owner AS DOUBLE PRECISION) AS home_owner,
    CAST(COALESCE(acc.num_accounts, 0) AS DOUBLE PRECISION) AS num_accounts,
    CAST(COALESCE(acc.total_limit, 0) AS DOUBLE PRECISION) AS total_credit_limit,
    CAST(COALESCE(acc.total_balance / NULLIF(acc.total_limit, 0), 0) AS DOUBLE PRECISION)
        AS utilisation,
    CAST(COALESCE(acc.oldest_days, 0) AS DOUBLE PRECISION) AS oldest_account_days,
    CAST(COALESCE(tx.avg_inflow, 0) AS DOUBLE PRECISION) AS avg_monthly_inflow,
    CAST(COALESCE(tx.sd_inflow / NULLIF(tx.avg_inflow, 0), 0) AS DOUBLE PRECISION)
        AS inflow_volatility,
    CAST(COALESCE(tx.total_out / NULLIF(tx.total_in, 0), 0) AS DOUBLE PRECISION)
        AS spend_to_income,
    CAST(COALESCE(CAST(rp.on_time AS DOUBLE PRECISION) / NULLIF(rp.months, 0), 1)
        AS DOUBLE PRECISION) AS on_time_ratio,
    CAST(COALESCE(rp.delinquencies, 0) AS DOUBLE PRECISION) AS delinquencies,
    CAST(COALESCE(1 - rp.paid / NULLIF(rp.due, 0), 0) AS DOUBLE PRECISION) AS payment_shortfall
FROM {schema}.parties AS p
LEFT JOIN acc ON acc.party_id = p.party_id
LEFT JOIN tx ON tx.party_id = p.party_id
LEFT JOIN rp ON rp.party_id = p.party_id
WHERE p.batch_id = :batch_id
"""

LABELS_SQL = """
SELECT
    p.party_id,
    p.batch_id,
    CASE WHEN o.default_day IS NOT NULL AND o.default_day <= :observation_window_days
         THEN 1 ELSE 0 END AS defaulted,
    CAST(:observation_window_days AS INTEGER) AS observation_window_days
FROM {schema}.parties AS p
JOIN {schema}.default_outcomes AS o ON o.party_id = p.party_id AND o.batch_id = p.batch_id
WHERE p.batch_id = :batch_id
"""
"""Default (1) or not (0) within the observation window, per party of the batch."""


def features_sql(schema: str) -> str:
    return FEATURES_SQL.format(schema=schema)


def labels_sql(schema: str) -> str:
    return LABELS_SQL.format(schema=schema)
