-- Sample data of healthcare/claims: 30 providers, 3,000 claims over six months (synthetic, no PHI).
CREATE SCHEMA IF NOT EXISTS ${SOURCE_SCHEMA};
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.claims;
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.providers;
CREATE TABLE ${SOURCE_SCHEMA}.providers (
    id integer PRIMARY KEY,
    provider_name text NOT NULL,
    specialty text NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.providers
SELECT g, 'Provider ' || g, (ARRAY['cardiology', 'pediatrics', 'orthopedics', 'primary care'])[1 + g % 4]
FROM generate_series(1, 30) AS g;
CREATE TABLE ${SOURCE_SCHEMA}.claims (
    claim_id bigint PRIMARY KEY,
    member_id integer NOT NULL,
    member_name text NOT NULL,
    provider_id integer NOT NULL,
    diagnosis_code text NOT NULL,
    procedure_code text NOT NULL,
    billed_amount numeric(10, 2) NOT NULL,
    allowed_amount numeric(10, 2) NOT NULL,
    paid_amount numeric(10, 2) NOT NULL,
    service_date date NOT NULL,
    status text NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.claims
SELECT g, 1000 + g % 900, 'Member ' || (1000 + g % 900), 1 + g % 30,
       (ARRAY['E11.9', 'I10', 'J06.9', 'M54.5', 'Z00.00'])[1 + g % 5],
       (ARRAY['99213', '99214', '93000', '97110'])[1 + g % 4],
       b, round(b * 0.8, 2),
       CASE WHEN g % 6 = 0 THEN 0 ELSE round(b * 0.7, 2) END,
       date '2026-01-01' + (g % 180),
       CASE WHEN g % 6 = 0 THEN 'denied' ELSE (ARRAY['paid', 'pending', 'adjusted', 'paid'])[1 + g % 4] END
FROM generate_series(1, 3000) AS g, LATERAL (SELECT round((80 + (g * 31) % 900)::numeric, 2) AS b) AS amounts;
