"""Cities (sim/scenario/city.py): what a city's budget may say."""

from __future__ import annotations

from click.testing import CliRunner

from sim.cli import main
from sim.scenario import loads
from tests.conftest import ONE_CITY, PASS_THROUGH
from tests.scenario.conftest import problems


def with_reviews(months: str) -> str:
    """ONE_CITY whose budget is reviewed after the given months, cutting half the shortfall."""
    return ONE_CITY.replace("[city.budget]\n", "[city.budget]\nmidyear_share = 0.5\n"
                            f"review_months = {months}\n")


def test_review_months_are_months_into_the_year_once_each():
    """Sorted as given; 12 (no month left) and a month twice are refused in one line."""
    assert loads(with_reviews("[9, 3, 6]")).city[0].budget.review_months == [3, 6, 9]
    late = problems(with_reviews("[6, 12]"))
    assert any("city[0].budget.review_months" in p and "1-11" in p for p in late), late
    twice = problems(with_reviews("[6, 6]"))
    assert any("given twice" in p for p in twice), twice


def test_a_grant_names_its_pass_through_entity_or_none():
    """Left out: a direct award; named: the state agency; an empty name is refused."""
    springfield = loads(PASS_THROUGH).city[0]
    assert [g.pass_through for g in springfield.grant] == [
        "Illinois Department of Human Services", None]
    empty = problems(PASS_THROUGH.replace('"Illinois Department of Human Services"', '""'))
    assert any("city[0].grant[0].pass_through" in p for p in empty), empty


def with_budget(lines: str) -> str:
    """ONE_CITY with extra [city.budget] lines."""
    return ONE_CITY.replace("[city.budget]\n", f"[city.budget]\n{lines}\n")


def test_a_withdrawal_rule_is_for_one_pool_and_its_limit_may_be_uncertain():
    """draw_limit is a share like any other (a range works); with funds either key is
    refused in one line naming it, and the CLI exits 2 with that line."""
    budget = loads(with_budget('draw_limit = { dist = "uniform", low = 0.4, high = 0.6 }\n'
                               "draws_need_falling_revenue = true")).city[0].budget
    assert budget.draw_limit.mean == 0.5 and budget.draws_need_falling_revenue
    assert problems(with_budget("draw_limit = 1.5"))
    funds = ('[[city.budget.fund]]\nname = "Unassigned"\n')
    for key in ("draw_limit = 0.5", "draws_need_falling_revenue = true"):
        text = ONE_CITY.replace("[city.budget]\n", f"[city.budget]\n{key}\n").replace(
            "\n[[city.grant]]", f"\n{funds}\n[[city.grant]]", 1)
        found = problems(text)
        name = key.split(" ")[0]
        assert len(found) == 1 and "city[0].budget" in found[0] and name in found[0], found


def test_a_withdrawal_rule_with_funds_exits_2_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(with_budget("draw_limit = 0.5").replace(
        "\n[[city.grant]]", '\n[[city.budget.fund]]\nname = "Unassigned"\n\n[[city.grant]]', 1))
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad}: city[0].budget")
    assert "draw_limit" in lines[0] and "Traceback" not in result.output
