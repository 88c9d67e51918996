"""The runtime: threads, BLAS thread limits and discovery of the compiled loops.

Holds what every layer of actlab shares about the machine: the thread pool the recurrent
layers split their batch over, the BLAS thread limit for loops of small matmuls, and the
compiled time loops of the recurrent layers (with the BLAS handed to them).

May import: NumPy, threadpoolctl, SciPy's BLAS and :mod:`actlab._kernels`; nothing else of
actlab.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from . import _kernels

__all__ = ["blas_single_thread", "SMALL_WORK", "PARALLEL_WORK"]

_CONTROLLER: Any = None
SMALL_WORK = 1.6e7  # multiply-adds per looped matmul below which BLAS runs single-threaded


def blas_single_thread(work: float) -> Any:
    """Context manager: one BLAS thread when ``work`` (the size of the matmuls that run in a
    Python loop) is below :data:`SMALL_WORK`, else a no-op.

    Many small matmuls interleaved with NumPy work lose more to thread hand-offs than they
    gain from a second thread -- and on a busy machine the spinning BLAS threads make every
    step several times slower.  The previous thread count is restored on exit.
    """
    global _CONTROLLER
    if work >= SMALL_WORK:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _c_loops()  # loads SciPy's BLAS (the compiled loops call it) before the controller looks
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


PARALLEL_WORK = 1e6  # multiply-adds of one step's recurrent matmul per batch block, at least
_POOL: Any = None     # (executor, workers)


def _forget_pool() -> None:
    global _POOL
    _POOL = None  # a forked child has the executor object but not its threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _in_parallel(fn: Any, n: int) -> list[Any]:
    """``[fn(0), ..., fn(n - 1)]``, fn(0) in the calling thread and the others in a persistent
    thread pool.  The threads overlap where the GIL is released: the compiled time loops
    (nearly all of a layer), or the matmuls and cell kernels of the Python loops."""
    global _POOL
    if n == 1:
        return [fn(0)]
    if _POOL is None or _POOL[1] < n - 1:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = (ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="actlab-rnn"), n - 1)
    futures = [_POOL[0].submit(fn, p) for p in range(1, n)]
    first = fn(0)
    return [first] + [f.result() for f in futures]


_LOOPS: Any = False  # the compiled time loops (krnn.h), resolved on first use; None = absent


def _blas_for_loops() -> tuple[Any, Any, bool]:
    """The Fortran ``sgemm``/``dgemm`` the compiled loops call: NumPy's own OpenBLAS (its
    ILP64 symbols ``scipy_sgemm_64_``, found with ctypes; 0.3.31 in NumPy 2.4 measured ~25%
    faster than SciPy's 0.3.30 on the per-step shapes), else the PyCapsules of
    :mod:`scipy.linalg.cython_blas` (LP64).  Returns ``(sgemm, dgemm, ilp64)``."""
    try:
        import ctypes

        from threadpoolctl import threadpool_info

        for lib in threadpool_info():
            if lib.get("internal_api") != "openblas" or "numpy" not in str(lib.get("filepath")):
                continue
            dll = ctypes.CDLL(lib["filepath"])
            s, d = dll.scipy_sgemm_64_, dll.scipy_dgemm_64_
            return (ctypes.cast(s, ctypes.c_void_p).value, ctypes.cast(d, ctypes.c_void_p).value, True)
    except (ImportError, OSError, AttributeError):  # pragma: no cover - other NumPy builds
        pass
    from scipy.linalg import cython_blas

    caps = cython_blas.__pyx_capi__
    return caps["sgemm"], caps["dgemm"], False


def _c_loops() -> Any:
    """The extension module when it has the compiled time loops and a BLAS could be handed
    to it, else None (the Python loops below then run the same steps)."""
    global _LOOPS
    if _LOOPS is False:
        uf = getattr(_kernels, "_ufuncs", None)
        _LOOPS = None
        if uf is not None and hasattr(uf, "lstm_forward"):
            try:
                uf.set_blas(*_blas_for_loops())
                _LOOPS = uf
            except (ImportError, AttributeError, KeyError, TypeError, ValueError):  # pragma: no cover
                _LOOPS = None
    return _LOOPS

