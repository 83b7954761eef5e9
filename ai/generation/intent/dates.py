"""Dates and periods an intent names, with the real calendar: days (ISO, "5 March 2024",
"03/15/2024"), months ("Jan 2024", "2024-01", "03/2024", "march '24"), runs of months
("Apr-Jun 2024", "April, May and June 2024"), quarters ("Q4 2023", "the fourth quarter of 2023"),
halves ("H1 2024", "the first half of 2024"), the first or last months of a year, years, and
periods relative to the run's date ("last month", "past 30 days", "year to date", "yesterday");
and the bounds around them (since, after, before, until, "from … onwards", "… or earlier",
between … and …, from … to …).

Each period is a half-open range [lo, hi) of SQL date expressions: fixed dates are literals,
relative ones are computed from CURRENT_DATE when the pipeline runs. A date whose reading is in
doubt ("06/07/2024": June or July?) is a period with ``doubt`` set, to be reported, never used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ai.generation.intent.grounding import near
from ai.generation.intent.lexicon import NUMBER_WORDS

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
YEAR = r"(?:(?:19|20)\d{2}|'\d{2}|(?<=/)\d{2}(?![\d/]))"  # "2024", "'24", "Q4/23"
_ORD = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "last": 4, "final": 4,
}  # fmt: skip
_ORDINAL = r"(?:first|1st|second|2nd|third|3rd|fourth|4th|last|final)"
_UNIT = r"(hour|day|week|month|quarter|year)s?"
_COUNT = rf"(\d+|{'|'.join(NUMBER_WORDS)})"
_JOIN = r"\s*(?:-|to|through|thru|until|till)\s*"  # "Apr-Jun", "april to june"
# "from jan to the end of june": the end of the last month, which the run of months ends with
_END_OF = r"(?:(?:the\s+)?end\s+of\s+)?"


@dataclass
class Period:
    start: int  # span in the text
    end: int
    lo: str | None  # SQL: rows on or after
    hi: str | None  # SQL: rows before
    words: str  # the words as the intent wrote them
    also: list[tuple[str | None, str | None]] = field(default_factory=list)  # "2022 or 2024"
    doubt: str = ""  # why the words cannot be read as one period
    restates: bool = False  # the words say an earlier period again: no condition of their own


def _lit(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _month(word: str) -> int:
    return _MONTHS[word.lower().rstrip(".")[:3]]


def _year(word: str) -> int:
    digits = word.strip("'")
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


@dataclass
class _Point:
    start: int
    end: int
    lo: str
    hi: str
    doubt: str = ""


def _fixed(start: int, end: int, lo: dt.date, hi: dt.date) -> _Point:
    return _Point(start, end, _lit(lo), _lit(hi))


def _interval(n: int, unit: str) -> str:
    """An SQL interval of ``n`` units (a quarter is three months: no database has quarters)."""
    return f"INTERVAL '{3 * n} month'" if unit == "quarter" else f"INTERVAL '{n} {unit}'"


def _relative(unit: str, back: int) -> tuple[str, str]:
    """[lo, hi) of the calendar ``unit`` ``back`` units before the current one."""
    trunc = f"CAST(date_trunc('{unit}', CURRENT_DATE) AS DATE)"
    if back == 0:
        return trunc, f"CAST({trunc} + {_interval(1, unit)} AS DATE)"
    return f"CAST({trunc} - {_interval(back, unit)} AS DATE)", (
        trunc if back == 1 else f"CAST({trunc} - {_interval(back - 1, unit)} AS DATE)"
    )


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


class _Found:
    """Calendar intervals found so far: the first pattern to claim words keeps them."""

    def __init__(self) -> None:
        self.points: list[_Point] = []

    def add(self, point: _Point) -> None:
        if all(point.end <= p.start or point.start >= p.end for p in self.points):
            self.points.append(point)

    def day(self, m: re.Match[str], day: dt.date | None, doubt: str = "") -> None:
        if day is not None:
            point = _fixed(m.start(), m.end(), day, day + dt.timedelta(days=1))
            point.doubt = doubt
            self.add(point)

    def months(self, m: re.Match[str], lo: dt.date, count: int) -> None:
        self.add(_fixed(m.start(), m.end(), lo, _add_months(lo, count)))


def _days(text: str, found: _Found) -> None:
    for m in re.finditer(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b", text):
        found.day(m, _day(int(m[1]), int(m[2]), int(m[3])))
    # "15.03.2024" is day first; "03/15/2024" and "15/03/2024" are read where only one fits,
    # and so are the other dates of the same intent ("06/01/2024 to 07/15/2024")
    numeric = list(re.finditer(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2((?:19|20)\d{2})\b", text))
    day_first = {int(m[1]) > 12 or m[2] == "." for m in numeric if max(int(m[1]), int(m[3])) > 12}
    for m in numeric:
        a, b, year = int(m[1]), int(m[3]), int(m[4])
        if m[2] == "." or a > 12 or day_first == {True}:
            found.day(m, _day(year, b, a))
        elif b > 12 or a == b or day_first == {False}:
            found.day(m, _day(year, a, b))
        else:
            found.day(m, _day(year, a, b), f"'{m[0]}' may be day/month or month/day")
    for m in re.finditer(  # "March 5, 2024", "5th of March 2024", "5-Mar-2024"
        rf"\b(?:({MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({YEAR})"
        rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH}),?\s+({YEAR})"
        rf"|(\d{{1,2}})-({MONTH})-({YEAR}))(?![\w])",
        text,
    ):
        month, day, said = (
            (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6]) if m[5] else (m[8], m[7], m[9])
        )
        found.day(m, _day(_year(said), _month(month), int(day)))


def _day_runs(text: str, found: _Found) -> None:
    """ "1 Jan to 30 Jun 2024", "from Feb 11 through Mar 16, 2024": the year said once."""
    day = (
        rf"(?:(?P<{{m}}>{MONTH})\s+(?P<{{d}}>\d{{{{1,2}}}})(?:st|nd|rd|th)?"
        rf"|(?P<{{d2}}>\d{{{{1,2}}}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<{{m2}}>{MONTH}))"
    )
    first = day.format(m="m1", d="d1", d2="e1", m2="n1")
    second = day.format(m="m2", d="d2", d2="e2", m2="n2")
    for m in re.finditer(
        rf"\b(?:(?:between|from)\s+)?{first}(?:{_JOIN}|\s+and\s+){second},?\s+(?P<year>{YEAR})(?![\w])",
        text,
    ):
        year = _year(m["year"])
        lo = _day(year, _month(m["m1"] or m["n1"]), int(m["d1"] or m["e1"]))
        hi = _day(year, _month(m["m2"] or m["n2"]), int(m["d2"] or m["e2"]))
        if lo is not None and hi is not None and lo <= hi:
            found.add(_fixed(m.start(), m.end(), lo, hi + dt.timedelta(days=1)))


def _days_of_month(text: str, found: _Found) -> None:
    """ "from 1 to 31 January 2024", "the 5th-10th of March 2024": days of one month."""
    for m in re.finditer(
        rf"\b(?:(?:between|from)\s+)?(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|to|through|thru|until"
        rf"|till|and)\s*(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH}),?\s+({YEAR})(?![\w])",
        text,
    ):
        year, month = _year(m[4]), _month(m[3])
        lo, hi = _day(year, month, int(m[1])), _day(year, month, int(m[2]))
        if lo is not None and hi is not None and lo <= hi:
            found.add(_fixed(m.start(), m.end(), lo, hi + dt.timedelta(days=1)))


def _month_runs(text: str, found: _Found) -> None:
    """ "Apr-Jun 2024", "between April and June 2024", "April, May or June 2024"."""
    for m in re.finditer(
        rf"\b(?:(?P<lead>between|from)\s+)?(?:the\s+(?:start|beginning)\s+of\s+)?(?P<a>{MONTH})"
        rf"(?P<join>{_JOIN}|\s*[\u2013\u2014]\s*|\s+and\s+){_END_OF}(?P<b>{MONTH})"
        rf"(?:\s+of)?,?\s+(?P<year>{YEAR})(?![\w])",
        text,
    ):
        if "and" in m["join"] and not m["lead"]:
            continue  # "April and June 2024": a list, below
        a, b, year = _month(m["a"]), _month(m["b"]), _year(m["year"])
        if b < a:
            found.add(_Point(m.start(), m.end(), "", "", f"'{m[0]}': which year does it start?"))
            continue
        found.months(m, dt.date(year, a, 1), b - a + 1)
    for m in re.finditer(
        rf"\b(?P<list>{MONTH}(?:\s*(?:,|and|or|&|/)\s*(?:{MONTH}))+)(?:\s+of)?,?\s+(?P<year>{YEAR})(?![\w])",
        text,
    ):
        months = [_month(w) for w in re.findall(MONTH, m["list"])]
        year = _year(m["year"])
        if months == list(range(months[0], months[0] + len(months))):
            found.months(m, dt.date(year, months[0], 1), len(months))
        else:
            found.add(_Point(m.start(), m.end(), "", "", f"'{m[0]}' is not one run of months"))


def _quarters_and_halves(text: str, found: _Found) -> None:
    sep = r"(?:\s+of|\s*[/-])?,?\s*"
    for m in re.finditer(
        rf"\bq([1-4])\s*(?:-|to|through|and|&)\s*q([1-4]){sep}({YEAR})(?![\w])", text
    ):
        a, b = int(m[1]), int(m[2])
        if a <= b:
            found.months(m, dt.date(_year(m[3]), 3 * (a - 1) + 1, 1), 3 * (b - a + 1))
    # "q4 2023", "q4/2023", "q4 '23", "2023 q4", "2023-q4", "the fourth quarter of 2023"
    for m in re.finditer(
        rf"\b(?:(?:the\s+)?(?:q([1-4])|([1-4])q|({_ORDINAL})[-\s]+quarter|quarter\s+([1-4])){sep}({YEAR})"
        rf"|((?:19|20)\d{{2}})\s*[-/]?\s*q([1-4]))(?![\w])",
        text,
    ):
        n = int(m[1] or m[2] or m[4] or m[7] or 0) or _ORD[m[3]]
        found.months(m, dt.date(_year(m[5] or m[6]), 3 * (n - 1) + 1, 1), 3)
    # "h1 2024", "1h 2024", "2024 h2", "the first half of 2024", "the second half-year 2023"
    for m in re.finditer(
        rf"\b(?:(?:the\s+)?(?:h([12])|([12])h|(first|1st|second|2nd|last|final|latter|back|front|former)[-\s]+half(?:[-\s]year)?)"
        rf"{sep}({YEAR})|((?:19|20)\d{{2}})\s*[-/]?\s*h([12]))(?![\w])",
        text,
    ):
        first = m[3] in ("first", "1st", "front", "former")
        n = int(m[1] or m[2] or m[6] or 0) or (1 if first else 2)
        lo = dt.date(_year(m[4] or m[5]), 1 if n == 1 else 7, 1)
        end = m.end()
        # "(January through June)" restating the half
        after = re.match(rf"\s*\(?\s*({MONTH}){_JOIN}({MONTH})\s*\)?", text[end:])
        if after and _month(after[1]) == lo.month and _month(after[2]) == lo.month + 5:
            end += after.end()
        found.add(_fixed(m.start(), end, lo, _add_months(lo, 6)))
    # "q1 of this year", "the second half of last year", "h2 last year": of a year said by
    # where it lies from today
    for m in re.finditer(
        rf"\b(?:the\s+)?(?:q([1-4])|({_ORDINAL})[-\s]+quarter|h([12])|({_ORDINAL})[-\s]+half"
        r"(?:[-\s]year)?)(?:\s+of)?,?\s+(?:the\s+)?(this|current|last|previous|prior)\s+year\b",
        text,
    ):
        quarter = int(m[1] or 0) or (_ORD[m[2]] if m[2] else 0)
        said_half = m[4] or ""
        half = int(m[3] or 0) or (
            1
            if said_half in ("first", "1st")
            else 2
            if said_half in ("second", "2nd", "last")
            else 0
        )
        if not quarter and not half:
            continue
        start_of_year = _relative("year", 0 if m[5] in ("this", "current") else 1)[0]
        skipped, length = (3 * (quarter - 1), 3) if quarter else (6 * (half - 1), 6)
        begin = (
            f"CAST({start_of_year} + INTERVAL '{skipped} month' AS DATE)"
            if skipped
            else start_of_year
        )
        found.add(
            _Point(m.start(), m.end(), begin, f"CAST({begin} + INTERVAL '{length} month' AS DATE)")
        )
    # "the first three months of 2024", "the last 6 months of 2023", "the final month of 2023"
    for m in re.finditer(
        rf"\b(?:the\s+)?(first|last|final)\s+(?:{_COUNT}\s+)?(month|quarter)s?\s+of\s+({YEAR})(?![\w])",
        text,
    ):
        months = _count(m[2]) * (3 if m[3] == "quarter" else 1) if m[2] else 0
        months = months or (3 if m[3] == "quarter" else 1)
        if not 1 <= months <= 12:
            continue
        year = _year(m[4])
        lo = (
            dt.date(year, 1, 1)
            if m[1] == "first"
            else _add_months(dt.date(year + 1, 1, 1), -months)
        )
        found.months(m, lo, months)


def _months(text: str, found: _Found) -> None:
    for m in re.finditer(
        rf"\b(?:the\s+month\s+of\s+)?({MONTH})(?:\s+of)?,?(?:\s+|-)({YEAR})(?![\w])", text
    ):
        found.months(m, dt.date(_year(m[2]), _month(m[1]), 1), 1)
    for m in re.finditer(
        r"(?<![\w/.-])(?:(\d{4})[-/](\d{1,2})|(\d{1,2})/(\d{4}))(?![\w/.-])", text
    ):
        year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        if 1 <= month <= 12 and 1900 <= year < 2100:
            found.months(m, dt.date(year, month, 1), 1)


def _relatives(text: str, found: _Found) -> None:
    today, tomorrow = "CURRENT_DATE", "CAST(CURRENT_DATE + 1 AS DATE)"
    for m in re.finditer(
        r"\b(?:(year|month|quarter|week)[-\s]to[-\s]date|(ytd|mtd|qtd)"
        r"|so\s+far\s+this\s+(year|month|quarter|week)|(?:this|the\s+current)\s+(year|month|quarter|week)\s+so\s+far)\b",
        text,
    ):
        unit = m[1] or m[3] or m[4] or {"ytd": "year", "mtd": "month", "qtd": "quarter"}[m[2]]
        found.add(_Point(m.start(), m.end(), _relative(unit, 0)[0], tomorrow))
    for m in re.finditer(rf"\b{_COUNT}\s+{_UNIT}\s+ago\b", text):
        n, unit = _count(m[1]), m[2]
        if unit == "hour":
            moment = f"CURRENT_TIMESTAMP - INTERVAL '{n} hour'"
            found.add(_Point(m.start(), m.end(), moment, moment))
            continue
        day = f"CAST(CURRENT_DATE - {_interval(n, unit)} AS DATE)"
        found.add(_Point(m.start(), m.end(), day, f"CAST({day} + 1 AS DATE)"))
    for m in re.finditer(
        r"\b(?:(?:the\s+)?(last|previous|prior|this|current)\s+(?:(?:calendar|full|complete|whole)\s+)?"
        r"(day|week|month|quarter|year)"
        r"|(?:the\s+)?(past)\s+(day|week|month|quarter|year)|(yesterday|today))\b",
        text,
    ):
        if m[5]:
            back = m[5] == "yesterday"
            yesterday = "CAST(CURRENT_DATE - 1 AS DATE)"
            found.add(
                _Point(
                    m.start(), m.end(), yesterday if back else today, today if back else tomorrow
                )
            )
        elif m[3]:  # "the past month": the calendar month before, or the last 30 days?
            doubt = f"'{m[0]}': the {m[4]} before this one, or the last {m[4]} up to today?"
            found.add(_Point(m.start(), m.end(), "", "", doubt))
        else:
            back = 0 if m[1] in ("this", "current") else 1
            found.add(_Point(m.start(), m.end(), *_relative(m[2], back)))


def _points(text: str) -> list[_Point]:
    """Every calendar interval named in ``text`` (lower case), longest first, not overlapping."""
    found = _Found()
    _day_runs(text, found)
    _days_of_month(text, found)
    _days(text, found)
    _month_runs(text, found)
    _quarters_and_halves(text, found)
    _months(text, found)
    _relatives(text, found)
    for m in re.finditer(r"(?<![\w.$/-])((?:19|20)\d{2})\s*-\s*((?:19|20)\d{2})(?![\w.%/-])", text):
        first, last = int(m[1]), int(m[2])  # "2019-2021"
        if first < last and not re.search(_NOT_A_YEAR, text[: m.start()]):
            found.add(_fixed(m.start(), m.end(), dt.date(first, 1, 1), dt.date(last + 1, 1, 1)))
    # years last: "2024" inside the longer forms is taken already
    for m in re.finditer(
        r"(?:\b(?:the\s+)?(?:(?:calendar\s+|fiscal\s+)?year|calendar)\s+)?"
        r"(?:(?<=pre-)|(?<=post-)|(?<![\w.$/-]))((?:19|20)\d{2})(?![\w.%/-])"
        r"(?:\s*\(\s*(?:the\s+)?(?:whole|full|entire|complete)\s+year\s*\))?",
        text,
    ):
        if re.search(_NOT_A_YEAR, text[: m.start()]):
            continue  # "above 2000", "a capacity of 2000": a number
        if "fiscal" in m[0]:
            found.add(
                _Point(m.start(), m.end(), "", "", f"'{m[0]}': when does the fiscal year start?")
            )
            continue
        lo = dt.date(int(m[1]), 1, 1)
        found.add(_fixed(m.start(), m.end(), lo, dt.date(lo.year + 1, 1, 1)))
    return sorted(found.points, key=lambda p: p.start)


_NOT_A_YEAR = (
    r"(?:above|over|under|below|(?<!later )(?<!earlier )(?<!sooner )(?<!newer )(?<!older )"
    r"(?<!recent )than|least|most|exceed\w*|more|less|equals?|exactly|[<>=$€£]"
    r"|(?:total|value|amount|capacity|price|cost|weight|quantity|count)\s+of)\s*$"
)
_BEFORE = r"(?:before|prior\s+to|earlier\s+than|older\s+than|until\s+before|<|pre-)"
_UNTIL = (
    r"(?:until|till|through|thru|up\s+to(?:\s+and\s+including)?|to\s+the\s+end\s+of|no\s+later\s+than"
    r"|on\s+or\s+before|in\s+or\s+before|not\s+after|at\s+the\s+latest|as\s+late\s+as|<=|=<"
    r"|by(?=\s+(?:the\s+)?end\s+of))"
)
_SINCE = (
    r"(?:since|starting(?:\s+(?:from|in|on|with))?|as\s+of|on\s+or\s+after|beginning(?:\s+(?:in|on|with))?"
    r"|in\s+or\s+after|in\s+or\s+since|not\s+before|no\s+earlier\s+than|from\s+the\s+start\s+of"
    r"|>=|=>)"
)
_AFTER = r"(?:after|later\s+than|newer\s+than|more\s+recent\s+than|past|>|post-)"
_IN = r"(?:in|during|within|for|of|on|from|throughout|over)"
# after the date: "from March 2024 onwards", "2020 or earlier"
_ONWARDS = (
    r"(?:\s*,)?\s+(?:(?:and|or)\s+(?:later|after|beyond|newer|since)|onwards?|forwards?"
    r"|on(?=\s*(?:$|[,.;)]))|to\s+date|to\s+(?:the\s+)?present|(?:up\s+)?(?:to|until|till)\s+(?:now|today))\b"
)
_EARLIER = r"(?:\s*,)?\s+(?:and|or)\s+(?:earlier|before|older|prior)\b"
_EDGE = (
    r"(?:\s*,)?\s*\(?\s*(?:(?:both\s+)?(?:inclusive|inclusively|included|exclusive)"
    r"|(?:with\s+|including\s+|inclusive\s+of\s+)?both\s+(?:days|dates|ends|bounds)(?:\s+(?:included|inclusive))?"
    r"|(?:end|last)\s+(?:day|date)\s+(?:included|inclusive))\s*\)?"
)
# words that say the same period again: "H1 2024, i.e. 1 Jan to 30 Jun", "(the previous month)"
_RESTATED = (
    r"(?:\(|\bi\.?\s?e\.?,?|\bthat\s+is,?|\bnamely|\bmeaning|:)\s*"
    r"(?:from\s+|between\s+)?(?:the\s+)?$"
)


_MONTH_NAMES = (
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip


def _month_typo(m: re.Match[str]) -> str:
    """A mistyped month's name as its abbreviation, padded to keep the text's length."""
    word = m[0]
    if re.fullmatch(MONTH, word):
        return word
    for name in _MONTH_NAMES:
        if word[0] == name[0] and near(word, name):
            return name[:3].ljust(len(word))
    return word


def _one_day(p: _Point) -> bool:
    found = [dt.date.fromisoformat(x) for x in re.findall(r"DATE '([\d-]+)'", p.lo + p.hi)]
    return len(found) == 2 and found[1] - found[0] == dt.timedelta(days=1)


def periods(text: str) -> list[Period]:
    """The date ranges ``text`` (lower case) asks for, each with the words it took."""
    original = text
    text = re.sub(r"'(?=\d{4}-)|(?<=\d)'", " ", text)  # "between '2024-02-11' and …"
    text = re.sub(r"\b[a-z]{5,9}\b", _month_typo, text)  # "Janaury 2024", "Febuary"
    points = _points(text)
    out: list[Period] = []
    used: set[int] = set()
    for i, p in enumerate(points):
        if i in used:
            continue
        before = text[: p.start]
        nxt = points[i + 1] if i + 1 < len(points) else None
        if p.doubt:
            out.append(Period(p.start, p.end, None, None, text[p.start : p.end], doubt=p.doubt))
            continue
        said = re.search(_RESTATED, before)
        if said and any((q.lo, q.hi) == (p.lo, p.hi) for q in points[:i]):
            closing = re.match(r"\s*\)", text[p.end :])
            end = p.end + (closing.end() if closing else 0)
            out.append(
                Period(said.start(), end, None, None, text[said.start() : end], restates=True)
            )
            continue
        if nxt is not None and not nxt.doubt:
            between = text[p.end : nxt.start]
            lead = re.search(
                rf"\b(?:(?:on\s+or\s+|in\s+or\s+)?between|from|{_SINCE})\s+"
                r"(?:the\s+)?(?:(?:start|beginning)\s+of\s+)?$",
                before,
            )
            joiner = re.fullmatch(
                r"\s*,?\s*(?:and|to|through|thru|until|till|-|\.\.\.?|up\s+to(?:\s+and\s+including)?)"
                r"\s*(?:(?:the\s+)?end\s+of\s+|the\s+)?",
                between,
            )
            listed = re.fullmatch(r"\s*(?:,|and|or|&|/|,\s*and|,\s*or)\s*", between)
            if joiner and (lead or "and" not in between):
                start = lead.start() if lead else p.start
                end, hi = nxt.end, nxt.hi
                edge = re.match(_EDGE, text[end:])
                if edge:
                    end += edge.end()
                    hi = nxt.lo if "exclusive" in edge[0] else hi
                out.append(Period(start, end, p.lo, hi, text[start:end]))
                used.update({i, i + 1})
                continue
            if listed and not lead:  # "in 2022 or 2024", "in 2023 and 2024": either of them
                run = [p, nxt]
                used.update({i, i + 1})
                j = i + 2
                while j < len(points) and re.fullmatch(
                    listed.re, text[run[-1].end : points[j].start]
                ):
                    run.append(points[j])
                    used.add(j)
                    j += 1
                bound = re.search(rf"\b{_IN}\s+(?:the\s+)?$", before)
                start = bound.start() if bound else p.start
                merged = Period(start, run[-1].end, run[0].lo, run[0].hi, text[start : run[-1].end])
                for q in run[1:]:
                    if q.lo == merged.hi:
                        merged.hi = q.hi
                    else:
                        merged.also.append((q.lo, q.hi))
                out.append(merged)
                continue
        bound = re.search(
            rf"(?<![\w<>=-])(?:(?P<before>{_BEFORE})|(?P<until>{_UNTIL})|(?P<since>{_SINCE})|(?P<after>{_AFTER})|(?P<in>{_IN}))\s*"
            r"(?:the\s+)?(?:(?P<end>end\s+of\s+)|(?P<begin>(?:start|beginning)\s+of\s+))?(?:the\s+)?$",
            before,
        )
        start = bound.start() if bound else p.start
        end = p.end
        onwards = re.match(_ONWARDS, text[end:])
        earlier = re.match(_EARLIER, text[end:])
        if onwards and (not bound or bound["in"] or bound["since"]):
            end += onwards.end()
            period = Period(start, end, p.lo, None, text[start:end])
        elif earlier and (not bound or bound["in"]):
            end += earlier.end()
            period = Period(start, end, None, p.hi, text[start:end])  # "2020 or before": 2020 too
        elif bound and bound["before"]:
            period = Period(start, end, None, p.hi if bound["end"] else p.lo, text[start:end])
        elif bound and bound["until"]:
            period = Period(start, end, None, p.lo if bound["begin"] else p.hi, text[start:end])
        elif bound and (bound["since"] or (bound["in"] == "from" and _one_day(p))):
            # "from 1 March 2024": from that day on
            period = Period(start, end, p.hi if bound["end"] else p.lo, None, text[start:end])
        elif bound and bound["after"]:
            period = Period(start, end, p.lo if bound["begin"] else p.hi, None, text[start:end])
        elif bound and (bound["end"] or bound["begin"]):
            period = Period(p.start, end, p.lo, p.hi, text[p.start : end])  # "in the end of"?
            period.doubt = f"'{text[start:end]}': which days?"
        else:
            period = Period(start, end, p.lo, p.hi, text[start:end])
        out.append(period)
    # "in the last 30 days", "past two weeks": from that many units ago, up to now
    for m in re.finditer(
        rf"\b(?:(?:in|during|within|over|for|from)\s+)?(?:the\s+)?(?:last|past|previous|prior|recent)\s+{_COUNT}\s+{_UNIT}\b",
        text,
    ):
        if any(not (m.end() <= q.start or m.start() >= q.end) for q in out):
            continue
        n, unit = _count(m[1]), m[2]
        lo = f"CURRENT_DATE - {_interval(n, unit)}"
        lo = f"CURRENT_TIMESTAMP - INTERVAL '{n} hour'" if unit == "hour" else f"CAST({lo} AS DATE)"
        out.append(Period(m.start(), m.end(), lo, None, m[0]))
    for period in out:
        period.words = original[period.start : period.end]
    return sorted(out, key=lambda q: q.start)


def month_number(word: str) -> int | None:
    """1 to 12 for a month's name or abbreviation, else None."""
    return _MONTHS.get(word.lower().rstrip(".")[:3]) if re.fullmatch(MONTH, word.lower()) else None
