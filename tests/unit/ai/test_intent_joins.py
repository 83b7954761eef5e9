"""The built-in understanding of joins on a garage schema (owners, vehicles, mechanics, repairs,
invoices): anti- and semi-joins said with a verb, words that only restate how a joined table
relates to the rows, a reference's own name for the table it refers to, inner or left as worded,
and what it must leave unresolved rather than guess."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.grounding import Catalog
from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

_table = partial(table, connection="garage", schema="public")


OWNERS = _table(
    "owners",
    [("id", "integer", False), ("name", "text", False), ("email", "text", False)],
    [],
)
VEHICLES = _table(
    "vehicles",
    [
        ("id", "integer", False),
        ("owner_id", "integer", False),
        ("plate", "text", False),
        ("registered_at", "timestamptz", False),
    ],
    [["owner_id", "owners", "id"]],
)
MECHANICS = _table("mechanics", [("id", "integer", False), ("name", "text", False)], [])
REPAIRS = _table(
    "repairs",
    [
        ("id", "integer", False),
        ("vehicle_id", "integer", False),
        ("assignee_id", "integer", True),  # the mechanic, when one is assigned
        ("cost", "numeric", False),
        ("started_at", "timestamptz", False),
    ],
    [["vehicle_id", "vehicles", "id"], ["assignee_id", "mechanics", "id"]],
)
INVOICES = _table(
    "invoices",
    [("id", "integer", False), ("owner_id", "integer", False), ("amount", "numeric", False)],
    [["owner_id", "owners", "id"]],
)
GARAGE = [OWNERS, VEHICLES, MECHANICS, REPAIRS, INVOICES]


def _understood(intent: str) -> tuple[Query, str]:
    query = understand(intent, GARAGE)
    return query, select_sql(query)


def _clean(query: Query) -> bool:
    return not query.unresolved and not query.ambiguous


def test_a_verb_of_use_reads_the_one_table_referring_to_the_rows():
    for intent in ("mechanics never used", "unused mechanics", "mechanics who never handled one"):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "NOT EXISTS (SELECT 1 FROM repairs WHERE repairs.assignee_id = mechanics.id)" in sql


def test_a_verb_of_use_among_several_referring_tables_is_left_open():
    query, sql = _understood("owners who never bought anything")  # vehicles or invoices?
    assert query.unresolved, sql
    assert "EXISTS" not in sql


def test_semi_joins_said_with_at_least_one():
    for intent, child in (
        ("owners with at least one vehicle", "vehicles"),
        ("owners who have registered at least one vehicle", "vehicles"),
        ("mechanics that have been used at least once", "repairs"),
        ("owners having one or more invoices", "invoices"),
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert f"WHERE EXISTS (SELECT 1 FROM {child} WHERE" in sql, intent


def test_a_semi_join_with_more_said_of_the_other_table_is_left_open():
    query, _ = _understood("owners who have registered at least one vehicle with plate B-1")
    assert not _clean(query)


def test_words_restating_the_relation_are_understood():
    for intent in (
        "vehicles with the email of the owner who registered them",
        "vehicles plus the email of whoever owns them",
        "invoices and the name of the owner they belong to",
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "owners." in sql and "JOIN owners ON" in sql, intent


def test_a_relative_clause_saying_more_is_left_open():
    query, _ = _understood("vehicles with the email of the owner who registered them in 2024")
    assert not _clean(query)


def test_a_reference_named_by_its_own_name():
    query, sql = _understood("repairs with the name of the assignee, if any")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "mechanics.name" in sql and "LEFT JOIN mechanics ON" in sql


def test_inner_or_left_as_worded():
    query, sql = _understood("repairs with the mechanic name, even when there is no mechanic")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "LEFT JOIN mechanics" in sql
    query, sql = _understood("repairs joined to mechanics (inner) with the mechanic name")
    assert _clean(query), query.unresolved + query.ambiguous
    assert " JOIN mechanics" in sql and "LEFT JOIN" not in sql
    query, sql = _understood("only repairs with an assigned mechanic, plus that mechanic's name")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "repairs.assignee_id IS NOT NULL" in sql


def test_a_verb_is_no_misspelled_table():
    carriers = _table("carriers", [("id", "integer", False)], [])
    named = Catalog([carriers]).tables_in("carriers that carried it, carrers")
    assert [(start, end) for start, end, _ in named] == [(0, 8), (26, 33)]


def test_the_date_of_a_related_row_said_by_its_verb():
    for intent in (
        "repairs plus the date their vehicle was registered",
        "repairs and when its vehicle was registered",
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "vehicles.registered_at" in sql and "JOIN vehicles ON" in sql, intent
    query, _ = _understood("vehicles with the date their repair was started")  # many repairs
    assert not _clean(query)


def test_anti_joins_said_with_a_verb_and_no():
    for intent in ("owners that registered no vehicles", "never-used mechanics"):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "WHERE NOT EXISTS (SELECT 1 FROM" in sql, intent


def test_unassigned_rows_kept_or_dropped():
    query, sql = _understood("repairs with the mechanic name, including unassigned ones")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "LEFT JOIN mechanics" in sql
    query, sql = _understood("repairs with the mechanic name, drop unassigned ones")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "repairs.assignee_id IS NOT NULL" in sql


def test_a_join_on_its_key_keeping_only_matches_is_no_projection():
    query, sql = _understood("vehicles joined with owners on owner_id, keeping only matches")
    assert _clean(query), query.unresolved + query.ambiguous
    assert sql.startswith("SELECT vehicles.id, vehicles.owner_id, vehicles.plate, vehicles.regi")
    assert " JOIN owners ON" in sql and "LEFT JOIN" not in sql


def test_a_column_added_to_the_rows_named_last():
    for intent in (
        "add the owner email to every vehicle",
        "attach the owner's email to each vehicle",
        "vehicles, with the owner email next to it",
    ):
        query, sql = _understood(intent)
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert query.root is VEHICLES and "owners.email" in sql, intent


def test_the_rows_listed_first_with_for_each():
    query, sql = _understood("for each repair, the plate of its vehicle and the owner's email")
    assert _clean(query), query.unresolved + query.ambiguous
    assert query.root is REPAIRS and "vehicles.plate" in sql and "owners.email" in sql
    query, _ = _understood("for each owner, the number of vehicles")  # a count per owner
    assert query.root is not OWNERS or query.aggregates


def test_a_table_named_but_read_by_nothing_is_left_open():
    stock = _table("stock", [("id", "integer", False), ("warehouse_id", "integer", False)], [])
    stock.foreign_keys = [["warehouse_id", "warehouses", "id"]]
    warehouses = _table("warehouses", [("id", "integer", False), ("city", "text", False)], [])
    query = understand("stock and their warehouse", [stock, warehouses])
    assert "warehouse" in query.unresolved  # a system's name too, but here a table named
    query = understand("copy stock into the data warehouse", [stock, warehouses])
    assert _clean(query), query.unresolved + query.ambiguous


def test_rows_said_then_dropped_are_kept_out():
    query, sql = _understood("owners without vehicles excluded")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "WHERE EXISTS (SELECT 1 FROM vehicles" in sql
    query, sql = _understood("repairs with the mechanic name, repairs without a mechanic removed")
    assert _clean(query), query.unresolved + query.ambiguous
    assert "repairs.assignee_id IS NOT NULL" in sql


MEMBERS = _table("members", [("id", "integer", False), ("name", "text", False)], [])
LOANS = _table(
    "loans",
    [
        ("id", "integer", False),
        ("member_id", "integer", False),
        Column("state", "text", False, ["open", "returned", "overdue"]),
    ],
    [["member_id", "members", "id"]],
)


def test_an_anti_join_keeps_the_value_said_of_the_rows_it_looks_for():
    for intent in (
        "members with no overdue loans",
        "members who never had a loan overdue",
        "members that have never had a loan that was overdue",
        "members without any loan with state overdue",
    ):
        query = understand(intent, [MEMBERS, LOANS])
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert "JOIN" not in select_sql(query), intent  # no row repeated per loan
        assert (
            "NOT EXISTS (SELECT 1 FROM loans WHERE loans.member_id = members.id"
            " AND loans.state = 'overdue')" in select_sql(query)
        ), intent


def test_no_row_exists_and_a_relative_clause_are_anti_joins():
    for intent in ("members where no loan exists", "members no loan was made to"):
        query = understand(intent, [MEMBERS, LOANS])
        assert _clean(query), (intent, query.unresolved, query.ambiguous)
        assert select_sql(query).endswith(
            "WHERE NOT EXISTS (SELECT 1 FROM loans WHERE loans.member_id = members.id)"
        ), intent
