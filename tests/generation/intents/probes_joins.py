"""Probes of joins as data engineers word them, over the shop and the logistics schemas.

Written apart from tuning.py and heldout.py, each with its own reference query: a column or a few
taken from another table, inner or left as the words imply ("only those with", "even those
without", "if any"), anti-joins ("never", "nobody", "without any"), semi-joins ("at least one"),
joins through two or three foreign keys, filters on a joined table's column, and joins with
dates, values and an order. The planner's engineer may tune against them.
"""

from __future__ import annotations

from tests.generation.intents.cases import Intent


def _shop(id_: str, text: str, sql: str, *, only_columns: bool = False) -> Intent:
    return Intent(f"pj_{id_}", "shop", text, sql, only_columns=only_columns, kind="joins")


def _logistics(id_: str, text: str, sql: str) -> Intent:
    return Intent(f"pj_{id_}", "logistics", text, sql, kind="joins")


_ORDER_CUSTOMER = "FROM orders o JOIN customers c ON c.id = o.customer_id"
_ITEM_PRODUCT = "FROM order_items i JOIN products p ON p.id = i.product_id"
_SHIPMENT_WAREHOUSE = "FROM shipments s JOIN warehouses w ON w.id = s.warehouse_id"
_SHIPMENT_CARRIER = "FROM shipments s JOIN carriers c ON c.id = s.carrier_id"
_PARCEL_SHIPMENT = "FROM parcels p JOIN shipments s ON s.id = p.shipment_id"

SHOP = [
    # one or a few columns of another table
    _shop(
        "orders_customer_name",
        "orders along with the name of the customer who placed them",
        f"SELECT o.*, c.name {_ORDER_CUSTOMER}",
    ),
    _shop(
        "items_product_name",
        "order_items including the product name",
        f"SELECT i.*, p.name {_ITEM_PRODUCT}",
    ),
    _shop(
        "items_category_price",
        "order items plus the product's category and list price",
        f"SELECT i.*, p.category, p.price {_ITEM_PRODUCT}",
    ),
    _shop(
        "events_user_email",
        "events together with the email address of the user",
        "SELECT e.*, c.email FROM events e JOIN customers c ON c.id = e.user_id",
    ),
    _shop(
        "orders_customer_created",
        "each order w/ its customer's created_at",
        f"SELECT o.*, c.created_at {_ORDER_CUSTOMER}",
    ),
    # inner or left as the words say (a sale may have no customer)
    _shop(
        "sales_email_if_any",
        "every sale together with the customer email, if any",
        "SELECT s.*, c.email FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    _shop(
        "sales_email_only_with",
        "sales with the customer email - only those with a customer",
        "SELECT s.*, c.email FROM sales s JOIN customers c ON c.id = s.customer_id",
    ),
    _shop(
        "sales_country_even_without",
        "sales and the customer's country, even sales without a customer",
        "SELECT s.*, c.country FROM sales s LEFT JOIN customers c ON c.id = s.customer_id",
    ),
    # anti-joins and semi-joins
    _shop(
        "customers_not_ordered",
        "list customers that haven't ordered anything",
        "SELECT * FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    _shop(
        "products_nobody_ordered",
        "products nobody has ordered yet",
        "SELECT * FROM products p WHERE NOT EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    _shop(
        "customers_name_email_no_order",
        "name and email of customers who did not place a single order",
        "SELECT name, email FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
        only_columns=True,
    ),
    _shop(
        "customers_at_least_one_order",
        "customers who have placed at least one order",
        "SELECT * FROM customers c WHERE EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    ),
    _shop(
        "products_ordered_once",
        "products that have been ordered at least once",
        "SELECT * FROM products p WHERE EXISTS "
        "(SELECT 1 FROM order_items i WHERE i.product_id = p.id)",
    ),
    # through two foreign keys
    _shop(
        "items_customer_email",
        "order items with the email of the customer who placed the order",
        "SELECT i.*, c.email FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN customers c ON c.id = o.customer_id",
    ),
    _shop(
        "items_product_name_order_status",
        "for every order item show the product's name and the order's status",
        "SELECT i.*, p.name, o.status FROM order_items i JOIN orders o ON o.id = i.order_id "
        "JOIN products p ON p.id = i.product_id",
    ),
    # filters on a joined table's column
    _shop(
        "orders_german_customers",
        "orders placed by customers from Germany",
        f"SELECT o.* {_ORDER_CUSTOMER} WHERE c.country = 'DE'",
    ),
    _shop(
        "items_books",
        "order items for products in the books category",
        f"SELECT i.* {_ITEM_PRODUCT} WHERE p.category = 'books'",
    ),
    _shop(
        "items_electronics_name",
        "line items of electronics products, with the product name",
        f"SELECT i.*, p.name {_ITEM_PRODUCT} WHERE p.category = 'electronics'",
    ),
    # with values, dates and an order
    _shop(
        "paid_orders_email",
        "paid orders w/ customer email",
        f"SELECT o.*, c.email {_ORDER_CUSTOMER} WHERE o.status = 'paid'",
    ),
    _shop(
        "orders_2024_name_sorted",
        "orders from 2024 with the customer's name, sorted by total descending",
        f"SELECT o.*, c.name {_ORDER_CUSTOMER} "
        "WHERE o.placed_at >= '2024-01-01' AND o.placed_at < '2025-01-01'",
    ),
    _shop(
        "big_orders_country",
        "orders over 1000 with the customers country",
        f"SELECT o.*, c.country {_ORDER_CUSTOMER} WHERE o.total > 1000",
    ),
]

LOGISTICS = [
    # one or a few columns of another table
    _logistics(
        "shipments_warehouse_city",
        "shipments along with the city of their warehouse",
        f"SELECT s.*, w.city {_SHIPMENT_WAREHOUSE}",
    ),
    _logistics(
        "shipments_warehouse_code",
        "shipments plus the warehouse code",
        f"SELECT s.*, w.code {_SHIPMENT_WAREHOUSE}",
    ),
    _logistics(
        "parcels_destination",
        "parcels with their shipment's destination country",
        f"SELECT p.*, s.destination_country {_PARCEL_SHIPMENT}",
    ),
    _logistics(
        "scans_parcel_length",
        "tracking scans including the length_cm of the parcel",
        "SELECT t.*, p.length_cm FROM tracking_scans t JOIN parcels p ON p.id = t.parcel_id",
    ),
    # inner or left as the words say (a shipment may have no carrier)
    _logistics(
        "shipments_carrier_if_any",
        "shipments with the carrier name if any",
        "SELECT s.*, c.name FROM shipments s LEFT JOIN carriers c ON c.id = s.carrier_id",
    ),
    _logistics(
        "shipments_service_level_only",
        "only shipments that have a carrier, including the carrier's service level",
        f"SELECT s.*, c.service_level {_SHIPMENT_CARRIER}",
    ),
    _logistics(
        "shipments_carrier_even_without",
        "all shipments and their carrier's name, even those without a carrier",
        "SELECT s.*, c.name FROM shipments s LEFT JOIN carriers c ON c.id = s.carrier_id",
    ),
    # anti-joins and semi-joins
    _logistics(
        "shipments_no_parcels",
        "shipments that don't have any parcels",
        "SELECT * FROM shipments s WHERE NOT EXISTS "
        "(SELECT 1 FROM parcels p WHERE p.shipment_id = s.id)",
    ),
    _logistics(
        "warehouses_lacking_shipments",
        "warehouses lacking shipments",
        "SELECT * FROM warehouses w WHERE NOT EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.warehouse_id = w.id)",
    ),
    _logistics(
        "parcels_no_single_scan",
        "parcels without a single tracking scan",
        "SELECT * FROM parcels p WHERE NOT EXISTS "
        "(SELECT 1 FROM tracking_scans t WHERE t.parcel_id = p.id)",
    ),
    _logistics(
        "carriers_at_least_one",
        "carriers that have at least one shipment",
        "SELECT * FROM carriers c WHERE EXISTS "
        "(SELECT 1 FROM shipments s WHERE s.carrier_id = c.id)",
    ),
    _logistics(
        "parcels_scanned",
        "parcels that have been scanned at least once",
        "SELECT * FROM parcels p WHERE EXISTS "
        "(SELECT 1 FROM tracking_scans t WHERE t.parcel_id = p.id)",
    ),
    # through two or three foreign keys
    _logistics(
        "parcels_warehouse_code",
        "parcels with the code of the warehouse of their shipment",
        f"SELECT p.*, w.code {_PARCEL_SHIPMENT} JOIN warehouses w ON w.id = s.warehouse_id",
    ),
    _logistics(
        "scans_warehouse_city",
        "tracking scans w/ the warehouse city (scan -> parcel -> shipment -> warehouse)",
        "SELECT t.*, w.city FROM tracking_scans t JOIN parcels p ON p.id = t.parcel_id "
        "JOIN shipments s ON s.id = p.shipment_id JOIN warehouses w ON w.id = s.warehouse_id",
    ),
    # filters on a joined table's column
    _logistics(
        "shipments_dhl",
        "shipments handled by DHL",
        f"SELECT s.* {_SHIPMENT_CARRIER} WHERE c.name = 'DHL'",
    ),
    _logistics(
        "shipments_berlin",
        "shipments from the Berlin warehouse",
        f"SELECT s.* {_SHIPMENT_WAREHOUSE} WHERE w.city = 'Berlin'",
    ),
    _logistics(
        "parcels_of_delivered",
        "parcels belonging to delivered shipments",
        f"SELECT p.* {_PARCEL_SHIPMENT} WHERE s.status = 'delivered'",
    ),
    _logistics(
        "scans_fragile",
        "tracking scans of fragile parcels",
        "SELECT t.* FROM tracking_scans t JOIN parcels p ON p.id = t.parcel_id WHERE p.fragile",
    ),
    _logistics(
        "express_carrier_name",
        "shipments sent with an express carrier, with the carrier name",
        f"SELECT s.*, c.name {_SHIPMENT_CARRIER} WHERE c.service_level = 'express'",
    ),
    # with values, dates and an order
    _logistics(
        "delivered_2024_city",
        "delivered shipments created in 2024 along with the warehouse city",
        f"SELECT s.*, w.city {_SHIPMENT_WAREHOUSE} WHERE s.status = 'delivered' "
        "AND s.created_at >= '2024-01-01' AND s.created_at < '2025-01-01'",
    ),
    _logistics(
        "heavy_parcels_status",
        "parcels heavier than 20 kg with the status of their shipment",
        f"SELECT p.*, s.status {_PARCEL_SHIPMENT} WHERE p.weight_kg > 20",
    ),
    _logistics(
        "german_warehouse_shipments",
        "shipments from warehouses in Germany with the warehouse code, newest first",
        f"SELECT s.*, w.code {_SHIPMENT_WAREHOUSE} WHERE w.country = 'DE'",
    ),
]
