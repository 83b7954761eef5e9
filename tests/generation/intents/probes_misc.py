"""Probes of the planner on typos, computed columns, date ranges, values named in words and
straight copies, over the shop and logistics schemas (schemas.py).

Written as data engineers type, independently of tuning.py and reworded.py, each with its own
reference query. A development set: the planner's engineer may tune against it, by class of
wording; the held-out half stays the measure.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds

SHOP = kinds(
    "typos",
    Intent(
        "pm_typo_custmers",
        "shop",
        "custmers with country FR",
        "SELECT * FROM customers WHERE country = 'FR'",
    ),
    Intent(
        "pm_typo_prodcuts",
        "shop",
        "prodcuts in the garden categroy",
        "SELECT * FROM products WHERE category = 'garden'",
    ),
    Intent(
        "pm_typo_pendng",
        "shop",
        "ordres that are pendng",
        "SELECT * FROM orders WHERE status = 'pending'",
    ),
    Intent(
        "pm_typo_quantiy",
        "shop",
        "order_items with quantiy above 2",
        "SELECT * FROM order_items WHERE quantity > 2",
    ),
    "computed columns",
    Intent(
        "pm_line_total",
        "shop",
        "order_items plus line_total = quantity * unit_price",
        "SELECT *, quantity * unit_price AS line_total FROM order_items",
    ),
    Intent(
        "pm_price_gross",
        "shop",
        "products with price_gross, the price incl. 19% VAT",
        "SELECT *, price * 1.19 AS price_gross FROM products",
    ),
    Intent(
        "pm_net_total",
        "shop",
        "orders with a net_total column: total divided by 1.19",
        "SELECT *, total / 1.19 AS net_total FROM orders",
    ),
    Intent(
        "pm_customer_update_days",
        "shop",
        "customers with the number of days between created_at and updated_at",
        "SELECT *, updated_at::date - created_at::date AS days FROM customers",
    ),
    "date ranges",
    Intent(
        "pm_orders_q1_2025",
        "shop",
        "orders for Q1 2025",
        "SELECT * FROM orders WHERE placed_at >= '2025-01-01' AND placed_at < '2025-04-01'",
    ),
    Intent(
        "pm_sales_h2_2024",
        "shop",
        "sales in H2 2024",
        "SELECT * FROM sales WHERE sold_at >= '2024-07-01' AND sold_at < '2025-01-01'",
    ),
    Intent(
        "pm_orders_last_year",
        "shop",
        "orders placed last year",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('year', now()) - interval '1 year' "
        "AND placed_at < date_trunc('year', now())",
    ),
    Intent(
        "pm_events_before",
        "shop",
        "events before 2024-02-01",
        "SELECT * FROM events WHERE occurred_at < '2024-02-01'",
    ),
    Intent(
        "pm_orders_from_to",
        "shop",
        "orders from 1 March 2024 to 31 March 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-03-01' AND placed_at < '2024-04-01'",
    ),
    Intent(
        "pm_customers_during_2023",
        "shop",
        "customers created during 2023",
        "SELECT * FROM customers WHERE created_at >= '2023-01-01' AND created_at < '2024-01-01'",
    ),
    "values named in words",
    Intent(
        "pm_spanish_customers",
        "shop",
        "Spanish customers",
        "SELECT * FROM customers WHERE country = 'ES'",
    ),
    Intent(
        "pm_view_events",
        "shop",
        "view events only",
        "SELECT * FROM events WHERE event_type = 'view'",
    ),
    Intent(
        "pm_book_products",
        "shop",
        "products that are books",
        "SELECT * FROM products WHERE category = 'books'",
    ),
    Intent(
        "pm_us_customers",
        "shop",
        "customers based in the United States",
        "SELECT * FROM customers WHERE country = 'US'",
    ),
    "copies and subsets",
    Intent(
        "pm_copy_orders",
        "shop",
        "just copy the orders table as-is",
        "SELECT * FROM orders",
    ),
    Intent(
        "pm_mirror_events",
        "shop",
        "mirror events",
        "SELECT * FROM events",
    ),
    Intent(
        "pm_dump_sales",
        "shop",
        "dump everything from sales",
        "SELECT * FROM sales",
    ),
)

LOGISTICS = kinds(
    "typos",
    Intent(
        "pm_typo_shipmnts",
        "logistics",
        "shipmnts that were delivred",
        "SELECT * FROM shipments WHERE status = 'delivered'",
    ),
    Intent(
        "pm_typo_servce_level",
        "logistics",
        "carreirs with servce_level express",
        "SELECT * FROM carriers WHERE service_level = 'express'",
    ),
    Intent(
        "pm_typo_warehuoses",
        "logistics",
        "warehuoses with capacity under 6000",
        "SELECT * FROM warehouses WHERE capacity < 6000",
    ),
    Intent(
        "pm_typo_retuned",
        "logistics",
        "retuned shipments",
        "SELECT * FROM shipments WHERE status = 'returned'",
    ),
    Intent(
        "pm_typo_fragle",
        "logistics",
        "fragle parcels",
        "SELECT * FROM parcels WHERE fragile",
    ),
    "computed columns",
    Intent(
        "pm_weight_tonnes",
        "logistics",
        "shipments with weight_t, weight_kg divided by 1000",
        "SELECT *, weight_kg / 1000 AS weight_t FROM shipments",
    ),
    Intent(
        "pm_transit_days",
        "logistics",
        "delivered shipments with the days between shipped and delivered",
        "SELECT *, delivered_at::date - shipped_at::date AS transit_days FROM shipments "
        "WHERE status = 'delivered'",
    ),
    Intent(
        "pm_cost_gross",
        "logistics",
        "shipments with cost_gross, cost incl. 20% VAT",
        "SELECT *, cost * 1.2 AS cost_gross FROM shipments",
    ),
    Intent(
        "pm_length_m",
        "logistics",
        "parcels with length_m = length_cm / 100",
        "SELECT *, length_cm / 100.0 AS length_m FROM parcels",
    ),
    "date ranges",
    Intent(
        "pm_created_may_2024",
        "logistics",
        "shipments created in May 2024",
        "SELECT * FROM shipments WHERE created_at >= '2024-05-01' AND created_at < '2024-06-01'",
    ),
    Intent(
        "pm_scans_q3_2023",
        "logistics",
        "tracking scans from the 3rd quarter of 2023",
        "SELECT * FROM tracking_scans "
        "WHERE scanned_at >= '2023-07-01' AND scanned_at < '2023-10-01'",
    ),
    Intent(
        "pm_delivered_since",
        "logistics",
        "shipments delivered since 2024-10-01",
        "SELECT * FROM shipments WHERE delivered_at >= '2024-10-01'",
    ),
    Intent(
        "pm_shipped_between",
        "logistics",
        "shipments shipped between March 1 2024 and April 15 2024",
        "SELECT * FROM shipments WHERE shipped_at >= '2024-03-01' AND shipped_at < '2024-04-16'",
    ),
    Intent(
        "pm_opened_after_2020",
        "logistics",
        "warehouses opened after 2020",
        "SELECT * FROM warehouses WHERE opened_on >= '2021-01-01'",
    ),
    Intent(
        "pm_created_jan_to_mar",
        "logistics",
        "shipments created from Jan 2024 to Mar 2024",
        "SELECT * FROM shipments WHERE created_at >= '2024-01-01' AND created_at < '2024-04-01'",
    ),
    "values named in words",
    Intent(
        "pm_economy_carriers",
        "logistics",
        "economy carriers",
        "SELECT * FROM carriers WHERE service_level = 'economy'",
    ),
    Intent(
        "pm_hub_scans",
        "logistics",
        "hub scans",
        "SELECT * FROM tracking_scans WHERE scan_type = 'hub'",
    ),
    Intent(
        "pm_italian_warehouses",
        "logistics",
        "warehouses in Italy",
        "SELECT * FROM warehouses WHERE country = 'IT'",
    ),
    Intent(
        "pm_to_poland",
        "logistics",
        "shipments headed to Poland",
        "SELECT * FROM shipments WHERE destination_country = 'PL'",
    ),
    "copies and subsets",
    Intent(
        "pm_copy_carriers",
        "logistics",
        "replicate carriers as-is",
        "SELECT * FROM carriers",
    ),
    Intent(
        "pm_mirror_warehouses",
        "logistics",
        "mirror the warehouses table, no changes",
        "SELECT * FROM warehouses",
    ),
    Intent(
        "pm_dump_parcels",
        "logistics",
        "dump everything from parcels",
        "SELECT * FROM parcels",
    ),
)
