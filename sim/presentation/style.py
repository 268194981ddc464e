"""The house style of every figure: colours, fonts, axes, and how figures are saved.

One style for every figure (:data:`STYLE`): titles, labelled axes with units,
dollars formatted in millions or billions, concise date axes, and a fixed,
colour-blind-safe colour per strategy (Okabe and Ito's palette) that stays the
same in every figure and, in ``fundsim compare``, in both runs.  Colours of
cost components come from Paul Tol's "muted" scheme so that they are never
mistaken for strategies.  Nothing here shows a window or touches pyplot's
global state.

The figure modules (:mod:`~sim.presentation.run_figures`,
:mod:`~sim.presentation.decision_figures`,
:mod:`~sim.presentation.compare_figures`,
:mod:`~sim.presentation.sweep_figures`) draw with these helpers.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.style as mpl_style
import numpy as np
from cycler import cycler
from matplotlib import rcParams
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.errors import FundsimWarning
from sim.formats import dollars

if TYPE_CHECKING:
    pass

OKABE_ITO = ["#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
"""Okabe and Ito (2008), "Color Universal Design": distinguishable with any colour vision."""
TOL_MUTED = {"rose": "#CC6677", "indigo": "#332288", "sand": "#DDCC77", "green": "#117733",
             "cyan": "#88CCEE", "wine": "#882255", "teal": "#44AA99", "olive": "#999933",
             "purple": "#AA4499"}
"""Paul Tol's colour-blind-safe "muted" scheme, used for categories that are not strategies."""
BASELINE_COLOUR = "#7F7F7F"
FIXED_COLOURS = {"baseline": BASELINE_COLOUR, "sanctuary": OKABE_ITO[0], "partial": OKABE_ITO[1],
                 "full": OKABE_ITO[2]}
"""Colours of the built-in strategies, the same in every figure and every run."""
SPARE_COLOURS = (OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[7], TOL_MUTED["wine"],
                 TOL_MUTED["teal"], TOL_MUTED["olive"], TOL_MUTED["indigo"])
"""Colours of other strategies, in the order they are first seen (yellow is left out:
too faint for lines on white)."""
OVERFLOW_COLOUR = "#444444"
MAX_PANELS = 12
"""Most cities drawn in per-city figures (the largest by expenditure)."""

STYLE: dict[str, Any] = {
    "figure.facecolor": "white",
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "date.converter": "concise",
    "savefig.dpi": 150,
    "svg.hashsalt": "fundsim",
    # Names come from scenario files: "$" in them is a dollar sign, never mathtext.
    "text.parse_math": False,
}
"""The house style, applied on top of matplotlib's defaults to every figure."""
PNG_DPI = 150


@contextmanager
def house_style() -> Iterator[None]:
    """Draw (or save) inside this context to get the house style whatever the user's rcParams."""
    with mpl_style.context(["default", STYLE]):
        yield


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Wrap a figure function so that it draws in the house style, its words all inside."""
    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with house_style():
            return fit_text(draw(*args, **kwargs))
    return wrapper


def fit_text(fig: Figure) -> Figure:
    """Wrap the titles that would not fit the figure's width (or their panel's).

    A figure of one narrow panel (one strategy a side in ``fundsim compare``)
    would otherwise cut its title at the edges.  Call in the house style, which
    sets the font sizes measured here.
    """
    renderer = FigureCanvasAgg(fig).get_renderer()
    room = fig.bbox.width * 0.96
    title = fig.get_suptitle()
    if title:
        font = FontProperties(size=rcParams["figure.titlesize"],
                              weight=rcParams["figure.titleweight"])
        fig.suptitle(_wrapped(title, font, room, renderer))
    for ax in fig.axes:
        if ax.get_title():
            font = FontProperties(size=rcParams["axes.titlesize"])
            ax.set_title(_wrapped(ax.get_title(), font, ax.bbox.width * 1.1, renderer))
    return fig


def _wrapped(text: str, font: FontProperties, room: float, renderer: Any) -> str:
    """The text broken into lines no wider than ``room`` pixels (lines it has are kept)."""
    def width(line: str) -> float:
        return renderer.get_text_width_height_descent(line, font, ismath=False)[0]

    lines = []
    for given in text.split("\n"):
        line = ""
        for word in given.split(" "):
            trial = f"{line} {word}" if line else word
            if line and width(trial) > room:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return "\n".join(lines)


def strategy_colours(strategies: Sequence[str]) -> dict[str, str]:
    """Colour of each strategy: fixed for the baseline and built-ins, then spares in order.

    Pass every strategy that will appear (in ``fundsim compare``: both runs')
    so that one strategy keeps one colour everywhere.
    """
    spare = iter(SPARE_COLOURS)
    colours = {}
    for name in strategies:
        if name not in colours:
            colours[name] = FIXED_COLOURS.get(name) or next(spare, OVERFLOW_COLOUR)
    return colours


def colours_for(strategies: Sequence[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    """Each strategy's colour: the one given in ``colours``, else its house colour."""
    fallback = strategy_colours(strategies)
    return {s: (colours or {}).get(s, fallback[s]) for s in strategies}


def money_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels in compact dollars ($350M, $1.2B)."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(dollars))


def share_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels in percent, for shares in 0-1."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def date_axis(ax: Axes) -> None:
    """Concise date ticks (years, then months) that never overlap."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def new_figure(rows: int, cols: int, width: float = 4.2, height: float = 2.8,
               **kwargs: Any) -> tuple[Figure, np.ndarray]:
    """Make a constrained-layout figure with a grid of axes (always 2-D)."""
    fig = Figure(figsize=(max(6.5, width * cols), height * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    return fig, axes


def legend_below(fig: Figure, handles: Sequence[Any], columns: int | None = None) -> None:
    """One legend for the whole figure, centred under the panels, in as many columns as fit."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    columns = columns or min(len(handles), 4)
    legend = fig.legend(handles=list(handles), loc="outside lower center", ncols=columns)
    while columns > 1 and legend.get_window_extent(renderer).width > fig.bbox.width * 0.96:
        legend.remove()
        columns -= 1
        legend = fig.legend(handles=list(handles), loc="outside lower center", ncols=columns)


def colour_ticklabels(ax: Axes, colours: Mapping[str, str], axis: str = "x") -> None:
    """Colour categorical tick labels that name strategies."""
    for label in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()):
        label.set_color(colours.get(label.get_text(), "black"))


def drawn_strategies(strategies: Sequence[str]) -> list[str]:
    """Strategies drawn against the baseline (all of them if there is no other)."""
    return [s for s in strategies if s != "baseline"] or list(strategies)


def png_bytes(fig: Figure, dpi: int = PNG_DPI) -> bytes:
    """Render the figure as PNG bytes (house style, reproducible metadata)."""
    buffer = io.BytesIO()
    with house_style():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def svg_bytes(fig: Figure) -> bytes:
    """Render the figure as SVG bytes (house style; no date, so reruns give the same file)."""
    buffer = io.BytesIO()
    with house_style():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def drawn_or_warned(name: str, draw: Callable[[], Figure],
                    svg: bool = False) -> tuple[bytes, bytes] | None:
    """A figure's PNG (and SVG) bytes, or None and a warning if it cannot be drawn.

    A figure is one view of results already computed: the tables and the
    other figures are kept whatever goes wrong in it.
    """
    try:
        fig = draw()
        return png_bytes(fig), svg_bytes(fig) if svg else b""
    except Exception as error:
        warnings.warn(FundsimWarning(f"figure {name} could not be drawn "
                                     f"({type(error).__name__}: {error}); it is left out"),
                      stacklevel=2)
        return None
