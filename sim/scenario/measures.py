"""Federal measures (``[[measure]]``): what Washington may do to a jurisdiction's grants.

A measure is an executive order, an agency grant condition or an Act of
Congress; it withholds (and may claw back) the grants it reaches from the
cities whose compliance level it penalises, while in force.  A measure against
states (``states``) reaches only the money those states pass through to their
cities, whatever the cities' policies.  What each kind
of measure can reach, with its citations, is in :mod:`sim.scenario.law`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from sim.scenario.base import MAX_NAME, Sourced, unique
from sim.scenario.law import COMPLIANCE_LEVELS, REACH, ComplianceLevel, FundingKind
from sim.scenario.uncertain import Share, UncertainDate, uncertain


class MeasureHistory(Sourced):
    """What a measure had done by the scenario's start."""

    withheld: dict[str, float] = Field(default_factory=dict)
    """Dollars each city (by ``[[city]]`` name) had had withheld under the measure
    before the start and not yet been paid: released once the city is no longer
    penalised (after the release lag), paid or lost with its final judgment."""

    @field_validator("withheld")
    @classmethod
    def _amounts(cls, value: dict[str, float]) -> dict[str, float]:
        for city, amount in value.items():
            if not 0 <= amount <= 1e13:
                raise ValueError(f"withheld from {city!r} must be 0 to 1e13 dollars (got "
                                 f"{amount})")
        return value


class Measure(Sourced):
    """``[[measure]]``: a federal action that withholds funds from jurisdictions."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"EO 14218"``."""
    kind: Literal["executive_order", "grant_condition", "legislation", "termination",
                  "appropriations_lapse"]
    """What the measure is; courts treat the kinds differently.  ``termination``:
    awarded grants are terminated; a challenge goes to the Court of Federal Claims
    (Tucker Act, 28 U.S.C. 1491; Department of Education v. California,
    2025-04-04; NIH v. APHA, 2025-08-21), which awards money damages at its final
    judgment and does not reinstate the grant, so an injunction against a
    condition never restores it.  ``appropriations_lapse``: a funding lapse
    (shutdown) delays the targeted payments, which are paid after it ends (the
    rescission date) and the release lag; nobody sues over it, and it should
    penalise every compliance level."""
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
    states: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=list, max_length=60)
    """States targeted, by two-letter postal code (empty: the measure targets the
    cities themselves).  A measure against states withholds what the federal
    agency pays those states, so it reaches only the grants they pass through
    to the scenario's cities located in them (``city.grant.pass_through``,
    ``city.state``), never a city's direct federal award: the city holds a
    subaward of the state's award (2 CFR 200.1).  HHS's freeze of CCDF, TANF and
    SSBG payments to California, Colorado, Illinois, Minnesota and New York
    (2026-01-05) is one.  ``cities`` may narrow it further."""
    penalises: list[ComplianceLevel] = Field(default_factory=lambda: ["sanctuary"], min_length=1)
    """Compliance levels that lose funds: those lacking a practice the measure
    demands (a release notification, jail access, holds on detainers; see
    ``strategy.compliance``).  Cite the condition's text in ``sources``.  A
    measure against ``states`` penalises every level: the state is its target,
    not the city, which loses its pass-through money whatever its own policy; leave
    ``penalises`` out (it is then every level) or list all five."""
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
    history: MeasureHistory | None = None
    """What the measure had done by the scenario's start, taken as given (so the
    measure is certain: its ``probability`` must be 1)."""
    enforcement_surge: uncertain(ge=1, le=100) = 1.0
    """Factor on ICE's at-large arrests in targeted cities that decline
    detainers, while the measure is in force (1: no surge).  Where several
    measures surge at once, the largest factor applies."""

    @model_validator(mode="before")
    @classmethod
    def _states_penalise_every_level(cls, data: Any) -> Any:
        # A measure against a state does not look at the city's policy: left out,
        # ``penalises`` is every level (stated, a narrower list is refused below).
        if isinstance(data, dict) and data.get("states") and "penalises" not in data:
            return {**data, "penalises": list(COMPLIANCE_LEVELS)}
        return data

    @field_validator("states")
    @classmethod
    def _distinct_states(cls, value: list[str]) -> list[str]:
        return unique(value, "state")

    @field_validator("penalises")
    @classmethod
    def _distinct(cls, value: list[str], info: ValidationInfo) -> list[str]:
        value = unique(value, "compliance level")
        spared = [level for level in COMPLIANCE_LEVELS if level not in value]
        if info.data.get("states") and spared:
            raise ValueError(f"a measure against states penalises every compliance level (the "
                             f"state is its target, not the city): leave penalises out or list "
                             f"all {len(COMPLIANCE_LEVELS)} (missing: {', '.join(spared)})")
        return value

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
        return unique(value, "kind of funding")

    @field_validator("history")
    @classmethod
    def _already_happened(cls, value: MeasureHistory | None,
                          info: ValidationInfo) -> MeasureHistory | None:
        # History is what the measure has done: a measure that may not happen cannot
        # have done it (and switching it off would release money nobody released).
        probability = info.data.get("probability", 1.0)
        if value is not None and value.withheld and probability != 1.0:
            raise ValueError("a measure with history has already happened, so its "
                             f"probability must be 1, not {probability}")
        return value

    @property
    def reaches(self) -> tuple[str, ...]:
        """The kinds of funding the measure reaches: its ``funding``, else its kind's."""
        return tuple(self.funding) if self.funding is not None else REACH[self.kind][0]
