"""Probe rewordings for aggregations over the shop and logistics schemas (schemas.py).

Written for tuning the planner's aggregations without reading the held-out half: group keys on
joined tables, several aggregates at once, count/sum/avg/min/max/count distinct, expressions
inside aggregates, names given by the user, top-N with key and label columns, N per group,
conditions on an aggregate (HAVING), grouping by a date part and totals over a whole table. Each
intent is typed as a data engineer would (synonyms, short forms, word order, a few typos), with
its own reference query. Some ask what the planner should answer ``needs_review`` to (an average
of counts, "spent the most" over two tables of money): their reference is the reading a careful
engineer would pick, so a confident wrong answer shows as silently wrong.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, Schema


def _pa(id_: str, schema: Schema, text: str, sql: str) -> Intent:
    return Intent(f"pa_{id_}", schema, text, sql, kind="aggregations")


_MONTH = "CAST(date_trunc('month', {}) AS DATE)"
_YEAR = "CAST(date_trunc('year', {}) AS DATE)"

# --- The shop (PostgreSQL) -------------------------------------------------------------------

SHOP = [
    _pa(
        "order_count_by_country",
        "shop",
        "order count by country of the customer",
        "SELECT c.country, count(*) AS order_count FROM orders o "
        "JOIN customers c ON c.id = o.customer_id GROUP BY c.country",
    ),
    _pa(
        "avg_total_customer_country",
        "shop",
        "avg order total for each customer country",
        "SELECT c.country, avg(o.total) AS avg_total FROM orders o "
        "JOIN customers c ON c.id = o.customer_id GROUP BY c.country",
    ),
    _pa(
        "count_and_sum_per_status",
        "shop",
        "for each order status, how many orders and the sum of their totals",
        "SELECT status, count(*) AS order_count, sum(total) AS total_total FROM orders "
        "GROUP BY status",
    ),
    _pa(
        "price_range_per_category",
        "shop",
        "min, max and avg product price by category",
        "SELECT category, min(price) AS min_price, max(price) AS max_price, "
        "avg(price) AS avg_price FROM products GROUP BY category",
    ),
    _pa(
        "qty_sold_per_product",
        "shop",
        "total quantity sold per product_id",
        "SELECT product_id, sum(quantity) AS total_quantity FROM order_items GROUP BY product_id",
    ),
    _pa(
        "revenue_named_inline",
        "shop",
        "sum(quantity*unit_price) as revenue, per product_id",
        "SELECT product_id, sum(quantity * unit_price) AS revenue FROM order_items "
        "GROUP BY product_id",
    ),
    _pa(
        "name_before_as_total",
        "shop",
        "per order_id: item_value as the total of quantity x unit_price",
        "SELECT order_id, sum(quantity * unit_price) AS item_value FROM order_items "
        "GROUP BY order_id",
    ),
    _pa(
        "distinct_customers_per_status",
        "shop",
        "number of distinct customers per order status",
        "SELECT status, count(DISTINCT customer_id) AS customer_count FROM orders GROUP BY status",
    ),
    _pa(
        "different_products_per_order",
        "shop",
        "how many different products are in each order (order items)",
        "SELECT order_id, count(DISTINCT product_id) AS product_count FROM order_items "
        "GROUP BY order_id",
    ),
    _pa(
        "count_all_orders",
        "shop",
        "total number of orders, one row",
        "SELECT count(*) AS order_count FROM orders",
    ),
    _pa(
        "sum_all_sales",
        "shop",
        "sum of all sales amounts",
        "SELECT sum(amount) AS total_amount FROM sales",
    ),
    _pa(
        "having_order_count",
        "shop",
        "customer_ids with more than 11 orders, with the number of orders",
        "SELECT customer_id, count(*) AS order_count FROM orders GROUP BY customer_id "
        "HAVING count(*) > 11",
    ),
    _pa(
        "having_total_spent",
        "shop",
        "customers whose orders add up to over 7800 in total, with customer_id and that sum",
        "SELECT customer_id, sum(total) AS total_total FROM orders GROUP BY customer_id "
        "HAVING sum(total) > 7800",
    ),
    _pa(
        "top2_per_category",
        "shop",
        "the 2 most expensive products in every category",
        "SELECT id, name, category, price FROM (SELECT *, row_number() OVER "
        "(PARTITION BY category ORDER BY price DESC) AS n FROM products) x WHERE n <= 2",
    ),
    _pa(
        "best_selling_4",
        "shop",
        "4 best selling products by quantity, with product name and the quantity sold",
        "SELECT p.id, p.name, sum(i.quantity) AS total_quantity FROM order_items i "
        "JOIN products p ON p.id = i.product_id GROUP BY p.id, p.name "
        "ORDER BY total_quantity DESC LIMIT 4",
    ),
    _pa(
        "bottom3_categories",
        "shop",
        "the 3 categories with the lowest revenue (qty * unit price of order items)",
        "SELECT p.category, sum(i.quantity * i.unit_price) AS revenue FROM order_items i "
        "JOIN products p ON p.id = i.product_id GROUP BY p.category "
        "ORDER BY revenue LIMIT 3",
    ),
    _pa(
        "orders_per_month",
        "shop",
        "number of orders per month of placed_at",
        f"SELECT {_MONTH.format('placed_at')} AS month, count(*) AS order_count FROM orders "
        "GROUP BY 1",
    ),
    _pa(
        "yearly_order_totals",
        "shop",
        "yearly sum of order totals",
        f"SELECT {_YEAR.format('placed_at')} AS year, sum(total) AS total_total FROM orders "
        "GROUP BY 1",
    ),
    _pa(
        "events_by_user_and_type",
        "shop",
        "count events grouped by user_id and event_type",
        "SELECT user_id, event_type, count(*) AS event_count FROM events "
        "GROUP BY user_id, event_type",
    ),
    _pa(
        "avg_of_counts",
        "shop",
        "average number of orders per customer, a single figure",
        "SELECT avg(n) AS avg_orders FROM (SELECT count(*) AS n FROM orders "
        "GROUP BY customer_id) x",
    ),
    _pa(
        "spent_most",
        "shop",
        "the 5 customers who spent the most, with their name",
        "SELECT c.id, c.name, sum(o.total) AS total_spent FROM orders o "
        "JOIN customers c ON c.id = o.customer_id GROUP BY c.id, c.name "
        "ORDER BY total_spent DESC LIMIT 5",
    ),
    _pa(
        "sales_per_cust_country_typo",
        "shop",
        "sales amount summed per custmer country",
        "SELECT c.country, sum(s.amount) AS total_amount FROM sales s "
        "JOIN customers c ON c.id = s.customer_id GROUP BY c.country",
    ),
]

# --- Logistics (PostgreSQL) ------------------------------------------------------------------

LOGISTICS = [
    _pa(
        "shipments_by_carrier_name",
        "logistics",
        "count shipments by carrier name",
        "SELECT c.name, count(*) AS shipment_count FROM shipments s "
        "JOIN carriers c ON c.id = s.carrier_id GROUP BY c.name",
    ),
    _pa(
        "avg_weight_cost_per_dest",
        "logistics",
        "avg weight_kg and avg cost for each destination_country",
        "SELECT destination_country, avg(weight_kg) AS avg_weight_kg, avg(cost) AS avg_cost "
        "FROM shipments GROUP BY destination_country",
    ),
    _pa(
        "parcel_weight_sum_per_shipment",
        "logistics",
        "total parcel weight per shipment",
        "SELECT shipment_id, sum(weight_kg) AS total_weight_kg FROM parcels GROUP BY shipment_id",
    ),
    _pa(
        "fragile_per_shipment",
        "logistics",
        "number of fragile parcels per shipment_id",
        "SELECT shipment_id, count(*) AS parcel_count FROM parcels WHERE fragile "
        "GROUP BY shipment_id",
    ),
    _pa(
        "scans_per_location_type",
        "logistics",
        "scan counts per location and scan_type",
        "SELECT location, scan_type, count(*) AS tracking_scan_count FROM tracking_scans "
        "GROUP BY location, scan_type",
    ),
    _pa(
        "unique_parcels_per_location",
        "logistics",
        "number of unique parcels scanned at each location",
        "SELECT location, count(DISTINCT parcel_id) AS parcel_count FROM tracking_scans "
        "GROUP BY location",
    ),
    _pa(
        "distinct_dest_per_carrier",
        "logistics",
        "count distinct destination countries per carrier_id in shipments",
        "SELECT carrier_id, count(DISTINCT destination_country) AS destination_country_count "
        "FROM shipments GROUP BY carrier_id",
    ),
    _pa(
        "count_all_shipments",
        "logistics",
        "how many shipments are there overall",
        "SELECT count(*) AS shipment_count FROM shipments",
    ),
    _pa(
        "max_cost_overall",
        "logistics",
        "the highest shipment cost across all shipments, as a single number",
        "SELECT max(cost) AS max_cost FROM shipments",
    ),
    _pa(
        "having_warehouse_shipments",
        "logistics",
        "warehouse_ids having at least 50 shipments, with the shipment count",
        "SELECT warehouse_id, count(*) AS shipment_count FROM shipments GROUP BY warehouse_id "
        "HAVING count(*) >= 50",
    ),
    _pa(
        "having_avg_cost",
        "logistics",
        "destination countries where the average shipment cost is above 123, with that average",
        "SELECT destination_country, avg(cost) AS avg_cost FROM shipments "
        "GROUP BY destination_country HAVING avg(cost) > 123",
    ),
    _pa(
        "top2_carriers_cost",
        "logistics",
        "the two carriers with the highest total cost, with carrier name and total cost",
        "SELECT c.id, c.name, sum(s.cost) AS total_cost FROM shipments s "
        "JOIN carriers c ON c.id = s.carrier_id GROUP BY c.id, c.name "
        "ORDER BY total_cost DESC LIMIT 2",
    ),
    _pa(
        "heaviest2_per_warehouse",
        "logistics",
        "2 heaviest shipments per warehouse",
        "SELECT id, warehouse_id, carrier_id, status, destination_country, weight_kg, cost, "
        "created_at, shipped_at, delivered_at FROM (SELECT *, row_number() OVER "
        "(PARTITION BY warehouse_id ORDER BY weight_kg DESC) AS n FROM shipments) x "
        "WHERE n <= 2",
    ),
    _pa(
        "monthly_shipments_created",
        "logistics",
        "monthly count of shipments by created_at",
        f"SELECT {_MONTH.format('created_at')} AS month, count(*) AS shipment_count "
        "FROM shipments GROUP BY 1",
    ),
    _pa(
        "delivered_per_year",
        "logistics",
        "number of shipments delivered per year (by delivered_at)",
        f"SELECT {_YEAR.format('delivered_at')} AS year, count(*) AS shipment_count "
        "FROM shipments WHERE status = 'delivered' GROUP BY 1",
    ),
    _pa(
        "qty_of_parcels_per_status",
        "logistics",
        "qty of parcels per shipment status",
        "SELECT s.status, count(*) AS parcel_count FROM parcels p "
        "JOIN shipments s ON s.id = p.shipment_id GROUP BY s.status",
    ),
    _pa(
        "weighted_named_as",
        "logistics",
        "per destination_country: sum(cost*weight_kg) as weighted",
        "SELECT destination_country, sum(cost * weight_kg) AS weighted FROM shipments "
        "GROUP BY destination_country",
    ),
    _pa(
        "avg_length_fragile",
        "logistics",
        "average parcel length_cm by fragile",
        "SELECT fragile, avg(length_cm) AS avg_length_cm FROM parcels GROUP BY fragile",
    ),
    _pa(
        "latest_scan_time_per_parcel",
        "logistics",
        "most recent scanned_at per parcel_id",
        "SELECT parcel_id, max(scanned_at) AS max_scanned_at FROM tracking_scans "
        "GROUP BY parcel_id",
    ),
    _pa(
        "count_weight_cost_per_code",
        "logistics",
        "by warehouse code: number of shipments, total weight_kg and average cost",
        "SELECT w.code, count(*) AS shipment_count, sum(s.weight_kg) AS total_weight_kg, "
        "avg(s.cost) AS avg_cost FROM shipments s JOIN warehouses w ON w.id = s.warehouse_id "
        "GROUP BY w.code",
    ),
    _pa(
        "capacity_per_country",
        "logistics",
        "sum of warehouse capacity per country",
        "SELECT country, sum(capacity) AS total_capacity FROM warehouses GROUP BY country",
    ),
    _pa(
        "avg_transit_days_carrier",
        "logistics",
        "for delivered shipments, avg days between shipped_at and delivered_at per carrier_id",
        "SELECT carrier_id, avg(EXTRACT(EPOCH FROM delivered_at - shipped_at) / 86400) "
        "AS avg_days FROM shipments WHERE status = 'delivered' GROUP BY carrier_id",
    ),
]
