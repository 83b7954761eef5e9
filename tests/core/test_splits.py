from datetime import UTC, date, datetime
from decimal import Decimal

from domain.splits import boundaries


def test_integers_split_evenly():
    assert boundaries(1, 100, 4) == ["25", "50", "75"]


def test_nothing_to_split():
    assert boundaries(None, None, 4) == []
    assert boundaries(7, 7, 4) == []
    assert boundaries(1, 100, 1) == []


def test_narrow_integer_ranges_drop_repeated_boundaries():
    assert boundaries(1, 3, 8) == ["1", "2"]


def test_decimals_dates_and_timestamps():
    assert boundaries(Decimal("0"), Decimal("1"), 2) == ["0.5"]
    assert boundaries(date(2026, 1, 1), date(2026, 1, 31), 3) == ["2026-01-11", "2026-01-21"]
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    assert boundaries(start, end, 2) == ["2026-01-01T12:00:00+00:00"]


def test_unsplittable_types_give_no_ranges():
    assert boundaries("a", "z", 4) == []
