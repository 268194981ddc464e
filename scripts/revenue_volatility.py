"""Print each shipped city's revenue volatility estimated from its own series.

    python scripts/revenue_volatility.py

Reads data/revenue_series/ (its README.md gives origin, vintage and licence)
and prints the Markdown table of docs/jurisdictions.md, "Revenue volatility".
The method is sim.analysis.volatility's; the choices below (window, recession
years, series per city) were fixed before any scenario was rerun; the budgeted
changes (BUDGETED) were added afterwards, logged in docs/baselines.md.
"""

from __future__ import annotations

from pathlib import Path

from sim.analysis.volatility import estimate, estimate_from_projections, read_series

DATA = Path(__file__).resolve().parent.parent / "data" / "revenue_series"
CENSUS_YEARS = range(1997, 2018)
"""FY1997-2017 levels: twenty year-over-year changes, the newest the extract holds."""
CENSUS_RECESSIONS = {2002, 2003, 2009, 2010, 2011}
"""Fiscal years whose revenue change the 2001 and 2007-09 recessions drove (with the lag of
property-tax assessments)."""
QCMR_RECESSIONS = {2009, 2010, 2011, 2020, 2021}
"""The same for Philadelphia's General Fund series, with the pandemic's FY2020-21."""
BUDGETED: dict[str, dict[int, tuple[float, str]]] = {
    "seattle": {
        2008: (36_650_000, "Bridging the Gap levy, Proposition 1 of 2006-11-07 (Ordinance "
               "122232): 'collection of up to $36,650,000 in additional taxes in 2007', the "
               "first year; ballot title, http://www2.seattle.gov/ethics/vg/20061107/trnfndbt.htm"),
        2017: (95_000_000 - 365_000_000 / 9,
               "Levy to Move Seattle, Proposition 1 of 2015-11-03 (Ordinance 124796): "
               "'$95,000,000 in 2016', replacing the expiring Bridging the Gap levy, whose "
               "$365,000,000 over nine years is $40.6M a year: net $54.4M; King County "
               "Elections, https://info.kingcounty.gov/kcelections/Vote/contests/"
               "ballotmeasures.aspx?cid=54520"),
    },
}
"""City -> Census year -> (dollars of that year's own-source revenue the budget knew before the
year began, the official document): voter-approved levies first collected that year, net of the
levy they replaced, or reclassifications into the city's books (docs/baselines.md, "Budgeted
changes").  Census year Y is Seattle's calendar year Y-1.  Nothing was found for Seattle's
FY2001 and FY2016 jumps or San Francisco's FY2013 and FY2017 ones: they stay as noise."""


def rows() -> list[tuple[str, str, object]]:
    """(city, series, estimate) for every city and series."""
    out = []
    for column in ("own_source_general_revenue", "taxes"):
        census = read_series(DATA / "census_city_own_source.csv", column)
        for city, (years, levels) in sorted(census.items()):
            kept = [(y, v) for y, v in zip(years, levels, strict=True) if y in CENSUS_YEARS]
            # The levies are property taxes: in both columns.
            known = {y: amount for y, (amount, _) in BUDGETED.get(city, {}).items()}
            out.append((city, f"Census {column}",
                        estimate([y for y, _ in kept], [v for _, v in kept], CENSUS_RECESSIONS,
                                 known_in_advance=known)))
        qcmr = read_series(DATA / "philadelphia_qcmr_general_fund.csv", column)
        for city, (years, levels) in qcmr.items():
            out.append((city, f"QCMR General Fund {column}",
                        estimate(years, levels, QCMR_RECESSIONS)))
    # The cross-check: the first-quarter report's projection of the year's own-source
    # receipts against the year's actual (what the year did that the city did not expect).
    actual = read_series(DATA / "philadelphia_qcmr_general_fund.csv", "own_source_general_revenue")
    projected = read_series(DATA / "philadelphia_qcmr_general_fund.csv", "q1_projection")
    for city, (years, levels) in actual.items():
        out.append((city, "QCMR General Fund, Q1 projection error",
                    estimate_from_projections(years, levels, projected[city][1], QCMR_RECESSIONS)))
    return out


def main() -> None:
    """Print the table."""
    print("| city | series | changes used | trend | sd of change | volatility (90% interval) "
          "| screened out | recession-year changes |")
    print("|---|---|---|---|---|---|---|---|")
    for city, series, e in rows():
        recessions = ", ".join(f"{y}: {g:+.1%}" for y, g in sorted(e.recession_changes.items()))
        print(f"| {city} | {series} | {e.years} | {e.trend:+.1%} | {e.change_sd:.1%} "
              f"| {e.volatility:.1%} ({e.low:.1%}-{e.high:.1%}) "
              f"| {', '.join(map(str, e.screened)) or '-'} | {recessions} |")


if __name__ == "__main__":
    main()
