"""A third round of probes on filters, computed columns and copies, over the shop (PostgreSQL)
and the CRM (MariaDB) schemas (schemas.py).

Written as a busy data engineer types, independently of the planner and the earlier probes, each
with its own reference query: computed columns (line totals, discounts, VAT, unit conversions),
date ranges (years, "Jan 2024", quarters, halves, "since", "between … and …", last year), values
named in words (country adjectives, event types, status sets, negations), null-ness, copies and
column subsets, with a typo or two. A development set: tune against it by class of wording only.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds

SHOP = kinds(
    "computed columns",
    Intent(
        "r3_items_line_total",
        "shop",
        "order_items w/ line total (quantity times unit price)",
        "SELECT *, quantity * unit_price AS line_total FROM order_items",
    ),
    Intent(
        "r3_products_discount",
        "shop",
        "products incl. a 15% discounted price",
        "SELECT *, price * 0.85 AS discounted_price FROM products",
    ),
    Intent(
        "r3_orders_vat_amount",
        "shop",
        "orders, add a vat column = 19% of the total",
        "SELECT *, total * 0.19 AS vat FROM orders",
    ),
    Intent(
        "r3_sales_amount_cents",
        "shop",
        "sales amounts in cents pls",
        "SELECT *, amount * 100 AS amount_cents FROM sales",
    ),
    "date ranges",
    Intent(
        "r3_orders_jan_2024",
        "shop",
        "orders placed Jan 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2024-02-01'",
    ),
    Intent(
        "r3_sales_q2_2024",
        "shop",
        "Q2 2024 sales only",
        "SELECT * FROM sales WHERE sold_at >= '2024-04-01' AND sold_at < '2024-07-01'",
    ),
    Intent(
        "r3_events_first_half_2024",
        "shop",
        "events from the first half of 2024",
        "SELECT * FROM events WHERE occurred_at >= '2024-01-01' AND occurred_at < '2024-07-01'",
    ),
    Intent(
        "r3_customers_since_2023",
        "shop",
        "custs who signed up since 2023",
        "SELECT * FROM customers WHERE created_at >= '2023-01-01'",
    ),
    Intent(
        "r3_orders_last_year",
        "shop",
        "last year's orders",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('year', now()) - interval '1 year' "
        "AND placed_at < date_trunc('year', now())",
    ),
    "values named in words",
    Intent(
        "r3_german_customers",
        "shop",
        "German customers",
        "SELECT * FROM customers WHERE country = 'DE'",
    ),
    Intent(
        "r3_purchase_events",
        "shop",
        "purchases from the events table",
        "SELECT * FROM events WHERE event_type = 'purchase'",
    ),
    Intent(
        "r3_orders_paid_or_pending",
        "shop",
        "orders paid or pending",
        "SELECT * FROM orders WHERE status IN ('paid', 'pending')",
    ),
    Intent(
        "r3_orders_not_cancelled",
        "shop",
        "orders that aren't cancelled",
        "SELECT * FROM orders WHERE status <> 'cancelled'",
    ),
    "null-ness and comparisons",
    Intent(
        "r3_sales_no_customer",
        "shop",
        "sales with no customer id",
        "SELECT * FROM sales WHERE customer_id IS NULL",
    ),
    Intent(
        "r3_customers_country_set",
        "shop",
        "customers where country is set",
        "SELECT * FROM customers WHERE country IS NOT NULL",
    ),
    Intent(
        "r3_typo_prodcuts_cheap",
        "shop",
        "prodcuts cheaper than 20",
        "SELECT * FROM products WHERE price < 20",
    ),
    "copies",
    Intent("r3_copy_products", "shop", "copy the products table", "SELECT * FROM products"),
    Intent(
        "r3_customers_id_email",
        "shop",
        "just the id and email of customers",
        "SELECT id, email FROM customers",
        only_columns=True,
    ),
    Intent("r3_everything_orders", "shop", "everything from orders", "SELECT * FROM orders"),
    Intent("r3_dump_sales", "shop", "dump sales into the warehouse", "SELECT * FROM sales"),
)

CRM = kinds(
    "crm",
    Intent(
        "r3_crm_move_customers",
        "crm",
        "move customers from MySQL to Postgres",
        "SELECT * FROM customers",
    ),
    Intent(
        "r3_crm_british",
        "crm",
        "british customers from mysql",
        "SELECT * FROM customers WHERE country = 'GB'",
    ),
    Intent(
        "r3_crm_not_banned",
        "crm",
        "customers in MySQL except the banned ones",
        "SELECT * FROM customers WHERE status <> 'banned'",
    ),
    Intent(
        "r3_crm_signup_between",
        "crm",
        "mysql customers who signed up between March 2022 and June 2022",
        "SELECT * FROM customers WHERE signup_date >= '2022-03-01' AND signup_date < '2022-07-01'",
    ),
    Intent(
        "r3_crm_ltv_thousands",
        "crm",
        "customers from mysql with lifetime value in thousands",
        "SELECT *, lifetime_value / 1000 AS lifetime_value_thousands FROM customers",
    ),
    Intent(
        "r3_crm_active_emails",
        "crm",
        "emails of actve customers from mysql",
        "SELECT email FROM customers WHERE status = 'active'",
    ),
)
