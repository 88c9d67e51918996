"""The :class:`Module` base class of the from-scratch nn kit.

Protocol (the "Deep Learning from Scratch" style, made explicit)
----------------------------------------------------------------
* ``forward(*inputs)`` computes the output and caches only what ``backward`` needs;
  ``module(x)`` is the same as ``module.forward(x)``.
* ``backward(dout)`` returns the gradient with respect to the input (a tuple when
  ``forward`` took several inputs) and *adds* (``+=``) the parameter gradients into
  ``grads``; they accumulate over several backward passes until :meth:`Module.zero_grad`.
* ``params`` and ``grads`` are live dict views with identical keys.  A module's own
  parameters have plain names (``"weight"``); those of its submodules are prefixed with
  the submodule's name and a dot (``"0.weight"``, ``"cell.bias_ih"``), as in PyTorch's
  ``state_dict``.  Reading a key returns the array itself (update it in place to keep
  optimizers' references valid); assigning a new plain key registers a parameter.
* ``parameters()`` yields ``(name, param, grad)`` triples, the form optimizers take.
* ``train()`` / ``eval()`` set the ``training`` flag on the module and all submodules.
* Nothing the caller passes (inputs, ``dout``) is ever modified.

Submodules are registered by assigning them as attributes (``self.fc = Linear(2, 3)``)
or with :meth:`Module.add_module`.

May import: NumPy only (every layer of :mod:`actlab.nn` builds on this module).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import numpy as np

__all__ = ["Module"]


def _split(module: "Module", key: str) -> tuple["Module", str]:
    """Resolve a dotted parameter name to ``(owning module, local name)``."""
    if not isinstance(key, str):
        raise TypeError(f"parameter names are strings, got {type(key).__name__}")
    mod = module
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        children = mod.__dict__["_modules"]
        if part not in children:
            raise KeyError(f"{key!r}: {type(mod).__name__} has no submodule {'.'.join(parts[:i + 1])!r}")
        mod = children[part]
    return mod, parts[-1]


def _checked_state(own: dict[str, np.ndarray], state: dict[str, Any], who: str) -> dict[str, np.ndarray]:
    """``state``'s arrays by name after checking names, shapes and dtypes against ``own``
    (all checked before anything is copied, so a bad state leaves the module unchanged)."""
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise KeyError(f"state dict does not match {who}: missing {missing}, unexpected {extra}")
    staged = {}
    for name, p in own.items():
        v = np.asarray(state[name])
        if v.shape != p.shape:
            raise ValueError(f"parameter {name!r}: shape {v.shape} in the state, {p.shape} in the module")
        if v.dtype.kind not in "fiub":
            raise TypeError(f"parameter {name!r}: dtype {v.dtype} is not a real number type")
        staged[name] = v
    return staged


class _ParamView(MutableMapping):
    """Live, flat ``name -> array`` view over a module tree (params or grads)."""

    def __init__(self, module: "Module", which: str) -> None:
        self._module = module
        self._which = which  # "_params" or "_grads"

    def _local(self, mod: "Module") -> dict[str, np.ndarray]:
        return mod.__dict__[self._which]

    def __getitem__(self, key: str) -> np.ndarray:
        mod, name = _split(self._module, key)
        local = self._local(mod)
        if name not in local:
            raise KeyError(key)
        return local[name]

    def __setitem__(self, key: str, value: Any) -> None:
        mod, name = _split(self._module, key)
        if self._which == "_params":
            mod.register_parameter(name, value)
            return
        if name not in mod.__dict__["_params"]:
            raise KeyError(f"grads[{key!r}]: no parameter of that name (register the parameter first)")
        arr = np.asarray(value)
        p = mod.__dict__["_params"][name]
        if arr.shape != p.shape:
            raise ValueError(f"grads[{key!r}] has shape {arr.shape}, parameter has shape {p.shape}")
        mod.__dict__["_grads"][name] = arr

    def __delitem__(self, key: str) -> None:
        mod, name = _split(self._module, key)
        if name not in mod.__dict__["_params"]:
            raise KeyError(key)
        del mod.__dict__["_params"][name]
        del mod.__dict__["_grads"][name]

    def __iter__(self) -> Iterator[str]:
        for prefix, mod in self._module.named_modules():
            for name in self._local(mod):
                yield f"{prefix}.{name}" if prefix else name

    def __len__(self) -> int:
        return sum(len(self._local(mod)) for _, mod in self._module.named_modules())

    def __repr__(self) -> str:
        body = ", ".join(f"{k!r}: array{tuple(v.shape)}" for k, v in self.items())
        return "{" + body + "}"


class Module:
    """Base class of every layer, loss-free container and model in :mod:`actlab.nn`.

    Subclasses call ``super().__init__()`` first, register parameters with
    :meth:`register_parameter` (or ``self.params["name"] = array``), and implement
    :meth:`forward` and :meth:`backward`.

    Attributes
    ----------
    params : MutableMapping[str, numpy.ndarray]
        Live view of all parameters, dotted names for submodules.
    grads : MutableMapping[str, numpy.ndarray]
        Live view of the accumulated gradients; same keys, same shapes as ``params``.
    training : bool
        ``True`` after :meth:`train` (the default), ``False`` after :meth:`eval`.

    Examples
    --------
    >>> import numpy as np
    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.register_parameter("a", np.array([2.0]))
    ...     def forward(self, x):
    ...         self._x = np.asarray(x, dtype=float)
    ...         return self.params["a"] * self._x
    ...     def backward(self, dout):
    ...         self.grads["a"] += np.sum(dout * self._x, keepdims=True).reshape(1)
    ...         return dout * self.params["a"]
    >>> s = Scale()
    >>> s(np.array([1.0, 3.0]))
    array([2., 6.])
    >>> s.backward(np.ones(2))
    array([2., 2.])
    >>> s.grads["a"]
    array([4.])
    >>> [name for name, p, g in s.parameters()]
    ['a']
    """

    def __init__(self) -> None:
        d = self.__dict__
        d["_params"] = {}
        d["_grads"] = {}
        d["_modules"] = {}
        d["training"] = True

    # -- registration ---------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_modules" not in d:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if isinstance(value, Module) and not name.startswith("_"):
            d["_modules"][name] = value
        elif name in d["_modules"]:
            del d["_modules"][name]
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__["_modules"].pop(name, None)
        object.__delattr__(self, name)

    def add_module(self, name: str, module: "Module") -> None:
        """Register ``module`` as a child called ``name`` (no dots)."""
        if not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module).__name__}")
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"submodule name must be a non-empty string without dots, got {name!r}")
        self.__dict__["_modules"][name] = module

    def register_parameter(self, name: str, value: Any) -> np.ndarray:
        """Register (or replace) the parameter ``name`` and give it a zero gradient.

        ``value`` becomes a float array (float64 unless already floating).  A replaced
        parameter of the same shape and dtype keeps its accumulated gradient.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"parameter name must be a non-empty string without dots, got {name!r}")
        arr = np.asarray(value)
        if arr.dtype.kind != "f":
            if arr.dtype.kind not in "biu":
                raise TypeError(f"parameter {name!r} has dtype {arr.dtype}; expected a real float array")
            arr = arr.astype(np.float64)
        params, grads = self.__dict__["_params"], self.__dict__["_grads"]
        old = grads.get(name)
        params[name] = arr
        if old is None or old.shape != arr.shape or old.dtype != arr.dtype:
            grads[name] = np.zeros_like(arr)
        return arr

    # -- views ------------------------------------------------------------------------
    @property
    def params(self) -> MutableMapping[str, np.ndarray]:
        """Live view ``name -> parameter array`` (dotted names for submodules)."""
        return _ParamView(self, "_params")

    @property
    def grads(self) -> MutableMapping[str, np.ndarray]:
        """Live view ``name -> accumulated gradient`` with the keys of :attr:`params`."""
        return _ParamView(self, "_grads")

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Direct submodules as ``(name, module)``."""
        yield from self.__dict__["_modules"].items()

    def children(self) -> Iterator["Module"]:
        """Direct submodules."""
        yield from self.__dict__["_modules"].values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """This module (name ``prefix``, ``""`` at the top) and all descendants, depth first."""
        yield prefix, self
        for name, child in self.__dict__["_modules"].items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        """This module and all descendants."""
        for _, m in self.named_modules():
            yield m

    def parameters(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """Yield ``(name, param, grad)`` for every parameter of the tree.

        ``param`` and ``grad`` are the live arrays: optimizers update ``param`` in place.
        """
        for prefix, mod in self.named_modules():
            grads = mod.__dict__["_grads"]
            for name, p in mod.__dict__["_params"].items():
                yield (f"{prefix}.{name}" if prefix else name), p, grads[name]

    def num_parameters(self) -> int:
        """Total number of scalar parameters."""
        return int(sum(p.size for _, p, _ in self.parameters()))

    # -- state --------------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Set every accumulated gradient to zero (in place)."""
        for _, _, g in self.parameters():
            g[...] = 0

    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and all submodules; returns ``self``."""
        for m in self.modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (``training = False``) everywhere; returns ``self``."""
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameters, keyed by dotted name."""
        return {name: p.copy() for name, p, _ in self.parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy ``state`` into the parameters in place, after checking every name and shape.

        Raises :class:`KeyError` for missing or unexpected names and :class:`ValueError` for
        a shape mismatch or non-finite values; the module is unchanged when it raises.
        """
        own = {name: p for name, p, _ in self.parameters()}
        for name, v in _checked_state(own, state, type(self).__name__).items():
            own[name][...] = v

    # -- computation ----------------------------------------------------------------------
    def forward(self, *inputs: Any) -> Any:
        """Compute the output (override)."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, dout: Any) -> Any:
        """Return d input for the upstream gradient ``dout``; accumulate param grads (override)."""
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.forward(*inputs, **kwargs)

    def _need_cache(self, *attrs: str) -> None:
        """Raise a clear error when ``backward`` runs before ``forward``."""
        for a in attrs:
            if getattr(self, a, None) is None:
                raise RuntimeError(f"{type(self).__name__}.backward called before forward")

    # -- display ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """Arguments shown inside the parentheses of ``repr`` (override)."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        kids = list(self.named_children())
        if not kids:
            return head + ")"
        lines = [head]
        for name, child in kids:
            sub = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        return "\n".join(lines) + "\n)"
