"""The layers of the package, enforced (issue 10, point 1).

An AST walk over ``eligibility/`` reads every ``import`` and ``from … import`` — lazy ones
inside functions included — maps each module to its layer package, and fails when a
package imports a package of the same or a higher layer (a package importing itself is
fine), or when modules import each other in a cycle. A second test checks that
``import eligibility.cli`` stays light, as click's ``test_light_imports`` does.

The table below is the README's "Architecture" diagram; change both together.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Layer of each top-level package or module of ``eligibility``: each may import only
# lower layers. ``eligibility`` itself (the public API facade) and ``__main__`` sit on
# top: nothing inside the package may import the facade.
LAYERS: dict[str, int] = {
    "errors": 0,
    "documents": 1,
    "catalog": 2,
    "wording": 3,
    "profile": 4,
    "engine": 5,
    "evaluation": 6,
    "explain": 7,
    "lint": 7,
    "audit": 8,
    "costs": 8,
    "reports": 9,
    "verify": 10,
    "web": 11,
    "cli": 12,
    "": 13,  # eligibility/__init__.py: the public API
    "__main__": 13,
}

# Known violations, (importing package, imported package), and known import cycles
# (sorted tuples of module names), while they are being removed. The lists only shrink
# and are empty now (helper A removed catalog -> profile.facts and catalog -> lint in
# phase 2 of issue 10); a stale entry fails the test, so that it is removed.
ALLOWED_VIOLATIONS: set[tuple[str, str]] = set()
ALLOWED_CYCLES: set[tuple[str, ...]] = set()


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted((root / "eligibility").rglob("*.py"))}


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(module of ``eligibility`` imported, line) for every import statement of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own_package = name if is_package(path) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = resolve(alias.name, modules)
                if target:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = own_package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                # ``from eligibility.catalog import model`` imports the submodule.
                sub = f"{source}.{alias.name}"
                target = sub if sub in modules else resolve(source, modules)
                if target:
                    yield target, node.lineno


def resolve(dotted: str, modules: dict[str, Path]) -> str | None:
    """The longest module of the package named by ``dotted``, None outside the package."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def layer_package(module: str) -> str:
    """``eligibility.catalog.model`` -> ``catalog``; ``eligibility`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@functools.cache  # parsed once for all the tests of this file (do not mutate it)
def import_graph(root: Path = ROOT) -> dict[str, dict[str, int]]:
    modules = all_modules(root)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, {})
        for target, line in imported_modules(name, path, modules):
            if target != name:
                edges.setdefault(target, line)
    return graph


def layer_violations(root: Path = ROOT) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    modules = all_modules(root)
    for source, edges in import_graph(root).items():
        for target, line in edges.items():
            a, b = layer_package(source), layer_package(target)
            if a == b:
                continue
            if LAYERS[b] >= LAYERS[a]:
                where = f"{modules[source].relative_to(root)}:{line}"
                found.setdefault((a, b), []).append(
                    f"{where}: {source} (layer {LAYERS[a]}) imports {target} (layer {LAYERS[b]})")
    return found


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, {}):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_package_has_a_layer() -> None:
    unknown = sorted({layer_package(m) for m in all_modules()} - set(LAYERS))
    assert not unknown, f"packages with no layer in LAYERS (and the README): {unknown}"


def test_layers_import_only_lower_layers() -> None:
    found = layer_violations()
    new = {k: v for k, v in found.items() if k not in ALLOWED_VIOLATIONS}
    stale = sorted(ALLOWED_VIOLATIONS - set(found))
    report = "\n".join(line for key in sorted(new) for line in new[key])
    assert not new, f"imports of a same or higher layer:\n{report}"
    assert not stale, f"allowed violations no longer found, remove them from the list: {stale}"


def test_no_import_cycle() -> None:
    found = cycles(import_graph(ROOT))
    new = [c for c in found if tuple(c) not in ALLOWED_CYCLES]
    stale = sorted(ALLOWED_CYCLES - {tuple(c) for c in found})
    assert not new, "import cycles (lazy imports included):\n" + "\n".join(
        " <-> ".join(c) for c in new)
    assert not stale, f"allowed cycles no longer found, remove them from the list: {stale}"


def test_the_walk_sees_lazy_imports() -> None:
    # The walk must not be fooled by an import inside a function: the web is imported
    # lazily by the CLI's ``serve``, so that edge must be in the graph.
    graph = import_graph(ROOT)
    assert any(t.startswith("eligibility.web") for src in graph
               if src.startswith("eligibility.cli") for t in graph[src])


def test_the_walk_finds_what_it_must(tmp_path: Path) -> None:
    # A small tree with one of each fault: a lazy upward import, a same-layer import, a
    # relative import, and a cycle between two modules of one package.
    files = {
        "eligibility/__init__.py": "",
        "eligibility/catalog/__init__.py": "",
        "eligibility/catalog/model.py": "def f():\n    from eligibility.cli.main import x\n",
        "eligibility/lint/__init__.py": "",
        "eligibility/lint/checks.py": "from ..explain import derivation\n",
        "eligibility/explain/__init__.py": "",
        "eligibility/explain/derivation.py": "import eligibility.explain.steps\n",
        "eligibility/explain/steps.py": "from eligibility.explain import derivation\n",
        "eligibility/cli/__init__.py": "",
        "eligibility/cli/main.py": "from eligibility.catalog.model import f\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert set(layer_violations(tmp_path)) == {("catalog", "cli"), ("lint", "explain")}
    assert sorted(cycles(import_graph(tmp_path))) == [
        ["eligibility.catalog.model", "eligibility.cli.main"],  # through the lazy import
        ["eligibility.explain.derivation", "eligibility.explain.steps"]]


HEAVY = ("durable", "durable_rules_engine", "hypothesis", "flask", "werkzeug", "openpyxl")


def test_light_imports() -> None:
    # Like click's test_light_imports: the command's module loads none of the heavy
    # dependencies until a subcommand needs them.
    import importlib.util

    # The names are real modules of this environment (a misspelt one would always pass).
    assert all(importlib.util.find_spec(name) for name in HEAVY)
    code = (
        "import sys, json; import eligibility.cli; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = json.loads(out.stdout)
    assert loaded == [], f"import eligibility.cli loaded {loaded}"


def test_the_readme_diagram_is_the_table() -> None:
    # The README's "Architecture" block lists each package with its layer: the same as
    # LAYERS, so that what a newcomer reads is what this test enforces.
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Architecture"):]
    block = section[section.index("```\n") + 4:]
    block = block[:block.index("```")]
    shown = {m.group(2).rstrip("/").removesuffix(".py"): int(m.group(1))
             for m in re.finditer(r"^\s+(\d+)\s+(\S+)", block, re.MULTILINE)}
    expected = {name: layer for name, layer in LAYERS.items() if name not in ("", "__main__")}
    assert {k: v for k, v in shown.items() if k != "eligibility"} == expected
