-- Sample data of saas/product_events: 25 accounts, 5,000 events over 14 days.
CREATE SCHEMA IF NOT EXISTS ${SOURCE_SCHEMA};
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.events;
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.accounts;
CREATE TABLE ${SOURCE_SCHEMA}.accounts (
    id integer PRIMARY KEY,
    account_name text NOT NULL,
    plan text NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.accounts
SELECT g, 'Account ' || g, (ARRAY['free', 'team', 'enterprise'])[1 + g % 3]
FROM generate_series(1, 25) AS g;
CREATE TABLE ${SOURCE_SCHEMA}.events (
    id bigint PRIMARY KEY,
    account_id integer NOT NULL,
    user_id integer NOT NULL,
    session_id text NOT NULL,
    event_name text NOT NULL,
    properties jsonb NOT NULL,
    occurred_at timestamptz NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.events
SELECT g, 1 + g % 25, 1 + g % 400, md5(((g / 5) % 700)::text),
       (ARRAY['page_viewed', 'project_created', 'report_exported', 'invite_sent'])[1 + g % 4],
       jsonb_build_object('path', '/p/' || g % 9),
       timestamptz '2026-03-01 00:00:00+00' + (g % 14) * interval '1 day' + g * interval '3 seconds'
FROM generate_series(1, 5000) AS g;
