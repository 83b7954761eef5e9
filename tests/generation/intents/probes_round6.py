"""A sixth round of probes: two new rewordings of each tuning case (tuning.py) of the shop and the
CRM whose kind is copies and subsets, date ranges, values named in words, joins, computed columns
or aggregations.

Written as different data engineers type into a box, independently of the planner and the earlier
rewordings: synonyms (clients and buyers, purchases, SKUs, spend and revenue), changed word order,
questions and commands, terse notes, filler and a typo now and then. Each keeps its tuning case's
meaning, reference query and kind exactly. A development set: tune against it by class of wording
only.
"""

from __future__ import annotations

from dataclasses import replace

from tests.generation.intents import tuning
from tests.generation.intents.cases import Intent

# tuning id -> two rewordings (suffixes "a" and "b")
TEXTS: dict[str, tuple[str, str]] = {
    # copies and subsets
    "copy_customers": (
        "pls copy over the whole customers table",
        "i need all customer rows, every column, as they are",
    ),
    "copy_products": (
        "bring over every product",
        "can you load the full products table?",
    ),
    "seed_orders": (
        "move the orders table from postgres into postgres",
        "pull all order records out of PostgreSQL and load them into PostgreSQL",
    ),
    "subset_customers": (
        "customers -> id, name, email only",
        "i just need the id, name and email columns for each customer, nothing else",
    ),
    "subset_products": (
        "only the name and price of every product",
        "load products, keep just name + price",
    ),
    "seed_basic_etl": (
        "move customer data out of MySQL into PostgreSQL",
        "pls copy the customers from mysql to postgres",
    ),
    # date ranges
    "orders_2024": (
        "every order placed during 2024",
        "orders from calendar year 2024 pls",
    ),
    "orders_jan_2024": (
        "all orders placed in jan 2024",
        "which orders were placed during January of 2024?",
    ),
    "orders_jan_2024_short": (
        "orders placed in January 2024: just id, total, status",
        "for orders from jan 2024 give me the id, status and total",
    ),
    "orders_q4_2023": (
        "orders from Q4 2023",
        "orders placed october through december 2023",
    ),
    "orders_h1_2024": (
        "orders placed in H1 2024",
        "all orders from jan to end of june 2024",
    ),
    "orders_last_month": (
        "orders from the previous calendar month",
        "i need last month's orders",
    ),
    "orders_since_march_2024": (
        "orders placed from 1 March 2024 onwards",
        "every order placed on or after 2024-03-01",
    ),
    "orders_between": (
        "orders from 2024-02-11 to 2024-03-16 inclusive",
        "orders placed between Feb 11 2024 and March 16 2024, both days included",
    ),
    "sales_q2_2023": (
        "sales made in the second quarter of 2023",
        "all sales from april to june 2023",
    ),
    "signups_march_2024": (
        "events of type signup that occurred in march 2024",
        "signups in Mar 2024 from the events table",
    ),
    # values named in words
    "german_customers": (
        "customers based in Germany (DE)",
        "clients whose country is germany",
    ),
    "customers_fr_es": (
        "french or spanish customers",
        "customers in either spain or france",
    ),
    "purchase_events": (
        "only events whose type is purchase",
        "all the purchase events pls",
    ),
    "kitchen_products": (
        "kitchen category products",
        "which products belong to the kitchen category?",
    ),
    "german_customers_2023": (
        "customers from germany that were created during 2023",
        "clients in Germany created in 2023",
    ),
    "crm_active": (
        "pull the customers with status active from mysql",
        "only active customers from the MySQL db",
    ),
    "crm_uk_2022": (
        "UK customers with a signup date in 2022",
        "customers in the United Kingdom who signed up during 2022",
    ),
    # joins
    "orders_with_email": (
        "every order plus the email of its customer",
        "orders, add the customer email",
    ),
    "items_with_order_date": (
        "order items plus the placed_at date of the order they belong to",
        "for every order item add its order's date",
    ),
    "sales_with_name_left": (
        "every sale with its customer name if it has a customer, keep sales without one too",
        "sales left joined to customers for the name",
    ),
    "sales_with_country_inner": (
        "sales with the country of their customer, drop sales that have no customer",
        "sales inner joined with customers, add customer country",
    ),
    "customers_never_ordered": (
        "customers without any orders",
        "which clients have never placed an order?",
    ),
    "products_never_ordered": (
        "products that don't appear in any order item",
        "SKUs nobody has ever ordered",
    ),
    "order_product_names": (
        "order items: order id, order status and product name for each",
        "each order item with the id and status of its order and the name of its product",
    ),
    # computed columns
    "items_line_total": (
        "order items plus a line_total column = quantity * unit_price",
        "add line total (qty x unit price) to every order item",
    ),
    "orders_gross_total": (
        "orders plus gross_total = total * 1.19 (19% vat)",
        "i need orders with a column gross_total, i.e. total with 19 percent VAT added",
    ),
    # aggregations
    "orders_per_country": (
        "how many orders are there per customer country?",
        "count of orders by cust country",
    ),
    "count_avg_per_status": (
        "orders by status, count + avg total",
        "for each order status: how many orders and the average total",
    ),
    "min_max_per_customer": (
        "per customer the min and max order total",
        "for each customer, their lowest and highest order total",
    ),
    "revenue_per_product": (
        "sum of quantity * unit_price over order items, per product, as revenue",
        "revenue by product from order items (qty times unit price)",
    ),
    "revenue_per_category": (
        "revenue by category, quantity x unit price summed",
        "for each product category the revenue, i.e. sum of quantity * unit price",
    ),
    "top10_products_revenue": (
        "top 10 products by revenue, incl. the revenue",
        "which ten products earned the most revenue? show their revenue",
    ),
    "top5_customers_spent": (
        "the 5 customers who spent the most on orders, with name and total spent",
        "top five buyers by total order value incl their names",
    ),
    "events_per_type": (
        "how many events of each event type?",
        "number of events per event_type",
    ),
    "purchases_per_user": (
        "purchase events counted per user",
        "how many purchase events does each user have?",
    ),
    "avg_sale_per_customer_2024": (
        "avg sale amount by customer for 2024, skip sales with no customer",
        "per customer the average amount of their 2024 sales, sales with no customer excluded",
    ),
    "crm_per_country_status": (
        "count customers by country and status",
        "how many customers are there for each country / status combination?",
    ),
}


def _rewordings(cases: list[Intent]) -> list[Intent]:
    """Each listed tuning case twice, in new words, with its reference and kind unchanged."""
    return [
        replace(case, id=f"r6_{case.id}_{suffix}", text=text)
        for case in cases
        if case.id in TEXTS
        for suffix, text in zip("ab", TEXTS[case.id], strict=True)
    ]


SHOP = _rewordings(tuning.SHOP)
CRM = _rewordings(tuning.CRM)
