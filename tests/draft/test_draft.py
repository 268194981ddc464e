"""fundsim draft: writes one validated file atomically, refuses to overwrite, clean errors."""

import pytest

import sim
import sim.draft
from sim.cli import main
from sim.errors import OutputError


def test_draft_writes_a_file_that_validates(cli, tmp_path, monkeypatch):
    """Default name in the current folder; prints where and how many numbers to confirm."""
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(main, ["draft", "Austin, TX"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("austin-tx.toml: Austin, TX, ")
    assert "6 to confirm" in result.stdout
    scenario = sim.load(tmp_path / "austin-tx.toml")
    assert scenario.scenario.name == "Austin, TX (draft)"
    assert [p.name for p in tmp_path.iterdir()] == ["austin-tx.toml"]


def test_draft_refuses_to_overwrite(cli, tmp_path):
    """An existing file is left alone, exit status 2, unless --overwrite."""
    out = tmp_path / "mine.toml"
    out.write_text("keep me")
    result = cli.invoke(main, ["draft", "Denver, CO", "-o", str(out)])
    assert result.exit_code == 2
    assert "exists; --overwrite replaces it" in result.output and out.read_text() == "keep me"
    result = cli.invoke(main, ["draft", "Denver, CO", "-o", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert sim.load(out).city[0].name == "Denver"


@pytest.mark.parametrize(("name", "words"), [
    ("Springfield", "matches 16 jurisdictions"), ("Austn, TX", "closest: Austin, TX"),
    ("Gary, IN", "cannot draft"), ("Atlanta, GA", "draft the county")],
    ids=["ambiguous", "unknown", "below coverage", "Georgia place"])
def test_draft_errors_write_nothing(cli, tmp_path, name, words):
    """Bad names: one message, exit status 2, no traceback, no file."""
    out = tmp_path / "x.toml"
    result = cli.invoke(main, ["draft", name, "-o", str(out)])
    assert result.exit_code == 2
    assert words in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_sources_check_lists_the_numbers_to_confirm(cli, tmp_path):
    """`fundsim sources --check` passes a draft and lists each number to confirm."""
    out = tmp_path / "cook.toml"
    assert cli.invoke(main, ["draft", "Cook County, IL", "-o", str(out)]).exit_code == 0
    result = cli.invoke(main, ["sources", "--check", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{out}: ok; 6 numbers to confirm"
    assert len(lines) == 7 and all("[to confirm]" in line for line in lines[1:])
    assert any("grant[Byrne JAG].amount" in line for line in lines)


def test_write_is_atomic_and_guards_folders(tmp_path):
    """write() leaves no staging file behind and refuses a folder."""
    text = sim.draft.draft("Denver, CO")
    path = sim.draft.write(text, tmp_path / "sub" / "denver.toml")
    assert path.read_text() == text.toml
    assert [p.name for p in path.parent.iterdir()] == ["denver.toml"]
    with pytest.raises(OutputError, match="is a folder"):
        sim.draft.write(text, tmp_path, overwrite=True)


def test_readme_shows_the_three_commands():
    """The README's path for a new jurisdiction is the one these tests run."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for command in ('fundsim draft "Austin, TX"', "austin-tx.toml",
                    "fundsim run austin-tx.toml"):
        assert command in readme
