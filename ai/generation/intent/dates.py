"""Dates and periods an intent names, with the real calendar: days, months ("Jan 2024"), quarters,
halves, years, relative periods against the run's date ("last month", "past 30 days"), and the
bounds around them (since, after, before, until, between … and …, from … to …).

Each period is a half-open range [lo, hi) of SQL date expressions: fixed dates are literals,
relative ones are computed from CURRENT_DATE when the pipeline runs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ai.generation.intent.lexicon import NUMBER_WORDS

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
YEAR = r"(?:19|20)\d{2}"
_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_ORDINAL = r"(?:first|1st|second|2nd|third|3rd|fourth|4th|last)"
_UNIT = r"(day|week|month|quarter|year)s?"


@dataclass
class Period:
    start: int  # span in the text
    end: int
    lo: str | None  # SQL: rows on or after
    hi: str | None  # SQL: rows before
    words: str  # the words as the intent wrote them


def _lit(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _month(word: str) -> int:
    return _MONTHS[word.lower().rstrip(".")[:3]]


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


@dataclass
class _Point:
    start: int
    end: int
    lo: str
    hi: str


def _fixed(start: int, end: int, lo: dt.date, hi: dt.date) -> _Point:
    return _Point(start, end, _lit(lo), _lit(hi))


def _relative(unit: str, back: int) -> tuple[str, str]:
    """[lo, hi) of the calendar ``unit`` ``back`` units before the current one."""
    trunc = f"CAST(date_trunc('{unit}', CURRENT_DATE) AS DATE)"
    if back == 0:
        return trunc, f"CAST({trunc} + INTERVAL '1 {unit}' AS DATE)"
    return f"CAST({trunc} - INTERVAL '{back} {unit}' AS DATE)", (
        trunc if back == 1 else f"CAST({trunc} - INTERVAL '{back - 1} {unit}' AS DATE)"
    )


def _points(text: str) -> list[_Point]:
    """Every calendar interval named in ``text`` (lower case), longest first, not overlapping."""
    found: list[_Point] = []

    def add(point: _Point) -> None:
        if all(point.end <= p.start or point.start >= p.end for p in found):
            found.append(point)

    for m in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text):
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        add(_fixed(m.start(), m.end(), day, day + dt.timedelta(days=1)))
    for m in re.finditer(
        rf"\b(?:({MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({YEAR})"
        rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH}),?\s+({YEAR}))\b",
        text,
    ):
        month, day_, year = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
        try:
            day = dt.date(int(year), _month(month), int(day_))
        except ValueError:
            continue
        add(_fixed(m.start(), m.end(), day, day + dt.timedelta(days=1)))
    # quarters: "q4 2023", "2023 q4", "the fourth quarter of 2023", "quarter 4 of 2023"
    for m in re.finditer(
        rf"\b(?:(?:the\s+)?(?:q([1-4])|({_ORDINAL})\s+quarter|quarter\s+([1-4]))(?:\s+of)?,?\s+({YEAR})"
        rf"|({YEAR})\s*-?\s*q([1-4]))\b",
        text,
    ):
        n = int(m[1] or m[3] or m[6] or 0) or (4 if m[2] == "last" else _ORD.get(m[2] or "", 0))
        year = int(m[4] or m[5])
        lo = dt.date(year, 3 * (n - 1) + 1, 1)
        add(_fixed(m.start(), m.end(), lo, _add_months(lo, 3)))
    # halves: "the first half of 2024", "h1 2024", "2024 h2", "second half 2023"
    for m in re.finditer(
        rf"\b(?:(?:the\s+)?(?:h([12])|(first|1st|second|2nd|last)\s+half)(?:\s+of)?,?\s+({YEAR})"
        rf"|({YEAR})\s*-?\s*h([12]))\b",
        text,
    ):
        n = int(m[1] or m[5] or 0) or (1 if m[2] in ("first", "1st") else 2)
        year = int(m[3] or m[4])
        lo = dt.date(year, 1 if n == 1 else 7, 1)
        point = _fixed(m.start(), m.end(), lo, _add_months(lo, 6))
        # "(January through June)" restating the half
        after = re.match(
            rf"\s*\(?\s*({MONTH})\s+(?:through|to|until|thru|-)\s+({MONTH})\s*\)?", text[m.end() :]
        )
        if after and _month(after[1]) == lo.month and _month(after[2]) == lo.month + 5:
            point.end = m.end() + after.end()
        add(point)
    # months: "january 2024", "jan 2024", "2024-01" is a month too
    for m in re.finditer(rf"\b({MONTH})(?:\s+of)?,?\s+({YEAR})\b", text):
        lo = dt.date(int(m[2]), _month(m[1]), 1)
        add(_fixed(m.start(), m.end(), lo, _add_months(lo, 1)))
    for m in re.finditer(r"\b(\d{4})-(\d{2})\b(?!-)", text):
        if 1 <= int(m[2]) <= 12:
            lo = dt.date(int(m[1]), int(m[2]), 1)
            add(_fixed(m.start(), m.end(), lo, _add_months(lo, 1)))
    # relative: "last month", "this year", "the previous quarter", "yesterday", "today"
    for m in re.finditer(
        r"\b(?:(last|previous|past|prior|this|current)\s+(day|week|month|quarter|year)"
        r"|(yesterday|today))\b",
        text,
    ):
        if m[3]:
            back = 1 if m[3] == "yesterday" else 0
            today_sql = "CURRENT_DATE - 1" if back else "CURRENT_DATE"
            add(
                _Point(
                    m.start(), m.end(), today_sql, "CURRENT_DATE" if back else "CURRENT_DATE + 1"
                )
            )
            continue
        back = 0 if m[1] in ("this", "current") else 1
        lo_sql, hi_sql = _relative(m[2], back)
        add(_Point(m.start(), m.end(), lo_sql, hi_sql))
    # years last: "2024" inside the longer forms is taken already
    for m in re.finditer(rf"(?<![\w.$-])({YEAR})(?![\w.%-])", text):
        if re.search(_NOT_A_YEAR, text[: m.start()]):
            continue  # "above 2000", "a capacity of 2000": a number
        lo = dt.date(int(m[1]), 1, 1)
        add(_fixed(m.start(), m.end(), lo, dt.date(lo.year + 1, 1, 1)))
    return sorted(found, key=lambda p: p.start)


_NOT_A_YEAR = (
    r"(?:above|over|under|below|than|least|most|exceed\w*|more|less|equals?|exactly|[<>=]"
    r"|(?:total|value|amount|capacity|price|cost|weight|quantity|count)\s+of)\s*$"
)
_BEFORE = r"(?:before|prior\s+to|earlier\s+than|older\s+than)"
_UNTIL = r"(?:until|till|through|thru|up\s+to(?:\s+and\s+including)?|to\s+the\s+end\s+of|no\s+later\s+than)"  # noqa: E501
_SINCE = (
    r"(?:since|starting(?:\s+(?:from|in|on))?|as\s+of|on\s+or\s+after|beginning(?:\s+(?:in|on))?)"
)
_AFTER = r"(?:after|later\s+than)"
_IN = r"(?:in|during|within|for|of|on)"


def periods(text: str) -> list[Period]:
    """The date ranges ``text`` (lower case) asks for, each with the words it took."""
    points = _points(text)
    out: list[Period] = []
    used: set[int] = set()
    for i, p in enumerate(points):
        if i in used:
            continue
        before = text[: p.start]
        nxt = points[i + 1] if i + 1 < len(points) else None
        if nxt is not None:
            between = text[p.end : nxt.start]
            lead = re.search(rf"\b(?:between|from|{_SINCE})\s+$", before)
            joiner = re.fullmatch(
                r"\s*(?:and|to|through|thru|until|till|-)\s*(?:the\s+end\s+of\s+)?", between
            )
            if joiner and (lead or between.strip() in ("-", "through", "thru")):
                start = lead.start() if lead else p.start
                out.append(Period(start, nxt.end, p.lo, nxt.hi, text[start : nxt.end]))
                used.update({i, i + 1})
                continue
        bound = re.search(
            rf"\b(?:(?P<before>{_BEFORE})|(?P<until>{_UNTIL})|(?P<since>{_SINCE})|(?P<after>{_AFTER})|(?P<in>{_IN}))\s+(?:the\s+)?(?P<end>end\s+of\s+)?$",
            before,
        )
        start = bound.start() if bound else p.start
        words = text[start : p.end]
        if bound and bound["before"]:
            out.append(Period(start, p.end, None, p.hi if bound["end"] else p.lo, words))
        elif bound and bound["until"]:
            out.append(Period(start, p.end, None, p.hi, words))
        elif bound and bound["since"]:
            out.append(Period(start, p.end, p.lo, None, words))
        elif bound and bound["after"]:
            out.append(Period(start, p.end, p.hi, None, words))
        else:
            out.append(Period(start, p.end, p.lo, p.hi, words))
    # "in the last 30 days", "past two weeks": from that many units ago, up to now
    for m in re.finditer(
        rf"\b(?:(?:in|during|within|over|for)\s+)?(?:the\s+)?(?:last|past|previous)\s+(\d+|{'|'.join(NUMBER_WORDS)})\s+{_UNIT}\b",
        text,
    ):
        if any(not (m.end() <= q.start or m.start() >= q.end) for q in out):
            continue
        n = int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
        lo = f"CURRENT_DATE - INTERVAL '{n} {m[2]}'"
        out.append(Period(m.start(), m.end(), f"CAST({lo} AS DATE)", None, m[0]))
    return sorted(out, key=lambda q: q.start)


def month_number(word: str) -> int | None:
    """1 to 12 for a month's name or abbreviation, else None."""
    return _MONTHS.get(word.lower().rstrip(".")[:3]) if re.fullmatch(MONTH, word.lower()) else None
