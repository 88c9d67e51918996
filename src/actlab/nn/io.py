"""Save and load a module's parameters (and an optimizer's state) as ``.npz``.

The file holds plain arrays only (loaded with ``allow_pickle=False``): ``param/<name>``
for each parameter, ``optim/...`` for the optimizer, a format marker, the module's
class name and a SHA-256 checksum over every entry's name, dtype, shape and bytes.
:func:`load` verifies all of it -- readable archive, marker, checksum, class, the exact
set of parameter names, shapes, dtypes, finite values, the optimizer's type and state --
*before* touching anything, so a mismatched or tampered file raises :class:`ValueError`
and leaves the module (and optimizer) unchanged.  Parameters are copied in place, so
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


def _read(path: str) -> dict[str, np.ndarray]:
    # the file handle is ours, so it is closed even when numpy fails to parse the archive
    with open(path, "rb") as fh:
        try:
            z = np.load(fh, allow_pickle=False)
            if not hasattr(z, "files"):
                raise ValueError("not an .npz archive")
            with z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
            raise ValueError(f"load: {path!r} is not a readable actlab checkpoint ({e})") from None


def _str(entries: dict[str, np.ndarray], key: str, path: str) -> str:
    a = entries.get(key)
    if a is None or a.dtype.kind != "U" or a.shape != ():
        raise ValueError(f"load: {path!r} is not an actlab checkpoint (entry {key!r} missing or malformed)")
    return str(a)


def _optim_state(entries: dict[str, np.ndarray], path: str) -> dict[str, Any]:
    if "optim/type" not in entries:
        raise ValueError(f"load: {path!r} holds no optimizer state, but an optimizer was given")
    sd: dict[str, Any] = {"type": _str(entries, "optim/type", path), "hyper": {}, "state": {}}
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
    entries = _read(path)
    if _str(entries, "__format__", path) != _MARK:
        raise ValueError(f"load: {path!r} has an unknown format marker {str(entries['__format__'])!r}")
    if _str(entries, "__checksum__", path) != _digest(entries):
        raise ValueError(f"load: {path!r} failed its checksum -- the file was modified or corrupted")
    saved_cls = _str(entries, "__module__", path)
    if saved_cls != type(module).__name__:
        raise ValueError(f"load: {path!r} was saved from a {saved_cls}, not a {type(module).__name__}")
    own = {name: p for name, p, _ in module.parameters()}
    saved = {k[len("param/"):]: v for k, v in entries.items() if k.startswith("param/")}
    missing, extra = sorted(set(own) - set(saved)), sorted(set(saved) - set(own))
    if missing or extra:
        raise ValueError(f"load: parameter names do not match the module: missing {missing}, unexpected {extra}")
    for name, p in own.items():
        v = saved[name]
        if v.shape != p.shape:
            raise ValueError(f"load: parameter {name!r} has shape {v.shape} in the file, {p.shape} in the module")
        if v.dtype != p.dtype:
            raise ValueError(f"load: parameter {name!r} has dtype {v.dtype} in the file, {p.dtype} in the module")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"load: parameter {name!r} holds non-finite values")
    if optimizer is not None:
        optimizer.load_state_dict(_optim_state(entries, path))  # validates first; raises before changing anything
    for name, p in own.items():
        p[...] = saved[name]
