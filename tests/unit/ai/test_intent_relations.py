"""The built-in understanding of aggregates across tables on a school schema (teachers, courses,
students, enrollments, attendance): averages of counts, conditions on a parent's total or on a
count per value of a parent's column, counts of distinct rows through the tables between, a
grain listed among the groups or said before a measure, superlatives and slashes in a list of
aggregates, and the words that only restate how the rows relate."""

from __future__ import annotations

from functools import partial

from ai.generation.intent.sql import select_sql
from ai.generation.intent.understand import Query, understand
from tests.unit.ai.tables import table
from workflows.generation_payloads import Column

_table = partial(table, connection="school", schema="public")


TEACHERS = _table(
    "teachers",
    [("id", "integer"), ("name", "text"), Column("subject", "text", False, ["art", "math"])],
)
COURSES = _table(
    "courses",
    [
        ("id", "integer"),
        ("teacher_id", "integer", False),
        ("title", "text"),
        Column("level", "text", False, ["advanced", "beginner"]),
        ("price", "numeric"),
        Column("status", "text", False, ["cancelled", "full", "open"]),
    ],
    [["teacher_id", "teachers", "id"]],
)
STUDENTS = _table("students", [("id", "integer"), ("name", "text"), ("email", "text")])
ENROLLMENTS = _table(
    "enrollments",
    [
        ("id", "integer"),
        ("student_id", "integer", False),
        ("course_id", "integer", False),
        ("fee", "numeric"),
        Column("state", "text", False, ["active", "dropped", "finished"]),
        ("enrolled_at", "timestamptz"),
    ],
    [["student_id", "students", "id"], ["course_id", "courses", "id"]],
)
ATTENDANCE = _table(
    "attendance",
    [
        ("id", "integer"),
        ("enrollment_id", "integer", False),
        ("room", "text"),
        ("checked_at", "timestamptz"),
    ],
    [["enrollment_id", "enrollments", "id"]],
)
SCHOOL = [TEACHERS, COURSES, STUDENTS, ENROLLMENTS, ATTENDANCE]


def _understood(intent: str) -> tuple[Query, str]:
    query = understand(intent, SCHOOL)
    assert not query.unresolved and not query.ambiguous, (query.unresolved, query.ambiguous)
    return query, select_sql(query)


# --- Aggregates across tables --------------------------------------------------------------


def test_an_average_of_counts_is_the_rows_over_the_distinct_rows_they_refer_to():
    for intent in (
        "average number of enrollments per student",
        "on average, how many enrollments does a student have?",
    ):
        query, sql = _understood(intent)
        assert query.root is ENROLLMENTS
        assert sql == (
            "SELECT count(*) * 1.0 / count(DISTINCT enrollments.student_id) AS "
            "avg_enrollments_per_student FROM enrollments"
        ), intent


def test_an_average_of_counts_per_group():
    _, sql = _understood("avg number of enrollments per student for each course level")
    assert "count(*) * 1.0 / count(DISTINCT enrollments.student_id)" in sql
    assert "GROUP BY 1" in sql and "courses.level" in sql


def test_a_condition_on_the_total_of_a_parents_rows():
    query, sql = _understood("students whose enrollments add up to more than 500, with their name")
    assert query.root is ENROLLMENTS
    assert "students.name" in sql and "sum(enrollments.fee)" in sql
    assert sql.endswith("HAVING sum(enrollments.fee) > 500")


def test_distinct_rows_counted_through_the_table_between():
    query, sql = _understood("number of distinct students per teacher")
    assert query.root is ENROLLMENTS
    assert sql == (
        "SELECT courses.teacher_id, count(DISTINCT enrollments.student_id) AS student_count "
        "FROM enrollments JOIN courses ON enrollments.course_id = courses.id GROUP BY 1"
    )


def test_distinct_rows_counted_where_the_verb_says_what_the_rows_read_are():
    query, sql = _understood("unique courses attended per room")
    assert query.root is ATTENDANCE
    assert "count(DISTINCT enrollments.course_id)" in sql
    assert "GROUP BY 1" in sql and sql.startswith("SELECT attendance.room")


def test_a_grain_listed_among_the_groups_with_its_date():
    _, sql = _understood("enrollments per year & state")
    assert "date_trunc('year', enrollments.enrolled_at)" in sql and "enrollments.state" in sql
    _, sql = _understood("total fee by course level and month (enrolled_at)")
    assert "courses.level" in sql and "date_trunc('month', enrollments.enrolled_at)" in sql


def test_a_count_of_another_tables_rows_per_value_of_a_column_compared():
    query, sql = _understood("course levels with more than 30 enrollments")
    assert query.root is ENROLLMENTS
    assert sql == (
        "SELECT courses.level, count(*) AS enrollment_count FROM enrollments JOIN courses ON "
        "enrollments.course_id = courses.id GROUP BY 1 HAVING count(*) > 30"
    )


def test_a_count_per_label_of_another_table_is_per_row_of_that_table():
    _, sql = _understood("student names with more than 3 enrollments")
    assert sql.startswith("SELECT enrollments.student_id, students.name, count(*)")
    assert sql.endswith("GROUP BY 1, 2 HAVING count(*) > 3")


def test_a_measure_after_a_grain_is_its_sum_per_period():
    _, sql = _understood("monthly enrollment fee")
    assert sql == (
        "SELECT CAST(date_trunc('month', enrollments.enrolled_at) AS DATE) AS month, "
        "sum(enrollments.fee) AS total_fee FROM enrollments GROUP BY 1"
    )


def test_superlatives_listed_among_aggregates_of_one_measure():
    _, sql = _understood("cheapest, priciest and mean price of the courses per level")
    assert "min(courses.price)" in sql and "max(courses.price)" in sql
    assert "avg(courses.price)" in sql and sql.endswith("GROUP BY 1")


def test_aggregates_listed_with_slashes():
    _, sql = _understood("avg/min/max fee per course_id")
    assert "avg(enrollments.fee)" in sql and "min(enrollments.fee)" in sql
    assert "max(enrollments.fee)" in sql


# --- Words that only restate -----------------------------------------------------------------


def test_the_clause_saying_how_a_joined_row_relates_is_placed_with_the_join():
    _, sql = _understood("attendance + the title of the course they are taken for")
    assert "courses.title" in sql


def test_one_row_each_restates_the_dedupe():
    _, sql = _understood("latest attendance per enrollment, one row each")
    assert "PARTITION BY attendance.enrollment_id ORDER BY attendance.checked_at DESC" in sql
