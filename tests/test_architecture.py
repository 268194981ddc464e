"""The house rules of ``sim/``, read from the code's own imports.

Each layer imports only the layers below it (or its own modules), there is no
import circle, and no module imports another module's private name
(``_x``).  :data:`LAYERS` is the house, bottom first: a newcomer reads the
package from the top of this list down, and a new package must be placed in
it before its first import is allowed.

Every ``import`` and ``from ... import`` counts for the layering, at module
level, inside a function or in an ``if TYPE_CHECKING:`` block alike: an
import deferred to save start-up time is a dependency all the same.  For
circles, imports made only for type annotations (``if TYPE_CHECKING:``) do
not count: they never run, and a module may name the type of the object that
calls it (``legal`` annotates its ``world: World`` argument) without needing
it.  The one late binding by name is :data:`BACKENDS`: the result layer
reaches figures and pages through the presentation backend it names
(:mod:`sim.results.presenter`), as pandas reaches its plotting backend; no
other module may import by name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("sim.errors", "sim.metrics", "sim.formats")),
    ("scenario", ("sim.scenario",)),
    ("model", ("sim.model",)),
    ("engine", ("sim.engine",)),
    ("results", ("sim.results",)),
    ("analysis", ("sim.analysis", "sim.draft")),
    ("presentation", ("sim.presentation",)),
    ("interface", ("sim.cli", "sim.console", "sim.__main__", "sim")),
)
"""Layers bottom first, each with the modules or packages it holds.

* foundation: errors, the metrics catalogue (the one list of outcomes), number formats;
* scenario: the schema of scenario files (a module per domain: city, measures, strategies,
  litigation), key paths, loading, checks, the law, uncertain quantities, sources;
* model: the discrete-event simulation of one batch of replications (no files, no plots);
* engine: runs a plan over many replications on local or Dask workers;
* results: result tables, the summary, run folders;
* analysis: decision support, sweeps (the ``sim.analysis.sweep`` package), scenario
  discovery, backtests, scenario drafts;
* presentation: figures, the figure registry and HTML pages (the ``sim.presentation.pages``
  package);
* interface: the command line, the console, the ``import sim`` API.
"""

BACKENDS = {"sim.results.presenter": "sim.presentation"}
"""Modules allowed to import a module by name at run time, and the module they name."""


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def layer_of(module: str) -> int:
    """Index in :data:`LAYERS` of the layer holding ``module`` (the longest prefix wins)."""
    best, found = -1, None
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if (module == member or module.startswith(member + ".")) and len(member) > best:
                best, found = len(member), index
    if found is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return found


def typing_only(tree: ast.Module) -> set[ast.AST]:
    """Import statements inside ``if TYPE_CHECKING:`` blocks."""
    return {child for node in ast.walk(tree) if isinstance(node, ast.If)
            and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
            for statement in node.body for child in ast.walk(statement)}


def imports(module: str, *, typing: bool = True) -> Iterator[tuple[str, str, int]]:
    """``(imported module, imported name or "", line)`` for every import of a sim module.

    ``typing=False`` leaves out imports made only for type annotations.
    """
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    skipped = set() if typing else typing_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sim":
                    yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base.split(".")[0] != "sim":
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, "", node.lineno
                else:
                    yield base, alias.name, node.lineno


def arrows() -> dict[str, set[str]]:
    """Each module's imports of other sim modules that run (not only for type annotations)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for target, _, _ in imports(module, typing=False):
            if target != module:
                graph[module].add(target)
    return graph


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_layer_above():
    upward = [f"{module} ({LAYERS[layer_of(module)][0]}) imports {target} "
              f"({LAYERS[layer_of(target)][0]}) at line {line}"
              for module in MODULES for target, _, line in imports(module)
              if layer_of(target) > layer_of(module)]
    assert upward == []


def test_no_import_circle():
    graph = arrows()
    circles = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert circles == []


def test_no_private_name_is_imported_across_modules():
    private = [f"{module} imports {name} from {target} at line {line}"
               for module in MODULES for target, name, line in imports(module)
               if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_no_private_attribute_of_another_module_is_used():
    found = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        aliases = {(a.asname or a.name.split(".")[0]) for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom | ast.Import) for a in node.names
                   if f"{getattr(node, 'module', None) or ''}.{a.name}".lstrip(".") in MODULES
                   or a.name in MODULES}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{module} uses {node.value.id}.{node.attr} at line {node.lineno}")
    assert found == []


def test_only_the_named_backend_is_imported_by_name():
    dynamic = {}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and (
                    (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                    or (isinstance(node.func, ast.Name) and node.func.id == "__import__")):
                dynamic[module] = node.lineno
    assert set(dynamic) == set(BACKENDS)
    for module, backend in BACKENDS.items():
        source = MODULES[module].read_text()
        assert f'"{backend}"' in source
        assert layer_of(backend) > layer_of(module)  # the reason it is named, not imported


@pytest.mark.parametrize("layer", [name for name, _ in LAYERS])
def test_every_layer_holds_code(layer):
    """A layer named in the house exists in the package (sim.draft may come later)."""
    members = dict(LAYERS)[layer]
    present = [m for m in members if m in MODULES]
    assert present, f"no module of layer {layer} ({', '.join(members)}) exists"


def test_the_test_finds_an_upward_import(tmp_path, monkeypatch):
    """The checks above can fail: a scenario module importing the engine is caught."""
    fake = tmp_path / "sim"
    (fake / "scenario").mkdir(parents=True)
    (fake / "engine").mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "scenario" / "__init__.py").write_text("from sim.engine.runner import _batch\n")
    (fake / "engine" / "__init__.py").write_text("")
    (fake / "engine" / "runner.py").write_text("from sim.scenario import Scenario\n")
    here = sys.modules[__name__]
    monkeypatch.setattr(here, "SIM", fake)
    monkeypatch.setattr(here, "MODULES", {module_name(p): p for p in sorted(fake.rglob("*.py"))})
    with pytest.raises(AssertionError, match="imports sim.engine.runner"):
        test_no_module_imports_from_a_layer_above()
    with pytest.raises(AssertionError):
        test_no_import_circle()
    with pytest.raises(AssertionError, match="_batch"):
        test_no_private_name_is_imported_across_modules()


MAX_LINES = 600
"""A module longer than this is split where a seam exists (the project brief: no module much
over 600 lines), or says in its docstring why it stays one module."""

STAYS_WHOLE = "past 600 lines"
"""The phrase of a module docstring that gives the reason a long module stays one."""


def test_no_module_is_much_over_600_lines_without_a_stated_reason():
    long = []
    for module, path in MODULES.items():
        lines = len(path.read_text().splitlines())
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        if lines > MAX_LINES and STAYS_WHOLE not in " ".join(docstring.split()):
            long.append(f"{module}: {lines} lines; split it, or say in its docstring why it "
                        f"stays one module ({STAYS_WHOLE!r})")
    assert long == []


def test_the_line_rule_can_fail(tmp_path, monkeypatch):
    """A long module without a reason is caught; with one, it passes."""
    here = sys.modules[__name__]
    long = tmp_path / "long.py"
    monkeypatch.setattr(here, "MODULES", {"sim.long": long})
    long.write_text('"""A module."""\n' + "x = 1\n" * MAX_LINES)
    with pytest.raises(AssertionError, match="sim.long: 601 lines"):
        test_no_module_is_much_over_600_lines_without_a_stated_reason()
    long.write_text('"""A module, one on purpose though it runs\npast 600 lines: why."""\n'
                    + "x = 1\n" * MAX_LINES)
    test_no_module_is_much_over_600_lines_without_a_stated_reason()


def test_ruff_finds_nothing():
    """The linter of pyproject.toml ([tool.ruff], in the test extras) passes on the code."""
    root = SIM.parent
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                            "--output-format", "concise", "sim", "tests", "benchmarks", "scripts"],
                           cwd=root, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr
