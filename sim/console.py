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
    from sim.results import RunResult

HEADLINES = ("net_fiscal_impact", "federal_withheld", "gap_closing_burden", "floor_breached")


class _RateColumn(ProgressColumn):
    """Replications per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} rep/s" if task.speed else "")


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A callback advancing a progress bar (done, rate, ETA) on stderr, or doing nothing."""
    if not enabled:
        yield lambda _n: None
        return
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("run", total=total)
        yield lambda n: progress.advance(task, n)


def headline_table(result: RunResult) -> None:
    """Print the key numbers per strategy (all cities together when there are several)."""
    from sim.plots import dollars

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
