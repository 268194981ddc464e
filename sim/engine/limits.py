"""Resource limits: how much memory and time a run will take, known before it starts.

A run's size is its replications x cities x months x strategies, plus the
monthly trajectories it keeps.  :func:`estimate` turns those counts into
bytes and seconds with per-element costs measured on the reference workload
(see ``benchmarks/``), rounded up; :func:`check` refuses a run whose
estimate exceeds the caps, saying how big it would be and which option makes
it smaller.  Nothing is allocated before the check, so a typo such as
``-n 100000000`` costs an error line, not a frozen machine.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sim.errors import UsageError

GIB = 2**30

BASE_MEMORY = 300 * 2**20
"""Python with numpy, pandas and pyarrow loaded (measured: about 200 MiB)."""
WORKER_MEMORY = 150 * 2**20
"""Each further worker process's own share, before its batch."""
BYTES_PER_OUTCOME = 64
"""Bytes per (strategy, replication, city) and outcome metric over a run: the
whole-run array, the replications table built from it, its Arrow copy while
written and the summary's working copies (measured: about 58)."""
BYTES_PER_TRAJECTORY_CELL = 24
"""Bytes per kept (month, strategy, replication, city) and column: the kept
array, the trajectories table and its Arrow copy (measured: 18 to 21)."""
SPILL_BYTES = 256 * 2**20
"""Outcomes or event logs of a run bigger than this go to a temporary folder on
disk as batches finish (:mod:`sim.engine.store`), so that the parent process stays
small whatever the number of replications."""
BYTES_PER_SPILLED_CELL = 48
"""Bytes per (replication, city) while a spilled run is summarised: one metric of
one strategy read back from disk at a time, with the summary's working copies."""
TABLE_WRITE_BYTES = 160 * 2**20
"""Most memory writing one table of a spilled run takes (row groups of 131,072
rows; measured: 146 MiB for the replications table of the reference workload)."""
ROWS_PER_GROUP = 2**17
"""Rows per Parquet row group, and about the rows of a table built (or of
outcomes summarised) at once when writing a run: a run's tables are written a
piece at a time, so saving a big run never holds a whole table in memory."""
FIGURE_ROWS = 250_000
"""Most rows of the replications table that figures and the report are drawn from
(a bigger run's come from its first replications: :func:`sim.results.for_figures`).
Set so that a 100,000-replication run of the 50-city benchmark, figures and report
included, peaks under 1 GiB (issue 20's target; figures in docs/engine.md)."""
BYTES_PER_FIGURE_CELL = 20
"""Bytes per value (replications-table row and metric, or kept trajectory cell and
column) while a spilled run draws its figures and report: the tables and the
plots' working copies.  Measured at 100,000 replications of 50 cities with 500,000
figure rows: 530 MiB over the 437 MiB the parent had after saving, with 13 of the 29
trajectory columns (:data:`sim.results.FIGURE_SERIES`), all of which this counts."""
BYTES_PER_BATCH_CELL = 16
"""Bytes per element of a batch's arrays (state, flows and their temporaries)."""
BYTES_PER_SERIES_CELL = 72
"""Bytes per (month, replication, city) of a batch's sampled monthly inputs
(revenue, spending, aid, noise and temporaries: about 6 arrays of 8 bytes)."""
SECONDS_PER_CELL_MONTH = 1.2e-8
"""Seconds, on one core, per (strategy, replication, city) and month, per unit
of array width (measures x programs, plus outcome metrics); calibrated on the
reference workloads (docs/engine.md, "Time estimate")."""
SECONDS_PER_REPLICATION_MONTH = 1e-5
"""Seconds per replication and month of event scheduling and bookkeeping;
calibrated as :data:`SECONDS_PER_CELL_MONTH` is."""
SECONDS_PER_TABLE_ROW = 5e-7
"""Seconds per output table row to build, summarise and write."""

DEFAULT_MAX_SECONDS = 24 * 3600.0
"""Longest estimated run started without asking (``--max-time``)."""


def default_max_memory() -> int:
    """Three quarters of this machine's physical memory (16 GiB if unknown)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 16 * GIB
    return int(total * 0.75) if total > 0 else 16 * GIB


@dataclass(frozen=True)
class Size:
    """The counts that drive a run's cost."""

    strategies: int
    """Including the baseline."""
    replications: int
    cities: int
    months: int
    measures: int
    programs: int
    kept: int
    """Replications whose monthly trajectories are kept."""
    batch_size: int
    workers: int
    """Batches simulated at once (here or on a cluster)."""
    local_batches: int
    """Batches in this machine's memory at once (0 when a cluster runs them)."""
    outcomes: int
    """Per-replication metrics: every entry of the catalogue, :data:`sim.metrics.METRICS`."""
    series: int
    """Monthly trajectory columns."""


@dataclass(frozen=True)
class Estimate:
    """Memory (bytes) and time (seconds) a run needs, with their main parts."""

    memory: int
    seconds: float
    parts: dict[str, int]
    """Bytes by part: interpreter, figures, outcomes, trajectories, batches."""
    disk: int = 0
    """Bytes of outcomes and kept trajectories a big run spills to the temporary
    folder (:data:`SPILL_BYTES`); its event log comes on top."""


def estimate(size: Size) -> Estimate:
    """Peak memory and wall time of a run of this size (rounded up, not down).

    Measured against peak RSS and CPU time from 1 to 500 cities, 1 to 100
    years: the estimate is 1 to 2 times what runs use (time: 0.6 times for a
    one-year run of a fraction of a second).
    """
    s = size
    cells = s.strategies * s.replications * s.cities
    batch = min(s.batch_size, s.replications)
    batch_cells = s.strategies * batch * s.cities
    widest = max(1, s.measures) * max(1, s.programs)
    stored = cells * s.outcomes * 8
    spilled = stored > SPILL_BYTES
    kept = s.months * s.strategies * s.kept * s.cities * s.series
    # A run small enough to keep its outcomes in memory draws its figures within
    # what building its tables took; a spilled run's figures come on top.
    figures = (min(cells, FIGURE_ROWS) * s.outcomes + kept) * BYTES_PER_FIGURE_CELL
    parts = {
        "interpreter": BASE_MEMORY + max(0, s.local_batches - 1) * WORKER_MEMORY,
        "figures": figures if spilled else 0,
        "outcomes": (s.replications * s.cities * BYTES_PER_SPILLED_CELL + TABLE_WRITE_BYTES
                     if spilled else cells * s.outcomes * BYTES_PER_OUTCOME),
        "trajectories": min(kept * BYTES_PER_TRAJECTORY_CELL,
                            TABLE_WRITE_BYTES if spilled else kept * BYTES_PER_TRAJECTORY_CELL),
        "batches": s.local_batches * (
            batch_cells * (widest + 4 * max(1, s.measures) + s.outcomes) * BYTES_PER_BATCH_CELL
            + s.months * batch * s.cities * BYTES_PER_SERIES_CELL
            + s.months * s.strategies * min(s.kept, batch) * s.cities * s.series
            * BYTES_PER_BATCH_CELL),
    }
    compute = (cells * s.months * (widest + s.outcomes) * SECONDS_PER_CELL_MONTH
               + s.replications * s.months * SECONDS_PER_REPLICATION_MONTH) / max(1, s.workers)
    rows = cells + s.months * s.strategies * s.kept * s.cities
    return Estimate(memory=sum(parts.values()), seconds=compute + rows * SECONDS_PER_TABLE_ROW,
                    parts=parts, disk=stored + kept * 8 if spilled else 0)


def check(size: Size, max_memory: int | str | None = None,
          max_seconds: float | str | None = None) -> None:
    """Refuse a run whose estimate exceeds a cap (``None``: the default cap; 0: no cap).

    A run big enough to spill is also refused when its spilled arrays would
    not fit in the temporary folder (unless the memory cap is off).

    Caps are bytes and seconds, or text such as ``"8GiB"`` and ``"2h"``.  The
    error gives the estimate, its biggest part, and the options that would
    bring the run under the caps.
    """
    caps = _caps(max_memory, max_seconds)
    found = estimate(size)
    if not _fits(found, caps):
        raise UsageError(_overrun("this run", found, caps) + _advice(size, caps))


def points_estimate(point: Size, points: int, at_once: int, local: bool = True) -> Estimate:
    """Memory and time of ``points`` runs of size ``point`` (a sweep), ``at_once`` at a time.

    Local runs each take a worker process of their own (this one when only
    one runs at a time); on a cluster, only this process's memory counts here.
    """
    one = estimate(point)
    at_once = max(1, min(at_once, points))
    rounds = -(-points // at_once)
    if not local:
        return Estimate(memory=BASE_MEMORY, seconds=rounds * one.seconds,
                        parts={"interpreter": BASE_MEMORY})
    parts = {name: at_once * size for name, size in one.parts.items()}
    parts["interpreter"] = BASE_MEMORY + (at_once * WORKER_MEMORY if at_once > 1 else 0)
    return Estimate(memory=sum(parts.values()), seconds=rounds * one.seconds, parts=parts,
                    disk=at_once * one.disk)


def check_points(point: Size, points: int, at_once: int, local: bool = True,
                 max_memory: int | str | None = None,
                 max_seconds: float | str | None = None) -> None:
    """Refuse a sweep whose estimate (:func:`points_estimate`) exceeds a cap, as :func:`check`.

    The error gives the estimate, a number of replications per point that
    would fit, and the caps' options.
    """
    caps = _caps(max_memory, max_seconds)

    def total(size: Size) -> Estimate:
        return points_estimate(size, points, at_once, local)

    found = total(point)
    if _fits(found, caps):
        return
    each = estimate(point)
    fitting = _largest_fitting(point, caps, "replications", point.replications, total)
    raise UsageError(
        _overrun(f"this sweep of {points:,} points ({point.replications:,} replications, about "
                 f"{show_seconds(each.seconds)} each, {max(1, min(at_once, points))} at a time)",
                 found, caps)
        + (f"This would fit: --replications {fitting}; or " if fitting else "")
        + "use fewer points (--samples, --levels), or raise the caps with --max-memory SIZE "
          "/ --max-time DURATION (0: no cap).")


def _caps(max_memory: int | str | None, max_seconds: float | str | None) -> tuple[int, float]:
    """Memory and time caps, defaults filled in (0: no cap)."""
    return (default_max_memory() if max_memory is None else _cap(max_memory, parse_size),
            DEFAULT_MAX_SECONDS if max_seconds is None else _cap(max_seconds, parse_duration))


def _overrun(what: str, found: Estimate, caps: tuple[int, float]) -> str:
    """The first sentence of a refusal: what exceeds which cap."""
    if _within_caps(found, caps):
        return (f"{what} would spill about {show_bytes(found.disk)} of outcomes to "
                f"{tempfile.gettempdir()}, which has {show_bytes(_spill_room())} free. "
                "Point TMPDIR at a bigger disk. ")
    over = []
    if caps[0] and found.memory > caps[0]:
        biggest = max(found.parts, key=found.parts.__getitem__)
        over.append(f"about {show_bytes(found.memory)} of memory (cap {show_bytes(caps[0])}; "
                    f"mostly {biggest}, {show_bytes(found.parts[biggest])})")
    if caps[1] and found.seconds > caps[1]:
        over.append(f"about {show_seconds(found.seconds)} (cap {show_seconds(caps[1])})")
    return f"{what} would need {' and '.join(over)}. "


def _spill_room() -> int:
    """Free bytes in the temporary folder big runs spill to."""
    return shutil.disk_usage(tempfile.gettempdir()).free


def _cap(value: Any, parse: Callable[[str], float]) -> Any:
    if isinstance(value, str):
        return parse(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise UsageError(f"a resource cap must be a non-negative number (got {value!r})")
    return value


def _within_caps(found: Estimate, caps: tuple[int, float]) -> bool:
    return ((not caps[0] or found.memory <= caps[0])
            and (not caps[1] or found.seconds <= caps[1]))


def _fits(found: Estimate, caps: tuple[int, float]) -> bool:
    """Within the caps, and, unless the memory cap is off, its spill within the free disk."""
    return _within_caps(found, caps) and (not caps[0] or not found.disk
                                          or found.disk <= _spill_room())


def _largest_fitting(size: Size, caps: tuple[int, float], field: str, top: int,
                     total: Callable[[Size], Estimate] = estimate) -> int:
    """Largest value of ``field`` (1 to ``top``) under the caps; 0 if none fits."""
    def fits(value: int) -> bool:
        changed = {field: value}
        if field == "replications":
            changed.update(kept=min(size.kept, value),
                           local_batches=min(size.local_batches, -(-value // size.batch_size)))
        return _fits(total(replace(size, **changed)), caps)

    low, high = 0, top
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _advice(size: Size, caps: tuple[int, float]) -> str:
    ways = []
    replications = _largest_fitting(size, caps, "replications", size.replications)
    if replications:
        ways.append(f"--replications {replications}")
    if size.kept and _fits(estimate(replace(size, kept=0)), caps):
        ways.append(f"--keep {_largest_fitting(size, caps, 'kept', size.kept)}")
    if size.local_batches > 1 and _fits(estimate(replace(size, local_batches=1)), caps):
        ways.append("--workers 1")
    fixes = f"This would fit: {' or '.join(ways)}; or " if ways else (
        "Use fewer cities or strategies (-s), or ")
    return fixes + "raise the caps with --max-memory SIZE / --max-time DURATION (0: no cap)."


_SIZE = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*([kmgt]?)(i?b?)\s*", re.IGNORECASE)
_DURATION = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*([smhd]?)\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in ``"12GiB"``, ``"500M"``, ``"2g"`` or a plain number of bytes.

    >>> parse_size("1.5GiB") == 1.5 * 2**30
    True
    """
    match = _SIZE.fullmatch(text)
    if match is None:
        raise UsageError(f"cannot read {text!r} as a memory size (e.g. 12GiB, 800MiB)")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** " kmgt".index(unit or " "))


def parse_duration(text: str) -> float:
    """Seconds in ``"90s"``, ``"30m"``, ``"2h"``, ``"1d"`` or a plain number of seconds.

    >>> parse_duration("1.5h")
    5400.0
    """
    match = _DURATION.fullmatch(text)
    if match is None:
        raise UsageError(f"cannot read {text!r} as a duration (e.g. 90s, 30m, 2h)")
    number, unit = float(match.group(1)), match.group(2).lower() or "s"
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def show_bytes(n: float) -> str:
    """Bytes for people: ``12.0 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def show_seconds(s: float) -> str:
    """Seconds for people: ``45 s``, ``12 min``, ``3.5 h``, ``2.0 days``."""
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"
