"""The tuning half of the intent suite: base phrasings, each with its reference query.

The planner's engineer may read and tune against this file. Its rewordings live in heldout.py,
which is for measuring only.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds

# --- The shop (PostgreSQL) -------------------------------------------------------------------

ORDER_COLUMNS = "id, customer_id, status, total, placed_at"

SHOP = kinds(
    "copies and subsets",
    Intent("copy_customers", "shop", "Copy the customers table", "SELECT * FROM customers"),
    Intent("copy_products", "shop", "Load all products", "SELECT * FROM products"),
    Intent(
        "seed_orders",
        "shop",
        "Extract order data from PostgreSQL and load to PostgreSQL",
        "SELECT * FROM orders",
    ),
    Intent(
        "subset_customers",
        "shop",
        "Load only id, name and email of customers",
        "SELECT id, name, email FROM customers",
        only_columns=True,
    ),
    Intent(
        "subset_products",
        "shop",
        "products: just name and price",
        "SELECT name, price FROM products",
        only_columns=True,
    ),
    "date ranges",
    Intent(
        "orders_2024",
        "shop",
        "Load orders placed in 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2025-01-01'",
    ),
    Intent(
        "orders_jan_2024",
        "shop",
        "orders from January 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2024-02-01'",
    ),
    Intent(
        "orders_jan_2024_short",
        "shop",
        "id, total and status of orders placed Jan 2024",
        "SELECT id, total, status FROM orders "
        "WHERE placed_at >= '2024-01-01' AND placed_at < '2024-02-01'",
    ),
    Intent(
        "orders_q4_2023",
        "shop",
        "orders placed in the fourth quarter of 2023",
        "SELECT * FROM orders WHERE placed_at >= '2023-10-01' AND placed_at < '2024-01-01'",
    ),
    Intent(
        "orders_h1_2024",
        "shop",
        "orders from the first half of 2024 (January through June)",
        "SELECT * FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2024-07-01'",
    ),
    Intent(
        "orders_last_month",
        "shop",
        "orders placed last month",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('month', now()) - interval '1 month' "
        "AND placed_at < date_trunc('month', now())",
    ),
    Intent(
        "orders_since_march_2024",
        "shop",
        "all orders since March 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-03-01'",
    ),
    Intent(
        "orders_between",
        "shop",
        "orders placed between 2024-02-11 and 2024-03-16",
        "SELECT * FROM orders WHERE placed_at >= '2024-02-11' AND placed_at < '2024-03-17'",
    ),
    Intent(
        "sales_q2_2023",
        "shop",
        "sales from Q2 2023",
        "SELECT * FROM sales WHERE sold_at >= '2023-04-01' AND sold_at < '2023-07-01'",
    ),
    Intent(
        "signups_march_2024",
        "shop",
        "signup events in March 2024",
        "SELECT * FROM events WHERE event_type = 'signup' "
        "AND occurred_at >= '2024-03-01' AND occurred_at < '2024-04-01'",
    ),
    "null-ness",
    Intent(
        "sales_no_customer",
        "shop",
        "sales that have no customer",
        "SELECT * FROM sales WHERE customer_id IS NULL",
    ),
    Intent(
        "sales_with_customer",
        "shop",
        "Load sales, ignoring sales without a customer",
        "SELECT * FROM sales WHERE customer_id IS NOT NULL",
    ),
    Intent(
        "customers_no_country",
        "shop",
        "customers whose country is missing",
        "SELECT * FROM customers WHERE country IS NULL",
    ),
    "value sets and comparisons",
    Intent(
        "orders_pending_or_paid",
        "shop",
        "pending or paid orders",
        "SELECT * FROM orders WHERE status IN ('pending', 'paid')",
    ),
    Intent(
        "orders_over_900",
        "shop",
        "orders whose total exceeds 900",
        "SELECT * FROM orders WHERE total > 900",
    ),
    Intent(
        "orders_under_50",
        "shop",
        "orders with a total under 50",
        "SELECT * FROM orders WHERE total < 50",
    ),
    Intent(
        "shipped_at_least_500",
        "shop",
        "shipped orders with a total of at least 500",
        "SELECT * FROM orders WHERE status = 'shipped' AND total >= 500",
    ),
    Intent(
        "orders_not_cancelled",
        "shop",
        "all orders that are not cancelled",
        "SELECT * FROM orders WHERE status <> 'cancelled'",
    ),
    Intent(
        "paid_2024_over_300",
        "shop",
        "paid orders of more than 300 placed in 2024",
        "SELECT * FROM orders WHERE status = 'paid' AND total > 300 "
        "AND placed_at >= '2024-01-01' AND placed_at < '2025-01-01'",
    ),
    Intent(
        "cheap_products",
        "shop",
        "products priced at most 20",
        "SELECT * FROM products WHERE price <= 20",
    ),
    "values named in words",
    Intent(
        "german_customers",
        "shop",
        "German customers (country DE)",
        "SELECT * FROM customers WHERE country = 'DE'",
    ),
    Intent(
        "customers_fr_es",
        "shop",
        "customers from France or Spain",
        "SELECT * FROM customers WHERE country IN ('FR', 'ES')",
    ),
    Intent(
        "purchase_events",
        "shop",
        "purchase events",
        "SELECT * FROM events WHERE event_type = 'purchase'",
    ),
    Intent(
        "kitchen_products",
        "shop",
        "products in the kitchen category",
        "SELECT * FROM products WHERE category = 'kitchen'",
    ),
    Intent(
        "german_customers_2023",
        "shop",
        "German customers created in 2023",
        "SELECT * FROM customers WHERE country = 'DE' "
        "AND created_at >= '2023-01-01' AND created_at < '2024-01-01'",
    ),
    "typos",
    Intent(
        "typo_staus",
        "shop",
        "orders where staus is shipped",
        "SELECT * FROM orders WHERE status = 'shipped'",
    ),
    Intent(
        "typo_canceled",
        "shop",
        "canceled orders",
        "SELECT * FROM orders WHERE status = 'cancelled'",
    ),
    Intent(
        "typo_amout",
        "shop",
        "sales with amout over 400",
        "SELECT * FROM sales WHERE amount > 400",
    ),
    Intent(
        "typo_costumers",
        "shop",
        "costumers from Italy",
        "SELECT * FROM customers WHERE country = 'IT'",
    ),
    "joins",
    Intent(
        "orders_with_email",
        "shop",
        "orders with the customer's email",
        f"SELECT o.{ORDER_COLUMNS.replace(', ', ', o.')}, c.email "
        "FROM orders o JOIN customers c ON c.id = o.customer_id",
    ),
    Intent(
        "items_with_order_date",
        "shop",
        "order items with the order date of their order",
        "SELECT i.*, o.placed_at FROM order_items i JOIN orders o ON o.id = i.order_id",
    ),
    Intent(
        "sales_with_name_left",
        "shop",
        "all sales with the customer's name where there is one",
        "SELECT s.*, c.name FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    Intent(
        "sales_with_country_inner",
        "shop",
        "sales joined to their customers, keeping only sales that have a customer, "
        "with the customer's country",
        "SELECT s.*, c.country FROM sales s JOIN customers c ON c.id = s.customer_id",
    ),
    Intent(
        "customers_never_ordered",
        "shop",
        "customers who never placed an order",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    Intent(
        "products_never_ordered",
        "shop",
        "products that were never ordered",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    Intent(
        "order_product_names",
        "shop",
        "for each order item: the order id, the order status and the product name",
        "SELECT o.id AS order_id, o.status, p.name FROM order_items i "
        "JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product_id",
    ),
    "computed columns",
    Intent(
        "items_line_total",
        "shop",
        "order items with a line total, quantity times unit price",
        "SELECT i.*, i.quantity * i.unit_price AS line_total FROM order_items i",
    ),
    Intent(
        "orders_gross_total",
        "shop",
        "orders with a gross_total column, the total plus 19% VAT",
        "SELECT *, total * 1.19 AS gross_total FROM orders",
    ),
    "aggregations",
    Intent(
        "orders_per_country",
        "shop",
        "number of orders per customer country",
        "SELECT c.country, count(*) AS order_count FROM orders o "
        "JOIN customers c ON c.id = o.customer_id GROUP BY c.country",
    ),
    Intent(
        "count_avg_per_status",
        "shop",
        "number of orders and average order total per status",
        "SELECT status, count(*) AS order_count, avg(total) AS avg_total "
        "FROM orders GROUP BY status",
    ),
    Intent(
        "min_max_per_customer",
        "shop",
        "smallest and largest order total per customer",
        "SELECT customer_id, min(total) AS min_total, max(total) AS max_total "
        "FROM orders GROUP BY customer_id",
    ),
    Intent(
        "revenue_per_product",
        "shop",
        "revenue per product, revenue = sum(quantity * unit_price) of order items",
        "SELECT product_id, sum(quantity * unit_price) AS revenue "
        "FROM order_items GROUP BY product_id",
    ),
    Intent(
        "revenue_per_category",
        "shop",
        "revenue per product category, as the sum of quantity times unit price",
        "SELECT p.category, sum(i.quantity * i.unit_price) AS revenue FROM order_items i "
        "JOIN products p ON p.id = i.product_id GROUP BY p.category",
    ),
    Intent(
        "top10_products_revenue",
        "shop",
        "the 10 products with the highest revenue, with their revenue",
        "SELECT p.id, p.name, sum(i.quantity * i.unit_price) AS revenue FROM order_items i "
        "JOIN products p ON p.id = i.product_id GROUP BY p.id, p.name "
        "ORDER BY revenue DESC LIMIT 10",
    ),
    Intent(
        "top5_customers_spent",
        "shop",
        "top 5 customers by total order value, with their name",
        "SELECT c.id, c.name, sum(o.total) AS total_spent FROM orders o "
        "JOIN customers c ON c.id = o.customer_id GROUP BY c.id, c.name "
        "ORDER BY total_spent DESC LIMIT 5",
    ),
    Intent(
        "events_per_type",
        "shop",
        "count events per event type",
        "SELECT event_type, count(*) AS event_count FROM events GROUP BY event_type",
    ),
    Intent(
        "purchases_per_user",
        "shop",
        "number of purchase events per user",
        "SELECT user_id, count(*) AS purchase_count FROM events "
        "WHERE event_type = 'purchase' GROUP BY user_id",
    ),
    Intent(
        "avg_sale_per_customer_2024",
        "shop",
        "average sale amount per customer in 2024, ignoring sales without a customer",
        "SELECT customer_id, avg(amount) AS avg_amount FROM sales WHERE customer_id IS NOT NULL "
        "AND sold_at >= '2024-01-01' AND sold_at < '2025-01-01' GROUP BY customer_id",
    ),
    "dedupe",
    Intent(
        "dedupe_customers_email",
        "shop",
        "customers, keeping only the most recently updated row for each email",
        "SELECT DISTINCT ON (email) * FROM customers ORDER BY email, updated_at DESC",
    ),
    Intent(
        "latest_order_per_customer",
        "shop",
        "the latest order of each customer",
        "SELECT DISTINCT ON (customer_id) * FROM orders ORDER BY customer_id, placed_at DESC",
    ),
    Intent(
        "first_order_per_customer",
        "shop",
        "the first order of each customer",
        "SELECT DISTINCT ON (customer_id) * FROM orders ORDER BY customer_id, placed_at",
    ),
)

# --- The CRM (MariaDB) -----------------------------------------------------------------------

CRM = kinds(
    "copies and subsets",
    Intent(
        "seed_basic_etl",
        "crm",
        "Extract customer data from MySQL and load to PostgreSQL",
        "SELECT * FROM customers",
        target_database=True,
    ),
    "values named in words",
    Intent(
        "crm_active",
        "crm",
        "Load active customers from MySQL",
        "SELECT * FROM customers WHERE status = 'active'",
    ),
    Intent(
        "crm_uk_2022",
        "crm",
        "customers from the UK who signed up in 2022",
        "SELECT * FROM customers WHERE country = 'GB' "
        "AND signup_date >= '2022-01-01' AND signup_date < '2023-01-01'",
    ),
    "value sets and comparisons",
    Intent(
        "crm_high_value",
        "crm",
        "only id, email and lifetime_value of customers with a lifetime value above 2000",
        "SELECT id, email, lifetime_value FROM customers WHERE lifetime_value > 2000",
        only_columns=True,
    ),
    "aggregations",
    Intent(
        "crm_per_country_status",
        "crm",
        "number of customers per country and status",
        "SELECT country, status, count(*) AS customer_count FROM customers "
        "GROUP BY country, status",
    ),
)

# --- Logistics (PostgreSQL) ------------------------------------------------------------------

LOGISTICS = kinds(
    "copies and subsets",
    Intent(
        "copy_shipments", "logistics", "Replicate the shipments table", "SELECT * FROM shipments"
    ),
    Intent(
        "seed_carriers",
        "logistics",
        "Extract carrier data from PostgreSQL and load to PostgreSQL",
        "SELECT * FROM carriers",
    ),
    Intent(
        "subset_parcels",
        "logistics",
        "just id, shipment_id and weight_kg from parcels",
        "SELECT id, shipment_id, weight_kg FROM parcels",
        only_columns=True,
    ),
    "date ranges",
    Intent(
        "shipments_2024",
        "logistics",
        "shipments created in 2024",
        "SELECT * FROM shipments WHERE created_at >= '2024-01-01' AND created_at < '2025-01-01'",
    ),
    Intent(
        "delivered_march_2024",
        "logistics",
        "shipments delivered in March 2024",
        "SELECT * FROM shipments "
        "WHERE delivered_at >= '2024-03-01' AND delivered_at < '2024-04-01'",
    ),
    Intent(
        "shipped_q2_2024",
        "logistics",
        "shipments shipped in Q2 2024",
        "SELECT * FROM shipments WHERE shipped_at >= '2024-04-01' AND shipped_at < '2024-07-01'",
    ),
    Intent(
        "created_h2_2023",
        "logistics",
        "shipments created in the second half of 2023",
        "SELECT * FROM shipments WHERE created_at >= '2023-07-01' AND created_at < '2024-01-01'",
    ),
    Intent(
        "scans_since_jan_2025",
        "logistics",
        "tracking scans since January 2025",
        "SELECT * FROM tracking_scans WHERE scanned_at >= '2025-01-01'",
    ),
    Intent(
        "created_between",
        "logistics",
        "shipments created between 2024-06-01 and 2024-07-15",
        "SELECT * FROM shipments WHERE created_at >= '2024-06-01' AND created_at < '2024-07-16'",
    ),
    Intent(
        "warehouses_opened_before_2021",
        "logistics",
        "warehouses opened before 2021",
        "SELECT * FROM warehouses WHERE opened_on < '2021-01-01'",
    ),
    "null-ness",
    Intent(
        "shipments_no_carrier",
        "logistics",
        "shipments without a carrier",
        "SELECT * FROM shipments WHERE carrier_id IS NULL",
    ),
    Intent(
        "not_delivered",
        "logistics",
        "shipments that have no delivered_at yet",
        "SELECT * FROM shipments WHERE delivered_at IS NULL",
    ),
    "value sets and comparisons",
    Intent(
        "lost_or_returned",
        "logistics",
        "shipments that are lost or returned",
        "SELECT * FROM shipments WHERE status IN ('lost', 'returned')",
    ),
    Intent(
        "heavy_shipments",
        "logistics",
        "shipments heavier than 80 kg",
        "SELECT * FROM shipments WHERE weight_kg > 80",
    ),
    Intent(
        "cheap_shipments",
        "logistics",
        "shipments costing less than 10",
        "SELECT * FROM shipments WHERE cost < 10",
    ),
    Intent(
        "not_delivered_status",
        "logistics",
        "shipments whose status is not delivered",
        "SELECT * FROM shipments WHERE status <> 'delivered'",
    ),
    Intent(
        "big_warehouses",
        "logistics",
        "warehouses with a capacity of at least 8000",
        "SELECT * FROM warehouses WHERE capacity >= 8000",
    ),
    Intent(
        "fragile_parcels",
        "logistics",
        "fragile parcels",
        "SELECT * FROM parcels WHERE fragile",
    ),
    Intent(
        "long_sturdy_parcels",
        "logistics",
        "parcels that are not fragile and at least 90 cm long",
        "SELECT * FROM parcels WHERE NOT fragile AND length_cm >= 90",
    ),
    "values named in words",
    Intent(
        "to_netherlands",
        "logistics",
        "shipments going to the Netherlands",
        "SELECT * FROM shipments WHERE destination_country = 'NL'",
    ),
    Intent(
        "french_warehouses",
        "logistics",
        "French warehouses",
        "SELECT * FROM warehouses WHERE country = 'FR'",
    ),
    Intent(
        "exception_scans",
        "logistics",
        "exception scans",
        "SELECT * FROM tracking_scans WHERE scan_type = 'exception'",
    ),
    Intent(
        "express_carriers",
        "logistics",
        "express carriers",
        "SELECT * FROM carriers WHERE service_level = 'express'",
    ),
    Intent(
        "in_transit",
        "logistics",
        "shipments in transit",
        "SELECT * FROM shipments WHERE status = 'in_transit'",
    ),
    "typos",
    Intent(
        "typo_destinaton",
        "logistics",
        "shipments with destinaton_country US",
        "SELECT * FROM shipments WHERE destination_country = 'US'",
    ),
    Intent(
        "typo_wiht_weight",
        "logistics",
        "parcels wiht weigth over 25 kg",
        "SELECT * FROM parcels WHERE weight_kg > 25",
    ),
    Intent(
        "typo_delivred",
        "logistics",
        "delivred shipments",
        "SELECT * FROM shipments WHERE status = 'delivered'",
    ),
    "joins",
    Intent(
        "shipments_carrier_name_left",
        "logistics",
        "all shipments with their carrier's name, empty when no carrier is assigned",
        "SELECT s.*, c.name FROM shipments s LEFT JOIN carriers c ON c.id = s.carrier_id",
    ),
    Intent(
        "shipments_carrier_name_inner",
        "logistics",
        "shipments that have a carrier, with the carrier name",
        "SELECT s.*, c.name FROM shipments s JOIN carriers c ON c.id = s.carrier_id",
    ),
    Intent(
        "parcels_shipment_status",
        "logistics",
        "parcels with the status of their shipment",
        "SELECT p.*, s.status FROM parcels p JOIN shipments s ON s.id = p.shipment_id",
    ),
    Intent(
        "warehouses_never_shipped",
        "logistics",
        "warehouses that have never shipped anything",
        "SELECT * FROM warehouses w WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.warehouse_id = w.id)",
    ),
    Intent(
        "carriers_without_shipments",
        "logistics",
        "carriers without any shipments",
        "SELECT * FROM carriers c WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.carrier_id = c.id)",
    ),
    Intent(
        "parcels_never_scanned",
        "logistics",
        "parcels that were never scanned",
        "SELECT * FROM parcels p WHERE NOT EXISTS "
        "(SELECT 1 FROM tracking_scans t WHERE t.parcel_id = p.id)",
    ),
    Intent(
        "scans_destination",
        "logistics",
        "tracking scans with the destination country of the parcel's shipment",
        "SELECT t.*, s.destination_country FROM tracking_scans t "
        "JOIN parcels p ON p.id = t.parcel_id JOIN shipments s ON s.id = p.shipment_id",
    ),
    "computed columns",
    Intent(
        "cost_per_kg",
        "logistics",
        "shipments with cost per kg, cost divided by weight_kg",
        "SELECT s.*, s.cost / s.weight_kg AS cost_per_kg FROM shipments s",
    ),
    Intent(
        "transit_hours",
        "logistics",
        "delivered shipments with the transit time in hours, delivered_at minus shipped_at",
        "SELECT *, EXTRACT(EPOCH FROM delivered_at - shipped_at) / 3600 AS transit_hours "
        "FROM shipments WHERE status = 'delivered'",
    ),
    "aggregations",
    Intent(
        "shipments_per_city",
        "logistics",
        "number of shipments per warehouse city",
        "SELECT w.city, count(*) AS shipment_count FROM shipments s "
        "JOIN warehouses w ON w.id = s.warehouse_id GROUP BY w.city",
    ),
    Intent(
        "carrier_count_avg_cost",
        "logistics",
        "per carrier name, the number of shipments and the average cost",
        "SELECT c.name, count(*) AS shipment_count, avg(s.cost) AS avg_cost FROM shipments s "
        "JOIN carriers c ON c.id = s.carrier_id GROUP BY c.name",
    ),
    Intent(
        "parcel_weight_range",
        "logistics",
        "lightest and heaviest parcel weight per shipment",
        "SELECT shipment_id, min(weight_kg) AS min_weight_kg, max(weight_kg) AS max_weight_kg "
        "FROM parcels GROUP BY shipment_id",
    ),
    Intent(
        "delivered_cost_per_country",
        "logistics",
        "total shipping cost per destination country for delivered shipments",
        "SELECT destination_country, sum(cost) AS total_cost FROM shipments "
        "WHERE status = 'delivered' GROUP BY destination_country",
    ),
    Intent(
        "top3_warehouses",
        "logistics",
        "the 3 warehouses with the most shipments, with their code and shipment count",
        "SELECT w.id, w.code, count(*) AS shipment_count FROM shipments s "
        "JOIN warehouses w ON w.id = s.warehouse_id GROUP BY w.id, w.code "
        "ORDER BY shipment_count DESC, w.id LIMIT 3",
        columns=("code", "shipment_count"),
    ),
    Intent(
        "avg_parcel_weight_per_status",
        "logistics",
        "average parcel weight per shipment status",
        "SELECT s.status, avg(p.weight_kg) AS avg_weight_kg FROM parcels p "
        "JOIN shipments s ON s.id = p.shipment_id GROUP BY s.status",
    ),
    Intent(
        "weighted_cost_per_warehouse",
        "logistics",
        "per warehouse_id, the sum of cost times weight_kg as weighted_cost",
        "SELECT warehouse_id, sum(cost * weight_kg) AS weighted_cost FROM shipments "
        "GROUP BY warehouse_id",
    ),
    "dedupe",
    Intent(
        "latest_scan_per_parcel",
        "logistics",
        "the latest scan of each parcel",
        "SELECT DISTINCT ON (parcel_id) * FROM tracking_scans ORDER BY parcel_id, scanned_at DESC",
    ),
    Intent(
        "heaviest_parcel_per_shipment",
        "logistics",
        "for each shipment keep only its heaviest parcel",
        "SELECT DISTINCT ON (shipment_id) * FROM parcels ORDER BY shipment_id, weight_kg DESC",
    ),
)
