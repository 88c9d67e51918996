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


def _isas():
    from actlab._kernels import _ufuncs as U

    return U.available_isas()


@pytest.fixture(params=_isas())
def isa(request):
    """Every kernel instruction-set variant this machine runs, forced in turn."""
    from actlab._kernels import _ufuncs as U

    old = U.get_isa()
    U.set_isa(request.param)
    yield request.param
    U.set_isa(old)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the page tests (tests/browser.py: skipped without one,
    required under CI)."""
    import browser

    with browser.sync_playwright() as p:
        b = browser.launch(p)
        yield b
        b.close()
