"""A fourth round of probes on filters, computed columns, copies and dedupes over the shop
(PostgreSQL) schema (schemas.py).

Written as users type into a box, independently of the planner and the earlier probes, each with
its own reference query: computed columns in several phrasings (line totals, VAT, discounts, day
differences, parts of a name or a date), copies with chosen, renamed or excluded columns, date
ranges (quarters, halves, month names, "since", "before", "between … and …", ISO dates, the last
30 days, a fiscal year), values named in words, null-ness, value sets and comparisons, and
dedupes, with imperatives, questions and a few typos. A development set: tune against it by class
of wording only.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds

SHOP = kinds(
    "computed columns",
    Intent(
        "r4_items_line_total_as",
        "shop",
        "give me order_items with qty x price as line_total",
        "SELECT *, quantity * unit_price AS line_total FROM order_items",
    ),
    Intent(
        "r4_products_price_vat",
        "shop",
        "products with price_with_vat = price with 19% VAT",
        "SELECT *, price * 1.19 AS price_with_vat FROM products",
    ),
    Intent(
        "r4_orders_discounted",
        "shop",
        "orders plus discounted_total: the total minus a 10% discount",
        "SELECT *, total * 0.9 AS discounted_total FROM orders",
    ),
    Intent(
        "r4_sales_net_amount",
        "shop",
        "sales with net_amount = amount without the 19% vat",
        "SELECT *, amount / 1.19 AS net_amount FROM sales",
    ),
    Intent(
        "r4_customers_days_to_update",
        "shop",
        "customers plus days_to_update, the days between created_at and updated_at",
        "SELECT *, updated_at::date - created_at::date AS days_to_update FROM customers",
    ),
    Intent(
        "r4_items_big_lines",
        "shop",
        "order lines where quantity * unit_price is over 150",
        "SELECT * FROM order_items WHERE quantity * unit_price > 150",
    ),
    Intent(
        "r4_orders_year_column",
        "shop",
        "orders with an order_year column (the year of placed_at)",
        "SELECT *, extract(year FROM placed_at) AS order_year FROM orders",
    ),
    Intent(
        "r4_products_price_cents",
        "shop",
        "I need products with price_cents = price * 100",
        "SELECT *, price * 100 AS price_cents FROM products",
    ),
    "copies and subsets",
    Intent(
        "r4_customers_except_email",
        "shop",
        "everything from customers except email",
        "SELECT id, name, country, created_at, updated_at FROM customers",
        only_columns=True,
    ),
    Intent(
        "r4_products_id_name",
        "shop",
        "only id and name of the products",
        "SELECT id, name FROM products",
        only_columns=True,
    ),
    Intent(
        "r4_orders_rename_total",
        "shop",
        "copy orders but rename total to amount",
        "SELECT id, customer_id, status, total AS amount, placed_at FROM orders",
        only_columns=True,
    ),
    Intent("r4_export_events", "shop", "export the events table", "SELECT * FROM events"),
    Intent(
        "r4_customer_email_country",
        "shop",
        "pull customer email + country, nothing else",
        "SELECT email, country FROM customers",
        only_columns=True,
    ),
    Intent(
        "r4_sales_drop_customer",
        "shop",
        "sales without the customer_id column",
        "SELECT id, amount, sold_at FROM sales",
        only_columns=True,
    ),
    Intent(
        "r4_products_renamed",
        "shop",
        "products: id, name as product_name, price",
        "SELECT id, name AS product_name, price FROM products",
        only_columns=True,
    ),
    Intent(
        "r4_copy_order_items", "shop", "I need a copy of order_items", "SELECT * FROM order_items"
    ),
    "date ranges",
    Intent(
        "r4_orders_q3_2024",
        "shop",
        "orders from Q3 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-07-01' AND placed_at < '2024-10-01'",
    ),
    Intent(
        "r4_sales_h1_2025",
        "shop",
        "H1 2025 sales",
        "SELECT * FROM sales WHERE sold_at >= '2025-01-01' AND sold_at < '2025-07-01'",
    ),
    Intent(
        "r4_events_feb_2024",
        "shop",
        "events in feb 2024",
        "SELECT * FROM events WHERE occurred_at >= '2024-02-01' AND occurred_at < '2024-03-01'",
    ),
    Intent(
        "r4_orders_since_iso",
        "shop",
        "orders placed since 2025-06-01",
        "SELECT * FROM orders WHERE placed_at >= '2025-06-01'",
    ),
    Intent(
        "r4_orders_before_iso",
        "shop",
        "dump orders before 2023-03-01",
        "SELECT * FROM orders WHERE placed_at < '2023-03-01'",
    ),
    Intent(
        "r4_sales_mar_to_may",
        "shop",
        "sales between March and May 2024",
        "SELECT * FROM sales WHERE sold_at >= '2024-03-01' AND sold_at < '2024-06-01'",
    ),
    Intent(
        "r4_orders_last_30_days",
        "shop",
        "orders from the last 30 days",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('day', now()) - interval '30 days'",
    ),
    Intent(
        "r4_customers_joined_2022",
        "shop",
        "customers who joined in 2022",
        "SELECT * FROM customers WHERE created_at >= '2022-01-01' AND created_at < '2023-01-01'",
    ),
    Intent(
        "r4_events_through",
        "shop",
        "events from 2024-05-01 through 2024-05-15",
        "SELECT * FROM events WHERE occurred_at >= '2024-05-01' AND occurred_at < '2024-05-16'",
    ),
    Intent(
        "r4_orders_december_2023",
        "shop",
        "orders placed in december 2023",
        "SELECT * FROM orders WHERE placed_at >= '2023-12-01' AND placed_at < '2024-01-01'",
    ),
    Intent(
        "r4_sales_after_date",
        "shop",
        "sales after 15 June 2024",
        "SELECT * FROM sales WHERE sold_at > '2024-06-15'",
    ),
    Intent(
        "r4_orders_this_month",
        "shop",
        "this month's orders",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('month', now())",
    ),
    Intent(
        "r4_sales_fy_2024",
        "shop",
        "sales for fiscal year 2024",  # the shop names no fiscal calendar: the calendar year
        "SELECT * FROM sales WHERE sold_at >= '2024-01-01' AND sold_at < '2025-01-01'",
    ),
    "values named in words",
    Intent(
        "r4_french_customers",
        "shop",
        "show me the French customers",
        "SELECT * FROM customers WHERE country = 'FR'",
    ),
    Intent(
        "r4_cancelled_2024",
        "shop",
        "cancelled orders from 2024",
        "SELECT * FROM orders WHERE status = 'cancelled' "
        "AND placed_at >= '2024-01-01' AND placed_at < '2025-01-01'",
    ),
    Intent(
        "r4_click_events",
        "shop",
        "all click events pls",
        "SELECT * FROM events WHERE event_type = 'click'",
    ),
    Intent(
        "r4_american_italian",
        "shop",
        "American and Italian customers",
        "SELECT * FROM customers WHERE country IN ('US', 'IT')",
    ),
    Intent(
        "r4_garden_stuff",
        "shop",
        "garden products",
        "SELECT * FROM products WHERE category = 'garden'",
    ),
    Intent(
        "r4_orders_still_pending",
        "shop",
        "which orders are still pending?",
        "SELECT * FROM orders WHERE status = 'pending'",
    ),
    Intent(
        "r4_orders_not_shipped",
        "shop",
        "orders not shipped yet",
        "SELECT * FROM orders WHERE status <> 'shipped'",
    ),
    Intent(
        "r4_typo_electornics",
        "shop",
        "electornics products under 60",
        "SELECT * FROM products WHERE category = 'electronics' AND price < 60",
    ),
    "null-ness",
    Intent(
        "r4_sales_anonymous",
        "shop",
        "sales w/o a customer attached",
        "SELECT * FROM sales WHERE customer_id IS NULL",
    ),
    Intent(
        "r4_customers_known_country",
        "shop",
        "customers with a known country",
        "SELECT * FROM customers WHERE country IS NOT NULL",
    ),
    Intent(
        "r4_customers_country_empty",
        "shop",
        "customers where the country field is empty",
        "SELECT * FROM customers WHERE country IS NULL",
    ),
    "value sets and comparisons",
    Intent(
        "r4_orders_total_between",
        "shop",
        "orders with total between 100 and 200",
        "SELECT * FROM orders WHERE total BETWEEN 100 AND 200",
    ),
    Intent(
        "r4_products_mid_price",
        "shop",
        "products that cost more than 50 but less than 100",
        "SELECT * FROM products WHERE price > 50 AND price < 100",
    ),
    Intent(
        "r4_items_qty_3_plus",
        "shop",
        "order items where quantity is 3 or more",
        "SELECT * FROM order_items WHERE quantity >= 3",
    ),
    Intent(
        "r4_orders_status_in",
        "shop",
        "orders with status in (paid, shipped)",
        "SELECT * FROM orders WHERE status IN ('paid', 'shipped')",
    ),
    Intent(
        "r4_products_not_books_toys",
        "shop",
        "products not in the books or toys categories",
        "SELECT * FROM products WHERE category NOT IN ('books', 'toys')",
    ),
    Intent(
        "r4_orders_over_1k",
        "shop",
        "orders over 1k",
        "SELECT * FROM orders WHERE total > 1000",
    ),
    Intent(
        "r4_view_or_click",
        "shop",
        "events of type view or click",
        "SELECT * FROM events WHERE event_type IN ('view', 'click')",
    ),
    "dedupe",
    Intent(
        "r4_dedupe_email_latest",
        "shop",
        "dedupe customers on email, keep the row with the latest updated_at",
        "SELECT DISTINCT ON (email) * FROM customers ORDER BY email, updated_at DESC",
    ),
    Intent(
        "r4_latest_purchase_per_user",
        "shop",
        "latest purchase event per user",
        "SELECT DISTINCT ON (user_id) * FROM events WHERE event_type = 'purchase' "
        "ORDER BY user_id, occurred_at DESC",
    ),
    Intent(
        "r4_orders_last_per_customer",
        "shop",
        "dedupe orders down to the last one per customer",
        "SELECT DISTINCT ON (customer_id) * FROM orders ORDER BY customer_id, placed_at DESC",
    ),
    Intent(
        "r4_first_sale_each_customer",
        "shop",
        "earliest sale of each customer_id",
        "SELECT DISTINCT ON (customer_id) * FROM sales ORDER BY customer_id, sold_at",
    ),
    Intent(
        "r4_distinct_countries",
        "shop",
        "unique list of customer countries",
        "SELECT DISTINCT country FROM customers",
        only_columns=True,
    ),
)
