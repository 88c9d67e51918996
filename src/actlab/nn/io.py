"""Save and load a module's parameters (and an optimizer's state) as ``.npz``.

The file holds plain arrays only (loaded with ``allow_pickle=False``): ``param/<name>``
for each parameter, ``optim/...`` for the optimizer, a format marker, the module's
class name and a SHA-256 checksum over every entry's name, dtype, shape and bytes.
:func:`load` verifies all of it -- readable archive, marker, checksum, class, the exact
set of parameter names, shapes, dtypes, finite values, the optimizer's type and state --
*before* touching anything, so a mismatched or tampered file raises :class:`ValueError`
and leaves the module (and optimizer) unchanged.  Each entry's shape and dtype are read
from its ``.npy`` header and checked against the module (and optimizer) before any data
is read, so a crafted header declaring a huge array is refused without allocating it.  Parameters are copied in place, so
optimizers holding references stay valid.

>>> import os, tempfile
>>> import numpy as np
>>> from actlab import nn
>>> net = nn.Linear(3, 2, rng=np.random.default_rng(0))
>>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
>>> nn.save(path, net)
>>> other = nn.Linear(3, 2, rng=np.random.default_rng(1))
>>> nn.load(path, other)
>>> bool(np.array_equal(other.params["weight"], net.params["weight"]))
True

May import: NumPy, the standard library, :mod:`.module` and :mod:`.optim`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

from .module import Module
from .optim import Optimizer

__all__ = ["save", "load"]

_MARK = "actlab-nn-checkpoint-v1"


def _digest(entries: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for key in sorted(entries):
        if key == "__checksum__":
            continue
        a = np.ascontiguousarray(entries[key])
        h.update(f"{key}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _optim_entries(opt: Optimizer) -> dict[str, np.ndarray]:
    sd = opt.state_dict()
    out = {"optim/type": np.array(sd["type"])}
    for k, v in sd["hyper"].items():
        out[f"optim/hyper/{k}"] = np.array(v)
    for name, st in sd["state"].items():
        for k, v in st.items():
            out[f"optim/state/{name}/{k}"] = np.asarray(v)
    return out


def save(path: str | os.PathLike, module: Module, optimizer: Optimizer | None = None) -> None:
    """Write ``module``'s parameters (and ``optimizer``'s state) to ``path`` (exactly that name).

    The file is written to a temporary name and renamed, so a crash never leaves half a file.
    """
    if not isinstance(module, Module):
        raise TypeError(f"save: expected a Module, got {type(module).__name__}")
    entries: dict[str, np.ndarray] = {
        "__format__": np.array(_MARK),
        "__module__": np.array(type(module).__name__),
    }
    for name, p, _ in module.parameters():
        entries[f"param/{name}"] = np.array(p, copy=True)
    if optimizer is not None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"save: optimizer must be an actlab.nn.optim.Optimizer, got {type(optimizer).__name__}")
        entries.update(_optim_entries(optimizer))
    entries["__checksum__"] = np.array(_digest(entries))
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **entries)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_Decl = tuple[tuple[int, ...], np.dtype]  # an entry's shape and dtype, as its .npy header declares them
_META = ("__format__", "__module__", "__checksum__")
_MAX_CHARS = 1024  # the longest string entry accepted (a class name, the marker, a hex digest)
_MAX_HYPER = 16    # elements of one optimizer hyperparameter (lr, betas, ...) at most


class _Archive:
    """An open checkpoint: the entries' declared shapes and dtypes from their ``.npy``
    headers (read without touching the data), and the data of the entries asked for."""

    def __init__(self, fh: Any, path: str) -> None:
        self.path = path
        self._zip = self._guard(zipfile.ZipFile, fh)
        self.declared: dict[str, _Decl] = {}
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else None
            if key is None:
                self._fail(f"member {info.filename!r} is not an .npy array")
            self._members[key] = info
            self.declared[key] = self._guard(self._header, info)

    def _fail(self, why: str) -> None:
        raise ValueError(f"load: {self.path!r} is not a readable actlab checkpoint ({why})")

    def _guard(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, RuntimeError) as e:
            self._fail(str(e))

    def _header(self, info: zipfile.ZipInfo) -> _Decl:
        with self._zip.open(info) as f:
            version = npy_format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"entry {info.filename!r} has .npy format version {version}")
            read = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
            shape, _, dtype = read(f)
        if dtype.hasobject:
            raise ValueError(f"entry {info.filename[:-4]!r} holds Python objects, which need pickle")
        return tuple(shape), dtype

    def read(self, keys: Any) -> dict[str, np.ndarray]:
        """The data of ``keys`` (each declared size already checked by the caller)."""
        def one(key: str) -> np.ndarray:
            with self._zip.open(self._members[key]) as f:
                return npy_format.read_array(f, allow_pickle=False)
        return {k: self._guard(one, k) for k in keys}

    def close(self) -> None:
        self._zip.close()


def _check_string(arc: _Archive, key: str) -> None:
    decl = arc.declared.get(key)
    if decl is None or decl[0] != () or decl[1].kind != "U" or decl[1].itemsize > 4 * _MAX_CHARS:
        raise ValueError(f"load: {arc.path!r} is not an actlab checkpoint (entry {key!r} missing or malformed)")


def _check_declared(arc: _Archive, own: dict[str, np.ndarray], optimizer: Optimizer | None) -> None:
    """Every entry's declared shape and dtype against what the module (and optimizer) can
    take, before any of their data is read: a crafted header cannot make load allocate more
    than the module holds."""
    saved = {k[len("param/"):]: d for k, d in arc.declared.items() if k.startswith("param/")}
    missing, extra = sorted(set(own) - set(saved)), sorted(set(saved) - set(own))
    if missing or extra:
        raise ValueError(f"load: parameter names do not match the module: missing {missing}, unexpected {extra}")
    for name, p in own.items():
        shape, dtype = saved[name]
        if shape != p.shape:
            raise ValueError(f"load: parameter {name!r} has shape {shape} in the file, {p.shape} in the module")
        if dtype != p.dtype:
            raise ValueError(f"load: parameter {name!r} has dtype {dtype} in the file, {p.dtype} in the module")
    shapes = {n: p.shape for n, p, _ in (optimizer._params() if optimizer is not None else ())} or \
        {n: p.shape for n, p in own.items()}
    for key, (shape, dtype) in arc.declared.items():
        if key in _META or key.startswith("param/"):
            continue
        if key == "optim/type":
            _check_string(arc, key)
        elif key.startswith("optim/hyper/"):
            if int(np.prod(shape)) > _MAX_HYPER or dtype.kind not in "biuf":
                raise ValueError(f"load: entry {key!r} declares {dtype} of shape {shape}; "
                                 f"expected at most {_MAX_HYPER} numbers")
        elif key.startswith("optim/state/"):
            name = key[len("optim/state/"):].rpartition("/")[0]
            if name not in shapes:
                raise ValueError(f"load: entry {key!r} is state for parameter {name!r}, which the "
                                 f"{'optimizer' if optimizer is not None else 'module'} does not have")
            if shape not in ((), shapes[name]) or dtype.kind not in "biuf":
                raise ValueError(f"load: entry {key!r} declares {dtype} of shape {shape}; "
                                 f"expected numbers of shape () or {shapes[name]}")
        else:
            raise ValueError(f"load: {arc.path!r} has an unexpected entry {key!r} {shape}")


def _optim_state(entries: dict[str, np.ndarray], path: str) -> dict[str, Any]:
    if "optim/type" not in entries:
        raise ValueError(f"load: {path!r} holds no optimizer state, but an optimizer was given")
    sd: dict[str, Any] = {"type": str(entries["optim/type"]), "hyper": {}, "state": {}}
    for key, a in entries.items():
        if key.startswith("optim/hyper/"):
            v = a.tolist()
            sd["hyper"][key[len("optim/hyper/"):]] = tuple(v) if isinstance(v, list) else v
        elif key.startswith("optim/state/"):
            name, _, k = key[len("optim/state/"):].rpartition("/")
            sd["state"].setdefault(name, {})[k] = a
    return sd


def load(path: str | os.PathLike, module: Module, optimizer: Optimizer | None = None) -> None:
    """Load parameters saved by :func:`save` into ``module`` (in place), after verifying them.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file is not a checkpoint, fails its checksum (tampered or corrupted), was saved
        from another class, or its parameter names, shapes, dtypes or optimizer state do
        not match.  Nothing is changed then.
    """
    if not isinstance(module, Module):
        raise TypeError(f"load: expected a Module, got {type(module).__name__}")
    path = os.fspath(path)
    own = {name: p for name, p, _ in module.parameters()}
    # the file handle is ours, so it is closed even when the archive fails to parse
    with open(path, "rb") as fh:
        arc = _Archive(fh, path)
        try:
            for key in _META:
                _check_string(arc, key)
            meta = arc.read(_META)
            if str(meta["__format__"]) != _MARK:
                raise ValueError(f"load: {path!r} has an unknown format marker {str(meta['__format__'])!r}")
            saved_cls = str(meta["__module__"])
            if saved_cls != type(module).__name__:
                raise ValueError(f"load: {path!r} was saved from a {saved_cls}, not a {type(module).__name__}")
            _check_declared(arc, own, optimizer)
            entries = arc.read(arc.declared)
        finally:
            arc.close()
    if str(entries["__checksum__"]) != _digest(entries):
        raise ValueError(f"load: {path!r} failed its checksum -- the file was modified or corrupted")
    for name in own:
        if not np.all(np.isfinite(entries[f"param/{name}"])):
            raise ValueError(f"load: parameter {name!r} holds non-finite values")
    if optimizer is not None:
        optimizer.load_state_dict(_optim_state(entries, path))  # validates first; raises before changing anything
    for name, p in own.items():
        p[...] = entries[f"param/{name}"]
