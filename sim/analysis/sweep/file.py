"""The sweep file (TOML): ``[sweep]``, ``[[parameter]]``, ``[[output]]`` and ``[[discovery]]``.

The frozen pydantic models of a sweep file, whose field docstrings are its
reference (``fundsim schema --sweep --markdown``: :func:`reference_markdown`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.analysis.discovery import Discovery
from sim.scenario import MAX_NAME
from sim.scenario.schema_docs import file_markdown
from sim.scenario.uncertain import Frozen

Design = Literal["grid", "lhs", "qmc", "sobol", "morris"]


Statistic = Literal["mean", "p05", "p50", "p95"]


DEFAULT_SAMPLES = {"lhs": 64, "qmc": 64, "sobol": 64, "morris": 10}


DEFAULT_LEVELS = {"grid": 5, "morris": 4}


MAX_PARAMETERS = 40


MAX_POINTS = 1_000_000


TAIL = 0.05
"""Tornado ends of a parameter drawn from the scenario's distribution: its 5th
and 95th percentiles (a range's ends are used as they are)."""


EDGE = 1e-4
"""Unit coordinates are kept this far from 0 and 1 for distributions, whose
extreme quantiles may be infinite."""


MIN_RBD_SAMPLES = 64
"""Fewest points of an lhs or qmc design for RBD-FAST indices (10 harmonics)."""


class SweepInfo(Frozen):
    """The ``[sweep]`` table: which scenario, which design, how many runs."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Short name, used in the report and in the result folder's name."""
    description: str = Field(default="", max_length=10_000)
    """What the sweep asks, for the report."""
    scenario: str = Field(min_length=1, max_length=4_000)
    """Base scenario file, relative to the sweep file."""
    design: Design = "sobol"
    """``grid``: every combination of levels; ``lhs``: Latin hypercube;
    ``qmc``: scrambled Sobol points; ``sobol``: Saltelli's design for Sobol
    indices; ``morris``: Morris trajectories for elementary effects."""
    samples: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    """Design size: points of an ``lhs`` design, or of a ``qmc`` design (a
    power of 2); base samples N of a ``sobol`` design (a power of 2; N(k+2)
    points for k parameters, N(2k+2) with second order); trajectories of a
    ``morris`` design (r(k+1) points).  Default 64, 10 for ``morris``; unused
    by ``grid``."""
    levels: int | None = Field(default=None, ge=2, le=1_000)
    """``grid``: values per parameter given by a range (default 5);
    ``morris``: levels of the trajectories' grid (even, default 4)."""
    second_order: bool = False
    """``sobol`` only: also estimate second-order indices (about twice the
    points)."""
    replications: int = Field(default=100, ge=1, le=10_000_000)
    """Replications per design point, each strategy and the baseline."""
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    """Root seed of every point's random streams and of the design; default:
    the scenario's."""
    strategies: list[str] | None = None
    """Strategies to simulate at each point; default: the scenario's."""
    tornado: bool = True
    """Add the one-at-a-time points (2k+1) of the tornado chart."""


class SweptParameter(Frozen):
    """``[[parameter]]``: one scenario number to vary.

    Give ``low`` and ``high`` (uniform over the range), or ``values`` (grid
    only), or neither to draw it from the scenario's own distribution.
    """

    path: str = Field(min_length=1, max_length=1_000)
    """Key path in the scenario, e.g. ``"city[Denver].budget.reserves"`` or
    ``"measure[No Bailout for Sanctuary Cities Act].probability"``; each key once
    (``city[0]`` and ``city[Denver]`` may name the same city)."""
    label: str | None = Field(default=None, max_length=MAX_NAME)
    """Short name for figures and tables; default: the path."""
    low: float | dt.date | None = None
    """Lower end of the range (a date for date keys)."""
    high: float | dt.date | None = None
    """Upper end of the range (a date for date keys)."""
    scale: Literal["linear", "log"] = "linear"
    """``log``: uniform in the logarithm (ranges spanning orders of magnitude)."""
    values: list[float] | list[dt.date] | None = Field(default=None, min_length=1,
                                                       max_length=1_000)
    """Explicit levels for a ``grid`` design."""
    base: float | dt.date | None = None
    """Base-case value for the tornado chart; default: the scenario's value,
    or the median of its distribution."""
    source: str | None = Field(default=None, max_length=2_000)
    """Why this range: a citation, or ``"assumption: ..."``."""

    @model_validator(mode="after")
    def _range_is_whole(self) -> SweptParameter:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.values is not None:
            raise ValueError("give either low and high or values, not both")
        if self.low is not None and type(self.low) is not type(self.high):
            raise ValueError("low and high must both be numbers or both be dates")
        if self.low is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and not (isinstance(self.low, float) and self.low > 0):
            raise ValueError("scale = \"log\" needs a numeric range with low > 0")
        return self


class Output(Frozen):
    """``[[output]]``: one quantity whose sensitivity is analysed."""

    metric: str = Field(min_length=1, max_length=MAX_NAME)
    """Per-replication outcome (``fundsim`` metrics, e.g. ``net_fiscal_impact``)."""
    strategy: str | None = None
    """Strategy (or ``baseline``); default: one output per strategy compared."""
    city: str | None = None
    """City, or ``"all cities"``; default: the only city, else all cities."""
    statistic: Statistic = "mean"
    """Statistic over a point's replications: ``mean``, ``p05``, ``p50`` or ``p95``."""
    label: str | None = Field(default=None, max_length=MAX_NAME)
    """Title for figures; default: built from metric, strategy and city."""


class SweepFile(Frozen):
    """A whole sweep file."""

    sweep: SweepInfo
    """Which scenario, which design, how many runs."""
    parameter: list[SweptParameter] = Field(min_length=1, max_length=MAX_PARAMETERS)
    """Parameters to vary (``[[parameter]]`` tables)."""
    output: list[Output] = Field(default_factory=list, max_length=100)
    """Outputs to analyse (``[[output]]`` tables); default: the net fiscal
    impact of each strategy."""
    discovery: list[Discovery] = Field(default_factory=list, max_length=20)
    """Outcomes whose region of the parameter space PRIM should find
    (``[[discovery]]`` tables, scenario discovery); default: none."""

    @field_validator("parameter")
    @classmethod
    def _distinct(cls, value: list[SweptParameter]) -> list[SweptParameter]:
        repeated = sorted({p.path for p in value if sum(q.path == p.path for q in value) > 1})
        if repeated:
            raise ValueError(f"parameter repeated: {', '.join(repeated)}")
        return value


SWEEP_HEADER = """\
# Sweep file reference

Every key of a sweep file (`fundsim sweep`), generated from the schema by
`fundsim schema --sweep --markdown` (do not edit by hand: a test checks that
this file matches the code).  A sweep varies numbers of a base scenario, named
by key path as in `Scenario.with_values` (`city[Denver].budget.reserves`,
`measure[No Bailout for Sanctuary Cities Act].probability`), following a
design, and ranks them by their effect on chosen outputs; `[[discovery]]`
tables ask where in that space an outcome happens (PRIM scenario discovery).
See the README's "Sweeps and sensitivity" and `scenarios/sweeps/` for examples.
"""


def reference_markdown() -> str:
    """The sweep-file reference as one Markdown document (``docs/sweep-reference.md``)."""
    return file_markdown(SweepFile, SWEEP_HEADER)
