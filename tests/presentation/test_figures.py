"""Figures: image tests against baselines (pytest-mpl) and readability checks.

The image tests draw synthetic tables, not a simulation, so that a change to
the model never changes a baseline image; only a change to a figure does.
Regenerate baselines after an intended change with ``python -m pytest
tests/presentation/test_figures.py --mpl-generate-path=tests/presentation/baseline``.
"""

import dataclasses

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import sim
from sim import formats
from sim.errors import FundsimWarning
from sim.presentation import figure_registry, litigation_figures, run_figures, style, sweep_figures
from tests.conftest import ONE_CITY

STRATEGIES = ["baseline", "sanctuary", "partial"]
CITIES = ["Alpha", "Beta"]
IMAGE = {"tolerance": 5, "savefig_kwargs": {"dpi": 80}}


def synthetic_trajectories(months: int = 36, replications: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    dates = pd.date_range("2025-01-01", periods=months, freq="MS")
    rows = []
    for s, strategy in enumerate(STRATEGIES):
        for r in range(replications):
            for c, city in enumerate(CITIES):
                size = 1e9 * (c + 1)
                shock = np.cumsum(rng.normal(0, 0.01 * size, months))
                hit = 0.004 * size * s * np.arange(months) if strategy == "sanctuary" else 0
                due = np.full(months, 2e7 * (c + 1))
                withheld = due * (0.3 if strategy == "sanctuary" and r % 2 else 0.0)
                withheld[:6] = 0.0
                restored = np.where(np.arange(months) > 24, withheld * 0.5, 0.0)
                rows.append(pd.DataFrame({
                    "strategy": strategy, "replication": r, "city": city,
                    "month": np.arange(months), "date": dates,
                    "reserves": 0.1 * size + shock - hit, "debt": 0.0,
                    "expenditure": np.full(months, size / 12),
                    "federal_due": due, "federal_received": due - withheld,
                    "federal_withheld": withheld, "federal_restored": restored,
                    "federal_lost": np.zeros(months)}))
    return pd.concat(rows, ignore_index=True)


def synthetic_replications(replications: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for strategy in STRATEGIES:
        for c, city in enumerate(CITIES):
            n = replications
            exposed = strategy != "baseline"
            lost = rng.gamma(2.0, 2e7 * (c + 1), n) * (strategy == "sanctuary")
            legal = rng.uniform(1e6, 4e6, n) * exposed
            compliance = np.full(n, 3e6 * (c + 1)) * (strategy == "partial")
            rows.append(pd.DataFrame({
                "strategy": strategy, "replication": np.arange(n), "city": city,
                "federal_due": np.full(n, 5e8 * (c + 1)),
                "federal_withheld": lost * 1.5, "federal_restored": lost * 0.5,
                "federal_lost": lost * 0.6, "federal_unresolved": lost * 0.4,
                "legal_cost": legal, "compliance_cost": compliance,
                "liability_cost": rng.exponential(1e6, n) * (strategy == "partial"),
                "interest": rng.exponential(2e5, n),
                "service_cuts": rng.exponential(1e7, n) * (1 + exposed),
                "tax_increase": rng.exponential(5e6, n),
                "net_fiscal_impact": -(lost + legal + compliance),
                "floor_breached": (rng.uniform(size=n) < 0.1 + 0.2 * exposed).astype(float)}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def trajectories():
    return synthetic_trajectories()


@pytest.fixture(scope="module")
def replications():
    return synthetic_replications()


@pytest.mark.mpl_image_compare(**IMAGE)
def test_reserves_fan_image(trajectories):
    """The reserves fan chart looks as reviewed."""
    return run_figures.reserves_fan(trajectories, STRATEGIES,
                                    floor_shares={"Alpha": 0.08, "Beta": 0.05})


@pytest.mark.mpl_image_compare(**IMAGE)
def test_federal_funds_image(trajectories):
    """The federal funds figure looks as reviewed."""
    return run_figures.federal_funds(trajectories, STRATEGIES)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_cost_breakdown_image(replications):
    """The cost breakdown looks as reviewed."""
    return run_figures.cost_breakdown(replications, STRATEGIES)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_net_impact_image(replications):
    """The net impact distribution looks as reviewed."""
    return run_figures.net_impact(replications, STRATEGIES)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_exposure_by_city_image(replications):
    """The exposure-by-city figure looks as reviewed."""
    return run_figures.exposure_by_city(replications, STRATEGIES)


def _tick_boxes(fig, ax):
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]


@pytest.mark.parametrize("months", [12, 60, 240], ids=["1y", "5y", "20y"])
def test_date_ticks_never_overlap(months):
    """Date tick labels of time figures stay apart for short and long horizons."""
    fig = run_figures.federal_funds(synthetic_trajectories(months=months, replications=2),
                                    STRATEGIES)
    boxes = _tick_boxes(fig, fig.axes[-1])
    assert len(boxes) >= 2
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False))


def test_house_style_ignores_user_rcparams(replications):
    """A notebook's own matplotlib settings do not change fundsim's figures."""
    plain = run_figures.net_impact(replications, STRATEGIES)
    with mpl.rc_context({"font.size": 30, "axes.titlesize": 40}):
        tweaked = run_figures.net_impact(replications, STRATEGIES)
    assert tweaked.axes[0].yaxis.label.get_size() == plain.axes[0].yaxis.label.get_size()
    assert tweaked._suptitle.get_size() == plain._suptitle.get_size()


def test_builtin_strategies_keep_their_colours():
    """sanctuary, partial, full and the baseline have one colour whatever else is shown."""
    a = style.strategy_colours(["baseline", "full", "mine"])
    b = style.strategy_colours(["baseline", "sanctuary", "partial", "full", "other", "mine"])
    for name in ("baseline", "full"):
        assert a[name] == b[name] == style.FIXED_COLOURS[name]


def test_custom_strategies_get_distinct_colours():
    """Every strategy of a run gets its own colour while the palette lasts."""
    names = ["baseline", "sanctuary", "partial", "full"] + [f"s{i}" for i in range(8)]
    colours = style.strategy_colours(names)
    assert len(set(colours.values())) == len(names)


@pytest.mark.parametrize(("value", "text"), [(1.234e9, "$1.23B"), (-3.5e8, "-$350M"),
                                             (999_950_000, "$1B"), (12_000, "$12K"),
                                             (0.0, "$0"), (float("nan"), "n/a")])
def test_dollars_are_compact(value, text):
    """Dollar tick labels read as $350M / $1.23B."""
    assert formats.dollars(value) == text


def test_money_axis_labels_in_millions(replications):
    """Money axes show $…M / $…B tick labels, not raw numbers."""
    fig = run_figures.net_impact(replications, STRATEGIES)
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert labels and all(t.lstrip("-").startswith("$") for t in labels)


def test_one_colour_per_strategy_across_figures(trajectories, replications):
    """A strategy is drawn in the same colour in the fan and the distribution."""
    colours = style.strategy_colours(STRATEGIES)
    fan = run_figures.reserves_fan(trajectories, STRATEGIES)
    titles = {ax.get_title().split(" · ")[-1]: ax.title.get_color() for ax in fan.axes}
    assert mpl.colors.to_hex(titles["partial"]) == colours["partial"].lower()
    violin = run_figures.net_impact(replications, STRATEGIES)
    ticks = {t.get_text(): mpl.colors.to_hex(t.get_color())
             for t in violin.axes[0].get_xticklabels()}
    assert ticks["partial"] == colours["partial"].lower()


def test_zero_spread_strategy_is_drawn_without_error():
    """A strategy whose impact is the same in every replication still gets a mark."""
    frame = synthetic_replications(20)
    frame.loc[frame["strategy"] == "partial", "net_fiscal_impact"] = 0.0
    fig = run_figures.net_impact(frame, STRATEGIES)
    assert len(fig.axes[0].get_xticklabels()) == 2


def synthetic_events(replications: int = 60) -> pd.DataFrame:
    """A coalition's suit per replication: filing, PI, merits, sometimes appeal, final."""
    rng = np.random.default_rng(3)
    rows = []
    suit = "EO; Coalition"
    for r in range(replications):
        filed = pd.Timestamp("2025-02-07")
        day = filed + pd.Timedelta(days=int(rng.integers(30, 85)))
        rows += [("sanctuary", r, pd.Timestamp("2025-04-28"), "", "measure_start", "EO"),
                 ("sanctuary", r, filed, "Alpha", "suit_filed", suit),
                 ("sanctuary", r, filed, "Beta", "suit_filed", suit),
                 ("sanctuary", r, day, "", "injunction_granted" if r % 7 else
                  "injunction_denied", suit)]
        day += pd.Timedelta(days=int(rng.integers(100, 350)))
        won = r % 9 != 0
        rows.append(("sanctuary", r, day, "", "merits_won" if won else "merits_lost", suit))
        if r % 3:
            day += pd.Timedelta(days=int(rng.integers(230, 660)))
            won = r % 5 != 0
            rows.append(("sanctuary", r, day, "", "appeal_won" if won else "appeal_lost", suit))
        rows.append(("sanctuary", r, day, "", "judgment_final",
                     suit + ("; won" if won else "; lost")))
    return pd.DataFrame(rows, columns=["strategy", "replication", "date", "city", "kind",
                                       "detail"])


@pytest.mark.mpl_image_compare(**IMAGE)
def test_litigation_timeline_image():
    """The litigation timeline looks as reviewed."""
    return litigation_figures.litigation_timeline(synthetic_events(), STRATEGIES)


def test_litigation_timeline_counts_each_suit_once():
    """Two plaintiffs of one coalition filing make one filing; won shares are annotated."""
    fig = litigation_figures.litigation_timeline(synthetic_events(), STRATEGIES)
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert notes[:3] == ["n = 60", "n = 60", "n = 60, 85% won"]


def test_litigation_timeline_without_suits_says_so():
    """A run where nobody sued gets a readable empty figure, not an error."""
    events = synthetic_events()
    events = events[events["kind"] == "measure_start"]
    fig = litigation_figures.litigation_timeline(events, STRATEGIES)
    assert fig.axes[0].texts[0].get_text() == "No suit was filed in this run"


def test_reserves_fan_draws_bands_over_all_replications(trajectories):
    """With bands.parquet-style quantiles the fan covers every replication, even with no
    kept trajectories."""
    net = trajectories["reserves"] - trajectories["debt"]
    grouped = net.groupby([trajectories["strategy"], trajectories["city"], trajectories["date"]])
    bands = grouped.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    bands.columns = ["p05", "p25", "p50", "p75", "p95"]
    bands = bands.reset_index().assign(series="net_reserves")
    fig = run_figures.reserves_fan(trajectories.iloc[0:0], STRATEGIES, bands=bands)
    assert "all replications" in fig._suptitle.get_text()
    assert len(fig.axes) == len(CITIES) * 2


def test_discovery_tradeoff_stars_the_kept_box_and_rings_the_chosen_step():
    """The trade-off figure: percent axes, the chosen step ringed, the kept box starred."""
    steps = pd.DataFrame({"box": 1, "step": range(4), "coverage": [1.0, 0.95, 0.85, 0.7],
                          "density": [0.3, 0.5, 0.8, 0.9], "res_dim": [0, 1, 2, 3],
                          "kept": [False, False, True, False]})
    boxes = pd.DataFrame([{"box": 1, "coverage": 0.9, "density": 0.75, "res_dim": 1,
                           "words": "Reserves below 168M"}])
    fig = sweep_figures.discovery_tradeoff(steps, boxes, "Floor breached", rate=0.3)
    (ax,) = fig.axes
    offsets = [c.get_offsets().tolist() for c in ax.collections]
    assert [[0.9, 0.75]] in offsets and [[0.85, 0.8]] in offsets
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "50%"
    texts = [t.get_text() for t in ax.texts]
    assert any("Reserves below 168M" in t and "coverage 90%" in t for t in texts)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "step chosen" in labels and "3 parameters limited" in labels


def test_exposure_by_city_survives_an_outcome_the_same_in_every_replication():
    """Mean a rounding error above its 95th percentile (-3.7e-9 whiskers): drawn, not refused."""
    frame = synthetic_replications(20)
    constant = frame["city"] == "Beta"
    frame.loc[constant, "net_fiscal_impact"] = 0.1 + 0.2  # 0.30000000000000004 each
    frame.loc[constant, "federal_withheld"] = 1e8 / 3
    fig = run_figures.exposure_by_city(frame, STRATEGIES)
    assert style.png_bytes(fig).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["Spring $\\frac{$ field", "$x$ and $$", "a_$^{b}$"])
def test_dollar_signs_in_names_are_text_not_mathtext(name):
    """A city or strategy called '$\\frac{$': drawn as written."""
    frame = synthetic_replications(20).replace({"Alpha": name, "partial": name})
    strategies = [s if s != "partial" else name for s in STRATEGIES]
    fig = run_figures.exposure_by_city(frame, strategies)
    style.png_bytes(fig)
    assert name in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_a_figure_that_cannot_be_drawn_is_left_out_with_a_warning(tmp_path):
    """One failing figure: a FundsimWarning naming it, the others and the report written."""
    fail = figure_registry.FIGURES["net_impact"]
    broken = {**figure_registry.FIGURES, "net_impact": dataclasses.replace(
        fail, draw=lambda run, colours: 1 / 0)}
    result = sim.run(sim.load(ONE_CITY), replications=4, workers=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(figure_registry, "FIGURES", broken)
        with pytest.warns(FundsimWarning, match=r"^figure net_impact could not be drawn "
                                                r"\(ZeroDivisionError: division by zero\)"):
            pngs = figure_registry.save_figures(result, tmp_path)
    assert pngs["net_impact"] is None and pngs["reserves_fan"].startswith(b"\x89PNG")
    assert not (tmp_path / "net_impact.png").exists() and (tmp_path / "reserves_fan.svg").exists()


# --------------------------------------------------------------------------
# Nothing cut, nothing colliding


def text_faults(fig) -> list[str]:
    """Words drawn past the figure's edge, and tick labels that run into each other."""
    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(style.PNG_DPI)
    with style.house_style():
        canvas.draw()
    renderer = canvas.get_renderer()
    faults, groups, ticks = [], [], set()
    for ax in fig.axes:
        for axis, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels())):
            ticks |= {id(label) for label in labels}
            low, high = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
            k = 0 if axis == "x" else 1
            if ax.get_visible() and ax.axison:
                groups.append([label for label in labels if label.get_visible()
                               and label.get_text().strip()
                               and low <= label.get_position()[k] <= high])
    shown = {id(label) for group in groups for label in group}
    for text in fig.findobj(mpl.text.Text):
        if not (text.get_visible() and text.get_text().strip()):
            continue
        if (id(text) in ticks and id(text) not in shown) or (text.axes and not text.axes.axison):
            continue  # a tick outside the view, or a label of axes turned off: not drawn
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > fig.bbox.x1 + 1 or box.y1 > fig.bbox.y1 + 1:
            faults.append(f"cut: {text.get_text()[:40]!r}")
    for group in groups:
        boxes = [label.get_window_extent(renderer) for label in group]
        faults += [f"collide: {group[i].get_text()!r} {group[j].get_text()!r}"
                   for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                   if boxes[i].overlaps(boxes[j])]
    return faults


@pytest.fixture(scope="module")
def one_strategy_sides():
    """A small uncertain run seen as `fundsim compare RUN --strategies sanctuary partial` does."""
    import sim
    from sim.presentation import pages
    from tests.presentation.pages.conftest import UNCERTAIN_CITY

    run = sim.run(sim.load(UNCERTAIN_CITY), replications=12, workers=1)
    comparison = pages.compare(run, strategies=("sanctuary", "full"))
    return comparison


@pytest.mark.parametrize("side", ["a", "b"])
def test_one_strategy_a_side_cuts_no_title_legend_or_label(one_strategy_sides, side):
    """Narrow one-panel figures wrap their titles and fold their legends (issue 24 item 2)."""
    comparison = one_strategy_sides
    run = getattr(comparison, side).run
    faults = {name: text_faults(figure_registry.draw(run, name, comparison.colours))
              for name in figure_registry.figures_for(run)}
    assert {name: found for name, found in faults.items() if found} == {}


def test_difference_figures_cut_no_words(one_strategy_sides):
    """The compare page's own figures: forest plot and reserves difference."""
    from sim.presentation import compare_figures
    from sim.presentation.pages.numbers import CHANGE_FIGURE_METRICS

    comparison = one_strategy_sides
    changes = comparison.changes[comparison.changes["metric"].isin(CHANGE_FIGURE_METRICS)]
    forest = compare_figures.metric_changes(changes, comparison.colours)
    reserves = compare_figures.reserves_difference(
        comparison.a.run.trajectories, comparison.b.run.trajectories, comparison.pairs,
        comparison.paired, comparison.colours)
    assert text_faults(forest) == [] and text_faults(reserves) == []


def test_many_cities_fan_is_laid_out_in_a_grid(trajectories):
    """Nine cities, two strategies: about as wide as tall, not one 3,500 px column."""
    frames = [trajectories.assign(city=trajectories["city"] + str(k)) for k in range(5)]
    nine = pd.concat(frames, ignore_index=True)
    nine = nine[nine["city"] != "Beta4"]
    fig = run_figures.reserves_fan(nine, STRATEGIES)
    width, height = fig.get_size_inches()
    assert nine["city"].nunique() == 9 and height < 1.2 * width
    assert text_faults(fig) == []


def test_sobol_figure_says_when_an_index_leaves_zero_to_one():
    """Indices above 1 or below 0 carry a caveat on the figure; exact ones claim no whiskers."""
    estimated = pd.DataFrame({"label": ["a", "b"], "S1": [1.3, -0.1], "S1_conf": [0.4, 0.2],
                              "ST": [1.2, 0.1], "ST_conf": [0.3, 0.1]})
    exact = pd.DataFrame({"label": ["a", "b"], "S1": [0.7, 0.2], "ST": [0.8, 0.3]})
    noisy = sweep_figures.sensitivity_indices(estimated, "out").axes[0].get_xlabel()
    plain = sweep_figures.sensitivity_indices(exact, "out").axes[0].get_xlabel()
    assert "sampling error" in noisy and "95% confidence" in noisy
    assert "sampling error" not in plain and "confidence" not in plain
