"""Generate ``ktables.h``: constants and polynomial tables of the C kernels (do not edit the
header by hand).  Run from the repository root:  .venv/bin/python src/actlab/_kernels/gen_tables.py

* double-double constants (ln 2, 2 sqrt(2/pi), ...) from mpmath at 200 bits;
* ``erfcx(u / sqrt 2) * (K + u)`` on u in [0, UMAX] as a Chebyshev series in
  ``Y = (u - K) / (u + K)`` (relative error ~1e-19, far below a double's half ULP);
* the exp tables of the vector loops (kxv.h) and the polynomials of their softplus and
  float32 tanh (least squares in relative error, coefficients rounded one at a time);
* the Taylor series of f' around its roots, taken from :mod:`actlab._roots` (one source for
  both the NumPy reference and the kernels).

May import: mpmath, :mod:`actlab._roots` (a build-time tool, never imported by the package).
"""

from __future__ import annotations

import pathlib
import struct

import mpmath as mp

from actlab._roots import ROOT_C_LO, ROOT_SERIES

mp.mp.prec = 200
HERE = pathlib.Path(__file__).resolve().parent
K, N, UMAX = 6, 24, 40.0


def hx(v) -> str:
    return float(v).hex()


def f32(v) -> float:
    """v rounded to float32 (as a Python float)"""
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def dd(v) -> tuple[str, str]:
    hi = float(v)
    return hx(hi), hx(v - mp.mpf(hi))


def poly_table(g, count: int, step, h, deg: int, rnd, nodes: int, prec: int):
    """Rows c0h, c0l, c1..c_deg of the vector-loop polynomial tables (kxv.h): for j = 0 ..
    count-1, g(c + d) ~ c0h + c0l + c1 d + ... on |d| <= h around c = step j, the coefficients
    rounded by rnd (to float or double).  c0h + c0l = g(c) as a pair; c1, c2, ... by least
    squares in relative error at Chebyshev nodes, rounded one at a time from c1 up, each refit
    of the rest absorbing the rounding of the ones before.  Returns the rows and the largest
    relative error of the rounded polynomials (exact arithmetic, 401 points per interval)."""
    with mp.workprec(prec):
        h, step = mp.mpf(h), mp.mpf(step)
        rows = [[] for _ in range(deg + 2)]
        worst = mp.mpf(0)
        for j in range(count):
            c = step * j
            ds = [h * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / nodes) for k in range(nodes)]
            odd0 = c == 0 and g(mp.mpf(0)) == 0  # tanh at 0: d = |x| >= 0 only, g(0) = 0
            if odd0:
                ds = [abs(d) for d in ds]
            c0 = g(c)
            ys = [g(c + d) for d in ds]
            fixed: list = []
            while len(fixed) < deg:
                k0 = len(fixed) + 1
                A = mp.matrix([[d ** (k0 + k) / y for k in range(deg - k0 + 1)]
                               for d, y in zip(ds, ys)])
                b = mp.matrix([(y - c0 - sum(cf * d ** (i + 1) for i, cf in enumerate(fixed))) / y
                               for d, y in zip(ds, ys)])
                sol = mp.lu_solve(A.T * A, A.T * b)
                fixed.append(mp.mpf(rnd(sol[0])))
            c0h = rnd(c0)
            rows[0].append(c0h)
            rows[1].append(rnd(c0 - mp.mpf(c0h)))
            for i, cf in enumerate(fixed):
                rows[2 + i].append(float(cf))
            for k in range(401):
                d = h * (k + 1) / 401 if odd0 else -h + 2 * h * k / 400
                y = g(c + d)
                p = c0 + sum(cf * d ** (i + 1) for i, cf in enumerate(fixed))
                worst = max(worst, abs(p - y) / y)
    return rows, float(worst)


def exp_minimax(h, n: int):
    """c2..c_{n+1} of exp(r) ~ 1 + r + r^2 (c2 + c3 r + ...) on |r| <= h, minimax in relative
    error (Remez exchange with weight r^2 / exp(r); c1 = 1 is kept exact so that the kernels
    add r last), rounded to double.  Returns the coefficients and the largest relative error of
    the rounded polynomial (exact arithmetic, 20001 points)."""
    def g(r):
        return (mp.exp(r) - 1 - r) / r**2

    def err(c, r):
        return r**2 / mp.exp(r) * (g(r) - sum(ci * r**i for i, ci in enumerate(c)))

    xs = [-h * mp.cos(mp.pi * k / n) for k in range(n + 1)]
    grid = [-h + 2 * h * k / 4000 for k in range(4001) if k != 2000]
    for _ in range(20):
        A = mp.matrix([[x**2 / mp.exp(x) * x**i for i in range(n)] + [(-1)**k]
                       for k, x in enumerate(xs)])
        sol = mp.lu_solve(A, mp.matrix([x**2 / mp.exp(x) * g(x) for x in xs]))
        c, big_e = [sol[i] for i in range(n)], abs(sol[n])
        ev = [err(c, r) for r in grid]
        ext: list = []  # alternating local extrema of the error, the largest of each sign run
        for k, v in enumerate(ev):
            if abs(v) >= max(abs(ev[max(k - 1, 0)]), abs(ev[min(k + 1, len(ev) - 1)])):
                if ext and mp.sign(ext[-1][1]) == mp.sign(v):
                    if abs(v) > abs(ext[-1][1]):
                        ext[-1] = (grid[k], v)
                else:
                    ext.append((grid[k], v))
        while len(ext) > n + 1:
            ext.pop(0 if abs(ext[0][1]) < abs(ext[-1][1]) else -1)
        if max(abs(v) for v in ev) < big_e * (1 + mp.mpf(10)**-6) or len(ext) != n + 1:
            break
        xs = [p[0] for p in ext]
    cr = [mp.mpf(float(ci)) for ci in c]
    worst = max(abs(err(cr, -h + 2 * h * k / 20000)) for k in range(20001) if k != 10000)
    return [float(ci) for ci in cr], float(worst)


def erfcx_cheb():
    a, b = mp.mpf(-1), (mp.mpf(UMAX) - K) / (mp.mpf(UMAX) + K)
    m = N + 1
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / m) for k in range(m)]

    def f(t):
        y = (b - a) / 2 * t + (a + b) / 2
        u = K * (1 + y) / (1 - y)
        return mp.erfc(u / mp.sqrt(2)) * mp.exp(u * u / 2) * (K + u)

    fv = [f(t) for t in nodes]
    c = [2 * sum(fv[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / m) for k in range(m)) / m
         for j in range(m)]
    c[0] /= 2
    # t = Y * TA + TB
    return c, 2 / (b - a), -(a + b) / (b - a)


def _constants(ln2) -> list[str]:
    """Double-double and plain constants of the element functions."""
    lines = []
    ln2hi = mp.mpf(mp.floor(ln2 * 2**42)) / 2**42  # 42 significant bits: k*LN2HI exact for |k| < 2^11
    consts = {
        "K_LN2HI": hx(ln2hi), "K_LN2LO": hx(ln2 - ln2hi), "K_INVLN2": hx(1 / ln2),
        "K_LN2_H": dd(ln2)[0], "K_LN2_L": dd(ln2)[1], "K_SQRT2": hx(mp.sqrt(2)),
        "K_GT_C1_H": dd(2 * mp.sqrt(2 / mp.pi))[0], "K_GT_C1_L": dd(2 * mp.sqrt(2 / mp.pi))[1],
        "K_GT_C3_H": dd(2 * mp.sqrt(2 / mp.pi) * mp.mpf("0.044715"))[0],
        "K_GT_C3_L": dd(2 * mp.sqrt(2 / mp.pi) * mp.mpf("0.044715"))[1],
        "K_INV_SQRT_2PI": hx(1 / mp.sqrt(2 * mp.pi)), "K_INV_SQRT_2PI_L": dd(1 / mp.sqrt(2 * mp.pi))[1],
        "K_SELU_SCALE": hx(mp.mpf("1.0507009873554804934193349852946")),
        "K_SELU_ALPHA": hx(mp.mpf("1.6732632423543772848170429916717")),
        "K_SELU_SA_H": dd(mp.mpf("1.0507009873554804934193349852946") * mp.mpf("1.6732632423543772848170429916717"))[0],
        "K_SELU_SA_L": dd(mp.mpf("1.0507009873554804934193349852946") * mp.mpf("1.6732632423543772848170429916717"))[1],
        "K_ERFCX_K": hx(K), "K_ERFCX_UMAX": hx(UMAX),
    }
    for k, v in consts.items():
        lines.append(f"#define {k} {v}")
    return lines


def _exp_tables(ln2) -> list[str]:
    """The 64-entry exp table of kmath.h and the 16-entry ones of the AVX-512 loops."""
    # table-driven exp (kmath.h k_exp_tab): ln2/64 = K_EXP_L1 + K_EXP_L2 with K_EXP_L1 of 36 significant bits, so that m * K_EXP_L1
    # is exact for |m| < 2^17
    l64 = ln2 / 64
    l1 = mp.mpf(mp.floor(l64 * 2**(36 + 6))) / 2**(36 + 6)
    lines = ["", f"#define K_EXP_INVL {hx(1 / l64)}", f"#define K_EXP_L1 {hx(l1)}",
              f"#define K_EXP_L2 {hx(l64 - l1)}"]
    # 2^(j/64) = Th + Tl packed into one 64-bit word per entry (one lookup instead of two): the 52
    # mantissa bits of Th (Th in [1, 2)) and, in the top 12 bits, q + 2048 with
    # q = round(Tl 2^64) in [-2047, 2047] (|Tl| < 2^-53); Tl is then known to 2^-65.
    words = []
    for j in range(64):
        v = mp.mpf(2) ** (mp.mpf(j) / 64)
        th = float(v)
        q = int(mp.nint((v - mp.mpf(th)) * mp.mpf(2) ** 64))
        assert -2047 <= q <= 2047 and 1.0 <= th < 2.0
        mant = int.from_bytes(struct.pack("<d", th), "little") & ((1 << 52) - 1)
        words.append(f"0x{((q + 2048) << 52) | mant:016x}u")
    lines.append("static const uint64_t k_exp_tp[64] = {" + ", ".join(words) + "};")
    # 16-entry exp tables of the vector loops (kxv.h; looked up with vpermps / vpermt2pd,
    # not gathers): 2^(j/16) = Th + Tl and ln2/16 = L1 + L2, in double (L1 of 38 significant
    # bits: m * L1 exact for |m| < 2^15) and in float (L1 of 12 bits: exact for |m| < 2^12).
    l16 = ln2 / 16
    l1d = mp.mpf(mp.floor(l16 * 2**(38 + 4))) / 2**(38 + 4)
    l1f = mp.mpf(mp.floor(l16 * 2**(12 + 4))) / 2**(12 + 4)
    assert float(l1f) == l1f and float(l1d) == l1d
    t16 = [mp.mpf(2) ** (mp.mpf(j) / 16) for j in range(16)]
    thf = [f32(v) for v in t16]
    tlf = [f32(v - mp.mpf(h)) for v, h in zip(t16, thf)]
    l2f = f32(l16 - l1f)
    lines += ["", f"#define K_X16_INVL {hx(1 / l16)}", f"#define K_X16_L1 {hx(l1d)}",
              f"#define K_X16_L2 {hx(l16 - l1d)}",
              "static const double k_x16_th[16] = {" + ", ".join(hx(v) for v in t16) + "};",
              "static const double k_x16_tl[16] = {"
              + ", ".join(hx(v - mp.mpf(float(v))) for v in t16) + "};",
              "/* the low parts of 2^(j/16) relative to the high parts: (2^(j/16) - th) / th */",
              "static const double k_x16_tr[16] = {"
              + ", ".join(hx((v - mp.mpf(float(v))) / mp.mpf(float(v))) for v in t16) + "};",
              f"#define K_X16F_INVL {hx(f32(1 / l16))}f",
              f"#define K_X16F_L1 {hx(l1f)}f", f"#define K_X16F_L2 {hx(l2f)}f",
              "static const float k_x16f_th[16] = {" + ", ".join(hx(v) + "f" for v in thf) + "};",
              "static const float k_x16f_tl[16] = {" + ", ".join(hx(v) + "f" for v in tlf) + "};"]
    return lines


def _polynomial_tables(ln2) -> list[str]:
    """The exp polynomial of the float64 loops and the softplus / tanh tables of kxv.h."""
    l16 = ln2 / 16
    # degree-6 exp polynomial of the float64 sigmoid / silu loops: |r| <= ln2/32 (plus the
    # rounding of the reduction), 1 + r + r^2 (c2 + ... + c6 r^4)
    ce, ce_err = exp_minimax(l16 / 2 * (1 + mp.mpf(2)**-30), 5)
    assert ce_err < 2.0**-56, ce_err
    lines = [f"/* relative error of the rounded polynomial {ce_err:.3g} */",
              "static const double k_x16_p6[5] = {" + ", ".join(hx(v) for v in ce) + "};"]
    # polynomial tables of the vector loops (kxv.h) in a = |x| = c_j + d: softplus'
    # log1p(exp(-a)), float32: 32 of degree 5 on c_j = j/4, |d| <= 1/8; float64: 16 of degree
    # 12 on c_j = j/2, |d| <= 1/4; float32 tanh: 32 of degree 6 on c_j = 5j/16, |d| <= 0.1575
    # (5/32 plus a margin: the index is round(3.2f a), 3.2f rounded up)
    def sp(a):
        return mp.log1p(mp.exp(-a))

    for name, g, ctype, count, step, h, deg, rnd, bound, prec in [
            ("k_xsp_f", sp, "float", 32, 0.25, mp.mpf(1) / 8, 5, f32, 2.0**-29, 120),
            ("k_xsp_d", sp, "double", 16, 0.5, mp.mpf(1) / 4, 12, float, 2.0**-58, 200),
            ("k_xth_f", mp.tanh, "float", 32, 0.3125, mp.mpf("0.1575"), 6, f32, 2.0**-28, 120)]:
        sp_rows, sp_err = poly_table(g, count, step, h, deg, rnd, nodes=4 * deg + 60, prec=prec)
        assert sp_err < bound, (name, sp_err)
        suf = "f" if ctype == "float" else ""
        lines.append(f"/* rows c0h, c0l, c1..c{deg}; relative error of the polynomials {sp_err:.2g} */")
        lines.append(f"static const {ctype} {name}[{deg + 2}][{count}] = {{")
        lines += ["    {" + ", ".join(hx(v) + suf for v in row) + "}," for row in sp_rows]
        lines.append("};")
    return lines


def _erfcx_table() -> list[str]:
    """The Chebyshev series of erfcx (gelu's Phi) with its double-double head."""
    c, ta, tb = erfcx_cheb()
    lines = ["", f"#define K_ERFCX_TA {dd(ta)[0]}", f"#define K_ERFCX_TA_L {dd(ta)[1]}",
              f"#define K_ERFCX_TB {dd(tb)[0]}", f"#define K_ERFCX_TB_L {dd(tb)[1]}",
              f"#define K_ERFCX_N {len(c)}",
              "static const double k_erfcx_c[K_ERFCX_N] = {"]
    lines += [f"    {hx(v)}," for v in c]
    lines.append("};")
    lines.append("/* low parts of the leading coefficients c0..c3 (double-double) */")
    lines.append("static const double k_erfcx_cl[4] = {" + ", ".join(dd(v)[1] for v in c[:4]) + "};")
    lines.append("/* derivative d/dt sum c_k T_k = sum k c_k U_{k-1}: k c_k, k = 1..12 (for the")
    lines.append(" * first-order correction of the rounding of t) */")
    lines.append("#define K_ERFCX_ND 12")
    lines.append("static const double k_erfcx_dc[K_ERFCX_ND] = {" + ", ".join(hx(k * c[k]) for k in range(1, 13)) + "};")
    return lines


def _root_tables() -> list[str]:
    """The Taylor series of f' around its roots (from :mod:`actlab._roots`)."""
    lines = []
    for (name, order), (hi, lo, radius, coeffs) in sorted(ROOT_SERIES.items()):
        tag = f"K_ROOT_{name.upper()}_{order}"
        lines += ["", f"#define {tag}_HI {hx(hi)}", f"#define {tag}_LO {hx(lo)}",
                  f"#define {tag}_R {hx(radius)}", f"#define {tag}_N {len(coeffs)}",
                  f"#define {tag}_C1L {hx(ROOT_C_LO[name, order][0])}",
                  f"#define {tag}_C2L {hx(ROOT_C_LO[name, order][1])}",
                  f"static const double k_root_{name}_{order}[{tag}_N] = {{"]
        lines += [f"    {hx(v)}," for v in coeffs]
        lines.append("};")
    return lines


def main() -> None:
    ln2 = mp.log(2)
    lines = ["/* generated by gen_tables.py -- do not edit */", "#ifndef ACTLAB_KTABLES_H",
             "#define ACTLAB_KTABLES_H", "", "#include <stdint.h>", ""]
    lines += _constants(ln2) + _exp_tables(ln2) + _polynomial_tables(ln2)
    lines += _erfcx_table() + _root_tables()
    lines += ["", "#endif", ""]
    (HERE / "ktables.h").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
