"""The run report (sim/presentation/pages/run.py): escaping, self-contained, files, the report
command."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser

import pytest

import sim
from sim.cli import main
from sim.presentation import figure_registry, pages
from tests.conftest import ONE_CITY, scenario_text
from tests.presentation.pages.conftest import UNCERTAIN_CITY, fake_figures

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


def test_every_section_is_in_the_menu_and_every_menu_link_lands(one_city_run):
    """The menu names each section of the report, in order, and each of its links has a target."""
    tags = parse(pages.render_report(one_city_run, fake_figures()))
    names = [tag for tag, _ in tags]
    after_nav = names.index("nav") + 1
    links = names[after_nav:].index("section")  # the menu's links run up to the first section
    menu = [attrs["href"] for _, attrs in tags[after_nav:after_nav + links]]
    sections = ["#" + attrs["id"] for tag, attrs in tags if tag == "section"]
    assert menu == sections, (menu, sections)


def test_report_copes_with_missing_tables_and_metrics(one_city_run):
    """A run without trajectories, events or some metrics still gets a report."""
    slim = sim.results.RunResult(
        one_city_run.scenario, one_city_run.manifest,
        one_city_run.replications.drop(columns=["floor_breached", "legal_cost", "federal_due"]),
        one_city_run.trajectories.iloc[0:0], one_city_run.events.iloc[0:0])
    assert set(figure_registry.figures_for(slim)) == {"cost_breakdown", "net_impact", "robustness"}
    html = pages.render_report(slim, fake_figures())
    assert "No event happened" in html and "net fiscal impact" in html


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
