"""Fixtures of the kernel tests: the thread count restored (``isa`` lives in tests/conftest.py)."""

from __future__ import annotations

import pytest

from actlab._kernels import _ufuncs as U


@pytest.fixture
def restore_threads():
    n = U.get_num_threads()
    yield
    U.set_num_threads(n)
