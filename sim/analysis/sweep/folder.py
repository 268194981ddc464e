"""Running a sweep into its folder, and reading it back.

:func:`run` simulates the points not yet done, then writes the tables, figures,
report and manifest, each atomically; :func:`open_sweep` reads a finished
folder into a :class:`SweepResult`; :func:`discover_in` answers more
scenario-discovery questions on a finished sweep.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim.analysis.discovery import Discovery, Finding, discovery_problems
from sim.analysis.sweep.design import DesignTable, build_design
from sim.analysis.sweep.factors import Factor, Sweep, Target, validate_sweep
from sim.analysis.sweep.points import PointStore, point_tasks, point_work, run_points
from sim.analysis.sweep.sensitivity import method_of, responses, sensitivity, tornado_table
from sim.engine.executors import usable_cores, worker_count
from sim.engine.limits import check_points
from sim.engine.runner import cluster_threads, point_size
from sim.engine.store import owned_prefix
from sim.errors import (
    FundsimWarning,
    Interrupted,
    OutputError,
    Problem,
    ScenarioError,
    UsageError,
)
from sim.results import (
    VERSION,
    check_place,
    prove,
    read_json,
    remove_leftovers,
    scenario_digest,
    slug,
    write_file,
    write_manifest,
)
from sim.results.folders import kind_of, reason
from sim.results.presenter import presenter
from sim.scenario import validate
from sim.scenario.messages import plain_message


@dataclass
class SweepResult:
    """A finished sweep as pandas tables; ``plot`` draws its figures."""

    sweep: Sweep
    design: pd.DataFrame
    """Every point's values (see :class:`DesignTable`)."""
    metrics: pd.DataFrame
    """Every point's summary: ``point, strategy, city, metric, mean, p05, p50,
    p95, ci95_low, ci95_high, n``."""
    responses: pd.DataFrame
    """One row per point, one column per target."""
    indices: pd.DataFrame
    """Sensitivity indices (see :func:`sensitivity`)."""
    second_order: pd.DataFrame
    tornado: pd.DataFrame
    """One-at-a-time swings (see :func:`tornado_table`)."""
    findings: list[Finding] = field(default_factory=list)
    """Scenario discovery: PRIM's boxes for each ``[[discovery]]`` question."""
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def method(self) -> str:
        """Index method (see :func:`method_of`)."""
        return method_of(self.sweep.design, self.sweep.samples)

    def target(self, name: str | None = None) -> Target:
        """A target by name (default: the first)."""
        if name is None:
            return self.sweep.targets[0]
        for target in self.sweep.targets:
            if name in (target.name, target.slug):
                return target
        known = ", ".join(t.name for t in self.sweep.targets)
        raise UsageError(f"no output {name!r} in this sweep (outputs: {known})")

    def ranking(self, target: str | None = None) -> list[Factor]:
        """Factors, most influential first: by the indices, else by tornado swing."""
        chosen = self.target(target)
        by_path = {f.path: f for f in self.sweep.factors}
        if not self.indices.empty:
            mine = self.indices[self.indices["target"] == chosen.name]
            if mine["rank"].notna().all():
                return [by_path[p] for p in mine.sort_values("rank")["parameter"]]
        if not self.tornado.empty:
            mine = self.tornado[self.tornado["target"] == chosen.name]
            return [by_path[p] for p in mine["parameter"]]
        return list(self.sweep.factors)

    @property
    def plot(self):
        """The sweep's figures, as methods returning :class:`matplotlib.figure.Figure`."""
        return presenter().sweep_plotter(self)


def default_folder(sweep: Sweep, root: str | Path = "results") -> Path:
    """``results/<sweep-slug>-sweep-<UTC timestamp>`` (one "sweep" when the name ends in it)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = slug(sweep.info.name).removesuffix("-sweep")
    return Path(root) / f"{name}-sweep-{stamp}"


def run(sweep: Sweep, folder: str | Path | None = None, *, workers: int | None = None,
        scheduler: Any = None, progress: Callable[[int], None] | None = None,
        overwrite: bool = False, figures: bool = True, max_memory: int | None = None,
        max_seconds: float | None = None) -> SweepResult:
    """Run every point not yet in ``folder``, then analyse and write the outputs.

    ``workers``: local processes (default: all cores), one point per task;
    ``scheduler``: a Dask scheduler address (``tcp://HOST:PORT``) or
    ``distributed.Client`` to run the points on instead.  ``progress`` is
    called with the number of points finished (first with those already in
    the folder).  On Ctrl-C the finished points stay in the folder; run again
    to resume.  A sweep whose points left to run are estimated to need more
    than ``max_memory`` bytes or ``max_seconds`` is refused before anything is
    written (:func:`sim.engine.limits.check_points`; ``None``: the defaults, 0: no cap).
    """
    began = time.perf_counter()
    if scheduler is not None:
        _check_scheduler(scheduler)
    design = build_design(sweep)
    tasks = point_tasks(sweep, design)
    folder = Path(folder) if folder is not None else default_folder(sweep)
    workers = worker_count(usable_cores() if workers is None else workers,
                           local=scheduler is None)
    design_hash = hashlib.sha256("".join(t.key for t in tasks).encode()).hexdigest()
    store = PointStore(folder, len(tasks))
    left = len(tasks) if overwrite else sum(not store.has(t) for t in tasks)
    if left:
        check_points(point_size(sweep.scenario, replications=sweep.info.replications,
                                seed=sweep.seed, strategies=list(sweep.strategies), workers=1,
                                keep=0),
                     left, cluster_threads(scheduler) if scheduler is not None else workers,
                     scheduler is None, max_memory, max_seconds)
    _prepare(folder, sweep, design_hash, overwrite)
    write_file(folder / "design.csv", lambda p: design.table.to_csv(p, index=False))
    pending = [t for t in tasks if not store.has(t)]
    if progress:
        progress(len(tasks) - len(pending))

    def done(point: int, frame: pd.DataFrame) -> None:
        store.write(tasks[point], frame)
        if progress:
            progress(1)

    try:
        run_points(point_work(sweep, design), [t.point for t in pending], done,
                   workers=workers, scheduler=scheduler)
    except (KeyboardInterrupt, Interrupted):
        finished = sum(store.has(t) for t in tasks)
        raise Interrupted(f"interrupted; {finished} of {len(tasks)} points are saved in "
                          f"{folder}; run the same command with -o {folder} to resume") from None
    try:
        result = analyse(sweep, design, store.read(len(tasks)), folder)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; all {len(tasks)} points are saved in {folder}; run the "
                          f"same command with -o {folder} to finish") from None
    result.manifest = _manifest(sweep, design_hash, len(tasks), len(pending), workers,
                                time.perf_counter() - began)
    result.manifest["scheduler"] = (scheduler if scheduler is None or isinstance(scheduler, str)
                                    else scheduler.scheduler.address)
    write_outputs(result, folder, figures=figures)
    return result


def _check_scheduler(scheduler: Any) -> None:
    """Reach the Dask scheduler before anything is written (a bad address is a usage error)."""
    from sim.engine.executors import dask_client

    client, owned = dask_client(scheduler)
    if owned:
        client.close()


def analyse(sweep: Sweep, design: DesignTable, metrics: pd.DataFrame,
            folder: Path | None = None,
            questions: Sequence[Discovery] | None = None) -> SweepResult:
    """Responses, indices, tornado swings and discovered boxes from the points' metrics.

    ``questions``: the outcomes for scenario discovery (default: the sweep
    file's ``[[discovery]]`` tables).
    """
    from sim.analysis.discovery import findings

    table = responses(sweep, metrics, len(design.table))
    indices, second = sensitivity(sweep, design, table)
    result = SweepResult(sweep=sweep, design=design.table, metrics=metrics,
                         responses=table.assign(block=design.table["block"].to_numpy()),
                         indices=indices, second_order=second,
                         tornado=tornado_table(sweep, design, table), folder=folder)
    result.findings = findings(result, questions)
    return result


STATE = "sweep.json"
"""The file that marks a folder as a sweep's and says which points it holds."""


def _prepare(folder: Path, sweep: Sweep, design_hash: str, overwrite: bool) -> None:
    """Make the folder ready: new, resumable (same points), or replaced if asked.

    Only a sweep's folder is resumed or replaced (see :func:`_prove_sweep`);
    the current directory, its parents and places inside other result
    folders are refused whatever they hold.
    """
    check_place(folder, "the sweep")
    state = folder / STATE
    if folder.is_dir():
        remove_leftovers(folder)
        remove_leftovers(folder / "points")
    if folder.is_dir() and any(folder.iterdir()):
        if overwrite:
            _prove_sweep(folder)
            shutil.rmtree(folder)
        elif not state.is_file():
            raise OutputError(f"{folder} exists and is not a sweep folder; choose another")
        elif _stored_hash(state) != design_hash:
            raise OutputError(f"{folder} holds a different sweep (scenario, design, seed, "
                              "replications or strategies differ); choose another folder "
                              "or --overwrite")
    try:
        (folder / "points").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write results to {folder}: {reason(error)}") from None
    text = json.dumps({"fundsim": VERSION, "name": sweep.info.name,
                       "design_sha256": design_hash}, indent=2) + "\n"
    write_file(state, lambda p: p.write_text(text))


POINT_FILE = re.compile(r"points/\d+\.parquet")
"""Files of a sweep folder its manifest does not list: each design point's results."""


SWEEP_FILES = re.compile(r"(sweep\.json|design\.csv|metrics\.parquet|responses\.csv"
                         r"|(indices|indices_second_order|tornado|discovery"
                         r"|discovery_trajectory)\.csv|report\.html"
                         r"|figures/[^/]+\.(png|svg)|points/\d+\.parquet)")
"""Every file a sweep writes, by name: what an unfinished sweep's folder may hold."""


def _prove_sweep(folder: Path) -> None:
    """Raise :class:`OutputError` unless ``folder`` is a sweep's, so --overwrite may delete it.

    A finished sweep proves it as any result folder does (its manifest lists
    every file with its SHA-256; see :func:`sim.results.prove`).  An unfinished
    one has no manifest yet: its ``sweep.json`` must read, and every file be
    one a sweep writes.
    """
    if (folder / "manifest.json").exists() or not (folder / STATE).is_file():
        prove(folder, "sweep", unlisted=POINT_FILE.fullmatch)
        return
    if _stored_hash(folder / STATE) is None:
        raise OutputError(f"{folder}/{STATE} is not a fundsim sweep's; --overwrite only "
                          "replaces a sweep folder; choose another folder")
    strays = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*"))
              if (p.is_symlink() or not p.is_dir())
              and not SWEEP_FILES.fullmatch(p.relative_to(folder).as_posix())]
    if strays:
        raise OutputError(f"{folder} holds files fundsim did not write ({', '.join(strays[:3])}"
                          f"{', ...' if len(strays) > 3 else ''}); --overwrite only replaces a "
                          "sweep folder; choose another folder")


def _stored_hash(state: Path) -> str | None:
    try:
        stored = read_json(state)
    except ScenarioError:
        return None
    found = stored.get("design_sha256") if isinstance(stored, dict) else None
    return found if isinstance(found, str) else None


def _manifest(sweep: Sweep, design_hash: str, points: int, ran: int, workers: int,
              wall_time: float) -> dict[str, Any]:
    import SALib

    from sim.results import versions as known_versions

    versions = known_versions()
    versions["SALib"] = getattr(SALib, "__version__", "unknown")
    return {
        "fundsim": VERSION,
        "sweep_name": sweep.info.name,
        "sweep": sweep.file.model_dump(mode="json"),
        "sweep_file": sweep.origin,
        "scenario_name": sweep.scenario.scenario.name,
        "scenario_sha256": scenario_digest(sweep.scenario),
        "design_sha256": design_hash,
        "design": sweep.design,
        "method": method_of(sweep.design, sweep.samples),
        "points": points,
        "points_run_now": ran,
        "replications": sweep.info.replications,
        "seed": sweep.seed,
        "strategies": list(sweep.strategies),
        "workers": workers,
        "wall_time_s": round(wall_time, 3),
        "versions": versions,
        "scenario": sweep.scenario.model_dump(mode="json", by_alias=True),
    }


def write_outputs(result: SweepResult, folder: Path, *, figures: bool = True) -> None:
    """Tables, figures, report and (last) the manifest, each file written atomically.

    Stopped half-way (Ctrl-C, SIGTERM), it says what is saved: the points,
    and the tables once written; the same command finishes the rest.
    """
    tables: list[tuple[str, Callable[[Path], Any]]] = [
        ("metrics.parquet", lambda p: result.metrics.to_parquet(p, index=False)),
        ("responses.csv", lambda p: result.responses.to_csv(p, index=False,
                                                            float_format="%.6f")),
    ]
    if not result.indices.empty:
        tables.append(("indices.csv", lambda p: result.indices.to_csv(
            p, index=False, float_format="%.6f")))
    if not result.second_order.empty:
        tables.append(("indices_second_order.csv", lambda p: result.second_order.to_csv(
            p, index=False, float_format="%.6f")))
    if not result.tornado.empty:
        tables.append(("tornado.csv", lambda p: result.tornado.to_csv(
            p, index=False, float_format="%.6f")))
    stage = "tables"
    try:
        for name, write in tables + _discovery_tables(result):
            write_file(folder / name, write)
        stage = "figures" if figures else "manifest"
        if figures:
            _write_figures(result, folder)
        stage = "manifest"
        _write_manifest(result, folder)
    except (KeyboardInterrupt, Interrupted):
        points = f"all {len(result.responses)} points"
        saved = (f"{points} are saved in {folder}, the tables, figures and report are not"
                 if stage == "tables" else
                 f"{points} and the tables are saved in {folder}, the figures and report are "
                 "not" if stage == "figures" else
                 f"{points}, the tables, figures and report are saved in {folder}, the "
                 "manifest is not")
        raise Interrupted(f"interrupted while writing the {stage}; {saved}; run the same "
                          f"command with -o {folder} to finish") from None


def _discovery_tables(result: SweepResult) -> list[tuple[str, Callable[[Path], Any]]]:
    """``discovery.csv`` (the boxes) and ``discovery_trajectory.csv`` (PRIM's peeling)."""
    from sim.analysis.discovery import boxes_table, trajectories

    if not result.findings:
        return []
    boxes, steps = boxes_table(result.findings), trajectories(result.findings)
    return [("discovery.csv", lambda p: boxes.to_csv(p, index=False, float_format="%.6g")),
            ("discovery_trajectory.csv", lambda p: steps.to_csv(p, index=False,
                                                                float_format="%.6f"))]


def _write_manifest(result: SweepResult, folder: Path) -> None:
    """``manifest.json``, last: every other file's SHA-256 and the questions PRIM answered.

    The points' files are left out: they are many, and the tables hold their numbers.
    """
    manifest = dict(result.manifest)
    manifest["discovery"] = [f.question.model_dump(mode="json") for f in result.findings]
    write_manifest(folder, manifest, skip=POINT_FILE.fullmatch)


def _write_figures(result: SweepResult, folder: Path) -> None:
    """Figures into a staging folder swapped into place, then the report.

    Whatever stops it (Ctrl-C, a full disk), no staging folder is left and
    the earlier figures, if any, stay in place.
    """
    staging = retired = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=owned_prefix(".figures."), suffix=".partial",
                                        dir=folder))
        pngs = presenter().write_sweep_figures(result, staging)
        if (folder / "figures").exists():
            retired = folder / f"{owned_prefix('.figures.')}{secrets.token_hex(4)}.replaced"
            os.rename(folder / "figures", retired)
        try:
            os.rename(staging, folder / "figures")
        except OSError:
            if retired is not None:
                os.rename(retired, folder / "figures")
                retired = None
            raise
    except OSError as error:
        raise OutputError(f"cannot write figures to {folder}: {reason(error)}") from None
    finally:
        for left in (staging, retired):
            if left is not None:
                shutil.rmtree(left, ignore_errors=True)
    try:
        html = presenter().sweep_page(result, pngs)
    except Exception as error:  # the page is a view: the tables and figures stand without it
        warnings.warn(FundsimWarning(f"report.html could not be written ({type(error).__name__}: "
                                     f"{error}); the tables are complete"), stacklevel=2)
        return
    write_file(folder / "report.html", lambda p: p.write_text(html, encoding="utf-8"))


def open_sweep(folder: str | Path) -> SweepResult:
    """Read a sweep folder written by ``fundsim sweep`` or :func:`run`."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        hint = (" (an interrupted sweep: run it again with -o to finish it)"
                if (folder / STATE).is_file() else "")
        raise UsageError(f"{folder} is not a complete sweep (no manifest.json){hint}")
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict) or kind_of(manifest) != "sweep":
        raise UsageError(f"{manifest_path} is not a fundsim sweep's manifest")
    try:
        scenario = validate(manifest["scenario"], str(manifest_path))
        sweep = validate_sweep(manifest["sweep"], str(manifest_path), scenario=scenario)
        metrics = pd.read_parquet(folder / "metrics.parquet")
        questions = [Discovery.model_validate(q) for q in manifest.get("discovery", [])]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"cannot read sweep folder {folder}: {error}") from None
    result = analyse(sweep, build_design(sweep), metrics, folder,
                     questions if "discovery" in manifest else None)
    result.manifest = manifest
    return result


def discover_in(folder: str | Path, questions: Sequence[dict[str, Any]], *,
                origin: str = "command line", where: str = "--outcome",
                figures: bool = True) -> SweepResult:
    """Scenario discovery on a finished sweep folder, for more questions.

    ``questions`` are ``[[discovery]]`` tables (see
    :func:`sim.analysis.discovery.parse_outcome`); the sweep file's own questions are
    answered beside them.  Only the discovery tables and figures, the report
    and the manifest are rewritten, each atomically, after every question
    has been checked and answered: a bad question writes nothing.
    """
    from sim.analysis.discovery import findings, resolved

    folder = Path(folder)
    result = open_sweep(folder)
    sweep = result.sweep
    asked = _validated_questions(questions, sweep, origin, where)
    chosen = list(sweep.file.discovery)
    seen = [resolved(q, sweep.scenario, sweep.strategies) for q in chosen]
    for question in asked:
        if resolved(question, sweep.scenario, sweep.strategies) not in seen:
            chosen.append(question)
            seen.append(resolved(question, sweep.scenario, sweep.strategies))
    result.findings = findings(result, chosen)
    drawn: dict[str, tuple[bytes, bytes]] = {}
    html = None
    if figures and (folder / "report.html").is_file():
        drawn = presenter().discovery_files(result)
        pngs = {p.stem: p.read_bytes() for p in (folder / "figures").glob("*.png")}
        pngs.update({name: png for name, (png, _) in drawn.items()})
        html = presenter().sweep_page(result, pngs)
    for name, write in _discovery_tables(result):
        write_file(folder / name, write)
    if html is not None:
        _replace_discovery_figures(folder / "figures", drawn)
        write_file(folder / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
    _write_manifest(result, folder)
    return result


def _validated_questions(questions: Sequence[dict[str, Any]], sweep: Sweep, origin: str,
                         where: str) -> list[Discovery]:
    """Questions checked against the sweep; every problem at once."""
    parsed, problems = [], []
    for data in questions:
        try:
            parsed.append(Discovery.model_validate(data))
        except ValidationError as error:
            problems.extend(Problem(origin, where, plain_message(err, Discovery),
                                    err.get("input"), err["type"] != "missing")
                            for err in error.errors())
    problems.extend(discovery_problems(parsed, sweep.scenario, sweep.strategies, origin, where))
    if problems:
        raise ScenarioError(problems)
    return parsed


def _replace_discovery_figures(figures: Path, drawn: dict[str, tuple[bytes, bytes]]) -> None:
    """Write the discovery figures (each atomically), then remove those of earlier questions."""
    figures.mkdir(exist_ok=True)
    for name, (png, svg) in drawn.items():
        write_file(figures / f"{name}.png", lambda p, data=png: p.write_bytes(data))
        write_file(figures / f"{name}.svg", lambda p, data=svg: p.write_bytes(data))
    for stale in figures.glob("discovery-*"):
        if stale.stem not in drawn:
            stale.unlink(missing_ok=True)
