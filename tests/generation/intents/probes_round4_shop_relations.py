"""A fourth round of probes on relations over the shop (PostgreSQL, schemas.py): aggregations and
joins as users type them into a box: questions and commands, "per"/"by"/"for each"/"broken
down by", synonyms (clients, buyers, purchases, spend, revenue, line items, SKUs), changed word
order.

Written without reading the planner or the held-out half, each with its own reference query:
several aggregates at once, avg/min/max/count distinct, an aggregate of an expression, a group key
on a joined table, top-N with key, label and measure, per month and per year, conditions on a
group, one named column from another table, left or inner as the words imply, anti-joins,
semi-joins, three-table joins.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds


def _r4(id_: str, text: str, sql: str) -> Intent:
    return Intent(f"r4s_{id_}", "shop", text, sql)


_MONTH = "CAST(date_trunc('month', {}) AS DATE)"
_YEAR = "CAST(date_trunc('year', {}) AS DATE)"
_ORDER_CUSTOMER = "FROM orders o JOIN customers c ON c.id = o.customer_id"
_ITEM_PRODUCT = "FROM order_items i JOIN products p ON p.id = i.product_id"
_ITEM_ORDER = "FROM order_items i JOIN orders o ON o.id = i.order_id"
_ITEM_ORDER_CUSTOMER = f"{_ITEM_ORDER} JOIN customers c ON c.id = o.customer_id"
_LINE = "i.quantity * i.unit_price"

SHOP = kinds(
    "aggregations",
    _r4(
        "orders_each_country_placed",
        "how many orders did each country place",
        f"SELECT c.country, count(*) AS order_count {_ORDER_CUSTOMER} GROUP BY c.country",
    ),
    _r4(
        "clients_by_country",
        "number of clients by country",
        "SELECT country, count(*) AS customer_count FROM customers GROUP BY country",
    ),
    _r4(
        "avg_order_value_each_client",
        "what's the average order value for each client",
        "SELECT customer_id, avg(total) AS avg_total FROM orders GROUP BY customer_id",
    ),
    _r4(
        "biggest_order_per_country",
        "biggest order total per country",
        f"SELECT c.country, max(o.total) AS max_total {_ORDER_CUSTOMER} GROUP BY c.country",
    ),
    _r4(
        "first_last_order_date_per_customer",
        "earliest and latest order date for every customer",
        "SELECT customer_id, min(placed_at) AS first_order, max(placed_at) AS last_order "
        "FROM orders GROUP BY customer_id",
    ),
    _r4(
        "distinct_buyers_per_product",
        "count distinct buyers per product",
        "SELECT i.product_id, count(DISTINCT o.customer_id) AS buyer_count "
        f"{_ITEM_ORDER} GROUP BY i.product_id",
    ),
    _r4(
        "unique_skus_per_order",
        "unique SKUs in each order",
        "SELECT order_id, count(DISTINCT product_id) AS sku_count FROM order_items "
        "GROUP BY order_id",
    ),
    _r4(
        "avg_qty_per_category",
        "avg quantity per line item, broken down by product category",
        f"SELECT p.category, avg(i.quantity) AS avg_quantity {_ITEM_PRODUCT} GROUP BY p.category",
    ),
    _r4(
        "units_and_revenue_per_category",
        "for each category: units sold and revenue (qty * unit price)",
        f"SELECT p.category, sum(i.quantity) AS units_sold, sum({_LINE}) AS revenue "
        f"{_ITEM_PRODUCT} GROUP BY p.category",
    ),
    _r4(
        "avg_line_value_per_category",
        "average line value (quantity x unit_price) by category",
        f"SELECT p.category, avg({_LINE}) AS avg_line_value {_ITEM_PRODUCT} GROUP BY p.category",
    ),
    _r4(
        "qty_and_lines_per_status",
        "total quantity and number of line items per order status",
        f"SELECT o.status, sum(i.quantity) AS total_quantity, count(*) AS line_count "
        f"{_ITEM_ORDER} GROUP BY o.status",
    ),
    _r4(
        "revenue_per_client_country",
        "line item revenue (qty*unit_price) per client country",
        f"SELECT c.country, sum({_LINE}) AS revenue {_ITEM_ORDER_CUSTOMER} GROUP BY c.country",
    ),
    _r4(
        "sales_amount_by_year",
        "total sales amount by year",
        f"SELECT {_YEAR.format('sold_at')} AS year, sum(amount) AS total_amount FROM sales "
        "GROUP BY 1",
    ),
    _r4(
        "orders_by_month_and_status",
        "orders per month broken down by status",
        f"SELECT {_MONTH.format('placed_at')} AS month, status, count(*) AS order_count "
        "FROM orders GROUP BY 1, status",
    ),
    _r4(
        "signups_per_year",
        "how many customers signed up each year (created_at)",
        f"SELECT {_YEAR.format('created_at')} AS year, count(*) AS customer_count "
        "FROM customers GROUP BY 1",
    ),
    _r4(
        "countries_spent_over_50k",
        "countries whose customers spent more than 50000 in total",
        f"SELECT c.country, sum(o.total) AS total_spent {_ORDER_CUSTOMER} "
        "GROUP BY c.country HAVING sum(o.total) > 50000",
    ),
    _r4(
        "skus_in_over_52_lines",
        "products that appear in more than 52 line items, with that count",
        "SELECT product_id, count(*) AS line_count FROM order_items GROUP BY product_id "
        "HAVING count(*) > 52",
    ),
    _r4(
        "clients_avg_order_over_700",
        "clients with an average order above 700",
        "SELECT customer_id, avg(total) AS avg_total FROM orders GROUP BY customer_id "
        "HAVING avg(total) > 700",
    ),
    _r4(
        "top3_countries_by_spend",
        "top 3 countries by spend",
        f"SELECT c.country, sum(o.total) AS total_spent {_ORDER_CUSTOMER} "
        "GROUP BY c.country ORDER BY total_spent DESC LIMIT 3",
    ),
    _r4(
        "top3_skus_by_revenue",
        "which 3 SKUs made the most revenue (quantity * unit price)? id, name, revenue",
        f"SELECT p.id, p.name, sum({_LINE}) AS revenue {_ITEM_PRODUCT} "
        "GROUP BY p.id, p.name ORDER BY revenue DESC LIMIT 3",
    ),
    _r4(
        "top5_buyers_sales_amount",
        "5 best buyers by sales amount, show id, name and amount",
        "SELECT c.id, c.name, sum(s.amount) AS total_amount FROM sales s "
        "JOIN customers c ON c.id = s.customer_id GROUP BY c.id, c.name "
        "ORDER BY total_amount DESC LIMIT 5",
    ),
    _r4(
        "events_per_user_email",
        "event count by user email",
        "SELECT c.email, count(*) AS event_count FROM events e "
        "JOIN customers c ON c.id = e.user_id GROUP BY c.email",
    ),
    _r4(
        "max_unit_price_per_product_name",
        "highest unit price paid for each product name",
        f"SELECT p.name, max(i.unit_price) AS max_unit_price {_ITEM_PRODUCT} GROUP BY p.name",
    ),
    _r4(
        "orders_per_customer_keep_zero",
        "all customers with their number of orders, including customers with zero orders",
        "SELECT c.id, count(o.id) AS order_count FROM customers c "
        "LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id",
    ),
    _r4(
        "count_spend_avg_per_client",
        "per client: orders, total spend, avg order",
        "SELECT customer_id, count(*) AS order_count, sum(total) AS total_spent, "
        "avg(total) AS avg_total FROM orders GROUP BY customer_id",
    ),
    "joins",
    _r4(
        "clients_who_ordered",
        "clients who have ordered",
        "SELECT * FROM customers c WHERE EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    _r4(
        "customers_no_purchases",
        "customers with no purchases (no orders)",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    _r4(
        "skus_never_ordered",
        "SKUs that have never been ordered",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    _r4(
        "products_without_any_orders",
        "show products without any orders",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    _r4(
        "customers_with_cancelled_order",
        "customers that have a cancelled order",
        "SELECT * FROM customers c WHERE EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'cancelled')",
    ),
    _r4(
        "orders_with_lawn_mower",
        "orders that contain a Lawn mower",
        "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i "
        "JOIN products p ON p.id = i.product_id WHERE i.order_id = o.id "
        "AND p.name = 'Lawn mower')",
    ),
    _r4(
        "order_with_buyer_name",
        "each order plus the name of the buyer",
        f"SELECT o.*, c.name {_ORDER_CUSTOMER}",
    ),
    _r4(
        "line_items_add_category",
        "add the product category to every line item",
        f"SELECT i.*, p.category {_ITEM_PRODUCT}",
    ),
    _r4(
        "line_items_status_and_country",
        "line items with the order status and the customer's country",
        f"SELECT i.*, o.status, c.country {_ITEM_ORDER_CUSTOMER}",
    ),
    _r4(
        "line_items_buyer_email",
        "for each line item, the email of the buyer",
        f"SELECT i.*, c.email {_ITEM_ORDER_CUSTOMER}",
    ),
    _r4(
        "sales_buyer_email_inner",
        "sales with buyer email, drop anonymous sales",
        "SELECT s.*, c.email FROM sales s JOIN customers c ON c.id = s.customer_id",
    ),
    _r4(
        "sales_country_keep_all",
        "all sales incl. those w/o customer, with the customer country",
        "SELECT s.*, c.country FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    _r4(
        "events_french_users",
        "events of users from France",
        "SELECT e.* FROM events e JOIN customers c ON c.id = e.user_id WHERE c.country = 'FR'",
    ),
    _r4(
        "user_name_next_to_event",
        "the user's name next to each event",
        "SELECT e.*, c.name FROM events e JOIN customers c ON c.id = e.user_id",
    ),
    _r4(
        "order_lines_name_qty_date",
        "order lines: product name, quantity and order date",
        "SELECT p.name, i.quantity, o.placed_at FROM order_items i "
        "JOIN products p ON p.id = i.product_id JOIN orders o ON o.id = i.order_id",
    ),
    _r4(
        "clients_bought_lawn_mower",
        "clients who bought a lawn mower",
        "SELECT * FROM customers c WHERE EXISTS (SELECT 1 FROM orders o "
        "JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id "
        "WHERE o.customer_id = c.id AND p.name = 'Lawn mower')",
    ),
    _r4(
        "orders_of_us_clients_with_email",
        "orders from US clients with their email",
        f"SELECT o.*, c.email {_ORDER_CUSTOMER} WHERE c.country = 'US'",
    ),
)
