"""scikit-learn's own estimator checks on LogisticRegression, MLPClassifier, MLPRegressor.

Small settings keep them fast; the stochastic-solver instances exercise partial_fit.
ConvergenceWarning is sklearn's own warning for a capped solver; the checks fit with tiny
``max_iter`` on purpose, so it is ignored here (and only here).
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from actlab.models import LogisticRegression, MLPClassifier, MLPRegressor

ESTIMATORS = [
    LogisticRegression(),
    LogisticRegression(solver="adam", max_iter=30, random_state=0),
    MLPClassifier((8,), solver="lbfgs", max_iter=200, random_state=0),
    MLPClassifier((8,), activation="gelu", learning_rate_init=0.01, max_iter=40, random_state=0),
    MLPRegressor((8,), solver="lbfgs", max_iter=200, random_state=0),
    MLPRegressor((8,), activation="tanh", solver="sgd", learning_rate_init=0.01, max_iter=40, random_state=0),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
