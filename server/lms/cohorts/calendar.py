"""Which days a cohort teaches: Monday to Friday, less Korea's public holidays and the
institute's own closures.

The public holidays come from the ``holidays`` package (Korean names): the lunar New Year
and Chuseok, substitute holidays, election days, and the temporary holidays the government
declares, the last only once a release of the package knows them (so an upgrade matters in
a year with a late declaration; ``closures`` covers the days in between).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import holidays

WEEKDAYS = range(0, 5)  # Monday to Friday


def weekdays(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() in WEEKDAYS:
            yield day
        day += timedelta(days=1)


def closed_weekdays(
    first: date, last: date, *, public_holidays: bool, closures: Iterable[date] = ()
) -> dict[date, str | None]:
    """The weekdays from ``first`` to ``last`` with no teaching: a public holiday's Korean
    name, or None for a day the institute closes."""
    closed: dict[date, str | None] = {day: None for day in closures if first <= day <= last}
    if public_holidays:
        korea = holidays.country_holidays(
            "KR", years=range(first.year, last.year + 1), language="ko"
        )
        closed.update({d: name for d, name in korea.items() if first <= d <= last})
    return {day: name for day, name in sorted(closed.items()) if day.weekday() in WEEKDAYS}
