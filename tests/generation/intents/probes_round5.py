"""A fifth round of probes over the shop and logistics (PostgreSQL) schemas (schemas.py).

Written as data engineers type into a box, independently of the planner and the earlier probes,
each with its own reference query: copies and column subsets, filters and value sets, values named
in words, null-ness, date ranges and periods, computed columns, joins (a named column from
another table, left against inner, anti-joins, three tables), aggregations (a group key on a
joined table, several aggregates, averages and extremes, aggregates of expressions, top-N with its
measure) and dedupes, in commands and questions, lower case and terse, with a few typos. A
development set: tune against it by class of wording only.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds

SHOP = kinds(
    "copies",
    Intent("r5_copy_products", "shop", "copy products over as is", "SELECT * FROM products"),
    Intent(
        "r5_orders_three_cols",
        "shop",
        "just id, status and total from orders",
        "SELECT id, status, total FROM orders",
        only_columns=True,
    ),
    Intent(
        "r5_customers_no_timestamps",
        "shop",
        "customers but drop the created_at and updated_at columns",
        "SELECT id, name, email, country FROM customers",
        only_columns=True,
    ),
    "filters and value sets",
    Intent(
        "r5_products_20_to_50",
        "shop",
        "products priced between 20 and 50",
        "SELECT * FROM products WHERE price BETWEEN 20 AND 50",
    ),
    Intent(
        "r5_orders_not_cancelled_pending",
        "shop",
        "orders whose status isnt cancelled or pending",
        "SELECT * FROM orders WHERE status NOT IN ('cancelled', 'pending')",
    ),
    Intent(
        "r5_events_signup_purchase",
        "shop",
        "signup and purchase events only",
        "SELECT * FROM events WHERE event_type IN ('signup', 'purchase')",
    ),
    "values named in words",
    Intent(
        "r5_german_customers",
        "shop",
        "german customers",
        "SELECT * FROM customers WHERE country = 'DE'",
    ),
    Intent(
        "r5_spanish_2023",
        "shop",
        "spanish custmers who signed up in 2023",
        "SELECT * FROM customers WHERE country = 'ES' "
        "AND created_at >= '2023-01-01' AND created_at < '2024-01-01'",
    ),
    Intent(
        "r5_kitchen_toys_cheap",
        "shop",
        "kitchen or toys products cheaper than 40",
        "SELECT * FROM products WHERE category IN ('kitchen', 'toys') AND price < 40",
    ),
    Intent(
        "r5_paid_over_500",
        "shop",
        "paid orders over 500",
        "SELECT * FROM orders WHERE status = 'paid' AND total > 500",
    ),
    "null-ness",
    Intent(
        "r5_sales_with_customer",
        "shop",
        "sales that do have a customer",
        "SELECT * FROM sales WHERE customer_id IS NOT NULL",
    ),
    Intent(
        "r5_customers_no_country",
        "shop",
        "which customers are missing a country?",
        "SELECT * FROM customers WHERE country IS NULL",
    ),
    "date ranges and periods",
    Intent(
        "r5_orders_2024_q1",
        "shop",
        "orders in 2024 q1",
        "SELECT * FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2024-04-01'",
    ),
    Intent(
        "r5_sales_second_half_2023",
        "shop",
        "sales in the second half of 2023",
        "SELECT * FROM sales WHERE sold_at >= '2023-07-01' AND sold_at < '2024-01-01'",
    ),
    Intent(
        "r5_events_one_day",
        "shop",
        "events on 2024-03-15",
        "SELECT * FROM events WHERE occurred_at >= '2024-03-15' AND occurred_at < '2024-03-16'",
    ),
    Intent(
        "r5_orders_this_year",
        "shop",
        "orders placed this year",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('year', now())",
    ),
    Intent(
        "r5_customers_before_mar_2023",
        "shop",
        "customers created before march 2023",
        "SELECT * FROM customers WHERE created_at < '2023-03-01'",
    ),
    "computed columns",
    Intent(
        "r5_items_subtotal",
        "shop",
        "order_items with a subtotal column = qty*unit_price",
        "SELECT *, quantity * unit_price AS subtotal FROM order_items",
    ),
    Intent(
        "r5_customers_email_domain",
        "shop",
        "customers plus email_domain (the part of the email after the @)",
        "SELECT *, split_part(email, '@', 2) AS email_domain FROM customers",
    ),
    Intent(
        "r5_events_event_date",
        "shop",
        "events with event_date = occurred_at as a date",
        "SELECT *, occurred_at::date AS event_date FROM events",
    ),
    "joins",
    Intent(
        "r5_orders_customer_name",
        "shop",
        "orders with the customer name",
        "SELECT o.*, c.name AS customer_name "
        "FROM orders o JOIN customers c ON c.id = o.customer_id",
    ),
    Intent(
        "r5_items_product_name_category",
        "shop",
        "order items plus product name and category",
        "SELECT oi.*, p.name AS product_name, p.category "
        "FROM order_items oi JOIN products p ON p.id = oi.product_id",
    ),
    Intent(
        "r5_sales_buyer_country_keep_all",
        "shop",
        "all sales with the buyer's country, keep sales without a customer too",
        "SELECT s.*, c.country FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    Intent(
        "r5_customers_never_ordered",
        "shop",
        "customers that never placed an order",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    Intent(
        "r5_products_never_sold",
        "shop",
        "products nobody has ordered yet",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items oi WHERE oi.product_id = p.id)",
    ),
    Intent(
        "r5_items_customer_email",
        "shop",
        "order items with the email of the customer who placed the order",
        "SELECT oi.*, c.email FROM order_items oi JOIN orders o ON o.id = oi.order_id "
        "JOIN customers c ON c.id = o.customer_id",
    ),
    "aggregations",
    Intent(
        "r5_revenue_per_category",
        "shop",
        "revenue (qty * unit price) per product category",
        "SELECT p.category, sum(oi.quantity * oi.unit_price) AS revenue "
        "FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.category",
    ),
    Intent(
        "r5_orders_per_country",
        "shop",
        "how many orders per customer country",
        "SELECT c.country, count(*) AS order_count "
        "FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.country",
    ),
    Intent(
        "r5_status_count_sum_avg",
        "shop",
        "per order status: number of orders, sum of total and avg total",
        "SELECT status, count(*) AS order_count, sum(total) AS total_sum, "
        "avg(total) AS avg_total FROM orders GROUP BY status",
    ),
    Intent(
        "r5_price_stats_by_category",
        "shop",
        "min, max and average price by category",
        "SELECT category, min(price) AS min_price, max(price) AS max_price, "
        "avg(price) AS avg_price FROM products GROUP BY category",
    ),
    Intent(
        "r5_order_value_from_items",
        "shop",
        "order value per order_id computed from items as sum of quantity*unit_price",
        "SELECT order_id, sum(quantity * unit_price) AS order_value "
        "FROM order_items GROUP BY order_id",
    ),
    Intent(
        "r5_top5_customers_spent",
        "shop",
        "top 5 customers by total spent (sum of their order totals)",
        "SELECT customer_id, sum(total) AS total_spent FROM orders "
        "GROUP BY customer_id ORDER BY total_spent DESC LIMIT 5",
    ),
    Intent(
        "r5_top4_products_units",
        "shop",
        "top 4 product names by units sold",
        "SELECT p.name, sum(oi.quantity) AS units_sold "
        "FROM order_items oi JOIN products p ON p.id = oi.product_id "
        "GROUP BY p.name ORDER BY units_sold DESC LIMIT 4",
    ),
    "dedupe",
    Intent(
        "r5_dedupe_email_oldest",
        "shop",
        "one row per email in customers, keep the oldest (earliest created_at)",
        "SELECT DISTINCT ON (email) * FROM customers ORDER BY email, created_at",
    ),
    Intent(
        "r5_latest_event_per_user",
        "shop",
        "most recent event for each user",
        "SELECT DISTINCT ON (user_id) * FROM events ORDER BY user_id, occurred_at DESC",
    ),
    Intent(
        "r5_biggest_order_per_customer",
        "shop",
        "keep only each customer's biggest order by total",
        "SELECT DISTINCT ON (customer_id) * FROM orders ORDER BY customer_id, total DESC",
    ),
)

LOGISTICS = kinds(
    "copies",
    Intent("r5_copy_carriers", "logistics", "copy the carriers table", "SELECT * FROM carriers"),
    Intent(
        "r5_warehouses_code_city_cap",
        "logistics",
        "warehouses: code, city and capacity only",
        "SELECT code, city, capacity FROM warehouses",
        only_columns=True,
    ),
    "filters and value sets",
    Intent(
        "r5_shipments_heavy",
        "logistics",
        "shipments heavier than 50 kg",
        "SELECT * FROM shipments WHERE weight_kg > 50",
    ),
    Intent(
        "r5_fragile_long_parcels",
        "logistics",
        "fragile parcels longer than 80 cm",
        "SELECT * FROM parcels WHERE fragile AND length_cm > 80",
    ),
    Intent(
        "r5_shipments_to_nl_de_pl",
        "logistics",
        "shipments with destination_country in (NL, DE, PL)",
        "SELECT * FROM shipments WHERE destination_country IN ('NL', 'DE', 'PL')",
    ),
    "values named in words",
    Intent(
        "r5_delivered_to_france",
        "logistics",
        "delivered shipments going to france",
        "SELECT * FROM shipments WHERE status = 'delivered' AND destination_country = 'FR'",
    ),
    Intent(
        "r5_express_carriers",
        "logistics",
        "which carriers offer express service?",
        "SELECT * FROM carriers WHERE service_level = 'express'",
    ),
    "null-ness",
    Intent(
        "r5_shipments_no_carrier",
        "logistics",
        "shipments with no carrier assigned",
        "SELECT * FROM shipments WHERE carrier_id IS NULL",
    ),
    Intent(
        "r5_shipments_not_delivered",
        "logistics",
        "shipments that have no delivered_at",
        "SELECT * FROM shipments WHERE delivered_at IS NULL",
    ),
    "date ranges and periods",
    Intent(
        "r5_shipments_march_2024",
        "logistics",
        "shipments created in march 2024",
        "SELECT * FROM shipments WHERE created_at >= '2024-03-01' AND created_at < '2024-04-01'",
    ),
    Intent(
        "r5_warehouses_opened_before_2021",
        "logistics",
        "warehouses opened before 2021",
        "SELECT * FROM warehouses WHERE opened_on < '2021-01-01'",
    ),
    "computed columns",
    Intent(
        "r5_shipments_cost_per_kg",
        "logistics",
        "shipments plus cost_per_kg = cost / weight_kg",
        "SELECT *, cost / weight_kg AS cost_per_kg FROM shipments",
    ),
    Intent(
        "r5_shipments_transit_days",
        "logistics",
        "shipments with transit_days: days from shipped_at to delivered_at",
        "SELECT *, delivered_at::date - shipped_at::date AS transit_days FROM shipments",
    ),
    "joins",
    Intent(
        "r5_shipments_carrier_name_left",
        "logistics",
        "all shipments with their carrier name, empty when there is no carrier",
        "SELECT s.*, c.name AS carrier_name FROM shipments s "
        "LEFT JOIN carriers c ON c.id = s.carrier_id",
    ),
    Intent(
        "r5_parcels_destination",
        "logistics",
        "parcels with the destination country of their shipment",
        "SELECT p.*, s.destination_country FROM parcels p JOIN shipments s ON s.id = p.shipment_id",
    ),
    Intent(
        "r5_carriers_without_shipments",
        "logistics",
        "carriers that have no shipments",
        "SELECT * FROM carriers c WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.carrier_id = c.id)",
    ),
    Intent(
        "r5_shipments_without_parcels",
        "logistics",
        "shipments with no parcels at all",
        "SELECT * FROM shipments s WHERE NOT EXISTS "
        "(SELECT 1 FROM parcels p WHERE p.shipment_id = s.id)",
    ),
    Intent(
        "r5_parcels_warehouse_code",
        "logistics",
        "parcels with the code of the warehouse they ship from",
        "SELECT p.*, w.code AS warehouse_code FROM parcels p "
        "JOIN shipments s ON s.id = p.shipment_id JOIN warehouses w ON w.id = s.warehouse_id",
    ),
    "aggregations",
    Intent(
        "r5_shipments_per_city",
        "logistics",
        "shipment count by warehouse city",
        "SELECT w.city, count(*) AS shipment_count FROM shipments s "
        "JOIN warehouses w ON w.id = s.warehouse_id GROUP BY w.city",
    ),
    Intent(
        "r5_weight_stats_by_country",
        "logistics",
        "avg, min and max weight_kg by destination country",
        "SELECT destination_country, avg(weight_kg) AS avg_weight_kg, "
        "min(weight_kg) AS min_weight_kg, max(weight_kg) AS max_weight_kg "
        "FROM shipments GROUP BY destination_country",
    ),
    Intent(
        "r5_status_count_weight",
        "logistics",
        "number of shipments and total weight per status",
        "SELECT status, count(*) AS shipment_count, sum(weight_kg) AS total_weight "
        "FROM shipments GROUP BY status",
    ),
    Intent(
        "r5_avg_transit_by_carrier",
        "logistics",
        "avg days from shipped_at to delivered_at per carrier name, delivered shipments only",
        "SELECT c.name AS carrier_name, "
        "avg(s.delivered_at::date - s.shipped_at::date) AS avg_days "
        "FROM shipments s JOIN carriers c ON c.id = s.carrier_id "
        "WHERE s.status = 'delivered' GROUP BY c.name",
    ),
    Intent(
        "r5_top3_countries_cost",
        "logistics",
        "top 3 destination countries by total shipping cost",
        "SELECT destination_country, sum(cost) AS total_cost FROM shipments "
        "GROUP BY destination_country ORDER BY total_cost DESC LIMIT 3",
    ),
    "dedupe",
    Intent(
        "r5_latest_scan_per_parcel",
        "logistics",
        "latest scan per parcel",
        "SELECT DISTINCT ON (parcel_id) * FROM tracking_scans ORDER BY parcel_id, scanned_at DESC",
    ),
)
