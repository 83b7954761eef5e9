"""A third round of probes on relations over the shop (PostgreSQL, schemas.py): aggregations and
joins typed tersely, with synonyms ("clients", "purchases", "spend", "line items"), abbreviations,
changed word order and a typo or two.

Written without reading the planner or the held-out half, each with its own reference query:
group keys on a joined table's column, several aggregates, avg/min/max, revenue as the sum of
quantity times unit price, top-N with key and label, per month; one column from a related table,
left or inner as the words say, anti-joins, joins over orders, order items and products.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds


def _r3(id_: str, text: str, sql: str) -> Intent:
    return Intent(f"r3s_{id_}", "shop", text, sql)


_MONTH = "CAST(date_trunc('month', {}) AS DATE)"
_ORDER_CUSTOMER = "FROM orders o JOIN customers c ON c.id = o.customer_id"
_ITEM_PRODUCT = "FROM order_items i JOIN products p ON p.id = i.product_id"
_ITEM_ORDER = "FROM order_items i JOIN orders o ON o.id = i.order_id"

SHOP = kinds(
    "aggregations",
    _r3(
        "orders_per_client_country",
        "order count per client country",
        f"SELECT c.country, count(*) AS order_count {_ORDER_CUSTOMER} GROUP BY c.country",
    ),
    _r3(
        "spend_by_country",
        "total spend by customer country (sum of order totals)",
        f"SELECT c.country, sum(o.total) AS total_spent {_ORDER_CUSTOMER} GROUP BY c.country",
    ),
    _r3(
        "revenue_per_product",
        "revenue per product name, revenue = qty*unit_price over the line items",
        f"SELECT p.name, sum(i.quantity * i.unit_price) AS revenue {_ITEM_PRODUCT} GROUP BY p.name",
    ),
    _r3(
        "order_total_stats_by_status",
        "min / max / avg order total by status",
        "SELECT status, min(total) AS min_total, max(total) AS max_total, "
        "avg(total) AS avg_total FROM orders GROUP BY status",
    ),
    _r3(
        "units_sold_per_category",
        "units sold per categroy (sum of quantity on the order lines)",
        f"SELECT p.category, sum(i.quantity) AS units_sold {_ITEM_PRODUCT} GROUP BY p.category",
    ),
    _r3(
        "top10_clients_by_spend",
        "top 10 clients by spend w/ id and name",
        f"SELECT c.id, c.name, sum(o.total) AS total_spent {_ORDER_CUSTOMER} "
        "GROUP BY c.id, c.name ORDER BY total_spent DESC LIMIT 10",
    ),
    _r3(
        "top3_products_by_revenue",
        "3 best selling products by revenue (qty * unit_price), product id + name",
        f"SELECT p.id, p.name, sum(i.quantity * i.unit_price) AS revenue {_ITEM_PRODUCT} "
        "GROUP BY p.id, p.name ORDER BY revenue DESC LIMIT 3",
    ),
    _r3(
        "monthly_revenue",
        "monthly revenue from order items (quantity times unit price), by order month",
        f"SELECT {_MONTH.format('o.placed_at')} AS month, "
        f"sum(i.quantity * i.unit_price) AS revenue {_ITEM_ORDER} GROUP BY 1",
    ),
    _r3(
        "purchases_per_month",
        "number of purchases per month",
        f"SELECT {_MONTH.format('placed_at')} AS month, count(*) AS order_count "
        "FROM orders GROUP BY 1",
    ),
    _r3(
        "avg_order_value_per_country",
        "avg order value per country of the customer",
        f"SELECT c.country, avg(o.total) AS avg_total {_ORDER_CUSTOMER} GROUP BY c.country",
    ),
    _r3(
        "count_and_sum_per_customer",
        "per customer: number of orders and sum of totals",
        "SELECT customer_id, count(*) AS order_count, sum(total) AS total_spent "
        "FROM orders GROUP BY customer_id",
    ),
    _r3(
        "sales_amount_by_customer_name",
        "sales amount summed per customer name",
        "SELECT c.name, sum(s.amount) AS total_amount FROM sales s "
        "JOIN customers c ON c.id = s.customer_id GROUP BY c.name",
    ),
    _r3(
        "events_per_type_per_country",
        "events by type and user country, count them",
        "SELECT e.event_type, c.country, count(*) AS event_count FROM events e "
        "JOIN customers c ON c.id = e.user_id GROUP BY e.event_type, c.country",
    ),
    "joins",
    _r3(
        "orders_with_customer_email",
        "orders with the customer's email",
        f"SELECT o.*, c.email {_ORDER_CUSTOMER}",
    ),
    _r3(
        "line_items_with_product_name",
        "line items + product name",
        f"SELECT i.*, p.name {_ITEM_PRODUCT}",
    ),
    _r3(
        "sales_keep_anonymous_email",
        "every sale with the client email, also the ones without a client",
        "SELECT s.*, c.email FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    _r3(
        "sales_only_known_clients",
        "sales joined to customers (only sales that have a customer), add customer name",
        "SELECT s.*, c.name FROM sales s JOIN customers c ON c.id = s.customer_id",
    ),
    _r3(
        "clients_no_purchases",
        "clients that never placed an order",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    _r3(
        "products_no_line_items",
        "products with no order lines",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    _r3(
        "customers_no_sales",
        "custmers without sales",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM sales s WHERE s.customer_id = c.id)",
    ),
    _r3(
        "items_with_order_date",
        "order items with the placed_at of their order",
        f"SELECT i.*, o.placed_at {_ITEM_ORDER}",
    ),
    _r3(
        "orders_items_products",
        "orders -> order_items -> products: order id, placed_at, product name, qty",
        "SELECT o.id, o.placed_at, p.name, i.quantity FROM orders o "
        "JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id",
    ),
    _r3(
        "items_product_category_and_status",
        "line items w/ product category and order status",
        "SELECT i.*, p.category, o.status FROM order_items i "
        "JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id",
    ),
    _r3(
        "events_with_user_name",
        "events, plus the name of the user",
        "SELECT e.*, c.name FROM events e JOIN customers c ON c.id = e.user_id",
    ),
)
