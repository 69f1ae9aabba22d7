#!/usr/bin/env python3
"""Golden-value generator for the `actfn` crate.

What it does
------------
For every activation case (element-wise, PReLU per channel, softmax family, GLU family) and for
both dtypes (float32, float64) it builds a deterministic set of inputs (an edge set, the kinks /
thresholds of the case with their float neighbours, roots of the derivative, zeros of the sine,
and ~150 seeded random values), then records

* ``torch_*``: what PyTorch computes on CPU in that dtype (forward, autograd backward, PReLU weight
  gradient), and
* ``ref_*``: the mathematically exact values (mpmath, >= 320 bits, more for tiny or huge
  arguments) rounded to the nearest binary64, following the semantics documented in
  ``/work/shared/reference/pytorch-semantics.md`` and in the ``actfn`` brief (PyTorch's kink
  choices; NaN in -> NaN out, except the gradient of a constant derivative (identity,
  linear: c*g; step: 0, as PyTorch); mathematical limits at +-inf).

It writes

* ``crates/actfn/tests/fixtures/golden_f32.json`` and ``golden_f64.json`` (one case per line; every
  number is the binary64 bit pattern as 16 lowercase hex digits, NaN always ``7ff8000000000000``),
* ``crates/actfn/tests/fixtures/torch_accuracy.json`` (PyTorch's max error in ULPs of the case's
  dtype against the exact value, per case/dtype/direction, plus the count of non-finite mismatches),

and prints a markdown table of PyTorch's accuracy. Before writing anything it self-checks the
reference: every exact value is recomputed at a higher precision (must round identically), and
PyTorch must agree with the reference within a few ULPs on ordinary inputs (|x| in [0.1, 5]) and
exactly at the kinks, otherwise the script exits with an error.

Conventions worth knowing when reading the fixtures
---------------------------------------------------
* Exact zeros are encoded as +0.0, except the forward value at a signed-zero input, which takes
  the sign of the selected branch evaluated just next to zero on that side (identity(-0) = -0,
  leaky_relu(-0) = -0, relu(-0) = +0, gelu(-0) = -0, ...). Non-zero exact values that round to
  zero keep their sign (-0.0 for a tiny negative value).
* PReLU ``ref_grad_weight`` is NaN when any input of the reduced set is NaN (PyTorch agrees),
  +-inf when an x = -inf contributes (NaN if contributions of both signs are infinite). The 1-D
  ``prelu(weight=0.25)`` case contains NaN and -inf, so its weight gradient is NaN by design;
  the per-channel cases keep channel 2 finite.
* ``torch_backward`` is null for ``step`` (torch.heaviside has no autograd formula; its forward
  is the torch golden) and every ``torch_*`` is null for ``squareplus`` (no torch op).
* Accuracy (``torch_accuracy.json``): ``max_ulp`` = max |torch - exact| / ulp_T(exact) over the
  elements where both are finite (null when there are none); an overflow that PyTorch rounds
  correctly to +-inf in its dtype counts as exact. ``nonfinite_mismatches`` counts the elements
  where the exact value or PyTorch's is non-finite and they differ (NaN vs number, inf sign),
  i.e. also PyTorch returning NaN/inf where the exact value is finite (gelu(-inf) = NaN, ...)
  and PyTorch returning a number for a NaN input (relu' at NaN = g, ...). ``worst_x`` is the
  input at the worst element (for GLU-family forward: the gate input b; null for grad_weight).

How to run
----------
From the repository root::

    /work/venv-torch/bin/python scripts/gen_fixtures.py

Needs torch, numpy and mpmath. Deterministic (fixed seeds, one torch thread); about 20 s on 2
cores. Exits non-zero (writing nothing) if a self-check fails.
"""

import json
import math
import os
import struct
import sys
import time
import zlib

import mpmath
import numpy as np
import torch
import torch.nn.functional as F
from mpmath import mp, mpf

torch.set_num_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "crates", "actfn", "tests", "fixtures")

NAN = float("nan")
INF = float("inf")

BASE_PREC = 320          # bits for ordinary arguments
CHECK_EXTRA_PREC = 192   # the self-check recomputes everything with this many more bits
DIM_PREC = 1000          # bits for the dim-wise (softmax / glu) references

# ----------------------------------------------------------------------------------------------
# dtype helpers
# ----------------------------------------------------------------------------------------------

DT = {
    "f32": dict(np=np.float32, torch=torch.float32, p=24, emin=-126, emax=127),
    "f64": dict(np=np.float64, torch=torch.float64, p=53, emin=-1022, emax=1023),
}


def to_dt(v, dt):
    """Round a Python float to the dtype and widen back (exact)."""
    if dt == "f32":
        with np.errstate(over="ignore"):
            return float(np.float32(v))
    return float(v)


def next_up(v, dt):
    t = DT[dt]["np"]
    return float(np.nextafter(t(v), t(INF)))


def next_down(v, dt):
    t = DT[dt]["np"]
    return float(np.nextafter(t(v), t(-INF)))


def mul_dt(a, b, dt):
    """a*b as the dtype computes it (IEEE, round to nearest)."""
    t = DT[dt]["np"]
    with np.errstate(over="ignore", invalid="ignore"):
        return float(t(a) * t(b))


def hexf(v):
    v = float(v)
    if math.isnan(v):
        return "7ff8000000000000"
    return struct.pack(">d", v).hex()


def hexl(vs):
    return None if vs is None else [hexf(v) for v in vs]


def round_exact(v, p=53, emin=-1022, emax=1023):
    """Correctly round an exact value (mpf, or a float for specials) to the binary format
    (p, emin, emax), round-half-even, with gradual underflow and overflow to inf.
    Returns a Python float. An exact zero becomes +0.0."""
    if isinstance(v, float):
        return v
    if mp.isnan(v):
        return NAN
    if mp.isinf(v):
        return INF if v > 0 else -INF
    if v == 0:
        return 0.0
    sign, man, exp, bc = v._mpf_
    e = exp + bc - 1
    q = max(e, emin) - p + 1
    sh = exp - q
    if sh >= 0:
        m = man << sh
    else:
        s = -sh
        if s > bc + 2:
            m = 0  # far below half a quantum
        else:
            m = man >> s
            rem = man - (m << s)
            half = 1 << (s - 1)
            if rem > half or (rem == half and (m & 1)):
                m += 1
    if m == 0:
        return -0.0 if sign else 0.0
    if m.bit_length() > emax + 1 - q:
        return -INF if sign else INF
    r = math.ldexp(m, q)
    return -r if sign else r


def rnd64(v):
    return round_exact(v)


def rnd_dt(v, dt):
    d = DT[dt]
    return round_exact(v, d["p"], d["emin"], d["emax"])


def is_finite_exact(v):
    if isinstance(v, float):
        return math.isfinite(v)
    return not (mp.isnan(v) or mp.isinf(v))


def ulp_err(t, r, dt):
    """|t - r| / ulp_T(r) with r the exact value (finite mpf or float)."""
    d = DT[dt]
    p, emin = d["p"], d["emin"]
    with mp.workprec(80):
        rr = mpf(r) if isinstance(r, float) else r
        if rr == 0:
            e = emin
        else:
            _, man, exp, bc = rr._mpf_
            e = max(exp + bc - 1, emin)
        diff = abs(mpf(t) - rr)
        val = mp.ldexp(diff, -(e - p + 1))
        f = float(val)
    return f


def prec_for(x):
    """Working precision: BASE_PREC, plus twice the binary exponent for tiny |x| (x - tanh x and
    friends cancel ~2*|log2 x| bits), plus three times it for huge |x| (so that x^3 in the
    GELU-tanh argument, x^2/2 in the normal pdf, w0*x in the sine are carried exactly into the
    argument reduction of exp / sin)."""
    if x == 0 or not math.isfinite(x):
        return BASE_PREC
    e = math.frexp(x)[1]
    return BASE_PREC + (2 * -e if e < 0 else 3 * e)


# ----------------------------------------------------------------------------------------------
# exact building blocks (all take/return mpf at the current mp.prec)
# ----------------------------------------------------------------------------------------------

def sig(z):
    if z >= 0:
        return 1 / (1 + mp.exp(-z))
    ez = mp.exp(z)
    return ez / (1 + ez)


def Phi(x):
    """Standard normal CDF = erfc(-x/sqrt 2)/2. For |x| >= 14000 use the asymptotic (Mills
    ratio) series with the exact x^2: mpmath's erfc overflows internally for huge arguments,
    and exp(-z^2) of a rounded z = x/sqrt 2 would lose the mantissa for |x| ~ 1e300."""
    if abs(x) < 14000:
        return mp.erfc(-x / mp.sqrt(2)) / 2
    if x > 0:
        return 1 - Phi(-x)
    x2 = x * x
    term = mpf(1)
    s = mpf(1)
    n = 1
    eps = mp.ldexp(mpf(1), -(mp.prec + 20))
    while abs(term) >= eps:
        term = -term * (2 * n - 1) / x2
        s += term
        n += 1
    return phi(x) / (-x) * s


def add_tiny(A, B):
    """A + B for an exact A (any number of bits) and a B that may lie far below A's last bit.
    When |B| is below both A's lowest set bit and the working precision, A is nudged by a
    single bit placed below both, in B's direction: this keeps the correct rounding of A + B to
    any binary format (matters when A is exactly a midpoint or a representable number, e.g.
    x - 1 for x in [2^53, 2^54), or log_softmax = (x_i - max) - log1p(tiny))."""
    if B == 0:
        return A
    if A == 0:
        return B
    nudge_exp = min(mp.mag(A) - (mp.prec - 64), A._mpf_[2] - 2)
    if mp.mag(B) < nudge_exp:
        nudge = mp.ldexp(mpf(1), nudge_exp)
        return mp.fadd(A, nudge if B > 0 else -nudge, exact=True)
    return mp.fadd(A, B, exact=True)


def phi(x):
    return mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)


def softplus1(z):
    """log(1 + e^z), stable both ways."""
    if z > 0:
        return z + mp.log1p(mp.exp(-z))
    return mp.log1p(mp.exp(z))


SELU_ALPHA = "1.6732632423543772848170429916717"
SELU_SCALE = "1.0507009873554804934193349852946"
GELU_TANH_C = "0.044715"


def gelu_exact(x):
    return x * Phi(x), Phi(x) + x * phi(x)


def gelu_tanh_exact(x):
    k = mp.sqrt(2 / mp.pi)
    c = mpf(GELU_TANH_C)
    u = k * (x + c * x * x * x)
    s2 = sig(2 * u)                       # (1 + tanh u) / 2 without cancellation
    y = x * s2
    d = s2 + x / 2 * mp.sech(u) ** 2 * k * (1 + 3 * c * x * x)
    return y, d


def silu_exact(x):
    s = sig(x)
    return x * s, s * (1 + x * sig(-x))


def mish_exact(x):
    sp = softplus1(x)
    t = mp.tanh(sp)
    return x * t, t + x * sig(x) * mp.sech(sp) ** 2


# ----------------------------------------------------------------------------------------------
# element-wise case table
# ----------------------------------------------------------------------------------------------

class Elem:
    def __init__(self, cid, spec, f, tfn, kinks=(), roots=(), extra=(), weight=None, slope=None):
        self.id = cid
        # A constant derivative (identity, linear, step): the gradient is slope*g whatever x
        # holds, NaN included (PyTorch's mul backward; zeros for the step).
        self.slope = slope
        self.spec = spec
        self.f = f            # f(xm: mpf (may be +-inf), xb: float) -> (y, dy/dx)
        self.tfn = tfn        # torch function of the input tensor (or None)
        self.kinks = list(kinks)
        self.roots = list(roots)
        self.extra = list(extra)
        self.weight = weight  # prelu: float weight (dtype-rounded)


def elementwise_cases(dt, roots):
    r = lambda v: to_dt(v, dt)
    cs = []
    I = mp.inf

    def add(*a, **k):
        cs.append(Elem(*a, **k))

    add("identity", "identity", lambda x, b: (x, 1), lambda x: x.clone(), slope=1.0)
    for c, cid in ((1.0, "linear_1"), (-2.5, "linear_-2.5")):
        c = r(c)
        add(cid, "linear(c=%s)" % ("1" if c == 1 else "-2.5"),
            lambda x, b, c=c: (mpf(c) * x, mpf(c)), lambda x, c=c: c * x, slope=c)
    for thr, s in ((0.0, "0"), (0.5, "0.5")):
        thr = r(thr)
        add("step_" + s, "step(threshold=%s)" % s,
            lambda x, b, thr=thr: (1 if b > thr else 0, 0),
            lambda x, thr=thr: torch.heaviside(x - thr, torch.zeros((), dtype=x.dtype)),
            kinks=[thr], slope=0.0)

    def sigmoid_f(x, b):
        if math.isinf(b):
            return (1 if b > 0 else 0), 0
        s = sig(x)
        return s, s * sig(-x)
    add("sigmoid", "sigmoid", sigmoid_f, torch.sigmoid)

    def tanh_f(x, b):
        if math.isinf(b):
            return (1 if b > 0 else -1), 0
        return mp.tanh(x), mp.sech(x) ** 2
    add("tanh", "tanh", tanh_f, torch.tanh)

    add("relu", "relu", lambda x, b: (x, 1) if b > 0 else (0, 0), F.relu, kinks=[0.0])
    add("relu6", "relu6",
        lambda x, b: (0, 0) if b <= 0 else ((6, 0) if b >= 6 else (x, 1)), F.relu6,
        kinks=[0.0, 6.0])
    for s, cid in ((0.01, "0.01"), (0.2, "0.2")):
        s = r(s)
        add("leaky_relu_" + cid, "leaky_relu(negative_slope=%s)" % cid,
            lambda x, b, s=s: (x, 1) if b > 0 else (mpf(s) * x, mpf(s)),
            lambda x, s=s: F.leaky_relu(x, s), kinks=[0.0])
    for lo, up, cid, spec in ((0.125, 0.3333333333333333, "rrelu_0.125_0.333",
                               "rrelu(lower=0.125, upper=0.3333333333333333)"),
                              (0.1, 0.3, "rrelu_0.1_0.3", "rrelu(lower=0.1, upper=0.3)")):
        lo, up = r(lo), r(up)
        add(cid, spec,
            lambda x, b, lo=lo, up=up: (x, 1) if b > 0 else
            ((mpf(lo) + mpf(up)) / 2 * x, (mpf(lo) + mpf(up)) / 2),
            lambda x, lo=lo, up=up: F.rrelu(x, lo, up, training=False), kinks=[0.0])

    def elu_like(alpha, inscale, scale):
        # scale * (x <= 0 ? alpha*expm1(x*inscale) : x); alpha/inscale/scale mpf-producing thunks
        def f(x, b):
            a, s, sc = alpha(), inscale(), scale()
            if b > 0:
                return sc * x, sc
            if math.isinf(b):
                return -a * sc, 0
            return sc * a * mp.expm1(x * s), sc * a * s * mp.exp(x * s)
        return f

    for a, s in ((1.0, "1"), (2.0, "2"), (0.5, "0.5")):
        a = r(a)
        add("elu_" + s, "elu(alpha=%s)" % s,
            elu_like(lambda a=a: mpf(a), lambda: mpf(1), lambda: mpf(1)),
            lambda x, a=a: F.elu(x, a), kinks=[0.0])
    for a, s in ((1.0, "1"), (2.0, "2"), (0.5, "0.5")):
        a = r(a)
        add("celu_" + s, "celu(alpha=%s)" % s,
            elu_like(lambda a=a: mpf(a), lambda a=a: 1 / mpf(a), lambda: mpf(1)),
            lambda x, a=a: F.celu(x, a), kinks=[0.0])
    add("selu", "selu",
        elu_like(lambda: mpf(SELU_ALPHA), lambda: mpf(1), lambda: mpf(SELU_SCALE)),
        F.selu, kinks=[0.0])

    def smooth_gate(exact):
        def f(x, b):
            if math.isinf(b):
                return (I, 1) if b > 0 else (0, 0)
            return exact(x)
        return f

    add("gelu_none", "gelu(approximate=none)", smooth_gate(gelu_exact),
        lambda x: F.gelu(x, approximate="none"), roots=[roots["gelu"]])
    add("gelu_tanh", "gelu(approximate=tanh)", smooth_gate(gelu_tanh_exact),
        lambda x: F.gelu(x, approximate="tanh"), roots=[roots["gelu_tanh"]])
    add("silu", "silu", smooth_gate(silu_exact), F.silu, roots=[roots["silu"]])
    add("mish", "mish", smooth_gate(mish_exact), F.mish, roots=[roots["mish"]])

    for beta, thr, sb, st in ((1.0, 20.0, "1", "20"), (2.0, 10.0, "2", "10"),
                              (10.0, 0.4, "10", "0.4"), (0.5, 20.0, "0.5", "20")):
        beta, thr = r(beta), r(thr)

        def softplus_f(x, b, beta=beta, thr=thr):
            if math.isnan(b):
                return NAN, NAN
            if mul_dt(b, beta, dt) > thr:     # PyTorch compares the dtype-rounded product
                return x, 1
            if math.isinf(b):
                return 0, 0
            z = mpf(beta) * x
            return softplus1(z) / mpf(beta), sig(z)
        # inputs around the switch point: beta*x crosses threshold
        k0 = to_dt(thr / beta, dt)
        ks = [k0]
        up = dn = k0
        for _ in range(2):
            up, dn = next_up(up, dt), next_down(dn, dt)
            ks += [up, dn]
        add("softplus_%s_%s" % (sb, st), "softplus(beta=%s, threshold=%s)" % (sb, st),
            softplus_f, lambda x, beta=beta, thr=thr: F.softplus(x, beta, thr), extra=ks)

    def logsig_f(x, b):
        if math.isinf(b):
            return (0, 0) if b > 0 else (-I, 1)
        return -softplus1(-x), sig(-x)
    add("log_sigmoid", "log_sigmoid", logsig_f, F.logsigmoid)

    for lo, hi, s in ((-1.0, 1.0, "-1_1"), (-2.0, 2.0, "-2_2")):
        lo, hi = r(lo), r(hi)
        add("hardtanh_" + s, "hardtanh(min_val=%d, max_val=%d)" % (lo, hi),
            lambda x, b, lo=lo, hi=hi: (mpf(lo), 0) if b <= lo else
            ((mpf(hi), 0) if b >= hi else (x, 1)),
            lambda x, lo=lo, hi=hi: F.hardtanh(x, lo, hi), kinks=[lo, hi])
    add("hardsigmoid", "hardsigmoid",
        lambda x, b: (0, 0) if b <= -3 else ((1, 0) if b >= 3 else ((x + 3) / 6, mpf(1) / 6)),
        F.hardsigmoid, kinks=[-3.0, 3.0])
    add("hardswish", "hardswish",
        lambda x, b: (0, 0) if b <= -3 else ((x, 1) if b >= 3 else (x * (x + 3) / 6, x / 3 + mpf(1) / 2)),
        F.hardswish, kinks=[-3.0, 3.0])

    def softsign_f(x, b):
        if math.isinf(b):
            return (1 if b > 0 else -1), 0
        return x / (1 + abs(x)), 1 / (1 + abs(x)) ** 2
    add("softsign", "softsign", softsign_f, F.softsign, kinks=[0.0])

    def tanhshrink_f(x, b):
        if math.isinf(b):
            return (I if b > 0 else -I), 1
        t = mp.tanh(x)
        if abs(x) > 8:
            # x - tanh x = (x - sign x) + sign(x) * 2*sigmoid(-2|x|), the first part exact
            sg = 1 if x > 0 else -1
            A = mp.fsub(x, sg, exact=True)
            return add_tiny(A, sg * 2 * sig(-2 * abs(x))), t * t
        return x - t, t * t
    add("tanhshrink", "tanhshrink", tanhshrink_f, F.tanhshrink)

    for lam, s in ((0.5, "0.5"), (1.0, "1")):
        lam = r(lam)
        add("softshrink_" + s, "softshrink(lambd=%s)" % s,
            lambda x, b, lam=lam: (x - mpf(lam), 1) if b > lam else
            ((x + mpf(lam), 1) if b < -lam else (0, 0)),
            lambda x, lam=lam: F.softshrink(x, lam), kinks=[-lam, lam])
    for lam, s in ((0.5, "0.5"), (2.0, "2")):
        lam = r(lam)
        add("hardshrink_" + s, "hardshrink(lambd=%s)" % s,
            lambda x, b, lam=lam: (0, 0) if -lam <= b <= lam else (x, 1),
            lambda x, lam=lam: F.hardshrink(x, lam), kinks=[-lam, lam])
    for thr, val, st, sv in ((0.1, 20.0, "0.1", "20"), (-1.0, -3.0, "-1", "-3")):
        thr, val = r(thr), r(val)
        add("threshold_%s_%s" % (st, sv), "threshold(threshold=%s, value=%s)" % (st, sv),
            lambda x, b, thr=thr, val=val: (mpf(val), 0) if b <= thr else (x, 1),
            lambda x, thr=thr, val=val: F.threshold(x, thr, val), kinks=[thr])

    for bb, s in ((4.0, "4"), (1.0, "1")):
        bb = r(bb)

        def squareplus_f(x, b, bb=bb):
            if math.isinf(b):
                return (I, 1) if b > 0 else (0, 0)
            B = mpf(bb)
            q = mp.sqrt(x * x + B)
            if x >= 0:
                return (x + q) / 2, (1 + x / q) / 2
            # no cancellation for x < 0
            return B / (2 * (q - x)), B / (2 * q * (q - x))
        add("squareplus_" + s, "squareplus(b=%s)" % s, squareplus_f, None, kinks=[0.0])

    for w0, s in ((30.0, "30"), (1.0, "1")):
        w0 = r(w0)

        def sine_f(x, b, w0=w0):
            if math.isinf(b):
                return mp.nan, mp.nan
            W = mpf(w0)
            return mp.sin(W * x), W * mp.cos(W * x)
        pts = []
        with mp.workprec(200):
            ks = [1, 2, 3, 10, 100, 1000, 12345, 10 ** 6, 10 ** 9, 10 ** 12, -1, -7]
            if dt == "f64":
                ks += [10 ** 15, 10 ** 20]
            for k in ks:
                pts.append(to_dt(float(k * mp.pi / w0), dt))
            for k in (0.5, 1.5, 1000.5):      # derivative roots
                pts.append(to_dt(float(k * mp.pi / w0), dt))
        add("sine_" + s, "sine(w0=%s)" % s, sine_f, lambda x, w0=w0: torch.sin(w0 * x),
            kinks=pts)

    w = r(0.25)
    add("prelu_0.25", "prelu(weight=0.25)",
        lambda x, b, w=w: (x, 1) if b > 0 else (mpf(w) * x, mpf(w)),
        None, kinks=[0.0], weight=w)
    return cs


def derivative_roots():
    """Roots of the derivative of gelu, gelu-tanh, silu, mish (exact reals, mpmath)."""
    out = {}
    with mp.workprec(300):
        out["gelu"] = mp.findroot(lambda x: gelu_exact(x)[1], mpf(-0.75))
        out["gelu_tanh"] = mp.findroot(lambda x: gelu_tanh_exact(x)[1], mpf(-0.75))
        out["silu"] = mp.findroot(lambda x: silu_exact(x)[1], mpf(-1.28))
        out["mish"] = mp.findroot(lambda x: mish_exact(x)[1], mpf(-1.19))
    return out


# ----------------------------------------------------------------------------------------------
# inputs
# ----------------------------------------------------------------------------------------------

def seed_for(*parts):
    return zlib.crc32("|".join(parts).encode())


def edge_set(dt):
    if dt == "f32":
        tiny_sub = 2.0 ** -149
        max_sub = (2 ** 23 - 1) * 2.0 ** -149
        min_norm = 2.0 ** -126
        maxf = float(np.finfo(np.float32).max)
    else:
        tiny_sub = 5e-324
        max_sub = (2 ** 52 - 1) * 2.0 ** -1074
        min_norm = 2.0 ** -1022
        maxf = float(np.finfo(np.float64).max)
    mags = [0.0, tiny_sub, max_sub, min_norm, 1e-30, 1e-7, 1e-3, 0.5, 1, 2, 3, 6, 10, 20, 30,
            88, 89, 700, 710, 1e30, maxf, INF]
    out = []
    for m in mags:
        m = to_dt(m, dt)
        out += [m, -m]
    out.append(NAN)
    return out


def dedupe(xs):
    seen = set()
    out = []
    for v in xs:
        k = hexf(v)
        if k not in seen:
            seen.add(k)
            out.append(v)
    return out


def random_values(dt, rng):
    d = DT[dt]
    maxf = float(np.finfo(d["np"]).max)
    lo = -149 if dt == "f32" else -1074
    hi = 128 if dt == "f32" else 1024
    n_log, n12, n1, n40 = (50, 60, 40, 0) if dt == "f32" else (45, 45, 30, 30)
    out = []
    for _ in range(n_log):
        e = rng.uniform(lo, hi)
        v = min(2.0 ** e, maxf) if e < 1023.99 else maxf * rng.uniform(0.5, 1.0)
        out.append(to_dt(v if rng.random() < 0.5 else -v, dt))
    out += [to_dt(v, dt) for v in rng.uniform(-12, 12, n12)]
    out += [to_dt(v, dt) for v in rng.uniform(-1, 1, n1)]
    out += [to_dt(v, dt) for v in rng.uniform(-40, 40, n40)]
    return out


def grad_values(n, dt, rng, n_ones=8):
    g = [to_dt(v, dt) for v in rng.uniform(-2, 2, n)]
    for i in range(min(n_ones, n)):
        g[i] = 1.0
    return g


def case_inputs(case, dt):
    xs = list(edge_set(dt))
    for k in case.kinks:
        k = to_dt(k, dt)
        xs += [k, next_down(k, dt), next_up(k, dt)]
    xs += case.extra
    for rt in case.roots:
        c = to_dt(float(rt), dt)
        xs += [c, next_down(c, dt), next_up(c, dt)]
        for dlt in (1e-3, 1e-6, 1e-10):
            with mp.workprec(200):
                xs += [to_dt(float(rt + dlt), dt), to_dt(float(rt - dlt), dt)]
    rng = np.random.default_rng(seed_for("x", case.id, dt))
    xs += random_values(dt, rng)
    return dedupe(xs)


# ----------------------------------------------------------------------------------------------
# torch side
# ----------------------------------------------------------------------------------------------

def torch_run(fn, xs, shape, gs, out_shape, dt, weight=None):
    """Returns (forward, backward, grad_weight) as flat lists of Python floats (or None)."""
    tdt = DT[dt]["torch"]
    npdt = DT[dt]["np"]
    x = torch.from_numpy(np.array(xs, dtype=npdt).reshape(shape)).requires_grad_(True)
    g = torch.from_numpy(np.array(gs, dtype=npdt).reshape(out_shape))
    inputs = [x]
    if weight is not None:
        w = torch.from_numpy(np.array(weight, dtype=npdt)).requires_grad_(True)
        inputs.append(w)
        y = F.prelu(x, w)
    else:
        y = fn(x)
    assert y.dtype == tdt and tuple(y.shape) == tuple(out_shape), (y.dtype, y.shape)
    fwd = y.detach().double().flatten().tolist()
    try:
        grads = torch.autograd.grad(y, inputs, g)
        bwd = grads[0].double().flatten().tolist()
        gw = grads[1].double().flatten().tolist() if weight is not None else None
    except RuntimeError:
        bwd, gw = None, None
    return fwd, bwd, gw


# ----------------------------------------------------------------------------------------------
# reference side
# ----------------------------------------------------------------------------------------------

def to_mp(v):
    if isinstance(v, (int, float)):
        return mpf(v)
    return v


def elem_exact(case, x, g, extra_prec=0):
    """Exact (y, g*dy/dx) for one element; mpf values (possibly inf/nan)."""
    if math.isnan(x):
        if case.slope is None:
            return mp.nan, mp.nan
        return mp.nan, (mpf(0) if case.slope == 0 else mpf(case.slope) * mpf(g))
    P = prec_for(x) + extra_prec
    with mp.workprec(P):
        xm = mpf(x)
        y, d = case.f(xm, x)
        y, d = to_mp(y), to_mp(d)
        if mp.isnan(d):
            gd = mp.nan
        elif mp.isinf(d):
            gd = d * mpf(g) if g != 0 else mp.nan
        else:
            gd = d * mpf(g)
        if x == 0 and y == 0:
            # sign of an exact-zero output at a signed-zero input: evaluate the same branch
            # at a value far below the smallest subnormal with the input's sign
            with mp.workprec(BASE_PREC + 2 * 1200 + extra_prec):
                t = mp.ldexp(mpf(math.copysign(1.0, x)), -1200)
                yt = to_mp(case.f(t, x)[0])
            if yt != 0:
                y = -0.0 if yt < 0 else 0.0   # a signed exact zero (floats pass through rounding)
    return y, gd


def elem_grad_weight_exact(xs, gs, extra_prec=0):
    """sum over x<=0 of x*g, exact (NaN if any x is NaN)."""
    if any(math.isnan(x) for x in xs):
        return mp.nan
    with mp.workprec(4600 + extra_prec):
        terms = [mpf(x) * mpf(g) for x, g in zip(xs, gs) if x <= 0]
        if any(mp.isinf(t) for t in terms):
            pos = any(mp.isinf(t) and t > 0 for t in terms)
            neg = any(mp.isinf(t) and t < 0 for t in terms)
            return mp.nan if (pos and neg) else (mp.inf if pos else -mp.inf)
        return mp.fsum(terms)


# ---- dim-wise ------------------------------------------------------------------------------

def slices(shape, dim):
    """Flat indices of every 1-D slice along dim, as rows."""
    n = int(np.prod(shape))
    idx = np.arange(n).reshape(shape)
    return np.moveaxis(idx, dim, -1).reshape(-1, shape[dim])


def softmax_slice_exact(xs, gs, kind):
    L = len(xs)
    nan = [mp.nan] * L
    z = [-v for v in xs] if kind == "softmin" else list(xs)
    if any(math.isnan(v) for v in z) or any(v == INF for v in z) or all(v == -INF for v in z):
        return nan, nan
    m = mpf(max(v for v in z if v != -INF))
    e = [mp.exp(mpf(v) - m) if v != -INF else mpf(0) for v in z]
    S = mp.fsum(e)
    G = [mpf(v) for v in gs]
    if kind in ("softmax", "softmin"):
        y = [ei / S for ei in e]
        dz = [e[i] * mp.fsum(e[j] * (G[i] - G[j]) for j in range(L)) / (S * S) for i in range(L)]
        dx = [-v for v in dz] if kind == "softmin" else dz
    else:
        # log S = log1p(S - 1): drop one of the maxima's exp(0) = 1 exactly
        imax = next(i for i, v in enumerate(z) if v != -INF and mpf(v) == m)
        lS = mp.log1p(mp.fsum(e[j] for j in range(L) if j != imax))
        y = [add_tiny(mp.fsub(mpf(v), m, exact=True), -lS) if v != -INF else -mp.inf
             for v in z]
        Gs = mp.fsum(G)
        dx = [G[i] - e[i] / S * Gs for i in range(L)]
    return y, dx


def gate_exact(kind, b):
    """(f(b), f'(b)) for the GLU-family gate, exact incl. limits at +-inf."""
    if kind == "reglu":
        return (mpf(b), mpf(1)) if b > 0 else (mpf(0), mpf(0))
    if math.isinf(b):
        if kind == "glu":
            return (mpf(1), mpf(0)) if b > 0 else (mpf(0), mpf(0))
        return (mp.inf, mpf(1)) if b > 0 else (mpf(0), mpf(0))
    bm = mpf(b)
    if kind == "glu":
        s = sig(bm)
        return s, s * sig(-bm)
    if kind == "geglu":
        return gelu_exact(bm)
    if kind == "swiglu":
        return silu_exact(bm)
    raise ValueError(kind)


def dimwise_exact(kind, xs, gs, shape, dim, extra_prec=0):
    """Exact forward (flat, output shape) and input gradient (flat, input shape)."""
    with mp.workprec(DIM_PREC + extra_prec):
        n = len(xs)
        if kind in ("softmax", "log_softmax", "softmin"):
            y = [None] * n
            dx = [None] * n
            for row in slices(shape, dim):
                yy, dd = softmax_slice_exact([xs[i] for i in row], [gs[i] for i in row], kind)
                for k, i in enumerate(row):
                    y[i], dx[i] = yy[k], dd[k]
            return y, dx
        out_shape = list(shape)
        out_shape[dim] //= 2
        h = out_shape[dim]
        y = [None] * (n // 2)
        dx = [None] * n
        for row, orow in zip(slices(shape, dim), slices(out_shape, dim)):
            for k in range(h):
                ia, ib, io = row[k], row[h + k], orow[k]
                a, b, g = xs[ia], xs[ib], gs[io]
                if math.isnan(a) or math.isnan(b):
                    y[io] = dx[ia] = dx[ib] = mp.nan
                    continue
                with mp.workprec(max(DIM_PREC, prec_for(b)) + extra_prec):
                    fb, dfb = gate_exact(kind, b)
                    am, gm = mpf(a), mpf(g)
                    y[io] = am * fb
                    dx[ia] = gm * fb
                    dx[ib] = gm * am * dfb
        return y, dx


# ----------------------------------------------------------------------------------------------
# case construction
# ----------------------------------------------------------------------------------------------

def build_elementwise(case, dt):
    xs = case_inputs(case, dt)
    n = len(xs)
    gs = grad_values(n, dt, np.random.default_rng(seed_for("g", case.id, dt)))
    weight = [case.weight] if case.weight is not None else None
    if case.weight is not None:
        tf, tb, tgw = torch_run(None, xs, [n], gs, [n], dt, weight=weight)
    elif case.tfn is not None:
        tf, tb, tgw = torch_run(case.tfn, xs, [n], gs, [n], dt)
    else:
        tf = tb = tgw = None
    ey, eb = [], []
    for x, g in zip(xs, gs):
        y, d = elem_exact(case, x, g)
        ey.append(y)
        eb.append(d)
    egw = [elem_grad_weight_exact(xs, gs)] if case.weight is not None else None
    return dict(id=case.id, spec=case.spec, shape=[n], weight=weight, x=xs, g=gs,
                tf=tf, tb=tb, tgw=tgw, ef=ey, eb=eb, egw=egw, kind="elem", case=case,
                tfn=case.tfn)


def build_prelu_channels(cid, shape, weights, dt):
    w = [to_dt(v, dt) for v in weights]
    n = int(np.prod(shape))
    rng = np.random.default_rng(seed_for("x", cid, dt))
    xs = [to_dt(v, dt) for v in rng.normal(0, 3, n)]
    C = shape[1]
    chan = [(i // int(np.prod(shape[2:]))) % C for i in range(n)]
    if n > 20:
        maxf = float(np.finfo(DT[dt]["np"]).max)
        specials = {0: 0.0, 1: -0.0, 2: INF, 3: 1e-30, 4: -1e-30,          # channel 0 (first 7)
                    7: -INF, 8: -0.0, 9: -1e-3,                            # channel 1
                    14: -1e30, 15: 1e30, 16: -2.0 ** -140, 17: -3.5, 18: -maxf / 4}  # channel 2
        for i, v in specials.items():
            xs[i] = to_dt(v, dt)
    else:
        xs = [to_dt(v, dt) for v in (-2.0, -0.0, 0.0, 3.5, -1e-3)][:n]
    gs = grad_values(n, dt, np.random.default_rng(seed_for("g", cid, dt)), n_ones=2)
    tf, tb, tgw = torch_run(None, xs, shape, gs, shape, dt, weight=w)
    ey, eb = [], []
    for i, (x, g) in enumerate(zip(xs, gs)):
        wc = w[chan[i] if len(w) > 1 else 0]
        case = Elem("prelu", "prelu", lambda xm, b, wc=wc: (xm, 1) if b > 0 else (mpf(wc) * xm, mpf(wc)), None)
        y, d = elem_exact(case, x, g)
        ey.append(y)
        eb.append(d)
    egw = []
    for c in range(len(w)):
        sel = [i for i in range(n) if (chan[i] if len(w) > 1 else 0) == c]
        egw.append(elem_grad_weight_exact([xs[i] for i in sel], [gs[i] for i in sel]))
    return dict(id=cid, spec="prelu", shape=list(shape), weight=w, x=xs, g=gs,
                tf=tf, tb=tb, tgw=tgw, ef=ey, eb=eb, egw=egw, kind="prelu_c", chan=chan,
                tfn=None)


def softmax_rows(L, count, dt, rng, specials):
    """`count` slices of length L: the listed special kinds first, then N(0,3)."""
    rows = []
    for kind in specials:
        r = list(rng.normal(0, 3, L))
        if kind == "spread":
            r = list(rng.uniform(-1e3, 1e3, L))
        elif kind == "neginf":
            for j in rng.choice(L, size=min(3, L - 1), replace=False):
                r[j] = -INF
        elif kind == "equal":
            r = [0.7] * L
        elif kind == "big":          # exp() of these overflows f32 when not max-shifted
            base = [89.0, 88.0, 88.5, 87.25, 89.0, 80.0, 88.75, 86.0]
            r = [base[j % len(base)] - (j // len(base)) * 0.5 for j in range(L)]
        elif kind == "huge":
            r[0], r[1], r[2], r[3] = 1e30, 1e30, 89.0, 88.0
            r[L - 1] = -1e30
        elif kind == "nan":
            r[L // 2] = NAN
        elif kind == "posinf":
            r[1] = INF
            r[L - 2] = -INF
        elif kind == "allneginf":
            r = [-INF] * L
        elif kind == "mixinf":
            r[0], r[L - 1] = INF, -INF
        rows.append(r)
    while len(rows) < count:
        rows.append(list(rng.normal(0, 3, L)))
    return [[to_dt(v, dt) for v in r] for r in rows]


def build_dimwise(kind, cid, spec, shape, dim, dt):
    n = int(np.prod(shape))
    d = dim % len(shape)
    rng = np.random.default_rng(seed_for("x", cid, dt))
    xs = [to_dt(v, dt) for v in rng.normal(0, 3, n)]
    idx = slices(shape, d)
    L = shape[d]
    if kind in ("softmax", "log_softmax", "softmin") and len(shape) == 2:
        nrows = len(idx)
        if nrows <= 8:
            specials = ["normal", "spread", "neginf", "equal", "big", "huge", "nan", "posinf"]
        else:
            specials = ["spread", "neginf", "equal", "big", "huge", "nan", "posinf",
                        "allneginf", "mixinf"]
        rows = softmax_rows(L, nrows, dt, rng, specials)
        for row, vals in zip(idx, rows):
            for i, v in zip(row, vals):
                xs[i] = v
    elif kind in ("glu", "reglu", "geglu", "swiglu") and shape == [6, 16]:
        h = L // 2
        roots = derivative_roots()
        maxf = float(np.finfo(DT[dt]["np"]).max)
        pairs = [  # (a, b)
            (1.5, 0.0), (-2.0, -0.0), (0.75, INF), (-1.25, INF), (2.0, -INF), (-0.5, -INF),
            (1.0, 1e30), (-1.0, -1e30), (0.0, 3.0), (-0.0, -3.0), (1e-30, 2.0), (3.0, 30.0),
            (-3.0, -30.0), (1.0, 89.0), (1.0, -89.0), (2.0, 700.0), (2.0, -700.0),
            (1.0, float(roots["silu"])), (1.0, float(roots["gelu"])), (1.0, 5e-324),
            (1e30, 1.0), (-1e30, -1.0), (1.0, maxf), (-1.0, -maxf), (1.0, 1e-7), (1.0, -1e-7),
        ]
        for k, (a, b) in enumerate(pairs):
            row = idx[k % len(idx)]
            j = k // len(idx)
            xs[row[j]] = to_dt(a, dt)
            xs[row[h + j]] = to_dt(b, dt)
    out_shape = list(shape)
    if kind in ("glu", "reglu", "geglu", "swiglu"):
        out_shape[d] //= 2
    m = int(np.prod(out_shape))
    gs = grad_values(m, dt, np.random.default_rng(seed_for("g", cid, dt)))

    def tfn(x):
        if kind == "softmax":
            return F.softmax(x, dim)
        if kind == "log_softmax":
            return F.log_softmax(x, dim)
        if kind == "softmin":
            return F.softmin(x, dim)
        if kind == "glu":
            return F.glu(x, dim)
        a, b = x.chunk(2, dim)
        if kind == "reglu":
            return a * F.relu(b)
        if kind == "geglu":
            return a * F.gelu(b)
        if kind == "swiglu":
            return a * F.silu(b)
        raise ValueError(kind)

    tf, tb, _ = torch_run(tfn, xs, shape, gs, out_shape, dt)
    ey, eb = dimwise_exact(kind, xs, gs, shape, d)
    return dict(id=cid, spec=spec, shape=list(shape), weight=None, x=xs, g=gs, tf=tf, tb=tb,
                tgw=None, ef=ey, eb=eb, egw=None, kind="dim", dkind=kind, dim=d,
                out_shape=out_shape, tfn=tfn)


DIMWISE = [
    ("softmax", "softmax_dim-1_8x17", "softmax(dim=-1)", [8, 17], -1),
    ("softmax", "softmax_dim0_8x17", "softmax(dim=0)", [8, 17], 0),
    ("softmax", "softmax_dim1_3x4x5", "softmax(dim=1)", [3, 4, 5], 1),
    ("log_softmax", "log_softmax_dim-1_8x17", "log_softmax(dim=-1)", [8, 17], -1),
    ("log_softmax", "log_softmax_dim0_8x17", "log_softmax(dim=0)", [8, 17], 0),
    ("log_softmax", "log_softmax_dim1_3x4x5", "log_softmax(dim=1)", [3, 4, 5], 1),
    ("softmin", "softmin_dim-1_8x17", "softmin(dim=-1)", [8, 17], -1),
    ("softmin", "softmin_dim0_3x4x5", "softmin(dim=0)", [3, 4, 5], 0),
    ("glu", "glu_dim-1_6x16", "glu(dim=-1)", [6, 16], -1),
    ("glu", "glu_dim0_4x6", "glu(dim=0)", [4, 6], 0),
    ("glu", "glu_dim1_2x6x3", "glu(dim=1)", [2, 6, 3], 1),
    ("reglu", "reglu_dim-1_6x16", "reglu(dim=-1)", [6, 16], -1),
    ("geglu", "geglu_dim-1_6x16", "geglu(dim=-1)", [6, 16], -1),
    ("swiglu", "swiglu_dim-1_6x16", "swiglu(dim=-1)", [6, 16], -1),
]


def build_all(dt, roots):
    out = []
    for case in elementwise_cases(dt, roots):
        out.append(build_elementwise(case, dt))
    out.append(build_prelu_channels("prelu_4x3x7", [4, 3, 7], [0.25, -0.5, 1.5], dt))
    out.append(build_prelu_channels("prelu_5x1", [5, 1], [0.1], dt))
    for kind, cid, spec, shape, dim in DIMWISE:
        out.append(build_dimwise(kind, cid, spec, shape, dim, dt))
    return out


# ----------------------------------------------------------------------------------------------
# self-checks
# ----------------------------------------------------------------------------------------------

def same_rounding(a, b):
    return hexf(rnd64(a)) == hexf(rnd64(b))


def recompute(c, dt):
    """The exact values again, at CHECK_EXTRA_PREC more bits."""
    if c["kind"] == "elem":
        ey, eb = [], []
        for x, g in zip(c["x"], c["g"]):
            y, d = elem_exact(c["case"], x, g, CHECK_EXTRA_PREC)
            ey.append(y)
            eb.append(d)
        egw = [elem_grad_weight_exact(c["x"], c["g"], CHECK_EXTRA_PREC)] if c["egw"] else None
        return ey, eb, egw
    if c["kind"] == "prelu_c":
        w = c["weight"]
        ey, eb = [], []
        for i, (x, g) in enumerate(zip(c["x"], c["g"])):
            wc = w[c["chan"][i] if len(w) > 1 else 0]
            case = Elem("p", "p", lambda xm, b, wc=wc: (xm, 1) if b > 0 else (mpf(wc) * xm, mpf(wc)), None)
            y, d = elem_exact(case, x, g, CHECK_EXTRA_PREC)
            ey.append(y)
            eb.append(d)
        return ey, eb, c["egw"]
    ey, eb = dimwise_exact(c["dkind"], c["x"], c["g"], c["shape"], c["dim"], CHECK_EXTRA_PREC)
    return ey, eb, None


def check_precision(cases, dt):
    bad = []
    worst_rel = 0.0
    for c in cases:
        ey, eb, egw = recompute(c, dt)
        for name, A, B in (("forward", c["ef"], ey), ("backward", c["eb"], eb),
                           ("grad_weight", c["egw"] or [], egw or [])):
            for i, (a, b) in enumerate(zip(A, B)):
                if not same_rounding(a, b):
                    bad.append((c["id"], dt, name, i, c["x"][i] if i < len(c["x"]) else None,
                                str(a), str(b)))
                elif is_finite_exact(a) and is_finite_exact(b) and b != 0:
                    with mp.workprec(64):
                        rel = float(abs(mp.fsub(a, b, prec=6000) / b))
                    worst_rel = max(worst_rel, rel)
    return bad, worst_rel


# ----------------------------------------------------------------------------------------------
# accuracy
# ----------------------------------------------------------------------------------------------

def nonfinite_mismatch(t, r):
    """True when torch's value and the exact value disagree in a non-finite way."""
    tf = math.isfinite(t)
    rf = is_finite_exact(r)
    if tf and rf:
        return False
    rr = rnd64(r)
    if math.isnan(rr) != math.isnan(t):
        return True
    if math.isnan(rr):
        return False
    return rr != t


def accuracy(c, dt, direction, sel=None):
    """(max_ulp, worst_index, nonfinite_mismatches) over selected indices."""
    if direction == "forward":
        T, R = c["tf"], c["ef"]
    elif direction == "backward":
        T, R = c["tb"], c["eb"]
    else:
        T, R = c["tgw"], c["egw"]
    if T is None:
        return None
    mx, worst, nfm = None, None, 0
    for i, (t, r) in enumerate(zip(T, R)):
        if sel is not None and i not in sel:
            continue
        if not (math.isfinite(t) and is_finite_exact(r)):
            # an overflow in the dtype that torch rounds correctly to inf is not a mismatch
            if is_finite_exact(r) and math.isinf(t) and rnd_dt(r, dt) == t:
                continue
            if nonfinite_mismatch(t, r):
                nfm += 1
            continue
        e = ulp_err(t, r, dt)
        if mx is None or e > mx:
            mx, worst = e, i
    return mx, worst, nfm


def worst_x_of(c, direction, i):
    if i is None or direction == "grad_weight":
        return None
    if c["kind"] == "dim" and direction == "forward" and c["dkind"] in ("glu", "reglu", "geglu", "swiglu"):
        # output element i: report its gate input b
        d = c["dim"]
        h = c["out_shape"][d]
        for row, orow in zip(slices(c["shape"], d), slices(c["out_shape"], d)):
            for k in range(h):
                if orow[k] == i:
                    return hexf(c["x"][row[h + k]])
    return hexf(c["x"][i])


def fmt_ulp(v):
    if v is None:
        return "–"
    if v == 0:
        return "0"
    if v < 10:
        return "%.2f" % v
    if v < 1e6:
        return "%.0f" % v
    return "%.2e" % v


# PyTorch's own formulas lose accuracy on ordinary inputs for these (case, direction) pairs; the
# reference is validated for them by check A (PyTorch run in float64 on the float32 inputs).
TORCH_KNOWN_INACCURATE = {   # (case id, direction): (dtypes, reason)
    ("sigmoid", "backward"): (("f32", "f64"), "y*(1-y) from the rounded output cancels for |x| >~ 2"),
    ("tanh", "backward"): (("f32", "f64"), "1-y^2 from the rounded output cancels for |x| >~ 1"),
    ("gelu_none", "forward"): (("f32", "f64"), "0.5*x*(1+erf(x/sqrt2)) cancels for x << 0"),
    ("gelu_none", "backward"): (("f32", "f64"), "cdf + x*pdf cancels near the derivative root"),
    ("gelu_tanh", "forward"): (("f32", "f64"), "1+tanh(u) cancels for x << 0"),
    ("gelu_tanh", "backward"): (("f32", "f64"), "cancels near the derivative root and for x << 0"),
    ("silu", "backward"): (("f32", "f64"), "sigma*(1+x*(1-sigma)) cancels near the derivative root"),
    ("mish", "backward"): (("f32", "f64"), "cancels near the derivative root"),
    ("softplus_10_0.4", "forward"): (("f32", "f64"), "beta*x is rounded before exp (condition |beta*x|)"),
    ("softplus_10_0.4", "backward"): (("f32", "f64"), "beta*x is rounded before exp (condition |beta*x|)"),
    ("softsign", "backward"): (("f32", "f64"), "autograd of x/(|x|+1): the quotient rule cancels"),
    ("tanhshrink", "forward"): (("f32", "f64"), "x - tanh(x) cancels for small |x|"),
    ("tanhshrink", "backward"): (("f32", "f64"), "autograd of x - tanh(x): 1 - (1 - tanh^2) cancels"),
    ("hardsigmoid", "backward"): (("f64",), "the float64 kernel multiplies by float32(1/6)"),
    ("sine_30", "forward"): (("f32", "f64"), "w0*x is rounded before sin"),
    ("sine_30", "backward"): (("f32", "f64"), "w0*x is rounded before cos"),
}


def known_inaccurate(cid, direction, dt):
    e = TORCH_KNOWN_INACCURATE.get((cid, direction))
    return e is not None and dt in e[0]


CHECK_B_ULP = 4.0      # torch in its own dtype vs ref, ordinary inputs, other cases
CHECK_A_ULP = 2.0      # torch float64 on the float32 inputs vs ref, in float32 ULPs


def ordinary(c):
    """Indices of ordinary inputs: element-wise |x| in [0.1, 5]; dim-wise: every element of a
    slice whose inputs are all finite with |x| <= 1e3."""
    if c["kind"] != "dim":
        return set(i for i, x in enumerate(c["x"]) if 0.1 <= abs(x) <= 5)
    sel_in = set()
    for row in slices(c["shape"], c["dim"]):
        if all(math.isfinite(c["x"][i]) and abs(c["x"][i]) <= 1e3 for i in row):
            sel_in.update(int(i) for i in row)
    return sel_in


def sanity_checks(cases_by_dt, problems, report):
    """A: the reference formulas: PyTorch in float64 on the float32 inputs/parameters must agree
       with the exact values within CHECK_A_ULP float32 ULPs on ordinary inputs (float64
       evaluation errors are far below a float32 ULP even where PyTorch's formulas cancel).
    B: PyTorch in the case's own dtype within CHECK_B_ULP ULPs on ordinary inputs, except the
       documented TORCH_KNOWN_INACCURATE pairs (reported only).
    C: exactly at every kink/threshold of an element-wise case, PyTorch's branch choice must
       give the reference value (within CHECK_B_ULP)."""
    # ---- A
    for c in cases_by_dt["f32"]:
        if c["tfn"] is None and c["weight"] is None:
            continue
        tf, tb, tgw = torch_run(c["tfn"], c["x"], c["shape"], c["g"],
                                c.get("out_shape", c["shape"]), "f64", weight=c["weight"])
        sel = ordinary(c)
        for direction, T, R in (("forward", tf, c["ef"]), ("backward", tb, c["eb"])):
            if T is None:
                continue
            if c["kind"] == "dim" and direction == "forward" and len(T) != len(c["x"]):
                # glu family: output element k is ordinary when its slice is
                osel = set()
                d = c["dim"]
                for row, orow in zip(slices(c["shape"], d), slices(c["out_shape"], d)):
                    if int(row[0]) in sel:
                        osel.update(int(i) for i in orow)
                s2 = osel
            else:
                s2 = sel
            mx, wi = 0.0, None
            # dim-wise: results that cancel to ~0 (log_softmax of the slice max, softmax
            # gradients of a saturated slice) are judged against the slice's scale instead
            # (scale: the largest |x|, |y| (forward) or |grad_output| (backward) in the slice)
            scale = {}
            if c["kind"] == "dim" and c["dkind"] in ("softmax", "log_softmax", "softmin"):
                for row in slices(c["shape"], c["dim"]):
                    if direction == "forward":
                        vals = [abs(rnd64(R[i])) for i in row if is_finite_exact(R[i])]
                        vals += [abs(c["x"][i]) for i in row]
                    else:
                        vals = [abs(c["g"][i]) for i in row]
                    for i in row:
                        scale[int(i)] = max(vals)
            for i in s2:
                if math.isfinite(T[i]) and is_finite_exact(R[i]):
                    e = ulp_err(T[i], R[i], "f32")
                    if e > CHECK_A_ULP and abs(T[i] - rnd64(R[i])) <= 2.0 ** -40 * scale.get(i, 0.0):
                        e = 0.0
                    if e > mx:
                        mx, wi = e, i
            report.append(("A", c["id"], "f32-in-f64", direction, mx))
            if mx > CHECK_A_ULP:
                problems.append("check A %s %s: %.2f f32-ULP at index %s" % (c["id"], direction, mx, wi))
    # ---- B and C
    for dt in ("f32", "f64"):
        for c in cases_by_dt[dt]:
            if c["tf"] is None:
                continue
            sel = ordinary(c) if c["kind"] != "dim" else None
            if sel is not None:
                for direction in ("forward", "backward"):
                    res = accuracy(c, dt, direction, sel)
                    if res is None or res[0] is None:
                        continue
                    report.append(("B", c["id"], dt, direction, res[0]))
                    if known_inaccurate(c["id"], direction, dt):
                        continue
                    if res[0] > CHECK_B_ULP or res[2]:
                        problems.append("check B %s %s %s: %.2f ULP at x=%r (nonfinite %d)" % (
                            c["id"], dt, direction, res[0], c["x"][res[1]], res[2]))
            if c["kind"] != "elem" or c["id"].startswith("sine_"):
                continue
            case = c["case"]
            for k in case.kinks + case.extra:
                k = to_dt(k, dt)
                for i, x in enumerate(c["x"]):
                    if not (x == k and math.isfinite(x)):
                        continue
                    for direction, T, R in (("forward", c["tf"], c["ef"]),
                                            ("backward", c["tb"], c["eb"])):
                        if T is None or not is_finite_exact(R[i]):
                            continue
                        e = ulp_err(T[i], R[i], dt)
                        if e > CHECK_B_ULP:
                            problems.append("check C %s %s %s at kink x=%r: torch %r ref %r (%.2f ULP)"
                                            % (c["id"], dt, direction, x, T[i], rnd64(R[i]), e))


# ----------------------------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------------------------

def case_json(c):
    return json.dumps({
        "id": c["id"], "spec": c["spec"], "shape": c["shape"],
        "weight": hexl(c["weight"]),
        "x": hexl(c["x"]), "grad_output": hexl(c["g"]),
        "torch_forward": hexl(c["tf"]), "torch_backward": hexl(c["tb"]),
        "torch_grad_weight": hexl(c["tgw"]),
        "ref_forward": [hexf(rnd64(v)) for v in c["ef"]],
        "ref_backward": [hexf(rnd64(v)) for v in c["eb"]],
        "ref_grad_weight": None if c["egw"] is None else [hexf(rnd64(v)) for v in c["egw"]],
    }, separators=(",", ":"))


def write_fixture(path, dt, cases):
    head = json.dumps({"generator": "scripts/gen_fixtures.py", "torch_version": torch.__version__,
                       "mpmath_version": mpmath.__version__, "dtype": dt},
                      separators=(",", ":"))
    with open(path, "w") as fh:
        fh.write(head[:-1] + ',"cases":[\n')
        fh.write(",\n".join(case_json(c) for c in cases))
        fh.write("\n]}\n")


def validate(cases):
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for c in cases:
        assert all(ch in "abcdefghijklmnopqrstuvwxyz0123456789_.-" for ch in c["id"]), c["id"]
        n = int(np.prod(c["shape"]))
        assert len(c["x"]) == n
        assert len(c["ef"]) == len(c["g"])
        assert len(c["eb"]) == n
        for arr in (c["tf"], c["tb"]):
            assert arr is None or len(arr) in (n, len(c["g"]))


def main():
    t0 = time.time()
    roots = derivative_roots()
    all_cases = {}
    for dt in ("f32", "f64"):
        t1 = time.time()
        all_cases[dt] = build_all(dt, roots)
        validate(all_cases[dt])
        print("[%s] built %d cases in %.1fs" % (dt, len(all_cases[dt]), time.time() - t1),
              file=sys.stderr)

    # ---- self-check 1: two precisions agree -------------------------------------------------
    problems = []
    for dt in ("f32", "f64"):
        t1 = time.time()
        bad, worst_rel = check_precision(all_cases[dt], dt)
        print("[%s] precision self-check: %d disagreements, max relative change %.3g (%.1fs)"
              % (dt, len(bad), worst_rel, time.time() - t1), file=sys.stderr)
        for b in bad[:20]:
            problems.append("precision: %r" % (b,))
    # ---- self-check 2: torch agrees on ordinary inputs ---------------------------------------
    report = []
    sanity_checks(all_cases, problems, report)
    if problems:
        print("SELF-CHECK FAILED:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        sys.exit(1)
    print("self-checks passed", file=sys.stderr)

    # ---- write fixtures ---------------------------------------------------------------------
    os.makedirs(OUT_DIR, exist_ok=True)
    for dt in ("f32", "f64"):
        write_fixture(os.path.join(OUT_DIR, "golden_%s.json" % dt), dt, all_cases[dt])

    # ---- accuracy ---------------------------------------------------------------------------
    acc = []
    table = {}
    for dt in ("f32", "f64"):
        for c in all_cases[dt]:
            for direction in ("forward", "backward", "grad_weight"):
                res = accuracy(c, dt, direction)
                if res is None:
                    continue
                mx, wi, nfm = res
                acc.append({"id": c["id"], "spec": c["spec"], "dtype": dt, "direction": direction,
                            "max_ulp": mx if mx is None or math.isfinite(mx) else "inf", "worst_x": worst_x_of(c, direction, wi),
                            "nonfinite_mismatches": nfm})
                table.setdefault((c["id"], dt), {})[direction] = (mx, nfm)
    with open(os.path.join(OUT_DIR, "torch_accuracy.json"), "w") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(a, separators=(",", ":")) for a in acc) + "\n]\n")

    print("| case | dtype | fwd max ULP | bwd max ULP | grad_weight max ULP | nonfinite mismatches (fwd/bwd/gw) |")
    print("|---|---|---|---|---|---|")
    order = [c["id"] for c in all_cases["f32"]]
    specs = {c["id"]: c["spec"] + ("" if c["kind"] == "elem" else " %s" % c["shape"])
             for c in all_cases["f32"]}
    for cid in order:
        for dt in ("f32", "f64"):
            row = table.get((cid, dt))
            if row is None:
                print("| `%s` | %s | – | – | – | no torch equivalent |" % (specs[cid], dt))
                continue
            f = row.get("forward", (None, 0))
            b = row.get("backward", (None, 0))
            w = row.get("grad_weight", (None, 0))
            nf = "%d/%s/%s" % (f[1], "–" if "backward" not in row else b[1],
                                "–" if "grad_weight" not in row else w[1])
            print("| `%s` | %s | %s | %s | %s | %s |" % (
                specs[cid], dt, fmt_ulp(f[0]), fmt_ulp(b[0]) if "backward" in row else "n/a",
                fmt_ulp(w[0]) if "grad_weight" in row else "", nf))
    print("\ntotal time %.1fs" % (time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
