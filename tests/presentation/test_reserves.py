"""The report's reserve-policy section and the terminal's reserve table."""

from __future__ import annotations

import io

from rich.console import Console

import sim
from sim.console import reserve_table
from sim.presentation import figure_registry
from sim.presentation.pages import render_report
from sim.presentation.reserves import reserve_section
from tests.model.test_fiscal import funds_city


def deficit_funds_run():
    """$10M a month short, two funds, no gap closing: both funds end below their floors."""
    scenario = funds_city(
        [{"name": "Unassigned", "floor": 0.05},
         {"name": "Stabilization", "balance": 5e7, "floor": 0.02}],
        **{"city[0].budget.own_source_revenue": 1.2e9 - 1.2e8, "city[0].budget.reserves": 2e8,
           "city[0].budget.gap_closing": {"order": [], "borrowing_limit": 0.0}})
    return sim.run(scenario, replications=2, workers=1)


def test_section_lists_each_fund_with_its_floor_chance_and_months():
    """One row per fund in drawdown order, a cell per strategy; exhaustion dated."""
    section = reserve_section(deficit_funds_run())
    assert [(f["fund"], f["floor"]) for f in section["funds"]] == [
        ("Unassigned", "5.00%"), ("Stabilization", "2.00%")]
    assert section["funds"][0]["cells"][0] == {"share": "100%", "months": "13.0", "p95": "13"}
    # $200M at -$10M a month: exhausted in month 20 (August 2026).
    assert section["exhausted"] == [{"city": "Springfield", "cells": [
        {"share": "100%", "year": "2026"}] * 4}]


def without_figures(run) -> str:
    """The report with every figure left out (drawing them is not what is tested)."""
    return render_report(run, {name: None for name in figure_registry.figures_for(run)})


def test_report_and_terminal_show_reserve_policy():
    """The report has the section with the funds' names; the terminal prints the table."""
    run = deficit_funds_run()
    html = without_figures(run)
    assert 'id="reserves"' in html and "Stabilization" in html
    out = io.StringIO()
    Console(file=out, width=100).print(reserve_table(run))
    text = out.getvalue()
    assert "Stabilization" in text and "100% (13.0)" in text and "100% (2026)" in text


def test_report_without_funds_says_reserves_are_one_pool(one_city):
    """A run without funds still shows when reserves run out, and says why no fund rows."""
    html = without_figures(sim.run(one_city, replications=2, workers=1))
    assert "one pool with one floor" in html


def test_report_compares_futures_with_and_without_a_recession(one_city):
    """"If a recession comes": the share of futures with one and a row per metric."""
    scenario = one_city.with_values({"recession": {"probability": 0.5,
                                                   "depth": {"sales": 0.3, "fees": 0.3}}})
    run = sim.run(scenario, replications=20, workers=1)
    section = reserve_section(run)["recession"]
    share = run.replications.groupby("replication")["recession"].max().mean()
    assert section["share"] == f"{share:.0%}" and 0 < share < 1
    assert [r["metric"] for r in section["rows"]][:2] == ["net fiscal impact",
                                                          "gap closing burden"]
    assert "If a recession comes" in without_figures(run)


def test_report_states_a_withdrawal_rule_with_its_source(one_city):
    """A city whose law limits draws gets its rule in words and its citation in the section."""
    scenario = one_city.with_values({
        "city[0].budget.draw_limit": 0.5,
        "city[0].budget.draws_need_falling_revenue": True,
        "city[0].budget.sources": {"draw_limit": "Charter 9.113.5(f): half the balance a year"}})
    run = sim.run(scenario, replications=2, workers=1)
    assert reserve_section(run)["rules"] == [{
        "city": "Springfield",
        "rule": "at most 50% of the reserves' balance at the start of a fiscal year may be drawn "
                "in it; reserves may be drawn only in a fiscal year whose own-source revenue so "
                "far runs below the same months of the year before",
        "source": "Charter 9.113.5(f): half the balance a year"}]
    html = without_figures(run)
    assert "Withdrawal rules" in html and "Charter 9.113.5(f)" in html


def test_report_without_a_withdrawal_rule_has_no_such_list(one_city):
    """No rule, no heading: the section does not invent a limit."""
    run = sim.run(one_city, replications=2, workers=1)
    assert reserve_section(run)["rules"] == []
    assert "Withdrawal rules" not in without_figures(run)
