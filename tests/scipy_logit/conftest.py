"""Runs SciPy's own ``special/tests/test_logit.py`` (vendored unmodified) against actlab.

``test_logit.py`` is byte-identical to SciPy 1.17.1's ``scipy/special/tests/test_logit.py``.
SciPy is distributed under the BSD 3-Clause license: Copyright (c) 2001-2002 Enthought,
Inc. 2003, SciPy Developers; redistribution of the file is allowed with this notice (the
full text is in SciPy's LICENSE.txt).

While the tests of this directory are collected, ``scipy.special`` resolves to a shim whose
``expit``, ``logit`` and ``log_expit`` are ``actlab.sigmoid``, ``actlab.logit`` and
``actlab.log_sigmoid``; the real module is put back when collection of the module is done,
so no other test sees the shim.
"""

import sys
import types

import pytest

import actlab as al

_SHIM = types.ModuleType("scipy.special")
_SHIM.expit, _SHIM.logit, _SHIM.log_expit = al.sigmoid, al.logit, al.log_sigmoid


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    # the shim only while a module of this directory is imported ("from scipy.special import")
    if not isinstance(collector, pytest.Module):
        return (yield)
    saved = sys.modules.get("scipy.special")
    sys.modules["scipy.special"] = _SHIM
    try:
        return (yield)
    finally:
        if saved is None:
            del sys.modules["scipy.special"]
        else:
            sys.modules["scipy.special"] = saved

