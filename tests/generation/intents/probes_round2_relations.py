"""A second, independent round of probes on relations over the shop and logistics schemas
(schemas.py): aggregations, joins and dedupe, typed as data engineers type them.

Written without reading the planner or the held-out half, each with its own reference query:
group keys on a joined table's column, several aggregates at once, avg/min/max, the sum of an
expression, top-N with the key and label, conditions on a count or a total (HAVING), averages of
counts, count distinct through one or two linking tables, per month and per year; one or two
columns from a related table, left or inner as the words say, anti-joins in many phrasings (with a
filter on the other table too), joins over three tables; one row kept per key. Where the words
leave a choice, the reference is the reading a careful engineer would pick, so a confident other
reading shows as silently wrong.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, Schema, kinds


def _r2(id_: str, schema: Schema, text: str, sql: str) -> Intent:
    return Intent(f"r2_{id_}", schema, text, sql)


_MONTH = "CAST(date_trunc('month', {}) AS DATE)"
_YEAR = "CAST(date_trunc('year', {}) AS DATE)"
_ORDER_CUSTOMER = "FROM orders o JOIN customers c ON c.id = o.customer_id"
_ITEM_PRODUCT = "FROM order_items i JOIN products p ON p.id = i.product_id"
_SHIPMENT_WAREHOUSE = "FROM shipments s JOIN warehouses w ON w.id = s.warehouse_id"
_SHIPMENT_CARRIER = "FROM shipments s JOIN carriers c ON c.id = s.carrier_id"
_PARCEL_SHIPMENT = "FROM parcels p JOIN shipments s ON s.id = p.shipment_id"

# --- The shop (PostgreSQL) -------------------------------------------------------------------

SHOP = kinds(
    "aggregations",
    _r2(
        "orders_each_customer",
        "shop",
        "how many orders each customer has (customer_id and the count)",
        "SELECT customer_id, count(*) AS order_count FROM orders GROUP BY customer_id",
    ),
    _r2(
        "spend_per_customer_name",
        "shop",
        "total spend per customer from their orders, w/ customer name",
        f"SELECT c.id, c.name, sum(o.total) AS total_spent {_ORDER_CUSTOMER} GROUP BY c.id, c.name",
    ),
    _r2(
        "revenue_by_category",
        "shop",
        "revenue by product category (revenue = qty * unit_price of the order items)",
        f"SELECT p.category, sum(i.quantity * i.unit_price) AS revenue {_ITEM_PRODUCT} "
        "GROUP BY p.category",
    ),
    _r2(
        "orders_and_avg_by_country",
        "shop",
        "nr of orders and the average order value for every customer country",
        f"SELECT c.country, count(*) AS order_count, avg(o.total) AS avg_total {_ORDER_CUSTOMER} "
        "GROUP BY c.country",
    ),
    _r2(
        "price_stats_per_category",
        "shop",
        "cheapest, most expensive and mean price of the products in each category",
        "SELECT category, min(price) AS min_price, max(price) AS max_price, "
        "avg(price) AS avg_price FROM products GROUP BY category",
    ),
    _r2(
        "top5_customers_total",
        "shop",
        "top 5 customers by total order amount, with their name and email",
        f"SELECT c.id, c.name, c.email, sum(o.total) AS total_spent {_ORDER_CUSTOMER} "
        "GROUP BY c.id, c.name, c.email ORDER BY total_spent DESC LIMIT 5",
    ),
    _r2(
        "countries_over_90_orders",
        "shop",
        "customer countries with more than 90 orders",
        f"SELECT c.country {_ORDER_CUSTOMER} GROUP BY c.country HAVING count(*) > 90",
    ),
    _r2(
        "customers_over_8000",
        "shop",
        "customers whose orders add up to more than 8000, with their name and that total",
        f"SELECT c.id, c.name, sum(o.total) AS total_spent {_ORDER_CUSTOMER} "
        "GROUP BY c.id, c.name HAVING sum(o.total) > 8000",
    ),
    _r2(
        "avg_lines_per_order",
        "shop",
        "average number of order lines per order, just one number",
        "SELECT avg(n) AS avg_lines FROM (SELECT count(*) AS n FROM order_items "
        "GROUP BY order_id) x",
    ),
    _r2(
        "distinct_products_per_customer",
        "shop",
        "how many distinct prodcuts has each customer bought? customer_id + count",
        "SELECT o.customer_id, count(DISTINCT i.product_id) AS product_count "
        "FROM order_items i JOIN orders o ON o.id = i.order_id GROUP BY o.customer_id",
    ),
    _r2(
        "monthly_sales_2024",
        "shop",
        "monthly sales amount for 2024",
        f"SELECT {_MONTH.format('sold_at')} AS month, sum(amount) AS total_amount FROM sales "
        "WHERE sold_at >= '2024-01-01' AND sold_at < '2025-01-01' GROUP BY 1",
    ),
    _r2(
        "orders_per_year_status",
        "shop",
        "orders per year & status (count)",
        f"SELECT {_YEAR.format('placed_at')} AS year, status, count(*) AS order_count "
        "FROM orders GROUP BY 1, status",
    ),
    _r2(
        "buyers_per_category",
        "shop",
        "number of unique customers who bought something from each product category",
        "SELECT p.category, count(DISTINCT o.customer_id) AS customer_count "
        "FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN products p ON p.id = i.product_id GROUP BY p.category",
    ),
    "joins",
    _r2(
        "sales_buyer_name_keep_all",
        "shop",
        "all sales with the buyer's name, keep the sales that have no customer too",
        "SELECT s.*, c.name FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    _r2(
        "events_user_country",
        "shop",
        "events + the country of the user",
        "SELECT e.*, c.country FROM events e JOIN customers c ON c.id = e.user_id",
    ),
    _r2(
        "customers_without_orders",
        "shop",
        "customers without any orders",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    _r2(
        "products_never_ordered",
        "shop",
        "products that never got ordered",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    _r2(
        "customers_never_cancelled",
        "shop",
        "customers who never had an order cancelled",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'cancelled')",
    ),
    _r2(
        "items_product_customer_email",
        "shop",
        "order lines with the product name and the email of the customer who ordered them",
        "SELECT i.*, p.name, c.email FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = i.product_id",
    ),
    _r2(
        "orders_name_country",
        "shop",
        "orders w/ customer name & country",
        f"SELECT o.*, c.name, c.country {_ORDER_CUSTOMER}",
    ),
    "dedupe",
    _r2(
        "newest_order_per_customer",
        "shop",
        "for every customer keep just their newest order",
        "SELECT DISTINCT ON (customer_id) * FROM orders ORDER BY customer_id, placed_at DESC",
    ),
    _r2(
        "last_event_per_user",
        "shop",
        "most recent event per user, one row each",
        "SELECT DISTINCT ON (user_id) * FROM events ORDER BY user_id, occurred_at DESC",
    ),
)

# --- Logistics (PostgreSQL) ------------------------------------------------------------------

LOGISTICS = kinds(
    "aggregations",
    _r2(
        "shipments_per_warehouse_city",
        "logistics",
        "shipment count per warehose city",
        f"SELECT w.city, count(*) AS shipment_count {_SHIPMENT_WAREHOUSE} GROUP BY w.city",
    ),
    _r2(
        "carrier_count_cost_weight",
        "logistics",
        "for each carrier name: # of shipments, total cost and avg weight",
        f"SELECT c.name, count(*) AS shipment_count, sum(s.cost) AS total_cost, "
        f"avg(s.weight_kg) AS avg_weight_kg {_SHIPMENT_CARRIER} GROUP BY c.name",
    ),
    _r2(
        "parcel_weight_stats_by_status",
        "logistics",
        "avg/min/max parcel weight by shipment status",
        f"SELECT s.status, avg(p.weight_kg) AS avg_weight_kg, min(p.weight_kg) AS min_weight_kg, "
        f"max(p.weight_kg) AS max_weight_kg {_PARCEL_SHIPMENT} GROUP BY s.status",
    ),
    _r2(
        "cost_per_country_year",
        "logistics",
        "total shipping cost by warehouse country and year (created_at)",
        f"SELECT w.country, {_YEAR.format('s.created_at')} AS year, sum(s.cost) AS total_cost "
        f"{_SHIPMENT_WAREHOUSE} GROUP BY w.country, 2",
    ),
    _r2(
        "top3_warehouses",
        "logistics",
        "top 3 warehouses by number of shipments, show code, city and the count",
        f"SELECT w.id, w.code, w.city, count(*) AS shipment_count {_SHIPMENT_WAREHOUSE} "
        "GROUP BY w.id, w.code, w.city ORDER BY shipment_count DESC LIMIT 3",
    ),
    _r2(
        "carriers_cost_over_8500",
        "logistics",
        "carriers whose shipments cost more than 8500 in total (name + total)",
        f"SELECT c.id, c.name, sum(s.cost) AS total_cost {_SHIPMENT_CARRIER} "
        "GROUP BY c.id, c.name HAVING sum(s.cost) > 8500",
    ),
    _r2(
        "destinations_per_warehouse",
        "logistics",
        "how many different destination countries does each warehouse ship to, by warehouse code",
        "SELECT w.code, count(DISTINCT s.destination_country) AS destination_country_count "
        f"{_SHIPMENT_WAREHOUSE} GROUP BY w.code",
    ),
    _r2(
        "avg_parcels_per_shipment",
        "logistics",
        "on average how many parcels does a shipment have? (parcels counted per shipment_id, "
        "then averaged)",
        "SELECT avg(n) AS avg_parcels FROM (SELECT count(*) AS n FROM parcels "
        "GROUP BY shipment_id) x",
    ),
    _r2(
        "shipments_scanned_per_location",
        "logistics",
        "distinct shipments scanned per location",
        "SELECT t.location, count(DISTINCT p.shipment_id) AS shipment_count "
        "FROM tracking_scans t JOIN parcels p ON p.id = t.parcel_id GROUP BY t.location",
    ),
    _r2(
        "unique_parcels_per_warehouse",
        "logistics",
        "unique parcels scanned per warehouse code",
        "SELECT w.code, count(DISTINCT t.parcel_id) AS parcel_count FROM tracking_scans t "
        "JOIN parcels p ON p.id = t.parcel_id JOIN shipments s ON s.id = p.shipment_id "
        "JOIN warehouses w ON w.id = s.warehouse_id GROUP BY w.code",
    ),
    _r2(
        "monthly_delivered_2024",
        "logistics",
        "monthly count of delivred shipments in 2024, by delivered_at",
        f"SELECT {_MONTH.format('delivered_at')} AS month, count(*) AS shipment_count "
        "FROM shipments WHERE status = 'delivered' AND delivered_at >= '2024-01-01' "
        "AND delivered_at < '2025-01-01' GROUP BY 1",
    ),
    _r2(
        "cost_per_kg_by_service_level",
        "logistics",
        "avg cost per kg (cost / weight_kg) by carrier service level",
        f"SELECT c.service_level, avg(s.cost / s.weight_kg) AS avg_cost_per_kg "
        f"{_SHIPMENT_CARRIER} GROUP BY c.service_level",
    ),
    "joins",
    _r2(
        "shipments_carrier_keep_all",
        "logistics",
        "shipments with carrier name, incl. the ones that have no carrier yet",
        "SELECT s.*, c.name FROM shipments s LEFT JOIN carriers c ON c.id = s.carrier_id",
    ),
    _r2(
        "shipments_service_level_inner",
        "logistics",
        "shipments + their carrier's service level (skip shipments without a carrier)",
        f"SELECT s.*, c.service_level {_SHIPMENT_CARRIER}",
    ),
    _r2(
        "carriers_never_shipped",
        "logistics",
        "carriers that never shipped anything",
        "SELECT * FROM carriers c WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.carrier_id = c.id)",
    ),
    _r2(
        "warehouses_no_shipment_exists",
        "logistics",
        "warehouses where no shipment exists",
        "SELECT * FROM warehouses w WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.warehouse_id = w.id)",
    ),
    _r2(
        "warehouses_never_lost",
        "logistics",
        "warehouses that never had a lost shipment",
        "SELECT * FROM warehouses w WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.warehouse_id = w.id AND s.status = 'lost')",
    ),
    _r2(
        "parcels_without_scans",
        "logistics",
        "parcels w/o any tracking scan",
        "SELECT * FROM parcels p WHERE NOT EXISTS "
        "(SELECT 1 FROM tracking_scans t WHERE t.parcel_id = p.id)",
    ),
    _r2(
        "scans_parcel_weight_status",
        "logistics",
        "tracking scans with the parcel weight and the shipment status",
        "SELECT t.*, p.weight_kg, s.status FROM tracking_scans t "
        "JOIN parcels p ON p.id = t.parcel_id JOIN shipments s ON s.id = p.shipment_id",
    ),
    _r2(
        "parcels_warehouse_city",
        "logistics",
        "parcels + city of the warehouse they ship from",
        f"SELECT p.*, w.city {_PARCEL_SHIPMENT} JOIN warehouses w ON w.id = s.warehouse_id",
    ),
    "dedupe",
    _r2(
        "latest_shipment_per_warehouse",
        "logistics",
        "latest created shipment per warehouse",
        "SELECT DISTINCT ON (warehouse_id) * FROM shipments ORDER BY warehouse_id, created_at DESC",
    ),
    _r2(
        "first_scan_per_parcel",
        "logistics",
        "keep only the first scan of every parcel",
        "SELECT DISTINCT ON (parcel_id) * FROM tracking_scans ORDER BY parcel_id, scanned_at",
    ),
)
