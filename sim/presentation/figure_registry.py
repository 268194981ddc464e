"""The figures a run can draw: how each is drawn, when it applies, ``result.plot``.

:data:`FIGURES` lists every figure of the report, with its title and caption,
the function that draws it from a run (:mod:`~sim.presentation.run_figures`,
:mod:`~sim.presentation.litigation_figures`,
:mod:`~sim.presentation.decision_figures`) and what it needs; a figure whose
tables lack a column, or that makes no sense for the run, is skipped.
:class:`Plotter` is ``result.plot``; :func:`save_figures` writes a run's
``figures/``.  To add a figure: write it in a figure module and add a
:class:`FigureSpec` line to :data:`FIGURES`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sim.presentation import decision_figures, measure_figures
from sim.presentation.litigation_figures import litigation_timeline
from sim.presentation.run_figures import (
    cost_breakdown,
    enforcement_trust,
    exposure_by_city,
    federal_funds,
    net_impact,
    reserves_fan,
)
from sim.presentation.style import (
    colours_for,
    drawn_or_warned,
)
from sim.results import for_figures

if TYPE_CHECKING:
    from sim.results import RunResult



@dataclass(frozen=True)
class FigureSpec:
    """How to draw one figure from a run, and when it applies."""

    title: str
    """Heading in reports."""
    caption: str
    """What the figure shows and how to read it (one or two sentences)."""
    draw: Callable[[RunResult, Mapping[str, str]], Figure]
    """Draws the figure from a run, with the strategies' colours."""
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Columns required per table (``"trajectories"``, ``"replications"``,
    ``"events"``); the figure is skipped when a table lacks one or is empty."""
    min_cities: int = 1
    """Smallest number of cities for which the figure makes sense."""
    when: Callable[[RunResult], bool] | None = None
    """Any further condition on the run (checked after ``needs``)."""

    def applies(self, run: RunResult) -> bool:
        """Whether the run has what this figure needs."""
        if len(run.manifest.get("cities", [])) < self.min_cities:
            return False
        for table, columns in self.needs.items():
            frame = getattr(run, table)
            if frame is None or frame.empty or not set(columns) <= set(frame.columns):
                return False
        return self.when is None or self.when(run)


def _has_net_reserves(run: RunResult) -> bool:
    bands = getattr(run, "bands", None)
    if bands is not None and not bands.empty and (bands["series"] == "net_reserves").any():
        return True
    columns = set(run.trajectories.columns)
    return not run.trajectories.empty and {"reserves", "expenditure"} <= columns


def floor_shares(run: RunResult) -> dict[str, float]:
    """Reserve floor per city as a share of annual expenditure (its mean when uncertain)."""
    shares = {}
    for city in run.scenario.city:
        shares[city.name] = city.budget.policy_floor
    return shares


def _decision_figure(name: str, run: RunResult, colours: Mapping[str, str]) -> Figure:
    return decision_figures.draw(name, run, colours)


def _decision_applies(name: str, run: RunResult) -> bool:
    return decision_figures.applies(name, run)


FIGURES: dict[str, FigureSpec] = {
    "reserves_fan": FigureSpec(
        "Reserves by city and strategy",
        "Reserves net of short-term debt, month by month: median and the bands that hold "
        "50% and 90% of the replications (all of them, or the kept ones when the run has no "
        "bands). Dashed: the baseline's median without any federal measure; dotted: the "
        "city's reserve floor.",
        lambda run, colours: reserves_fan(run.trajectories, run.strategies, colours,
                                          floor_shares(run), getattr(run, "bands", None)),
        when=lambda run: _has_net_reserves(run)),
    "federal_funds": FigureSpec(
        "Federal funds received, withheld and restored",
        "Cumulated from the start, all cities together when there are several: the share "
        "of federal payments due that "
        "arrived on schedule (top) and the money withheld, withheld money paid out later, "
        "and money lost for good (bottom). Lines are means over the kept replications, "
        "bands hold 90% of them.",
        lambda run, colours: federal_funds(run.trajectories, run.strategies, colours),
        needs={"trajectories": ("federal_received", "federal_withheld", "federal_restored")}),
    "cost_breakdown": FigureSpec(
        "Cost breakdown per strategy",
        "What each strategy costs against the baseline over the whole horizon (mean, in "
        "nominal dollars, not discounted: the key numbers' net fiscal impact is the same "
        "cost in present value, so it is smaller), by component; whiskers span 5-95% of "
        "replications. The hatched bar is how the costs were covered (service cuts and tax "
        "increases), not an extra cost. Components no bar would show (under a thousandth of "
        "the tallest) are left out.",
        lambda run, colours: cost_breakdown(run.replications, run.strategies, colours),
        needs={"replications": ("service_cuts", "tax_increase")}),
    "net_impact": FigureSpec(
        "Net fiscal impact and reserve-floor risk",
        "Distribution over replications of the change in the operating balance against the "
        "baseline (present value; negative is a cost), with the probability that reserves "
        "net of debt fell below the floor in any city.",
        lambda run, colours: net_impact(run.replications, run.strategies, colours),
        needs={"replications": ("net_fiscal_impact",)}),
    "loss_by_measure": FigureSpec(
        "Loss by measure",
        "Each strategy's net fiscal impact (all cities when there are several), split: what "
        "the strategy costs with every measure switched off, what each measure costs when it "
        "is the only one (in the order asked for), and the interaction, which is what the "
        "measures do together beyond the sum of each alone: positive (green) where two "
        "measures withhold the same money. The last bar is the total. Red: a loss; means "
        "over replications on common random numbers.",
        lambda run, colours: measure_figures.loss_waterfall(run.loss_by_measure,
                                                            run.strategies, colours),
        when=lambda run: run.loss_by_measure is not None),
    "exposure_by_city": FigureSpec(
        "Exposure by city",
        "For each city, the share of its federal funds that was withheld and its net fiscal "
        "impact, per strategy (means; whiskers 5-95% of replications).",
        lambda run, colours: exposure_by_city(run.replications, run.strategies, colours),
        needs={"replications": ("federal_due", "federal_withheld", "net_fiscal_impact")},
        min_cities=2),
    "litigation_timeline": FigureSpec(
        "Litigation timeline",
        "When suits were filed and courts ruled, stage by stage, over the replications: "
        "whiskers span 5-95% of the dates, boxes 25-75%, the thick tick is the median; dots "
        "are single rulings (green won by the jurisdictions, red lost) and, at the right, "
        "how many there were and how many were won. One panel per strategy that went to "
        "court.",
        lambda run, colours: litigation_timeline(run.events, run.strategies, colours),
        needs={"events": ("strategy", "replication", "date", "kind", "detail")}),
    "enforcement_trust": FigureSpec(
        "Enforcement and community trust",
        "Month by month, all cities together when there are several: ICE transfers and "
        "at-large arrests, detainers "
        "honoured (means over the kept replications), immigrant residents' trust in the "
        "police (median and the band holding 50% of replications; 1 is a sanctuary city with "
        "no visible enforcement) and the compliance level in force, which shows when adaptive "
        "strategies switch. The baseline (no federal measures) is dashed.",
        lambda run, colours: enforcement_trust(run.trajectories, run.strategies, colours),
        needs={"trajectories": ("transfers", "at_large_arrests", "detainers_honoured", "trust",
                                "compliance_level")}),
    **{name: FigureSpec(title, caption, functools.partial(_decision_figure, name),
                        when=functools.partial(_decision_applies, name))
       for name, title, caption in (
        ("legal_status", "Legal status of the federal measures over time",
         "For each measure (rows) and strategy (columns), the share of replications in each "
         "legal status at the end of every month: proposed (not in force), enacted, enjoined by "
         "a court, in force again after a reversal, upheld or struck down for good, rescinded. "
         "Strategies that never go to court share a column."),
        ("robustness", "Robustness across futures",
         "Strategies ranked by their largest regret: in each sampled future (replication), "
         "regret is how much worse a strategy did than the best strategy in that same future "
         "(net fiscal impact, all cities; paired thanks to common random numbers). Left: "
         "expected impact, the mean of the worst 5% of futures (CVaR) and the range of 90%; "
         "right: the share of futures meeting the thresholds, when the run has any."),
        ("conditional_impact", "Net fiscal impact, conditioned on what happens",
         "For the uncertain branches that split the outcome most (a measure happens, a court "
         "grants or reverses an injunction, a policy switch), the distribution of the net fiscal "
         "impact over the replications that took the branch and over those that did not, with "
         "the probability of each side. Blended over both sides, they give the distribution of "
         "the net fiscal impact figure."),
        ("conditional_reserves", "Reserves, conditioned on what happens",
         "Reserves net of short-term debt, all cities, over the kept replications that took the "
         "branch (top) and those that did not (bottom): median and the bands holding 50% and "
         "90% of them; dashed, the baseline's median in the same futures."),
    )},
}
"""Every figure of a run, by file name, in report order."""


def figures_for(run: RunResult) -> dict[str, FigureSpec]:
    """Return the figures that apply to a run."""
    return {name: spec for name, spec in FIGURES.items() if spec.applies(run)}


def draw(run: RunResult, name: str, colours: Mapping[str, str] | None = None) -> Figure:
    """Draw one registered figure of a run."""
    return FIGURES[name].draw(run, colours_for(run.strategies, colours))


class Plotter:
    """The figures of one run: ``result.plot.reserves_fan()``, ``result.plot("net_impact")``."""

    def __init__(self, result: RunResult):
        self._result = result

    def __call__(self, name: str, colours: Mapping[str, str] | None = None) -> Figure:
        """Draw the figure registered as ``name`` in :data:`FIGURES`."""
        if name not in FIGURES:
            raise KeyError(f"no figure {name!r} (known: {', '.join(FIGURES)})")
        return draw(self._result, name, colours)

    def __getattr__(self, name: str) -> Callable[[], Figure]:
        if name in FIGURES:
            return functools.partial(self, name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *FIGURES]

    def available(self) -> list[str]:
        """Names of the figures this run can draw."""
        return list(figures_for(self._result))


def save_figures(result: RunResult, folder: Path) -> dict[str, bytes | None]:
    """Write every applicable figure as PNG (150 dpi) and SVG; return the PNGs by name.

    A big run's figures are drawn from its first replications (:func:`sim.results.for_figures`).
    A figure that cannot be drawn is left out with a warning (its PNG is None).
    """
    result = for_figures(result)
    folder.mkdir(parents=True, exist_ok=True)
    pngs: dict[str, bytes | None] = {}
    for name in figures_for(result):
        drawn = drawn_or_warned(name, lambda name=name: draw(result, name), svg=True)
        pngs[name] = drawn and drawn[0]
        if drawn:
            (folder / f"{name}.png").write_bytes(drawn[0])
            (folder / f"{name}.svg").write_bytes(drawn[1])
    return pngs
