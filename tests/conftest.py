import pathlib
import sys

# tests import their shared helper modules (kernel_cases.py, browser.py) by name
sys.path.insert(0, str(pathlib.Path(__file__).parent))

import mpmath
import pytest


@pytest.fixture(autouse=True)
def _mpmath_precision_restored():
    """A test that sets mpmath's global precision does not change the next test's references."""
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec
