"""The fundsim command: run, validate, schema; clean errors, exit statuses."""

from __future__ import annotations

import json

from sim.analysis import sweep as sweeps
from sim.cli import main
from sim.errors import Interrupted
from tests.analysis.sweep.conftest import write_sweep
from tests.conftest import ONE_CITY


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_run_writes_the_full_result_folder(cli, tmp_path):
    """`fundsim run` writes manifest, tables and figures, and prints the folder."""
    out = tmp_path / "run"
    result = cli.invoke(main, ["run", str(write(tmp_path, ONE_CITY)), "-o", str(out), "-n", "6",
                               "-w", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "summary.csv", "replications.parquet", "trajectories.parquet",
            "events.parquet", "figures"} <= names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 6 and manifest["seed"] == 7
    assert set(manifest["files"]) >= {"summary.csv", "figures/reserves_fan.png"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_refuses_to_overwrite_a_folder(cli, tmp_path):
    """An existing output folder is left alone unless --overwrite is given, and then only
    an earlier run is replaced, never a folder of other files."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("earlier")
    args = ["run", str(write(tmp_path, ONE_CITY)), "-o", str(out), "-n", "2", "-w", "1", "-q",
            "--no-figures"]
    refused = cli.invoke(main, args)
    assert refused.exit_code == 2 and "already exists" in refused.output
    refused = cli.invoke(main, [*args, "--overwrite"])
    assert refused.exit_code == 2 and "not a fundsim run folder" in refused.output
    assert (out / "keep.txt").read_text() == "earlier"
    (out / "keep.txt").unlink()
    assert cli.invoke(main, [*args, "--overwrite"]).exit_code == 0
    assert cli.invoke(main, [*args, "--overwrite", "--seed", "3"]).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3


def test_bad_scenario_exits_2_with_one_line_per_problem_and_writes_nothing(cli, tmp_path):
    """Bad input: problems on stderr, exit status 2, no traceback, no folder."""
    bad = write(tmp_path, ONE_CITY.replace("expenditure = 1.2e9", "expenditure = -5")
                .replace('state = "IL"', 'state = "xx"'))
    out = tmp_path / "run"
    for command in (["run", str(bad), "-o", str(out)], ["validate", str(bad)]):
        result = cli.invoke(main, command)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 2 and all(line.startswith(f"{bad}: city[0].") for line in lines)
        assert "Traceback" not in result.output
    assert not out.exists()


def test_validate_reports_every_file(cli, tmp_path):
    """`fundsim validate` checks several files and says which are fine."""
    good = write(tmp_path, ONE_CITY, "good.toml")
    bad = write(tmp_path, "[scenario\n", "bad.toml")
    result = cli.invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{good}: ok" in result.stdout
    assert f"{bad}: TOML syntax error" in result.stderr


def test_missing_file_is_a_clean_error(cli, tmp_path):
    """A scenario path that does not exist gives a clean error."""
    result = cli.invoke(main, ["run", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "cannot read file" in result.stderr


def test_schema_prints_json_schema(cli):
    """`fundsim schema` prints a JSON Schema with field descriptions."""
    result = cli.invoke(main, ["schema"])
    schema = json.loads(result.stdout)
    assert "Budget" in schema["$defs"]
    assert "description" in schema["$defs"]["Budget"]["properties"]["reserves"]
    sweep = json.loads(cli.invoke(main, ["schema", "--sweep"]).stdout)
    # The dialect is named, so editors and validators know which rules apply.
    assert schema["$schema"] == sweep["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_keys_lists_every_number_by_the_path_with_values_takes(cli, tmp_path):
    """`fundsim keys`: each number, date or distribution with its path; --uncertain filters."""
    import sim

    path = write(tmp_path, ONE_CITY.replace("revenue_volatility = 0.0",
                                            'revenue_volatility = { dist = "uniform", '
                                            "low = 0.01, high = 0.03 }"))
    listed = cli.invoke(main, ["keys", str(path)])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert "city[Springfield].budget.reserves = 100,000,000" in lines
    assert "city[Springfield].grant[JAG].payment_lag_months = 0" in lines
    assert "city[Springfield].budget.revenue_persistence = 0.9 [default]" in lines
    scenario = sim.load(path)
    for line in lines:
        key = line.split(" = ")[0]
        scenario.value_at(key)  # every path listed is one with_values takes
    uncertain = cli.invoke(main, ["keys", str(path), "--uncertain"]).stdout.splitlines()
    assert uncertain == ["city[Springfield].budget.revenue_volatility = uniform(low=0.01, "
                         "high=0.03) [uncertain]"]


def test_run_by_measure_writes_the_split_and_refuses_unknown_measures(cli, tmp_path):
    """--by-measure adds loss_by_measure.csv; an unknown --leave-out is one line, exit 2,
    before any simulation, nothing written; --leave-out alone needs --by-measure."""
    scenario = write(tmp_path, ONE_CITY)
    out = tmp_path / "run"
    result = cli.invoke(main, ["run", str(scenario), "-o", str(out), "-n", "4", "-w", "1", "-q",
                               "--by-measure", "--measure-order", "DOJ conditions"])
    assert result.exit_code == 0, result.output
    assert "DOJ conditions" in (out / "loss_by_measure.csv").read_text()
    assert "loss_by_measure.csv" in json.loads((out / "manifest.json").read_text())["files"]
    for extra, message in ((["--by-measure", "--leave-out", "Nope"],
                            "left-out measure: no measure 'Nope'"),
                           (["--leave-out", "DOJ conditions"], "need --by-measure")):
        bad = tmp_path / "bad"
        refused = cli.invoke(main, ["run", str(scenario), "-o", str(bad), "-n", "2", "-w", "1",
                                    "-q", *extra])
        assert refused.exit_code == 2 and message in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and not bad.exists()


def test_cli_interrupted_sweep_says_how_to_resume(cli, tmp_path, monkeypatch):
    """Ctrl-C: exit status 130 and the line saying which points were kept and how to resume."""
    path = write_sweep(tmp_path)

    def interrupted(*_args, **_kwargs):
        raise Interrupted("interrupted; 4 of 87 points are saved in out; run the same command "
                          "with -o out to resume")

    monkeypatch.setattr(sweeps, "run", interrupted)
    result = cli.invoke(main, ["sweep", str(path), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 130
    assert result.stderr.strip() == ("interrupted; 4 of 87 points are saved in out; run the "
                                     "same command with -o out to resume")
