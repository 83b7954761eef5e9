-- Sample data of fintech/payment_processing: 40 merchants, 2,000 card payments (deterministic).
CREATE SCHEMA IF NOT EXISTS ${SOURCE_SCHEMA};
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.transactions;
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.merchants;
CREATE TABLE ${SOURCE_SCHEMA}.merchants (
    id integer PRIMARY KEY,
    merchant_name text NOT NULL,
    mcc text NOT NULL,
    risk_tier text NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.merchants
SELECT g, 'Merchant ' || g, (ARRAY['5411', '5812', '5999', '4121'])[1 + g % 4],
       (ARRAY['low', 'medium', 'high'])[1 + g % 3]
FROM generate_series(1, 40) AS g;
CREATE TABLE ${SOURCE_SCHEMA}.transactions (
    id bigint PRIMARY KEY,
    merchant_id integer NOT NULL,
    amount numeric(12, 2) NOT NULL,
    currency char(3) NOT NULL,
    status text NOT NULL,
    card_last4 char(4) NOT NULL,
    card_country char(2) NOT NULL,
    ip_country char(2) NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.transactions
SELECT g, 1 + g % 40, round(((g * 37) % 250000) / 100.0, 2),
       (ARRAY['USD', 'EUR', 'GBP'])[1 + g % 3],
       (ARRAY['captured', 'settled', 'declined', 'refunded', 'captured'])[1 + g % 5],
       lpad(((g * 7919) % 10000)::text, 4, '0'),
       (ARRAY['US', 'DE', 'GB', 'FR'])[1 + g % 4],
       (ARRAY['US', 'DE', 'GB', 'FR', 'BR'])[1 + g % 5],
       timestamptz '2026-02-01 00:00:00+00' + g * interval '7 minutes'
FROM generate_series(1, 2000) AS g;
