"""Scenario discovery: where in a sweep's parameter space a chosen outcome happens.

A *question* names an outcome at each design point of a sweep (a statistic of
a metric over the point's replications, for one strategy and city) and a
condition on it, e.g. "reserves fall below the floor in more than half of the
futures": ``metric = "floor_breached", strategy = "sanctuary", above = 0.5``.
PRIM, the patient rule induction method (Friedman and Fisher 1999, "Bump
hunting in high-dimensional data", Statistics and Computing 9:123-143), as
implemented in the EMA Workbench's analysis module (Kwakkel 2017,
Environmental Modelling & Software 96:239-250), then peels the parameter
space down to boxes (ranges of a few parameters) where the outcome is
concentrated.

Each box is a point on PRIM's peeling trajectory, which trades *coverage*
(the share of the points with the outcome that the box holds) against
*density* (the share of the box's points that have the outcome).  The box
kept is the densest whose coverage is at least ``min_coverage``; PRIM then
looks for a further box among the points left, up to ``boxes`` boxes of
density at least ``min_density``.  The tornado block's one-at-a-time points
are left out: they sample a few lines through the base case, not the space.

Questions come from a sweep file's ``[[discovery]]`` tables or from
``fundsim discover SWEEP_DIR --outcome "floor_breached@sanctuary > 0.5"``.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from sim.analysis.decision_support import OPERATORS, condition_value
from sim.errors import Problem, ScenarioError, UsageError
from sim.metrics import ALL_CITIES, METRICS
from sim.results import slug, unique_slugs
from sim.scenario import MAX_NAME, Threshold, plain_number

if TYPE_CHECKING:
    from sim.analysis.sweep import SweepResult
    from sim.scenario import Scenario

Statistic = Literal["mean", "p05", "p50", "p95"]


class Discovery(Threshold):
    """``[[discovery]]``: an outcome whose parameter region PRIM should find.

    The outcome is a statistic of a metric over each design point's
    replications, for one strategy and city, tested against one lower bound
    (``at_least`` or ``above``) and/or one upper bound (``at_most`` or
    ``below``).  Example: reserves below the floor in more than half of the
    futures, ``metric = "floor_breached", strategy = "sanctuary", above = 0.5``.
    The boxes go to ``discovery.csv``, the peeling trajectories to
    ``discovery_trajectory.csv``, a coverage/density figure per question to
    ``figures/discovery-*.png`` and the box limits, in words, to the report.
    ``fundsim discover SWEEP_DIR --outcome ...`` asks more questions of a
    finished sweep.
    """

    city: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """City whose outcome is tested, or ``"all cities"``; default: the only
    city, else all cities together (sums, or the worst city for floor breaches
    and reserve ratios)."""
    strategy: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    """Strategy (or ``baseline``); default: the sweep's only strategy, else required."""
    statistic: Statistic = "mean"
    """Statistic over a point's replications: ``mean`` (for a 0/1 outcome such
    as ``floor_breached``: its probability), ``p05``, ``p50`` or ``p95``."""
    min_coverage: float = Field(default=0.8, gt=0, le=1)
    """The box kept on PRIM's peeling trajectory is the densest holding at
    least this share of the points with the outcome."""
    min_density: float = Field(default=0.5, gt=0, le=1)
    """A box is kept only if at least this share of its points have the outcome."""
    boxes: int = Field(default=1, ge=1, le=10)
    """Most boxes to look for, one after the other, each among the points the
    earlier ones left; later boxes rest on fewer points and are more often
    chance, so check their quasi-p-values."""
    peel_alpha: float = Field(default=0.05, gt=0, lt=0.5)
    """Share of the points peeled off at each step of PRIM (its default)."""
    mass_min: float = Field(default=0.05, gt=0, lt=1)
    """Smallest share of all points a box may hold (PRIM's default)."""

    significance: float = Field(default=0.05, gt=0, le=1)
    """A box's restriction is dropped while its quasi-p-value (Bryant and
    Lempert 2010, a one-sided binomial test of the density gained) is above
    this: a limit that could be chance is not reported as a finding."""

    @property
    def condition(self) -> str:
        """The outcome as a formula: ``floor_breached [sanctuary, Denver] > 0.5``."""
        parts = [f"{op} {plain_number(bound)}"
                 for op, bound in ((">=", self.at_least), (">", self.above),
                                   ("<=", self.at_most), ("<", self.below)) if bound is not None]
        statistic = "" if self.statistic == "mean" else f" ({self.statistic})"
        where = ", ".join(w for w in (self.strategy, self.city) if w)
        return (f"{self.metric}{statistic}{f' [{where}]' if where else ''} "
                + " and ".join(parts))

    def __str__(self) -> str:
        return self.label or self.condition


_OUTCOME = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?P<statistic>\w+))?"
                      r"\s*(?:@\s*(?P<strategy>[^<>=]+?))?\s*(?P<op><=|>=|<|>)\s*"
                      r"(?P<value>\S+)\s*$")


def parse_outcome(text: str, origin: str = "command line",
                  where: str = "--outcome") -> dict[str, Any]:
    """A ``[[discovery]]`` table from ``METRIC[.STATISTIC][@STRATEGY] OP VALUE``.

    >>> parse_outcome("floor_breached@sanctuary > 0.5")
    {'metric': 'floor_breached', 'above': 0.5, 'strategy': 'sanctuary'}
    >>> parse_outcome("net_fiscal_impact.p05 <= -1e8")
    {'metric': 'net_fiscal_impact', 'at_most': -100000000.0, 'statistic': 'p05'}
    """
    match = _OUTCOME.match(text)
    value = condition_value(match)
    if match is None or value is None:
        raise ScenarioError([Problem(origin, where, "expected METRIC[.STATISTIC][@STRATEGY] OP "
                                     "VALUE, e.g. \"floor_breached@sanctuary > 0.5\" (OP: >=, >, "
                                     "<=, <; STATISTIC: mean, p05, p50, p95)", text)])
    found: dict[str, Any] = {"metric": match["metric"], OPERATORS[match["op"]]: value}
    if match["statistic"]:
        found["statistic"] = match["statistic"]
    if match["strategy"]:
        found["strategy"] = match["strategy"].strip()
    return found


def discovery_problems(questions: Sequence[Discovery], scenario: Scenario,
                       strategies: Sequence[str], origin: str,
                       where: str = "discovery") -> list[Problem]:
    """Questions naming a metric, strategy or city the sweep does not have."""
    from sim.scenario import BASELINE

    cities = [c.name for c in scenario.city]
    allowed_cities = cities + ([ALL_CITIES] if len(cities) > 1 else [])
    simulated = (BASELINE, *strategies)
    problems = []
    if questions and not prim_installed():
        # Said before any point runs: a sweep should not fail at its end for want of a package.
        problems.append(Problem(origin, where, MISSING_PRIM, has_value=False))
    for i, question in enumerate(questions):
        def at(key: str, i: int = i) -> str:
            return f"{where}[{i}].{key}" if where == "discovery" else where

        if question.metric not in METRICS:
            problems.append(Problem(origin, at("metric"), f"unknown metric (known: "
                                    f"{', '.join(METRICS)})", question.metric))
        if question.strategy is None and len(strategies) > 1:
            problems.append(Problem(origin, at("strategy"), "required: the sweep simulates "
                                    f"{', '.join(strategies)}", has_value=False))
        if question.strategy is not None and question.strategy not in simulated:
            problems.append(Problem(origin, at("strategy"), f"not simulated (simulated: "
                                    f"{', '.join(simulated)})", question.strategy))
        if question.city is not None and question.city not in allowed_cities:
            problems.append(Problem(origin, at("city"), f"no such city (known: "
                                    f"{', '.join(allowed_cities)})", question.city))
    return problems


def resolved(question: Discovery, scenario: Scenario, strategies: Sequence[str]) -> Discovery:
    """The question with its strategy and city filled in (the sweep's only ones by default)."""
    cities = [c.name for c in scenario.city]
    return Discovery.model_validate({
        **question.model_dump(),
        "strategy": question.strategy or strategies[0],
        "city": question.city or (cities[0] if len(cities) == 1 else ALL_CITIES)})


# --------------------------------------------------------------------------
# PRIM


@dataclass(frozen=True)
class Limit:
    """The range of one parameter inside a box."""

    path: str
    label: str
    low: float
    high: float
    lowest: float
    """The parameter's smallest value over the design."""
    highest: float
    low_restricted: bool
    high_restricted: bool
    low_text: str = ""
    """The lower limit as people read it (dates as dates, 120M...)."""
    high_text: str = ""
    qp_low: float | None = None
    """Quasi-p-value of the lower bound (small: the restriction is not chance)."""
    qp_high: float | None = None


@dataclass(frozen=True)
class Box:
    """One box PRIM found, at the point of its peeling trajectory that was kept."""

    number: int
    """1 for the first box, 2 for the next, ..."""
    step: int
    """Index of the kept point on the trajectory."""
    coverage: float
    density: float
    mass: float
    """Share of all points inside the box."""
    points: int
    cases: int
    """Points inside the box that have the outcome."""
    limits: tuple[Limit, ...]
    """Restricted parameters only, in the order PRIM ranks them."""
    words: str
    """The limits in plain words: "reserves below 120M and ..."."""


@dataclass(frozen=True)
class Finding:
    """What PRIM found for one question on one sweep."""

    question: Discovery
    slug: str
    points: int
    """Design points used (the tornado block excluded)."""
    cases: int
    """Points with the outcome."""
    boxes: tuple[Box, ...]
    trajectory: pd.DataFrame
    """Every box's peeling trajectory: ``box, step, coverage, density, mass, res_dim, kept``."""
    note: str = ""
    """Why no box was found, when none was."""

    @property
    def rate(self) -> float:
        """Share of the points with the outcome."""
        return self.cases / self.points if self.points else 0.0

    def summary(self) -> str:
        """Everything found, in plain words."""
        head = (f"{self.question}: at {self.cases} of {self.points} design points "
                f"({self.rate:.0%}).")
        if not self.boxes:
            return f"{head} {self.note}"
        lines = [head]
        for box in self.boxes:
            lines.append(f"Box {box.number}: {box.words} — {box.cases} of its {box.points} "
                         f"points have the outcome (density {box.density:.0%}); they are "
                         f"{box.coverage:.0%} of the points with it (coverage).")
        return "\n".join(lines)


def outcome_at_points(result: SweepResult, question: Discovery) -> pd.Series:
    """The tested statistic at every design point (tornado points left out), by point."""
    metrics = result.metrics
    rows = metrics[(metrics["metric"] == question.metric)
                   & (metrics["strategy"] == question.strategy)
                   & (metrics["city"] == question.city)]
    values = rows.set_index("point")[question.statistic]
    design = result.design[result.design["block"] == "design"]["point"]
    return values.reindex(design.to_numpy()).astype(float)


MISSING_PRIM = ("scenario discovery (PRIM) needs the EMA Workbench, which is not installed: "
                "run pip install -e '.[discovery]' in the fundsim folder")


def prim_installed() -> bool:
    """Whether the EMA Workbench (the optional ``discovery`` extra) can be imported."""
    return importlib.util.find_spec("ema_workbench") is not None


def _prim_module():
    if not prim_installed():
        raise UsageError(MISSING_PRIM)
    with warnings.catch_warnings():
        # ema_workbench warns at import that ipyparallel (which PRIM does not use) is missing.
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    return prim


def discover(result: SweepResult, question: Discovery) -> Finding:
    """Run PRIM on a sweep's design points for one question (strategy and city resolved here)."""
    question = resolved(question, result.sweep.scenario, result.sweep.strategies)
    values = outcome_at_points(result, question)
    design = result.design.set_index("point").loc[values.index]
    factors = result.sweep.factors
    x = pd.DataFrame({f.path: _numeric(design[f.path], f.kind) for f in factors},
                     index=values.index).reset_index(drop=True)
    y = question.met(values.to_numpy()) & np.isfinite(values.to_numpy())
    finding = Finding(question, _short_slug(str(question)), len(y),
                      int(y.sum()), (), _empty_trajectory())
    if len(y) < 10:
        return replace(finding, note="Too few design points for PRIM (fewer than 10).")
    if not y.any():
        return replace(finding, note="The outcome happens at no design point: no region to find.")
    if y.all():
        return replace(finding, note="The outcome happens at every design point: no parameter "
                                     "range avoids it.")
    boxes, frames, note = [], [], ""
    with warnings.catch_warnings():
        # ema_workbench uses pandas idioms that newer pandas deprecates (FutureWarning,
        # Pandas4Warning); they are its own, not ours, and change no result.
        warnings.simplefilter("ignore")
        algorithm = _prim_module().Prim(x, y.astype(int), threshold=question.min_density,
                                        peel_alpha=question.peel_alpha,
                                        mass_min=question.mass_min)
        for number in range(1, question.boxes + 1):
            box = algorithm.find_box()
            if box is None:
                break
            peeled = len(box.peeling_trajectory)
            # Later boxes peel the points left: their coverage can reach only the cases left.
            within = float(box.peeling_trajectory["coverage"].iloc[0])
            step = _kept_step(box.peeling_trajectory, question.min_coverage * within)
            box.select(step)
            kept = _without_chance_limits(box, step, question.significance)
            stats = box.peeling_trajectory.iloc[kept]
            if stats["res_dim"] == 0 or stats["density"] < question.min_density:
                note = _why_no_box(question, box.peeling_trajectory, step, kept)
                break
            boxes.append(_box(number, kept, box, algorithm.box_init, factors))
            frames.append(_trajectory(number, box.peeling_trajectory.iloc[:peeled], step))
    if not boxes:
        return replace(finding, note=note or "PRIM found no box.")
    return replace(finding, boxes=tuple(boxes), trajectory=pd.concat(frames, ignore_index=True))


def _why_no_box(question: Discovery, trajectory: pd.DataFrame, step: int, kept: int) -> str:
    """Why the box PRIM drew was not kept, and what to try."""
    chosen, stats = trajectory.iloc[step], trajectory.iloc[kept]
    if len(trajectory) == 1:
        return (f"PRIM found no box where at least {question.min_density:.0%} of the points "
                "have the outcome: it is spread over the space.")
    if stats["res_dim"] == 0 and chosen["res_dim"] > 0:
        return (f"Every limit PRIM drew could be chance (quasi-p-value above "
                f"{question.significance:g}): the outcome is spread over the space.")
    return (f"No box holds {question.min_coverage:.0%} of the points with the outcome at a "
            f"density of {question.min_density:.0%} or more (the densest such box: "
            f"{stats['density']:.0%}); a lower min_coverage finds smaller, denser boxes.")


def _without_chance_limits(box: Any, step: int, significance: float) -> int:
    """Open the least significant limit while one could be chance; the box's new step.

    Each limit (lower or upper bound of a parameter) has its quasi-p-value;
    the box with that limit opened back to the design's range is appended to
    the trajectory, with its own coverage, density and quasi-p-values.
    """
    while True:
        sides = [(value, path, side) for path, values in box.qp[step].items()
                 for side, value in enumerate(values) if value is not None and value >= 0]
        if not sides or max(sides)[0] <= significance:
            return step
        _, path, side = max(sides)
        limits = box.box_lims[step].copy()
        limits.loc[side, path] = box.box_lims[0].loc[side, path]
        remaining = box.prim.yi_remaining
        x = box.prim.x.loc[remaining, limits.columns]
        inside = ((x >= limits.iloc[0]) & (x <= limits.iloc[1])).all(axis=1).to_numpy()
        box.update(limits, remaining[inside])
        step = len(box.peeling_trajectory) - 1


def _significance(values: Sequence[float | None]) -> float:
    """A parameter's quasi-p-value: its more significant limit's (-1 marks an open side)."""
    return min((v for v in values if v is not None and v >= 0), default=1.0)


def _short_slug(text: str, width: int = 48) -> str:
    """A file-name form of a question, cut at a word boundary."""
    name = slug(text)
    if len(name) > width:
        name = name[:width + 1].rsplit("-", 1)[0]
    return name or "outcome"


def _numeric(column: pd.Series, kind: str) -> np.ndarray:
    if kind == "date":
        return np.array([d.toordinal() for d in pd.to_datetime(column).dt.date], dtype=float)
    return column.to_numpy(dtype=float)


def _empty_trajectory() -> pd.DataFrame:
    return pd.DataFrame(columns=["box", "step", "coverage", "density", "mass", "res_dim", "kept"])


def _kept_step(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """The densest step with enough coverage (ties: the fewest restrictions, the most coverage)."""
    steps = trajectory.reset_index(drop=True)
    # The whole space (step 0) always qualifies: its coverage is that of all cases left.
    eligible = steps[steps["coverage"] >= min_coverage - 1e-12]
    best = eligible.sort_values(["density", "res_dim", "coverage"],
                                ascending=[False, True, False], kind="stable")
    return int(best.index[0])


def _trajectory(number: int, trajectory: pd.DataFrame, step: int) -> pd.DataFrame:
    table = trajectory.reset_index(drop=True)[["coverage", "density", "mass", "res_dim"]].copy()
    table.insert(0, "step", np.arange(len(table)))
    table.insert(0, "box", number)
    table["kept"] = table["step"] == step
    return table.astype({"coverage": float, "density": float, "mass": float, "res_dim": int})


def _box(number: int, step: int, box: Any, initial: pd.DataFrame, factors: Sequence) -> Box:
    stats = box.peeling_trajectory.iloc[step]
    limits = box.box_lims[step]
    qp = box.qp[step] if step < len(box.qp) else {}
    by_path = {f.path: f for f in factors}
    found = []
    # Most significant restriction first (PRIM's own order: lowest quasi-p-value).
    order = sorted(limits.columns, key=lambda c: _significance(qp.get(c, [])))
    for path in order:
        low, high = float(limits[path].iloc[0]), float(limits[path].iloc[1])
        lowest, highest = float(initial[path].iloc[0]), float(initial[path].iloc[1])
        cut_low, cut_high = low > lowest, high < highest
        if not (cut_low or cut_high):
            continue
        values = qp.get(path, [None, None])
        factor = by_path[path]
        found.append(Limit(path, factor.label, low, high, lowest, highest, cut_low, cut_high,
                           factor.show(low), factor.show(high),
                           *(None if v is None or v < 0 else float(v) for v in values)))
    return Box(number, step, float(stats["coverage"]), float(stats["density"]),
               float(stats["mass"]), int(stats.get("n", 0)), int(stats.get("k", 0)),
               tuple(found), " and ".join(_words(limit, by_path[limit.path])
                                          for limit in found))


def _words(limit: Limit, factor: Any) -> str:
    """One limit in plain words: "Starting reserves below 120M"."""
    low, high = limit.low_text, limit.high_text
    if factor.kind == "date":
        below, above = "before", "after"
    else:
        below, above = "below", "above"
    if limit.low_restricted and limit.high_restricted:
        return f"{limit.label} between {low} and {high}"
    if limit.high_restricted:
        return f"{limit.label} {below} {high}"
    return f"{limit.label} {above} {low}"


def findings(result: SweepResult, questions: Sequence[Discovery] | None = None
             ) -> list[Finding]:
    """PRIM for each question (default: the sweep's own ``[[discovery]]`` tables)."""
    chosen = list(result.sweep.file.discovery if questions is None else questions)
    found = [discover(result, question) for question in chosen]
    names = unique_slugs(finding.slug for finding in found)
    return [replace(finding, slug=name) for finding, name in zip(found, names, strict=True)]


BOX_COLUMNS = ["outcome", "condition", "slug", "points", "cases", "box", "box_points",
               "box_cases", "coverage", "density", "mass", "parameter", "label", "low", "high",
               "low_text", "high_text", "low_restricted", "high_restricted", "qp_low", "qp_high",
               "words", "note"]


def boxes_table(found: Sequence[Finding]) -> pd.DataFrame:
    """Every box of every finding, one row per limited parameter (``discovery.csv``).

    ``low`` and ``high`` are the parameter's range inside the box (dates as
    day ordinals; ``low_text`` and ``high_text`` as people read them), with
    ``*_restricted`` saying which ends PRIM moved and ``qp_*`` their
    quasi-p-values.  A question without a box has one row with its ``note``.
    """
    rows = []
    for finding in found:
        head = {"outcome": str(finding.question), "condition": finding.question.condition,
                "slug": finding.slug, "points": finding.points, "cases": finding.cases}
        if not finding.boxes:
            rows.append({**head, "note": finding.note})
        for box in finding.boxes:
            for limit in box.limits:
                rows.append({
                    **head, "box": box.number, "box_points": box.points,
                    "box_cases": box.cases, "coverage": box.coverage, "density": box.density,
                    "mass": box.mass, "parameter": limit.path, "label": limit.label,
                    "low": limit.low, "high": limit.high, "low_text": limit.low_text,
                    "high_text": limit.high_text, "low_restricted": limit.low_restricted,
                    "high_restricted": limit.high_restricted, "qp_low": limit.qp_low,
                    "qp_high": limit.qp_high, "words": box.words, "note": ""})
    table = pd.DataFrame(rows, columns=BOX_COLUMNS)
    return table.astype({"box": "Int64", "box_points": "Int64", "box_cases": "Int64"})


def trajectories(found: Sequence[Finding]) -> pd.DataFrame:
    """PRIM's peeling trajectory of every box (``discovery_trajectory.csv``)."""
    frames = [finding.trajectory.assign(slug=finding.slug) for finding in found
              if not finding.trajectory.empty]
    columns = ["slug", *_empty_trajectory().columns]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
