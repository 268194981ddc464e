"""Rebuild the data bundled for ``fundsim draft`` (sim/draft/data/) from the raw files.

One command, for the next vintage too::

    python scripts/build_draft_data.py --raw /work/shared/data/public --parts DIR

``--raw`` holds the files listed in ``sim/draft/data/README.md`` (named as in
the data set's MANIFEST.md); ``--parts`` holds the Census Vintage 2024
subcounty files, either the national ``sub-est2024.csv`` or the per-state
``sub-est2024_<ST>.csv``: their summary level 157 rows (a place's part in each
county) tie places to counties.  Only the columns the drafter uses are kept,
as gzipped CSV (a few MB).  The hand-maintained files (``state_law.toml``,
``current_record.toml``, ``README.md``) are left alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "sim" / "draft" / "data"

STATES = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY",
}
"""State FIPS code -> postal code (the 50 states and DC; Puerto Rico is left out)."""

AGENCIES = {
    "Department of Housing and Urban Development": "HUD",
    "Department of Transportation": "DOT",
    "Department of Homeland Security": "DHS",
    "Environmental Protection Agency": "EPA",
    "Department of Agriculture": "USDA",
    "Department of the Interior": "DOI",
    "Department of Commerce": "DOC",
}

# The programs of the Urban Institute county table whose money goes to cities
# and counties (or their transit, airport and port departments).  Left out,
# because the law sends their money to other recipients: housing vouchers,
# public housing and project-based rental aid (housing authorities and owners:
# hcv, public_hsg, public_hsg_cap, s8_project, elderly, hud_disability, grrp_*),
# tribal programs (indian_*, tribal_broadband, ttp), energy, broadband and
# utility programs (doe_*, clean_hydrogen, carbon_capture_dem, dac_hubs,
# national_lab, smart_grid, natural_gas, ag_reconnect, ntia_middle_mile,
# acp_outreach), farm and business programs (ag_reap, ag_rcpp), school buses
# (school districts: clean_school_bus), intercity rail and land ports (Amtrak,
# states, GSA: fra_intercity_rail, land_port) and state motor-carrier grants.
PROGRAMS = {
    "cdbg_entitlement": "housing", "home": "housing", "hud_esg": "housing",
    "hud_hopwa": "housing", "coc": "housing",
    "fta_5307_5340": "transportation", "fta_5337_combined": "transportation",
    "fta_5339": "transportation", "fta_5310": "transportation",
    "capital_investment": "transportation", "buses": "transportation",
    "low_no_emission": "transportation", "asap": "transportation",
    "fta_rail_vehicle": "transportation", "ferry_rural_comms": "transportation",
    "fhwa_stp": "transportation", "fhwa_tap": "transportation", "fhwa_carbon": "transportation",
    "fhwa_protect_comp": "transportation", "bridge": "transportation", "infra": "transportation",
    "mega": "transportation", "rural_surface": "transportation", "raise": "transportation",
    "safe_streets": "transportation", "reconnect_community": "transportation",
    "charge_fuel_infra": "transportation", "dot_tc": "transportation",
    "culvert_restore": "transportation", "fra_rail_cross": "transportation",
    "crisi": "transportation", "airport_infrastructure_formula": "transportation",
    "airport_terminal": "transportation", "airport_infrastructure_comp": "transportation",
    "ports": "transportation",
    "bric": "hazard_mitigation", "dhs_flood": "hazard_mitigation",
    "brownfield": "environment", "epa_great_lakes": "environment",
    "ag_urban_forest": "environment", "fs_wildfire": "hazard_mitigation",
    "doi_aging_infra": "water", "doi_drought": "water", "doi_rural_water": "water",
    "doi_water_recycle": "water", "doi_water_storage": "water",
    "climate_coasts": "hazard_mitigation",
}
"""Program short name -> the tag drafted grants carry (measures may target tags)."""

NATIONAL = {"16.738": "DOJ", "16.710": "DOJ", "97.067": "DHS"}
"""Assistance Listings whose national obligations stand in for what the data cannot
give by jurisdiction: Byrne JAG, COPS, the Homeland Security Grant Program."""

ACFR = ["revenues", "expenses", "unrestricted"]


def _read(folder: Path, name: str, **options) -> pd.DataFrame:
    path = folder / name
    if not path.exists():
        sys.exit(f"{path}: missing (see sim/draft/data/README.md for where it comes from)")
    return pd.read_csv(path, **options)


def _parts(folder: Path) -> pd.DataFrame:
    files = sorted(folder.glob("sub-est2024_*.csv")) or sorted(folder.glob("sub-est2024.csv"))
    if not files:
        sys.exit(f"{folder}: no sub-est2024*.csv file")
    raw = pd.concat([pd.read_csv(f, dtype=str, encoding="latin-1") for f in files])
    parts = raw[(raw.SUMLEV == "157") & (raw.PLACE != "99990")]
    return pd.DataFrame({"geoid": parts.STATE + parts.PLACE,
                         "fips": parts.STATE + parts.COUNTY,
                         "pop2024": parts.POPESTIMATE2024.astype(int)}).drop_duplicates()


def _acfr(frame: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"key": key, "acfr_year": frame.year.astype("Int64"),
                        "acfr_name": frame.name, "acfr_url": frame.url})
    for column in ACFR:
        out[f"acfr_{column}"] = frame[column].round().astype("Int64")
    return out[out.acfr_revenues.notna() & out.acfr_expenses.notna()]


def build(raw: Path, parts_folder: Path, out: Path) -> None:
    """Write the bundle's generated files into ``out``."""
    pep = _read(raw, "census_pep_v2024_places_counties_noGA.csv", dtype=str)
    pep = pep[pep.STATE.isin(STATES)]
    munis = _read(raw, "reason_acfr_fy2023_municipalities.csv", dtype={"geo_id": str})
    acfr_places = _acfr(munis, munis.geo_id).dropna(subset=["key"]).set_index("key")

    # Places: incorporated places (162) and consolidated cities (170), not the
    # balance of a consolidated city (its 170 row is the government) nor the
    # one statistical place (Urban Honolulu CDP: the county is the government).
    places = pep[((pep.SUMLEV == "162") & ~pep.NAME.str.endswith("(balance)")
                  & (pep.FUNCSTAT != "S")) | (pep.SUMLEV == "170")]
    places = pd.DataFrame({"geoid": places.geoid, "name": places.NAME,
                           "state": places.STATE.map(STATES), "sumlev": places.SUMLEV,
                           "pop2024": places.POPESTIMATE2024.astype(int)})
    # Georgia's places are missing from Vintage 2024: kept by their ACFR name
    # only, so that a query for one can be told to draft its county.
    georgia = munis[(munis["state.abb"] == "GA") & munis.geo_id.notna()]
    georgia = pd.DataFrame({"geoid": georgia.geo_id, "name": georgia.name.str.title(),
                            "state": "GA", "sumlev": "162", "pop2024": pd.NA})
    places = pd.concat([places, georgia]).drop_duplicates("geoid")
    places = places.join(acfr_places, on="geoid")

    counties24 = pep[pep.SUMLEV == "050"].set_index("geoid")
    counties22 = _read(raw, "census_pep_v2022_counties.csv", dtype=str).set_index("geoid")
    fips = sorted(set(counties24.index) | set(counties22.index))
    counties = pd.DataFrame(index=pd.Index(fips, name="fips"))
    counties["name"] = counties24.NAME.combine_first(counties22.CTYNAME)
    counties["state"] = [STATES.get(f[:2]) for f in counties.index]
    counties["funcstat"] = counties24.FUNCSTAT
    counties["pop2024"] = counties24.POPESTIMATE2024.astype("Int64")
    counties["pop2022"] = counties22.POPESTIMATE2022.astype("Int64")
    acs = _read(raw, "acs2023_5yr_county_profile_foreign_born.csv", dtype={"geoid": str})
    counties["foreign_born_pct"] = acs.set_index("geoid").foreign_born_pct
    reason = _read(raw, "reason_acfr_fy2023_counties.csv", dtype={"geo_id": str})
    # Consolidated governments file under a place GEOID; the state and county
    # columns give every row its county FIPS.
    key = (reason.state.astype(int).astype(str).str.zfill(2)
           + reason.county.astype(int).astype(str).str.zfill(3))
    counties = counties.join(_acfr(reason, key).drop_duplicates("key").set_index("key"))
    counties = counties[counties.state.notna()].reset_index()

    parts = _parts(parts_folder)
    # A consolidated city (170) has no part rows of its own: its parts are
    # those of its component places (172), the balance and any small cities.
    components = pep[pep.SUMLEV == "172"]
    components = pd.DataFrame({"city": components.STATE + components.CONCIT,
                               "geoid": components.geoid})
    consolidated = components.merge(parts, on="geoid").groupby(["city", "fips"],
                                                              as_index=False).pop2024.sum()
    parts = pd.concat([parts, consolidated.rename(columns={"city": "geoid"})])
    parts = parts[parts.geoid.isin(places.geoid)]

    urban = _read(raw, "urban_site_county_federal_program_awards_fy2022_2023.csv",
                  dtype={"GEOID": str})
    awards = urban.melt(id_vars="GEOID", value_vars=list(PROGRAMS), var_name="program",
                        value_name="amount_fy22_fy23")
    awards = awards[awards.amount_fy22_fy23 > 0].rename(columns={"GEOID": "fips"})
    awards = awards.sort_values(["fips", "program"])

    info = _read(raw, "urban_site_program_information.csv")
    info = info.groupby("program_short_name").agg(name=("program_name", "first"),
                                                  agency=("agency_name", "first"))
    programs = info.loc[list(PROGRAMS)].rename_axis("program").reset_index()
    programs["agency"] = programs.agency.map(AGENCIES)
    programs["tag"] = programs.program.map(PROGRAMS)
    if programs.agency.isna().any():
        sys.exit(f"agency without a short code: {programs[programs.agency.isna()]}")

    gsa = _read(raw, "gsa_federal_program_inventory_fy2023_2025.csv",
                dtype={"assistance_listing": str})
    gsa = gsa[gsa.assistance_listing.isin(NATIONAL)]
    national = pd.DataFrame({"aln": gsa.assistance_listing, "name": gsa.name,
                             "agency": gsa.assistance_listing.map(NATIONAL),
                             "obligations_fy2023": gsa.obl_usaspending_fy2023.round(),
                             "obligations_fy2024": gsa.obl_usaspending_fy2024.round()})

    out.mkdir(parents=True, exist_ok=True)
    options = {"index": False, "lineterminator": "\n"}
    # No time stamp in the gzip header: the same raw files give the same bytes.
    gz = {**options, "compression": {"method": "gzip", "mtime": 0}}
    places.sort_values("geoid").to_csv(out / "places.csv.gz", **gz)
    counties.to_csv(out / "counties.csv.gz", **gz)
    parts.sort_values(["geoid", "fips"]).to_csv(out / "place_counties.csv.gz", **gz)
    awards.to_csv(out / "county_awards.csv.gz", **gz)
    programs.to_csv(out / "programs.csv", **options)
    national.to_csv(out / "national_programs.csv", **options)
    sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
    print(f"{out}: {len(places):,} places, {len(counties):,} counties, {len(parts):,} "
          f"place parts, {len(awards):,} county awards; {sum(sizes.values()) / 1e6:.2f} MB")


def main() -> None:
    """Parse the command line and build."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True,
                        help="folder of the raw files (MANIFEST.md names)")
    parser.add_argument("--parts", type=Path, required=True,
                        help="folder of the Census sub-est2024 file(s) (place parts by county)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"bundle folder (default {OUT})")
    args = parser.parse_args()
    build(args.raw, args.parts, args.out)


if __name__ == "__main__":
    main()
