"""Fixtures of the kernel tests: every instruction-set variant, and the thread count restored."""

from __future__ import annotations

import pytest

from actlab._kernels import _ufuncs as U


@pytest.fixture(params=U.available_isas())
def isa(request):
    old = U.get_isa()
    U.set_isa(request.param)
    yield request.param
    U.set_isa(old)


@pytest.fixture
def restore_threads():
    n = U.get_num_threads()
    yield
    U.set_num_threads(n)
