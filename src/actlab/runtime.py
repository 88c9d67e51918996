"""The runtime: which recurrent kernels run, on how many threads, with how many BLAS threads.

One explicit object, :class:`Runtime`, holds what the layers of actlab share about the
machine: the implementation of the recurrent steps (the compiled time loops, Python loops
over the compiled cell ufuncs, or Python loops over the NumPy reference cells), the worker
count and thread pool the recurrent layers split their batch over, and the thresholds
below which a batch stays unsplit (:data:`PARALLEL_WORK`) and BLAS runs one thread
(:data:`SMALL_WORK`).  Its thread pool is created on first use; a forked child creates its
own pool.  :func:`default` is the runtime every layer uses unless given another;
:func:`blas_single_thread` is the default runtime's BLAS limit.

The BLAS thread count is the process's, not a runtime's: one lock-protected,
reference-counted limit (:class:`_SharedBlasLimit`) serves every runtime and every thread.

Discovering the compiled time loops hands them a BLAS (NumPy's OpenBLAS, else SciPy's); that
is done once per process, whichever runtime asks first.

>>> rt = Runtime(recurrent="numpy", workers=1)
>>> rt.recurrent_path, rt.num_workers()
('numpy', 1)
>>> [(s.start, s.stop) for s in Runtime(workers=3, parallel_work=0.0).batch_blocks(7, 1.0)]
[(0, 2), (2, 4), (4, 7)]

May import: NumPy, threadpoolctl, SciPy's BLAS and :mod:`actlab._kernels`; nothing else of
actlab.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import _kernels

__all__ = ["Runtime", "default", "blas_single_thread", "RECURRENT_PATHS", "SMALL_WORK", "PARALLEL_WORK"]

RECURRENT_PATHS = ("loops", "ufuncs", "numpy")  # compiled time loops / cell ufuncs / NumPy cells
SMALL_WORK = 1.6e7     # multiply-adds per looped matmul below which BLAS runs single-threaded
PARALLEL_WORK = 1e6    # multiply-adds of one step's recurrent matmul per batch block, at least


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


@functools.cache
def _discover_loops() -> Any:
    """The extension module when it has the compiled time loops and a BLAS could be handed
    to it, else None.  Cached: the BLAS is the extension's (process-wide) setting."""
    uf = getattr(_kernels, "_ufuncs", None)
    if uf is None or not hasattr(uf, "lstm_forward"):
        return None
    try:
        uf.set_blas(*_blas_for_loops())
    except (ImportError, AttributeError, KeyError, TypeError, ValueError):  # pragma: no cover
        return None
    return uf


def _has_cell_ufuncs() -> bool:
    return _kernels.get("lstm_cell") is not None


def _blas_controllers() -> tuple[Any, Any]:
    """threadpoolctl's controllers of the BLAS libraries loaded now (OpenMP left alone): those
    with a process-wide thread count, and those whose count is per calling thread (OpenBLAS
    threaded with OpenMP, which threadpoolctl sets with ``omp_set_num_threads``)."""
    from threadpoolctl import ThreadpoolController

    _discover_loops()  # loads SciPy's BLAS (the compiled loops call it) before the controller looks
    blas = ThreadpoolController().select(user_api="blas")
    per_thread = [lib["filepath"] for lib in blas.info()
                  if lib["internal_api"] == "openblas" and lib.get("threading_layer") == "openmp"]
    shared = [lib["filepath"] for lib in blas.info() if lib["filepath"] not in per_thread]
    return blas.select(filepath=shared), blas.select(filepath=per_thread)


def _release_openblas_control() -> None:
    """Give up threadpoolctl's OpenBLAS "controlling thread" if this thread holds it.

    threadpoolctl (3.8 on) lets only the first thread that sets a pthreads OpenBLAS limit set
    it again, and ignores the others silently, until that thread clears it; the limit below
    is set by whichever thread comes first and restored by whichever leaves last, so each
    setting thread hands control back at once.  Older threadpoolctl has no such rule."""
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:  # pragma: no cover - threadpoolctl without an OpenBLAS controller
        return
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear()


class _SharedBlasLimit:
    """One BLAS thread while any holder is inside :meth:`hold`, in any thread.

    BLAS thread pools are process-wide (OpenBLAS's pthreads pool, the one NumPy's and
    SciPy's wheels ship), so a limit that each call sets and restores on its own races: a
    call entering while another is inside saves "1" and restores it last, leaving BLAS at
    one thread for the rest of the process, and a call leaving first lifts the limit under
    the others.  Here the first holder in saves the thread counts and sets one, later
    holders (nested or in other threads) only count, and the last one out restores what the
    first saw -- also when the block raises.  A library whose count is per thread is limited
    by each block on its own, in its own thread, as threadpoolctl's nested limits do.

    Parameters
    ----------
    make_controllers : callable, default :func:`_blas_controllers`
        Makes, on first use, the controllers of the process-wide and of the per-thread
        libraries: objects with threadpoolctl's ``limit(limits=1)``, whose result has
        ``restore_original_limits()`` and is a context manager.
    """

    def __init__(self, make_controllers: Callable[[], tuple[Any, Any]] = _blas_controllers) -> None:
        self._make_controllers = make_controllers
        self._controllers: tuple[Any, Any] | None = None
        self._lock = threading.Lock()
        self._depths: dict[int, int] = {}  # thread id -> blocks it is inside
        self._limiter: Any = None  # threadpoolctl's record of the counts the first holder saw

    @property
    def holders(self) -> int:
        """Blocks inside :meth:`hold` now, all threads together."""
        return sum(self._depths.values())

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Context manager: BLAS at one thread from entry until the last holder leaves."""
        per_thread = self._enter()
        try:
            with per_thread.limit(limits=1):
                yield
        finally:
            self._leave()

    def _enter(self) -> Any:
        """Counts this holder in (the first sets the limit); the per-thread controller."""
        with self._lock:
            if self._controllers is None:
                self._controllers = self._make_controllers()
            shared, per_thread = self._controllers
            if not self._depths:
                try:
                    self._limiter = shared.limit(limits=1)
                finally:
                    _release_openblas_control()
            me = threading.get_ident()  # not reached when setting the limit raised: nothing to undo
            self._depths[me] = self._depths.get(me, 0) + 1
        return per_thread

    def _leave(self) -> None:
        with self._lock:
            me = threading.get_ident()
            self._depths[me] -= 1
            if not self._depths[me]:
                del self._depths[me]
            if not self._depths:
                self._restore()

    def _restore(self) -> None:
        limiter, self._limiter = self._limiter, None
        try:
            limiter.restore_original_limits()
        finally:
            _release_openblas_control()

    def after_fork_in_child(self) -> None:
        """A forked child has only the forking thread: a fresh lock (the parent's may have
        been held), the holders of the other threads gone, and when none is left the counts
        they saved back in place."""
        self._lock = threading.Lock()
        me = threading.get_ident()
        others = any(t != me for t in self._depths)
        self._depths = {me: self._depths[me]} if me in self._depths else {}
        if others and not self._depths:
            self._restore()


_BLAS_LIMIT = _SharedBlasLimit()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_BLAS_LIMIT.after_fork_in_child)


class _WorkerPool:
    """A persistent thread pool, created on first use and again in a forked child (which
    inherits the executor object but not its threads)."""

    def __init__(self) -> None:
        self._executor: Any = None
        self._size = 0
        self._pid = -1

    def map(self, fn: Callable[[int], Any], n: int) -> list[Any]:
        """``[fn(0), ..., fn(n - 1)]``, fn(0) in the calling thread, the others in the pool."""
        if n == 1:
            return [fn(0)]
        if self._executor is None or self._size < n - 1 or self._pid != os.getpid():
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="actlab-rnn")
            self._size, self._pid = n - 1, os.getpid()
        futures = [self._executor.submit(fn, p) for p in range(1, n)]
        first = fn(0)
        return [first] + [f.result() for f in futures]


@dataclasses.dataclass(frozen=True)
class Runtime:
    """Where and how the recurrent layers run.

    Parameters
    ----------
    recurrent : {"loops", "ufuncs", "numpy"} or None, default None
        Implementation of the recurrent steps: ``"loops"`` the compiled time loops (one C
        loop per layer, GIL released), ``"ufuncs"`` Python loops over the compiled cell
        ufuncs, ``"numpy"`` Python loops over the NumPy reference cells.  None: the first of
        these the installation has, discovered on first use.  Asking for one it lacks is a
        :class:`ValueError`.
    workers : int or None, default None
        Threads a layer splits its batch over, at most; None follows
        :func:`actlab.get_num_threads` at each call.
    parallel_work : float, default :data:`PARALLEL_WORK`
        Multiply-adds of one step's recurrent matmul that every batch block has, at least.
    small_work : float, default :data:`SMALL_WORK`
        Multiply-adds of a looped matmul below which :meth:`blas_single_thread` limits BLAS
        to one thread.

    Notes
    -----
    A runtime is immutable; its thread pool is made on first use.
    Copies are the runtime itself; a pickled one is rebuilt from its four settings.
    """

    recurrent: str | None = None
    workers: int | None = None
    parallel_work: float = PARALLEL_WORK
    small_work: float = SMALL_WORK

    def __post_init__(self) -> None:
        if self.recurrent is not None and self.recurrent not in RECURRENT_PATHS:
            raise ValueError(f"Runtime: recurrent must be one of {RECURRENT_PATHS} or None, got {self.recurrent!r}")
        if self.recurrent == "loops" and _discover_loops() is None:
            raise ValueError("Runtime: recurrent='loops' needs the compiled time loops, which this "
                             "installation lacks (the C extension is not built, or no BLAS was found)")
        if self.recurrent == "ufuncs" and not _has_cell_ufuncs():
            raise ValueError("Runtime: recurrent='ufuncs' needs the compiled cell ufuncs, which this "
                             "installation lacks (the C extension is not built)")
        w = self.workers
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"Runtime: workers must be a positive int or None, got {w!r}")
        for name in ("parallel_work", "small_work"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0:
                raise ValueError(f"Runtime: {name} must be a number >= 0, got {v!r}")
        object.__setattr__(self, "_pool", _WorkerPool())
        object.__setattr__(self, "_memo", {})

    # an immutable setting with shared resources: copies are the object itself
    def __copy__(self) -> Runtime:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Runtime:
        return self

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (Runtime, (self.recurrent, self.workers, self.parallel_work, self.small_work))

    # -- the recurrent kernels ----------------------------------------------------------
    @property
    def recurrent_path(self) -> str:
        """The implementation in use: ``recurrent``, or the one discovered."""
        if self.recurrent is not None:
            return self.recurrent
        if _discover_loops() is not None:
            return "loops"
        return "ufuncs" if _has_cell_ufuncs() else "numpy"

    def compiled_loops(self) -> Any:
        """The extension module holding the compiled time loops (``lstm_forward`` & co.), or
        None when this runtime runs Python loops."""
        return _discover_loops() if self.recurrent_path == "loops" else None

    def cell_kernel(self, name: str) -> Any:
        """The compiled cell ufunc ``name`` (e.g. ``"lstm_cell"``), or None when this runtime
        runs the NumPy reference cells."""
        return None if self.recurrent_path == "numpy" else _kernels.get(name)

    def memo(self, key: Any, make: Callable[[Runtime], Any]) -> Any:
        """``make(self)``, made on the first call with ``key`` and kept: for what a layer
        derives from this runtime's settings alone (a cell kind's kernels), which would
        otherwise be looked up again at every step of a hand-unrolled loop."""
        try:
            return self._memo[key]  # type: ignore[attr-defined]
        except KeyError:
            value = self._memo[key] = make(self)  # type: ignore[attr-defined]
            return value

    # -- threads ------------------------------------------------------------------------
    def num_workers(self) -> int:
        """``workers``, or :func:`actlab.get_num_threads` when it is None."""
        return _kernels.get_num_threads() if self.workers is None else self.workers

    def batch_blocks(self, rows: int, work_per_row: float) -> list[slice]:
        """Row blocks of a batch to run in parallel threads: up to :meth:`num_workers`
        blocks, each with at least ``parallel_work`` multiply-adds (``work_per_row`` each)."""
        n = min(self.num_workers(), rows)
        while n > 1 and (rows // n) * work_per_row < self.parallel_work:
            n -= 1
        edges = [rows * k // n for k in range(n + 1)]
        return [slice(edges[k], edges[k + 1]) for k in range(n)]

    def map_parallel(self, fn: Callable[[int], Any], n: int) -> list[Any]:
        """``[fn(0), ..., fn(n - 1)]``, fn(0) in the calling thread and the others in this
        runtime's persistent thread pool.  The threads overlap where the GIL is released:
        the compiled time loops (nearly all of a layer), or the matmuls and cell kernels of
        the Python loops."""
        return self._pool.map(fn, n)  # type: ignore[attr-defined]

    def blas_single_thread(self, work: float) -> Any:
        """Context manager: one BLAS thread when ``work`` (the size of the matmuls that run
        in a Python loop) is below ``small_work``, else a no-op.

        Many small matmuls interleaved with NumPy work lose more to thread hand-offs than
        they gain from a second thread -- and on a busy machine the spinning BLAS threads
        make every step several times slower.

        The BLAS thread pool is the process's, so the limit is too: it is one
        reference-counted limit, shared by every runtime and thread.  The first block to
        enter saves the BLAS thread counts and sets one, the last to leave (in whatever
        thread, also on an exception) restores what the first saw.  While any such block
        runs, every BLAS call of the process -- a large-work call in another thread
        included -- runs one thread; when the last ends, the saved counts are back.
        Small-work calls therefore run one BLAS thread from start to end, whatever runs
        beside them, and give the bits a serial run gives.  (An OpenBLAS threaded with
        OpenMP has a count per thread: each block limits its own thread there.)  A limit that
        other code sets with threadpoolctl from another thread meanwhile is not
        coordinated with this one.
        """
        if work >= self.small_work:
            return contextlib.nullcontext()
        return _BLAS_LIMIT.hold()


_DEFAULT: Runtime | None = None


def default() -> Runtime:
    """The runtime of every layer not given another: ``Runtime()``, made on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Runtime()
    return _DEFAULT


def blas_single_thread(work: float) -> Any:
    """The default runtime's :meth:`Runtime.blas_single_thread`: one BLAS thread while the
    looped matmuls have fewer than :data:`SMALL_WORK` multiply-adds."""
    return default().blas_single_thread(work)
