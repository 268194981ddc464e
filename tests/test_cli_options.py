"""Bad command-line options and arguments, for every command: one message, exit 2.

Negative counts, nonexistent files, directories given as files and files
given as directories, endless devices, unreachable schedulers: each is
refused with a clean message before any work, no traceback, nothing written.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ONE_CITY

BAD_CALLS = {
    "run_zero_replications": "run S -n 0",
    "run_negative_replications": "run S -n -5",
    "run_text_replications": "run S -n many",
    "run_negative_seed": "run S --seed -1",
    "run_seed_beyond_64_bits": "run S --seed 99999999999999999999999",
    "run_zero_workers": "run S -w 0",
    "run_negative_keep": "run S --keep -1",
    "run_unknown_strategy": "run S -s defiance",
    "run_baseline_as_strategy": "run S -s baseline",
    "run_repeated_strategy": "run S -s full -s full",
    "run_missing_file": "run missing.toml",
    "run_directory_as_file": "run DIR",
    "run_endless_device": "run /dev/zero",
    "run_empty_device": "run /dev/null",
    "run_bad_scheduler": "run S --scheduler junk",
    "run_bad_memory_cap": "run S --max-memory -1",
    "run_output_is_a_file": "run S -o S",
    "run_unknown_option": "run S --replicashuns 3",
    "validate_nothing": "validate",
    "validate_directory": "validate DIR",
    "validate_missing": "validate missing.toml S",
    "rerun_missing": "rerun missing",
    "rerun_file": "rerun S",
    "rerun_not_a_run": "rerun DIR",
    "report_missing": "report missing",
    "report_not_a_run": "report DIR",
    "compare_not_runs": "compare DIR DIR",
    "sources_endless_device": "sources /dev/zero",
    "backtest_missing": "backtest missing.toml",
    "backtest_scenario_instead": "backtest S",
    "backtest_endless_device": "backtest /dev/zero",
    "schema_unknown_option": "schema --yaml",
    "sweep_missing": "sweep missing.toml",
    "sweep_directory": "sweep DIR",
    "sweep_endless_device": "sweep /dev/zero",
    "sweep_empty_device": "sweep /dev/null",
    "sweep_scenario_without_parameters": "sweep S",
    "sweep_unreadable_parameter": "sweep S -p scenario.discount_rate=low..high",
    "sweep_unknown_parameter": "sweep S -p scenario.discount=0..1",
    "sweep_unknown_design": "sweep S -p scenario.discount_rate=0..0.1 --design taguchi",
    "sweep_zero_workers": "sweep S -p scenario.discount_rate=0..0.1 -w 0",
    "sweep_bad_scheduler": "sweep S -p scenario.discount_rate=0..0.1 --scheduler junk",
    "sweep_unknown_metric": "sweep S -p scenario.discount_rate=0..0.1 -m happiness",
    "sweep_unreadable_outcome": "sweep S -p scenario.discount_rate=0..0.1 --outcome breached",
    "sweep_unknown_outcome_metric": "sweep S -p scenario.discount_rate=0..0.1 --outcome x>1",
    "discover_missing": "discover missing --outcome floor_breached>0.5",
    "discover_not_a_sweep": "discover DIR --outcome floor_breached>0.5",
    "discover_file": "discover S --outcome floor_breached>0.5",
    "discover_without_outcome": "discover DIR",
    "discover_zero_boxes": "discover DIR --outcome floor_breached>0.5 --boxes 0",
    "discover_coverage_above_one": "discover DIR --outcome floor_breached>0.5 --min-coverage 2",
    "unknown_command": "simulate S",
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS), ids=sorted(BAD_CALLS))
def test_bad_call_is_refused_cleanly(name, cli, tmp_path, monkeypatch):
    """Exit status 2, a message on stderr, no traceback, nothing written."""
    (tmp_path / "s.toml").write_text(ONE_CITY)
    (tmp_path / "dir").mkdir()
    monkeypatch.chdir(tmp_path)
    args = [{"S": "s.toml", "DIR": "dir"}.get(a, a) for a in BAD_CALLS[name].split()]
    before = sorted(str(p) for p in Path(".").rglob("*"))
    result = cli.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() and "Traceback" not in result.output
    assert sorted(str(p) for p in Path(".").rglob("*")) == before


@pytest.fixture
def deadline():
    """Fail a test that blocks (in open() of a FIFO, say) for 20 s instead of hanging."""
    def expire(*_):
        raise TimeoutError("blocked for 20 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


SWEEP_OF = 'name = "s"\nscenario = "{}"\n[[parameter]]\npath = "scenario.discount_rate"\n' \
           'low = 0.0\nhigh = 0.1\n'
OBSERVED_OF = 'scenario = "{}"\n[[outcome]]\nmetric = "federal_withheld"\ncity = "Springfield"\n' \
              'strategy = "sanctuary"\nvalue = 1\nsource = "test"\n'


NAMED_BY = {"validate": (None, "sweep", "observed"), "run": (None,),
            "sources": (None, "sweep", "observed"), "backtest": (None, "observed"),
            "sweep": (None, "sweep")}
"""Each command, and the files that may name its scenario (None: the scenario given itself)."""
READERS = [(command, target, named) for command, names in NAMED_BY.items()
           for target in ("pipe.toml", "dir") for named in names]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize(("command", "target", "named_by"), READERS)
def test_only_regular_files_are_read(command, target, named_by, cli, tmp_path, monkeypatch,
                                     deadline):
    """A FIFO or a directory, given or named as `scenario`: one line, exit 2, no waiting."""
    monkeypatch.chdir(tmp_path)
    os.mkfifo("pipe.toml")
    Path("dir").mkdir()
    argument = target
    if named_by:
        argument = "names.toml"
        named = OBSERVED_OF if named_by == "observed" else "[sweep]\n" + SWEEP_OF
        Path(argument).write_text(named.format(target))
    before = sorted(str(p) for p in Path(".").rglob("*"))
    result = cli.invoke(main, [command, argument])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"{target}: not a regular file\n"
    assert sorted(str(p) for p in Path(".").rglob("*")) == before
