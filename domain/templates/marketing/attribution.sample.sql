-- Sample data of marketing/attribution: 6,000 touchpoints and 600 conversions of 1,000 customers.
CREATE SCHEMA IF NOT EXISTS ${SOURCE_SCHEMA};
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.touchpoints;
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.conversions;
CREATE TABLE ${SOURCE_SCHEMA}.touchpoints (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    channel text NOT NULL,
    campaign text NOT NULL,
    touched_at timestamptz NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.touchpoints
SELECT g, 1 + g % 1000, (ARRAY['search', 'social', 'email', 'display', 'referral'])[1 + g % 5],
       'campaign-' || (g % 7), timestamptz '2026-01-01 00:00:00+00' + g * interval '10 minutes'
FROM generate_series(1, 6000) AS g;
CREATE TABLE ${SOURCE_SCHEMA}.conversions (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    revenue numeric(10, 2) NOT NULL,
    converted_at timestamptz NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.conversions
SELECT g, 1 + (g * 7) % 1000, round((20 + (g * 17) % 480)::numeric, 2),
       timestamptz '2026-01-20 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, 600) AS g;
