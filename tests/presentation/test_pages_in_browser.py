"""The HTML pages as a reader's browser shows them: headless Chromium at 1,280 px.

Each page (a run's report, a comparison of two runs sharing their seed, a
sweep's report) must be whole by itself (no request but the page), run no
script that fails, decode every image, fit 1,280 px without scrolling sideways,
and never squeeze a long text into a narrow column.  Chromium is Debian's
(``/usr/bin/chromium``, which ``.ci/run`` installs); Playwright drives it and
never downloads a browser of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, sync_playwright

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
WIDTH = 1280
"""Viewport width: a laptop screen."""
NARROW_PX, LONG_TEXT = 150, 40
"""A cell narrower than NARROW_PX holding more than LONG_TEXT characters reads as
one word per line."""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
"""Headless in a container as root, and nothing that reaches out to the network."""

FACTS = f"""() => {{
  const narrow = [...document.querySelectorAll('td, th')]
    .map(cell => [cell.getBoundingClientRect().width, cell.textContent.trim()])
    .filter(([width, text]) => text.length > {LONG_TEXT} && width < {NARROW_PX})
    .map(([width, text]) => Math.round(width) + ' px: ' + text.slice(0, 50));
  const undecoded = [...document.images].filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => img.alt || img.src.slice(0, 40));
  return {{width: document.documentElement.scrollWidth, images: document.images.length,
          undecoded, narrow}};
}}"""


@pytest.fixture(scope="session")
def browser(tmp_path_factory) -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile."""
    if not CHROMIUM.exists():
        message = f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run installs it: its absence there is a failure
        pytest.skip(message)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": WIDTH, "height": 900})
        yield context
        context.close()


def fundsim(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """Denver (thresholds, several strategies) twice on one seed: 12 and 24 replications.

    Only the second draws figures and a report; the first is compared with it.
    """
    folder = tmp_path_factory.mktemp("runs")
    scenario = str(ROOT / "scenarios" / "denver.toml")
    fundsim("run", scenario, "-n", "12", "-w", "1", "-q", "--no-figures",
            "-o", str(folder / "small"))
    fundsim("run", scenario, "-n", "24", "-w", "1", "-q", "-o", str(folder / "big"))
    return folder / "small", folder / "big"


def look_at(browser: Browser, page_file: Path) -> list[str]:
    """What a reader would find wrong with the page, one line per fault."""
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.resolve().as_uri(), wait_until="load")
    facts = page.evaluate(FACTS)
    page.close()
    faults = []
    if requests != [page_file.resolve().as_uri()]:
        faults.append(f"requests other than the page itself: {requests}")
    faults += [f"console error: {error}" for error in errors]
    if not facts["images"] or facts["undecoded"]:
        faults.append(f"images not decoded: {facts['undecoded']} of {facts['images']}")
    if facts["width"] > WIDTH:
        faults.append(f"scrolls sideways: {facts['width']} px wide at a {WIDTH} px window")
    faults += [f"long text in a narrow cell: {cell}" for cell in facts["narrow"]]
    return faults


def test_run_report_reads_whole_in_a_browser(browser, runs):
    """A run's report.html: self-contained, no errors, every figure shown, fits 1,280 px."""
    assert look_at(browser, runs[1] / "report.html") == []


def test_compare_page_of_two_runs_sharing_a_seed_reads_whole_in_a_browser(browser, runs,
                                                                          tmp_path):
    """`fundsim compare` of 12 and 24 replications on one seed: the page fits and shows all."""
    fundsim("compare", str(runs[0]), str(runs[1]), "-o", str(tmp_path / "compare"))
    assert look_at(browser, tmp_path / "compare" / "report.html") == []


def test_sweep_report_reads_whole_in_a_browser(browser, tmp_path):
    """The shipped Denver sweep, shrunk: tornado, Sobol, response and discovery figures."""
    sweep = ROOT / "scenarios" / "sweeps" / "denver-sensitivity.toml"
    fundsim("sweep", str(sweep), "--samples", "4", "-n", "2", "-w", "1", "-q",
            "-o", str(tmp_path / "sweep"))
    assert look_at(browser, tmp_path / "sweep" / "report.html") == []


@pytest.mark.parametrize("width", [800, 480])
def test_run_report_never_scrolls_sideways_in_a_narrow_window(browser, runs, width):
    """Half a laptop screen, or a phone: wide tables scroll by themselves, the page does not."""
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto((runs[1] / "report.html").resolve().as_uri(), wait_until="load")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    wide_tables = page.evaluate(
        "[...document.querySelectorAll('.scroll')].filter(s => s.scrollWidth > s.clientWidth)"
        ".length")
    page.close()
    assert page_width <= width
    assert wide_tables > 0  # the window is narrow enough that some table needs to scroll
