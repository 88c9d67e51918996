"""Small data sets for the models: scikit-learn's bundled tables and seeded sequence tasks.

Everything here works offline.  The real data sets are the copies that ship *inside*
scikit-learn (``sklearn.datasets.load_*`` read files from the installed package; nothing is
downloaded); the sequence tasks are generated from a :class:`numpy.random.Generator`.

Every loader returns a :class:`sklearn.utils.Bunch` with ``data``, ``target``,
``feature_names``, ``target_names`` and ``DESCR`` -- or ``(data, target)`` with
``return_X_y=True``.

=====================  ===========  ==========================  =========================
loader                 task         data                        target
=====================  ===========  ==========================  =========================
breast_cancer          binary       (569, 30) float64           (569,) int 0/1
digits                 multiclass   (1797, 64) float64          (1797,) int 0..9
multilabel_digits      multi-label  (1797, 64) float64          (1797, 3) int 0/1
iris                   multiclass   (150, 4) float64            (150,) int 0..2
adding_problem         regression   (n, T, 2) float64           (n,) float64
noisy_sine             regression   (n, T, 1) float64           (n,) float64
playground             binary       (n, 2) float64              (n,) int 0/1
=====================  ===========  ==========================  =========================

:func:`playground` draws the 2-D toy sets of TensorFlow Playground and the lab (circle, xor,
gauss, spiral, moons).

>>> from actlab import datasets
>>> X, y = datasets.breast_cancer(return_X_y=True)
>>> X.shape, sorted(set(y.tolist()))
((569, 30), [0, 1])

May import: NumPy, scikit-learn (its bundled data) and :mod:`actlab._checks`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import Bunch

from ._checks import check_rng

__all__ = ["breast_cancer", "digits", "multilabel_digits", "iris", "adding_problem", "noisy_sine", "playground",
           "PLAYGROUND"]

#: The 2-D data sets of :func:`playground`.
PLAYGROUND = ("circle", "xor", "gauss", "spiral", "moons")

_PRIMES = np.array([2, 3, 5, 7])


def _out(data: np.ndarray, target: np.ndarray, return_X_y: bool, **meta: Any) -> Any:
    data = np.ascontiguousarray(data, dtype=np.float64)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, **meta)


def _sk(name: str) -> Bunch:
    from sklearn import datasets as skd

    return getattr(skd, f"load_{name}")()


def breast_cancer(*, return_X_y: bool = False) -> Any:
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 features, binary target.

    ``target`` is 0 (malignant) or 1 (benign), as in scikit-learn.  Features are raw (not
    standardised).

    Parameters
    ----------
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` (569, 30) float64, ``target`` (569,) int, ``feature_names``,
        ``target_names``, ``DESCR``.

    Examples
    --------
    >>> ds = breast_cancer()
    >>> ds.data.shape, ds.target_names.tolist()
    ((569, 30), ['malignant', 'benign'])
    """
    b = _sk("breast_cancer")
    return _out(b.data, b.target.astype(np.int64), return_X_y, feature_names=list(b.feature_names),
                target_names=np.asarray(b.target_names), DESCR=b.DESCR)


def digits(*, return_X_y: bool = False) -> Any:
    """Handwritten digits 0-9: 1797 images of 8x8 pixels (values 0..16), 10 classes.

    Returns
    -------
    Bunch or tuple
        ``data`` (1797, 64) float64, ``target`` (1797,) int in 0..9, ``images`` (1797, 8, 8)
        in the Bunch.

    Examples
    --------
    >>> X, y = digits(return_X_y=True)
    >>> X.shape, int(y.max())
    ((1797, 64), 9)
    """
    b = _sk("digits")
    return _out(b.data, b.target.astype(np.int64), return_X_y, feature_names=list(b.feature_names),
                target_names=np.arange(10), images=b.images, DESCR=b.DESCR)


def multilabel_digits(*, return_X_y: bool = False) -> Any:
    """The digits images with a derived **multi-label** target of three independent labels.

    The target is *not* part of the original data set; it is computed from the digit ``d``:

    * column 0, ``"even"``: ``d`` is even (0, 2, 4, 6, 8);
    * column 1, ``">=5"``: ``d >= 5``;
    * column 2, ``"prime"``: ``d`` is prime (2, 3, 5, 7).

    A row can have any subset of the labels (digit 1 has none, digit 2 is even and prime).
    This is the task for independent sigmoids + BCE-with-logits.

    Returns
    -------
    Bunch or tuple
        ``data`` (1797, 64) float64, ``target`` (1797, 3) int 0/1 indicator matrix,
        ``target_names`` ``['even', '>=5', 'prime']``, ``digit`` (the original 0..9 label).

    Examples
    --------
    >>> ds = multilabel_digits()
    >>> ds.target.shape, ds.target_names.tolist()
    ((1797, 3), ['even', '>=5', 'prime'])
    >>> ds.digit[:3], ds.target[:3].tolist()
    (array([0, 1, 2]), [[1, 0, 0], [0, 0, 0], [1, 0, 1]])
    """
    b = _sk("digits")
    d = b.target.astype(np.int64)
    Y = np.stack([d % 2 == 0, d >= 5, np.isin(d, _PRIMES)], axis=1).astype(np.int64)
    return _out(b.data, Y, return_X_y, feature_names=list(b.feature_names),
                target_names=np.array(["even", ">=5", "prime"]), digit=d,
                DESCR="Digits with a derived multi-label target: even / >=5 / prime.\n\n" + b.DESCR)


def iris(*, return_X_y: bool = False) -> Any:
    """Fisher's iris: 150 flowers, 4 measurements, 3 species.

    Examples
    --------
    >>> X, y = iris(return_X_y=True)
    >>> X.shape, sorted(set(y.tolist()))
    ((150, 4), [0, 1, 2])
    """
    b = _sk("iris")
    return _out(b.data, b.target.astype(np.int64), return_X_y, feature_names=list(b.feature_names),
                target_names=np.asarray(b.target_names), DESCR=b.DESCR)


def _check_int(v: Any, name: str, fn: str, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"{fn}: {name} must be an int >= {low}, got {v!r}")
    return int(v)


def adding_problem(n_samples: int, T: int, *, rng: np.random.Generator,
                   return_X_y: bool = False) -> Any:
    """The adding problem (Hochreiter & Schmidhuber, 1997): sum two marked numbers.

    Each sequence has ``T`` steps of two features: a value drawn from U(0, 1) and a marker
    that is 1 at exactly two steps -- one in the first half, one in the second half -- and 0
    elsewhere.  The target is the sum of the two marked values, so the model must carry
    information across up to ``T`` steps.  Predicting the mean (1.0) gives an MSE equal to the
    target's variance, 1/6; a model "solves" the task well below that.

    Parameters
    ----------
    n_samples : int
        Number of sequences.
    T : int
        Sequence length (>= 2).
    rng : numpy.random.Generator
        Source of randomness.
    return_X_y : bool, default False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    Bunch or tuple
        ``data`` (n_samples, T, 2) float64 (batch first), ``target`` (n_samples,) float64,
        ``baseline_mse`` = 1/6 in the Bunch.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = adding_problem(4, 10, rng=np.random.default_rng(0), return_X_y=True)
    >>> X.shape, bool(np.allclose(y, (X[..., 0] * X[..., 1]).sum(axis=1)))
    ((4, 10, 2), True)
    """
    fn = "adding_problem"
    n = _check_int(n_samples, "n_samples", fn, 1)
    T = _check_int(T, "T", fn, 2)
    rng = check_rng(rng, fn, optional=False)
    values = rng.uniform(0.0, 1.0, size=(n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    marks = np.zeros((n, T))
    rows = np.arange(n)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    X = np.stack([values, marks], axis=2)
    y = values[rows, first] + values[rows, second]
    return _out(X, y, return_X_y, feature_names=["value", "marker"], target_names=["sum"],
                baseline_mse=1.0 / 6.0, DESCR=adding_problem.__doc__)


def noisy_sine(n_samples: int, T: int, *, rng: np.random.Generator, noise: float = 0.1,
               horizon: int = 1, return_X_y: bool = False) -> Any:
    """Forecast a noisy sine wave: from ``T`` past samples, predict the clean value ``horizon`` ahead.

    Each sequence is ``sin(w t + phase) + noise * N(0, 1)`` at ``t = 0 .. T-1`` with a random
    angular frequency ``w`` in U(0.1, 0.5) and phase in U(0, 2 pi); the target is the
    noise-free ``sin(w (T - 1 + horizon) + phase)``.

    Parameters
    ----------
    n_samples, T : int
        Number and length of the sequences.
    rng : numpy.random.Generator
        Source of randomness.
    noise : float, default 0.1
        Standard deviation of the additive Gaussian noise on the inputs (>= 0).
    horizon : int, default 1
        How many steps past the last input the target lies.

    Returns
    -------
    Bunch or tuple
        ``data`` (n_samples, T, 1) float64 (batch first), ``target`` (n_samples,) float64.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = noisy_sine(3, 20, rng=np.random.default_rng(0), return_X_y=True)
    >>> X.shape, y.shape, bool(np.all(np.abs(y) <= 1))
    ((3, 20, 1), (3,), True)
    """
    fn = "noisy_sine"
    n = _check_int(n_samples, "n_samples", fn, 1)
    T = _check_int(T, "T", fn, 1)
    h = _check_int(horizon, "horizon", fn, 1)
    rng = check_rng(rng, fn, optional=False)
    noise = float(noise)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{fn}: noise must be a finite number >= 0, got {noise!r}")
    w = rng.uniform(0.1, 0.5, size=(n, 1))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=(n, 1))
    t = np.arange(T)[None, :]
    X = np.sin(w * t + phase) + noise * rng.standard_normal((n, T))
    y = np.sin(w[:, 0] * (T - 1 + h) + phase[:, 0])
    return _out(X[..., None], y, return_X_y, feature_names=["x"], target_names=["next"],
                DESCR=noisy_sine.__doc__)


def playground(name: str, n_samples: int = 400, *, noise: float = 0.0, rng: np.random.Generator,
               return_X_y: bool = False) -> Any:
    """A 2-D binary toy set of the kind TensorFlow Playground draws, points in about [-6, 6]^2.

    ``circle``: label 1 inside radius 3, 0 on a ring of radius 4-6; ``xor``: the sign of
    ``x1 * x2``; ``gauss``: two Gaussian blobs at (2, 2) and (-2, -2); ``spiral``: two
    interleaved spirals; ``moons``: two interleaved half circles.  ``noise`` in [0, 1] adds
    Gaussian jitter proportional to the set's scale (0: the clean shape).

    >>> import numpy as np
    >>> X, y = playground("xor", 8, rng=np.random.default_rng(0), return_X_y=True)
    >>> X.shape, bool(np.all(y == (X[:, 0] * X[:, 1] > 0)))
    ((8, 2), True)
    """
    fn = "playground"
    if name not in PLAYGROUND:
        raise ValueError(f"{fn}: unknown data set {name!r}; choose from {', '.join(PLAYGROUND)}")
    n = _check_int(n_samples, "n_samples", fn, 2)
    if not (isinstance(noise, (int, float, np.floating)) and 0.0 <= float(noise) <= 1.0):
        raise ValueError(f"{fn}: noise must be a number in [0, 1], got {noise!r}")
    rng = check_rng(rng, fn, optional=False)
    y = (np.arange(n) % 2).astype(np.int64)
    rng.shuffle(y)
    if name == "circle":
        r = np.where(y == 1, rng.uniform(0.0, 3.0, n), rng.uniform(4.0, 6.0, n))
        a = rng.uniform(0.0, 2 * np.pi, n)
        X = np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
        X += rng.normal(0.0, 1.0, X.shape) * noise
    elif name == "xor":
        X = rng.uniform(-5.0, 5.0, (n, 2))
        X += np.sign(X) * 0.3  # a margin around the axes
        X += rng.normal(0.0, 1.0, X.shape) * noise
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    elif name == "gauss":
        centre = np.where(y[:, None] == 1, 2.0, -2.0)
        X = centre + rng.normal(0.0, 1.0, (n, 2)) * (0.5 + 1.5 * noise)
    elif name == "spiral":
        t = rng.uniform(0.0, 1.0, n) * 1.75 * 2 * np.pi
        a = t + np.pi * y
        X = 5.0 * (t / (3.5 * np.pi))[:, None] * np.stack([np.sin(a), np.cos(a)], axis=1)
        X += rng.normal(0.0, 1.0, X.shape) * noise
    else:  # moons
        a = rng.uniform(0.0, np.pi, n)
        X = np.where(y[:, None] == 0, np.stack([np.cos(a), np.sin(a)], 1),
                     np.stack([1.0 - np.cos(a), 0.5 - np.sin(a)], 1))
        X = (X - [0.5, 0.25]) * 3.0 + rng.normal(0.0, 1.0, (n, 2)) * noise
    return _out(X, y, return_X_y, feature_names=["x1", "x2"], target_names=["0", "1"],
                DESCR=playground.__doc__)
