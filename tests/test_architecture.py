"""The layout rules of CONTRIBUTING.md, checked on the source tree itself.

* No import circle among tianwen's modules, counting every import, including those inside functions.
* No module outside ``tianwen/core/`` imports another module's private (underscore) name, or reaches one through
  a module attribute (``lam._FM``).
* No source file longer than about 700 lines (the limit here is 760: a file may grow a little before it is split).
* The package exports functions, not callable modules: ``inspect.signature(tianwen.lambert)`` is the function's.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import types

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "tianwen"
MAX_LINES = 760


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_package(path: pathlib.Path) -> bool:
    return path.name == "__init__.py"


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _resolve(module: str, is_pkg: bool, level: int, name: str | None) -> str:
    """Absolute module name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".")
    if not is_pkg:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports(module: str):
    """(imported module, imported names, line) for every import statement in ``module``, at any depth."""
    path = MODULES[module]
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("tianwen"):
                    yield a.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, _is_package(path), node.level, node.module)
            if not target.startswith("tianwen"):
                continue
            names = [a.name for a in node.names]
            # `from . import x`: x may be a submodule
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if subs:
                for s in subs:
                    yield s, [], node.lineno
                rest = [n for n in names if f"{target}.{n}" not in MODULES]
                if rest:
                    yield target, rest, node.lineno
            else:
                yield target, names, node.lineno


def _graph() -> dict[str, set[str]]:
    graph = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _, _ in _imports(m):
            if target in MODULES and target != m:
                graph[m].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_function_local_imports():
    """The walker must see an import inside a function: history imports windows only inside a function."""
    assert "tianwen.windows" in _graph()["tianwen.history"]


def test_no_import_circle():
    assert _cycles(_graph()) == []


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_name_crosses_a_module_boundary_outside_core():
    bad = []
    for m, path in MODULES.items():
        if m.startswith("tianwen.core"):
            continue
        for target, names, line in _imports(m):
            if target == m:
                continue
            for n in names:
                if _private(n):
                    bad.append(f"{path.relative_to(SRC.parent)}:{line} imports {target}.{n}")
        # module objects bound by imports, then attribute access on them: lam._FM
        tree = ast.parse(path.read_text("utf-8"))
        bound = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(m, _is_package(path), node.level, node.module)
                for a in node.names:
                    if f"{target}.{a.name}" in MODULES:
                        bound.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("tianwen") and a.asname:
                        bound.add(a.asname)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                    and _private(node.attr)):
                bad.append(f"{path.relative_to(SRC.parent)}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert bad == []


def test_no_source_file_is_too_long():
    long = {str(p.relative_to(SRC.parent)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("name", ["lambert", "porkchop", "windows", "propagate", "roundtrip", "survey", "reconstruct"])
def test_exports_are_functions_not_callable_modules(name):
    """``tianwen.lambert`` is the function, in any import order, and no module is callable."""
    import importlib

    import tianwen

    importlib.import_module(f"tianwen.{name}")  # importing the submodule must not rebind the package attribute
    obj = getattr(tianwen, name)
    assert isinstance(obj, types.FunctionType), type(obj)
    assert obj.__name__ == name
    params = list(inspect.signature(obj).parameters)
    assert params, params
    assert obj.__doc__ and "tianwen" not in type(obj).__module__
    for m in MODULES:
        mod = importlib.import_module(m) if m.count(".") < 3 else None
        assert mod is None or not callable(mod), m


def test_lambert_signature_is_the_functions():
    import tianwen

    assert list(inspect.signature(tianwen.lambert).parameters)[:3] == ["r1", "r2", "tof"]
    assert "Izzo" in (tianwen.lambert.__doc__ or "") or "conic" in (tianwen.lambert.__doc__ or "")
