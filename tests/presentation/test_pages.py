"""The HTML report and the comparison of runs: escaping, provenance, numbers, files, CLI."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

import sim
from sim.cli import main
from sim.presentation import figure_registry, pages, run_figures, style
from sim.results import default_folder
from tests.conftest import ONE_CITY, scenario_text

HOSTILE = {
    "name": '<script>alert("name")</script>',
    "description": '<img src=x onerror=alert("description")>',
    "city": '"><script>alert(1)</script>',
    "measure": "<b onmouseover=alert(2)>DOJ</b>",
    "source": ('javascript:alert(3) https://example.org/"onmouseover="alert(4) '
               "<svg onload=alert(5)>"),
}
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "nav", "a",
                "section", "h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td",
                "span", "div", "b", "i", "code", "br", "figure", "figcaption", "img", "details",
                "summary", "colgroup", "col"}


def hostile_scenario() -> sim.Scenario:
    text = (ONE_CITY.replace('name = "Test city"',
                             f"name = {json.dumps(HOSTILE['name'])}\n"
                             f"description = {json.dumps(HOSTILE['description'])}\n"
                             "discount_rate = 0.03\n"
                             f"sources = {{ discount_rate = {json.dumps(HOSTILE['source'])} }}")
            .replace('name = "Springfield"', f"name = {json.dumps(HOSTILE['city'])}")
            .replace('name = "DOJ conditions"', f"name = {json.dumps(HOSTILE['measure'])}"))
    return sim.load(scenario_text(text, """
        [city.budget.sources]
        reserves = "assumption: <script>alert(6)</script>"
        """))


def tiny_png() -> bytes:
    return style.png_bytes(Figure(figsize=(1, 1)), dpi=10)


UNCERTAIN_CITY = (ONE_CITY.replace("revenue_volatility = 0.0", "revenue_volatility = 0.05")
                  .replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nprobability = 0.6'))
"""The one-city test scenario with revenue noise and a measure that may not happen."""


@pytest.fixture(scope="module")
def one_city_run():
    """A small run of the uncertain one-city scenario, every strategy."""
    return sim.run(sim.load(UNCERTAIN_CITY), replications=24, workers=1)


class Tags(HTMLParser):
    """Every start tag and its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def fake_figures() -> dict[str, bytes]:
    return dict.fromkeys(figure_registry.FIGURES, tiny_png())


def test_report_escapes_hostile_scenario_text():
    """Markup in scenario names, descriptions and sources is shown as text, never run."""
    run = sim.run(hostile_scenario(), replications=4, workers=1)
    html = pages.render_report(run, fake_figures())
    tags = parse(html)
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS
    assert not [name for _, attrs in tags for name in attrs if name.startswith("on")]
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a" and "href" in attrs]
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs)
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#34;description&#34;)&gt;" in html
    assert "&lt;svg onload=alert(5)&gt;" in html


def test_report_is_self_contained(one_city_run):
    """The report loads nothing from the network: figures are embedded PNGs, no links to assets."""
    html = pages.render_report(one_city_run, fake_figures())
    tags = parse(html)
    images = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    assert not [tag for tag, _ in tags if tag in ("script", "link", "iframe")]
    assert "url(" not in html and "@import" not in html


def test_report_lists_sources_assumptions_and_defaults_relied_on():
    """The report shows stated assumptions, sources and the schema defaults the run used."""
    scenario = sim.load(scenario_text(ONE_CITY, """
        [city.budget.sources]
        expenditure = "City budget book 2025, p. 12"
        reserves = "assumption: half of the rainy-day fund"
        """))
    run = sim.run(scenario, replications=4, workers=1)
    facts = pages.scenario_provenance(run)
    assert [c.path for c in facts.assumptions] == ["city[Springfield].budget.reserves"]
    assert "city[Springfield].budget.expenditure" in [c.path for c in facts.sourced]
    defaults = {d["path"] for d in facts.defaults}
    assert {"scenario.discount_rate", "city[*].budget.revenue_persistence",
            "strategy[*].eligibility_lag_months"} <= defaults
    assert "city[Springfield].budget.revenue_volatility" not in defaults  # the file sets it
    html = pages.render_report(run, fake_figures())
    assert "half of the rainy-day fund" in html and "City budget book 2025, p. 12" in html


def test_defaults_relied_on_read_as_values_not_python_reprs(one_city_run):
    """Court defaults are listed stage by stage; docstring literals become code, not ``x``."""
    page = pages.render_report(one_city_run, fake_figures())
    assert "Courts(" not in page and "Review(" not in page and "``" not in page
    assert "preliminary injunction: taken 90%, won 89%, 30-85 days (most likely 58)" in page
    assert "<code>revenue_growth</code>" in page and "research-facts" not in page


def test_saved_run_keeps_which_values_were_written(one_city_run, tmp_path):
    """Reading a run back tells written values from defaults, so provenance is unchanged."""
    one_city_run.save(tmp_path / "run", figures=False)
    again = sim.open_results(tmp_path / "run")
    before, after = pages.scenario_provenance(one_city_run), pages.scenario_provenance(again)
    assert after.defaults == before.defaults and after.missing == before.missing


def test_key_numbers_pair_each_strategy_with_the_baseline(one_city_run):
    """The change vs baseline is the mean of paired differences, with a t interval."""
    numbers = pages.key_numbers(one_city_run, "Springfield")
    row = numbers[(numbers["strategy"] == "sanctuary")
                  & (numbers["metric"] == "federal_withheld")].iloc[0]
    reps = one_city_run.replications.set_index(["strategy", "replication"])["federal_withheld"]
    paired = (reps.loc["sanctuary"] - reps.loc["baseline"]).to_numpy()
    assert row["change"].estimate == pytest.approx(paired.mean())
    low, high = stats.ttest_1samp(paired, 0).confidence_interval()
    assert (row["change"].low, row["change"].high) == pytest.approx((low, high))


def test_report_copes_with_missing_tables_and_metrics(one_city_run):
    """A run without trajectories, events or some metrics still gets a report."""
    slim = sim.results.RunResult(
        one_city_run.scenario, one_city_run.manifest,
        one_city_run.replications.drop(columns=["floor_breached", "legal_cost", "federal_due"]),
        one_city_run.trajectories.iloc[0:0], one_city_run.events.iloc[0:0])
    assert set(figure_registry.figures_for(slim)) == {"cost_breakdown", "net_impact", "robustness"}
    html = pages.render_report(slim, fake_figures())
    assert "No event happened" in html and "net fiscal impact" in html


@pytest.mark.parametrize("name", ["../../etc", "/etc/passwd", "a/b\\c", "..", ".", "名前",
                                  "con", "-rf /", "x/" * 60],
                         ids=["dotdot", "absolute", "slashes", "parent", "dot", "unicode",
                              "reserved", "dash", "long"])
def test_hostile_name_stays_inside_results(name, tmp_path):
    """Whatever a scenario is called, its default folder is a child of results/."""
    scenario = sim.load(ONE_CITY).with_values({"scenario.name": name})
    root = tmp_path / "results"
    folder = default_folder(scenario, root)
    assert folder.resolve().parent == root.resolve()
    assert not folder.name.startswith(".")
    sides = [pages.Side(key, name, None) for key in "AB"]
    comparison = pages.Comparison(*sides, pairs=(), same_run=False)
    assert pages.default_compare_folder(comparison, root).resolve().parent == root.resolve()


def test_run_writes_report_html_listed_in_the_manifest(tmp_path, monkeypatch):
    """A saved run with figures has report.html, and the manifest holds its checksum."""
    monkeypatch.setattr(figure_registry, "FIGURES", {name: figure_registry.FIGURES[name]
                                                     for name in ("net_impact", "cost_breakdown")})
    run = sim.run(sim.load(ONE_CITY), replications=6, workers=1)
    folder = run.save(tmp_path / "run")
    manifest = json.loads((folder / "manifest.json").read_text())
    html = (folder / "report.html").read_bytes()
    assert manifest["files"]["report.html"] == hashlib.sha256(html).hexdigest()
    assert b"figures/" not in html and html.count(b"data:image/png;base64,") == len(
        figure_registry.figures_for(run))


def test_report_command_rewrites_the_report_and_its_checksum(cli, one_city_run, tmp_path,
                                                           monkeypatch):
    """`fundsim report RUN` writes RUN/report.html atomically, and figures/ when missing."""
    monkeypatch.setattr(figure_registry, "FIGURES",
                        {"net_impact": figure_registry.FIGURES["net_impact"]})
    folder = one_city_run.save(tmp_path / "run", figures=False)
    result = cli.invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(folder / "report.html")
    manifest = json.loads((folder / "manifest.json").read_text())
    digest = hashlib.sha256((folder / "report.html").read_bytes()).hexdigest()
    assert manifest["files"]["report.html"] == digest
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    # Saved without figures (--no-figures): the report draws them, as the README says.
    assert sorted(p.name for p in (folder / "figures").iterdir()) == ["net_impact.png",
                                                                      "net_impact.svg"]
    png = folder / "figures" / "net_impact.png"
    assert manifest["files"]["figures/net_impact.png"] == hashlib.sha256(
        png.read_bytes()).hexdigest()


def test_report_command_on_a_missing_run_is_a_clean_error(cli, tmp_path):
    """A folder that is not a run gives one line and exit status 2."""
    result = cli.invoke(main, ["report", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "not a complete fundsim run" in result.stderr and "Traceback" not in result.output


# --------------------------------------------------------------------------
# Comparison


def test_compare_identical_runs_shows_zero_differences(one_city_run):
    """Two runs of the same scenario and seed differ in nothing, with zero-width intervals."""
    again = sim.run(sim.load(UNCERTAIN_CITY), replications=24, workers=1)
    comparison = pages.compare(one_city_run, again)
    assert comparison.paired
    changes = comparison.changes
    assert len(changes) and (changes[["change", "ci95_low", "ci95_high"]] == 0).all().all()
    assert not changes["beyond_noise"].any()
    assert comparison.parameters.empty
    assert not comparison.settings["differs"].any()


def test_compare_shows_each_sides_loss_by_measure():
    """A run split by measure brings its table and waterfall into the comparison page."""
    from sim.analysis.by_measure import loss_by_measure

    split = sim.run(sim.load(UNCERTAIN_CITY), replications=24, workers=1)
    loss_by_measure(split, workers=1)
    page = pages.render_comparison(pages.compare(split, split))
    assert page.count("Loss by measure") >= 2 and "without measures" in page
    assert 'id="fig-loss_by_measure"' in page


def test_compare_different_scenarios_lists_changed_parameters(one_city_run):
    """The parameter diff names every changed key with both values, and nothing else."""
    changed = sim.load(UNCERTAIN_CITY).with_values({
        "city[Springfield].budget.reserves": 2.5e8,
        "measure[DOJ conditions].withhold_share": 0.5,
        "scenario.seed": 8})
    other = sim.run(changed, replications=24, workers=1)
    comparison = pages.compare(one_city_run, other)
    diff = comparison.parameters.set_index("path")
    assert set(diff.index) == {"city[Springfield].budget.reserves",
                               "measure[DOJ conditions].withhold_share", "scenario.seed"}
    assert diff.loc["city[Springfield].budget.reserves", "a"] == "100,000,000"
    assert diff.loc["city[Springfield].budget.reserves", "b"] == "250,000,000"
    assert not comparison.paired
    reserves = comparison.changes.query("metric == 'reserves_end' and pair == 'baseline'")
    assert reserves["beyond_noise"].all() and (reserves["change"] > 0).all()


def test_same_seed_runs_of_different_sizes_pair_their_shared_replications(one_city_run):
    """24 and 120 replications on one seed: the first 24 are paired, nothing is flagged."""
    bigger = sim.run(sim.load(UNCERTAIN_CITY), replications=120, workers=1)
    comparison = pages.compare(one_city_run, bigger)
    assert comparison.paired and comparison.shared == 24 and comparison.unshared == (0, 96)
    changes = comparison.changes
    assert (changes[["change", "ci95_low", "ci95_high"]] == 0).all().all()
    assert not changes["beyond_noise"].any()
    page = pages.render_comparison(comparison)
    assert "on the 24 replications both" in page and "The other 96 of B" in page
    assert 'class="num notable"' not in page


def test_same_seed_and_a_real_change_is_flagged(one_city_run):
    """Same seed, other starting reserves: the reserve metrics change beyond noise, paired."""
    richer = sim.load(UNCERTAIN_CITY).with_values({"city[Springfield].budget.reserves": 2.5e8})
    comparison = pages.compare(one_city_run, sim.run(richer, replications=120, workers=1))
    assert comparison.paired
    flagged = comparison.changes.query("beyond_noise")
    assert {"reserves_end", "min_reserve_ratio"} <= set(flagged["metric"])
    assert (flagged.query("metric == 'reserves_end'")["change"] > 0).all()


def test_independent_runs_of_one_model_flag_nothing(one_city_run):
    """Another seed: Welch, and no change beyond Monte Carlo error over the whole page.

    With this seed 13 of the 95% intervals exclude zero by chance (the metrics move
    together): an unadjusted test would paint them red.
    """
    other = sim.run(sim.load(UNCERTAIN_CITY), replications=24, seed=108, workers=1)
    comparison = pages.compare(one_city_run, other)
    assert not comparison.paired
    changes = comparison.changes
    assert ((changes["ci95_low"] > 0) | (changes["ci95_high"] < 0)).sum() == 13
    assert not changes["beyond_noise"].any()


@pytest.mark.parametrize("estimate, se, level, beyond", [
    (1.9, 1.0, 0.05, False), (2.5, 1.0, 0.05, True), (2.5, 1.0, 0.0005, False),
    (1e-3, 0.0, 0.05, True), (0.0, 0.0, 0.05, False)])
def test_beyond_noise_takes_the_family_level_and_exact_differences(estimate, se, level, beyond):
    """A change beyond noise exceeds the t quantile of its level; one without error, any change."""
    interval = pages.Interval(estimate, estimate - 2 * se, estimate + 2 * se, se, df=200)
    assert interval.beyond_noise(level) is beyond


def test_parameter_diff_reports_added_and_removed_tables():
    """A city present on one side only is listed key by key as only in A or only in B."""
    a = {"city": [{"name": "X", "population": 1}], "scenario": {"years": 2}}
    b = {"city": [{"name": "Y", "population": 1}], "scenario": {"years": 3}}
    diff = pages.parameter_diff(a, b).set_index("path")
    assert diff.loc["city[X].population", "status"] == "only in A"
    assert diff.loc["city[Y].population", "status"] == "only in B"
    assert tuple(diff.loc["scenario.years", ["a", "b"]]) == ("2", "3")


def test_compare_two_strategies_of_one_run_is_paired(one_city_run):
    """Within one run the comparison pairs replications (common random numbers)."""
    comparison = pages.compare(one_city_run, strategies=("sanctuary", "full"))
    assert comparison.same_run and comparison.paired
    assert comparison.pairs == (("sanctuary", "full"),)
    assert comparison.a.run.strategies == ["baseline", "sanctuary"]
    assert comparison.b.run.strategies == ["baseline", "full"]
    row = comparison.changes.query("metric == 'federal_withheld'").iloc[0]
    reps = one_city_run.replications.set_index(["strategy", "replication"])["federal_withheld"]
    assert row["change"] == pytest.approx((reps.loc["full"] - reps.loc["sanctuary"]).mean())


def test_compare_explains_a_missing_strategy(one_city_run):
    """Naming a strategy a run does not have is a usage error that lists the ones it has."""
    with pytest.raises(sim.FundsimError, match="no strategy 'bold'.*baseline, sanctuary"):
        pages.compare(one_city_run, strategies=("sanctuary", "bold"))
    with pytest.raises(sim.FundsimError, match="second run"):
        pages.compare(one_city_run)


@pytest.mark.parametrize("paired", [True, False], ids=["paired", "welch"])
def test_mean_difference_matches_scipy(paired):
    """Confidence intervals of changes agree with scipy's t tests."""
    rng = np.random.default_rng(3)
    a = rng.normal(10, 2, 40)
    b = a + rng.normal(1, 1, 40) if paired else rng.normal(11, 3, 55)
    got = pages.mean_difference(a, b, paired)
    test = stats.ttest_rel(b, a) if paired else stats.ttest_ind(b, a, equal_var=False)
    low, high = test.confidence_interval()
    assert (got.low, got.high) == pytest.approx((low, high))
    assert got.estimate == pytest.approx(b.mean() - a.mean())


def test_shared_axes_make_two_drawings_comparable(one_city_run):
    """Matching panels of A and B get the same value ranges."""
    shifted = one_city_run.replications.assign(
        net_fiscal_impact=one_city_run.replications["net_fiscal_impact"] * 3 - 5e6)
    fig_a = run_figures.net_impact(one_city_run.replications, one_city_run.strategies)
    fig_b = run_figures.net_impact(shifted, one_city_run.strategies)
    pages.share_limits(fig_a, fig_b)
    assert fig_a.axes[0].get_ylim() == fig_b.axes[0].get_ylim()


def test_compare_keeps_one_colour_per_strategy_across_runs(one_city_run):
    """A strategy has the same colour on both sides, even one only B has."""
    comparison = pages.compare(one_city_run, one_city_run)
    colours = comparison.colours
    assert colours["sanctuary"] == style.FIXED_COLOURS["sanctuary"]
    assert len(set(colours.values())) == len(colours)


def test_compare_command_writes_report_and_tables(cli, one_city_run, tmp_path, monkeypatch):
    """`fundsim compare RUN --strategies A B -o DIR` writes the page, two tables, a manifest."""
    monkeypatch.setattr(figure_registry, "FIGURES",
                        {"net_impact": figure_registry.FIGURES["net_impact"]})
    folder = one_city_run.save(tmp_path / "run", figures=False)
    out = tmp_path / "cmp"
    result = cli.invoke(main, ["compare", str(folder), "--strategies", "sanctuary", "partial",
                               "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert {p.name for p in out.iterdir()} == {"report.html", "changes.csv", "parameters.csv",
                                               "manifest.json"}
    changes = pd.read_csv(out / "changes.csv")
    assert set(changes["pair"]) == {"sanctuary → partial"}
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 + 2  # both sides, then two differences
    again = cli.invoke(main, ["compare", str(folder), "--strategies", "sanctuary", "partial",
                              "-o", str(out)])
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_compare_command_without_second_run_or_strategies_is_an_error(cli, one_city_run,
                                                                        tmp_path):
    """`fundsim compare RUN` alone explains what it needs, exit status 2."""
    folder = one_city_run.save(tmp_path / "run", figures=False)
    result = cli.invoke(main, ["compare", str(folder)])
    assert result.exit_code == 2 and "--strategies" in result.stderr


def test_linkify_links_only_web_addresses():
    """Sources get clickable http(s) links; other schemes stay text."""
    html = str(pages.linkify('see https://a.org/x?y=1&z="2" and javascript:alert(1)'))
    assert '<a href="https://a.org/x?y=1&amp;z=' in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_event_summary_counts_share_of_replications():
    """Each event kind shows the share of replications where it happened and its first date."""
    events = pd.DataFrame({
        "strategy": ["s", "s", "s", "t"], "replication": [0, 0, 1, 0],
        "date": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-02-01", "2025-05-01"]),
        "city": "", "kind": "measure_start", "detail": "M"})
    summary = pages.event_summary(events, ["s", "t"], replications=4).set_index("strategy")
    assert summary.loc["s", "share"] == 0.5 and summary.loc["s", "per_run"] == 0.75
    assert summary.loc["t", "share"] == 0.25
    assert summary.loc["s", "first"] == pd.Timestamp("2025-01-16")


def test_report_path_for_a_run_without_folder_is_required(one_city_run):
    """Writing the report of an unsaved run needs a path."""
    unsaved = sim.results.RunResult(one_city_run.scenario, one_city_run.manifest,
                                    one_city_run.replications, one_city_run.trajectories,
                                    one_city_run.events)
    with pytest.raises(sim.FundsimError, match="give the report's path"):
        pages.write_report(unsaved)


def test_write_report_to_a_chosen_file(one_city_run, tmp_path, monkeypatch):
    """The report can be written anywhere; no temporary file is left behind."""
    monkeypatch.setattr(figure_registry, "FIGURES", {})
    path = pages.write_report(one_city_run, tmp_path / "out" / "r.html")
    assert path.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["r.html"]


def test_number_cells_say_percentage_points_for_probabilities():
    """Changes of probabilities read in percentage points, money in $."""
    assert pages.format_change("floor_breached", 0.052) == "+5.2 pp"
    assert pages.format_change("floor_breached", 0.0) == "0 pp"
    assert pages.format_change("net_fiscal_impact", -2.5e8) == "-$250M"
    assert pages.format_metric("months_below_floor", 3.25) == "3.2"
    assert (Path(pages.__file__).parents[1] / "templates").is_dir()


@pytest.mark.parametrize(("metric", "value", "text"), [
    ("detainers_received", 12345.6, "12,346"), ("trust_end", 0.8512, "0.851"),
    ("reporting_rate_change", -0.083, "-8.3%"), ("federal_due", 2.5e9, "$2.5B"),
    ("no_such_metric", 3.14159, "3.14")])
def test_metric_values_read_in_their_units(metric, value, text):
    """Counts with thousands separators, indices as decimals, relative changes in percent."""
    assert pages.format_metric(metric, value) == text


def test_shared_axes_leave_out_empty_panels(one_city_run):
    """A side with nothing to draw does not stretch the other side's axes."""
    fig_a = run_figures.net_impact(one_city_run.replications, one_city_run.strategies)
    before = fig_a.axes[0].get_ylim()
    fig_b = Figure()
    empty = fig_b.subplots()
    empty.text(0.5, 0.5, "No suit was filed in this run")
    empty.set_axis_off()
    pages.share_limits(fig_a, fig_b)
    assert fig_a.axes[0].get_ylim() == before


def test_report_places_a_draft_among_its_peers():
    """A drafted city's federal share and reserves per resident, with percentiles, in the report."""
    import sim.draft

    text = sim.draft.draft("Denver, CO")
    run = sim.run(text.scenario.with_values({"scenario.years": 1}), replications=2, workers=1)
    rows = pages.peer_rows(run)
    share, reserves = text.peers
    assert [(r["metric"], r["percentile"]) for r in rows] == [
        ("federal share of revenue", f"{share.percentile:.0f}"),
        ("reserves per resident", f"{reserves.percentile:.0f}")]
    html = pages.render_report(run, fake_figures())
    assert "Peer context" in html and rows[1]["median"] in html


def test_report_lists_dated_facts_the_run_outlives():
    """A fact whose valid_until the run passes is listed in the report as a warning."""
    scenario = sim.load(scenario_text(ONE_CITY, """
        [city.budget.valid_until]
        expenditure = 2025-06-30
        """))
    run = sim.run(scenario, replications=4, workers=1)
    facts = pages.scenario_provenance(run)
    assert [f.path for f in facts.aged] == ["city[Springfield].budget.expenditure"]
    html = pages.render_report(run, fake_figures())
    assert "1 dated fact(s) to check" in html and "2025-06-30" in html


def test_floor_breached_leads_with_the_change_and_says_when_the_baseline_breaches():
    """A baseline below the floor in some futures: a note, and strategies lead with the change."""
    poor = sim.load(UNCERTAIN_CITY).with_values({"city[Springfield].budget.reserves": 1e6})
    run = sim.run(poor, replications=8, workers=1)
    page = pages.render_report(run, fake_figures())
    already = run.summary.query("strategy == 'baseline' and metric == 'floor_breached' "
                                "and city == 'Springfield'")["mean"].iloc[0]
    assert already > 0
    assert f"reserves already fall\n  below the floor in {already:.0%} of futures" in page
    assert "pp vs baseline</span>" in page
