"""Litigation (``[litigation]``): who sues, how courts rule, what suits cost, detention liability.

A measure that withholds a jurisdiction's funds brings a suit if the
strategy sues: a coalition's (:class:`Coalition`) for its members, else the
city's own.  A suit runs through :data:`COURT_STAGES` (preliminary
injunction, merits, appeal, certiorari); each stage's duration and chance
of success depend on the kind of measure challenged
(:data:`COURT_DEFAULTS`, derived from the suits cited in the descriptions of
:class:`Litigation`'s kind fields).  Holding people on detainers alone
brings damages claims (:class:`Liability`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.base import MAX_CITIES, MAX_NAME, Sourced, unique
from sim.scenario.law import DETAINER_HOLDS_LAWFUL_IN, Circuit
from sim.scenario.uncertain import Frozen, Money, Share, Uniform, uncertain


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
    under ``litigation.<kind>``.  A stage is drawn given the ruling before it:
    ``probability`` after a ruling the jurisdictions won (or at the suit's
    first ruling), ``probability_after_loss`` after one they lost.
    """

    probability: Share | None = None
    """Probability that the court rules for the suing jurisdictions, when they won
    the previous ruling or this is the suit's first ruling."""
    probability_after_loss: Share | None = None
    """Probability that the court rules for the suing jurisdictions when they lost
    the previous ruling."""
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
    """Probability that the stage happens when the suing jurisdictions won the
    previous ruling (the government appeals, the Supreme Court grants its
    petition), or at the suit's start (they move for a preliminary injunction);
    otherwise the suit moves on (preliminary injunction) or the last ruling
    becomes final."""
    taken_after_loss: Share | None = None
    """Probability that the stage happens when the suing jurisdictions lost the
    previous ruling (they appeal, the Supreme Court grants their petition)."""


class Merits(Stage):
    """Summary judgment: a permanent injunction if won, and perhaps vacatur."""

    vacatur: Share | None = None
    """Probability that a won merits ruling also vacates the measure under the
    Administrative Procedure Act (5 U.S.C. 706(2)): it is set aside for every
    jurisdiction, plaintiff or not, whatever the injunction scope (Trump v.
    CASA, 2025-06-27, limited universal injunctions and left vacatur open).  A
    stay or a lost appeal suspends or ends it like the injunction."""


class Stay(Sourced):
    """A stay pending appeal of a ruling the suing jurisdictions won.

    After a won preliminary injunction, merits or appeal ruling that is not the
    last, the government may ask the circuit court, and if refused the Supreme
    Court, to stay it; a stay suspends the injunction (and any vacatur), so
    withholding resumes and withheld money is not released, until the suit's
    next ruling.
    """

    sought: Share | None = None
    """Probability that the government seeks a stay of a ruling it lost."""
    probability: Share | None = None
    """Probability that the circuit court grants the stay."""
    days: Days | None = None
    """Days from the ruling to the circuit court's order on the stay."""
    supreme_court: Share | None = None
    """Probability that, the circuit court having refused, the government applies to
    the Supreme Court and the Court grants the stay (an emergency application)."""
    supreme_court_days: Days | None = None
    """Days from the circuit court's refusal to the Supreme Court's order."""

    @field_validator("days", "supreme_court_days", mode="before")
    @classmethod
    def _number_is_fixed(cls, value: Any) -> Any:
        return _fixed_days(value)


class Courts(Sourced):
    """How courts treat suits against one kind of measure, stage by stage.

    Stages run in order: preliminary injunction, merits (summary judgment),
    appeal, certiorari.  A won preliminary injunction or merits ruling
    protects the plaintiffs; a lost merits, appeal or certiorari ruling
    dissolves the injunction; the last ruling is final.  Each stage is drawn
    given the ruling before it, and a won ruling may be stayed pending appeal.
    """

    preliminary_injunction: Review = Review()
    """Motion for a preliminary injunction, decided ``days`` after filing."""
    merits: Merits = Merits()
    """Summary judgment (a permanent injunction if won), ``days`` after the
    preliminary-injunction ruling, or after filing if none was sought."""
    appeal: Review = Review()
    """Appeal to the circuit court by the losing side, ``days`` after the
    merits ruling."""
    certiorari: Review = Review()
    """Review by the Supreme Court, ``days`` after the appeal ruling."""
    stay: Stay = Stay()
    """Stays pending appeal of the rulings the jurisdictions win."""


COURT_STAGES: tuple[str, ...] = ("preliminary_injunction", "merits", "appeal", "certiorari")
"""Court stages in the order a suit goes through them."""

LITIGATED_KINDS: tuple[str, ...] = ("executive_order", "grant_condition", "legislation",
                                    "termination")
"""Measure kinds that are challenged in court (a funding lapse is not)."""


def _wide(low: float, high: float) -> Uniform:
    """A default the record leaves thin: every value from ``low`` to ``high``."""
    return Uniform(dist="uniform", low=low, high=high)


_STAY: dict[str, Any] = {
    "sought": _wide(0.3, 0.8), "probability": _wide(0.01, 0.1), "days": (7.0, 30.0, 90.0),
    "supreme_court": _wide(0.01, 0.1), "supreme_court_days": (9.0, 28.0, 60.0),
}
_EXECUTIVE_COURTS: dict[str, dict[str, Any]] = {
    "preliminary_injunction": {"taken": 0.9, "probability": 0.89, "days": (30.0, 58.0, 85.0)},
    "merits": {"probability": 0.92, "probability_after_loss": _wide(0.2, 0.6),
               "days": (100.0, 210.0, 350.0), "vacatur": 0.0},
    "appeal": {"taken": 0.8, "taken_after_loss": _wide(0.7, 1.0), "probability": 0.8,
               "probability_after_loss": _wide(0.07, 0.3), "days": (230.0, 450.0, 660.0)},
    "certiorari": {"taken": _wide(0.1, 0.5), "taken_after_loss": _wide(0.05, 0.4),
                   "probability": _wide(0.5, 0.9), "probability_after_loss": _wide(0.2, 0.6),
                   "days": (270.0, 400.0, 640.0)},
    "stay": _STAY,
}
COURT_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "executive_order": _EXECUTIVE_COURTS,
    "grant_condition": {**_EXECUTIVE_COURTS,
                        "merits": {**_EXECUTIVE_COURTS["merits"], "vacatur": _wide(0.3, 0.9)}},
    "legislation": {
        "preliminary_injunction": {"taken": 0.9, "probability": 0.2,
                                   "days": (30.0, 58.0, 85.0)},
        "merits": {"probability": 0.25, "probability_after_loss": _wide(0.05, 0.25),
                   "days": (100.0, 210.0, 350.0), "vacatur": 0.0},
        "appeal": {"taken": 0.8, "taken_after_loss": _wide(0.7, 1.0), "probability": 0.3,
                   "probability_after_loss": _wide(0.07, 0.3), "days": (230.0, 450.0, 660.0)},
        "certiorari": {"taken": _wide(0.1, 0.5), "taken_after_loss": _wide(0.05, 0.4),
                       "probability": 0.5, "probability_after_loss": _wide(0.1, 0.5),
                       "days": (270.0, 400.0, 640.0)},
        "stay": {**_STAY, "probability": _wide(0.1, 0.6)},
    },
    "termination": {
        "preliminary_injunction": {"taken": 0.0, "probability": 0.0, "days": (0.0, 0.0, 0.0)},
        "merits": {"probability": _wide(0.2, 0.7), "probability_after_loss": _wide(0.2, 0.7),
                   "days": (365.0, 730.0, 1460.0), "vacatur": 0.0},
        "appeal": {"taken": _wide(0.3, 0.8), "taken_after_loss": _wide(0.3, 0.8),
                   "probability": 0.84, "probability_after_loss": _wide(0.07, 0.3),
                   "days": (230.0, 450.0, 660.0)},
        "certiorari": {"taken": _wide(0.0, 0.1), "taken_after_loss": _wide(0.0, 0.1),
                       "probability": 0.5, "probability_after_loss": 0.5,
                       "days": (270.0, 400.0, 640.0)},
        "stay": {**_STAY, "sought": 0.0},
    },
}
"""Built-in court parameters per measure kind and stage; their sources are in
the docstrings of :class:`Litigation`'s kind fields.  A range (``_wide``) is a
default the record leaves thin: each replication draws its own value."""

_EXECUTIVE_DEFAULTS_DOC = """  Defaults, derived from the funding suits of
    the first and second Trump terms named below, probabilities by Laplace's
    rule of succession, (wins + 1) / (cases + 2); where the record is thin the
    default is a range, drawn per replication.
    Preliminary injunction: sought with probability 0.9 (Assumption: 7 of the
    11 suits sought one, the others relied on an earlier nationwide injunction,
    which ``parties`` scope no longer allows); granted 0.89 (7 of 7 motions:
    Santa Clara and San Francisco 2017, Chicago 2017, Philadelphia 2017, San
    Francisco 2025, King County 2025, California v. DOT 2025); 30-85 days, most
    likely 58 (filing to injunction 32, 37, 39, 76, 77 and about 82 days).
    Merits: won 0.92 after a granted injunction or none (11 of 11 district
    merits rulings for localities); after a denied injunction 0.2-0.6
    (Assumption: no captured conditions suit lost its motion; a denial finds
    the claims unlikely to succeed, Winter v. NRDC, 555 U.S. 7, 2008);
    100-350 days, most likely 210 (138, about 209 and 315 days after an
    injunction; 134 and 342 days after filing without one).  Vacatur of a won
    merits ruling: 0 for executive orders (the President is not an agency
    under the APA, Franklin v. Massachusetts, 505 U.S. 788, 1992); 0.3-0.9 for
    agency grant conditions (2 of the 3 merits judgments of 2025 on agency
    conditions set the action aside: California v. DOT, final judgment
    vacating the Duffy directive 2025-11-04; Illinois v. Noem, the HSGP
    reallocation set aside, December 2025; Illinois v. FEMA gave a permanent
    injunction 2025-09-24: (2 + 1) / (3 + 2) = 0.6).  Appeal: taken 0.8 by the
    government after a loss (it appealed 8 of 9 losses traced), 0.7-1 by the
    jurisdictions after theirs (Assumption); won 0.8 after a won merits ruling
    (7 of 8 circuit decisions for localities; the 2d Circuit ruled for the
    government on 2020-02-26), 0.07-0.3 after a lost one (federal courts of
    appeals reverse or remand about 16% of private civil appeals decided on the
    merits, 7-18% by circuit: Administrative Office, Judicial Business 2009, as
    summarised at sixthcircuitappellateblog.com); 230-660 days, most likely 450
    (240, about 254, 453, 568, 643 and 647 days from judgment to circuit
    ruling).  Certiorari: the record is thin (the 2020 petitions were
    dismissed on 2021-03-05 after the conditions were rescinded, so the Court
    never reached the merits): granted 0.1-0.5 on the government's petition,
    0.05-0.4 on the jurisdictions'; won 0.5-0.9 after a won appeal, 0.2-0.6
    after a lost one (Assumption: the Spending Clause precedents favour the
    localities (Pennhurst 1981, South Dakota v. Dole 1987, NFIB v. Sebelius
    2012; "I would be surprised if there are five justices on the Supreme
    Court who would uphold this kind of thing", I. Somin to Bloomberg Law,
    2025-12-05), while the 2025 emergency docket favoured the government);
    270-640 days, most likely 400.  Stays pending appeal: sought 0.3-0.8 (Assumption);
    granted by the circuit 0.01-0.1 and, refused there, by the Supreme Court
    0.01-0.1, about 0.1 in all (no stay of relief to the plaintiffs themselves
    was found in the conditions suits of 2017-2025: in 2018 the nationwide
    reach of Chicago's and California's injunctions was stayed, not their
    relief to the parties; the one Supreme Court ruling on guidance refused
    the stay: NIH v. APHA, 2025-08-21, left the vacatur of NIH's guidance in
    force; 0 of about 7, (0 + 1) / (7 + 2) = 0.11; for terminations the Court
    granted both applications, Department of Education v. California and NIH
    v. APHA, which is why terminations are their own kind); decided 7-90 days
    after the ruling, most likely 30 (Assumption), the Supreme Court 9-60 days
    after the circuit's refusal, most likely 28 (Department of Education v.
    California: applied 2025-03-26, stayed 2025-04-04)."""

_LEGISLATION_DOC = """How courts treat suits against a statute passed by Congress.

    Defaults: durations and the chance each stage happens as for executive
    orders; the chance of winning is an Assumption, far lower: courts
    presume Acts of Congress valid, and a Spending Clause challenge must
    show that conditions are ambiguous, unrelated to the funds' purpose or
    coercive (South Dakota v. Dole, 1987; NFIB v. Sebelius, 2012).
    Preliminary injunction won 0.2, merits 0.25 (0.05-0.25 after a denied
    injunction), appeal 0.3 (0.07-0.3 after a lost merits ruling), certiorari
    0.5 (0.1-0.5 after a lost appeal); no vacatur (a statute is not agency
    action); a stay of an injunction against a statute 0.1-0.6.
"""

_TERMINATION_DOC = """How the Court of Federal Claims treats suits over terminated grants.

    A termination is a breach-of-contract claim under the Tucker Act (28 U.S.C.
    1491): district courts may not order terminated grants paid or reinstated
    (Department of Education v. California, 2025-04-04; NIH v. American Public
    Health Association, 2025-08-21, which left to district courts only
    challenges to guidance), so there is no preliminary injunction and no
    injunction at all: a final judgment won pays the money withheld so far as
    damages, and the grant stays terminated (later payments are lost); a final
    loss makes it all lost.  New York City's suit over the $80.5M FEMA
    clawback was refused a restraining order on 2025-03-05 because the money
    was recoverable later.  Defaults, all thin: no Court of Federal Claims
    judgment on the 2025 terminations was found in the stored sources.
    Merits (the claims court's judgment) won 0.2-0.7 (Assumption: district
    courts found most of the 2025 terminations arbitrary, but the claims court
    decides breach of the grant agreement, whose termination clauses, 2 C.F.R.
    200.340, cut both ways), 365-1,460 days, most likely 730 (Assumption);
    appeal to the Federal Circuit taken 0.3-0.8, affirmed 0.84 as circuits
    affirm most civil judgments (see executive orders); certiorari 0-0.1.
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


HISTORIC_STAGES: tuple[str, ...] = ("preliminary_injunction", "interlocutory_appeal", "merits",
                                    "appeal", "certiorari")
"""Stages a suit's history may name: the four of :data:`COURT_STAGES` and, after a
preliminary injunction, an interlocutory appeal of it (decided before the merits)."""


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
        return _fixed_days(value)


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

    @model_validator(mode="after")
    def _someone_sues(self) -> Coalition:
        if not self.members and not self.late_members:
            raise ValueError("name at least one member or late member")
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
    termination: Courts = Field(default_factory=Courts, description=_TERMINATION_DOC)
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

        ``stage`` is a stage of :data:`COURT_STAGES` or ``"stay"``.  The
        coalition's own table wins, then the scenario's kind table, then
        :data:`COURT_DEFAULTS`; ``days`` come back as (low, mode, high).
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
