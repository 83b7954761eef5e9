-- Sample data of ecommerce/daily_sales: 50 products, 1,500 orders over 30 days, 3,000 lines.
CREATE SCHEMA IF NOT EXISTS ${SOURCE_SCHEMA};
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.order_items;
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.orders;
DROP TABLE IF EXISTS ${SOURCE_SCHEMA}.products;
CREATE TABLE ${SOURCE_SCHEMA}.products (
    id integer PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.products
SELECT g, 'Product ' || g, (ARRAY['books', 'garden', 'toys', 'kitchen', 'sports'])[1 + g % 5]
FROM generate_series(1, 50) AS g;
CREATE TABLE ${SOURCE_SCHEMA}.orders (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    status text NOT NULL,
    ordered_at timestamptz NOT NULL
);
INSERT INTO ${SOURCE_SCHEMA}.orders
SELECT g, 1 + g % 300, (ARRAY['paid', 'shipped', 'delivered', 'cancelled'])[1 + g % 4],
       timestamptz '2026-01-01 08:00:00+00' + (g % 30) * interval '1 day' + g * interval '1 second'
FROM generate_series(1, 1500) AS g;
CREATE TABLE ${SOURCE_SCHEMA}.order_items (
    order_id bigint NOT NULL,
    line integer NOT NULL,
    product_id integer NOT NULL,
    quantity integer NOT NULL,
    unit_price numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, line)
);
INSERT INTO ${SOURCE_SCHEMA}.order_items
SELECT o, l, 1 + (o * 3 + l) % 50, 1 + (o + l) % 4, round((5 + (o * 13 + l * 7) % 95)::numeric, 2)
FROM generate_series(1, 1500) AS o, generate_series(1, 2) AS l;
