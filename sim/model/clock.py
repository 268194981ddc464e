"""Simulated time: days from the start, calendar months and fiscal years.

The clock counts days from the first day of the first simulated month.  Month
``m`` is accounted for at its *tick*, half a day before the next month begins,
so an event dated on any day of month ``m`` (events fall on whole days) takes
effect in that month's accounts, in every engine alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np


def add_months(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after ``day``'s month."""
    total = day.month - 1 + months
    return dt.date(day.year + total // 12, total % 12 + 1, 1)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Calendar:
    """Month grid of a simulation."""

    start: dt.date
    """First day of the first month."""
    months: int
    """Number of months simulated."""

    # The grids below are computed once (the model asks for them every month;
    # recomputing them made long horizons quadratic) and are read-only.

    @cached_property
    def month_starts(self) -> tuple[dt.date, ...]:
        """First day of each month (and of the month after the horizon)."""
        return tuple(add_months(self.start, m) for m in range(self.months + 1))

    @cached_property
    def start_days(self) -> np.ndarray:
        """Day number (from the start) on which each month begins, plus the end."""
        first = self.start.toordinal()
        return _frozen(np.array([d.toordinal() - first for d in self.month_starts], dtype=float))

    @cached_property
    def tick_days(self) -> np.ndarray:
        """Time of each month's accounting, half a day before the next month."""
        return _frozen(self.start_days[1:] - 0.5)

    @cached_property
    def calendar_month(self) -> np.ndarray:
        """Calendar month (1-12) of each simulated month."""
        return _frozen(np.array([d.month for d in self.month_starts[:-1]]))

    def day_of(self, date: dt.date) -> int:
        """Day number of a date (negative before the start)."""
        return date.toordinal() - self.start.toordinal()

    def month_of_day(self, day: float) -> int:
        """Index of the month containing a day (clipped to the horizon)."""
        index = int(np.searchsorted(self.start_days, day, side="right")) - 1
        return min(max(index, 0), self.months - 1)

    def date_of_day(self, day: float) -> dt.date:
        """Calendar date of a day number."""
        return dt.date.fromordinal(self.start.toordinal() + int(np.floor(day)))

    def years_elapsed(self, first_month: np.ndarray | int) -> np.ndarray:
        """Years begun since the start, per month (rows) and city (columns).

        A year begins in calendar month ``first_month``; the first year counts 0.
        Used for fiscal-year steps of budgets and grants.
        """
        first = np.atleast_1d(first_month)
        is_start = self.calendar_month[:, None] == first[None, :]
        is_start[0, :] = False
        return np.cumsum(is_start, axis=0)

    def year_starts(self, first_month: np.ndarray | int) -> np.ndarray:
        """Boolean (month, city): the month begins a year starting in ``first_month``."""
        first = np.atleast_1d(first_month)
        return self.calendar_month[:, None] == first[None, :]
