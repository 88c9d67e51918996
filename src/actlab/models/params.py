"""Estimator parameters declared as data, scikit-learn's way, and their check.

Each estimator lists its parameters once, in ``_parameter_constraints`` (constraint objects
of :mod:`sklearn.utils._param_validation`: ``Interval``, ``StrOptions``, ``"boolean"``,
...).  :func:`check_params` checks every parameter against them with scikit-learn's
constraint machinery before a fit, and a bad value raises
:class:`~sklearn.utils._param_validation.InvalidParameterError` (a ``ValueError`` and a
``TypeError``) led by the estimator and the parameter, as the package's other errors:

>>> from actlab.models import LogisticRegression
>>> LogisticRegression(C=0).fit([[0.0], [1.0]], [0, 1])
Traceback (most recent call last):
...
sklearn.utils._param_validation.InvalidParameterError: LogisticRegression: C must be a float in the range (0.0, inf); got 0

May import: NumPy, scikit-learn.
"""

from __future__ import annotations

import functools
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    make_constraint,
)

__all__ = ["FINITE_NONNEG", "FINITE_POSITIVE", "Count", "check_params", "count"]


class Count(Interval):
    """An int interval that refuses ``bool`` (``True`` is no count of iterations or units)."""

    def is_satisfied_by(self, val: Any) -> bool:
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


def count(low: int = 1) -> Count:
    """Ints ``>= low`` (bool refused)."""
    return Count(Integral, low, None, closed="left")


FINITE_NONNEG = Interval(Real, 0, np.inf, closed="left")       # [0, inf): tolerances, L2 strengths
FINITE_POSITIVE = Interval(Real, 0, np.inf, closed="neither")  # (0, inf): learning rates


@functools.cache
def _constraints(cls: type) -> dict[str, list[Any]]:
    """``cls._parameter_constraints`` as constraint objects, made once per class; every
    ``__init__`` parameter must be declared."""
    declared = cls._parameter_constraints
    missing = sorted(set(cls._get_param_names()) - set(declared))
    if missing:
        raise TypeError(f"{cls.__name__}: parameters {missing} have no entry in _parameter_constraints")
    return {name: [make_constraint(c) for c in constraints] for name, constraints in declared.items()}


def check_params(est: Any) -> None:
    """Check every parameter of ``est`` against ``est._parameter_constraints``.

    The rule is scikit-learn's ``validate_parameter_constraints``: a value is valid when
    one of its constraints is satisfied; hidden constraints are left out of the message.
    """
    for name, constraints in _constraints(type(est)).items():
        value = getattr(est, name)
        if not any(c.is_satisfied_by(value) for c in constraints):
            shown = " or ".join(str(c) for c in constraints if not c.hidden)
            raise InvalidParameterError(f"{type(est).__name__}: {name} must be {shown}; got {value!r}")
