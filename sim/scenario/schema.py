"""Scenario files: the schema, TOML loading and clear errors.

A scenario is data with provenance.  It is read from TOML with the standard
library's :mod:`tomllib` and validated into frozen, typed objects (pydantic),
whose field docstrings are the reference documentation (``fundsim schema``).
Every problem found is reported at once, one line each, as
``FILE: key.path: message (got VALUE)``.

Money is annual US dollars unless a key says otherwise; shares are 0-1.
Any number may be an uncertain quantity ``{dist = "...", ...}``
(see :mod:`sim.scenario.uncertain`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import stat
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from sim.errors import Problem, ScenarioError, show_value
from sim.metrics import ALL_CITIES
from sim.scenario.law import (
    DETAINER_HOLDS_LAWFUL_IN,
    FORBIDDEN_BY_STATE_LAW,
    LEVELS,
    REACH,
    STATE_LAWS,
    Circuit,
    ComplianceLevel,
    FundingKind,
    StateLawName,
    refusal,
)
from sim.scenario.messages import plain_message
from sim.scenario.uncertain import (
    UNION_TAGS,
    Frozen,
    Money,
    Rate,
    Share,
    UncertainDate,
    date_range,
    is_money,
    is_uncertain,
    uncertain,
)

MAX_CITIES = 5_000
MAX_NAME = 120
MAX_FILE_BYTES = 16 * 2**20
"""Largest scenario file read (a 5,000-city file with sources is about 8 MB)."""


PROVENANCE_FIELDS = frozenset({"source", "sources", "as_of", "valid_until"})
"""Keys of a :class:`Sourced` table that describe its numbers rather than being numbers."""


class Sourced(Frozen):
    """A table whose numbers carry their provenance."""

    source: str | None = Field(default=None, max_length=2_000)
    """Citation for every number in this table (document, year, page or URL),
    or ``"assumption: why"`` for numbers no source backs."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Citation per key of this table, overriding ``source`` for that key."""
    as_of: dict[str, dt.date] = Field(default_factory=dict)
    """Per key of this table: the date its fact describes, e.g. ``{ reserves =
    2024-12-31 }`` for a balance at that year end or the date a legal status
    was last confirmed.  ``fundsim validate`` warns when a legal status
    (state law, current policy, a measure, litigation) is more than a year old
    at the scenario's start."""
    valid_until: dict[str, dt.date] = Field(default_factory=dict)
    """Per key of this table: the last date its fact can be relied on (the end
    of the budget year it describes, the next award, a deadline).
    ``fundsim validate`` and the report warn, without failing, when the run
    goes past it."""

    @field_validator("sources", "as_of", "valid_until")
    @classmethod
    def _sources_name_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(cls.model_fields) - PROVENANCE_FIELDS)
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(cls.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"names keys this table does not have: {', '.join(unknown)}{hint}")
        return value

    def source_of(self, key: str) -> str | None:
        """Citation of one key: its own entry in ``sources``, else ``source``."""
        return self.sources.get(key, self.source)


def _unique(values: list[str], what: str) -> list[str]:
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise ValueError(f"{what} repeated: {', '.join(repeated)}")
    return values


class ScenarioInfo(Sourced):
    """The ``[scenario]`` table: what is simulated, from when, for how long."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Short name, used in reports and in the result folder's name."""
    description: str = Field(default="", max_length=10_000)
    """What the scenario represents, for the report."""
    start: dt.date
    """First simulated month (the simulation starts on the first day of this
    date's month)."""
    years: int = Field(ge=1, le=100)
    """Length of the horizon in years (simulated monthly)."""
    replications: int = Field(default=1000, ge=1, le=10_000_000)
    """Monte Carlo replications per strategy (``--replications`` overrides)."""
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    """Root seed of every random stream (``--seed`` overrides)."""
    strategies: list[str] | None = None
    """Strategies to compare, by name: a built-in one per compliance level
    (``sanctuary``, ``notify_serious``, ``notify``, ``partial``, ``full``) or
    one defined in ``[[strategy]]``; default: those of ``sanctuary``,
    ``partial``, ``full`` and the file's own that state law allows in every
    city."""
    discount_rate: float = Field(default=0.03, ge=0, le=0.5)
    """Annual nominal rate for net present values of fiscal impacts.
    Assumption: 3%, near long-run municipal borrowing costs; set your own."""

    @field_validator("strategies")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value, "strategy")


class GapClosing(Sourced):
    """How a city closes a budget gap once reserves fall below their floor.

    Reserves absorb shortfalls first.  When they stay below the floor, the
    tools in ``order`` are sized, one after the other, to the remaining gap;
    short-term borrowing keeps cash from going negative.
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
        return _unique(value, "tool")


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
    """Standard deviation of own-source revenue around its trend, as a share.
    Assumption."""
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
    gap_closing: GapClosing = GapClosing()
    """How gaps are closed once reserves fall below the floor."""


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


class Measure(Sourced):
    """``[[measure]]``: a federal action that withholds funds from jurisdictions."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"EO 14218"``."""
    kind: Literal["executive_order", "grant_condition", "legislation"]
    """What the measure is; courts treat the kinds differently."""
    description: str = Field(default="", max_length=10_000)
    """What it does, for the report."""
    probability: Share = 1.0
    """Probability that the measure happens at all in a replication."""
    effective: UncertainDate
    """Date from which funds are withheld."""
    rescind_probability: Share = 0.0
    """Probability that the measure is rescinded (given that it happens)."""
    rescind_date: UncertainDate | None = None
    """Date of rescission; required when ``rescind_probability`` can be above
    zero.  A sampled date before the measure's effective date counts as the
    effective date (rescinded at once)."""
    agencies: list[str] = Field(default_factory=list)
    """Agencies whose grants are targeted (empty: any)."""
    programs: list[str] = Field(default_factory=list)
    """Programs targeted (empty: any)."""
    tags: list[str] = Field(default_factory=list)
    """Grant tags targeted (empty: any); a grant matches if it has one."""
    funding: list[FundingKind] | None = None
    """Kinds of funding (``city.grant.funding``) the measure can reach; default:
    all its kind may reach.  An executive order reaches only ``discretionary``
    grants (the executive cannot withhold appropriated funds Congress did not
    condition: City and County of San Francisco v. Trump, 897 F.3d 1225, 9th
    Cir. 2018); an agency ``grant_condition`` also ``formula`` grants, whose
    awards the agency makes, but no ``entitlement``; ``legislation`` all three.
    A list may narrow what the kind reaches, never widen it."""
    cities: list[str] = Field(default_factory=list)
    """Jurisdictions targeted, by name (empty: every city)."""
    penalises: list[ComplianceLevel] = Field(default_factory=lambda: ["sanctuary"], min_length=1)
    """Compliance levels that lose funds: those lacking a practice the measure
    demands (a release notification, jail access, holds on detainers; see
    ``strategy.compliance``).  Cite the condition's text in ``sources``."""
    withhold_share: Share = 1.0
    """Share of each targeted payment withheld."""
    clawback_months: int = Field(default=0, ge=0, le=60)
    """Months of past payments clawed back when the measure first hits a city (0:
    none): its ``withhold_share`` of what the targeted grants actually paid in
    that many months before, net of anything withheld from them.  An advance
    award paid in the window is taken back whole; monthly reimbursements, one
    month each (months before the start count as paid at the first year's
    award)."""
    release_lag_months: int = Field(default=2, ge=0, le=36)
    """Months between a city ceasing to be penalised (injunction, compliance,
    rescission) and payment of the funds withheld from it.  Assumption."""
    enforcement_surge: uncertain(ge=1, le=100) = 1.0
    """Factor on ICE's at-large arrests in targeted cities that decline
    detainers, while the measure is in force (1: no surge).  Where several
    measures surge at once, the largest factor applies."""

    @field_validator("penalises")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _unique(value, "compliance level")

    @field_validator("funding")
    @classmethod
    def _within_reach(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        kind = info.data.get("kind")
        if value is None or kind not in REACH:
            return value
        kinds, why = REACH[kind]
        beyond = [k for k in value if k not in kinds]
        if beyond:
            raise ValueError(f"a measure of kind {kind!r} cannot reach "
                             f"{' or '.join(beyond)} funding: {why}")
        return _unique(value, "kind of funding")

    @property
    def reaches(self) -> tuple[str, ...]:
        """The kinds of funding the measure reaches: its ``funding``, else its kind's."""
        return tuple(self.funding) if self.funding is not None else REACH[self.kind][0]


RuleCondition = Literal["reserves_below_floor", "funds_withheld", "measure_in_force",
                        "measure_rescinded", "injunction_lost", "final_loss"]
"""What an adaptive rule watches, in each city that follows the strategy.

``reserves_below_floor``: reserves net of short-term debt are below the
reserve floor; ``funds_withheld``: a measure (``measure``, or any) withholds
the city's federal funds; ``measure_in_force``: the measure (or any measure
aimed at the city) is in force; ``measure_rescinded``: it (or any measure
aimed at the city) has been rescinded; ``injunction_lost``: one of the city's
suits lost a ruling (injunction denied or dissolved, merits, appeal or
certiorari lost); ``final_loss``: one of its suits ended in a final loss.
"""
MEASURE_CONDITIONS = frozenset({"funds_withheld", "measure_in_force", "measure_rescinded"})


class SwitchRule(Sourced):
    """``[[strategy.rule]]``: switch compliance level when a condition holds.

    Rules are evaluated at the end of every month, in order, city by city; the
    first that fires schedules the switch, which takes effect ``lag_months``
    later (an ordinance must pass); federal agencies recognise the new level
    only after the strategy's ``eligibility_lag_months`` more.
    """

    when: RuleCondition
    """The condition watched: ``reserves_below_floor``, ``funds_withheld``,
    ``measure_in_force``, ``measure_rescinded``, ``injunction_lost`` (one of the
    city's suits lost a ruling: injunction denied or dissolved, merits, appeal
    or certiorari lost) or ``final_loss`` (one of its suits ended in a final
    loss)."""
    months: int = Field(default=1, ge=1, le=600)
    """Consecutive months the condition must hold before the rule fires."""
    measure: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """For the measure conditions: the measure watched, by name (default: any
    measure aimed at the city)."""
    switch_to: ComplianceLevel
    """The compliance level adopted when the rule fires."""
    lag_months: int = Field(default=2, ge=1, le=120)
    """Months from the rule firing to the new level taking effect (drafting
    and passing an ordinance, changing jail procedures).  Assumption: 2."""
    once: bool = True
    """Whether the rule fires at most once per city (so that two rules do not
    switch a city back and forth)."""

    @model_validator(mode="after")
    def _measure_fits_condition(self) -> SwitchRule:
        if self.measure is not None and self.when not in MEASURE_CONDITIONS:
            raise ValueError(f"`measure` applies only to the conditions "
                             f"{', '.join(sorted(MEASURE_CONDITIONS))}, not to {self.when!r}")
        return self


class Strategy(Sourced):
    """``[[strategy]]``: a compliance choice to compare."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name; ``sanctuary``, ``partial`` and ``full`` are built in and
    may be redefined; ``baseline`` is reserved (the run without measures)."""
    description: str = Field(default="", max_length=10_000)
    """What the choice means, for the report."""
    compliance: ComplianceLevel
    """Compliance level adopted at the start, defined by what the jurisdiction
    does: ``sanctuary`` (no release notifications, no ICE interviews in the
    jail, no holds without a judicial warrant, no 287(g) agreement);
    ``notify_serious`` (tells ICE when people convicted of a listed serious
    offence are released, so ICE takes them at the door; no holds);
    ``notify`` (answers every release-notification request and lets ICE
    interview people in the jail; no holds); ``partial`` (holds people
    convicted of a listed serious offence up to 48 hours on a detainer);
    ``full`` (honours every detainer and notification request, gives ICE jail
    access, runs a 287(g) agreement).  Every level shares the
    immigration-status information 8 U.S.C. 1373 protects."""
    cities: list[str] = Field(default_factory=list)
    """Jurisdictions that adopt it (empty: every city); the others keep their
    current policy."""
    eligibility_lag_months: int = Field(default=3, ge=0, le=60)
    """Months after a rule switches the compliance level before federal
    agencies treat the city accordingly (until then they treat it at its
    previous level); the starting level is recognised from the start.
    Assumption."""
    rule: list[SwitchRule] = Field(default_factory=list, max_length=50)
    """Adaptive rules (``[[strategy.rule]]``): switch compliance level when a
    condition holds; none: the strategy keeps its level throughout."""
    grant_response: GrantResponse | None = None
    """How the cities adopting it respond when grant money paying for
    positions or programs (``city.grant.funds``) is withheld: ``backfill``,
    ``cut`` or ``absorb``, for every such item (their lags and months stay
    as stated); default: each item's own ``response``.  Compare
    "sanctuary, backfill" with "sanctuary, cut" as two strategies."""


BUILTIN_STRATEGIES: dict[str, Strategy] = {
    name: Strategy(name=name, compliance=name, description=level.description)
    for name, level in LEVELS.items()
}
"""A strategy for every compliance level, named after it."""
DEFAULT_STRATEGIES: tuple[str, ...] = ("sanctuary", "partial", "full")
"""The built-in strategies compared when a scenario lists none (with its own)."""
BASELINE = "baseline"
"""Name of the automatic no-measure run against which impacts are measured."""
RESERVED_NAMES = {
    "strategy": (BASELINE, "the run without federal measures that every strategy is "
                 "compared with"),
    "city": (ALL_CITIES, "the rows of every city together"),
}
"""Names that results use for something else, by the list they may not appear in."""


# --------------------------------------------------------------------------
# Litigation


class Days(Frozen):
    """A court stage's duration in days, drawn for each suit (triangular).

    ``days = 76`` (a plain number) is a fixed duration.
    """

    low: float = Field(ge=0, le=36_500)
    """Shortest duration, days."""
    mode: float = Field(ge=0, le=36_500)
    """Most likely duration, days."""
    high: float = Field(ge=0, le=36_500)
    """Longest duration, days."""

    @model_validator(mode="after")
    def _ordered(self) -> Days:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high (low {self.low:g}, mode "
                             f"{self.mode:g}, high {self.high:g})")
        return self


def _fixed_days(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"low": value, "mode": value, "high": value}
    return value


class Stage(Sourced):
    """A stage of a suit: how long it takes, how likely the jurisdictions win.

    A key left out takes the value for the measure's kind: the scenario's
    ``[litigation.<kind>.<stage>]`` table, else the built-in default listed
    under ``litigation.<kind>``.
    """

    probability: Share | None = None
    """Probability that the court rules for the suing jurisdictions."""
    days: Days | None = None
    """Days from the previous step (filing, or the previous ruling) to this
    ruling: ``{low, mode, high}`` of a triangular distribution drawn per suit,
    or a number of days."""

    @field_validator("days", mode="before")
    @classmethod
    def _number_is_fixed(cls, value: Any) -> Any:
        return _fixed_days(value)


class Review(Stage):
    """A stage that may not happen: a motion or an appeal someone must bring."""

    taken: Share | None = None
    """Probability that the stage happens (the motion is made, the losing side
    appeals, the Supreme Court grants review); otherwise the suit moves on
    (preliminary injunction) or the last ruling becomes final."""


class Courts(Sourced):
    """How courts treat suits against one kind of measure, stage by stage.

    Stages run in order: preliminary injunction, merits (summary judgment),
    appeal, certiorari.  A won preliminary injunction or merits ruling
    protects the plaintiffs; a lost merits, appeal or certiorari ruling
    dissolves the injunction; the last ruling is final.
    """

    preliminary_injunction: Review = Review()
    """Motion for a preliminary injunction, decided ``days`` after filing."""
    merits: Stage = Stage()
    """Summary judgment (a permanent injunction if won), ``days`` after the
    preliminary-injunction ruling, or after filing if none was sought."""
    appeal: Review = Review()
    """Appeal to the circuit court by the losing side, ``days`` after the
    merits ruling."""
    certiorari: Review = Review()
    """Review by the Supreme Court, ``days`` after the appeal ruling."""


COURT_STAGES: tuple[str, ...] = ("preliminary_injunction", "merits", "appeal", "certiorari")
"""Court stages in the order a suit goes through them."""

_EXECUTIVE_COURTS: dict[str, dict[str, Any]] = {
    "preliminary_injunction": {"taken": 0.9, "probability": 0.89, "days": (30.0, 58.0, 85.0)},
    "merits": {"probability": 0.92, "days": (100.0, 210.0, 350.0)},
    "appeal": {"taken": 0.8, "probability": 0.8, "days": (230.0, 450.0, 660.0)},
    "certiorari": {"taken": 0.3, "probability": 0.5, "days": (270.0, 400.0, 640.0)},
}
COURT_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "executive_order": _EXECUTIVE_COURTS,
    "grant_condition": _EXECUTIVE_COURTS,
    "legislation": {
        "preliminary_injunction": {"taken": 0.9, "probability": 0.2,
                                   "days": (30.0, 58.0, 85.0)},
        "merits": {"probability": 0.25, "days": (100.0, 210.0, 350.0)},
        "appeal": {"taken": 0.8, "probability": 0.3, "days": (230.0, 450.0, 660.0)},
        "certiorari": {"taken": 0.3, "probability": 0.5, "days": (270.0, 400.0, 640.0)},
    },
}
"""Built-in court parameters per measure kind and stage; their sources are in
the docstrings of :class:`Litigation`'s kind fields."""

_EXECUTIVE_DEFAULTS_DOC = """  Defaults, derived from the funding suits of
    the first and second Trump terms named below, probabilities by
    Laplace's rule of succession, (wins + 1) / (cases + 2).  Preliminary
    injunction: sought with probability 0.9 (Assumption: 7 of the 11 suits
    sought one, the others relied on an earlier nationwide injunction, which
    ``parties`` scope no longer allows); granted 0.89 (7 of 7 motions: Santa
    Clara and San Francisco 2017, Chicago 2017, Philadelphia 2017, San
    Francisco 2025, King County 2025, California v. DOT 2025); 30-85 days,
    most likely 58 (filing to injunction 32, 37, 39, 76, 77 and about 82
    days).  Merits: won 0.92 (11 of 11 district merits rulings for
    localities); 100-350 days, most likely 210 (138, about 209 and 315 days
    after an injunction; 134 and 342 days after filing without one).
    Appeal: taken 0.8 (the government appealed 8 of 9 losses traced); won
    0.8 (7 of 8 circuit decisions for localities; the 2d Circuit ruled for
    the government on 2020-02-26); 230-660 days, most likely 450 (240, about
    254, 453, 568, 643 and 647 days from judgment to circuit ruling).
    Certiorari: Assumption: taken 0.3, won 0.5, 270-640 days, most likely
    400; the Supreme Court never reached the merits (the 2020 petitions were
    dismissed on 2021-03-05 after the conditions were rescinded)."""

_LEGISLATION_DOC = """How courts treat suits against a statute passed by Congress.

    Defaults: durations and the chance each stage happens as for executive
    orders; the chance of winning is an Assumption, far lower: courts
    presume Acts of Congress valid, and a Spending Clause challenge must
    show that conditions are ambiguous, unrelated to the funds' purpose or
    coercive (South Dakota v. Dole, 1987; NFIB v. Sebelius, 2012).
    Preliminary injunction won 0.2, merits 0.25, appeal 0.3, certiorari
    0.5.
"""


class LegalCosts(Sourced):
    """What a suit costs its plaintiffs, shared by a coalition's members."""

    in_house_per_month: Money = 15_500.0
    """City-attorney staff time, USD per month of active litigation per suit.
    Derived: California DOJ spent $41M on 110 suits against the federal
    administration over four years, almost all personnel hours (CalMatters
    via GV Wire, 2021-01-23), about $373,000 a suit; spread over 24 months of
    active litigation (Assumption) that is about $15,500 a month."""
    outside_per_month: Money = 9_000.0
    """Outside counsel fees, USD per month of active litigation per suit (0 for
    pro bono counsel, as Santa Clara County had in 2017).  Derived: Chicago
    was awarded $391,169 in fees for its 2017 and 2018 Byrne JAG suits (N.D.
    Ill. order 2021-04-28), about 44 months, so about $9,000 a month; a lower
    bound, as the award covered only part of its costs."""
    preliminary_injunction: Money = 0.0
    """Lump sum billed when the preliminary-injunction motion is decided, USD.
    Default 0: the sourced costs are per suit and spread monthly above."""
    merits: Money = 0.0
    """Lump sum billed at the merits ruling, USD.  Default 0 (see above)."""
    appeal: Money = 0.0
    """Lump sum billed at the appeal ruling, USD.  Default 0 (see above)."""
    certiorari: Money = 0.0
    """Lump sum billed at the Supreme Court's ruling, USD.  Default 0 (see
    above)."""


class LateMember(Sourced):
    """A jurisdiction joining a coalition's suit after it was filed."""

    city: str = Field(min_length=1, max_length=MAX_NAME)
    """The ``[[city]]`` that joins."""
    join_after_days: uncertain(ge=0, le=36_500)
    """Days after the filing on which it joins (an amended complaint); it pays
    its share from then and the injunction covers it ``extension_days``
    later.  San Francisco v. Trump: filed 2025-02-07, amended complaint
    adding 34 jurisdictions 2025-07-09, 152 days."""


class Coalition(Sourced):
    """``[[litigation.coalition]]``: jurisdictions suing together.

    One ruling is one event for every member; legal costs are shared.  A
    city may be in at most one coalition per measure; cities that sue and
    are in no coalition sue alone.
    """

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"San Francisco v. Trump"``."""
    members: list[str] = Field(min_length=1, max_length=MAX_CITIES)
    """Jurisdictions suing from the filing, by ``[[city]]`` name."""
    late_members: list[LateMember] = Field(default_factory=list, max_length=MAX_CITIES)
    """Jurisdictions joining later."""
    measures: list[str] = Field(default_factory=list)
    """Measures challenged, by name (empty: every measure); one suit each."""
    cost_sharing: Literal["equal", "population", "budget"] = "equal"
    """How costs are split among the members taking part each month:
    ``equal``, by ``population`` or by ``budget`` (expenditure).  Default
    ``equal``: Newark and Hoboken split their 2025 counsel's fees evenly
    (Reuters, 2025-07-25)."""
    filing_delay_days: uncertain(ge=-36_500, le=36_500) | None = None
    """Days from the measure's effective date to the filing (negative: before
    it); default ``litigation.filing_delay_days``.  San Francisco v. Trump
    was filed 2025-02-07, 80 days before EO 14287 (2025-04-28)."""
    extension_days: uncertain(ge=0, le=36_500) = 44.0
    """Days from a late member's joining until the court extends the
    injunction to it.  San Francisco v. Trump: amended complaint
    2025-07-09, injunction extended to 34 more jurisdictions 2025-08-22."""
    courts: Courts = Courts()
    """This coalition's own court parameters (e.g. a ruling already made);
    keys left out take the scenario's values for the measure's kind."""
    costs: LegalCosts | None = None
    """This coalition's own costs per suit; replaces ``[litigation.costs]``
    (keys left out take the built-in defaults)."""

    @field_validator("members")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _unique(value, "member")


class Liability(Sourced):
    """Damages for holding people on ICE detainers without a judicial warrant.

    Whether such a hold is unlawful depends on the circuit: most courts found
    it a new seizure without probable cause (Miranda-Olivares v. Clackamas
    County, D. Or. 2014-04-11; Morales v. Chadbourne, 1st Cir. 2015), the 5th
    Circuit upheld it (City of El Cenizo v. Texas, 2018).  The enforcement
    process supplies the monthly count of unlawful holds, those of cities
    outside :attr:`lawful_in` (a city's circuit follows from its state,
    28 U.S.C. 41); each may bring a damages claim, paid after a lag.
    """

    lawful_in: list[Circuit] = list(DETAINER_HOLDS_LAWFUL_IN)
    """Circuits where a hold on a detainer without a judicial warrant is lawful,
    so it brings no damages.  Default ``["5th"]``: City of El Cenizo v. Texas,
    890 F.3d 164 (5th Cir. 2018) upheld Texas SB 4's mandate to honour every
    detainer against a Fourth Amendment challenge; no other circuit has held
    such holds lawful (the 1st held the opposite in Morales v. Chadbourne, 793
    F.3d 208, 2015)."""

    claim_probability: Share = 0.063
    """Probability that an unlawful hold leads to a paid claim.  Derived: Roy
    v. County of Los Angeles settlement, 1,166 claimants of about 18,500
    eligible people held 2010-2014 (LA Times, 2022-02-04)."""
    payout_mean: Money = 12_000.0
    """Mean cost of a paid claim, USD, including plaintiffs' attorneys' fees.
    Derived: the $14M Roy v. County of Los Angeles settlement (approved
    2020-10-13) over its 1,166 claimants is $12,007."""
    payout_sigma: uncertain(gt=0, le=5) = 1.0
    """Standard deviation of the logarithm of a claim's cost (log-normal).
    Assumption: individual claims ranged from $250 to $25,000 in Roy v.
    County of Los Angeles and $35,000 to $95,000 in individual suits
    (Morales v. Chadbourne; Galarza v. Szalczyk, Lehigh County share)."""
    payout_lag_months: uncertain(ge=0, le=600, integer=True) = 60.0
    """Months from the hold to the payment (an uncertain value is drawn once
    per replication).  Derived: about 38 months (Miranda-Olivares: held
    2012-03, settled 2015-05), 47 and 67 months (Galarza: held 2008-11,
    settlements 2012-10 and 2014-06), 76-120 months (Roy: holds 2010-2014,
    settlement 2020-10); 60 is near their middle, e.g. ``{dist =
    "triangular", low = 36, mode = 60, high = 120}`` spans them."""


class Litigation(Sourced):
    """``[litigation]``: who sues, how courts rule, what it costs.

    A measure that withholds a jurisdiction's funds brings a suit if the
    strategy sues: a coalition's suit for its members, else the city's own.
    """

    strategies: list[str] | None = None
    """Strategies under which penalised jurisdictions sue, by name; default:
    every strategy starting at a level short of ``full`` cooperation (a city
    that keeps any limit on cooperation defends it in court).  ``[]``: nobody
    sues."""
    sue_alone: list[str] | None = None
    """Jurisdictions that sue on their own over measures no coalition of theirs
    challenges, by ``[[city]]`` name; default: every city.  ``[]``: only
    coalitions sue (the other cities are non-parties)."""
    scope: Literal["parties", "universal"] = "parties"
    """Whom an injunction protects: only the plaintiffs (``parties``, the rule
    since Trump v. CASA, 606 U.S. 831, 2025-06-27) or every jurisdiction
    (``universal``, as the nationwide injunction in City of Chicago v.
    Sessions, 2017-09-15)."""
    filing_delay_days: uncertain(ge=-36_500, le=36_500) = 13.0
    """Days from a measure's effective date to the filing of suits against it
    (negative: before).  Chicago sued 13 days after DOJ announced the Byrne
    JAG conditions (2017-07-25 to 2017-08-07)."""
    executive_order: Courts = Field(
        default_factory=Courts,
        description="How courts treat suits against executive orders." + _EXECUTIVE_DEFAULTS_DOC)
    grant_condition: Courts = Field(
        default_factory=Courts,
        description="How courts treat suits against agency grant conditions (same defaults "
        "as executive orders: most of the suits below challenged grant conditions)."
        + _EXECUTIVE_DEFAULTS_DOC)
    legislation: Courts = Field(default_factory=Courts, description=_LEGISLATION_DOC)
    costs: LegalCosts = LegalCosts()
    """Legal costs per suit of jurisdictions suing alone, and of coalitions
    without their own ``costs``."""
    coalition: list[Coalition] = Field(default_factory=list, max_length=1_000)
    """Coalitions (``[[litigation.coalition]]`` tables)."""
    liability: Liability = Liability()
    """Damages for unlawful detention."""

    @field_validator("strategies")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value, "strategy")

    def court_value(self, kind: str, stage: str, key: str,
                    coalition: Coalition | None = None) -> tuple[str, Any]:
        """(key path, value) of a court parameter for a measure kind.

        The coalition's own table wins, then the scenario's kind table, then
        :data:`COURT_DEFAULTS`; ``days`` comes back as (low, mode, high).
        """
        tables = [(f"litigation.{kind}", getattr(self, kind))]
        if coalition is not None:
            tables.insert(0, (f"litigation.coalition[{coalition.name}].courts",
                              coalition.courts))
        for prefix, courts in tables:
            value = getattr(getattr(courts, stage), key, None)
            if value is not None:
                if isinstance(value, Days):
                    value = (value.low, value.mode, value.high)
                return f"{prefix}.{stage}.{key}", value
        return f"litigation.{kind}.{stage}.{key}", COURT_DEFAULTS[kind][stage][key]


def plain_number(value: float) -> str:
    """A bound as people write it: -50,000,000 rather than -5e+07."""
    if abs(value) >= 1e4 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:g}"


class Threshold(Frozen):
    """``[[threshold]]``: a requirement a future must meet, for the robustness ranking.

    Not model data but the analyst's test of a strategy, so it needs no
    source.  Give one lower bound (``at_least`` or ``above``) and/or one upper
    bound (``at_most`` or ``below``).  Examples: reserves never below the
    floor, ``metric = "floor_breached", at_most = 0``; a net fiscal impact no
    worse than -$50M, ``metric = "net_fiscal_impact", at_least = -5e7``.
    """

    metric: str = Field(min_length=1, max_length=MAX_NAME)
    """A per-replication outcome of ``fundsim run`` (``replications.parquet``
    columns, e.g. ``net_fiscal_impact``, ``floor_breached``)."""
    city: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """The city whose outcome is tested; default: all cities together (sums,
    or the worst city for floor breaches and reserve ratios)."""
    at_least: float | None = None
    """The outcome must be at least this."""
    above: float | None = None
    """The outcome must be strictly above this."""
    at_most: float | None = None
    """The outcome must be at most this."""
    below: float | None = None
    """The outcome must be strictly below this."""
    label: str | None = Field(default=None, max_length=MAX_NAME)
    """Short name for the report; default: the condition itself."""

    @model_validator(mode="after")
    def _bounds(self) -> Threshold:
        if all(v is None for v in (self.at_least, self.above, self.at_most, self.below)):
            raise ValueError("give a bound: at_least, above, at_most or below")
        if self.at_least is not None and self.above is not None:
            raise ValueError("give either at_least or above, not both")
        if self.at_most is not None and self.below is not None:
            raise ValueError("give either at_most or below, not both")
        low, high = self.lower, self.upper
        if low is not None and high is not None and not low < high:
            raise ValueError(f"the lower bound ({low:g}) must be below the upper bound "
                             f"({high:g}), or no future can meet it")
        return self

    @property
    def lower(self) -> float | None:
        """The lower bound, strict or not."""
        return self.at_least if self.at_least is not None else self.above

    @property
    def upper(self) -> float | None:
        """The upper bound, strict or not."""
        return self.at_most if self.at_most is not None else self.below

    def met(self, values: Any) -> Any:
        """Whether each value (a number, array or Series) meets the requirement."""
        ok = values == values  # True, NaN excepted, in the shape of ``values``
        for bound, test in ((self.at_least, values.__ge__), (self.above, values.__gt__),
                            (self.at_most, values.__le__), (self.below, values.__lt__)):
            if bound is not None:
                ok = ok & test(bound)
        return ok

    def __str__(self) -> str:
        if self.label:
            return self.label
        parts = [f"{op} {plain_number(bound)}"
                 for op, bound in ((">=", self.at_least), (">", self.above),
                                   ("<=", self.at_most), ("<", self.below)) if bound is not None]
        where = f" in {self.city}" if self.city else ""
        return f"{self.metric}{where} " + " and ".join(parts)


class Scenario(Frozen):
    """A whole scenario file."""

    scenario: ScenarioInfo
    """What is simulated, from when, for how long."""
    city: list[City] = Field(min_length=1, max_length=MAX_CITIES)
    """Jurisdictions (one or more ``[[city]]`` tables)."""
    measure: list[Measure] = Field(default_factory=list, max_length=200)
    """Federal measures (``[[measure]]`` tables)."""
    strategy: list[Strategy] = Field(default_factory=list, max_length=100)
    """Strategies beyond or replacing the built-in ones (``[[strategy]]``)."""
    litigation: Litigation = Litigation()
    """Who sues, how courts rule, legal costs and detention liability
    (``[litigation]``)."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Bibliography: short key -> full citation, referred to from ``source``
    entries."""
    threshold: list[Threshold] = Field(default_factory=list, max_length=100)
    """Requirements a future must meet (``[[threshold]]`` tables), for the
    report's robustness ranking; ``fundsim run --threshold`` adds more."""

    @property
    def start(self) -> dt.date:
        """First day of the first simulated month."""
        return self.scenario.start.replace(day=1)

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return 12 * self.scenario.years

    @property
    def end(self) -> dt.date:
        """First day after the horizon."""
        total = self.start.month - 1 + self.months
        return dt.date(self.start.year + total // 12, total % 12 + 1, 1)

    def strategy_table(self) -> dict[str, Strategy]:
        """Every strategy by name: the built-ins, then the file's own."""
        return {**BUILTIN_STRATEGIES, **{s.name: s for s in self.strategy}}

    def forbidden_strategies(self) -> list[str]:
        """Strategies that some city's state law forbids (California's SB 54 forbids ``full``)."""
        return [name for name, s in self.strategy_table().items() if _forbidden_pairs(self, s)]

    def strategies_to_run(self) -> list[Strategy]:
        """The strategies compared, in order (the baseline is added by the engine)."""
        table = self.strategy_table()
        if self.scenario.strategies is not None:
            return [table[name] for name in self.scenario.strategies]
        own = {s.name for s in self.strategy}
        return [s for s in table.values() if (s.name in DEFAULT_STRATEGIES or s.name in own)
                and not _forbidden_pairs(self, s)]

    def city_named(self, name: str) -> City:
        """The city with this name."""
        return next(c for c in self.city if c.name == name)

    def with_values(self, values: Mapping[str, Any], origin: str = "<override>") -> Scenario:
        """Return a copy with some values replaced by key path, validated like a file.

        A key path names tables by key and list items by position or by name
        (``program`` for grants), as in ``"city[Chicago].budget.reserves"``,
        ``"measure[0].probability"`` or ``"city[0].grant[Byrne JAG].amount"``.
        A value may be a number, a date, a string, a list, a whole table
        (dict) or an uncertain quantity such as ``{"dist": "uniform", "low": 0,
        "high": 1}``; numpy numbers are accepted.  Every problem is reported at
        once as a :class:`~sim.errors.ScenarioError`, each naming ``origin``,
        the key path as you wrote it and the value; the scenario itself never
        changes.

        >>> s = loads(EXAMPLE)
        >>> s.with_values({"city[Springfield].budget.reserves": 5e6}).city[0].budget.reserves
        5000000.0
        >>> s.with_values({"city[0].budget.reserves": -1, "scenario.yeers": 3})
        Traceback (most recent call last):
        ...
        sim.errors.ScenarioError: <override>: scenario.yeers: unknown key; did you mean 'years'? ...
        <override>: city[0].budget.reserves: must be >= 0 (got -1)
        """
        if not isinstance(values, Mapping):
            raise TypeError(f"values must map key paths to values (got {show_value(values)})")
        data = self.model_dump(mode="python", by_alias=True)
        problems, spelled = [], {}
        for path, value in values.items():
            try:
                canonical = set_path(data, path, _plain(value))
            except KeyError as error:
                problems.append(Problem(origin, str(path) or repr(path), error.args[0], value))
            else:
                spelled.update(_prefixes(canonical, path))
        try:
            scenario = validate(data, origin)
        except ScenarioError as error:
            problems.extend(_respelled(p, spelled) for p in error.problems)
        if problems:
            raise ScenarioError(problems)
        return scenario

    def value_at(self, path: str) -> Any:
        """Return the value at a key path (the paths of :meth:`with_values`).

        Raises :class:`KeyError` naming the step that does not exist.

        >>> s = loads(EXAMPLE)
        >>> s.value_at("city[Springfield].budget.reserves")
        10000000.0
        >>> s.value_at("scenario.years")
        2
        """
        node: Any = self
        steps = parse_path(path)
        for i, (key, selector) in enumerate(steps):
            node = _child(node, key, _joined(steps[:i]))
            if selector is not None:
                here = _joined([*steps[:i], (key, None)])
                if not isinstance(node, list):
                    raise KeyError(f"{here} is not a list; [{selector}] selects nothing")
                node = node[_item_index(node, selector, here)]
        return node

    def is_money(self, path: str) -> bool:
        """Whether the key at ``path`` holds money (US dollars).

        >>> s = loads(EXAMPLE)
        >>> s.is_money("city[Springfield].budget.reserves"), s.is_money("scenario.years")
        (True, False)
        """
        *parents, (key, _) = parse_path(path)
        owner = self.value_at(_joined(parents)) if parents else self
        if not isinstance(owner, Frozen):
            return False
        fields = {info.alias or name: info for name, info in type(owner).model_fields.items()}
        return key in fields and is_money(fields[key])


def _plain(value: Any) -> Any:
    """Turn numpy numbers, arrays and scenario objects into plain Python, to validate alike."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Frozen):
        return value.model_dump(mode="python", by_alias=True)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _prefixes(canonical: str, spelled: str) -> dict[str, str]:
    """Map each prefix of a path with items by position to the same prefix as written."""
    steps, written = parse_path(canonical), parse_path(spelled)
    return {_joined(steps[:n]): _joined(written[:n]) for n in range(1, len(steps) + 1)}


def _joined(steps: list[tuple[str, str | None]]) -> str:
    return ".".join(key if selector is None else f"{key}[{selector}]" for key, selector in steps)


def _respelled(problem: Problem, spelled: dict[str, str]) -> Problem:
    """Locate a problem the way the override was written (``city[Chicago]``, not ``[3]``)."""
    for canonical in sorted(spelled, key=len, reverse=True):
        rest = problem.path.removeprefix(canonical)
        if rest != problem.path and rest[:1] in ("", ".", "["):
            return dataclasses.replace(problem, path=spelled[canonical] + rest)
    return problem


def _forbidden_pairs(scenario: Scenario, strategy: Strategy) -> list[City]:
    """Cities where state law forbids this strategy."""
    cities = strategy.cities or [c.name for c in scenario.city]
    return [
        c for c in scenario.city
        if c.name in cities and strategy.compliance in FORBIDDEN_BY_STATE_LAW[c.state_law]
    ]


# --------------------------------------------------------------------------
# Key paths


_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")
_INDEX = re.compile(r"-?[0-9]+")
_PATH_HELP = "write key paths like city[0].budget.reserves or city[Chicago].grant[Byrne JAG].amount"


def parse_path(path: str) -> list[tuple[str, str | None]]:
    """Split a key path into steps: each a key and, for a list, the item selected.

    Item names may contain dots and spaces, so ``[...]`` is read whole.

    >>> parse_path("measure[H.R. 32].probability")
    [('measure', 'H.R. 32'), ('probability', None)]
    """
    if not isinstance(path, str) or not path:
        raise KeyError(f"not a key path; {_PATH_HELP}")
    steps, position = [], 0
    while True:
        match = _STEP.match(path, position)
        if match is None or match.group(2) == "":
            raise KeyError(f"cannot read the key path at {path[position:]!r}; {_PATH_HELP}")
        steps.append((match.group(1), match.group(2)))
        position = match.end()
        if position == len(path):
            return steps
        if path[position] != ".":
            raise KeyError(f"cannot read the key path at {path[position:]!r}; {_PATH_HELP}")
        position += 1


def _label(item: Any) -> str | None:
    """Name a list item is selected by: its ``name``, else its ``program``."""
    for key in ("name", "program"):
        value = item.get(key) if isinstance(item, dict) else getattr(item, key, None)
        if isinstance(value, str):
            return value
    return None


def _item_index(items: list, selector: str, where: str) -> int:
    """Position of the item a selector names: an index (negative from the end) or a name."""
    if _INDEX.fullmatch(selector):
        index = int(selector)
        if not -len(items) <= index < len(items):
            entries = "1 entry" if len(items) == 1 else f"{len(items)} entries"
            raise KeyError(f"{where} has {entries}, no [{index}]")
        return index % len(items)
    for i, item in enumerate(items):
        if _label(item) == selector:
            return i
    names = [name for name in map(_label, items) if name is not None]
    known = f" (known: {', '.join(names)})" if names else ""
    raise KeyError(f"no {where} named {selector!r}{known}")


def _child(node: Any, key: str, where: str) -> Any:
    """Value of ``key`` inside a scenario object or a dict, by its file spelling."""
    if isinstance(node, dict) and key in node:
        return node[key]
    if isinstance(node, Frozen):
        fields = {info.alias or name: name for name, info in type(node).model_fields.items()}
        if key in fields:
            return getattr(node, fields[key])
    if isinstance(node, dict | Frozen):
        raise KeyError(f"{where or 'a scenario'} has no key {key!r}")
    raise KeyError(f"{where} is a value ({show_value(node)}), not a table")


def set_path(data: dict, path: str, value: Any) -> str:
    """Set a value in nested scenario data by key path.

    Returns the path with list items by position, as validation errors name
    them.  Optional tables left out on the way are created.
    """
    node: Any = data
    steps = parse_path(path)
    canonical: list[tuple[str, str | None]] = []
    for i, (key, selector) in enumerate(steps):
        last = i == len(steps) - 1
        parent, here = _joined(steps[:i]), _joined([*steps[:i], (key, None)])
        if not isinstance(node, dict):
            raise KeyError(f"{parent} is a value ({show_value(node)}), not a table")
        if selector is None:
            canonical.append((key, None))
            if last:
                node[key] = value
            else:
                # A table left out, or an unknown key that validation will name.
                if node.get(key) is None:
                    node[key] = {}
                node = node[key]
            continue
        if key not in node:
            raise KeyError(f"{parent or 'a scenario'} has no key {key!r}")
        items = node.get(key)
        if not isinstance(items, list):
            raise KeyError(f"{here} is not a list; [{selector}] selects nothing")
        index = _item_index(items, selector, here)
        canonical.append((key, str(index)))
        if last:
            items[index] = value
        else:
            node = items[index]
    return _joined(canonical)


def uncertain_leaves(scenario: Scenario) -> Iterator[tuple[str, Any]]:
    """Every uncertain quantity, with a stable path naming list items by name.

    Names (not positions) make random streams stable: adding a city does not
    change the draws of the others.
    """
    yield from _leaves(scenario, "")


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    # Only objects and lists can hold a distribution: plain values (most fields) are
    # skipped without a call, which keeps the walk of a 500-city scenario short.
    if is_uncertain(node):
        yield prefix, node
    elif isinstance(node, Frozen):
        for key in type(node).model_fields:
            value = getattr(node, key)
            if isinstance(value, Frozen | list):
                yield from _leaves(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, Frozen | list):
                label = getattr(item, "name", None) or getattr(item, "program", None) or str(i)
                yield from _leaves(item, f"{prefix}[{label}]")


def number_leaves(scenario: Scenario) -> Iterator[tuple[str, Any, bool]]:
    """Every number, date and uncertain quantity of a scenario, written or defaulted.

    Yields ``(key path, value, written)``: the paths
    :meth:`Scenario.with_values` and sweep files take, naming list items by
    name; ``written`` says whether the file set the value (else it is the
    schema's default).  Keys whose default is worked out from other keys
    (left ``None``) are not listed.
    """
    yield from _number_leaves(scenario, "", True)


def _number_leaves(node: Any, prefix: str, written: bool) -> Iterator[tuple[str, Any, bool]]:
    if is_uncertain(node) or (isinstance(node, int | float | dt.date)
                              and not isinstance(node, bool)):
        yield prefix, node, written
    elif isinstance(node, Frozen):
        for key in type(node).model_fields:
            if key not in ("source", "sources"):
                yield from _number_leaves(getattr(node, key), f"{prefix}.{key}" if prefix
                                          else key, written and key in node.model_fields_set)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, Frozen):
                label = getattr(item, "name", None) or getattr(item, "program", None) or str(i)
                yield from _number_leaves(item, f"{prefix}[{label}]", written)


# --------------------------------------------------------------------------
# Loading and error reporting


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises :class:`~sim.errors.ScenarioError` listing every problem.
    """
    name = str(path)
    return loads(read_text(path), name)


def read_text(path: str | Path) -> str:
    """The text of a file fundsim reads (a scenario, observed outcomes), read safely.

    Only a regular file is read: a FIFO, a device or a directory is refused
    (opened without waiting: a FIFO nobody writes to would block the open
    for ever).  At most :data:`MAX_FILE_BYTES` are read; binary and non-UTF-8
    files are refused with a clear problem.
    """
    path = Path(path)
    name = str(path)
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
            regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
            raw = stream.read(MAX_FILE_BYTES + 1) if regular else b""
    except IsADirectoryError:  # where directories cannot be opened at all
        regular = False
    except OSError as error:
        raise ScenarioError([Problem(name, "", f"cannot read file: {error.strerror}",
                                     has_value=False)]) from None
    if not regular:
        raise ScenarioError([Problem(name, "", "not a regular file", has_value=False)])
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(
            name, "", f"file is larger than {MAX_FILE_BYTES // 2**20} MiB, the limit for a "
            "scenario file (is it the right file?)", has_value=False)])
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, "", "binary data, not a TOML text file",
                                     has_value=False)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ScenarioError([Problem(
            name, "", f"not UTF-8 text (byte {error.start}, line {line}); save the file as "
            "UTF-8", has_value=False)]) from None
    return text


def parse_toml(text: str, origin: str) -> dict:
    """TOML text as data; syntax errors and absurd nesting as a :class:`ScenarioError`."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem(origin, "", f"TOML syntax error: {error}",
                                     has_value=False)]) from None
    except RecursionError:
        raise ScenarioError([Problem(origin, "", "TOML nested too deeply (brackets or braces "
                                     "inside each other hundreds of times)",
                                     has_value=False)]) from None


def loads(text: str, origin: str = "<string>") -> Scenario:
    """Validate a scenario given as TOML text."""
    text = text.removeprefix("\ufeff")  # byte order mark some Windows editors write
    if "\x00" in text:
        raise ScenarioError([Problem(origin, "", "binary data, not a TOML text file",
                                     has_value=False)])
    if not text.strip():
        raise ScenarioError([Problem(origin, "", "empty file; a scenario needs [scenario] "
                                     "and at least one [[city]]", has_value=False)])
    return validate(parse_toml(text, origin), origin)


def validate(data: dict, origin: str = "<data>") -> Scenario:
    """Validate already-parsed scenario data (e.g. from TOML)."""
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems.extend(_pydantic_problems(error, origin))
    problems.extend(_cross_reference_problems(data, origin))
    if scenario is not None:
        problems.extend(_semantic_problems(scenario, origin))
    if problems:
        raise ScenarioError(_deduplicated(problems))
    assert scenario is not None
    return scenario


def _deduplicated(problems: list[Problem]) -> list[Problem]:
    seen, kept = set(), []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            kept.append(p)
    return kept


def format_loc(loc: tuple) -> str:
    """Turn a pydantic error location into a file key path: ``city[0].budget.reserves``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in UNION_TAGS or part.startswith("function-"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def _pydantic_problems(error: ValidationError, origin: str) -> list[Problem]:
    problems = []
    for err in error.errors():
        has_value = err["type"] != "missing"
        problems.append(Problem(origin, format_loc(err["loc"]), plain_message(err, Scenario),
                                err.get("input"), has_value))
    return problems


def _names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [i["name"] for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)]


def _repeated(items: Any, key: str, path: str, origin: str) -> list[Problem]:
    """Problems for items of a list of tables sharing the value of ``key``."""
    where: dict[str, list[int]] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get(key), str):
            where.setdefault(item[key], []).append(i)
    return [
        Problem(origin, f"{path}[{i}].{key}",
                f"{key} {value!r} used {len(found)} times ({path}[{found[0]}] has it "
                f"first); {key}s must be unique", value)
        for value, found in where.items() if len(found) > 1
        for i in found[1:]
    ]


def _oversized(data: dict) -> bool:
    """Whether a list of tables is longer than the schema allows."""
    for key in ("city", "measure", "strategy"):
        limit = next(m.max_length for m in Scenario.model_fields[key].metadata
                     if getattr(m, "max_length", None))
        if isinstance(data.get(key), list) and len(data[key]) > limit:
            return True
    return False


def _cross_reference_problems(data: Any, origin: str) -> list[Problem]:
    """Name clashes and references to things not defined; works on raw data."""
    if not isinstance(data, dict) or _oversized(data):
        return []  # the size is the problem to fix first
    problems = []
    cities = _names(data.get("city"))
    for section in ("city", "measure", "strategy"):
        problems.extend(_repeated(data.get(section), "name", section, origin))
    for section, (name, meaning) in RESERVED_NAMES.items():
        items = data.get(section)
        problems.extend(
            Problem(origin, f"{section}[{i}].name", f"{name!r} is reserved for {meaning}; "
                    "choose another name", name)
            for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, dict) and item.get("name") == name)
    for i, city in enumerate(data.get("city") if isinstance(data.get("city"), list) else []):
        if isinstance(city, dict):
            problems.extend(_repeated(city.get("grant"), "program", f"city[{i}].grant", origin))
    for section in ("measure", "strategy"):
        items = data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            refs = item.get("cities", []) if isinstance(item, dict) else []
            for j, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str) and ref not in cities:
                    problems.append(Problem(origin, f"{section}[{i}].cities[{j}]",
                                            "no [[city]] has this name", ref))
    problems.extend(_rule_reference_problems(data, origin))
    info = data.get("scenario")
    wanted = info.get("strategies") if isinstance(info, dict) else None
    known = set(BUILTIN_STRATEGIES) | set(_names(data.get("strategy")))
    for j, ref in enumerate(wanted if isinstance(wanted, list) else []):
        if isinstance(ref, str) and ref not in known and ref != BASELINE:
            problems.append(Problem(origin, f"scenario.strategies[{j}]",
                                    f"no such strategy (known: {', '.join(sorted(known))})", ref))
        if ref == BASELINE:
            problems.append(Problem(origin, f"scenario.strategies[{j}]",
                                    "the baseline is always run; do not list it", ref))
    problems.extend(_litigation_problems(data, origin, set(cities), known))
    return problems


def _litigation_problems(data: dict, origin: str, cities: set[str],
                         strategies: set[str]) -> list[Problem]:
    """References from ``[litigation]`` to strategies, cities and measures."""
    litigation = data.get("litigation")
    if not isinstance(litigation, dict):
        return []
    problems = []
    suing = litigation.get("strategies")
    for j, ref in enumerate(suing if isinstance(suing, list) else []):
        if isinstance(ref, str) and ref not in strategies:
            message = ("the baseline never sues" if ref == BASELINE else
                       f"no such strategy (known: {', '.join(sorted(strategies))})")
            problems.append(Problem(origin, f"litigation.strategies[{j}]", message, ref))
    alone = litigation.get("sue_alone")
    for j, ref in enumerate(alone if isinstance(alone, list) else []):
        if isinstance(ref, str) and ref not in cities:
            problems.append(Problem(origin, f"litigation.sue_alone[{j}]",
                                    "no [[city]] has this name", ref))
    measures = set(_names(data.get("measure")))
    coalitions = litigation.get("coalition")
    coalitions = [c for c in coalitions if isinstance(c, dict)] if isinstance(
        coalitions, list) else []
    problems.extend(_repeated(coalitions, "name", "litigation.coalition", origin))
    suing_where: dict[tuple[str, str], str] = {}
    for i, coalition in enumerate(coalitions):
        where = f"litigation.coalition[{i}]"
        listed = _coalition_cities(coalition, where)
        for path, ref in listed:
            if ref not in cities:
                problems.append(Problem(origin, path, "no [[city]] has this name", ref))
        for ref, count in Counter(ref for _, ref in listed).items():
            if count > 1:
                problems.append(Problem(origin, where, f"city {ref!r} listed {count} times "
                                        "(members and late_members)", ref))
        named = coalition.get("measures")
        challenged = named or sorted(measures)
        # A retyped list (measures = 0.5) is the schema's to report, not a crash here.
        for j, ref in enumerate(named if isinstance(named, list) else []):
            if isinstance(ref, str) and ref not in measures:
                problems.append(Problem(origin, f"{where}.measures[{j}]",
                                        "no [[measure]] has this name", ref))
        for _, city in listed:
            for measure in challenged if isinstance(challenged, list) else []:
                if not isinstance(measure, str):
                    continue
                other = suing_where.setdefault((city, measure), coalition.get("name", where))
                if other != coalition.get("name", where):
                    problems.append(Problem(
                        origin, where, f"{city!r} already sues over {measure!r} in coalition "
                        f"{other!r}; a city sues in one coalition per measure", city))
    return problems


def _coalition_cities(coalition: dict, where: str) -> list[tuple[str, str]]:
    """(key path, city name) of every member and late member of a raw coalition table."""
    listed = []
    members = coalition.get("members")
    for j, ref in enumerate(members if isinstance(members, list) else []):
        if isinstance(ref, str):
            listed.append((f"{where}.members[{j}]", ref))
    late = coalition.get("late_members")
    for j, item in enumerate(late if isinstance(late, list) else []):
        if isinstance(item, dict) and isinstance(item.get("city"), str):
            listed.append((f"{where}.late_members[{j}].city", item["city"]))
    return listed


def _as_written(value: Any) -> Any:
    """A schema value as the file wrote it (a distribution as its table)."""
    return value.model_dump(by_alias=True) if isinstance(value, Frozen) else value


def _rule_reference_problems(data: dict, origin: str) -> list[Problem]:
    """Rules that watch a measure the file does not define."""
    measures = _names(data.get("measure"))
    problems = []
    strategies = data.get("strategy")
    for i, strategy in enumerate(strategies if isinstance(strategies, list) else []):
        rules = strategy.get("rule") if isinstance(strategy, dict) else None
        for j, rule in enumerate(rules if isinstance(rules, list) else []):
            ref = rule.get("measure") if isinstance(rule, dict) else None
            if isinstance(ref, str) and ref not in measures:
                problems.append(Problem(origin, f"strategy[{i}].rule[{j}].measure",
                                        "no [[measure]] has this name", ref))
    return problems


def _forbidden_switch_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Rules that would switch a city to a level its state law forbids."""
    problems = []
    for i, strategy in enumerate(scenario.strategy):
        adopters = strategy.cities or [c.name for c in scenario.city]
        for j, rule in enumerate(strategy.rule):
            for city in scenario.city:
                why = refusal(city.state_law, rule.switch_to)
                if city.name in adopters and why:
                    problems.append(Problem(
                        origin, f"strategy[{i}].rule[{j}].switch_to",
                        f"strategy {strategy.name!r} would switch {city.name} to "
                        f"{rule.switch_to!r}, which its state law forbids: {why} "
                        f"(state_law {city.state_law!r})", rule.switch_to))
    return problems


def _horizon_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """A horizon outside 1900-2300 (Python's dates also stop at 9999)."""
    start = scenario.start
    last_year = start.year + (start.month - 2 + scenario.months) // 12
    if start.year < 1900 or start.year > 2300:
        message = "outside the years 1900-2300"
    elif last_year > 2300:
        message = (f"the horizon of {scenario.scenario.years} years runs to {last_year}, "
                   "past 2300")
    else:
        return []
    return [Problem(origin, "scenario.start", message, scenario.scenario.start)]


def _measure_date_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Measures taking effect after the horizon or rescinded before they start."""
    problems = []
    end = scenario.end
    for i, measure in enumerate(scenario.measure):
        first, _ = date_range(measure.effective)
        if first >= end:
            problems.append(Problem(origin, f"measure[{i}].effective",
                                    f"after the horizon, which ends {end - dt.timedelta(1)}",
                                    _as_written(measure.effective)))
        may_rescind = is_uncertain(measure.rescind_probability) or measure.rescind_probability > 0
        if may_rescind and measure.rescind_date is None:
            problems.append(Problem(origin, f"measure[{i}].rescind_date",
                                    "required when rescind_probability can be above zero",
                                    has_value=False))
        if measure.rescind_date is not None:
            first_effective, _ = date_range(measure.effective)
            _, last_rescind = date_range(measure.rescind_date)
            if last_rescind < first_effective:
                problems.append(Problem(origin, f"measure[{i}].rescind_date",
                                        f"before the measure takes effect ({first_effective})",
                                        _as_written(measure.rescind_date)))
    return problems


def _semantic_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Checks that need the whole, validated scenario."""
    problems = _horizon_problems(scenario, origin)
    if not problems:
        problems.extend(_measure_date_problems(scenario, origin))
    table = scenario.strategy_table()
    chosen = scenario.scenario.strategies
    for j, name in enumerate(chosen or []):
        if name not in table:
            continue  # reported with the cross-references
        for city in _forbidden_pairs(scenario, table[name]):
            compliance = table[name].compliance
            problems.append(Problem(
                origin, f"scenario.strategies[{j}]",
                f"strategy {name!r} ({compliance}) is forbidden in {city.name}: "
                f"{refusal(city.state_law, compliance)} (state_law {city.state_law!r})", name))
    problems.extend(_forbidden_switch_problems(scenario, origin))
    problems.extend(threshold_problems(scenario.threshold, scenario, origin, "threshold"))
    for i, city in enumerate(scenario.city):
        why = refusal(city.state_law, city.current_policy)
        if why:
            problems.append(Problem(origin, f"city[{i}].current_policy",
                                    f"forbidden in {city.name}: {why} (state_law "
                                    f"{city.state_law!r})", city.current_policy))
        home = STATE_LAWS[city.state_law].state
        if home is not None and home != city.state:
            problems.append(Problem(origin, f"city[{i}].state_law",
                                    f"the law of {home}, but {city.name} is in {city.state}",
                                    city.state_law))
    if chosen == [] or (chosen is None and not scenario.strategies_to_run()):
        problems.append(Problem(origin, "scenario.strategies",
                                "no strategy to run", chosen, chosen is not None))
    return problems


def threshold_problems(thresholds: list[Threshold], scenario: Scenario, origin: str,
                       where: str = "threshold") -> list[Problem]:
    """Thresholds naming an outcome or a city the run does not have.

    ``where`` locates them: ``threshold`` for the file's ``[[threshold]]``
    tables (``threshold[0].metric``), or an option such as ``--threshold``.
    """
    if not thresholds:
        return []
    from sim.metrics import METRICS

    cities = [c.name for c in scenario.city]
    problems = []
    for i, threshold in enumerate(thresholds):
        def at(key: str, i: int = i) -> str:
            return f"{where}[{i}].{key}" if where == "threshold" else where

        if threshold.metric not in METRICS:
            close = difflib.get_close_matches(threshold.metric, list(METRICS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(METRICS)}"
            problems.append(Problem(origin, at("metric"), f"unknown outcome; {hint}",
                                    threshold.metric))
        if threshold.city is not None and threshold.city not in cities:
            problems.append(Problem(origin, at("city"), "no [[city]] has this name (cities: "
                                    f"{', '.join(cities)})", threshold.city))
    return problems


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect pydantic writes; named in ``$schema`` so editors and validators
know which rules to apply."""


def json_schema(model: type[Frozen] | None = None) -> dict:
    """JSON Schema of scenario files (or of another file model, e.g. sweep files)."""
    return {"$schema": JSON_SCHEMA_DIALECT,
            **(model or Scenario).model_json_schema(by_alias=True)}


EXAMPLE = """
[scenario]
name = "Example"
start = 2025-01-01
years = 2

[[city]]
name = "Springfield"
state = "IL"
fiscal_year_start = 1
population = 100000
budget = { expenditure = 1e8, reserves = 1e7 }
"""
"""A minimal valid scenario, used in docstring examples."""
