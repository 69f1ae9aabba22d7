#!/usr/bin/env python3
"""The table of single-precision tanh for AVX-512 lanes (crates/actfn-math/src/vmath/f32.rs,
TANH_TABLE): 32 polynomials of degree 6 on uniform intervals of |x|, each looked up per lane
by a two-register permute (vpermt2ps).

Interval k is |x| in [(k − ½)·H, (k + ½)·H), H = 1/3.375, the index k = round(|x|·3.375)
(|x| first clamped to 9.2). Interval 0 (|x| < 0.148) is tanh's expansion about 0 with
c0 = 0 and c1 = 1 exactly, so tiny arguments keep their relative accuracy. Intervals 1 to
30 expand about an f32 centre c_k near k·H, chosen (Gal's accurate tables) so that tanh c_k
is as near an f32 as the 3 % of H around k·H allow: within 1/512 ULP up to k = 24, 0.05 to
0.35 ULP above, where tanh is too flat for its value to move. The argument t = |x| − c_k is
exact (Sterbenz). Interval 31 is the constant 1: every |x| ≥ 9.037 there, and tanh rounds
to 1 in f32 from 9.0109.

Coefficients are fitted by least squares relative to tanh on 300 Chebyshev nodes of each
interval (widened by 1 % of H on each side) and rounded to f32 one at a time, lowest degree
first, refitting the rest after each rounding. The script then evaluates the kernel as the
lanes do (f32 Horner with fused multiply-adds) on every 7th f32 in [0, 9.2] and prints the
largest error in ULPs.

Run: python3 scripts/fit_tanh_table.py (needs numpy and mpmath; about 10 s) and paste the
printed table into f32.rs. Deterministic.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
INV_H = 3.375
H = 1 / INV_H
N = 32
DEGREE = 6
CLAMP = 9.2


def f32(v):
    return float(np.float32(float(v)))


def gal_center(k):
    """The f32 within 3 % of H of k·H whose tanh is nearest an f32 (the first one, from
    k·H outwards, within 1/512 ULP)."""
    c0 = np.float32(k * H)
    b0 = int(np.array([c0], dtype=np.float32).view(np.uint32)[0])
    span = int(0.03 * H / float(np.spacing(c0)))
    js = np.arange(-span, span + 1)
    js = js[np.argsort(np.abs(js), kind="stable")]
    cs = (b0 + js).astype(np.uint32).view(np.float32).astype(np.float64)
    v = np.tanh(cs)
    err = np.abs(v - v.astype(np.float32)) / np.spacing(np.minimum(v, 0.99999).astype(np.float32))
    good = np.nonzero(err < 1 / 512)[0]
    i = good[0] if len(good) else int(np.argmin(err))
    return float(cs[i])


def chebyshev_nodes(lo, hi, n):
    t = (np.cos(np.pi * (np.arange(n) + 0.5) / n) + 1) / 2
    return np.concatenate([lo + (hi - lo) * t, [lo, hi]])


def fit(k, center, fixed):
    margin = 0.01 * H
    xs = chebyshev_nodes(max(0.0, (k - 0.5) * H - margin), (k + 0.5) * H + margin, 300)
    ts = xs - center
    ys = np.array([float(mp.tanh(mp.mpf(x))) for x in xs])
    weight = 1 / np.maximum(ys, 1e-30)
    coefs = list(fixed)
    for degree in range(len(fixed), DEGREE + 1):
        resid = ys - sum(c * ts**i for i, c in enumerate(coefs))
        a = np.stack([ts**i for i in range(degree, DEGREE + 1)], 1) * weight[:, None]
        sol, *_ = np.linalg.lstsq(a, resid * weight, rcond=None)
        coefs.append(f32(sol[0]))
    return coefs


def table():
    centers, polys = [0.0], [fit(0, 0.0, [0.0, 1.0])]
    for k in range(1, N - 1):
        c = gal_center(k)
        centers.append(c)
        polys.append(fit(k, c, [f32(mp.tanh(mp.mpf(c)))]))
    centers.append(0.0)
    polys.append([1.0] + [0.0] * DEGREE)
    return np.array(centers, dtype=np.float32), np.array(polys, dtype=np.float32)


def max_error(centers, polys):
    x = np.arange(0, 0x41140000, 7, dtype=np.uint32).view(np.float32)
    a = np.minimum(x, np.float32(CLAMP))
    k = np.rint(a.astype(np.float64) * INV_H).astype(np.int64)
    t = a - centers[k]
    p = polys[k, DEGREE]
    for i in range(DEGREE - 1, -1, -1):
        # f32 products are exact in f64: one rounding to f32, as a fused multiply-add.
        p = (p.astype(np.float64) * t + polys[k, i]).astype(np.float32)
    ref = np.tanh(x.astype(np.float64))
    ulp = np.spacing(ref.astype(np.float32)).astype(np.float64)
    err = np.abs(p - ref) / np.where(ref > 0, ulp, 1.0)
    i = int(np.argmax(err))
    return err[i], x[i]


def main():
    centers, polys = table()
    err, at = max_error(centers, polys)
    print(f"// max {err:.3f} ULP (at x = {at:.7g}) on every 7th f32 in [0, {CLAMP}]")
    rows = [centers] + [polys[:, i] for i in range(DEGREE + 1)]
    print(f"const TANH_TABLE: [[f32; {N}]; {DEGREE + 2}] = [")
    for row in rows:
        print("    [")
        for j in range(0, N, 4):
            print("        " + " ".join(f"{np.float32(v)!r}".replace("np.float32(", "").replace(")", "") + "," for v in row[j:j + 4]))
        print("    ],")
    print("];")


if __name__ == "__main__":
    main()
