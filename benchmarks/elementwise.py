"""Elementwise kernels of actlab vs memcpy, NumPy formulas, SciPy and PyTorch (CPU).

Thin wrapper of :mod:`actlab._kernels.bench` (shared with ``actlab bench``):

    python benchmarks/elementwise.py            # 1K, 1M and 20M elements, float32 and float64
    python benchmarks/elementwise.py --quick    # 1K and 64K only
"""

from actlab._kernels.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
