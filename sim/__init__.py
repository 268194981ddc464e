"""fundsim: what federal pressure on sanctuary jurisdictions does to local budgets.

The Python API in a few calls (the ``fundsim`` command uses the same ones)::

    import sim
    scenario = sim.load("scenarios/los-angeles.toml")
    result = sim.run(scenario, replications=500, seed=1)
    result.summary                 # pandas DataFrame
    result.plot.reserves_fan()     # matplotlib Figure
    folder = result.save()         # results/<scenario>-<UTC time>/
    again = sim.open_results(folder)

What-ifs change values by key path and are validated like files:

>>> import sim
>>> scenario = sim.load(sim.scenario.EXAMPLE)
>>> richer = scenario.with_values({"city[Springfield].budget.reserves": 2e7})
>>> result = sim.run(richer, replications=4, seed=1, workers=1)
>>> result.strategies
['baseline', 'sanctuary', 'partial', 'full']
>>> float(result.replications["reserves_end"].min()) > 1e7
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import scenario
from sim.errors import FundsimError, ScenarioError, UsageError
from sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

    from sim.results import RunResult

__all__ = ["FundsimError", "Scenario", "ScenarioError", "UsageError", "absorbable_cut", "load",
           "loss_by_measure", "open_results", "run", "scenario"]
__version__ = "0.1.0"


def load(source: str | os.PathLike | Mapping[str, Any]) -> Scenario:
    """Read a scenario from a file path, from TOML text or from parsed data.

    A string holding a line break or a ``=`` (and naming no existing file) is
    TOML text; any other string is a path.  Raises :class:`ScenarioError`
    listing every problem, each as ``FILE: key.path: message (got VALUE)``.

    >>> import sim
    >>> sim.load('''
    ... [scenario]
    ... name = "Tiny"
    ... start = 2025-01-01
    ... years = 1
    ... [[city]]
    ... name = "Springfield"
    ... state = "IL"
    ... fiscal_year_start = 7
    ... population = 1000
    ... budget = { expenditure = 1e6, reserves = -5 }
    ... ''')
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: <string>: city[0].budget.reserves: must be >= 0 (got -5)
    >>> sim.load("no/such/file.toml")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: no/such/file.toml: cannot read file: No such file or directory
    """
    if isinstance(source, Mapping):
        return scenario.validate(dict(source), "<data>")
    if isinstance(source, os.PathLike):
        return scenario.load(source)
    if not isinstance(source, str):
        raise TypeError(f"load() takes a path, TOML text or a dict, not {type(source).__name__}")
    if _is_toml_text(source):
        return scenario.loads(source)
    return scenario.load(source)


def _is_toml_text(text: str) -> bool:
    if "\n" in text:
        return True
    if "=" not in text:
        return False
    try:
        return not Path(text).is_file()
    except OSError:  # e.g. a name too long to be a path
        return True


def run(source: Scenario | str | os.PathLike, *, replications: int | None = None,
        seed: int | None = None, workers: int | None = None,
        strategies: Sequence[str] | None = None, keep: int | None = None,
        progress: Callable[[int], None] | None = None,
        thresholds: Sequence[str | Mapping[str, Any]] | None = None,
        precision: float | None = None, max_replications: int | None = None,
        precision_floor: Mapping[str, float] | Sequence[str] | None = None,
        precision_batch: int | None = None, absorbable_cut: float | None = None,
        **options: Any) -> RunResult:
    """Simulate every strategy and the no-measure baseline on common random numbers.

    ``source`` is a scenario, or anything :func:`load` reads.  Options left
    out take the scenario's values (``replications``, ``seed``, its
    strategies); ``workers`` defaults to every core.  ``keep`` is the number
    of replications whose monthly trajectories are kept (default: as many as
    fit a million rows).  ``progress`` is called with the number of
    replications finished after each batch.  Further ``options`` go to
    :func:`sim.engine.runner.settle`: ``batch_size``, ``engine`` (``"simpy"`` or
    ``"reference"``) and ``scheduler`` (a Dask scheduler address
    ``"tcp://HOST:PORT"`` or a ``distributed.Client``: the batches run on that
    cluster), ``max_memory`` and ``max_seconds`` (caps on the run's estimated
    size, as bytes and seconds or text like ``"8GiB"`` and ``"2h"``; 0: no
    cap; see :mod:`sim.engine.limits`).  The same scenario and seed give the same
    numbers whatever the workers, batches or executor.

    ``thresholds`` adds requirements a future must meet to the scenario's
    ``[[threshold]]`` tables, for the report's robustness ranking: text such
    as ``"floor_breached <= 0"`` or tables such as ``{"metric":
    "net_fiscal_impact", "at_least": -5e7}``; they are checked before the run.

    ``absorbable_cut`` (a share of futures, e.g. 0.9) also finds, per strategy
    and city, the largest uniform cut of federal funds that keeps reserves at or
    above the policy floor in that share of futures
    (:func:`sim.analysis.absorb.absorbable_cut`, on the run's replications and
    seed): ``result.absorbable``, ``absorbable_cut.csv`` in the folder, a line
    per city in the terminal and a table in the report.  It costs about a
    dozen runs more (:func:`sim.analysis.absorb.steps`).

    ``precision`` (e.g. 0.02) chooses the number of replications instead of
    ``replications``: batches of ``precision_batch`` replications (default
    200) are added until the 95% confidence half-width of every headline mean
    (each strategy and city, and each paired change against the baseline) is
    within that share of the mean or within its floor, or until
    ``max_replications`` (default 20,000).  ``precision_floor`` sets floors by
    metric or unit family (``{"money": 1e6, "floor_breached": 0.01}``); see
    :mod:`sim.engine.precision`.  ``result.manifest["precision"]`` tells where and
    why the run stopped.

    Bad options raise :class:`UsageError`:

    >>> import sim
    >>> sim.run(sim.scenario.EXAMPLE, replications=0)
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: replications must be a whole number of at least 1 (got 0)
    """
    from sim.engine.runner import simulate
    from sim.results import RunResult

    chosen = source if isinstance(source, Scenario) else load(source)
    checked = ()
    if thresholds:
        from sim.analysis.decision_support import thresholds_from

        checked = thresholds_from([thresholds] if isinstance(thresholds, str) else thresholds,
                                  chosen, origin="thresholds", where="thresholds")
    goal = None
    if precision is not None:
        from sim.engine.precision import target

        goal = target(precision, floors=precision_floor, batch=precision_batch,
                      max_replications=max_replications)
    elif (max_replications, precision_floor, precision_batch) != (None, None, None):
        raise UsageError("max_replications, precision_floor and precision_batch apply to "
                         "precision runs only; give precision too")
    simulation = simulate(chosen, replications=replications, seed=seed, workers=workers,
                          strategies=strategies, keep=keep, progress=progress, precision=goal,
                          **options)
    result = RunResult.from_simulation(simulation)
    if checked:
        result.manifest["thresholds"] = [t.model_dump(exclude_none=True) for t in checked]
    if absorbable_cut is not None:
        from sim.analysis.absorb import TOLERANCE
        from sim.analysis.absorb import absorbable_cut as absorb

        settings = simulation.settings
        result.absorbable = absorb(chosen, absorbable_cut, settings.replications,
                                   settings.seed, strategies=settings.strategies)
        result.manifest["absorbable_cut"] = {"futures": absorbable_cut, "tolerance": TOLERANCE}
    return result


def absorbable_cut(source: Scenario | str | os.PathLike, futures: float = 0.9, *,
                   replications: int | None = None, seed: int | None = None,
                   strategies: Sequence[str] | None = None) -> pd.DataFrame:
    """The largest uniform federal cut each strategy and city can absorb.

    The largest share of every federal payment that can be lost, from the
    first month and on top of the scenario's measures, while reserves net of
    short-term debt stay at or above the city's policy floor in at least
    ``futures`` of the futures; in dollars a year too, with a 90% Monte Carlo
    interval.  Found by bisection on common random numbers
    (:mod:`sim.analysis.absorb` says how, and why that interval).

    >>> import sim
    >>> table = sim.absorbable_cut(sim.scenario.EXAMPLE, replications=20, seed=1)
    >>> list(table.columns[:4])
    ['strategy', 'city', 'futures', 'cut']
    """
    from sim.analysis.absorb import absorbable_cut as absorb

    chosen = source if isinstance(source, Scenario) else load(source)
    return absorb(chosen, futures, replications, seed, strategies=strategies)


def open_results(folder: str | os.PathLike) -> RunResult:
    """Read a run folder (``fundsim run`` or :meth:`RunResult.save`) into a result.

    The result is the same object :func:`run` returns: equal tables, the
    resolved scenario, the manifest and the same figures.  Raises
    :class:`UsageError` if the folder is not a complete run.

    >>> import sim, tempfile
    >>> result = sim.run(sim.scenario.EXAMPLE, replications=2, seed=3, workers=1)
    >>> with tempfile.TemporaryDirectory() as scratch:
    ...     again = sim.open_results(result.save(f"{scratch}/run", figures=False))
    >>> again.replications.equals(result.replications), again.manifest["seed"]
    (True, 3)
    """
    from sim.results import open_results as read_folder

    return read_folder(folder)


def loss_by_measure(result: RunResult, order: Sequence[str] | None = None,
                    leave_out: str | None = None, workers: int | None = None,
                    scheduler: Any = None) -> Any:
    """Split each strategy's net fiscal impact by federal measure (a pandas DataFrame).

    Parts: the strategy with every measure switched off (measures with
    history, money withheld before the start, stay on: they are not split),
    each measure alone, and the interaction of the measures; they add up to
    the total.  It reruns
    the result's scenario once per measure and once without measures, on the
    same seed and replications (common random numbers); ``order`` puts
    measures first in the waterfall, ``leave_out`` splits the scenario
    without one measure; ``scheduler`` runs the reruns on a Dask cluster (as
    :func:`run` takes it).  The table is recorded in the result, so
    ``result.save()`` writes it (``loss_by_measure.csv``) and the report and
    ``fundsim compare`` show it.  See :mod:`sim.analysis.by_measure`.
    """
    from sim.analysis.by_measure import loss_by_measure as split

    return split(result, order, leave_out, workers=workers, scheduler=scheduler)
