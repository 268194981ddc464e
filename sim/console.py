"""Terminal output: the progress bar and the headline table (rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from sim.analysis.sweep import SweepResult
    from sim.results import RunResult

HEADLINES = ("net_fiscal_impact", "federal_withheld", "gap_closing_burden", "floor_breached")


class _RateColumn(ProgressColumn):
    """Items (replications, sweep points) per second."""

    def __init__(self, unit: str = "rep"):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f} {self.unit}/s" if task.speed else "")


@contextmanager
def progress_bar(total: int, enabled: bool, label: str = "simulating",
                 unit: str = "rep") -> Iterator[Callable[[int], None]]:
    """A callback advancing a progress bar (done, rate, ETA) on stderr, or doing nothing."""
    if not enabled:
        yield lambda _n: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), _RateColumn(unit),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("run", total=total)
        yield lambda n: progress.advance(task, n)


def headline_table(result: RunResult) -> None:
    """Print the key numbers per strategy (all cities together when there are several)."""
    from sim.formats import dollars

    summary = result.summary
    city = "all cities" if "all cities" in set(summary["city"]) else summary["city"].iloc[0]
    rows = summary[(summary["city"] == city) & summary["metric"].isin(HEADLINES)]
    table = Table(title=f"{result.scenario.scenario.name} — {city} (mean [5%, 95%])")
    table.add_column("strategy")
    for metric in HEADLINES:
        table.add_column(metric.replace("_", " "), justify="right")
    for strategy in result.strategies:
        cells = []
        for metric in HEADLINES:
            row = rows[(rows["strategy"] == strategy) & (rows["metric"] == metric)].iloc[0]
            if metric == "floor_breached":
                cells.append(f"{row['mean']:.0%}")
            else:
                cells.append(f"{dollars(row['mean'])} [{dollars(row['p05'])}, "
                             f"{dollars(row['p95'])}]")
        table.add_row(strategy, *cells)
    Console(stderr=True).print(table)


def sweep_table(result: SweepResult, top: int = 5) -> None:
    """Print, per output of a sweep, its most influential parameters with their index."""
    table = Table(title=f"{result.sweep.info.name} — most influential parameters")
    table.add_column("output")
    table.add_column("#", justify="right")
    table.add_column("parameter")
    table.add_column("index", justify="right")
    for target in result.sweep.targets:
        for rank, factor in enumerate(result.ranking(target.name)[:top], start=1):
            table.add_row(target.title if rank == 1 else "", str(rank), factor.label,
                          _headline(result, target.name, factor.path),
                          end_section=rank == min(top, len(result.sweep.factors)))
    Console(stderr=True).print(table)


def _headline(result: SweepResult, target: str, parameter: str) -> str:
    """The index that ranks a parameter (total Sobol, mu*, S1), else its tornado swing."""
    column = {"sobol": "ST", "anova": "ST", "morris": "mu_star", "rbd_fast": "S1"}.get(
        result.method)
    if column and not result.indices.empty:
        rows = result.indices
        value = rows[(rows["target"] == target) & (rows["parameter"] == parameter)][column]
        number = float(value.iloc[0])
        if number != number:
            return "no variation"
        return f"mu* {number:.3g}" if column == "mu_star" else f"{column} {number:.2f}"
    rows = result.tornado
    swing = rows[(rows["target"] == target) & (rows["parameter"] == parameter)]["swing"]
    return f"swing {float(swing.iloc[0]):.3g}"
