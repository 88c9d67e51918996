"""Build of the C extension ``actlab._kernels._ufuncs`` (metadata lives in pyproject.toml).

The kernels are compiled three times on x86-64 (baseline, AVX2+FMA, AVX-512 via target
pragmas inside kern_avx2.c / kern_avx512.c) and dispatched at import time; elsewhere only
the portable baseline is built.  ``ACTLAB_SANITIZE=address`` adds AddressSanitizer
instrumentation (used by ``make sanitize``).
"""

import os
import sys

import numpy
from setuptools import Extension, setup

KDIR = "src/actlab/_kernels"
SOURCES = ["ufuncs.c", "kern_base.c", "kern_avx2.c", "kern_avx512.c"]
DEPENDS = ["kmath.h", "kfuncs.h", "kimpl.h", "klist.h", "ktables.h", "krnn.h", "kvec.h", "kxv.h"]

compile_args, link_args = [], []
if sys.platform != "win32":
    compile_args = [
        "-O3",
        "-std=gnu11",
        "-fopenmp-simd",  # honour `#pragma omp simd` without linking an OpenMP runtime
        "-ffp-contract=off",  # the double-double arithmetic relies on exact rounding steps
        "-fno-math-errno",
        "-fno-trapping-math",
        "-pthread",
    ]
    link_args = ["-pthread"]
    if os.environ.get("ACTLAB_SANITIZE") == "address":
        compile_args += ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"]
        link_args += ["-fsanitize=address"]

setup(
    ext_modules=[
        Extension(
            "actlab._kernels._ufuncs",
            sources=[f"{KDIR}/{s}" for s in SOURCES],
            depends=[f"{KDIR}/{h}" for h in DEPENDS],
            include_dirs=[numpy.get_include(), KDIR],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=compile_args,
            extra_link_args=link_args,
        )
    ]
)
