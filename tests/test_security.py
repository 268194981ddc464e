"""Security: scenario files are data, names cannot steer where results go.

A scenario is parsed as TOML and validated; nothing in it is evaluated,
unpickled, imported or read from elsewhere.  Values that look like paths,
shell commands or markup stay plain strings.  Result folder names come from
scenario names only through a slug that cannot leave the results folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.results import default_folder, slug
from tests.conftest import ONE_CITY

SIM = Path(sim.__file__).parent

HOSTILE_NAMES = [
    "../../etc/passwd", "/etc/cron.d/x", "..", ".", "~root", "C:\\Windows\\System32", "CON",
    "$(rm -rf ~)", "`reboot`", "a\nb", "\u202eevil\u202c", "東京 ⟶ ☃", "-rf --no-preserve-root",
    "x" * 120, "   ", "<script>alert(1)</script>", "name\x00with nul",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_slug_of_any_name_is_one_safe_path_component(name):
    """Slugs are short lowercase letters, digits and dashes: never '..', '/', or empty."""
    text = slug(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", text) and len(text) <= 60


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_default_folder_stays_inside_the_results_folder(name, tmp_path):
    """Whatever the scenario is called, its default folder is a direct child of results/."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace(
        "\x00", "\\u0000")
    try:
        scenario = sim.load(ONE_CITY.replace('name = "Test city"', f'name = "{escaped}"'))
    except ScenarioError:
        pytest.skip("the schema refuses this name (too long or blank)")
    root = tmp_path / "results"
    folder = default_folder(scenario, root)
    assert folder.parent == root and folder.resolve().parent == root.resolve()


def test_path_like_values_are_only_strings(tmp_path):
    """Values that look like includes, paths or commands are kept verbatim, never followed."""
    secret = tmp_path / "secret.toml"
    secret.write_text('[scenario]\nname = "read me and you lose"\n')
    text = ONE_CITY.replace('name = "Test city"', f'name = "{secret}"\n'
                            f'description = "include = {secret}; $(cat {secret})"')
    scenario = sim.load(text)
    assert scenario.scenario.name == str(secret)
    assert scenario.scenario.description == f"include = {secret}; $(cat {secret})"
    assert "read me" not in scenario.model_dump_json()


@pytest.mark.parametrize("key", ["include", "import", "extends", "load", "__class__"])
def test_include_like_keys_are_unknown_keys(key):
    """There are no includes: such keys are refused like any unknown key."""
    with pytest.raises(ScenarioError, match=f"{key}: unknown key"):
        sim.load(ONE_CITY.replace("[scenario]", f'{key} = "other.toml"\n\n[scenario]'))


def test_the_package_never_evaluates_or_unpickles_input():
    """No eval, exec, pickle loading or YAML loading anywhere in sim/."""
    dangerous = re.compile(r"(?<![.\w])(eval|exec|compile)\(|pickle\.loads?\(|marshal\.loads?\(|"
                           r"yaml\.(unsafe_)?load\(|__import__\(|shelve\.")
    found = [f"{path.relative_to(SIM)}:{number}: {line.strip()}"
             for path in SIM.rglob("*.py")
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if dangerous.search(line)]
    assert found == []


def test_scenario_strings_reach_outputs_as_data(cli, tmp_path):
    """Markup and control characters in names are stored as text, not interpreted."""
    name = "<b>City</b> & \\\"Co\\\""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY.replace('name = "Springfield"', f'name = "{name}"'))
    out = tmp_path / "out"
    result = cli.invoke(main, ["run", str(path), "-o", str(out), "-n", "2", "-w", "1", "-q",
                               "--no-figures"])
    assert result.exit_code == 0, result.output
    assert sim.open_results(out).replications["city"].iloc[0] == '<b>City</b> & "Co"'
