"""The package's shape stays as CONTRIBUTING.md describes it (issue 15's limits).

Every Python file of the package, the tests, the benchmarks and the tools: at most
``MAX_FILE`` lines; every class at most ``MAX_CLASS`` lines, every function at most
``MAX_FUNCTION`` (generated tables aside); every module of the package opens with a
docstring that says what it may import.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "actlab"
MAX_FILE, MAX_CLASS, MAX_FUNCTION = 500, 200, 60
GENERATED = {"_roots.py"}  # tables written by tools/gen_root_series.py


def _python_files() -> list[pathlib.Path]:
    files = []
    for top in ("src/actlab", "tests", "benchmarks", "tools"):
        files += sorted((ROOT / top).rglob("*.py"))
    return [f for f in files if f.name not in GENERATED and ".venv" not in f.parts]


def _spans(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node, node.end_lineno - node.lineno + 1


FILES = _python_files()


def test_there_are_files_to_check():
    assert len(FILES) > 50 and any(f.name == "modules.py" for f in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sizes(path: pathlib.Path):
    text = path.read_text(encoding="utf-8")
    too_long = []
    n = text.count("\n")
    if n > MAX_FILE:
        too_long.append(f"file: {n} lines > {MAX_FILE}")
    for node, size in _spans(ast.parse(text)):
        limit = MAX_CLASS if isinstance(node, ast.ClassDef) else MAX_FUNCTION
        if size > limit:
            too_long.append(f"{node.name} (line {node.lineno}): {size} lines > {limit}")
    assert not too_long, "; ".join(too_long)


MODULES = [f for f in sorted(PACKAGE.rglob("*.py")) if f.name not in GENERATED]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_package_modules_say_what_they_may_import(path: pathlib.Path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert doc, "no module docstring"
    assert "May import" in doc, "the module docstring does not say what it may import"


# the layers of CONTRIBUTING.md "Where things live", bottom up: a module imports only from
# its own layer or the ones below
LAYERS = {"_kernels": 0, "_roots": 0, "activations": 1, "_math": 1, "_checks": 1, "runtime": 1,
          "testing": 1, "nn": 2, "datasets": 2, "models": 3, "analysis": 4, "lab": 5, "cli": 6,
          "cli_parser": 6, "__init__": 5}


def _layer(parts: tuple[str, ...]) -> int:
    top = parts[0].removesuffix(".py")
    if top not in LAYERS:
        raise KeyError(f"{'/'.join(parts)}: not in test_layout.LAYERS; add it where it belongs")
    return LAYERS[top]


def _actlab_imports(path: pathlib.Path) -> set[tuple[str, ...]]:
    """The actlab modules ``path`` imports, as path parts below src/actlab (relative imports
    resolved)."""
    here = path.relative_to(PACKAGE).parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                mod = base + tuple((node.module or "").split(".")) if node.module else base
                names = [mod + (a.name,) for a in node.names] if not node.module else [mod]
            elif node.module == "actlab":
                names = [(a.name,) for a in node.names]
            elif (node.module or "").startswith("actlab."):
                names = [tuple(node.module.split(".")[1:])]
            else:
                continue
            found.update(n for n in names if n)
        elif isinstance(node, ast.Import):
            found.update(tuple(a.name.split(".")[1:]) or ("__init__",) for a in node.names
                         if a.name.split(".")[0] == "actlab")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_import_only_from_their_layer_or_below(path: pathlib.Path):
    own = _layer(path.relative_to(PACKAGE).parts)
    above = sorted(".".join(m) for m in _actlab_imports(path) if _layer(m) > own)
    assert not above, f"imports from a higher layer: {above}"
