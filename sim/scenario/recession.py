"""A recession on top of the measures: the ``[recession]`` table.

A macro shock to city revenue, calibrated to the 2008-10 and 2020 declines in
city own-source revenue (National League of Cities, City Fiscal Conditions).
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sim.scenario.base import Sourced
from sim.scenario.uncertain import Share


class RecessionDepth(Sourced):
    """``[recession.depth]``: the fall of each kind of revenue at the trough.

    As a share of its trend.
    """

    property: Share = 0.03
    """Property taxes.  Assumption: 0-4%; city property-tax revenue fell 1.8% in
    constant dollars in 2010, the first fall after years of growth, with further
    falls expected in 2011-12 (NLC, City Fiscal Conditions in 2010)."""
    sales: Share = 0.08
    """Sales taxes.  Assumption: 4-11%; -3.8% expected for 2009 and 'declined
    dramatically in 2009 and further in 2010' (NLC, City Fiscal Conditions in
    2009 and 2010), -11% year over year in FY2020 (NLC, City Fiscal Conditions
    2020)."""
    income: Share = 0.03
    """Income and wage taxes.  Assumption: 1-4%; -1.3% expected for 2009 (NLC
    2009), -3.4% in FY2020 (NLC 2020)."""
    fees: Share = 0.04
    """Fees and charges.  Assumption: 2-6%, between sales and property taxes."""
    state_aid: Share = 0.05
    """State aid.  Assumption: 2-8%; cuts in state aid were among the pressures
    city finance officers named in 2010 (NLC, City Fiscal Conditions in 2010)."""


class Recession(Sourced):
    """``[recession]``: an optional macro shock to revenue, the same for every strategy.

    Each year of the horizon (from its start) a recession starts with
    ``probability`` (in a month drawn uniformly), the first one only; or, with
    ``start``, one starts then in every future (a stress test).  Each kind of
    revenue falls linearly to ``depth`` below its trend over
    ``decline_months``, then recovers linearly over ``recovery_months``;
    property taxes follow ``property_lag_months`` later, as assessments catch
    up.  It draws its own random stream, so every strategy and the baseline meet
    the same recessions (common random numbers).  It is independent of the
    federal measures: nothing in the record ties recessions to
    immigration-enforcement grant conditions, which follow elections and
    courts, not the business cycle.
    """

    probability: Share = 0.15
    """Chance a recession starts in a given year.  Assumption: 0.12-0.17, about
    one every six to eight years as in the NBER's post-war business-cycle dates
    (12 recessions 1945-2019)."""
    start: dt.date | None = None
    """A fixed start for every future (a stress test); ``probability`` is then
    ignored."""
    decline_months: int = Field(default=18, ge=1, le=120)
    """Months from the start to the trough.  Assumption: 18, the Great
    Recession's 2007-12 to 2009-06."""
    recovery_months: int = Field(default=36, ge=1, le=240)
    """Months from the trough back to trend.  Assumption: 36; city budgets lag
    the economy by '18 months to several years' (NLC, City Fiscal Conditions in
    2010)."""
    property_lag_months: int = Field(default=18, ge=0, le=120)
    """Months property taxes lag the other kinds (assessments).  Assumption:
    18 (NLC 2010, as above)."""
    depth: RecessionDepth = RecessionDepth()
    """Fall of each kind of revenue at the trough."""
