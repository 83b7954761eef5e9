"""The two schemas the intent suite asks about, with deterministic data.

- ``SHOP``: customers, orders, order_items, products, sales and events, in PostgreSQL. Orders
  span 2023-2025, and 70 more fall in the 70 days before today, so relative periods ("last
  month") have rows. Customers 49-60 repeat the emails of customers 1-12 (the later row is the
  newer one, except for customers 3, 6, 9 and 12, updated again in 2025); customers 51-60 never
  ordered; products 23-25 were never ordered; every seventh sale has no customer.
- ``LOGISTICS``: warehouses, carriers, shipments, parcels and tracking_scans, in PostgreSQL.
  Warehouse WAW1 and carrier Hermes have no shipments; shipments still ``created`` have no
  carrier and no ``shipped_at``; only delivered shipments have ``delivered_at``; shipments
  351-400 have no parcels; parcels 651-700 have no scans.
- ``CRM``: a customers table of 2,000 rows in MariaDB (the source of "Extract customer data from
  MySQL and load to PostgreSQL").

Every timestamp lies between 08:00 and 17:00 UTC, so no row changes day, month or year in a
time zone within a few hours of UTC.
"""

from __future__ import annotations

SHOP = """
CREATE TABLE customers (
    id integer PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    country text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
INSERT INTO customers
SELECT g,
       (ARRAY['Anna','Ben','Clara','David','Eva','Felix','Greta','Hugo','Ines','Jonas','Klara',
              'Lukas'])[1 + g % 12] || ' ' ||
       (ARRAY['Schmidt','Dupont','Smith','Garcia','Rossi','Weber','Martin',
              'Brown'])[1 + (g * 7) % 8],
       'user' || CASE WHEN g > 48 THEN g - 48 ELSE g END || '@example.com',
       CASE WHEN g % 17 = 0 THEN NULL
            ELSE (ARRAY['DE','FR','US','ES','DE','US','IT'])[1 + g % 7] END,
       timestamptz '2022-06-01 12:00+00' + g * interval '9 days',
       CASE WHEN g <= 12 AND g % 3 = 0 THEN timestamptz '2025-09-01 12:00+00' + g * interval '1 day'
            ELSE timestamptz '2022-06-01 12:00+00' + g * interval '9 days'
                 + (g % 11) * interval '13 days' END
FROM generate_series(1, 60) g;

CREATE TABLE products (
    id integer PRIMARY KEY,
    name text NOT NULL,
    category text NOT NULL,
    price numeric(10, 2) NOT NULL
);
INSERT INTO products VALUES
    (1, 'USB-C cable', 'electronics', 9.99), (2, 'Desk lamp', 'electronics', 34.50),
    (3, 'Noise cancelling headphones', 'electronics', 189.00),
    (4, 'Mechanical keyboard', 'electronics', 89.90), (5, 'Webcam', 'electronics', 59.00),
    (6, 'The Pragmatic Programmer', 'books', 42.00),
    (7, 'Designing Data-Intensive Apps', 'books', 39.90),
    (8, 'SQL Cookbook', 'books', 29.95), (9, 'Clean Code', 'books', 33.00),
    (10, 'Building blocks', 'toys', 24.99), (11, 'Puzzle 1000 pieces', 'toys', 14.50),
    (12, 'Remote control car', 'toys', 49.00), (13, 'Board game', 'toys', 31.25),
    (14, 'Garden hose', 'garden', 27.80), (15, 'Pruning shears', 'garden', 19.90),
    (16, 'Flower seeds', 'garden', 3.49), (17, 'Lawn mower', 'garden', 249.00),
    (18, 'Chef knife', 'kitchen', 79.00), (19, 'Cast iron pan', 'kitchen', 45.00),
    (20, 'Coffee grinder', 'kitchen', 64.90), (21, 'Cutting board', 'kitchen', 18.00),
    (22, 'Espresso machine', 'kitchen', 399.00), (23, 'Smart watch', 'electronics', 229.00),
    (24, 'Poetry anthology', 'books', 12.00), (25, 'Bird feeder', 'garden', 22.00);

CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    total numeric(10, 2) NOT NULL,
    placed_at timestamptz NOT NULL
);
INSERT INTO orders
SELECT g, 1 + (g * 7) % 50,
       (ARRAY['pending','paid','shipped','cancelled','paid','shipped'])[1 + g % 6],
       round(((g * 37.77) % 1180 + 12.5)::numeric, 2),
       timestamptz '2023-01-01 12:00+00' + g * interval '2 days' + (g % 5) * interval '1 hour'
FROM generate_series(1, 500) g;
INSERT INTO orders
SELECT g, 1 + (g * 7) % 50,
       (ARRAY['pending','paid','shipped','cancelled','paid','shipped'])[1 + g % 6],
       round(((g * 37.77) % 1180 + 12.5)::numeric, 2),
       date_trunc('day', now()) + interval '10 hours' - (g - 500) * interval '1 day'
FROM generate_series(501, 570) g;

CREATE TABLE order_items (
    id integer PRIMARY KEY,
    order_id integer NOT NULL REFERENCES orders (id),
    product_id integer NOT NULL REFERENCES products (id),
    quantity integer NOT NULL,
    unit_price numeric(10, 2) NOT NULL
);
INSERT INTO order_items
SELECT row_number() OVER (ORDER BY o, k), o, p.id, 1 + (o + k) % 4, p.price
FROM generate_series(1, 570) o
CROSS JOIN LATERAL generate_series(1, 1 + o % 3) k
JOIN products p ON p.id = 1 + (o * 3 + k * 5) % 22;

CREATE TABLE sales (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES customers (id),
    amount numeric(10, 2) NOT NULL,
    sold_at date NOT NULL
);
INSERT INTO sales
SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + (g * 11) % 60 END,
       round(((g * 17.3) % 480 + 3)::numeric, 2),
       date '2023-01-01' + g * 3
FROM generate_series(1, 300) g;

CREATE TABLE events (
    id integer PRIMARY KEY,
    user_id integer NOT NULL REFERENCES customers (id),
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL
);
INSERT INTO events
SELECT g, 1 + (g * 13) % 60,
       (ARRAY['view','click','view','purchase','signup','click','view'])[1 + g % 7],
       timestamptz '2024-01-01 08:00+00' + (g / 2) * interval '1 day' + (g % 2) * interval '6 hours'
FROM generate_series(1, 600) g;
"""

LOGISTICS = """
CREATE TABLE warehouses (
    id integer PRIMARY KEY,
    code text NOT NULL UNIQUE,
    city text NOT NULL,
    country text NOT NULL,
    capacity integer NOT NULL,
    opened_on date NOT NULL
);
INSERT INTO warehouses VALUES
    (1, 'BER1', 'Berlin', 'DE', 12000, '2018-04-01'),
    (2, 'HAM1', 'Hamburg', 'DE', 8000, '2020-09-15'),
    (3, 'PAR1', 'Paris', 'FR', 10000, '2019-01-10'), (4, 'LYS1', 'Lyon', 'FR', 4000, '2022-03-01'),
    (5, 'MAD1', 'Madrid', 'ES', 6000, '2021-06-01'), (6, 'MIL1', 'Milan', 'IT', 5000, '2023-02-01'),
    (7, 'WAW1', 'Warsaw', 'PL', 3000, '2024-05-01');

CREATE TABLE carriers (
    id integer PRIMARY KEY,
    name text NOT NULL,
    service_level text NOT NULL,
    active boolean NOT NULL
);
INSERT INTO carriers VALUES
    (1, 'DHL', 'express', true), (2, 'UPS', 'standard', true), (3, 'FedEx', 'express', true),
    (4, 'GLS', 'economy', true), (5, 'DPD', 'standard', false), (6, 'Hermes', 'economy', false);

CREATE TABLE shipments (
    id integer PRIMARY KEY,
    warehouse_id integer NOT NULL REFERENCES warehouses (id),
    carrier_id integer REFERENCES carriers (id),
    status text NOT NULL,
    destination_country text NOT NULL,
    weight_kg numeric(8, 2) NOT NULL,
    cost numeric(10, 2) NOT NULL,
    created_at timestamptz NOT NULL,
    shipped_at timestamptz,
    delivered_at timestamptz
);
INSERT INTO shipments
SELECT g, (ARRAY[1,1,1,1,1,1,1,2,2,2,2,2,3,3,3,4,4,5,5,6])[1 + g % 20],
       CASE WHEN s = 'created' THEN NULL ELSE 1 + (g * 7) % 5 END,
       s,
       (ARRAY['DE','FR','US','ES','IT','NL','PL'])[1 + (g * 3) % 7],
       round(((g * 3.7) % 95 + 0.5)::numeric, 2),
       round(((g * 5.3) % 240 + 4.9)::numeric, 2),
       c,
       CASE WHEN s = 'created' THEN NULL ELSE c + (1 + g % 3) * interval '1 day' END,
       CASE WHEN s = 'delivered' THEN c + (1 + g % 3) * interval '1 day'
                                      + (1 + g % 5) * interval '1 day' END
FROM generate_series(1, 400) g,
     LATERAL (SELECT (ARRAY['created','in_transit','delivered','delivered','returned','delivered',
                            'lost','in_transit'])[1 + g % 8] AS s,
                     timestamptz '2023-03-01 09:00+00' + g * interval '2 days'
                     + (g % 6) * interval '1 hour' AS c) x;

CREATE TABLE parcels (
    id integer PRIMARY KEY,
    shipment_id integer NOT NULL REFERENCES shipments (id),
    weight_kg numeric(8, 2) NOT NULL,
    length_cm integer NOT NULL,
    fragile boolean NOT NULL
);
INSERT INTO parcels
SELECT g, 1 + g % 350, round(((g * 1.9) % 30 + 0.2)::numeric, 2), 10 + (g * 7) % 90, g % 5 = 0
FROM generate_series(1, 700) g;

CREATE TABLE tracking_scans (
    id integer PRIMARY KEY,
    parcel_id integer NOT NULL REFERENCES parcels (id),
    scan_type text NOT NULL,
    location text NOT NULL,
    scanned_at timestamptz NOT NULL
);
INSERT INTO tracking_scans
SELECT g, 1 + g % 650,
       (ARRAY['pickup','hub','hub','out_for_delivery','delivered','exception'])[1 + g % 6],
       (ARRAY['Berlin','Hamburg','Paris','Lyon','Madrid','Milan','Amsterdam'])[1 + (g * 5) % 7],
       timestamptz '2023-03-02 08:00+00' + (g / 2) * interval '1 day' + (g % 2) * interval '4 hours'
FROM generate_series(1, 1500) g;
"""

CRM = [
    """CREATE TABLE customers (
        id int PRIMARY KEY,
        full_name varchar(80) NOT NULL,
        email varchar(120) NOT NULL,
        country char(2) NOT NULL,
        status varchar(12) NOT NULL,
        signup_date date NOT NULL,
        lifetime_value decimal(10, 2) NOT NULL)""",
    """INSERT INTO customers
       SELECT seq, CONCAT('Customer ', seq), CONCAT('crm', seq, '@example.org'),
              ELT(1 + seq % 5, 'DE', 'FR', 'US', 'GB', 'NL'),
              ELT(1 + seq % 4, 'active', 'active', 'inactive', 'banned'),
              DATE '2021-01-01' + INTERVAL (seq % 1200) DAY,
              ROUND((seq * 7.31) % 2500, 2)
       FROM seq_1_to_2000""",
]
