"""The law fundsim applies: what cooperation means, what state law allows, what a measure reaches.

Data with its citations, read by the schema (to refuse what the law refuses,
naming the provision) and by the model (which practices a level brings).

**Compliance levels** are defined by what a jurisdiction does, in four
practices: answering ICE's requests to be notified of a person's release
(which lets ICE take the person at the jail door), letting ICE interview
people in the jail, holding people up to 48 hours beyond release on a
detainer, and running a 287(g) agreement.  Each practice is done for nobody,
only for people convicted of a listed serious offence, or for everyone.
Every level shares the immigration-status information 8 U.S.C. 1373 and 1644
protect: no local policy may forbid it.

**State law** forbids exactly what its statute or ruling forbids: a level is
refused where the law bars one of its practices, and the refusal names the
provision.

**Reach.**  Which kinds of funding a measure can withhold depends on who acts.
The executive branch cannot withhold funds Congress appropriated by attaching
conditions Congress did not authorise (City and County of San Francisco v.
Trump, 897 F.3d 1225, 9th Cir. 2018): an executive order reaches only
discretionary grants, whose award the agency controls.  An agency grant
condition attaches to the awards an agency makes, discretionary or formula
(the 2017 Byrne JAG conditions were on a formula grant; courts then ruled on
them, which the litigation model carries), but not to entitlements paid by a
statutory formula without an award (Medicaid, Medicare).  An Act of Congress
reaches any kind, within the Spending Clause (South Dakota v. Dole, 483 U.S.
203, 1987; NFIB v. Sebelius, 567 U.S. 519, 2012).  Whether a grant is paid in
advance or reimbursed does not change whether a measure reaches it, only when
withholding bites (the month paid or the month spent, see
:mod:`sim.model.federal`) and what a clawback takes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Scope = Literal["none", "serious", "all"]
"""For whom a practice is done: nobody, people convicted of a listed serious
offence, or everyone ICE asks about."""


@dataclass(frozen=True)
class Level:
    """A compliance level: what the jurisdiction does when ICE asks."""

    notify: Scope
    """Answers requests to be notified of a person's release (ICE then takes the
    person at release, without a hold)."""
    access: bool
    """Lets ICE interview people in the jail."""
    holds: Scope
    """Holds people up to 48 hours beyond release on an ICE detainer (8 CFR 287.7(d))."""
    agreement: bool
    """Runs a 287(g) agreement (8 U.S.C. 1357(g)): deputised staff in the jail."""
    description: str
    """What the level means, in a sentence."""


LEVELS: dict[str, Level] = {
    "sanctuary": Level(
        notify="none", access=False, holds="none", agreement=False,
        description="No release notifications, no ICE interviews in the jail, no holds "
                    "without a judicial warrant, no 287(g) agreement."),
    "partial": Level(
        notify="serious", access=False, holds="serious", agreement=False,
        description="Holds people convicted of a listed serious offence up to 48 hours "
                    "on an ICE detainer; nothing for anyone else."),
    "full": Level(
        notify="all", access=True, holds="all", agreement=True,
        description="Honours every detainer, answers every notification request, lets ICE "
                    "interview people in the jail and runs a 287(g) agreement."),
    "notify_serious": Level(
        notify="serious", access=False, holds="none", agreement=False,
        description="Tells ICE when a person convicted of a listed serious offence is "
                    "released, so ICE can take them at the door; no holds."),
    "notify": Level(
        notify="all", access=True, holds="none", agreement=False,
        description="Answers every release-notification request and lets ICE interview "
                    "people in the jail; no holds, no 287(g) agreement."),
}
"""Every compliance level.  The first three keep their place (their index in the
model's arrays) from before the others were added."""

ComplianceLevel = Literal["sanctuary", "partial", "full", "notify_serious", "notify"]
"""How far a jurisdiction cooperates with immigration enforcement (see :data:`LEVELS`)."""

COMPLIANCE_LEVELS: tuple[str, ...] = tuple(LEVELS)

COOPERATION_ORDER: tuple[str, ...] = ("sanctuary", "notify_serious", "partial", "notify", "full")
"""The levels from least to most cooperation, for figures: ``partial`` holds only
serious offenders, ``notify`` reaches everyone ICE asks about without holding anyone."""


@dataclass(frozen=True)
class StateLaw:
    """A state's law on local cooperation with immigration enforcement."""

    title: str
    """The statutes, directives or rulings, by name."""
    forbids: dict[str, str] = field(default_factory=dict)
    """Compliance level -> the provision that forbids it and what it bars."""
    state: str | None = None
    """Postal code of the state it is the law of (None: a generic class of laws)."""


_NO_287G_CA = ("Cal. Gov. Code 7284.6(a)(1)(B) bars holds on ICE hold requests, and "
               "7284.6(a)(2) bars deputising officers as immigration officers (287(g))")
_WA = ("RCW 10.93.160 (Keep Washington Working Act, Laws of 2019 ch. 440)")
_IL = "5 ILCS 805/15 (Illinois TRUST Act, as amended by the Way Forward Act, P.A. 102-234)"
_CO_HOLDS = ("C.R.S. 24-76.6-102 (HB19-1124) bars arrests and holds on civil immigration "
             "detainers")
_LUNN = ("Lunn v. Commonwealth, 477 Mass. 517 (2017): Massachusetts law gives officers no "
         "authority to hold anyone on a civil immigration detainer alone")
_WELLS = ("People ex rel. Wells v. DeMarco, 168 A.D.3d 31 (N.Y. App. Div. 2d Dep't 2018): New "
          "York law gives local officers no authority to hold anyone on a civil immigration "
          "detainer")
_NJ = ("New Jersey Attorney General Law Enforcement Directive 2018-6 (Immigrant Trust "
       "Directive, v2.0, 2019), upheld in Ocean County Board of Commissioners v. Attorney "
       "General, 8 F.4th 176 (3d Cir. 2021)")
_OR = "ORS 181A.820 and 181A.826 (Sanctuary Promise Act, HB 3265, 2021)"
_TX = ("Texas SB 4 (2017), Code of Criminal Procedure art. 2.251 (comply with every "
       "immigration detainer) and Government Code 752.053 (no policy limiting immigration "
       "enforcement), upheld in City of El Cenizo v. Texas, 890 F.3d 164 (5th Cir. 2018)")

STATE_LAWS: dict[str, StateLaw] = {
    "neutral": StateLaw("no state law on local cooperation with immigration enforcement"),
    "sanctuary_mandated": StateLaw(
        "a state law barring 287(g) agreements (generic: name the state's own law where "
        "fundsim has it)",
        {"full": "a state ban on 287(g) agreements"}),
    "cooperation_mandated": StateLaw(
        "a state law requiring jails to honour every immigration detainer (generic: name "
        "the state's own law where fundsim has it)",
        {level: "a state mandate to honour every immigration detainer"
         for level in ("sanctuary", "partial", "notify_serious", "notify")}),
    "california": StateLaw(
        "California Values Act (SB 54, 2017), Cal. Gov. Code 7282.5, 7284-7284.12; TRUTH Act "
        "(AB 2792, 2016), Gov. Code 7283.1",
        {"partial": "Cal. Gov. Code 7284.6(a)(1)(B) bars detaining anyone on an ICE hold "
                    "request",
         "full": _NO_287G_CA,
         "notify": "Cal. Gov. Code 7284.6(a)(1)(C) allows release notifications only for "
                   "people with the convictions listed in 7282.5, and 7283.1 allows ICE "
                   "interviews only with the person's written consent"},
        state="CA"),
    "washington": StateLaw(
        "Keep Washington Working Act (E2SSB 5497, Laws of 2019 ch. 440), RCW 10.93.160",
        {"partial": f"{_WA} bars holds on immigration detainers and civil immigration warrants",
         "full": f"{_WA} bars holds on detainers and 287(g) agreements",
         "notify_serious": f"{_WA} bars answering ICE notification requests except as "
                           "required by law",
         "notify": f"{_WA} bars answering ICE notification requests and ICE interviews "
                   "without written consent"},
        state="WA"),
    "illinois": StateLaw(
        "Illinois TRUST Act, 5 ILCS 805 (P.A. 100-463, 2017), as amended by the Way Forward "
        "Act (P.A. 102-234, 2021)",
        {"partial": f"{_IL} bars detaining anyone on an immigration detainer or civil "
                    "immigration warrant",
         "full": f"{_IL} bars holds on detainers and 287(g) and other immigration "
                 "agreements",
         "notify_serious": f"{_IL} bars giving immigration agents information about people in "
                           "custody or their release",
         "notify": f"{_IL} bars giving immigration agents access to people in custody or "
                   "information about their release"},
        state="IL"),
    "colorado": StateLaw(
        "Colorado HB19-1124 (C.R.S. 24-76.6-101 ff.), SB25-276 (2025) and HB23-1100",
        {"partial": _CO_HOLDS,
         "full": f"{_CO_HOLDS}; HB23-1100 bars immigration detention agreements",
         "notify": "SB25-276 (2025) bars letting federal immigration authorities into the "
                   "non-public areas of a jail without a judicial warrant"},
        state="CO"),
    "massachusetts": StateLaw(
        "Lunn v. Commonwealth, 477 Mass. 517 (2017)",
        {"partial": f"{_LUNN}; only a 287(g) agreement (full) gives that authority"},
        state="MA"),
    "new_york": StateLaw(
        "People ex rel. Wells v. DeMarco, 168 A.D.3d 31 (2d Dep't 2018)",
        {"partial": f"{_WELLS}; only a 287(g) agreement (full) gives that authority"},
        state="NY"),
    "new_jersey": StateLaw(
        _NJ,
        {"partial": f"{_NJ}: no detention past release on a detainer beyond 11:59 pm that day, "
                    "even for people charged with or convicted of a violent or serious "
                    "offence",
         "full": f"{_NJ}: no 287(g) agreements and no holds on detainers",
         "notify": f"{_NJ}: release notifications only for people charged with or "
                   "convicted of a violent or serious offence, ICE interviews only with "
                   "written consent"},
        state="NJ"),
    "oregon": StateLaw(
        f"{_OR}",
        {level: f"{_OR}: no public resources for immigration enforcement, including "
                "holds on detainers, release notifications and 287(g) agreements"
         for level in ("partial", "full", "notify_serious", "notify")},
        state="OR"),
    "texas": StateLaw(
        _TX,
        {level: f"{_TX}: every detainer must be honoured"
         for level in ("sanctuary", "partial", "notify_serious", "notify")},
        state="TX"),
}
"""Every state-law type a city may name in ``state_law``: the generic classes first,
then the states whose laws fundsim knows."""

StateLawName = Literal["neutral", "sanctuary_mandated", "cooperation_mandated", "california",
                       "washington", "illinois", "colorado", "massachusetts", "new_york",
                       "new_jersey", "oregon", "texas"]
"""A key of :data:`STATE_LAWS`."""

FORBIDDEN_BY_STATE_LAW: dict[str, frozenset[str]] = {
    name: frozenset(law.forbids) for name, law in STATE_LAWS.items()}
"""Compliance levels each state-law type forbids."""


def refusal(state_law: str, level: str) -> str | None:
    """Why ``state_law`` forbids ``level`` (its provision), or None if it allows it."""
    return STATE_LAWS[state_law].forbids.get(level)


FundingKind = Literal["discretionary", "formula", "entitlement"]
"""How federal money reaches a city: ``discretionary`` (the agency chooses whom to
award and how much: competitive or project grants), ``formula`` (a statute sets the
amount by formula, the agency makes the award: CDBG, Byrne JAG), ``entitlement``
(paid by statute to everyone eligible, with no award to condition: Medicaid,
Medicare)."""

FUNDING_KINDS: tuple[str, ...] = ("discretionary", "formula", "entitlement")

REACH: dict[str, tuple[tuple[str, ...], str]] = {
    "executive_order": (
        ("discretionary",),
        "the executive cannot withhold funds Congress appropriated without its "
        "authorisation: City and County of San Francisco v. Trump, 897 F.3d 1225 (9th Cir. "
        "2018)"),
    "grant_condition": (
        ("discretionary", "formula"),
        "an agency conditions the awards it makes; entitlements are paid by statute with no "
        "award to condition"),
    "legislation": (
        ("discretionary", "formula", "entitlement"),
        "Congress may condition any federal funds within the Spending Clause: South Dakota "
        "v. Dole, 483 U.S. 203 (1987); NFIB v. Sebelius, 567 U.S. 519 (2012)"),
    "termination": (
        ("discretionary", "formula"),
        "an agency terminates or suspends the awards it made (2 CFR 200.339-200.340), as HHS "
        "froze block grants and CDC cooperative agreements in 2026; entitlements are paid by "
        "statute with no award to terminate"),
    "appropriations_lapse": (
        ("discretionary", "formula"),
        "a lapse stops only payments from annual appropriations (Antideficiency Act, 31 U.S.C. "
        "1341); entitlements are paid from permanent appropriations and go on"),
}
"""Measure kind -> (kinds of funding it can reach, why)."""


Circuit = Literal["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th",
                  "11th", "D.C."]
"""A federal court of appeals, by its name."""

_CIRCUIT_STATES: dict[str, str] = {
    "1st": "ME MA NH RI PR", "2nd": "CT NY VT", "3rd": "DE NJ PA VI",
    "4th": "MD NC SC VA WV", "5th": "LA MS TX", "6th": "KY MI OH TN", "7th": "IL IN WI",
    "8th": "AR IA MN MO NE ND SD", "9th": "AK AZ CA HI ID MT NV OR WA GU MP",
    "10th": "CO KS NM OK UT WY", "11th": "AL FL GA", "D.C.": "DC",
}
CIRCUIT_OF: dict[str, str] = {state: circuit for circuit, states in _CIRCUIT_STATES.items()
                              for state in states.split()}
"""Postal code -> the circuit whose court of appeals hears its federal cases (28 U.S.C. 41)."""

DETAINER_HOLDS_LAWFUL_IN: tuple[str, ...] = ("5th",)
"""Circuits whose law holds a jail's hold on an ICE detainer lawful without a judicial
warrant: the 5th upheld Texas SB 4's mandate to honour every detainer against the
Fourth Amendment challenge (City of El Cenizo v. Texas, 890 F.3d 164, 5th Cir. 2018:
the detainer and ICE's administrative warrant carry probable cause of removability,
and the state may cooperate in federal enforcement).  Elsewhere courts found such a
hold a new seizure without probable cause: Morales v. Chadbourne, 793 F.3d 208 (1st
Cir. 2015); Miranda-Olivares v. Clackamas County (D. Or. 2014-04-11); Roy v. County of
Los Angeles (C.D. Cal. 2018-02-07), settled for $14M."""
