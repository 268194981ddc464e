"""Scenario discovery: PRIM boxes on sweep results, questions, tables, folders and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import discovery
from sim.analysis import sweep as sweeps
from sim.analysis.discovery import Discovery, parse_outcome
from sim.cli import main
from sim.errors import ScenarioError
from tests.conftest import scenario_text

SCENARIO = scenario_text().replace("revenue_volatility = 0.0", "revenue_volatility = 0.02")

SHARE = "measure[DOJ conditions].withhold_share"
RESERVES = "city[Springfield].budget.reserves"
RATE = "scenario.discount_rate"
EFFECTIVE = "measure[DOJ conditions].effective"

SWEEP = f"""
[sweep]
name = "Discovery test"
scenario = "scenario.toml"
design = "lhs"
samples = 400
replications = 2
strategies = ["sanctuary"]
tornado = false

[[parameter]]
path = "{SHARE}"
label = "DOJ share withheld"
low = 0.0
high = 1.0

[[parameter]]
path = "{RESERVES}"
label = "Reserves"
low = 1.0e6
high = 2.0e8
source = "assumption: a wide range"

[[parameter]]
path = "{RATE}"
label = "Discount rate"
low = 0.0
high = 0.1
source = "assumption: a wide range"

[[parameter]]
path = "{EFFECTIVE}"
label = "DOJ conditions take effect"
low = 2025-02-01
high = 2025-12-31
source = "assumption: any day of 2025 after January"
"""


def write_sweep(folder: Path, sweep: str = SWEEP) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.toml").write_text(SCENARIO)
    path = folder / "sweep.toml"
    path.write_text(textwrap.dedent(sweep))
    return path


def planted(sweep: sweeps.Sweep, inside) -> sweeps.SweepResult:
    """A sweep's result, without simulating, whose floor is breached exactly where ``inside``."""
    design = sweeps.build_design(sweep).table
    breached = inside(design).to_numpy(dtype=float)
    metrics = pd.DataFrame({
        "point": design["point"], "strategy": "sanctuary", "city": "Springfield",
        "metric": "floor_breached", "mean": breached, "p05": breached, "p50": breached,
        "p95": breached, "ci95_low": breached, "ci95_high": breached, "n": 2})
    return sweeps.SweepResult(sweep=sweep, design=design, metrics=metrics,
                              responses=pd.DataFrame(), indices=pd.DataFrame(),
                              second_order=pd.DataFrame(), tornado=pd.DataFrame())


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> sweeps.Sweep:
    return sweeps.load(write_sweep(tmp_path_factory.mktemp("sweep")))


@pytest.fixture(scope="module")
def share_and_reserves(sweep) -> sweeps.SweepResult:
    """Breached exactly where the DOJ share withheld is above 0.6 and reserves below $80M."""
    return planted(sweep, lambda d: (d[SHARE] > 0.6) & (d[RESERVES] < 8e7))


BREACHED = Discovery(metric="floor_breached", above=0.5)


# --------------------------------------------------------------------------
# PRIM on planted boxes


def limits_of(box: discovery.Box) -> dict[str, discovery.Limit]:
    return {limit.path: limit for limit in box.limits}


def test_prim_recovers_a_planted_box_and_leaves_other_parameters_free(share_and_reserves):
    """Box: share above ~0.6 and reserves below ~$80M; the rate and the date unrestricted."""
    finding = discovery.discover(share_and_reserves, BREACHED)
    (box,) = finding.boxes
    limits = limits_of(box)
    assert set(limits) == {SHARE, RESERVES}
    share, reserves = limits[SHARE], limits[RESERVES]
    assert share.low_restricted and not share.high_restricted
    assert share.low == pytest.approx(0.6, abs=0.05)
    assert reserves.high_restricted and not reserves.low_restricted
    assert reserves.high == pytest.approx(8e7, abs=0.05 * 2e8)
    assert box.density >= 0.9 and box.coverage >= 0.8
    assert finding.cases == int(((share_and_reserves.design[SHARE] > 0.6)
                                 & (share_and_reserves.design[RESERVES] < 8e7)).sum())
    assert box.words.startswith(("DOJ share withheld above 0.", "Reserves below "))
    assert " and " in box.words
    assert "Reserves below $" in box.words  # dollars say so; the share has no unit
    assert "above $" not in box.words


def test_prim_recovers_a_box_on_a_date_and_says_before(sweep):
    """A date limit reads 'before'/'after'; a rate limit 'above'."""
    result = planted(sweep, lambda d: (d[EFFECTIVE] < pd.Timestamp("2025-06-01"))
                     & (d[RATE] > 0.05))
    (box,) = discovery.discover(result, BREACHED).boxes
    limits = limits_of(box)
    assert set(limits) == {EFFECTIVE, RATE}
    before = dt.date.fromisoformat(limits[EFFECTIVE].high_text)
    assert abs((before - dt.date(2025, 6, 1)).days) <= 20
    assert limits[RATE].low == pytest.approx(0.05, abs=0.005)
    assert "DOJ conditions take effect before 2025-0" in box.words
    assert "Discount rate above 0.05" in box.words


def test_same_inputs_give_the_same_boxes(share_and_reserves):
    """PRIM is deterministic: the same sweep and question give identical tables."""
    first = discovery.findings(share_and_reserves, [BREACHED])
    again = discovery.findings(share_and_reserves, [BREACHED])
    pd.testing.assert_frame_equal(discovery.boxes_table(first), discovery.boxes_table(again))
    pd.testing.assert_frame_equal(discovery.trajectories(first), discovery.trajectories(again))


@pytest.mark.parametrize("inside, note", [
    (lambda d: d[SHARE] > 2, "happens at no design point"),
    (lambda d: d[SHARE] >= 0, "happens at every design point"),
], ids=["nowhere", "everywhere"])
def test_an_outcome_nowhere_or_everywhere_has_no_box_and_says_why(sweep, inside, note):
    """No region to find: no box, and a note in the boxes table."""
    finding = discovery.discover(planted(sweep, inside), BREACHED)
    assert not finding.boxes and note in finding.note
    table = discovery.boxes_table([finding])
    assert len(table) == 1 and note in table["note"].iloc[0] and table["box"].isna().all()


def test_an_outcome_scattered_at_random_has_no_box(sweep):
    """Noise (a coin per point) gives no box once limits that could be chance are opened."""
    coin = np.random.default_rng(3).random(400) < 0.3
    finding = discovery.discover(planted(sweep, lambda d: pd.Series(coin)), BREACHED)
    assert not finding.boxes and "spread over the space" in finding.note


def test_tornado_points_are_left_out(tmp_path):
    """Only the main design's points count: one-at-a-time points sample lines, not the space."""
    sweep = sweeps.load(write_sweep(tmp_path), {"tornado": True, "samples": 50})
    result = planted(sweep, lambda d: d[SHARE] > 0.5)
    finding = discovery.discover(result, BREACHED)
    assert finding.points == 50


def test_boxes_table_has_one_row_per_limit_with_readable_ends(share_and_reserves):
    """discovery.csv rows: question, box statistics, each limited parameter's ends as text."""
    (finding,) = discovery.findings(share_and_reserves, [BREACHED])
    table = discovery.boxes_table([finding])
    assert list(table["parameter"]) == [limit.path for limit in finding.boxes[0].limits]
    assert (table["condition"] == "floor_breached [sanctuary, Springfield] > 0.5").all()
    reserves = table.set_index("parameter").loc[RESERVES]
    assert reserves["low_text"].endswith("M") and reserves["high_text"].endswith("M")
    assert reserves["box_cases"] <= reserves["box_points"]
    assert reserves["density"] == pytest.approx(reserves["box_cases"] / reserves["box_points"])


def test_summary_states_the_box_in_plain_words(share_and_reserves):
    """The summary gives the share with the outcome, each box's limits, density, coverage."""
    (finding,) = discovery.findings(share_and_reserves, [BREACHED])
    text = finding.summary()
    assert f"at {finding.cases} of 400 design points" in text
    assert "density" in text and "coverage" in text and finding.boxes[0].words in text


def test_questions_with_the_same_name_get_distinct_slugs(share_and_reserves):
    """Two questions that slug alike are told apart (their figures must not overwrite)."""
    found = discovery.findings(share_and_reserves, [BREACHED, BREACHED])
    assert [f.slug for f in found] == ["floor-breached-sanctuary-springfield-0-5",
                                       "floor-breached-sanctuary-springfield-0-5-2"]


# --------------------------------------------------------------------------
# Questions


def test_parse_outcome_reads_metric_statistic_strategy_and_bound():
    """METRIC[.STATISTIC][@STRATEGY] OP VALUE becomes a [[discovery]] table."""
    assert parse_outcome("floor_breached@sanctuary > 0.5") == {
        "metric": "floor_breached", "above": 0.5, "strategy": "sanctuary"}
    assert parse_outcome("net_fiscal_impact.p05<=-1e8") == {
        "metric": "net_fiscal_impact", "at_most": -1e8, "statistic": "p05"}
    assert parse_outcome(" legal_cost @ full partial >= 2 ") == {
        "metric": "legal_cost", "at_least": 2.0, "strategy": "full partial"}


@pytest.mark.parametrize("text", ["floor_breached", "floor_breached > high",
                                  "floor_breached => 0.5", "> 0.5", "x > nan", "x > inf"])
def test_bad_outcome_text_is_one_problem_naming_the_option_and_value(text):
    """Unreadable outcome text: one problem, at --outcome, with the text."""
    with pytest.raises(ScenarioError) as caught:
        parse_outcome(text)
    (problem,) = caught.value.problems
    assert str(problem).startswith("command line: --outcome: expected METRIC")
    assert repr(text) in str(problem)


BAD_QUESTIONS = [
    ("unknown-metric", 'metric = "floor_breech"', "discovery[0].metric: unknown metric"),
    ("unknown-strategy", 'strategy = "defiance"', "discovery[0].strategy: not simulated"),
    ("unknown-city", 'city = "Shelbyville"', "discovery[0].city: no such city"),
    ("no-bound", "", "discovery[0]: give a bound"),
    ("both-lower-bounds", "at_least = 0.2", "discovery[0]: give either at_least or above"),
    ("bad-statistic", 'statistic = "p99"', "discovery[0].statistic:"),
    ("bad-coverage", "min_coverage = 1.5", "discovery[0].min_coverage:"),
    ("unknown-key", "treshold = 0.5", "discovery[0].treshold: unknown key"),
]


@pytest.mark.parametrize("line, message", [(line, m) for _, line, m in BAD_QUESTIONS],
                         ids=[name for name, _, _ in BAD_QUESTIONS])
def test_bad_discovery_table_names_file_key_path_and_value(tmp_path, line, message):
    """Each mistake in a [[discovery]] table is reported as FILE: key.path: message."""
    bound = "" if "bound" in message else "above = 0.5\n"
    text = SWEEP + f'\n[[discovery]]\nmetric = "floor_breached"\n{bound}{line}\n'
    if line.startswith("metric"):
        text = SWEEP + f"\n[[discovery]]\n{line}\nabove = 0.5\n"
    path = write_sweep(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        sweeps.load(path)
    assert f"{path}: {message}" in str(caught.value)


def test_strategy_is_required_when_the_sweep_simulates_several(tmp_path):
    """With two strategies a question must say which one it asks about."""
    text = SWEEP.replace('strategies = ["sanctuary"]', 'strategies = ["sanctuary", "full"]')
    path = write_sweep(tmp_path, text + '\n[[discovery]]\nmetric = "floor_breached"\n'
                                        "above = 0.5\n")
    with pytest.raises(ScenarioError, match=r"discovery\[0\]\.strategy: required: the sweep "
                                            "simulates sanctuary, full"):
        sweeps.load(path)


# --------------------------------------------------------------------------
# Sweep folders and the command line


SMALL = f"""
[sweep]
name = "Small discovery"
scenario = "scenario.toml"
design = "grid"
levels = 4
replications = 4
strategies = ["sanctuary"]

[[parameter]]
path = "{SHARE}"
label = "DOJ share withheld"
low = 0.2
high = 1.0

[[parameter]]
path = "{RESERVES}"
label = "Reserves"
low = 1.0e6
high = 2.0e8
source = "assumption: a wide range"

[[output]]
metric = "floor_breached"
"""
QUESTION = """
[[discovery]]
label = "Floor breached in most futures"
metric = "floor_breached"
above = 0.5
"""


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory) -> Path:
    """A 4 x 4 grid sweep folder, figures and report included, without discovery."""
    folder = tmp_path_factory.mktemp("small")
    sweeps.run(sweeps.load(write_sweep(folder, SMALL)), folder / "out", workers=1)
    return folder / "out"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_sweep_file_questions_are_answered_in_the_sweep_folder(tmp_path):
    """[[discovery]]: discovery.csv, its trajectory, a figure, a report section, the manifest."""
    path = write_sweep(tmp_path, SMALL + QUESTION)
    result = sweeps.run(sweeps.load(path), tmp_path / "out", workers=1)
    folder = tmp_path / "out"
    (finding,) = result.findings
    assert finding.boxes, finding.note
    boxes = pd.read_csv(folder / "discovery.csv")
    assert set(boxes["outcome"]) == {"Floor breached in most futures"}
    assert set(pd.read_csv(folder / "discovery_trajectory.csv")["slug"]) == {finding.slug}
    assert (folder / "figures" / f"discovery-{finding.slug}.png").is_file()
    page = (folder / "report.html").read_text()
    assert 'id="discovery"' in page and finding.boxes[0].words in page
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "discovery.csv" in manifest["files"]
    assert manifest["discovery"][0]["label"] == "Floor breached in most futures"
    again = sweeps.open_sweep(folder)
    pd.testing.assert_frame_equal(discovery.boxes_table(again.findings),
                                  discovery.boxes_table(result.findings))


def test_cli_discover_adds_its_outputs_and_leaves_other_results_alone(cli, small_sweep,
                                                                      tmp_path):
    """`fundsim discover`: new discovery files, report and manifest; the rest byte for byte."""
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(small_sweep, folder)
    before = snapshot(folder)
    result = cli.invoke(main, ["discover", str(folder), "--outcome",
                               "floor_breached@sanctuary > 0.5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(folder)
    assert "floor_breached [sanctuary, Springfield] > 0.5: at " in result.stderr
    after = snapshot(folder)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed - {"report.html", "manifest.json"} == {
        name for name in after if "discovery" in name}
    assert {"discovery.csv", "discovery_trajectory.csv"} <= changed
    manifest = json.loads(after["manifest.json"])
    assert set(manifest["files"]) == {n for n in after if not n.startswith(("points/", "."))
                                      and n != "manifest.json"}
    assert b'id="discovery"' in after["report.html"]
    reopened = sweeps.open_sweep(folder)
    assert [str(f.question) for f in reopened.findings] == [
        "floor_breached [sanctuary, Springfield] > 0.5"]


def test_cli_discover_again_replaces_the_earlier_questions_figures(cli, small_sweep, tmp_path):
    """A second `discover` answers its own questions; the first one's figure goes."""
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(small_sweep, folder)
    first = cli.invoke(main, ["discover", str(folder), "-q", "--outcome",
                              "floor_breached > 0.5"])
    second = cli.invoke(main, ["discover", str(folder), "-q", "--outcome",
                               "floor_breached >= 0.75"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    figures = {p.name for p in (folder / "figures").glob("discovery-*.png")}
    assert all("0-75" in name for name in figures), figures
    assert set(pd.read_csv(folder / "discovery.csv")["condition"]) == {
        "floor_breached [sanctuary, Springfield] >= 0.75"}


@pytest.mark.parametrize("outcome, message", [
    ("floor_breached is high", "command line: --outcome: expected METRIC[.STATISTIC]"
                               "[@STRATEGY] OP VALUE"),
    ("floor_breech > 0.5", "command line: --outcome: unknown metric"),
    ("floor_breached@full > 0.5", "command line: --outcome: not simulated (simulated: "
                                  "baseline, sanctuary) (got 'full')"),
    ("floor_breached.p99 > 0.5", "command line: --outcome: "),
], ids=["unreadable", "unknown-metric", "unknown-strategy", "unknown-statistic"])
def test_cli_bad_outcome_is_one_line_exit_2_and_changes_nothing(cli, small_sweep, outcome,
                                                                message):
    """A bad --outcome: one clear line on stderr, exit status 2, the folder untouched."""
    before = snapshot(small_sweep)
    result = cli.invoke(main, ["discover", str(small_sweep), "--outcome", outcome])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines
    assert "Traceback" not in result.output
    assert snapshot(small_sweep) == before


def test_cli_discover_refuses_a_folder_that_is_not_a_sweep(cli, tmp_path):
    """A folder without a finished sweep is a usage error (exit 2)."""
    result = cli.invoke(main, ["discover", str(tmp_path), "--outcome", "floor_breached > 0"])
    assert result.exit_code == 2 and "is not a complete sweep" in result.stderr


def test_a_diagonal_region_needs_a_lower_coverage_and_the_note_says_so(sweep):
    """Breached where share > 10 x rate: no 90% dense box holds 80% of it; one holds half."""
    result = planted(sweep, lambda d: d[SHARE] > 10 * d[RATE])
    dense = {**BREACHED.model_dump(), "min_density": 0.9}
    strict = discovery.discover(result, Discovery.model_validate(dense))
    assert not strict.boxes and "a lower min_coverage finds smaller, denser boxes" in strict.note
    loose = discovery.discover(result, Discovery.model_validate({**dense, "min_coverage": 0.5}))
    (box,) = loose.boxes
    assert set(limits_of(box)) == {SHARE, RATE} and box.density >= 0.9


def test_cli_sweep_answers_outcome_options(cli, tmp_path):
    """`fundsim sweep SCENARIO -p ... --outcome ...` runs PRIM on the new sweep."""
    (tmp_path / "scenario.toml").write_text(SCENARIO)
    out = tmp_path / "out"
    result = cli.invoke(main, [
        "sweep", str(tmp_path / "scenario.toml"), "--design", "grid", "--levels", "4",
        "-n", "4", "-w", "1", "-s", "sanctuary", "-p", f"{SHARE}=0.2..1",
        "-p", f"{RESERVES}=1e6..2e8", "--outcome", "floor_breached > 0.5", "-o", str(out),
        "--no-figures"])
    assert result.exit_code == 0, result.output
    assert "floor_breached [sanctuary, Springfield] > 0.5: at " in result.stderr
    boxes = pd.read_csv(out / "discovery.csv")
    assert set(boxes["condition"]) == {"floor_breached [sanctuary, Springfield] > 0.5"}


@pytest.mark.parametrize("command", ["sweep", "discover"])
def test_without_the_discovery_extra_one_line_says_how_to_install_it(cli, small_sweep, tmp_path,
                                                                     monkeypatch, command):
    """No EMA Workbench: exit 2 before any point runs, one line naming the extra, nothing
    written."""
    monkeypatch.setitem(sys.modules, "ema_workbench", None)  # as if not installed
    if command == "sweep":
        args = ["sweep", str(write_sweep(tmp_path, SMALL + QUESTION)), "-o", str(tmp_path / "out")]
    else:
        args = ["discover", str(small_sweep), "--outcome", "floor_breached > 0.5"]
    before = snapshot(small_sweep)
    result = cli.invoke(main, args)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "pip install -e '.[discovery]'" in line and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() and snapshot(small_sweep) == before
