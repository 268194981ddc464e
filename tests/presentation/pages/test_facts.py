"""The scenario described (sim/presentation/pages/facts.py): sources, assumptions, defaults, peers,
dated facts."""

from __future__ import annotations

import sim
from sim.presentation import pages
from tests.conftest import ONE_CITY, scenario_text
from tests.presentation.pages.conftest import fake_figures


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
