"""A finished run: :class:`RunResult`, its run folder written and read back, reruns.

``sim.run`` returns a :class:`RunResult`; ``result.save()`` writes its run
folder (DESIGN §5): ``manifest.json``, ``summary.csv``,
``replications.parquet``, ``trajectories.parquet``, ``events.parquet``,
``bands.parquet``, ``loss_by_measure.csv`` (when computed), ``figures/`` and
``report.html``, atomically
(:mod:`sim.results.folders`); :func:`open_results` reads one back into an equal
result; :func:`recorded_run` gives what ``fundsim rerun`` needs.  The tables
come from :mod:`sim.results.tables`, the summary from
:mod:`sim.results.summary`; ``result.plot`` and the figures and report of a
save come from the presentation layer through :mod:`sim.results.presenter`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import platform
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine import limits
from sim.errors import ScenarioError, UsageError
from sim.results.branches import branches
from sim.results.folders import file_sha256, kind_of, read_json, write_folder, write_manifest
from sim.results.funds import FUND_COLUMNS, fund_floors
from sim.results.manifest import (
    RunManifest,
    check_manifest,
    check_scenario,
    check_tables,
    verify_files,
)
from sim.results.presenter import presenter
from sim.results.summary import summarise, summarise_outcomes
from sim.results.tables import (
    bands_frame,
    events_frame,
    read_table,
    replications_table,
    table_chunks,
    trajectories_block,
    trajectories_table,
    write_parquet,
)
from sim.scenario import Scenario, validate

if TYPE_CHECKING:
    from sim.engine.runner import Simulation

VERSION = "0.1.0"


def slug(name: str) -> str:
    """A safe folder name for a scenario name: it can never leave the results folder."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return text or "scenario"


def unique_slugs(slugs: Iterable[str]) -> list[str]:
    """The slugs in order, a repeated one numbered from its second use (``a``, ``a-2``).

    Figures and tables named by slug must not overwrite each other.

    >>> unique_slugs(["a", "b", "a", "a"])
    ['a', 'b', 'a-2', 'a-3']
    """
    taken: set[str] = set()
    named = []
    for base in slugs:
        text, n = base, 1
        while text in taken:
            n += 1
            text = f"{base}-{n}"
        taken.add(text)
        named.append(text)
    return named


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class _Table:
    """A table of :class:`RunResult`, built (or read) on first use when given as a function.

    A big run's tables are written piece by piece and never built unless asked for.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, result: RunResult | None, owner: type) -> Any:
        if result is None:
            return self
        table = result._tables[self.name]
        if callable(table):
            table = result._tables[self.name] = table()
        return table

    def __set__(self, result: RunResult, table: pd.DataFrame) -> None:
        result._tables[self.name] = table


class RunResult:
    """A finished run as pandas tables, in memory or read back from its folder.

    ``summary``, ``replications``, ``trajectories`` and ``events`` are
    DataFrames; ``plot`` draws the report's figures.  ``bands`` holds monthly
    quantiles over every replication (``trajectories`` holds the first
    ``keep`` replications only).  Tables are built or read when first used.
    """

    replications = _Table()
    trajectories = _Table()
    events = _Table()

    def __init__(self, scenario: Scenario, manifest: dict[str, Any],
                 replications: pd.DataFrame | Callable[[], pd.DataFrame],
                 trajectories: pd.DataFrame | Callable[[], pd.DataFrame],
                 events: pd.DataFrame | Callable[[], pd.DataFrame], folder: Path | None = None,
                 bands: pd.DataFrame | None = None, simulation: Simulation | None = None,
                 summary: Callable[[], pd.DataFrame] | None = None):
        self.scenario = scenario
        self.manifest = manifest
        self._tables: dict[str, Any] = {"replications": replications,
                                        "trajectories": trajectories, "events": events}
        self.folder = folder
        self.bands = bands
        self.simulation = simulation
        """The arrays the tables come from, for a run just simulated."""
        self._summary = summary
        """Where the summary comes from, when not from these tables (a view's: its run's)."""
        self.absorbable: pd.DataFrame | None = None
        """The largest federal cut each strategy and city can absorb
        (:func:`sim.analysis.absorb.absorbable_cut`), when the run asked for it."""

    @classmethod
    def from_simulation(cls, sim: Simulation) -> RunResult:
        """Tables of a simulation just run."""
        s = sim.settings
        manifest = {
            "fundsim": VERSION,
            "scenario_name": sim.scenario.scenario.name,
            "scenario_sha256": scenario_digest(sim.scenario),
            "seed": s.seed,
            "replications": s.replications,
            "strategies": list(s.strategies),
            "baseline": sim.plan.strategies[0],
            "cities": list(sim.plan.cities),
            "keep": s.keep,
            "workers": s.workers,
            "batch_size": s.batch_size,
            "engine": s.engine,
            "scheduler": s.scheduler,
            "wall_time_s": round(sim.wall_time, 3),
            **({"precision": sim.precision} if sim.precision is not None else {}),
            "versions": versions(),
            "scenario": sim.scenario.model_dump(mode="json", by_alias=True),
            # Only the keys the file states: reading it back tells written values from
            # defaults, which the report's provenance listing needs.
            "scenario_as_written": sim.scenario.model_dump(mode="json", by_alias=True,
                                                           exclude_unset=True),
        }
        return cls(sim.scenario, manifest, lambda: replications_table(sim),
                   lambda: trajectories_table(sim), lambda: events_frame(sim),
                   bands=bands_frame(sim), simulation=sim)

    def __repr__(self) -> str:
        saved = f", saved in {self.folder}" if self.folder is not None else ""
        return (f"<RunResult {self.scenario.scenario.name!r}: {self.manifest['replications']} "
                f"replications, seed {self.manifest['seed']}, strategies "
                f"{', '.join(self.strategies)}{saved}>")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Tidy summary (see :func:`summarise`)."""
        if self._summary is not None:
            return self._summary()
        if self.simulation is not None:
            sim = self.simulation
            return summarise_outcomes(sim.outcomes, sim.plan.strategies, sim.plan.cities)
        return summarise(self.replications)

    @cached_property
    def branches(self) -> pd.DataFrame:
        """Which uncertain branches each replication took (:mod:`sim.results.branches`)."""
        return branches(self.events, self.replications)

    @cached_property
    def funds(self) -> pd.DataFrame:
        """Per strategy, city and reserve fund: the chance and months below its floor.

        See :mod:`sim.results.funds`; empty when no city states funds.
        """
        if not any(city.budget.fund for city in self.scenario.city):
            return pd.DataFrame([], columns=FUND_COLUMNS)
        return fund_floors(self.events, self.scenario, self.strategies,
                           int(self.manifest["replications"]))

    @property
    def loss_by_measure(self) -> pd.DataFrame | None:
        """The net fiscal impact split by measure, when it was computed, else None.

        Computed by :func:`sim.analysis.by_measure.loss_by_measure` (``fundsim
        run --by-measure``) and recorded in the manifest: strategy, city, part,
        kind, position (waterfall order), mean and the 95% half-width.
        """
        record = self.manifest.get("loss_by_measure")
        return pd.DataFrame(record["rows"]) if record else None

    @property
    def strategies(self) -> list[str]:
        """Strategies compared, baseline first."""
        return [self.manifest["baseline"], *self.manifest["strategies"]]

    @property
    def plot(self):
        """The report's figures, as methods returning :class:`matplotlib.figure.Figure`."""
        return presenter().run_plotter(self)

    def to_excel(self, path: str | Path) -> Path:
        """Write the run as an Excel workbook for the budget book; return its path.

        Key numbers per strategy and city, the loss by measure (if computed),
        reserves by fiscal year, grant-funded positions cut and the
        assumptions with their sources, with currency and percent formats
        (:mod:`sim.presentation.workbook`); written atomically.
        """
        return presenter().write_workbook(self, Path(path))

    def save(self, folder: str | Path | None = None, *, overwrite: bool = False,
             figures: bool = True) -> Path:
        """Write the run folder atomically; return its path."""
        target = Path(folder) if folder is not None else default_folder(self.scenario)
        self.folder = write_run(self, target, overwrite=overwrite, figures=figures)
        return self.folder


def drawn_replications(manifest: Mapping[str, Any]) -> int:
    """Replications a run's figures and report are drawn from.

    All of them, up to :data:`sim.engine.limits.FIGURE_ROWS` rows of the replications
    table; a bigger run's figures and report come from its first replications,
    so drawing them takes bounded memory (about 0.5 GiB at the limit on the
    50-city benchmark).  Replications are independent and identically
    distributed, so the first ones are a random sample of all.  ``summary.csv``
    and the Parquet tables keep every replication.
    """
    replications = int(manifest["replications"])
    rows_each = (1 + len(manifest["strategies"])) * max(1, len(manifest["cities"]))
    return min(replications, max(1, limits.FIGURE_ROWS // rows_each))


FIGURE_SERIES = ("reserves", "debt", "expenditure", "federal_due", "federal_received",
                 "federal_withheld", "federal_restored", "federal_lost", "transfers",
                 "at_large_arrests", "detainers_honoured", "trust", "compliance_level")
"""Monthly columns that figures, reports and comparisons read from ``trajectories``: the
only ones a view of a big run's first replications holds (a test draws every figure
both ways)."""


TRAJECTORY_KEYS = ("strategy", "replication", "city", "month", "date")
"""Columns of ``trajectories`` that say which row is which."""


def for_figures(result: RunResult) -> RunResult:
    """The run itself, or for a big run a view of its first :func:`drawn_replications`.

    The view's manifest gives the replications it holds; ``replications_run``
    keeps the run's own count, and its summary is the whole run's.  Its
    trajectories hold the :data:`FIGURE_SERIES` only.
    """
    manifest = result.manifest
    drawn = drawn_replications(manifest)
    if drawn >= int(manifest["replications"]):
        return result
    tables = (_first_of_simulation(result.simulation, drawn) if result.simulation is not None
              else _first_of_tables(result, drawn))
    view = RunResult(result.scenario, {**manifest, "replications": drawn,
                                       "replications_run": manifest["replications"]},
                     folder=result.folder, bands=result.bands,
                     summary=lambda: result.summary,
                     **tables)
    view.absorbable = result.absorbable  # computed on every replication, like the summary
    return view


def _first_of_simulation(sim: Simulation, last: int) -> dict[str, Callable[[], pd.DataFrame]]:
    """Tables of the replications below ``last`` of a run just simulated, built when used."""
    kept = int(np.searchsorted(sim.kept, last))
    return {"replications": lambda: replications_table(sim, last),
            "trajectories": lambda: trajectories_block(sim, slice(None), 0, kept,
                                                        FIGURE_SERIES),
            "events": lambda: events_frame(sim, last)}


def _first_of_tables(result: RunResult, last: int) -> dict[str, Any]:
    """Tables of the replications below ``last`` of a run read back.

    A table not read yet is read when used, and only those rows.
    """
    columns = {"trajectories": [*TRAJECTORY_KEYS, *FIGURE_SERIES]}
    tables: dict[str, Any] = {}
    for name in ("replications", "trajectories", "events"):
        table = result._tables[name]
        if callable(table):
            tables[name] = functools.partial(read_table, result.folder, name, last,
                                             columns.get(name))
        else:
            wanted = [c for c in table.columns if c in columns.get(name, table.columns)]
            tables[name] = _first_rows(table[wanted], last)
    return tables


def _first_rows(table: pd.DataFrame, last: int) -> pd.DataFrame:
    return table[table["replication"] < last].reset_index(drop=True)


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries a run's numbers depend on (for the manifest)."""
    import numpy
    import pyarrow
    import scipy
    import simpy

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "simpy": simpy.__version__,
            "pandas": pd.__version__, "pyarrow": pyarrow.__version__}


def default_folder(scenario: Scenario, root: str | Path = "results") -> Path:
    """``results/<scenario-slug>-<UTC timestamp>``, made unique if needed."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{slug(scenario.scenario.name)}-{stamp}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def write_run(result: RunResult, folder: Path, *, overwrite: bool = False,
              figures: bool = True) -> Path:
    """Write every file into a temporary folder, then rename it into place."""
    return write_folder(folder, lambda staging: _write_files(result, staging, figures),
                        kind="run", overwrite=overwrite)


def _write_files(result: RunResult, staging: Path, figures: bool) -> None:
    result.summary.to_csv(staging / "summary.csv", index=False, float_format="%.6f")
    for name, chunks in _table_chunks(result).items():
        write_parquet(staging / f"{name}.parquet", chunks)
    if result.bands is not None:
        result.bands.to_parquet(staging / "bands.parquet", index=False)
    if result.loss_by_measure is not None:
        result.loss_by_measure.to_csv(staging / "loss_by_measure.csv", index=False,
                                      float_format="%.2f")
    if result.absorbable is not None:
        result.absorbable.to_csv(staging / ABSORBABLE_FILE, index=False, float_format="%.6f")
    if figures:
        presenter().write_run_pages(result, staging)
    write_manifest(staging, result.manifest)


def _table_chunks(result: RunResult) -> dict[str, Iterator[pd.DataFrame]]:
    """Each table as pieces: from the arrays of a run just simulated, else the frames."""
    if result.simulation is not None:
        return table_chunks(result.simulation)
    return {name: iter([getattr(result, name)])
            for name in ("replications", "trajectories", "events")}


LAZY_FILE_BYTES = 64 * 2**20
"""Tables stored in bigger files than this are read when first used, not on opening."""


ABSORBABLE_FILE = "absorbable_cut.csv"
"""The largest absorbable federal cut per strategy and city, in a run that asked for it."""


def open_results(folder: str | Path) -> RunResult:
    """Read a run folder written by ``fundsim run`` or :meth:`RunResult.save`.

    The folder is checked as input (:mod:`sim.results.manifest`): a damaged or
    crafted one is refused with one line.  A big run's tables (files over
    :data:`LAZY_FILE_BYTES`) are read when first used, from the folder as it is
    then.
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    manifest, checked = _checked_manifest(folder)
    scenario = validate(manifest.get("scenario_as_written") or manifest["scenario"],
                        str(manifest_path))
    check_scenario(checked, scenario, manifest_path)
    result = RunResult(scenario, manifest, folder=folder, **_read_tables(folder, checked))
    if ABSORBABLE_FILE in checked.files:
        try:
            result.absorbable = pd.read_csv(folder / ABSORBABLE_FILE)
        except (OSError, ValueError) as error:
            raise UsageError(f"cannot read run folder {folder}: {error}") from None
    return result


def _read_tables(folder: Path, checked: RunManifest) -> dict[str, Any]:
    """The tables of a run folder, checked against its manifest (big ones read later)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        tables: dict[str, Any] = {}
        for name in ("replications", "trajectories", "events"):
            path = folder / f"{name}.parquet"
            if path.stat().st_size <= LAZY_FILE_BYTES:
                tables[name] = pd.read_parquet(path)
            else:
                pq.read_schema(path)  # a damaged file fails here, not when first used
                tables[name] = functools.partial(read_table, folder, name)
        if "bands.parquet" in checked.files:
            tables["bands"] = pd.read_parquet(folder / "bands.parquet")
    except FileNotFoundError as error:
        raise UsageError(f"{folder} is not a complete fundsim run: "
                         f"{Path(error.filename).name} is missing") from None
    except (OSError, ValueError, KeyError, pa.ArrowException) as error:
        raise UsageError(f"cannot read run folder {folder}: {error}") from None
    check_tables(folder, checked, tables)
    return tables


REPRODUCIBLE = ("summary.csv", "replications.parquet", "trajectories.parquet")
"""Files that the same scenario and seed reproduce byte for byte."""


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a run folder; a clean error if there is none or it is damaged.

    The files it lists must still have the SHA-256 it records
    (:func:`sim.results.manifest.verify_files`).
    """
    return _checked_manifest(Path(folder))[0]


def _checked_manifest(folder: Path) -> tuple[dict[str, Any], RunManifest]:
    """The manifest as read, and as checked (:mod:`sim.results.manifest`)."""
    path = folder / "manifest.json"
    if not folder.is_dir():
        what = "it is a file" if folder.exists() else "no such folder"
        raise UsageError(f"{folder} is not a complete fundsim run ({what})")
    if not path.is_file():
        raise UsageError(f"{folder} is not a complete fundsim run (no manifest.json)")
    manifest = read_json(path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("scenario"), dict):
        raise UsageError(f"{path} is not a fundsim manifest (no scenario table)")
    kind = kind_of(manifest)
    if kind != "run":
        use = {"sweep": "open it with sim.analysis.sweep.open_sweep, or fundsim discover",
               "comparison": "compare the run folders it was made from",
               "backtest": "its tables are CSV files to read as they are"}[kind]
        raise UsageError(f"{folder} is a {kind} folder, not a run folder: {use}")
    checked = check_manifest(manifest, path)
    verify_files(folder, checked)
    return manifest, checked


def recorded_run(folder: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The scenario and run options a run folder's manifest recorded, to run it again.

    The scenario as the file wrote it is used when it still resolves to the
    recorded one (so the report's provenance is the same); otherwise, as when
    a default changed since, the fully resolved scenario is.
    """
    manifest, checked = _checked_manifest(Path(folder))
    origin = str(Path(folder) / "manifest.json")
    scenario = validate(manifest["scenario"], origin)
    check_scenario(checked, scenario, Path(origin))
    _read_tables(Path(folder), checked)  # a damaged folder is refused before the work
    written = manifest.get("scenario_as_written")
    if isinstance(written, dict):
        try:
            as_written = validate(written, origin)
        except ScenarioError:
            as_written = None
        if as_written is not None and scenario_digest(as_written) == scenario_digest(scenario):
            scenario = as_written
    options: dict[str, Any] = {}
    for key in ("replications", "seed", "keep", "batch_size", "engine"):
        if key in manifest:
            options[key] = manifest[key]
    if "strategies" in manifest:
        options["strategies"] = list(manifest["strategies"])
    if manifest.get("thresholds"):
        options["thresholds"] = list(manifest["thresholds"])
    if not isinstance(options.get("seed"), int) or not isinstance(
            options.get("replications"), int):
        raise UsageError(f"{origin} lacks the seed or the number of replications")
    return scenario, options


def compare_files(original: Path, again: Path,
                  names: tuple[str, ...] = REPRODUCIBLE) -> dict[str, bool]:
    """Whether each named file of two run folders is byte for byte the same."""
    return {name: (original / name).is_file() and (again / name).is_file()
            and file_sha256(original / name) == file_sha256(again / name) for name in names}
