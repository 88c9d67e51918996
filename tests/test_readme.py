"""The READMEs' quick start shows what the code really prints (NumPy 2 reprs), in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import actlab as al

ROOT = Path(__file__).resolve().parents[1]
_SHOWN = re.compile(r"^(array\(.*?\]\)|np\.\w+\([^)]*\)|True|False)")


def _quick_start(readme: str) -> list[tuple[str, str]]:
    text = (ROOT / readme).read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    out = []
    for line in block.splitlines():
        code, _, comment = line.partition("#")
        m = _SHOWN.match(comment.strip())
        if m and code.strip():
            out.append((code.strip(), m.group(1)))
    return out


@pytest.mark.parametrize("readme", ["README.md", "README.ko.md"])
def test_quick_start_comments_are_the_printed_values(readme):
    shown = _quick_start(readme)
    assert len(shown) >= 4
    with np.errstate(all="raise", under="ignore"):
        for code, expected in shown:
            assert repr(eval(code, {"al": al})) == expected, code


def test_both_readmes_run_the_same_quick_start():
    assert [c for c, _ in _quick_start("README.md")] == [c for c, _ in _quick_start("README.ko.md")]
