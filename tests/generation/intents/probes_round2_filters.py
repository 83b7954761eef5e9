"""A second round of probes on filters, computed columns and copies, over the shop and logistics
schemas (schemas.py).

Written as data engineers type, independently of tuning.py, reworded.py and the first probes,
each with its own reference query: date ranges in many phrasings (years, months, quarters,
halves, "since", "before", "between … and …", a month without its year on a table whose rows lie
in one year, one period relative to today), null-ness ("without a …", "missing …", "that have a
…"), value sets and comparisons, values named in words (status synonyms, country names, categories
and event types), typos in table, column and value names, computed columns, and straight copies.
A development set: the planner's engineer may tune against it, by class of wording; the held-out
half stays the measure.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent, kinds

SHOP = kinds(
    "date ranges",
    Intent(
        "pf_sales_q4_2023",
        "shop",
        "sales from Q4 2023",
        "SELECT * FROM sales WHERE sold_at >= '2023-10-01' AND sold_at < '2024-01-01'",
    ),
    Intent(
        "pf_events_during_march",
        "shop",
        "events during March",  # the events all lie in 2024
        "SELECT * FROM events WHERE EXTRACT(MONTH FROM occurred_at) = 3",
    ),
    Intent(
        "pf_customers_before_july_2022",
        "shop",
        "customers that signed up before July 2022",
        "SELECT * FROM customers WHERE created_at < '2022-07-01'",
    ),
    Intent(
        "pf_orders_between_days",
        "shop",
        "need the orders between 5 Jan 2024 and 20 Jan 2024",
        "SELECT * FROM orders WHERE placed_at >= '2024-01-05' AND placed_at < '2024-01-21'",
    ),
    Intent(
        "pf_sales_second_half_2023",
        "shop",
        "second half of 2023 sales",
        "SELECT * FROM sales WHERE sold_at >= '2023-07-01' AND sold_at < '2024-01-01'",
    ),
    Intent(
        "pf_orders_this_year",
        "shop",
        "this year's orders",
        "SELECT * FROM orders WHERE placed_at >= date_trunc('year', now())",
    ),
    "null-ness",
    Intent(
        "pf_customers_without_country",
        "shop",
        "customers without a country",
        "SELECT * FROM customers WHERE country IS NULL",
    ),
    Intent(
        "pf_sales_missing_customer",
        "shop",
        "sales missing the customer id",
        "SELECT * FROM sales WHERE customer_id IS NULL",
    ),
    Intent(
        "pf_customers_that_have_country",
        "shop",
        "only customers that have a country filled in",
        "SELECT * FROM customers WHERE country IS NOT NULL",
    ),
    "value sets and comparisons",
    Intent(
        "pf_orders_shipped_or_cancelled",
        "shop",
        "orders that are shipped or cancelled",
        "SELECT * FROM orders WHERE status IN ('shipped', 'cancelled')",
    ),
    Intent(
        "pf_orders_except_cancelled",
        "shop",
        "all orders except the cancelled ones",
        "SELECT * FROM orders WHERE status <> 'cancelled'",
    ),
    Intent(
        "pf_products_between_10_20",
        "shop",
        "products priced between 10 and 20",
        "SELECT * FROM products WHERE price BETWEEN 10 AND 20",
    ),
    Intent(
        "pf_sales_no_more_than_50",
        "shop",
        "sales of no more than 50",
        "SELECT * FROM sales WHERE amount <= 50",
    ),
    "values named in words",
    Intent(
        "pf_customers_germany_france",
        "shop",
        "customers from Germany or France",
        "SELECT * FROM customers WHERE country IN ('DE', 'FR')",
    ),
    Intent(
        "pf_toy_products",
        "shop",
        "toy products",
        "SELECT * FROM products WHERE category = 'toys'",
    ),
    Intent(
        "pf_signup_events",
        "shop",
        "sign-up events",
        "SELECT * FROM events WHERE event_type = 'signup'",
    ),
    "typos",
    Intent(
        "pf_typo_ordrs_totl",
        "shop",
        "ordrs with a totl over 800",
        "SELECT * FROM orders WHERE total > 800",
    ),
    Intent(
        "pf_typo_evnets_purchse",
        "shop",
        "evnets of type purchse",
        "SELECT * FROM events WHERE event_type = 'purchase'",
    ),
    Intent(
        "pf_typo_prodcts_electronic",
        "shop",
        "prodcts in the electronic category",
        "SELECT * FROM products WHERE category = 'electronics'",
    ),
    "computed columns",
    Intent(
        "pf_items_line_total",
        "shop",
        "order items + line total = qty x price",
        "SELECT *, quantity * unit_price AS line_total FROM order_items",
    ),
    Intent(
        "pf_products_price_vat",
        "shop",
        "products, add a price with 20% VAT",
        "SELECT *, price * 1.2 AS price_with_vat FROM products",
    ),
    Intent(
        "pf_orders_total_cents",
        "shop",
        "orders with the total in cents",
        "SELECT *, total * 100 AS total_cents FROM orders",
    ),
    "copies",
    Intent(
        "pf_move_customers",
        "shop",
        "just move the customers table over",
        "SELECT * FROM customers",
    ),
)

LOGISTICS = kinds(
    "date ranges",
    Intent(
        "pf_shipments_h1_2024",
        "logistics",
        "shipments created in the first half of 2024",
        "SELECT * FROM shipments WHERE created_at >= '2024-01-01' AND created_at < '2024-07-01'",
    ),
    Intent(
        "pf_scans_feb_2024",
        "logistics",
        "scans in feb 2024",
        "SELECT * FROM tracking_scans "
        "WHERE scanned_at >= '2024-02-01' AND scanned_at < '2024-03-01'",
    ),
    Intent(
        "pf_delivered_before_june_2023",
        "logistics",
        "shipments delivered before 2023-06-01",
        "SELECT * FROM shipments WHERE delivered_at < '2023-06-01'",
    ),
    Intent(
        "pf_warehouses_since_2021",
        "logistics",
        "warehouses opened since 2021",
        "SELECT * FROM warehouses WHERE opened_on >= '2021-01-01'",
    ),
    Intent(
        "pf_shipped_between_days",
        "logistics",
        "shipments shipped between 10 Jan 2024 and 20 Feb 2024",
        "SELECT * FROM shipments WHERE shipped_at >= '2024-01-10' AND shipped_at < '2024-02-21'",
    ),
    "null-ness",
    Intent(
        "pf_shipments_missing_carrier",
        "logistics",
        "shipments missing a carrier",
        "SELECT * FROM shipments WHERE carrier_id IS NULL",
    ),
    Intent(
        "pf_shipments_have_delivery_date",
        "logistics",
        "shipments that have a delivery date",
        "SELECT * FROM shipments WHERE delivered_at IS NOT NULL",
    ),
    Intent(
        "pf_shipments_without_shipped_at",
        "logistics",
        "shipments without a shipped_at",
        "SELECT * FROM shipments WHERE shipped_at IS NULL",
    ),
    "value sets and comparisons",
    Intent(
        "pf_shipments_transit_or_lost",
        "logistics",
        "shipments which are in transit or lost",
        "SELECT * FROM shipments WHERE status IN ('in_transit', 'lost')",
    ),
    Intent(
        "pf_shipments_not_returned",
        "logistics",
        "shipments not returned",
        "SELECT * FROM shipments WHERE status <> 'returned'",
    ),
    Intent(
        "pf_parcels_10_to_20_kg",
        "logistics",
        "parcels weighing between 10 and 20 kg",
        "SELECT * FROM parcels WHERE weight_kg BETWEEN 10 AND 20",
    ),
    Intent(
        "pf_warehouses_capacity_at_least",
        "logistics",
        "warehouses with a capacity of at least 6000",
        "SELECT * FROM warehouses WHERE capacity >= 6000",
    ),
    Intent(
        "pf_shipments_cost_under_50",
        "logistics",
        "shipments costing under 50",
        "SELECT * FROM shipments WHERE cost < 50",
    ),
    "values named in words",
    Intent(
        "pf_shipments_en_route",
        "logistics",
        "shipments still en route",
        "SELECT * FROM shipments WHERE status = 'in_transit'",
    ),
    Intent(
        "pf_shipments_to_spain_italy",
        "logistics",
        "shipments going to Spain or Italy",
        "SELECT * FROM shipments WHERE destination_country IN ('ES', 'IT')",
    ),
    Intent(
        "pf_inactive_carriers",
        "logistics",
        "inactive carriers",
        "SELECT * FROM carriers WHERE NOT active",
    ),
    Intent(
        "pf_out_for_delivery_scans",
        "logistics",
        "out for delivery scans",
        "SELECT * FROM tracking_scans WHERE scan_type = 'out_for_delivery'",
    ),
    "typos",
    Intent(
        "pf_typo_shipmnets_heavier",
        "logistics",
        "shipmnets heavier than 80 kg",
        "SELECT * FROM shipments WHERE weight_kg > 80",
    ),
    Intent(
        "pf_typo_scans_hambrug",
        "logistics",
        "trackng scans in Hambrug",
        "SELECT * FROM tracking_scans WHERE location = 'Hamburg'",
    ),
    Intent(
        "pf_typo_standrd_carriers",
        "logistics",
        "carriers with service level standrd",
        "SELECT * FROM carriers WHERE service_level = 'standard'",
    ),
    "computed columns",
    Intent(
        "pf_shipments_weight_grams",
        "logistics",
        "shipments with the weight in grams",
        "SELECT *, weight_kg * 1000 AS weight_g FROM shipments",
    ),
    Intent(
        "pf_delivered_hours_in_transit",
        "logistics",
        "delivered shipments plus the hours from shipped to delivered",
        "SELECT *, EXTRACT(EPOCH FROM delivered_at - shipped_at) / 3600 AS hours_in_transit "
        "FROM shipments WHERE status = 'delivered'",
    ),
    Intent(
        "pf_shipments_days_to_delivery",
        "logistics",
        "shipments with the number of days from creation to delivery",
        "SELECT *, EXTRACT(EPOCH FROM delivered_at - created_at) / 86400 AS days_to_delivery "
        "FROM shipments",
    ),
    "copies",
    Intent(
        "pf_copy_all_shipments",
        "logistics",
        "copy all shipments",
        "SELECT * FROM shipments",
    ),
)
