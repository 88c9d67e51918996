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
