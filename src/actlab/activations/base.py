"""The :class:`Activation` object, the dtype policy and the registry.

Every activation in actlab is one instance of :class:`Activation` (elementwise) or
:class:`AxisActivation` (softmax-like, reduces along an axis).  An instance bundles the
value, first and second derivative formulas -- written once, in NumPy, in
:mod:`actlab.activations.elementwise` / :mod:`actlab.activations.axis` -- with metadata used by
the plots and the report.  When the compiled ufuncs of :mod:`actlab._kernels` are available,
the elementwise calls on NumPy float arrays run through them; the NumPy formulas stay the
readable reference and the fallback.

An activation is defined by a small class whose docstring becomes the object's ``__doc__``
and is the one source of its LaTeX metadata: see :mod:`actlab.activations.define`.

dtype policy
------------
* float16 / float32 / float64 / longdouble in -> the same dtype out (float16 and float32
  are computed in float64 inside the NumPy path, then rounded once; longdouble is computed
  in long double by the NumPy formulas -- no compiled kernel -- so its range and, apart
  from gelu's erfc and the root series of silu'/mish'/gelu', its precision are kept);
* bool and integers -> float64;
* complex, object, string, datetime ... -> :class:`TypeError` naming the dtype;
* NaN in -> NaN out; +-inf give the limits; no RuntimeWarning for any input.
* arrays of other libraries with ``__array_ufunc__`` (dask) go through the compiled ufunc and
  stay their type (lazy); without a ufunc (logit, identity, axis functions) a TypeError.

May import: NumPy and (lazily, when a kernel is first looked up) :mod:`actlab._kernels`.
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["Activation", "AxisActivation", "as_float_array", "register", "get", "available"]

_FLOAT_KINDS = {np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64),
                np.dtype(np.longdouble)}
_NATIVE_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))  # == is False for byte-swapped


def as_float_array(x: Any, name: str = "x") -> tuple[np.ndarray, np.dtype]:
    """Apply the dtype policy: return ``(array in float16/32/64 or longdouble, output dtype)``.

    The returned array is native-endian; it may share memory with ``x`` (never written to).
    """
    if type(x) is np.ndarray and x.dtype in _NATIVE_FLOATS:  # the common case, quickly
        return x, x.dtype
    arr = np.asarray(x)
    dt = arr.dtype
    if dt.kind == "f":
        out_dt = dt.newbyteorder("=")
    elif dt.kind in "biu":
        out_dt = np.dtype(np.float64)
    else:
        shown = f"{dt}" if str(dt) == dt.name else f"{dt} ({dt.name})"
        raise TypeError(f"actlab: {name} has dtype {shown}; expected a real floating, integer or bool array "
                        "(complex, object and string inputs are not supported)")
    if arr.dtype != out_dt:
        arr = arr.astype(out_dt)
    return arr, out_dt


def _foreign(x: Any) -> bool:
    """An array of another library that takes NumPy's ufuncs (dask): not an ndarray or a
    NumPy scalar, with an ``__array_ufunc__`` (None means it refuses ufuncs)."""
    return (not isinstance(x, (np.ndarray, np.generic))
            and getattr(type(x), "__array_ufunc__", None) is not None)


def _widened(arr: np.ndarray) -> np.ndarray:
    """The array the NumPy formulas see: float64, or long double for a longdouble input."""
    if arr.dtype == np.float64 or arr.dtype == np.longdouble:
        return arr
    return arr.astype(np.float64)


def _check_out(out: Any, shape: tuple[int, ...], dt: np.dtype) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"actlab: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"actlab: out has shape {out.shape}, expected {shape}")
    if not np.can_cast(dt, out.dtype, casting="same_kind"):
        raise TypeError(f"actlab: cannot write a {dt} result into out of dtype {out.dtype}")


def _finish(res: np.ndarray, out_dt: np.dtype, out: np.ndarray | None, scalar: bool):
    """Round the float64 / long double result to the output dtype, honour ``out=``, unwrap 0-d."""
    if out is not None:
        _check_out(out, res.shape, out_dt)
        with np.errstate(over="ignore"):
            np.copyto(out, res, casting="same_kind")
        return out
    if res.dtype != out_dt:
        with np.errstate(over="ignore"):  # a true value beyond float16/32 range rounds to inf
            res = res.astype(out_dt)
    return res[()] if scalar else res


def _check_param(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"actlab: parameter {name}={value!r} must be a real number") from None
    if np.isnan(v):
        raise ValueError(f"actlab: parameter {name} must not be NaN")
    return v


def _check_signature(name: str, fn: Callable, params: Mapping[str, Any]) -> None:
    """The formula ``fn(x, **params)`` must take exactly the declared parameters."""
    if isinstance(fn, np.ufunc):  # np.tanh: the input alone
        names = [] if fn.nin == 1 else None
    else:
        names = list(inspect.signature(fn).parameters)[1:]
    if names != list(params):
        raise TypeError(
            f"actlab.{name}: {getattr(fn, '__name__', fn)} takes the parameters {names}, "
            f"the activation declares {list(params)}"
        )


class _Described:
    """Metadata shared by every activation object (used by the plots, the table, the report).

    Attributes
    ----------
    name : str
        Registry name (``actlab.get(name)``).
    range : tuple of float
        Range of the function (for default parameters).
    range_closed : tuple of bool
        Whether each bound is reached at a finite input (relu [0, inf): ``(True, False)``).
    zero_centered : bool
        Whether the outputs are centred on 0 (tanh yes, sigmoid no).
    max_grad : float
        Supremum of ``|f'|`` for default parameters (sigmoid: 0.25).
    formula : str
        LaTeX of the value; ``grad_formula`` the LaTeX of the derivative (the definitions
        read both from the docstring's ``.. math::`` block:
        :func:`actlab.activations.define.formulas_of`).
    smooth, saturating : bool
        Differentiable everywhere; bounded with vanishing slope in both tails.
    """

    def __init__(self, name: str, *, doc: str, range: tuple[float, float], zero_centered: bool,
                 max_grad: float, formula: str, grad_formula: str, params: Mapping[str, Any],
                 smooth: bool, saturating: bool, range_closed: tuple[bool, bool] = (False, False)) -> None:
        self.name = name
        self.range = range
        if any(c and math.isinf(b) for c, b in zip(range_closed, range)):
            raise ValueError(f"{name}: an infinite bound of the range cannot be reached")
        self.range_closed = tuple(map(bool, range_closed))
        self.zero_centered = zero_centered
        self.max_grad = max_grad
        self.formula = formula
        self.grad_formula = grad_formula
        # read-only: the defaults are also cached per dtype by Activation (the direct call path)
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))
        self.smooth = smooth
        self.saturating = saturating
        self.__doc__ = doc
        self.__name__ = name


class Activation(_Described):
    """An elementwise activation function with its first and second derivative.

    Call it like a function: ``act(x, **params)``; derivatives via :meth:`grad`,
    :meth:`grad2` and :meth:`vjp`.  Parameters are keywords with PyTorch's defaults.
    The metadata attributes are described in :class:`_Described`.

    Parameters
    ----------
    name : str
        Registry name.
    value, grad, grad2 : callable
        The NumPy formulas ``fn(x, **params)`` (float64 or long double arrays); each takes exactly the parameters
        of ``params``, as keywords without defaults (``params`` declares them once).
    params : mapping, optional
        Parameter name -> default.
    kernel : str, optional
        Name of the compiled value kernel in :mod:`actlab._kernels` (``kernel + "_grad"``,
        ``kernel + "_grad2"`` the derivatives).
    kernel_variants : mapping, optional
        ``{(parameter, value): kernel}``: a parameter value that selects another kernel
        (gelu: ``{("approximate", "tanh"): "gelu_tanh"}``).  Every other parameter is passed
        to the kernel as an extra argument, in the order of ``params``.
    validate : callable, optional
        ``validate(**params)`` raises for values the formulas do not accept.
    flat : callable, optional
        ``flat(x, **params)``: the boolean mask where the function is constant by definition
        (relu: x <= 0).  There the vjp is 0 whatever ``dy`` (inf and NaN included), as
        torch's ``where(mask, 0, dy * f')``; elsewhere it is ``dy * f'(x)``.
    kernel_args : callable, optional
        ``kernel_args(*values)`` maps the kernel parameters (in the order of ``params``) to the
        kernel's extra inputs, where a parameter value means something the kernel spells
        otherwise (softplus: ``threshold=None``, no cutoff, is the kernel's ``inf``).
    **meta
        ``doc``, ``range``, ``zero_centered``, ``max_grad``, ``formula``, ``grad_formula``,
        ``smooth``, ``saturating`` (see :class:`_Described`).
    """

    def __init__(
        self,
        name: str,
        value: Callable[..., np.ndarray],
        grad: Callable[..., np.ndarray],
        grad2: Callable[..., np.ndarray],
        *,
        params: Mapping[str, Any] | None = None,
        kernel: str | None = None,
        kernel_variants: Mapping[tuple[str, Any], str] | None = None,
        smooth: bool = True,
        saturating: bool = False,
        validate: Callable[..., None] | None = None,
        kernel_args: Callable[..., tuple] | None = None,
        flat: Callable[..., np.ndarray] | None = None,
        **meta: Any,
    ) -> None:
        params = dict(params or {})
        super().__init__(name, params=params, smooth=smooth, saturating=saturating, **meta)
        for fn in (value, grad, grad2):
            _check_signature(name, fn, params)
        # the defaults bound once, so that ``act._value(x)`` alone is the default formula
        self._value, self._grad, self._grad2 = (
            functools.partial(fn, **params) if params else fn for fn in (value, grad, grad2))
        self._validate = validate
        self._flat = flat
        self._kernel_args = kernel_args
        self._kernel = kernel
        self._kernel_variants = tuple(dict(kernel_variants or {}).items())
        selecting = {param for (param, _), _ in self._kernel_variants}
        if selecting - set(params):
            raise ValueError(f"actlab.{name}: kernel_variants name unknown parameter(s) "
                             f"{sorted(selecting - set(params))}")
        self._kernel_params = tuple(k for k in params if k not in selecting) if kernel else ()
        self._ufuncs: dict[str, Any] = {}  # kernel name -> ufunc (or None), looked up once
        # (which, dtype) -> (ufunc, default parameters as 0-d arrays of that dtype): calls
        # without parameters on native float32/64 arrays go straight to the ufunc (NumPy's
        # conversion of Python-float parameters alone costs ~0.5 us each)
        self._direct: dict[tuple[str, np.dtype], tuple[Any, tuple[np.ndarray, ...]]] = {}

    # -- parameters ---------------------------------------------------------------
    def _params(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if not kwargs and self._validate is None:
            return dict(self.params)
        unknown = set(kwargs) - set(self.params)
        if unknown:
            allowed = ", ".join(self.params) or "none"
            raise TypeError(
                f"actlab.{self.name}: unexpected parameter(s) {sorted(unknown)}; allowed: {allowed}"
            )
        p = dict(self.params)
        for k, v in kwargs.items():
            p[k] = v if (v is None or isinstance(v, str)) else _check_param(k, v)
        if self._validate is not None:
            self._validate(**p)
        return p

    # -- evaluation -----------------------------------------------------------------
    def _ufunc_for(self, which: str, p: Mapping[str, Any]):
        kname = self._kernel
        for (param, value), variant in self._kernel_variants:  # a parameter picks a variant
            if p[param] == value:
                kname = variant
                break
        if kname is None:
            return None
        key = kname if which == "value" else f"{kname}_{which}"
        try:
            return self._ufuncs[key]
        except KeyError:
            from actlab import _kernels  # local import: the extension is optional at import time

            return self._ufuncs.setdefault(key, _kernels.get(key))

    def _eval(self, which: str, fn: Callable, x: Any, out: Any, kwargs: dict[str, Any],
              kernel: bool = True):
        if kernel and not kwargs and type(x) is np.ndarray and x.ndim:
            direct = self._direct.get((which, x.dtype))
            if direct is not None:
                if out is None:
                    return direct[0](x, *direct[1])
                if type(out) is np.ndarray and out.dtype == x.dtype and out.shape == x.shape:
                    return direct[0](x, *direct[1], out=out)
        p = self._params(kwargs)
        if _foreign(x):
            return _dispatch(self, which, x, out, p, kernel)
        arr, out_dt = as_float_array(x)
        uf = self._ufunc_for(which, p) if kernel else None
        if uf is not None and out_dt in _NATIVE_FLOATS:  # the kernels: float32/64 only
            extra = self._kernel_extra(p)
            if not kwargs and arr is x:  # a native float32/64 array: remember the direct call
                self._direct[(which, out_dt)] = (uf, tuple(np.array(v, out_dt) for v in extra))
            if out is not None:
                _check_out(out, arr.shape, out_dt)
                return uf(arr, *extra, out=out, casting="same_kind")
            res = uf(arr, *extra)
            return res[()] if arr.ndim == 0 else res
        wide = _widened(arr)
        with np.errstate(under="ignore"):
            res = np.asarray(fn(wide, **p), dtype=wide.dtype)
        return _finish(res, out_dt, out, arr.ndim == 0)

    def _kernel_extra(self, p: Mapping[str, Any]) -> list:
        """The kernel's extra inputs after x: the parameters that select no variant."""
        extra = [p[k] for k in self._kernel_params]
        return list(self._kernel_args(*extra)) if self._kernel_args is not None else extra

    def __call__(self, x: Any, *, out: np.ndarray | None = None, **params: Any):
        """Value ``f(x)`` elementwise; see the class docstring for the dtype policy."""
        return self._eval("value", self._value, x, out, params)

    def grad(self, x: Any, *, out: np.ndarray | None = None, **params: Any):
        """First derivative ``f'(x)`` computed from ``x`` (tail-exact)."""
        return self._eval("grad", self._grad, x, out, params)

    def grad2(self, x: Any, *, out: np.ndarray | None = None, **params: Any):
        """Second derivative ``f''(x)`` computed from ``x``."""
        return self._eval("grad2", self._grad2, x, out, params)

    def reference(self, x: Any, order: int = 0, **params: Any):
        """The NumPy reference formula of derivative ``order`` (0, 1, 2), bypassing the kernels.

        Same dtype policy as the call; float16/32 are computed in float64 and rounded once,
        longdouble in long double.
        """
        fns = (self._value, self._grad, self._grad2)
        if order not in (0, 1, 2):
            raise ValueError(f"actlab.{self.name}.reference: order must be 0, 1 or 2, got {order!r}")
        return self._eval(("value", "grad", "grad2")[order], fns[order], x, None, params, kernel=False)

    def vjp(self, x: Any, dy: Any, **params: Any):
        """Vector-Jacobian product ``dy * f'(x)`` (elementwise), the form layers use.

        ``dy`` is broadcast against ``x``; the result has the dtype of ``f'(x)``.
        Neither argument is modified.  Arrays of other libraries (dask) stay their type:
        ``grad(x) * dy``, both lazy.
        """
        if _foreign(x) or _foreign(dy):
            return _foreign_vjp(self, x, dy, params)
        g = np.asarray(self.grad(x, **params))
        d, _ = as_float_array(dy, "dy")
        d = d.astype(g.dtype, copy=False)
        if self._flat is None:
            return g * d
        with np.errstate(invalid="ignore"):  # 0 * inf on a flat piece: replaced by 0 below
            res = np.where(self._flat(as_float_array(x)[0], **self._params(params)), 0.0, g * d)
        return res[()] if res.ndim == 0 else res

    @property
    def ufunc(self) -> np.ufunc | None:
        """The raw :class:`numpy.ufunc` of the value (``None`` where no kernel exists)."""
        return self._ufunc_for("value", self.params)

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"<actlab activation {self.name}({ps})>" if ps else f"<actlab activation {self.name}>"


def _dispatch(act: Activation, which: str, x: Any, out: Any, p: Mapping[str, Any], kernel: bool):
    """``x`` of another array library (dask): through the ufunc, so it stays that type."""
    uf = act._ufunc_for(which, p) if kernel else None
    if uf is None:  # the NumPy formulas would turn x into an ndarray, all of it
        why = ("the NumPy reference needs" if not kernel
               else f"{which} has no compiled ufunc, so it needs")
        raise TypeError(f"actlab.{act.name}: {why} a NumPy array; got {type(x).__module__}."
                        f"{type(x).__name__} (convert it with numpy.asarray to compute it eagerly)")
    extra = act._kernel_extra(p)
    return uf(x, *extra) if out is None else uf(x, *extra, out=out)


def _foreign_vjp(act: Activation, x: Any, dy: Any, params: dict[str, Any]):
    """``act.vjp`` of arrays of other libraries: ``grad(x) * dy``, both lazy."""
    g = act.grad(x, **params)
    d = dy if _foreign(dy) else as_float_array(dy, "dy")[0]
    d = d.astype(g.dtype)
    if act._flat is not None:  # dy is 0 on a flat piece: no 0 * inf when it is computed
        xa = x if _foreign(x) else as_float_array(x)[0]
        d = np.where(act._flat(xa, **act._params(params)), 0.0, d)
    return g * d


class AxisActivation(_Described):
    """An activation that acts along one axis (softmax, log_softmax, logsumexp, glu).

    ``act(x, axis=-1)`` computes the value; ``act.vjp(x, dy, axis=-1, y=None)`` the
    vector-Jacobian product in O(n) (never a Jacobian).  Pass the forward output as ``y``
    to avoid recomputing it.

    Parameters
    ----------
    name : str
        Registry name.
    value : callable
        ``value(x, axis)`` on a float64 (long double) array.
    vjp : callable
        ``vjp(x, dy, axis, y)``, ``y`` the forward output or None.
    vjp_from_output : bool
        Whether the vjp is computed from the forward output ``y`` rather than from ``x``
        (softmax: ``y * (dy - sum(dy * y))``): layers then cache ``y`` and pass it.
    **meta
        ``doc``, ``range``, ``zero_centered``, ``max_grad``, ``formula``, ``grad_formula``
        (see :class:`_Described`).
    """

    ufunc = None

    def __init__(self, name: str, value: Callable[..., np.ndarray], vjp: Callable[..., np.ndarray],
                 *, vjp_from_output: bool = False, **meta: Any) -> None:
        super().__init__(name, params={"axis": -1}, smooth=True, saturating=False, **meta)
        self._value, self._vjp = value, vjp
        self.vjp_from_output = vjp_from_output

    def _axis(self, arr: np.ndarray, axis: Any) -> int:
        # an integer as NumPy takes one (operator.index: int, np.int64); bool is no axis, and
        # int(1.5) or int('0') would silently pick one (SciPy raises TypeError too)
        if isinstance(axis, (bool, np.bool_)) or not hasattr(type(axis), "__index__"):
            raise TypeError(f"actlab.{self.name}: axis must be an integer, "
                            f"got {axis!r} of type {type(axis).__name__}")
        ax = operator.index(axis)
        if arr.ndim == 0:
            raise ValueError("actlab: axis functions need an array with at least one dimension")
        if not -arr.ndim <= ax < arr.ndim:
            raise ValueError(f"actlab: axis {ax} is out of bounds for an array of dimension {arr.ndim}")
        return ax % arr.ndim

    def _no_foreign(self, *args: Any) -> None:
        for a in args:
            if _foreign(a):  # np.asarray would compute it all; there is no ufunc to keep it lazy
                raise TypeError(f"actlab.{self.name}: axis functions have no ufunc and need NumPy "
                                f"arrays; got {type(a).__module__}.{type(a).__name__} (convert it "
                                f"with numpy.asarray to compute it eagerly)")

    def __call__(self, x: Any, axis: int = -1):
        self._no_foreign(x)
        arr, out_dt = as_float_array(x)
        ax = self._axis(arr, axis)
        wide = _widened(arr)
        with np.errstate(under="ignore"):
            res = np.asarray(self._value(wide, ax), dtype=wide.dtype)
        return _finish(res, out_dt, None, res.ndim == 0)

    def vjp(self, x: Any, dy: Any, axis: int = -1, *, y: Any = None):
        """``dx = J^T dy`` along ``axis`` in O(n); ``y`` = the forward output if known."""
        self._no_foreign(x, dy, y)
        arr, out_dt = as_float_array(x)
        ax = self._axis(arr, axis)
        d, _ = as_float_array(dy, "dy")
        wide = _widened(arr)
        yy = None if y is None else np.asarray(y, dtype=wide.dtype)
        with np.errstate(under="ignore"):
            res = self._vjp(wide, d.astype(wide.dtype), ax, yy)
        return _finish(np.asarray(res, dtype=wide.dtype), out_dt, None, False)

    def __repr__(self) -> str:
        return f"<actlab axis activation {self.name}(axis=-1)>"


_REGISTRY: dict[str, Activation | AxisActivation] = {}
_ALIASES: dict[str, str] = {}


def register(act: Activation | AxisActivation, aliases: tuple[str, ...] = ()) -> Activation | AxisActivation:
    _REGISTRY[act.name] = act
    for a in aliases:
        _ALIASES[a] = act.name
    return act


def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def get(name: str | Activation | AxisActivation) -> Activation | AxisActivation:
    """Look an activation up by name (``"sigmoid"``, alias ``"swish"`` -> silu, ...); an unknown
    name is a :class:`ValueError` naming the valid choices."""
    if isinstance(name, (Activation, AxisActivation)):
        return name
    if not isinstance(name, str):
        raise TypeError(f"actlab.get: name must be a string, got {type(name).__name__}")
    key = _norm(name)
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise ValueError(f"unknown activation {name!r}; valid names: {', '.join(available())}")
    return _REGISTRY[key]


def available(include_aliases: bool = False) -> list[str]:
    """Names of all registered activations (sorted)."""
    return sorted(_REGISTRY) + (sorted(_ALIASES) if include_aliases else [])

