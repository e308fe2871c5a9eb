"""The layers only point down, and no module imports itself round a circle.

settings → privacy → warehouse → etl, and app beside etl (the dashboard reads the warehouse,
never the export format's reader); pages over app; reports and cli on top. A module may import
its own package and the packages listed for it, never one above (an import inside a function
counts too: it is the same dependency, only later).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOTTOM = {"settings", "privacy", "texts"}  # texts: the catalogue, CLDR formats, code words
# package -> the other packages it may import
MAY_IMPORT = {
    "settings": set(),
    "privacy": {"settings"},
    "texts": set(),
    "warehouse": BOTTOM,
    "etl": BOTTOM | {"warehouse"},
    "app": BOTTOM | {"warehouse"},
    "pages": BOTTOM | {"app"},
    "reports": BOTTOM | {"warehouse", "etl", "app"},
    "cli": BOTTOM | {"warehouse", "etl", "app", "reports"},
    # drive the product from outside (a server, a browser, AppTest); the tests use them too
    "harness": BOTTOM | {"warehouse", "etl", "app", "reports", "cli"},
    "benchmarks": BOTTOM | {"warehouse", "etl", "app", "reports", "cli", "harness"},
}
# Known upward edges, each with the change that removes it. Empty is the goal.
ALLOWED_UPWARD = {
    # the dashboard hands out the documents of reports/ (the case page's handover summary, the
    # leadership report), scoped in app/queries; the case page reads its facts with the same SQL
    # as the handover summary, so that the page and the document cannot disagree
    ("app.queries.case", "reports"),
    ("app.queries.case", "reports.handover"),
    ("app.queries.reports", "reports"),
    ("app.queries.reports", "reports.leadership"),
}


def _modules() -> dict[str, Path]:
    found = {"settings": ROOT / "settings.py"}
    for package in MAY_IMPORT:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imported(package: str, path: Path) -> set[str]:
    """Every module name the file imports anywhere, relative imports read from `package`; for
    `from a import b` both `a` and `a.b` (b may be a module or a name)."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    return targets


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that `name` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return {t for t in _imported(package, path) if t in known and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _package(module: str) -> str:
    return module.split(".")[0]


def _upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if _package(target) != _package(module)
        and _package(target) not in MAY_IMPORT[_package(module)]
    )


def test_no_layer_imports_one_above_it():
    assert [edge for edge in _upward(_graph()) if edge not in ALLOWED_UPWARD] == []


def test_the_layer_rule_catches_an_upward_import():
    assert _upward({"warehouse.erase": {"etl.parsing", "privacy.cpr"}}) == [
        ("warehouse.erase", "etl.parsing")
    ]


def test_nothing_outside_the_tests_imports_them():
    """The benchmarks and the product stand without tests/: what both need is in harness/."""
    offenders = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) and not node.level else None
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module]
            if any(n and (n == "tests" or n.startswith("tests.")) for n in names):
                offenders.append(name)
    assert sorted(set(offenders)) == []


def _test_modules_imported(name: str, source: Path) -> set[str]:
    """The test modules and conftests that module `name` of tests/ imports in `source`."""
    found = set()
    for target in _imported(name.rpartition(".")[0], source):
        parts = target.split(".")
        hit = next(
            (i for i, p in enumerate(parts) if p.startswith("test_") or p == "conftest"), None
        )
        if parts[0] == "tests" and hit is not None:
            found.add(".".join(parts[: hit + 1]))
    return found


def test_no_test_module_imports_another():
    """What two test modules share lives in tests/support (one module per theme), so running,
    moving or deleting one test module never changes another."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            _test_modules_imported(".".join(path.relative_to(ROOT).with_suffix("").parts), path)
        )
        for path in sorted((ROOT / "tests").rglob("*.py"))
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_test_import_rule_catches_a_test_module_importing_another(tmp_path: Path):
    source = tmp_path / "test_x.py"
    source.write_text(
        "from tests.etl.test_load import helper\n"
        "from .test_read import other\n"
        "import tests.conftest\n"
        "from tests.support.exports import case\n"
        "from tests.support import exports\n"
        "from tests.etl import test_synth\n",
        encoding="utf-8",
    )
    assert _test_modules_imported("tests.etl.test_x", source) == {
        "tests.etl.test_load",
        "tests.etl.test_read",
        "tests.etl.test_synth",
        "tests.conftest",
    }


def test_the_allowed_upward_imports_still_exist():
    """An allowance whose import is gone must be deleted, so the list only ever shrinks."""
    graph = _graph()
    stale = sorted(edge for edge in ALLOWED_UPWARD if edge[1] not in graph.get(edge[0], set()))
    assert stale == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_circle():
    # a package's __init__ re-exporting its own modules is no circle of dependencies
    graph = {
        module: {
            t for t in targets if not (t.startswith(module + ".") or module.startswith(t + "."))
        }
        for module, targets in _graph().items()
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_import_reader_sees_late_and_relative_imports(tmp_path: Path):
    module = tmp_path / "mod.py"
    module.write_text("def f():\n    from etl.load import x\n", encoding="utf-8")
    assert _imports("privacy.mod", module, {"etl.load", "etl"}) == {"etl.load"}
