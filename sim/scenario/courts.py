"""How courts treat suits (``[litigation.<kind>]``): the stages, their defaults.

A suit runs through :data:`COURT_STAGES` (preliminary injunction, merits,
appeal, certiorari); each stage's duration and chance of success depend on
the kind of measure challenged (:data:`LITIGATED_KINDS`).  The built-in
values (:data:`COURT_DEFAULTS`) are derived from the suits cited in
:data:`EXECUTIVE_DEFAULTS_DOC`, :data:`LEGISLATION_DOC` and
:data:`TERMINATION_DOC`, the descriptions of the kind fields of
:class:`~sim.scenario.litigation.Litigation`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from sim.scenario.base import Sourced
from sim.scenario.uncertain import Frozen, Share, Uniform, uncertain


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


def fixed_days(value: Any) -> Any:
    """``days = 76``, a plain number, as the fixed duration ``{low, mode, high}`` of 76 days."""
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
        return fixed_days(value)


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


class Certiorari(Review):
    """Review by the Supreme Court, granted mostly when the circuits disagree.

    The Court grants review chiefly to settle "a decision in conflict with the
    decision of another United States court of appeals on the same important
    matter" (Sup. Ct. R. 10(a)).  So the chance it takes a suit depends on
    whether the circuits that ruled on the suit's question ruled differently
    (a split): ``taken_after_split`` if they did, else ``taken`` (after a ruling
    for the jurisdictions, on the government's petition) or ``taken_after_loss``
    (on theirs).  The circuits are the suit's own and ``other_circuits`` more,
    each ruling on the question from the uniforms its own suits share.
    """

    taken_after_split: Share | None = None
    """Probability that the Court grants review when another circuit ruled the other
    way on the same question, whoever petitions."""
    other_circuits: uncertain(ge=0, le=11) | None = None
    """How many other circuits rule on the same question before the Court decides
    whether to take it (the fraction of an uncertain value is dropped).  They are
    taken in the order the sanctuary funding questions reached them (9th, 7th, 1st,
    3rd, 2nd, then the rest), skipping the suit's own."""


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
        return fixed_days(value)


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
    certiorari: Certiorari = Certiorari()
    """Review by the Supreme Court, ``days`` after the appeal ruling; taken mostly
    after a circuit split."""
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
    "certiorari": {"taken": _wide(0.02, 0.2), "taken_after_loss": _wide(0.01, 0.1),
                   "taken_after_split": _wide(0.5, 0.9), "other_circuits": _wide(2.0, 5.0),
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
                       "taken_after_split": _wide(0.5, 0.9), "other_circuits": _wide(2.0, 5.0),
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
                       "taken_after_split": 0.0, "other_circuits": 0.0,
                       "probability": 0.5, "probability_after_loss": 0.5,
                       "days": (270.0, 400.0, 640.0)},
        "stay": {**_STAY, "sought": 0.0},
    },
}
"""Built-in court parameters per measure kind and stage; their sources are in
the docstrings of :class:`Litigation`'s kind fields.  A range (``_wide``) is a
default the record leaves thin: each replication draws its own value."""

EXECUTIVE_DEFAULTS_DOC = """  Defaults, derived from the funding suits of
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
    ruling).  Certiorari is granted mostly to settle a circuit split (Sup. Ct.
    R. 10(a)): the Court grants about 1% of all petitions and about 4% of paid
    ones (80 of 2,000 a term), and more than 80% of the petitions it grants
    present a square conflict between courts (T. Goldstein, 'The great myth
    about seeking certiorari', National Law Journal, law.com; Empirical SCOTUS,
    'Elites at cert', 2021-12-15).  The sanctuary record is one split and no
    grant: after the 1st, 3d, 7th and 9th Circuits held the Byrne JAG
    conditions unauthorised and the 2d upheld them (951 F.3d 84, 2020-02-26),
    both sides petitioned (the government against San Francisco, No. 20-666,
    filed 2020-11-13; New York State and City, Nos. 20-795 and 20-796); the
    Court held the petitions over conferences from 2021-02-19 and dismissed
    them under Rule 46 on 2021-03-04 at the parties' request after DOJ dropped
    the conditions (docket of No. 20-666, SCOTUSblog), so whether it would
    have granted was never decided.  Defaults: granted 0.5-0.9 after a split,
    whoever petitions (Assumption: a square split on a federal program both
    sides asked the Court to settle, the Rule 10(a) case); without one 0.02-0.2
    on the government's petition (Assumption: the Solicitor General's
    petitions are granted far more often than others', but four in five grants
    settle a conflict) and 0.01-0.1 on the jurisdictions' (about the 1-4% of
    all petitions); the other circuits ruling on the question before the
    Court decides 2-5 (five circuits ruled on the JAG conditions in 2017-2020;
    in 2025 appeals were taken to the 1st, 7th and 9th).  Won 0.5-0.9 after a won appeal, 0.2-0.6
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

LEGISLATION_DOC = """How courts treat suits against a statute passed by Congress.

    Defaults: durations and the chance each stage happens as for executive
    orders, but for certiorari (below); the chance of winning is an Assumption, far lower: courts
    presume Acts of Congress valid, and a Spending Clause challenge must
    show that conditions are ambiguous, unrelated to the funds' purpose or
    coercive (South Dakota v. Dole, 1987; NFIB v. Sebelius, 2012).
    Preliminary injunction won 0.2, merits 0.25 (0.05-0.25 after a denied
    injunction), appeal 0.3 (0.07-0.3 after a lost merits ruling), certiorari
    0.5 (0.1-0.5 after a lost appeal); no vacatur (a statute is not agency
    action); a stay of an injunction against a statute 0.1-0.6.  Certiorari
    without a split stays granted 0.1-0.5 on the government's petition and
    0.05-0.4 on the jurisdictions' (Assumption: the Court usually reviews a
    judgment holding an Act of Congress invalid, split or not); after a split
    and the other circuits as for executive orders.
"""

TERMINATION_DOC = """How the Court of Federal Claims treats suits over terminated grants.

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
    affirm most civil judgments (see executive orders); certiorari 0-0.1, and
    no circuit split: the Federal Circuit alone hears appeals from the Court of
    Federal Claims (28 U.S.C. 1295(a)(3)), so ``other_circuits`` is 0.
"""
