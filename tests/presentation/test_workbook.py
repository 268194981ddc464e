"""The Excel export: sheets read back with the run's numbers and real number formats."""

import pytest
from openpyxl import load_workbook

import sim
from sim.analysis.by_measure import loss_by_measure
from sim.cli import main
from sim.presentation.workbook import CURRENCY, NO_POSITIONS, PERCENT
from tests.conftest import ONE_CITY

FUNDED = ONE_CITY.replace("payment_lag_months = 0\n", """payment_lag_months = 0
[[city.grant.funds]]
name = "10 officers"
positions = 10
share = 0.5
response = "cut"
source = "assumption: a test"
""", 1)


@pytest.fixture(scope="module")
def run():
    result = sim.run(sim.load(FUNDED), workers=1, replications=6)
    loss_by_measure(result, workers=1)
    return result


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2))


def test_the_workbook_reads_back_with_values_and_number_formats(run, tmp_path):
    """Every sheet is there; money is currency, probabilities percent, both numbers."""
    book = load_workbook(run.to_excel(tmp_path / "run.xlsx"))
    assert book.sheetnames == ["Key numbers", "Loss by measure", "Reserves by year",
                               "Positions cut", "Assumptions"]
    key = book["Key numbers"]
    header = [c.value for c in key[1]]
    sanctuary = next(r for r in rows(key) if r[0].value == "sanctuary")
    summary = run.summary.set_index(["strategy", "city", "metric"])["mean"]
    impact = sanctuary[header.index("net_fiscal_impact")]
    assert impact.value == pytest.approx(summary["sanctuary", "Springfield",
                                                 "net_fiscal_impact"], abs=0.005)
    assert impact.number_format == CURRENCY and isinstance(impact.value, float)
    breached = sanctuary[header.index("floor_breached")]
    assert breached.number_format == PERCENT and 0 <= breached.value <= 1
    cut = sanctuary[header.index("grant_positions_cut")]
    assert cut.value == pytest.approx(10.0)

    split = rows(book["Loss by measure"])
    total = next(r for r in split if r[0].value == "sanctuary" and r[2].value == "total")
    assert total[4].value == pytest.approx(impact.value, abs=0.01)
    assert total[4].number_format == CURRENCY

    # Two years, fiscal years from July: ends June 2025, June 2026 and the last month.
    reserves = [r for r in rows(book["Reserves by year"]) if r[0].value == "sanctuary"]
    assert [r[2].value for r in reserves] == ["2025-06", "2026-06", "2026-12"]
    assert all(r[3].number_format == CURRENCY and r[4].value <= r[3].value <= r[5].value
               for r in reserves)

    positions = {(r[0].value, r[2].value): r[3] for r in rows(book["Positions cut"])}
    assert positions["sanctuary", "grant_positions_cut"].value == pytest.approx(10.0)
    assert positions["sanctuary", "grant_service_lost"].number_format == CURRENCY

    sources = {r[0].value: (r[1].value, r[2].value, r[3].value)
               for r in rows(book["Assumptions"])}
    assert sources["city[Springfield].grant[JAG].funds[10 officers].positions"] == (
        10, "assumption", "assumption: a test")


def test_export_command_writes_the_file_and_refuses_bad_input_in_one_line(cli, run, tmp_path):
    """fundsim export RUN_DIR --xlsx FILE; a bad folder or name: one line, exit 2, and an
    earlier workbook is left untouched."""
    folder = run.save(tmp_path / "run", figures=False)
    target = tmp_path / "book.xlsx"
    done = cli.invoke(main, ["export", str(folder), "--xlsx", str(target)])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == str(target)
    before = target.read_bytes()
    assert "Loss by measure" in load_workbook(target).sheetnames
    for args, message in (([str(tmp_path / "nothing"), "--xlsx", str(target)],
                           "not a complete fundsim run"),
                          ([str(folder), "--xlsx", str(tmp_path / "book.csv")],
                           "must end in .xlsx"),
                          ([str(folder), "--xlsx", str(tmp_path)], "must end in .xlsx")):
        refused = cli.invoke(main, ["export", *args])
        assert refused.exit_code == 2 and message in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "run"]


def test_a_run_naming_no_positions_says_so(one_city, tmp_path):
    book = load_workbook(sim.run(one_city, workers=1, replications=2).to_excel(
        tmp_path / "plain.xlsx"))
    assert "Loss by measure" not in book.sheetnames
    assert rows(book["Positions cut"])[0][0].value == NO_POSITIONS
