"""Cities (sim/scenario/city.py): what a city's budget may say."""

from __future__ import annotations

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
