"""A jurisdiction (``[[city]]``): its budget, federal grants, jail and police trust.

Money is annual US dollars unless a key says otherwise; shares are 0-1.  Any
number may be an uncertain quantity (:mod:`sim.scenario.uncertain`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.base import MAX_NAME, Sourced, unique
from sim.scenario.law import ComplianceLevel, FundingKind, StateLawName
from sim.scenario.uncertain import Money, Rate, Share, uncertain


class GapClosing(Sourced):
    """How a city closes a budget gap once reserves fall below their floor.

    Reserves absorb shortfalls first.  When they stay below the floor, the
    tools in ``order`` are sized, one after the other, to the remaining gap;
    short-term borrowing keeps cash from going negative.  Under a withdrawal
    rule (``draw_limit``, ``draws_need_falling_revenue``) the tools act below
    the balance the fiscal year may not draw, when that is above the floor.
    """

    order: list[Literal["service_cuts", "tax_increase"]] = ["service_cuts", "tax_increase"]
    """Gap-closing tools in the order they are used; a tool left out is never
    used."""
    service_cut_limit: float = Field(default=0.05, ge=0, le=1)
    """Largest service cut, as a share of annual expenditure.  Assumption."""
    service_cut_lag_months: int = Field(default=3, ge=0, le=60)
    """Months reserves must stay below the floor before cuts start (a budget
    amendment).  Assumption."""
    service_cut_spread_months: int = Field(default=12, ge=1, le=120)
    """Months over which cuts aim to rebuild reserves to the floor.  Assumption."""
    tax_increase_limit: float = Field(default=0.02, ge=0, le=1)
    """Largest tax increase adopted in one fiscal year, as a share of
    own-source revenue.  Assumption."""
    tax_increase_cap: float = Field(default=0.10, ge=0, le=5)
    """Largest cumulative tax increase, as a share of own-source revenue.
    Assumption."""
    tax_increase_lag_months: int = Field(default=6, ge=0, le=60)
    """Months below the floor before a tax increase is adopted; it takes effect
    at the next fiscal-year start.  Assumption."""
    borrowing_limit: float = Field(default=0.10, ge=0, le=5)
    """Most short-term debt outstanding (e.g. tax anticipation notes), as a
    share of annual expenditure; borrowed only to keep cash from going
    negative.  Assumption."""
    borrowing_rate: float = Field(default=0.04, ge=0, le=1)
    """Annual interest rate on short-term borrowing.  Assumption."""

    @field_validator("order")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return unique(value, "tool")


class Fund(Sourced):
    """``[[city.budget.fund]]``: one reserve fund and its policy.

    Shares are of annual expenditure.  The funds are listed in drawdown order:
    a shortfall draws each fund down to its floor, in order, then each below
    its floor down to zero, in order, before service cuts act; short-term
    borrowing comes only once cash runs out.  The first fund stands for the
    unassigned general-fund balance: surpluses land in it, it holds what the
    others do not, and it can go negative (a fund-balance deficit).  At each
    fiscal-year end, its money above its own floor restores the later funds to
    their floors, in order (refills mirror draws), then pays a share of the
    year's surplus into each later fund until that fund reaches its target
    (floors and targets measured against the coming year's expenditure, which
    the new budget appropriates for); a later fund above its cap
    returns the excess to the first, and the first fund's excess over its own
    cap is spent (one-time outlays).
    """

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Fund name, e.g. ``"Budget Stabilization Fund"``."""
    balance: Money | None = None
    """Balance at the start.  Left out for the first fund only: it holds the
    rest of ``budget.reserves``."""
    floor: Share = 0.0
    """Policy minimum, as a share of annual expenditure; the city's reserve
    floor (which gap closing and ``floor_breached`` watch) is the sum of its
    funds' floors."""
    target: Share | None = None
    """Balance the automatic deposit builds up to, as a share of annual
    expenditure; default: the floor."""
    cap: Share | None = None
    """Most the fund may hold, as a share of annual expenditure; default: no cap."""
    deposit_share: Share = 0.0
    """Share of each fiscal year's surplus moved into this fund at the year's
    end while it is below its target (not for the first fund, which keeps
    every surplus anyway).  Restoring the floor needs no deposit share."""

    @model_validator(mode="after")
    def _ordered_levels(self) -> Fund:
        levels = [(k, getattr(self, k)) for k in ("floor", "target", "cap")]
        fixed = [(k, v) for k, v in levels if isinstance(v, float | int)]
        for (low, a), (high, b) in zip(fixed, fixed[1:], strict=False):
            if a > b:
                raise ValueError(f"{high} ({b}) is below {low} ({a})")
        return self


class RevenueMix(Sourced):
    """``[city.budget.revenue_mix]``: own-source revenue by kind, as shares.

    A recession hits each kind by its own depth (``[recession.depth]``); the
    rest of own-source revenue (what the shares leave) is not hit.
    """

    property: Share = 0.0
    """Property taxes."""
    sales: Share = 0.0
    """Sales and gross-receipts taxes."""
    income: Share = 0.0
    """Income and wage taxes."""
    fees: Share = 0.0
    """Fees, charges and other taxes that follow the economy."""

    @model_validator(mode="after")
    def _at_most_whole(self) -> RevenueMix:
        fixed = [getattr(self, k) for k in ("property", "sales", "income", "fees")]
        if all(isinstance(v, float | int) for v in fixed) and sum(fixed) > 1.0 + 1e-9:
            raise ValueError(f"the shares add up to more than 1 (got {sum(fixed):g})")
        return self


class Budget(Sourced):
    """``[city.budget]``: the fund(s) modelled, in annual dollars."""

    scope: str = Field(default="", max_length=500)
    """Which funds the numbers cover, e.g. ``"General Fund plus federal grant
    funds"`` or ``"all funds"``: budgets of different scopes are not comparable,
    so say which one the file models."""
    expenditure: Money
    """Annual expenditure in the first fiscal year, including spending that
    federal grants pay for."""
    expenditure_growth: Rate = 0.03
    """Annual growth of expenditure, applied at each fiscal-year start.
    Assumption: 3%."""
    own_source_revenue: Money | None = None
    """Annual taxes, fees and charges in the first fiscal year, growing at
    ``revenue_growth``.  Default (an assumption, listed in the report): the
    adopted budget balances every fiscal year, so own-source revenue is
    expenditure minus state aid and federal grants due, plus the deposit that
    keeps reserves at their opening share of a growing expenditure."""
    revenue_growth: Rate | None = None
    """Annual growth of own-source revenue when ``own_source_revenue`` is
    given; default: ``expenditure_growth``."""
    revenue_volatility: uncertain(ge=0, le=1) = 0.03
    """Standard deviation of own-source revenue around its trend, as a share:
    the long-run standard deviation of the monthly deviation, whose
    persistence is ``revenue_persistence``.  Estimate it from the city's own
    annual revenue with :mod:`sim.analysis.volatility` (at persistence 0.9 the
    year-over-year changes of annual revenue have 0.854 times this standard
    deviation; docs/jurisdictions.md, "Revenue volatility").  Default 3%, an
    assumption."""
    revenue_persistence: float = Field(default=0.9, ge=0, lt=1)
    """Month-to-month persistence (AR(1) coefficient) of revenue deviations.
    Assumption: shocks such as recessions last many months."""
    state_aid: Money = 0.0
    """Annual state aid."""
    state_aid_growth: Rate = 0.0
    """Annual growth of state aid."""
    reserves: Money
    """Reserves (unassigned fund balance, rainy-day funds) at the start."""
    reserve_floor: Share = 0.05
    """Reserve floor as a share of annual expenditure: the city's own policy.
    Assumption: 5%."""
    rebudget_share: Share = 0.0
    """Share of the past fiscal year's own-source revenue gap against its trend
    (shortfall or windfall) that the next adopted budget closes, by spending
    that much less (or more), the same amount in every month of the year:
    a balanced-budget requirement makes each adopted budget match the revenue
    forecast, whatever the reserves.  The rest of the gap, and all of it in the
    year it opens, falls on the reserves.  Default 0: no re-budgeting, every
    shortfall is left to the reserves and the gap-closing tools.  Cite the
    city's balanced-budget law; the share itself (budgets may also balance
    with one-time money) is usually an assumption with a range."""
    review_months: list[int] = Field(default_factory=list, max_length=11)
    """Months into the fiscal year at the end of which the adopted budget is
    reviewed against the revenue coming in, e.g. ``[3, 6, 9]`` for quarterly
    reports (New York City's financial plan modifications, Philadelphia's
    Quarterly City Managers Reports under the PICA Act, Los Angeles's
    Financial Status Reports) or ``[6]`` for a mid-year review; each 1-11
    (after month 12 no month of the year is left).  Default: none.  Cite the
    charter, statute or policy that requires the reviews."""
    midyear_share: Share = 0.0
    """Share of the year-to-date own-source shortfall a month (against the
    revenue the adopted budget spends) that each month left in the fiscal
    year spends less, set at each of ``review_months``: hiring freezes,
    vacancy savings, suspended discretionary spending (GFOA best practice
    "Budget Monitoring": compare budget to actual and promptly adjust for
    significant variances).  Shortfalls only: a windfall is not spent inside
    the year but falls to the reserves, as New York City rolls its surplus
    forward into the next year, and ``rebudget_share`` spends it in the next
    adopted budget.  Default 0: the
    budget is not corrected inside the year, only the gap-closing tools act,
    below the floor.  The law says a city must act, rarely how much: the
    share is usually an assumption with a range."""
    draw_limit: Share | None = None
    """Most of the reserves' balance at the start of a fiscal year that the
    year may draw, as a share of it: the rest is not there to balance the
    budget, so the gap-closing tools act once reserves fall below it (or the
    floor, if higher), with their lags and limits; the floor a breach counts
    against, borrowing and repayment keep ``reserve_floor``.  E.g. 0.5 where
    a rainy-day reserve may give at most half its balance a year (San
    Francisco, Charter 9.113.5(f)).  Default: no limit, reserves absorb any
    shortfall down to the floor.  Only for a city without
    ``[[city.budget.fund]]`` (one pool).  Cite the charter, statute or policy."""
    draws_need_falling_revenue: bool = False
    """Whether reserves may be drawn only in a fiscal year of falling revenue
    (San Francisco, Charter 9.113.5(f), Administrative Code 10.60): in a month
    whose own-source revenue so far in the fiscal year is not below that of
    the same months a year earlier, the whole opening balance is kept as under
    ``draw_limit`` (a month before the horizon is taken at the adopted
    budget's noise-free estimate).  Default false: reserves may be drawn in
    any year.  Only for a city without ``[[city.budget.fund]]``.  Cite the
    law."""
    gap_closing: GapClosing = GapClosing()
    """How gaps are closed once reserves fall below the floor."""
    revenue_mix: RevenueMix | None = None
    """Own-source revenue by kind, for a ``[recession]``; default (an
    assumption): property 40%, sales 20%, income 5%, fees 25%."""
    fund: list[Fund] = Field(default_factory=list, max_length=20)
    """Reserve funds, in drawdown order (``[[city.budget.fund]]``); default:
    one pool, ``reserves``, with the floor ``reserve_floor``.  With funds, each
    states its floor and ``reserve_floor`` is left at its default (unused)."""

    @field_validator("review_months")
    @classmethod
    def _review_months_in_the_year(cls, months: list[int]) -> list[int]:
        for month in months:
            if not 1 <= month <= 11:
                raise ValueError("each review month is 1-11, months into the fiscal year")
        if len(set(months)) != len(months):
            raise ValueError("a review month is given twice")
        return sorted(months)

    @model_validator(mode="after")
    def _funds_partition_reserves(self) -> Budget:
        if not self.fund:
            return self
        unique([f.name for f in self.fund], "fund")
        for key, stated in (("draw_limit", self.draw_limit is not None),
                            ("draws_need_falling_revenue", self.draws_need_falling_revenue)):
            if stated:
                raise ValueError(f"{key} is for one pool of reserves, not for "
                                 "[[city.budget.fund]]: leave it out or the funds")
        # Compared with the default, not looked up in model_fields_set: overrides
        # re-validate a dump, which states every field.
        if self.reserve_floor != type(self).model_fields["reserve_floor"].default:
            raise ValueError("with funds, each [[city.budget.fund]] states its floor: "
                             "leave reserve_floor out")
        if self.fund[0].balance is not None:
            raise ValueError(f"fund {self.fund[0].name!r}: the first fund holds the rest of "
                             "reserves; leave its balance out")
        if self.fund[0].deposit_share:
            raise ValueError(f"fund {self.fund[0].name!r}: the first fund keeps every surplus; "
                             "leave its deposit_share out")
        for f in self.fund[1:]:
            if f.balance is None:
                raise ValueError(f"fund {f.name!r}: balance is required (only the first fund "
                                 "holds the rest of reserves)")
        return self

    @property
    def policy_floor(self) -> float:
        """The city's reserve floor as a share of expenditure.

        ``reserve_floor``, or the sum of its funds' floors (means where uncertain).
        """
        floors = [f.floor for f in self.fund] if self.fund else [self.reserve_floor]
        return float(sum(getattr(v, "mean", v) for v in floors))


GrantResponse = Literal["backfill", "cut", "absorb"]
"""What a city does when a grant stops paying for positions or a program."""


class Funded(Sourced):
    """``[[city.grant.funds]]``: positions or a program a grant pays for.

    When the grant's payments are withheld, the share of them that paid for
    this is lost too, and the city responds: ``backfill`` (the general fund
    keeps paying: a cost, and the model's behaviour for money nothing names),
    ``cut`` (the positions or program stop after ``cut_lag_months``: spending
    falls, a service loss in positions and dollars; the general fund pays
    until then) or ``absorb`` (the department absorbs the loss within its
    budget for ``absorb_months``, a service loss in dollars elsewhere but no
    position cut, then ``then``).  The response ends when the money comes
    back (the positions are refilled).  A strategy's ``grant_response``
    overrides the response.
    """

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """What the money pays for, e.g. ``"50 police officers (COPS Hiring)"``."""
    positions: float = Field(default=0.0, ge=0, le=1e6)
    """Full-time positions it pays for (0: a program with no positions of its own)."""
    share: Share = 1.0
    """Share of the grant's award that pays for it (the shares of a grant's
    ``funds`` add up to 1 at most)."""
    local_match: float = Field(default=0.0, ge=0, le=0.99)
    """Share of its cost the city pays itself as the grant requires (a local
    match); the grant pays the rest.  While the grant money is withheld the
    match is paid as before; a ``cut`` stops the whole cost, the match with it,
    so the service lost and the spending saved are the money lost divided by
    ``1 - local_match``.  COPS Hiring: 0.25, the federal share being at most 75%
    of an officer's entry-level salary and fringe benefits and at most $125,000
    per position over the 36-month grant, with a minimum 25% local cash match
    (COPS Office, FY2014 CHP announcement,
    https://cops.usdoj.gov/html/dispatch/06-2014/chp_now_open.asp).  Default 0:
    no match."""
    response: GrantResponse = "backfill"
    """``backfill``, ``cut`` or ``absorb`` (see above)."""
    cut_lag_months: int = Field(default=3, ge=0, le=60)
    """Months from the first payment withheld to a cut taking effect (layoff
    notices, civil-service rules, a budget amendment); the general fund pays
    until then.  Assumption: 3."""
    absorb_months: int = Field(default=6, ge=1, le=120)
    """With ``absorb``: months the department absorbs the loss.  Assumption: 6
    (half a budget year)."""
    then: Literal["backfill", "cut"] = "backfill"
    """With ``absorb``: the response once the absorbing ends."""


class Grant(Sourced):
    """``[[city.grant]]``: one federal program's money to the city."""

    program: str = Field(min_length=1, max_length=MAX_NAME)
    """Program name, e.g. ``"Byrne JAG"``; measures target programs by name."""
    agency: str = Field(min_length=1, max_length=MAX_NAME)
    """Federal agency, e.g. ``"DOJ"``, ``"DHS"``, ``"HUD"``, ``"HHS"``, ``"DOT"``."""
    amount: Money
    """Annual amount."""
    basis: Literal["reimbursement", "advance"] = "reimbursement"
    """``reimbursement``: the city spends monthly and is reimbursed
    ``payment_lag_months`` later; ``advance``: the annual award is paid in
    ``award_month``."""
    payment_lag_months: int = Field(default=2, ge=0, le=36)
    """Months between spending and reimbursement.  Assumption: 2."""
    award_month: int = Field(default=10, ge=1, le=12)
    """Calendar month in which an ``advance`` award is paid (10 = October,
    the federal fiscal year's first month)."""
    tags: list[str] = Field(default_factory=list)
    """Labels that measures can target, e.g. ``"law_enforcement"``."""
    growth: Rate = 0.0
    """Annual growth of the award."""
    funding: FundingKind = "discretionary"
    """How the money comes: ``discretionary`` (the agency chooses the award:
    competitive and project grants), ``formula`` (a statute sets the amount by
    formula and the agency makes the award: CDBG, Byrne JAG, HOME) or
    ``entitlement`` (paid by statute to all who qualify, with no award to
    condition: Medicaid, Medicare).  An executive order reaches only
    discretionary grants, an agency condition discretionary and formula
    grants (see ``measure.funding``).  Default ``discretionary``, which every
    measure can reach: state the kind, with its source (the Assistance
    Listing's type of assistance, or the authorising statute)."""
    pass_through: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """The state agency that passes the money through to the city, e.g. ``"New York
    State Office of Children and Family Services"``; left out: a direct federal
    award.  The state holds the federal award and the city is its subrecipient
    (2 CFR 200.1, "pass-through entity" and "subaward"); the city's schedule of
    expenditures of federal awards names it on the "passed through" line (2 CFR
    200.510(b)(4)), the source to cite.  The agency is of the city's own state
    (``city.state``), so a measure against that state (``measure.states``)
    reaches the grant and relief won by that state (``litigation.coalition.states``)
    covers it.  Measures against the city reach it as they reach a direct award:
    a pass-through entity must put the federal award's terms in its subawards
    (2 CFR 200.332)."""
    funds: list[Funded] = Field(default_factory=list, max_length=50)
    """Positions and programs the grant pays for (``[[city.grant.funds]]``),
    each with the city's response to losing the money; none: the general
    fund backfills silently, as for any grant."""

    @model_validator(mode="after")
    def _funds_fit_the_grant(self) -> Grant:
        names = [f.name for f in self.funds]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"funds: two entries are named {repeated[0]!r}")
        fixed = [f.share for f in self.funds if isinstance(f.share, int | float)]
        if len(fixed) == len(self.funds) and sum(fixed) > 1 + 1e-9:
            raise ValueError(f"funds: shares add up to more than the whole grant "
                             f"(got {sum(fixed):g})")
        return self


class Enforcement(Sourced):
    """``[city.enforcement]``: the jail that serves the city, and ICE's requests to it.

    Each month ICE lodges detainers on booked non-citizens; the city's
    compliance level decides which it honours: ``sanctuary`` only those with a
    judicial warrant, ``partial`` also those for listed serious offences,
    ``full`` all.  Defaults are national or cited local figures: set your
    jail's own.
    """

    bookings_per_month: uncertain(ge=0, le=1e7) | None = None
    """Jail bookings per month in the jail that serves the city (the county's,
    where the county runs it).  Default: population x 2.19% a year / 12, the
    national rate: 7.3 million jail admissions July 2021-June 2022 for 333.2
    million residents (BJS, Jail Inmates in 2022, NCJ 307086; 663,100 held at
    199 per 100,000 residents)."""
    noncitizen_share: Share | None = None
    """Share of bookings who are not US citizens.  Default: the city's immigrant
    share x 46.2%, the share of foreign-born residents who are not naturalised
    in Los Angeles County (ACS 2022, Los Angeles Almanac), i.e. bookings mirror
    the population: an Assumption about who is booked."""
    detainer_rate: Share = 0.11
    """Share of booked non-citizens on whom ICE lodges a detainer.  Derived:
    995 detainers on the Los Angeles County jails in 2024 (LASD records, 2025)
    over about 59,000 bookings a year (14,800 in Q2 2024, Los Angeles Almanac)
    x 33% foreign-born x 46.2% not naturalised."""
    judicial_warrant_share: Share = 0.0
    """Share of detainers that come with a judicial warrant; these are honoured
    under every policy, even ``sanctuary``.  ICE detainers (form I-247A) carry
    administrative warrants: none of the 995 detainers on the Los Angeles
    County jails in 2024 had a judicial warrant (LASD records, 2025)."""
    serious_offence_share: Share = 0.12
    """Share of the other detainers that concern people convicted of a listed
    serious or violent offence, the ones ``partial`` honours: 12% of ICE
    detainers in fiscal years 2012-13 were for people convicted of a serious
    (Level 1) offence (TRAC, 2014-02-11)."""
    hold_days: uncertain(ge=0, le=30) = 2.0
    """Extra days in jail per honoured detainer: a detainer asks the jail to
    hold a person up to 48 hours beyond release (8 CFR 287.7(d))."""
    bed_day_cost: Money = 143.0
    """Cost to the city of one jail bed for one day, in USD.  Default: Cook
    County Jail, $143 (Sheriff Dart, budget testimony, November 2011);
    published figures range from $113 (Los Angeles County, 2012) to $1,525
    (New York City full cost, FY2021)."""
    notification_cost: Money = 60.0
    """Staff cost, in USD, of processing one honoured detainer (checking it,
    notifying ICE of the release time, handing the person over).
    Assumption: one hour of a deputy's time."""
    pickup_share: Share = 0.4
    """Share of honoured detainers after which ICE takes the person into
    custody (a transfer): ICE took custody in fewer than 40% of detainer cases
    in the first two months of FY2016 (TRAC, 2016)."""
    followup_share: Share = 0.2
    """Share of declined detainers that ICE follows with an arrest in the
    community (an at-large arrest) later the same month.  Assumption."""
    at_large_rate: uncertain(ge=0, le=1000) = 0.87
    """ICE community (at-large) arrests per 1,000 immigrant residents per year,
    before any surge.  Derived: 41,898 ICE arrests in the first 100 days of
    2017 (ICE, via Slate 2017-06-20) x 365/100, of which 25% were community
    arrests (TRAC, 2018-09-25), over 44 million foreign-born residents (Pew
    Research Center, ACS 2017)."""
    agreement_staff: uncertain(ge=0, le=10_000) = 4.0
    """Full-time staff a 287(g) jail agreement takes (``full`` only).
    Assumption."""
    staff_cost: Money = 110_000.0
    """Annual salary and benefits of one of those staff, in USD.  Assumption."""
    agreement_setup_cost: Money = 250_000.0
    """One-off cost, in USD, of starting a 287(g) agreement: IT integration
    with ICE systems, training, legal review.  Charged in the month the city
    moves to ``full``.  Assumption."""
    agreement_reimbursed_share: Share = 0.0
    """Share of the agreement's staff cost the federal government reimburses.
    The 2025 reconciliation act (OBBBA) reimburses salary and benefits of
    trained 287(g) officers from 2025-10-01 (Washington Times, 2025-09-17),
    subject to funding; how much a city would recover is an Assumption: none
    by default."""


class Trust(Sourced):
    """``[city.trust]``: immigrant residents' trust in the police, and crime reporting.

    A trust index in [0, 1] (1: no enforcement is visible and the city is a
    sanctuary) falls at once with visible enforcement (ICE transfers and
    at-large arrests per 1,000 immigrant residents) and with the city's
    cooperation level, and recovers toward its target with a half-life.  The
    crime-reporting rate of immigrant residents moves in proportion to it.
    """

    reporting_rate: Share = 0.42
    """Share of violent victimisations of immigrant residents reported to the
    police at the start: 42% of violent victimisations were reported in 2022
    (BJS, Criminal Victimization 2022, all victims)."""
    victimisation_rate: uncertain(ge=0, le=1000) = 23.5
    """Violent victimisations per 1,000 immigrant residents per year (BJS,
    Criminal Victimization 2022: 23.5 per 1,000 persons age 12 or older)."""
    enforcement_sensitivity: uncertain(ge=0, le=1000) = 1.8
    """How strongly visible enforcement lowers trust: the index's target is
    multiplied by exp(-sensitivity x v), v being ICE transfers plus at-large
    arrests per 1,000 immigrant residents per month.  Derived: ICE arrests rose
    by about 10,400 in the first 100 days of 2017 (41,898 against about 31,500,
    Slate 2017-06-20), 0.072 more per 1,000 of 44 million foreign-born
    residents a month, while Hispanic residents' violent-crime reports fell 13%
    in Houston (Houston PD, Jan-Mar 2017) and Latino domestic-violence reports
    10% in Los Angeles (LAPD, 2017-03-21): -ln(0.88) / 0.072 = 1.8.  Larger
    drops were reported for sexual assault (Houston -42.8%, LAPD -25%), and
    44% of Latinos surveyed said they were less likely to contact the police
    for fear of status inquiries (Theodore, Insecure Communities, 2013)."""
    half_life_months: uncertain(gt=0, le=240) = 6.0
    """Months for trust to recover half of its gap to its target once
    enforcement recedes.  Derived: the gap between Hispanic and all sexual
    assault reporting in Los Angeles narrowed from about 10 points (April
    2017) to under 4 (December 2017) (LAPD, 2018-04-27): 8 x ln 2 / ln 2.5 =
    6 months."""
    trust_loss_full: Share = 0.107
    """Share of trust lost by full cooperation (``full``) compared with a
    sanctuary policy: Latinos are 12% more likely to report violent
    victimisation in sanctuary cities (Martinez-Schuldt and Martinez, American
    Sociological Review 84, 2019), and 1 - 1/1.12 = 0.107."""
    trust_loss_partial: Share = 0.054
    """Share of trust lost by partial cooperation (``partial``).  Assumption:
    half of ``trust_loss_full``."""
    trust_loss_notify_serious: Share = 0.027
    """Share of trust lost by notifying ICE of the release of people convicted of
    a listed serious offence (``notify_serious``).  Assumption: a quarter of
    ``trust_loss_full``, half of ``partial``'s: the same people reach ICE as
    under ``partial``, without a day in jail beyond their release; any value
    from 0 to ``trust_loss_partial`` is defensible."""
    trust_loss_notify: Share = 0.054
    """Share of trust lost by answering every release-notification request and
    letting ICE interview people in the jail (``notify``).  Assumption: as
    ``partial`` (half of ``trust_loss_full``): more people reach ICE than under
    ``partial``, none held beyond release; 0.027-0.107 spans the levels either
    side."""


class City(Sourced):
    """``[[city]]``: one jurisdiction (city, county or consolidated city-county)."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"Chicago"``; ``all cities`` is reserved (the rows of
    every city together)."""
    state: str = Field(pattern=r"^[A-Z]{2}$")
    """Two-letter postal code of the state, e.g. ``"IL"``."""
    state_law: StateLawName = "neutral"
    """State law on local cooperation with immigration enforcement; it forbids
    the compliance levels whose practices its statute or ruling forbids, and a
    strategy asking for one is refused with the provision named.  A state's own
    law: ``california`` (SB 54: no holds, notifications only for listed
    convictions, no 287(g)), ``washington`` (Keep Washington Working Act:
    sanctuary only), ``illinois`` (TRUST Act as amended 2021: sanctuary only),
    ``colorado`` (HB19-1124, SB25-276: no holds, no ICE access to jails),
    ``massachusetts`` (Lunn v. Commonwealth: no holds without a 287(g)
    agreement), ``new_york`` (Wells v. DeMarco: likewise), ``new_jersey``
    (Immigrant Trust Directive: notifications only for serious offences, no
    holds, no 287(g)), ``oregon`` (Sanctuary Promise Act: sanctuary only),
    ``texas`` (SB 4: every detainer honoured, so ``full`` only).  Generic
    classes: ``neutral`` (no state rule), ``sanctuary_mandated`` (287(g)
    barred: no ``full``), ``cooperation_mandated`` (every detainer honoured:
    ``full`` only).  The full list of what each forbids, with citations, is in
    ``sim.scenario.law``."""
    fiscal_year_start: int = Field(ge=1, le=12)
    """Calendar month in which the fiscal year starts (7 = July)."""
    population: int = Field(ge=0, le=100_000_000)
    """Residents."""
    immigrant_share: Share | None = None
    """Share of residents born abroad (Census ACS foreign-born share).  Where
    enforcement and trust need it and it is left out: 13.7%, the national
    share (ACS 2018, 44.7 million foreign-born residents; AP, 2019-09-26)."""
    current_policy: ComplianceLevel = "sanctuary"
    """Compliance level today; the no-measure baseline keeps it."""
    budget: Budget
    """The budget modelled."""
    grant: list[Grant] = Field(default_factory=list, max_length=500)
    """Federal grants by program."""
    enforcement: Enforcement = Enforcement()
    """The jail serving the city and ICE's detainers (``[city.enforcement]``)."""
    trust: Trust = Trust()
    """Immigrant residents' trust in the police (``[city.trust]``)."""
