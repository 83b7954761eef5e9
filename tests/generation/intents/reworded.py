"""A second, independent rewording of the tuning half: one rewording of every intent in tuning.py.

Each case says the same as its original, in the words a data engineer types into a tool
(synonyms, terse notes, chatty requests, abbreviations, some typos, values and dates in other
forms), and keeps the original's reference query and kind. It was written without seeing
heldout.py or the generator. The planner's engineer MAY tune against this file: it is a
development set; the held-out half stays the measure.
"""

from __future__ import annotations

from tests.generation.intents import tuning
from tests.generation.intents.cases import Intent, reword

_ORIGINALS = {case.id: case for case in tuning.SHOP + tuning.CRM + tuning.LOGISTICS}


def _rw(original_id: str, text: str) -> Intent:
    """The tuning case ``original_id`` in other words (same reference, same kind)."""
    return reword(_ORIGINALS[original_id], text, "rw")


# --- The shop (PostgreSQL) -------------------------------------------------------------------

SHOP = [
    # copies and subsets
    _rw("copy_customers", "dump the whole customers table as is"),
    _rw(
        "copy_products",
        "hey, can you set up a job that copies all of our products over to the target? "
        "every row and every column please",
    ),
    _rw("seed_orders", "move the orders table from our postgres db into postgres"),
    _rw("subset_customers", "customers -> id, name, email only"),
    _rw(
        "subset_products",
        "I only need two columns from products: the product name and its price, nothing else",
    ),
    # date ranges
    _rw("orders_2024", "orders 2024 only -> warehouse"),
    _rw("orders_jan_2024", "grab all orders placed between 2024-01-01 and 2024-01-31"),
    _rw("orders_jan_2024_short", "Jan '24 orders, id / total / status"),
    _rw("orders_q4_2023", "Q4 2023 orders"),
    _rw("orders_h1_2024", "pull H1 2024 orders, i.e. 1 Jan to 30 Jun 2024"),
    _rw("orders_last_month", "copy over last month's orders (the previous calendar month)"),
    _rw("orders_since_march_2024", "every order from 1 March 2024 onwards, up to today"),
    _rw(
        "orders_between",
        "orders with placed_at from Feb 11 2024 through Mar 16 2024, both days included",
    ),
    _rw("sales_q2_2023", "sales Apr–Jun 2023"),  # noqa: RUF001 (an en dash, as typed)
    _rw("signups_march_2024", "events with event_type signup during Mar 2024"),
    # null-ness
    _rw("sales_no_customer", "sales rows where customer_id is null"),
    _rw("sales_with_customer", "sync the sales table but skip any sale whose customer_id is empty"),
    _rw("customers_no_country", "customers with no country set"),
    # value sets and comparisons
    _rw("orders_pending_or_paid", "orders that are either still pending or already paid"),
    _rw("orders_over_900", "big orders: total > 900"),
    _rw("orders_under_50", "small orders, below 50 in total"),
    _rw("shipped_at_least_500", "orders with status shipped and a total of 500 or more"),
    _rw("orders_not_cancelled", "every order except the cancelled ones (staus != cancelled)"),
    _rw("paid_2024_over_300", "2024 orders that are paid and over 300 total"),
    _rw("cheap_products", "products that cost 20 or less"),
    # values named in words
    _rw("german_customers", "customers based in Germany"),
    _rw("customers_fr_es", "French and Spanish customers"),
    _rw("purchase_events", "just the purchases from the events table"),
    _rw("kitchen_products", "all kitchen products"),
    _rw("german_customers_2023", "customers in Germany that were created during 2023"),
    # typos
    _rw("typo_staus", "orders with status shiped"),
    _rw("typo_canceled", "orders that got cancled"),
    _rw("typo_amout", "sales where the ammount is above 400"),
    _rw("typo_costumers", "cutomers from Italy"),
    # joins
    _rw("orders_with_email", "add the customer email to each order"),
    _rw("items_with_order_date", "order_items, each with placed_at from its order"),
    _rw(
        "sales_with_name_left",
        "every sale plus the customer name; keep the sales that have no customer too, "
        "with the name left null",
    ),
    _rw(
        "sales_with_country_inner",
        "sales with the buying customer's country, only sales that actually have a customer "
        "(inner join)",
    ),
    _rw("customers_never_ordered", "custmers with no orders at all"),
    _rw("products_never_ordered", "prodcuts that never appear in any order item"),
    _rw("order_product_names", "order_items -> order id, order status, product name"),
    # computed columns
    _rw("items_line_total", "order items plus line_total = qty * unit_price"),
    _rw("orders_gross_total", "orders + gross_total (total incl. 19% VAT, i.e. total * 1.19)"),
    # aggregations
    _rw("orders_per_country", "count of orders by the customer's country"),
    _rw("count_avg_per_status", "per order status: # of orders and avg total"),
    _rw("min_max_per_customer", "for every customer_id the min and max order total"),
    _rw(
        "revenue_per_product",
        "product_id + revenue, where revenue is the sum of qty * unit_price over order_items",
    ),
    _rw("revenue_per_category", "total revenue per categroy (sum of qty * unit price of items)"),
    _rw(
        "top10_products_revenue",
        "top 10 products by revenue (sum of qty x unit price): product id, name, revenue",
    ),
    _rw(
        "top5_customers_spent",
        "who are our 5 biggest customers by the sum of their order totals? "
        "give me their id, name and the total they spent",
    ),
    _rw("events_per_type", "how many events of each event_type"),
    _rw("purchases_per_user", "purchase count per user_id (events of type purchase only)"),
    _rw(
        "avg_sale_per_customer_2024",
        "avg sale amt per cust for 2024, leaving out sales with no customer",
    ),
    # dedupe
    _rw(
        "dedupe_customers_email",
        "dedupe customers by email, keep the row with the latest updated_at",
    ),
    _rw("latest_order_per_customer", "most recent order per customer"),
    _rw("first_order_per_customer", "each customer's very first order (earliest placed_at)"),
]

# --- The CRM (MariaDB) -----------------------------------------------------------------------

CRM = [
    # copies and subsets
    _rw("seed_basic_etl", "pull the customers out of the MySQL CRM into Postgres"),
    # values named in words
    _rw("crm_active", "actve customers only, from the mysql crm"),
    _rw("crm_uk_2022", "British customers who signed up during 2022"),
    # value sets and comparisons
    _rw("crm_high_value", "id, email, lifetime_value only, for customers with LTV > 2000"),
    # aggregations
    _rw("crm_per_country_status", "count customers grouped by country + status"),
]

# --- Logistics (PostgreSQL) ------------------------------------------------------------------

LOGISTICS = [
    # copies and subsets
    _rw("copy_shipments", "full copy of shipments, as is"),
    _rw("seed_carriers", "move carriers from postgres to postgres"),
    _rw("subset_parcels", "parcels, columns id / shipment_id / weight_kg, nothing else"),
    # date ranges
    _rw("shipments_2024", "shipments with created_at in calendar year 2024"),
    _rw("delivered_march_2024", "shipments whose delivered_at falls in Mar 2024"),
    _rw("shipped_q2_2024", "shipments that shipped between 2024-04-01 and 2024-06-30"),
    _rw("created_h2_2023", "H2 2023 shipments by creation date"),
    _rw("scans_since_jan_2025", "all tracking scans from 2025-01-01 on"),
    _rw("created_between", "shipments created 1 Jun 2024 – 15 Jul 2024 inclusive"),  # noqa: RUF001
    _rw("warehouses_opened_before_2021", "warehouses opened in 2020 or earlier"),
    # null-ness
    _rw("shipments_no_carrier", "shipments with no carrier assigned"),
    _rw("not_delivered", "shipments where delivered_at is still null"),
    # value sets and comparisons
    _rw("lost_or_returned", "returned + lost shipments"),
    _rw("heavy_shipments", "shipments weighing more than 80 kg"),
    _rw("cheap_shipments", "shipments that cost under 10"),
    _rw("not_delivered_status", "all shipments except the ones with status delivered"),
    _rw("big_warehouses", "warehouses with capacity 8000+"),
    _rw("fragile_parcels", "parcels marked fragile"),
    _rw("long_sturdy_parcels", "non-fragile parcels with a length_cm of 90 or more"),
    # values named in words
    _rw("to_netherlands", "shipments headed for the Netherlands"),
    _rw("french_warehouses", "warehouses in France"),
    _rw("exception_scans", "tracking scans of type exception"),
    _rw("express_carriers", "carriers with the express service level"),
    _rw("in_transit", "shipments currently in transit"),
    # typos
    _rw("typo_destinaton", "shipmnets going to the United States"),
    _rw("typo_wiht_weight", "parcles over 25 kg"),
    _rw("typo_delivred", "shipments with status deliverd"),
    # joins
    _rw(
        "shipments_carrier_name_left",
        "every shipment with its carrier name (left join, null when there's no carrier)",
    ),
    _rw("shipments_carrier_name_inner", "shipments + carrier name, skip shipments w/o a carrier"),
    _rw("parcels_shipment_status", "for each parcel, also its shipment's status"),
    _rw("warehouses_never_shipped", "warehouses with zero shipments"),
    _rw(
        "carriers_without_shipments",
        "I'd like a list of the carriers that don't have a single shipment assigned to them",
    ),
    _rw("parcels_never_scanned", "parcels that have no tracking scans"),
    _rw(
        "scans_destination",
        "tracking_scans enriched with destination_country (scan -> parcel -> shipment)",
    ),
    # computed columns
    _rw("cost_per_kg", "add cost_per_kg (cost / weight_kg) to shipments"),
    _rw(
        "transit_hours",
        "delivered shipments plus transit_hours, the hours between shipped_at and delivered_at",
    ),
    # aggregations
    _rw("shipments_per_city", "shipment count by warehouse city"),
    _rw("carrier_count_avg_cost", "for each carrier name: how many shipments + avg cost"),
    _rw("parcel_weight_range", "min and max parcel weight for every shipment_id"),
    _rw(
        "delivered_cost_per_country",
        "sum of cost per destination_country, delivered shipments only",
    ),
    _rw(
        "top3_warehouses",
        "top 3 warehouses by number of shipments, show the warehouse code + the count",
    ),
    _rw("avg_parcel_weight_per_status", "avg parcel weight_kg by shipment status"),
    _rw("weighted_cost_per_warehouse", "weighted_cost by warehouse_id = sum(cost * weight_kg)"),
    # dedupe
    _rw("latest_scan_per_parcel", "latest tracking scan per parcle"),
    _rw("heaviest_parcel_per_shipment", "one parcel per shipment: the heaviest one"),
]
