"""The held-out half of the intent suite: rewordings of tuning.py's intents (synonyms, other word
order, a few typos), each with the same reference query.

DO NOT READ THIS FILE WHILE TUNING THE PLANNER. It measures whether the generator understands
users or only the phrasings it was tuned on; run it only to measure, and never look at its
wording to fix a failure: fix the kind of intent that failed, using tuning.py and your own cases.
"""

from __future__ import annotations

from tests.generation.intents import tuning
from tests.generation.intents.cases import Intent, reword

_TUNING = {case.id: case for case in tuning.SHOP + tuning.CRM + tuning.LOGISTICS}


def _said(case_id: str, text: str) -> Intent:
    return reword(_TUNING[case_id], text, "h")


SHOP = [
    # Plain copies and column subsets
    _said("copy_customers", "move every customer record over as is"),
    _said("copy_products", "full copy of the product catalog"),
    _said("seed_orders", "Pull the orders data out of Postgres and put it into PostgreSQL"),
    _said("subset_customers", "customer id, name, email - nothing else"),
    _said("subset_products", "I only need the product name and its price"),
    # Date ranges
    _said("orders_2024", "all orders from calendar year 2024"),
    _said("orders_jan_2024", "orders placed during Jan. 2024"),
    _said("orders_jan_2024_short", "for January 2024 orders give me id, status and total"),
    _said("orders_q4_2023", "Q4 2023 orders"),
    _said("orders_h1_2024", "orders placed in H1 2024"),
    _said("orders_last_month", "orders from the previous calendar month"),
    _said("orders_since_march_2024", "orders placed on or after 1 March 2024"),
    _said("orders_between", "orders from Feb 11 2024 to Mar 16 2024 inclusive"),
    _said("sales_q2_2023", "sales made in the second quarter of 2023"),
    _said("signups_march_2024", "events of type signup that happened in Mar 2024"),
    # Null-ness
    _said("sales_no_customer", "sales where customer_id is empty"),
    _said("sales_with_customer", "only the sales that are linked to a customer"),
    _said("customers_no_country", "customers with no country set"),
    # Value sets and comparisons
    _said("orders_pending_or_paid", "orders whose status is paid or pending"),
    _said("orders_over_900", "orders with total above 900"),
    _said("orders_under_50", "orders below 50 in total"),
    _said("shipped_at_least_500", "orders in status shipped where total >= 500"),
    _said("orders_not_cancelled", "every order except the cancelled ones"),
    _said("paid_2024_over_300", "2024 orders that are paid and have a total greater than 300"),
    _said("cheap_products", "products that cost 20 or less"),
    # Values named in words
    _said("german_customers", "customers from Germany"),
    _said("customers_fr_es", "French and Spanish customers"),
    _said("purchase_events", "events where someone purchased something"),
    _said("kitchen_products", "kitchen products"),
    _said("german_customers_2023", "customers in Germany who signed up during 2023"),
    # Typos in column names and values
    _said("typo_staus", "orders with stauts shipped"),
    _said("typo_canceled", "orders that were cancelled"),
    _said("typo_amout", "sales whose ammount is greater than 400"),
    _said("typo_costumers", "customers from itlay"),
    # Joins
    _said("orders_with_email", "orders plus the email address of the customer who placed them"),
    _said("items_with_order_date", "order items, each with its order's placed_at"),
    _said(
        "sales_with_name_left", "sales enriched with customer name, keep sales without a customer"
    ),
    _said(
        "sales_with_country_inner",
        "sales plus their customer's country; drop sales that have no customer",
    ),
    _said("customers_never_ordered", "customers without any orders"),
    _said("products_never_ordered", "products that appear in no order item"),
    _said("order_product_names", "order id, order status and product name for every order line"),
    # Computed columns
    _said("items_line_total", "order lines plus line_total = unit_price * quantity"),
    _said("orders_gross_total", "orders and their gross_total incl. 19 % VAT on top of the total"),
    # Aggregations
    _said("orders_per_country", "order count by country of the customer"),
    _said("count_avg_per_status", "for each order status: how many orders and the mean total"),
    _said("min_max_per_customer", "per customer the minimum and the maximum order total"),
    _said("revenue_per_product", "sum of quantity times unit_price for each product_id"),
    _said("revenue_per_category", "total revenue (qty x unit price) by category of product"),
    _said("top10_products_revenue", "top ten products by revenue and how much each made"),
    _said("top5_customers_spent", "which 5 customers spent the most on orders, with names"),
    _said("events_per_type", "how many events of each event_type"),
    _said("purchases_per_user", "purchases per user, counted from events"),
    _said(
        "avg_sale_per_customer_2024",
        "for 2024 sales with a customer, the average amount by customer",
    ),
    # Dedupe
    _said("dedupe_customers_email", "dedupe customers by email, keep the latest updated_at"),
    _said("latest_order_per_customer", "most recent order per customer"),
    _said("first_order_per_customer", "earliest order for every customer"),
]

CRM = [
    _said("seed_basic_etl", "Copy customer data from MySQL into PostgreSQL"),
    _said("crm_active", "customers with status active"),
    _said("crm_uk_2022", "British customers whose signup date is in 2022"),
    _said(
        "crm_high_value",
        "customers whose lifetime_value exceeds 2000: id, email, lifetime_value only",
    ),
    _said("crm_per_country_status", "customer counts broken down by country and by status"),
]

LOGISTICS = [
    # Plain copies and column subsets
    _said("copy_shipments", "copy every shipment"),
    _said("seed_carriers", "Move the carriers from Postgres to PostgreSQL"),
    _said("subset_parcels", "parcels - only the id, the shipment_id and the weight_kg"),
    # Date ranges
    _said("shipments_2024", "shipments whose created_at falls in 2024"),
    _said("delivered_march_2024", "shipments with a delivery date in Mar 2024"),
    _said("shipped_q2_2024", "shipments that left the warehouse in the second quarter of 2024"),
    _said("created_h2_2023", "shipments created from July to December 2023"),
    _said("scans_since_jan_2025", "scans recorded from 2025-01-01 onwards"),
    _said("created_between", "shipments created from June 1st to July 15th 2024"),
    _said("warehouses_opened_before_2021", "warehouses whose opened_on is earlier than 2021"),
    # Null-ness
    _said("shipments_no_carrier", "shipments where carrier_id is null"),
    _said("not_delivered", "shipments with delivered_at missing"),
    # Value sets and comparisons
    _said("lost_or_returned", "returned or lost shipments"),
    _said("heavy_shipments", "shipments with weight_kg above 80"),
    _said("cheap_shipments", "shipments whose cost is below 10"),
    _said("not_delivered_status", "all shipments except delivered ones"),
    _said("big_warehouses", "warehouses having capacity >= 8000"),
    _said("fragile_parcels", "parcels flagged as fragile"),
    _said("long_sturdy_parcels", "non-fragile parcels with length_cm of 90 or more"),
    # Values named in words
    _said("to_netherlands", "Dutch shipments (destination NL)"),
    _said("french_warehouses", "warehouses located in France"),
    _said("exception_scans", "tracking scans of type exception"),
    _said("express_carriers", "carriers offering express service"),
    _said("in_transit", "shipments currently in transit status"),
    # Typos
    _said("typo_destinaton", "shipments to the US (destination_contry)"),
    _said("typo_wiht_weight", "parcels weighing more then 25 kg"),
    _said("typo_delivred", "shipments with status delivered"),
    # Joins
    _said(
        "shipments_carrier_name_left",
        "shipments plus carrier name, keeping shipments that have no carrier",
    ),
    _said(
        "shipments_carrier_name_inner", "shipments with a carrier assigned, plus the carrier's name"
    ),
    _said("parcels_shipment_status", "each parcel together with its shipment's status"),
    _said("warehouses_never_shipped", "warehouses with no shipments at all"),
    _said("carriers_without_shipments", "carriers that have never carried a shipment"),
    _said("parcels_never_scanned", "parcels with no tracking scans"),
    _said(
        "scans_destination",
        "every tracking scan plus the destination_country of its shipment (via the parcel)",
    ),
    # Computed columns
    _said("cost_per_kg", "shipments and their cost_per_kg = cost / weight_kg"),
    _said(
        "transit_hours",
        "for shipments that were delivered, hours in transit from shipped_at to delivered_at",
    ),
    # Aggregations
    _said("shipments_per_city", "shipment count by city of the warehouse"),
    _said("carrier_count_avg_cost", "shipments per carrier (by name) and mean shipment cost"),
    _said("parcel_weight_range", "min and max parcel weight_kg for each shipment"),
    _said(
        "delivered_cost_per_country", "sum of cost of delivered shipments by destination country"
    ),
    _said("top3_warehouses", "top 3 warehouses by number of shipments, with code and count"),
    _said("avg_parcel_weight_per_status", "mean parcel weight grouped by the shipment's status"),
    _said("weighted_cost_per_warehouse", "weighted_cost = sum(cost * weight_kg) by warehouse_id"),
    # Dedupe
    _said("latest_scan_per_parcel", "most recent tracking scan for every parcel"),
    _said(
        "heaviest_parcel_per_shipment", "one parcel per shipment: the one with the highest weight"
    ),
]
