"""No import cycles between the modules of huifang_tui, read from the source with ``ast``
(and every module opens with a line saying what it holds).

Every import statement counts, at any depth (the lazy imports inside functions too), except
those under ``if TYPE_CHECKING:``. Relative imports are resolved; ``from pkg import name`` is an
import of the module ``pkg.name`` when there is one, else of ``pkg`` (a package's
``__init__`` is a module of its own). A module's own package is imported before it by Python
anyway, so that edge is only counted when the module takes a name from the package."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "huifang_tui"
ROOT = Path(__file__).resolve().parent.parent / "src" / PACKAGE


def modules(root: Path = ROOT, package: str = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, is a package's __init__)."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts.pop()
        found[".".join(parts)] = (path, is_pkg)
    return found


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _imports(tree: ast.AST):
    """Every Import/ImportFrom node, at any depth, outside ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif _type_checking(node):
            stack.extend(node.orelse)  # the else branch runs
        else:
            stack.extend(ast.iter_child_nodes(node))


def _known(name: str, mods: dict) -> str | None:
    """The nearest module of ours that ``name`` falls in (a module, or its package)."""
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def imported_modules(name: str, path: Path, is_pkg: bool, mods: dict) -> set[str]:
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_pkg else name.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            targets = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                # `from pkg import module` imports that module; `from pkg import name` the package
                targets.append(sub if sub in mods else base)
        for target in targets:
            found = _known(target, mods)
            if found is None or found == name:
                continue
            if name.startswith(found + ".") and isinstance(node, ast.Import):
                continue  # `import pkg.sub` inside pkg: its package is loaded anyway
            out.add(found)
    return out


def graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    mods = modules(root, package)
    return {name: imported_modules(name, path, is_pkg, mods) for name, (path, is_pkg) in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected sets of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def _describe(group: list[str], edges: dict[str, set[str]]) -> str:
    inside = set(group)
    arrows = [f"{a} → {b}" for a in group for b in sorted(edges[a] & inside)]
    return " ↔ ".join(group) + "\n      " + "\n      ".join(arrows)


def test_no_import_cycles_between_modules():
    edges = graph()
    found = cycles(edges)
    assert not found, "import cycles:\n  " + "\n  ".join(_describe(g, edges) for g in found)


def test_every_module_says_what_it_holds():
    """The layout's other rule read from the same walk: every module opens with a docstring
    whose first line says what it holds."""
    silent = [name for name, (path, _) in modules().items()
              if not (ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").strip()]
    assert not silent, "modules without a first docstring line: " + ", ".join(sorted(silent))


def test_the_reader_sees_every_kind_of_cycle(tmp_path):
    """The checker itself: relative, lazy, ``from pkg import module`` and package ``__init__`` cycles."""
    pkg = tmp_path / "p"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "def f():\n    from .b import g\n",  # lazy and relative
        "b.py": "from p import a\n",  # `from pkg import module`
        "c.py": "import typing\nif typing.TYPE_CHECKING:\n    from . import a\n",  # not at run time
        "sub/__init__.py": "from .x import y\n",
        "sub/x.py": "from . import helper\n",  # a name from the package's __init__
        "d.py": "import p.sub.x\n",
    }
    for rel, text in files.items():
        (pkg / rel).write_text(text, encoding="utf-8")
    edges = graph(pkg, "p")
    assert edges["p.a"] == {"p.b"} and edges["p.b"] == {"p.a"}
    assert edges["p.c"] == set()
    assert edges["p.d"] == {"p.sub.x"}
    assert cycles(edges) == [["p.a", "p.b"], ["p.sub", "p.sub.x"]]


if __name__ == "__main__":  # .ci/lint: the same check without pytest's fixtures
    import sys

    _edges = graph()
    _found = cycles(_edges)
    for _group in _found:
        print("import cycle:", _describe(_group, _edges))
    sys.exit(1 if _found else 0)
