"""The metrics catalogue: the one list of per-replication outcomes.

Every outcome a run reports (one row per strategy, replication and city in
``replications.parquet``) is listed here once, with its unit, what it means
and how the all-cities row combines cities.  Scenario files check threshold
metrics against it, the engine sizes its memory and precision targets by it,
results summarise by it, figures and pages label axes with it.

Why this module sits at the bottom, beside :mod:`sim.errors`: every layer
from the scenario up needs the catalogue and it needs nothing but the
standard library, so keeping it here is what lets each of those layers import
it without an arrow pointing up (it was in the result tables, which made the
scenario schema import the results and closed an import circle).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_CITIES = "all cities"
"""City label of rows aggregated over every city of a scenario."""


@dataclass(frozen=True)
class Metric:
    """A per-replication outcome: unit, meaning, and how it adds up over cities."""

    unit: str
    description: str
    over_cities: str = "sum"
    """``sum``, ``min``, ``max`` or ``mean`` (unweighted): how the all-cities row
    combines cities."""
    only_when: str = ""
    """Empty when every run reports it; else the condition under which a run
    does (so that a scenario without the feature keeps its tables as they were)."""


GRANT_FUNDS = "a grant names the positions or programs it pays for ([[city.grant.funds]])"
"""When the grant-funded positions metrics are reported."""

RECESSION = "the scenario has a [recession] table"
"""When the recession metric is reported."""

TERMINATIONS = 'a measure terminates grants (kind = "termination")'
"""When the termination_lost metric is reported."""

METRICS: dict[str, Metric] = {
    "net_fiscal_impact": Metric(
        "USD, present value",
        "Change in the operating balance against the no-measure baseline, discounted, "
        "before gap closing: withheld federal funds and extra legal, compliance, "
        "liability and interest costs. Negative is a cost."),
    "gap_closing_burden": Metric(
        "USD, present value",
        "Extra service cuts and tax increases against the baseline, discounted."),
    "federal_due": Metric("USD", "Federal grant payments due over the horizon."),
    "federal_received": Metric("USD", "Federal grant payments received, net of clawbacks."),
    "federal_withheld": Metric("USD", "Federal payments withheld, including clawbacks."),
    "federal_restored": Metric("USD", "Withheld funds later paid out."),
    "federal_lost": Metric(
        "USD", "Withheld funds lost for good: a terminated grant's claim lost in the Court "
        "of Federal Claims, or a statute upheld by a final judgment (a grant condition or "
        "executive order upheld keeps its money withheld, not lost)."),
    "federal_unresolved": Metric(
        "USD", "Withheld funds neither paid out nor lost when the horizon ends: still "
        "withheld, e.g. under a grant condition upheld by a final judgment and not yet "
        "rescinded."),
    "legal_cost": Metric("USD", "Litigation costs."),
    "compliance_cost": Metric("USD", "Costs of cooperating with immigration enforcement."),
    "liability_cost": Metric("USD", "Damages paid for unlawful detention."),
    "liability_accrued": Metric(
        "USD", "Damages for unlawful detention incurred but paid only after the horizon."),
    "months_enjoined": Metric(
        "months", "Months in which an injunction protected the city from a measure in force.",
        "max"),
    "months_to_injunction": Metric(
        "months", "Months from the first measure penalising the city to its first injunction: "
        "the rest of the horizon if none came (censored), 0 if no measure penalised it or "
        "the injunction came first.", "max"),
    "injunction_obtained": Metric(
        "probability", "Whether an injunction ever protected the city (its mean is the "
        "probability).", "max"),
    "final_loss": Metric(
        "probability", "Whether one of the city's suits against a grant condition, executive "
        "order or statute ended in a final loss (its mean is the probability). A condition or "
        "order upheld keeps the money withheld until it is rescinded or the city complies; a "
        "statute upheld makes it lost. Claims over terminated grants are termination_lost.",
        "max"),
    "termination_lost": Metric(
        "probability", "Whether one of the city's claims over a terminated grant ended in a "
        "final loss in the Court of Federal Claims (or the Federal Circuit), its withheld "
        "money lost for good (its mean is the probability).", "max", TERMINATIONS),
    "service_cuts": Metric("USD", "Spending cut to close budget gaps."),
    "tax_increase": Metric("USD", "Revenue raised by tax increases to close budget gaps."),
    "interest": Metric("USD", "Interest on short-term borrowing."),
    "borrowing": Metric("USD", "Short-term borrowing (sum of draws)."),
    "peak_debt": Metric("USD", "Largest short-term debt outstanding.", "sum"),
    "grant_backfill": Metric(
        "USD", "General-fund money spent on grant-funded positions and programs "
        "(city.grant.funds) while their grant money was withheld: the backfill.",
        only_when=GRANT_FUNDS),
    "grant_service_lost": Metric(
        "USD", "Spending on grant-funded positions and programs stopped because their grant "
        "money was withheld (cut, or absorbed within the department): the service lost.",
        only_when=GRANT_FUNDS),
    "grant_positions_cut": Metric(
        "positions", "Most grant-funded positions cut at once over the horizon (all cities: "
        "the sum of each city's most).", "sum", GRANT_FUNDS),
    "reserves_end": Metric("USD", "Reserves at the end of the horizon."),
    "min_reserve_ratio": Metric(
        "share of annual expenditure",
        "Lowest reserves net of short-term debt over the horizon.", "min"),
    "months_below_floor": Metric(
        "months", "Months with reserves net of debt below the reserve floor.", "max"),
    "floor_breached": Metric(
        "probability", "Whether reserves net of debt ever fell below the floor "
        "(its mean is the probability).", "max"),
    "floor_breached_at_year_end": Metric(
        "probability", "Whether reserves net of debt were below the floor at the end of a "
        "fiscal year, the balance reserve policies are stated on (its mean is the "
        "probability; months below the floor inside a year do not count).", "max"),
    "reserves_exhausted": Metric(
        "probability", "Whether reserves net of short-term debt were ever spent down to "
        "zero, every reserve fund empty (its mean is the probability).", "max"),
    "years_to_exhaustion": Metric(
        "years", "Years from the start until reserves net of short-term debt first reached "
        "zero: the horizon if they never did (censored).", "min"),
    "recession": Metric(
        "probability", "Whether a recession ([recession]) started within the horizon (its "
        "mean is the probability; the same futures for every strategy).", "max", RECESSION),
    "detainers_received": Metric(
        "people", "ICE detainers lodged with the jail serving the city."),
    "detainers_honoured": Metric(
        "people", "Detainers honoured: people held up to 48 hours for ICE."),
    "unlawful_holds": Metric(
        "people", "Detainers honoured without a judicial warrant (the exposure to "
        "damages suits for unlawful detention)."),
    "transfers": Metric(
        "people (expected)", "People ICE takes into custody from the jail after an "
        "honoured detainer."),
    "at_large_arrests": Metric(
        "people (expected)", "ICE arrests in the community: routine, follow-ups of "
        "declined detainers, and surges."),
    "trust": Metric(
        "index 0-1", "Immigrant residents' trust in the police, averaged over the "
        "months (1: sanctuary city with no visible enforcement).", "mean"),
    "trust_end": Metric("index 0-1", "Trust index in the last month.", "mean"),
    "reporting_rate": Metric(
        "share", "Share of immigrant residents' violent victimisations reported to "
        "the police, averaged over the months.", "mean"),
    "reporting_rate_change": Metric(
        "relative change", "Change of the average reporting rate against the "
        "no-measure baseline (-0.1: a tenth fewer crimes reported).", "mean"),
    "unreported_crimes": Metric(
        "crimes (expected)", "Violent victimisations of immigrant residents not "
        "reported to the police."),
    "extra_unreported_crimes": Metric(
        "crimes (expected)", "Unreported violent victimisations against the "
        "no-measure baseline."),
    "strategy_switches": Metric(
        "switches", "Compliance-level switches made by adaptive rules (taking effect)."),
    "switched": Metric(
        "probability", "Whether an adaptive rule switched the city's compliance level "
        "(its mean is the probability; all cities: any city).", "max"),
    "months_before_switch": Metric(
        "months", "Months the city kept its starting level before the first switch took "
        "effect (the whole horizon when it never switched; all cities: the first city).",
        "min"),
}
