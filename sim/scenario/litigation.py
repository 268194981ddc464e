"""Litigation (``[litigation]``): who sues, how courts rule, what suits cost, detention liability.

A measure that withholds a jurisdiction's funds brings a suit if the
strategy sues: a coalition's (:class:`Coalition`) for its members, else the
city's own.  A suit runs through the court stages (preliminary
injunction, merits, appeal, certiorari); each stage's duration and chance
of success depend on the kind of measure challenged
(:mod:`sim.scenario.courts`: stages, defaults and the suits they are derived
from).  Holding people on detainers alone
brings damages claims (:class:`Liability`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from sim.scenario.base import MAX_CITIES, MAX_NAME, Sourced, unique
from sim.scenario.courts import (
    COURT_DEFAULTS,
    EXECUTIVE_DEFAULTS_DOC,
    LEGISLATION_DOC,
    TERMINATION_DOC,
    Courts,
    Days,
    fixed_days,
)
from sim.scenario.law import DETAINER_HOLDS_LAWFUL_IN, Circuit
from sim.scenario.uncertain import Money, Share, uncertain


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


HISTORIC_STAGES: tuple[str, ...] = ("preliminary_injunction", "interlocutory_appeal", "merits",
                                    "appeal", "certiorari")
"""Stages a suit's history may name: the four of :data:`~sim.scenario.courts.COURT_STAGES`
and, after a preliminary injunction, an interlocutory appeal of it (decided before the merits)."""


class Ruling(Sourced):
    """A ruling made before the scenario's start."""

    stage: Literal["preliminary_injunction", "interlocutory_appeal", "merits", "appeal",
                   "certiorari"]
    """The stage ruled on."""
    date: dt.date
    """Day of the ruling."""
    won: bool
    """Whether the suing jurisdictions won it."""
    vacated: bool = False
    """A won merits ruling also set the measure aside under the APA (5 U.S.C. 706(2))."""


class Dated(Sourced):
    """A city's step in a suit before the scenario's start."""

    city: str = Field(min_length=1, max_length=MAX_NAME)
    """The ``[[city]]``."""
    date: dt.date
    """Day of the step."""


class Pending(Sourced):
    """A stage under way at the scenario's start (argued, not yet decided)."""

    stage: Literal["interlocutory_appeal", "merits", "appeal", "certiorari"]
    """The stage under way."""
    since: dt.date
    """Day from which its duration counts (e.g. the argument)."""
    days: Days
    """Days from ``since`` to the ruling."""

    @field_validator("days", mode="before")
    @classmethod
    def _number_is_fixed(cls, value: Any) -> Any:
        return fixed_days(value)


class SuitHistory(Sourced):
    """What a coalition's suits had done by the scenario's start, taken as given.

    Its suits (one per measure challenged) were filed on ``filed``, whatever the
    measures' dates; the ``rulings`` happened as stated, late members joined and
    were covered on the stated days, and the course goes on from there: a
    ``pending`` stage first, then the stages after the last ruling, drawn given
    it.  Nothing stated here is drawn again.
    """

    filed: dt.date
    """Day the suit was filed."""
    rulings: list[Ruling] = Field(default_factory=list, max_length=10)
    """Rulings before the start, in order."""
    joined: list[Dated] = Field(default_factory=list, max_length=MAX_CITIES)
    """Late members that had joined, and when (an amended complaint)."""
    extended: list[Dated] = Field(default_factory=list, max_length=MAX_CITIES)
    """Late members the injunction had been extended to, and when."""
    pending: Pending | None = None
    """A stage under way at the start, decided first."""

    @model_validator(mode="after")
    def _in_order(self) -> SuitHistory:
        day, order = self.filed, -1
        for ruling in self.rulings:
            stage = HISTORIC_STAGES.index(ruling.stage)
            if ruling.date < day:
                raise ValueError(f"the {ruling.stage} ruling ({ruling.date}) comes before the "
                                 f"filing or the ruling before it ({day})")
            if stage <= order or (ruling.stage == "interlocutory_appeal"
                                  and order != HISTORIC_STAGES.index("preliminary_injunction")):
                raise ValueError(f"rulings must follow the stages' order "
                                 f"({', '.join(HISTORIC_STAGES)}; an interlocutory appeal only "
                                 f"right after the preliminary injunction)")
            day, order = ruling.date, stage
        if self.pending is not None:
            stage = HISTORIC_STAGES.index(self.pending.stage)
            if stage <= order or (self.pending.stage == "interlocutory_appeal" and order != 0):
                raise ValueError(f"the pending {self.pending.stage} must come after the last "
                                 f"ruling (an interlocutory appeal right after the preliminary "
                                 f"injunction)")
        joined = {j.city: j.date for j in self.joined}
        for step in self.extended:
            if step.city not in joined or step.date < joined[step.city]:
                raise ValueError(f"{step.city!r} is extended before it joined")
        return self


class Coalition(Sourced):
    """``[[litigation.coalition]]``: jurisdictions suing together.

    One ruling is one event for every member; legal costs are shared.  A
    city may be in at most one coalition per measure; cities that sue and
    are in no coalition sue alone.
    """

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"San Francisco v. Trump"``."""
    members: list[str] = Field(default_factory=list, max_length=MAX_CITIES)
    """Jurisdictions suing from the filing, by ``[[city]]`` name (may be empty when the
    scenario holds only late members: the founders are then other jurisdictions)."""
    late_members: list[LateMember] = Field(default_factory=list, max_length=MAX_CITIES)
    """Jurisdictions joining later."""
    states: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=list, max_length=60)
    """States suing as plaintiffs, by two-letter postal code: a state-led suit
    against measures against states (``measure.states``), such as New York v.
    HHS (S.D.N.Y., 2026) over the freeze of CCDF, TANF and SSBG payments.  Relief
    the states win protects their awards, and so the money they pass through to
    the scenario's cities located in them (``city.grant.pass_through``): the
    cities are not parties, but the award the injunction protects is the state's
    (scope ``parties``, Trump v. CASA, 2025).  The states sue whatever the
    cities' strategies and pay their own costs, so the cities pay nothing.  A
    state-led suit names no ``members``, ``late_members`` nor ``costs``;
    ``measures`` left out: every measure against states."""
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
    history: SuitHistory | None = None
    """What its suits had done by the scenario's start (filing, rulings, late
    members joined and covered), taken as given rather than drawn."""
    circuit: Circuit | None = None
    """Federal circuit where it sues, whose precedent its suits follow (default: the
    circuit of its first member's state; 28 U.S.C. 41)."""

    @field_validator("members")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return unique(value, "member")

    @field_validator("states")
    @classmethod
    def _distinct_states(cls, value: list[str]) -> list[str]:
        return unique(value, "state")

    @model_validator(mode="after")
    def _someone_sues(self) -> Coalition:
        if self.states:
            named = [key for key in ("members", "late_members", "costs") if getattr(self, key)]
            if named:
                raise ValueError(f"a state-led suit (states) names no {' nor '.join(named)}: "
                                 f"the cities it covers are not parties and pay nothing")
        elif not self.members and not self.late_members:
            raise ValueError("name at least one member, late member or state")
        return self


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
    sues.  A coalition challenging only ``termination`` measures sues under
    every strategy whatever this says: its claim is for money the terminated
    grant owed (Court of Federal Claims, 28 U.S.C. 1491), which complying does
    not cure, as a state-led suit is brought whatever the cities' strategies."""
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
        description="How courts treat suits against executive orders." + EXECUTIVE_DEFAULTS_DOC)
    grant_condition: Courts = Field(
        default_factory=Courts,
        description="How courts treat suits against agency grant conditions (same defaults "
        "as executive orders: most of the suits below challenged grant conditions)."
        + EXECUTIVE_DEFAULTS_DOC)
    legislation: Courts = Field(default_factory=Courts, description=LEGISLATION_DOC)
    termination: Courts = Field(default_factory=Courts, description=TERMINATION_DOC)
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
        return None if value is None else unique(value, "strategy")

    def court_value(self, kind: str, stage: str, key: str,
                    coalition: Coalition | None = None) -> tuple[str, Any]:
        """(key path, value) of a court parameter for a measure kind.

        ``stage`` is a stage of :data:`~sim.scenario.courts.COURT_STAGES` or ``"stay"``.  The
        coalition's own table wins, then the scenario's kind table, then
        :data:`~sim.scenario.courts.COURT_DEFAULTS`; ``days`` come back as (low, mode, high).
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
