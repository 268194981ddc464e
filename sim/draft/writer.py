"""A drafted scenario as TOML text: every number with its source, assumptions marked.

What the bundled data give is filled in and cited by dataset, table and
vintage: population, the ACFR's total expenses (an all-funds scope, said in
``scope``), a reserve range from the unrestricted net position, the federal
programs received in the county scaled by residents, the county's
foreign-born share, the state's law and the strategies it allows.  What the
data cannot give (the fiscal year, JAG, COPS and homeland security grants,
General Fund reserves and their floor) is an ``assumption:`` whose citation
says "TO CONFIRM" and names the document to look in, repeated in a comment on
its line; ``fundsim sources --check`` lists them.  The federal measures and
litigation are those of the current record (:mod:`sim.draft.record`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sim.draft.bundle import DATASETS, Bundle
from sim.draft.figures import (
    GFOA_MONTHS,
    AgencyAwards,
    county_awards,
    foreign_born,
    national_share,
    reserve_range,
)
from sim.draft.jurisdictions import Jurisdiction
from sim.draft.peers import NATIONAL, RESERVE_FLOOR, Standing
from sim.draft.record import Record
from sim.scenario import COMPLIANCE_LEVELS, FORBIDDEN_BY_STATE_LAW, Scenario

TO_CONFIRM = "TO CONFIRM"
"""The words that mark a drafted number the analyst must check (case-insensitive
in :mod:`sim.scenario.provenance`)."""
FISCAL_YEAR_START = 7
"""Assumed first month of the fiscal year: July."""
GROWTH = 0.03
"""Assumed annual growth of expenditure (the schema's default)."""
VOLATILITY = 0.03
"""Assumed standard deviation of own-source revenue (the schema's default)."""
CURRENT_POLICY = {
    "neutral": ("partial", "the middle level, as state law leaves the choice to the "
                           "jurisdiction"),
    "sanctuary_mandated": ("sanctuary", "the level state law leaves once it forbids full "
                                        "cooperation"),
    "cooperation_mandated": ("full", "the level state law requires"),
    "texas": ("full", "the level Texas SB 4 requires"),
    "massachusetts": ("notify", "the most state law allows without a 287(g) agreement "
                                "(Lunn v. Commonwealth bars holds on detainers alone)"),
    "new_york": ("notify", "the most state law allows without a 287(g) agreement (Wells v. "
                           "DeMarco bars holds on detainers alone)"),
}
"""Compliance level assumed today under each state law, and why; a state law not
listed (one barring holds and most notifications) leaves :data:`NO_COOPERATION`."""
NO_COOPERATION = ("sanctuary", "no cooperation, as the state's law bars holds and most "
                               "notifications; a jurisdiction that tells ICE of serious "
                               "offenders' release is at notify_serious where the law allows it")
ASSUMED_GRANTS = {
    "16.738": ("Byrne JAG", ["law_enforcement"]),
    "16.710": ("COPS", ["law_enforcement"]),
    "97.067": ("Homeland security (HSGP: UASI, SHSP)", ["preparedness"]),
}
"""Programs the data give only nationally: name and tags of the drafted grant."""
SEFA = "the ACFR's schedule of expenditures of federal awards"
PROGRAMS_LISTED = 6
"""Programs named in a scaled grant's citation, largest first."""
MIN_GRANT = 10_000
"""Agencies whose county awards come to less a year (USD) are left out of a draft."""
@dataclass(frozen=True)
class Text:
    """A drafted scenario file and what it was drafted from."""

    jurisdiction: Jurisdiction
    """The government drafted."""
    toml: str
    """The scenario file."""
    scenario: Scenario
    """The file, validated."""
    peers: list[Standing]
    """Where its federal share and reserves fall among its peers."""


def quoted(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False)


def dollars(x: float) -> str:
    """``$1,234,567``, ``-$5`` (whole dollars)."""
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def _uniform(low: float, high: float) -> str:
    return f'{{ dist = "uniform", low = {round(low)}, high = {round(high)} }}'


def _share_of(j: Jurisdiction) -> str:
    """How a county figure reaches the jurisdiction, in words."""
    if j.kind == "county":
        return ("whole: awards to every recipient in the county, its cities and transit "
                "agencies included")
    if j.consolidated:
        return "the city and county are one government, so the county's figures are unscaled"
    return "scaled by residents"


def _who(j: Jurisdiction) -> str:
    return {"place": "city", "county": "county"}[j.kind]


def _scaling(j: Jurisdiction, county: str, share: float, people: int, whole: int) -> str:
    if share == 1.0:
        return f"{county}, whole"
    return (f"{county} x {share:.4f} (the {_who(j)}'s {people:,} of the county's {whole:,} "
            "residents, [census-pep-v2024] place parts)")


def _grant(j: Jurisdiction, group: AgencyAwards) -> str:
    counties = {c.name: (s, people, c.population)
                for (c, s), people in zip(j.counties, j.residents, strict=True)}
    per_county: dict[str, float] = {}
    per_program: dict[str, float] = {}
    for award in group.awards:
        per_county[award.county] = per_county.get(award.county, 0.0) + award.county_amount
        per_program[award.program] = per_program.get(award.program, 0.0) + award.amount
    where = "; ".join(f"{dollars(amount)} a year in "
                      + _scaling(j, name, *counties[name]) for name, amount in per_county.items())
    top = sorted(per_program.items(), key=lambda item: -item[1])
    programs = ", ".join(f"{name} {dollars(amount)}" for name, amount in top[:PROGRAMS_LISTED])
    more = f" and {len(top) - PROGRAMS_LISTED} more" if len(top) > PROGRAMS_LISTED else ""
    scaled = "" if all(counties[n][0] == 1.0 for n in per_county) else ", scaled"
    label = "derived" + (", scaled by residents" if scaled else "")
    source = (f"{label}: [usaspending-county-awards] awards of FY2022 and FY2023, halved: "
              f"{where}; programs: {programs}{more}")
    return "\n".join([
        "[[city.grant]]",
        f"program = {quoted(f'{group.agency} programs (county awards{scaled})')}",
        f"agency = {quoted(group.agency)}",
        f"amount = {round(group.amount)}  # {SEFA} lists the {_who(j)}'s own awards",
        f"tags = {json.dumps(list(group.tags))}",
        f"source = {quoted(source)}",
    ])


def _assumed_grant(j: Jurisdiction, aln: str, data: Bundle) -> str:
    name, tags = ASSUMED_GRANTS[aln]
    program = data.national[aln]
    estimate = national_share(j.population, aln, data)
    mean = sum(program.obligations) / 2
    source = (f"assumption: {TO_CONFIRM} in {SEFA} (ALN {aln}) or the award notices; "
              f"national obligations of {program.name}, mean of FY2023 and FY2024 "
              f"{dollars(mean)} [program-inventory], x the {_who(j)}'s share of US residents "
              f"({j.population:,} of {data.us_population:,}, [census-pep-v2022]) = "
              f"{dollars(estimate)}; uniform from 0 to twice that: many jurisdictions receive "
              "none, a few far more")
    return "\n".join([
        "[[city.grant]]",
        f"program = {quoted(name)}",
        f"agency = {quoted(program.agency)}",
        f"amount = {_uniform(0, 2 * estimate)}  # {TO_CONFIRM}: {SEFA} (ALN {aln})",
        f"tags = {json.dumps(tags)}",
        f"source = {quoted(source)}",
    ])


def _population(j: Jurisdiction) -> str:
    if j.vintage == 2022:
        return (f"[census-pep-v2022] POPESTIMATE2022 of county {j.geoid} ({j.census_name}); "
                "Georgia is missing from the Vintage 2024 file bundled")
    what = "place" if j.kind == "place" else "county"
    return f"[census-pep-v2024] POPESTIMATE2024 of {what} {j.geoid} ({j.census_name})"


def _immigrant_share(j: Jurisdiction, share: float) -> str:
    if j.kind == "county":
        return f"[acs-2019-2023] DP02_0094PE, {j.name}: {100 * share:.1f}%"
    parts = ", ".join(f"{c.name} {100 * c.foreign_born:.1f}% ({people:,} residents)"
                      for (c, _), people in zip(j.counties, j.residents, strict=True)
                      if c.foreign_born is not None and people > 0)
    return (f"derived: the county's share, not the city's (the data have none for cities): "
            f"[acs-2019-2023] DP02_0094PE, {parts}, weighted by the city's residents in each "
            "([census-pep-v2024] place parts)")


def _reserves(j: Jurisdiction) -> tuple[str, str]:
    low, high, from_report = reserve_range(j, RESERVE_FLOOR)
    net = j.acfr.unrestricted
    where = ("the ACFR's General Fund balance sheet (unassigned fund balance) and any "
             "stabilization fund")
    if from_report:
        source = (f"derived, a rough stand-in, {TO_CONFIRM} in {where}: [acfr-fy2023] "
                  f"unrestricted net position {dollars(net)} at the end of FY{j.acfr.year}; "
                  "uniform from half of it to all of it, since part belongs to enterprise "
                  "funds and part is not cash")
    else:
        shown = "not reported" if net is None else f"{dollars(net)}, negative"
        source = (f"assumption: {TO_CONFIRM} in {where}; the unrestricted net position "
                  f"([acfr-fy2023]: {shown}) says nothing of cash reserves (pension and OPEB "
                  f"liabilities), so uniform from the {RESERVE_FLOOR:.0%} floor to "
                  f"{GFOA_MONTHS} months of expenses, the minimum the GFOA recommends for a "
                  "General Fund ('Fund Balance Guidelines for the General Fund', 2015)")
    return _uniform(low, high), source


def _peers(peers: list[Standing]) -> list[str]:
    lines = ["# Peer check (the same figures of every government of similar size in the",
             "# bundled data, by the same rules):"]
    for standing, fmt in zip(peers, ("{:.1%}", "${:,.0f}"), strict=True):
        text = _wrap(f"{standing.describe(fmt)}.", 72)
        lines += [f"#   {text[0]}", *(f"#     {line}" for line in text[1:])]
    return lines


def render(j: Jurisdiction, data: Bundle, record: Record, peers: list[Standing],
           query: str) -> str:
    """The scenario file drafted for ``j``."""
    law = data.state_law[j.state]
    allowed = [c for c in COMPLIANCE_LEVELS if c not in FORBIDDEN_BY_STATE_LAW[law["law"]]]
    policy, reason = CURRENT_POLICY.get(law["law"], NO_COOPERATION)
    expenses, revenues = j.acfr.expenses, j.acfr.revenues
    reserves, reserves_source = _reserves(j)
    share = foreign_born(j)
    scope = (f"all funds: total expenses of the FY{j.acfr.year} audited financial report "
             f"(ACFR), government-wide statement of activities (revenues {dollars(revenues)} in "
             "the same statement); not the General Fund")
    who = {"place": "city", "county": "county government"}[j.kind]
    cites = {
        "fiscal_year_start": f"assumption: {TO_CONFIRM} in the adopted budget; July, a common "
                             "start of local fiscal years",
        "current_policy": f"assumption: {TO_CONFIRM} in the {who}'s ordinances and the jail's "
                          f"detainer policy; {policy}, {reason}",
        "expenditure": f"[acfr-fy2023] {j.acfr.name}, total expenses FY{j.acfr.year}, "
                       f"{j.acfr.url}",
        "expenditure_growth": "assumption: 3% a year (the schema default)",
        "reserve_floor": f"assumption: {TO_CONFIRM} in the adopted budget (reserve or fund "
                         "balance policy); 5% of expenditure, the schema default",
        "revenue_volatility": "assumption: 3% standard deviation of own-source revenue around "
                              "trend",
    }
    awards = [group for group in county_awards(j, data) if group.amount >= MIN_GRANT]
    header = [
        f"# {j.label}: a DRAFT scenario written by `fundsim draft {quoted(query)}`",
        "# from the public data bundled with fundsim (sim/draft/data/README.md): Census",
        "# Vintage 2024 estimates, FY2023 audited financial reports, FY2022-2023 awards.",
        "#",
        *(f"# {line}" for line in _wrap(f"Scope: {scope}.")),
        *(f"# {line}" for line in _wrap(
            f"Federal programs in the county award data: {_share_of(j)}; agencies under "
            f"{dollars(MIN_GRANT)} a year are left out.")),
        "#",
        "# Every number has a source.  Lines marked TO CONFIRM are assumptions that",
        "# public data cannot give: replace each with the figure from the document",
        "# named on the line, cite that document in its source, and check the file",
        "# with `fundsim sources --check FILE`.  Then: `fundsim run FILE`.",
        "#",
        *_peers(peers),
    ]
    if "note" in law:
        header += ["#", *(f"# {line}" for line in _wrap(f"State law: {law['note']}"))]
    description = (
        f"{j.label} ({who}, all funds at the scale of its FY{j.acfr.year} ACFR) under the "
        "federal measures of the current record: the 2025 DOJ, DHS, HUD and DOT grant "
        "conditions, the sanctuary executive orders and a possible federal statute. "
        f"State law: {law['law'].replace('_', ' ')}, so the strategies compared are "
        f"{', '.join(allowed)}. Drafted from public data by fundsim draft: see the "
        "file's comments for the numbers to confirm.")
    city = [
        "[[city]]",
        f"name = {quoted(j.name)}",
        f"state = {quoted(j.state)}",
        f"state_law = {quoted(law['law'])}",
        f"fiscal_year_start = {FISCAL_YEAR_START}  # {TO_CONFIRM}: the adopted budget "
        "(the fiscal year it covers)",
        f"population = {j.population}",
    ]
    if share is not None:
        city.append(f"immigrant_share = {share:.4f}")
    city += [
        f"current_policy = {quoted(policy)}  # {TO_CONFIRM}: the {who}'s ordinances and the "
        "jail's detainer policy",
        "[city.sources]",
        f"state_law = {quoted(law['source'])}",
        f"fiscal_year_start = {quoted(cites['fiscal_year_start'])}",
        f"population = {quoted(_population(j))}",
    ]
    if share is not None:
        city.append(f"immigrant_share = {quoted(_immigrant_share(j, share))}")
    city += [
        f"current_policy = {quoted(cites['current_policy'])}",
        "",
        "[city.budget]",
        f"scope = {quoted(scope)}",
        f"expenditure = {round(expenses)}",
        f"expenditure_growth = {GROWTH}",
        f"reserves = {reserves}  # {TO_CONFIRM}: the ACFR's General Fund balance sheet",
        f"reserve_floor = {RESERVE_FLOOR}  # {TO_CONFIRM}: the adopted budget's reserve policy",
        f"revenue_volatility = {VOLATILITY}",
        "[city.budget.sources]",
        f"expenditure = {quoted(cites['expenditure'])}",
        f"expenditure_growth = {quoted(cites['expenditure_growth'])}",
        f"reserves = {quoted(reserves_source)}",
        f"reserve_floor = {quoted(cites['reserve_floor'])}",
        f"revenue_volatility = {quoted(cites['revenue_volatility'])}",
    ]
    grants = [f"# {line}" for line in _wrap(
        f"Federal programs received in the county (USAspending, FY2022-2023): {_share_of(j)}.")]
    for group in awards:
        grants += ["", _grant(j, group)]
    grants += ["", "# What the data do not give by jurisdiction: DOJ and DHS grants."]
    for aln in NATIONAL:
        grants += ["", _assumed_grant(j, aln, data)]
    body = "\n".join([
        *header, "",
        "[scenario]",
        f"name = {quoted(j.label + ' (draft)')}",
        f'description = """\n{_wrap_text(description)}\n"""',
        f"start = {record.start.isoformat()}",
        f"years = {record.years}",
        "replications = 1000",
        f"seed = {int(j.geoid)}",
        f"discount_rate = {record.discount_rate}",
        f"strategies = {json.dumps(allowed)}  # those {j.state} law allows (see state_law)",
        f"sources = {{ discount_rate = {quoted(record.discount_source)} }}",
        "",
        *city, "",
        *grants, "",
        "# [city.enforcement] and [city.trust] take the schema's defaults (national figures,",
        "# cited in `fundsim schema --markdown`): set the jail's own bookings and detainers.",
        "",
        "# ---------------------------------------------------------------------------",
        "# The current federal record (the measures of the newest shipped scenarios).",
        "",
        record.tables_for(share),
    ])
    bibliography = {**DATASETS, **record.sources}
    cited = {key: text for key, text in bibliography.items() if f"[{key}]" in body}
    sources = "\n".join(f"{key} = {quoted(text)}" for key, text in cited.items())
    return f"{body}\n[sources]\n{sources}\n"


def _wrap(text: str, width: int = 76) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _wrap_text(text: str) -> str:
    return "\n".join(_wrap(re.sub(r"\s+", " ", text), 78))
