#!/usr/bin/env python3
"""Coefficients of single-precision kernels: GELU's in crates/actfn-math/src/vmath/f32.rs and
Tanhshrink's in crates/actfn/src/family/logistic.rs.

GELU x·Φ(x) and its derivative Φ(x) + x·φ(x) run in f32 lanes from three approximations
on a = |x| in [0, 15] (beyond 15 every result rounds as the limit does):

  EXP_GAUSS   e^r on |r| <= 0.362, degree 6 (the reduced exponential of e^{-a²/2});
  MILLS_P/Q   P/Q ≈ √(2π)/m(a) − S·a, m(a) = Φ(−a)/φ(a) the Mills ratio and S = √(2π)
              rounded to f32: the kernel forms a·m(a)/√(2π) = a·Q/(S·a·Q + P), so errors are
              weighted against the denominator S·a + P/Q;
  GAP_P/Q     P/Q ≈ G(a) − C, G(a) = (a − m(a))/(√(2π)·(a − a₀)) and C = 1/√(2π) rounded to
              f32, a₀ the zero of a − m(a) (GELU′(−a₀) = 0): errors weighted against G.

Tanhshrink x − tanh x runs, for |x| < 2, as x³·P(u)/Q(u), u = x²:

  TANHSHRINK_P/Q  (2, 2) rational ≈ (x − tanh x)/x³ on u in [0, 4] (relative), with
              P(0)/Q(0) = 1.25/3.75: scaled by 5/4 from 1/3 so that both start in the upper
              half of their binades, where a rounding weighs least.

Each is a linearised minimax fit (iteratively reweighted least squares on Chebyshev nodes,
mpmath references). The coefficients are rounded to f32 one at a time, lowest degree first,
refitting the rest after each rounding, so the rounding errors are compensated. The
constant terms are fixed first: P(0)/Q(0) of the Mills ratio is exactly 2/1; for GAP the
pair (p0, q0) is the first pair of f32 numbers in [1, 2) whose ratio matches G(0) − C to
2^-38 (rounding either alone would cost 2^-25 at a = 0).

Run: python3 scripts/fit_f32_kernels.py (needs numpy and mpmath; about 4 s) and paste the
printed constants into those files. Deterministic.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
A_MAX = 15.0
N_NODES = 2000


def f32(v):
    return float(np.float32(float(v)))


def mills(a):
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2) * mp.sqrt(2 * mp.pi)


A0 = mp.findroot(lambda a: mills(a) - a, 0.75)
SQRT_2PI_F32 = f32(mp.sqrt(2 * mp.pi))
FRAC_1_SQRT_2PI_F32 = f32(1 / mp.sqrt(2 * mp.pi))


def chebyshev_nodes(lo, hi, n):
    t = (np.cos(np.pi * (np.arange(n) + 0.5) / n) + 1) / 2
    return np.concatenate([lo + (hi - lo) * t, [lo, hi]])


def ratio_pair(v):
    """(p0, q0): f32 numbers with q0 in [1, 2) and p0/q0 = v within 2^-38."""
    for j in range(2**23, 2**24):
        i = int(mp.nint(v * j))
        if abs(mp.mpf(i) / j - v) / abs(v) < mp.mpf(2) ** -38:
            return i / 2**23, j / 2**23
    raise ValueError("no pair")


def fit_rational(xs, ys, scale, m, k, p0, q0, iters=120):
    """P/Q ≈ ys with deg P = m, deg Q = k, P(0) = p0, Q(0) = q0, minimising max |P/Q − y|/scale.

    Returns (max error, p, q) with every coefficient an f32."""
    n = m + k
    fixed = {}
    while True:
        free = [i for i in range(n) if i not in fixed]
        q_prev = np.ones_like(xs)
        w = np.ones_like(xs)
        best = None
        for _ in range(iters if free else 1):
            ap = np.vander(xs, m + 1, increasing=True)[:, 1:]
            aq = -ys[:, None] * np.vander(xs, k + 1, increasing=True)[:, 1:]
            mat = np.hstack([ap, aq])
            rhs = ys * q0 - p0
            for i, v in fixed.items():
                rhs = rhs - mat[:, i] * v
            wt = w / (scale * q_prev)
            full = np.zeros(n)
            for i, v in fixed.items():
                full[i] = v
            if free:
                c, *_ = np.linalg.lstsq(mat[:, free] * wt[:, None], rhs * wt, rcond=None)
                for i, v in zip(free, c):
                    full[i] = v
            p = np.concatenate([[p0], full[:m]])
            q = np.concatenate([[q0], full[m:]])
            qv = np.polyval(q[::-1], xs)
            err = (np.polyval(p[::-1], xs) / qv - ys) / scale
            e = np.abs(err).max()
            if best is None or e < best[0]:
                best = (e, p.copy(), q.copy(), full.copy())
            q_prev = qv
            w = w * (1e-3 + np.abs(err) / e) ** 0.5
            w /= w.max()
        if not free:
            return best[:3]
        # Round the lowest-degree free coefficient next (P's and Q's alternately).
        i = min(free, key=lambda i: (i if i < m else i - m, i >= m))
        fixed[i] = f32(best[3][i])


def fit_exp():
    """e^r on |r| <= 0.362, degree 6, c0 = c1 = 1, relative minimax with f32 coefficients."""
    r_max, deg = 0.362, 6
    xs = np.cos(np.pi * (np.arange(N_NODES) + 0.5) / N_NODES) * r_max
    ys = np.array([float(mp.exp(x)) for x in xs])
    mat = np.vander(xs, deg + 1, increasing=True)
    fixed = {0: 1.0, 1: 1.0}
    while len(fixed) <= deg:
        free = [i for i in range(deg + 1) if i not in fixed]
        w = np.ones_like(xs)
        best = None
        for _ in range(100):
            rhs = ys - sum(mat[:, i] * v for i, v in fixed.items())
            c, *_ = np.linalg.lstsq(mat[:, free] * (w / ys)[:, None], rhs * w / ys, rcond=None)
            full = np.zeros(deg + 1)
            for i, v in fixed.items():
                full[i] = v
            for i, v in zip(free, c):
                full[i] = v
            err = (mat @ full - ys) / ys
            e = np.abs(err).max()
            if best is None or e < best[0]:
                best = (e, full.copy())
            w = w * (1e-3 + np.abs(err) / e) ** 0.5
            w /= w.max()
        fixed[free[0]] = f32(best[1][free[0]])
    coef = [fixed[i] for i in range(deg + 1)]
    return np.abs((mat @ np.array(coef) - ys) / ys).max(), coef


def rust_array(name, values):
    body = "".join(f"    {float(v)!r},\n" for v in values)
    return f"const {name}: [f64; {len(values)}] = [\n{body}];"


def main():
    e, coef = fit_exp()
    print(f"// EXP_GAUSS: relative error 2^{np.log2(e):.2f}")
    print(rust_array("EXP_GAUSS", coef))

    xs = chebyshev_nodes(0.0, A_MAX, N_NODES)
    ys = np.array([float(mp.sqrt(2 * mp.pi) / mills(x) - SQRT_2PI_F32 * x) for x in xs])
    e, p, q = fit_rational(xs, ys, SQRT_2PI_F32 * xs + ys, 4, 5, 2.0, 1.0)
    print(f"// SQRT_2PI_F32 = {SQRT_2PI_F32!r}; MILLS: error 2^{np.log2(e):.2f} of the denominator")
    print(rust_array("MILLS_P", p))
    print(rust_array("MILLS_Q", q))

    xs = xs[np.abs(xs - float(A0)) > 1e-6]
    c = 1 / mp.sqrt(2 * mp.pi)
    g = np.array([float(c * (x - mills(x)) / (x - A0)) for x in xs])
    p0, q0 = ratio_pair(c * mills(0) / A0 - FRAC_1_SQRT_2PI_F32)
    e, p, q = fit_rational(xs, g - FRAC_1_SQRT_2PI_F32, np.abs(g), 4, 5, p0, q0)
    a0_hi = f32(A0)
    print(f"// FRAC_1_SQRT_2PI_F32 = {FRAC_1_SQRT_2PI_F32!r}; GAP: relative error 2^{np.log2(e):.2f} of G")
    print(f"const GAP_ROOT: (f64, f64) = ({a0_hi!r}, {float(A0 - mp.mpf(a0_hi))!r});")
    print(rust_array("GAP_P", p))
    print(rust_array("GAP_Q", q))

    def shrink_ratio(u):
        u = mp.mpf(u)
        if u == 0:
            return mp.mpf(1) / 3
        x = mp.sqrt(u)
        return (x - mp.tanh(x)) / x**3

    xs = chebyshev_nodes(0.0, 4.0, N_NODES)
    ys = np.array([float(shrink_ratio(u)) for u in xs])
    e, p, q = fit_rational(xs, ys, ys, 2, 2, 1.25, 3.75)
    print(f"// TANHSHRINK: relative error 2^{np.log2(e):.2f}")
    print(rust_array("TANHSHRINK_P", p))
    print(rust_array("TANHSHRINK_Q", q))


if __name__ == "__main__":
    main()
