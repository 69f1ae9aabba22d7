//! The logistic and hyperbolic family: sigmoid, tanh, and the activations built from
//! them (SiLU, Mish, LogSigmoid, Softsign, Tanhshrink).

use actfn_math::{dd, ExpParts, Mask, Real};

use crate::info::{props, Family, Info, OpShape};
use crate::lanes::{
    exp_neg_abs, one, over_square_dd, poly, sech2, sigmoid, sigmoid_kernel, sigmoid_prime, with_limits, zero,
};
use crate::op::{Params, Pointwise};
use crate::roots;

/// `sigmoid(x) = 1/(1 + e⁻ˣ)`.
pub(crate) struct Sigmoid;

pub(crate) const SIGMOID: Info = Info {
    name: "sigmoid",
    aliases: &["logistic"],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "the logistic function: squashes to (0, 1); its derivative <= 1/4 makes deep stacks vanish",
    formula: "1/(1 + exp(-x))",
    derivative: "sigmoid(x)·(1 - sigmoid(x))  (max 1/4 at x = 0)",
    range: "(0, 1)",
    properties: props(true, true, true, true, false),
    pytorch: "torch.sigmoid",
    references: &["Rumelhart, Hinton & Williams 1986, Learning representations by back-propagating errors"],
    differences: &["the derivative is computed from the input as e/(1+e)², e = exp(-|x|): PyTorch's y·(1-y) from the output is 0 for x > 17 (f32) where the true value is ~e^-x"],
};

impl<L: Real> Pointwise<L> for Sigmoid {
    fn new(_: &Params<'_, L>) -> Self {
        Sigmoid
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        sigmoid_kernel(x)
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        g * sigmoid_prime(x)
    }
}

/// `tanh(x)`.
pub(crate) struct Tanh;

pub(crate) const TANH: Info = Info {
    name: "tanh",
    aliases: &[],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "hyperbolic tangent: a zero-centred sigmoid, 2·sigmoid(2x) - 1; saturates in both tails",
    formula: "(exp(x) - exp(-x))/(exp(x) + exp(-x))",
    derivative: "1 - tanh(x)²  (max 1 at x = 0)",
    range: "(-1, 1)",
    properties: props(true, true, true, true, true),
    pytorch: "torch.tanh",
    references: &["LeCun, Bottou, Orr & Müller 1998, Efficient BackProp"],
    differences: &["the derivative is computed from the input as 4e/(1+e)², e = exp(-2|x|): PyTorch's 1 - y² is 0 for |x| > 9 (f32) where the true value is ~4e^-2|x|"],
};

impl<L: Real> Pointwise<L> for Tanh {
    fn new(_: &Params<'_, L>) -> Self {
        Tanh
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        x.tanh()
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        g * sech2(x)
    }
}

/// Where [`SplitExp`] splits the exponential.
const DEEP_BELOW: f64 = -80.0;

/// `$kernel::<L, true>(x)` for a vector with a lane below [`DEEP_BELOW`] (or a NaN lane
/// compares false and stays shallow), `$kernel::<L, false>(x)` for the others.
macro_rules! by_depth {
    ($kernel:ident, $x:expr) => {{
        let x = $x;
        if x.lt(L::splat(DEEP_BELOW)).any() {
            $kernel::<L, true>(x)
        } else {
            $kernel::<L, false>(x)
        }
    }};
}

/// `silu(x) = x·σ(x)`.
pub(crate) struct Silu;

pub(crate) const SILU: Info = Info {
    name: "silu",
    aliases: &["swish", "swish1"],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "sigmoid-weighted linear unit (swish): smooth, non-monotonic, minimum -0.2785 at x = -1.2785",
    formula: "x·sigmoid(x)",
    derivative: "sigmoid(x)·(1 + x·(1 - sigmoid(x)))",
    range: "[-0.27846, inf)",
    properties: props(true, false, false, true, false),
    pytorch: "torch.nn.functional.silu",
    references: &[
        "Elfwing, Uchibe & Doya 2018, Sigmoid-weighted linear units (arXiv:1702.03118)",
        "Ramachandran, Zoph & Le 2017, Searching for activation functions (arXiv:1710.05941)",
    ],
    differences: &[
        "silu(-inf) = 0 and silu'(±inf) = 0, 1 (PyTorch: NaN)",
        "the derivative keeps full relative accuracy near its zero at x = -1.2785 (PyTorch: cancellation)",
    ],
};

impl<L: Real> Pointwise<L> for Silu {
    fn new(_: &Params<'_, L>) -> Self {
        Silu
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        by_depth!(silu_quotient, x)
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        g * roots::SILU.apply(x, by_depth!(silu_prime_quotient, x))
    }
}

/// `e = e^{−|x|}` from one exponential, for the one-exponential forms of the logistic
/// family: below `x = −80`, where `e` leaves the normal range before `x·e` does, `u =
/// e^{−|x|/2}` and `e = u·u`, so that `x·e = (x·u)·u` can be formed without underflow
/// (in `f64` too: below −708 the split keeps a subnormal result exact where `e` itself
/// has few bits); elsewhere `u = e`. The exponential comes in parts ([`Real::exp_parts`]):
/// `e` within 1.5 ULP in `f32` lanes (no carried reduction error: 10 % faster SiLU, which
/// every form below has the budget for), and [`SplitExp::plus`] for SiLU′'s bracket.
///
/// `DEEP = false` leaves the split out (`u = e`): [`by_depth!`] picks it for the vectors
/// without a lane below −80, which saves SiLU's backward three multiplications and three
/// selections a vector.
struct SplitExp<L: Real, const DEEP: bool> {
    u: L,
    e: L,
    /// The lanes where `e = u·u` (read only when `DEEP`).
    deep: <L as Real>::Mask,
    /// `u` in parts.
    parts: ExpParts<L>,
}

impl<L: Real, const DEEP: bool> SplitExp<L, DEEP> {
    #[inline(always)]
    fn of(x: L) -> Self {
        let a = -x.abs();
        let deep = a.lt(L::splat(DEEP_BELOW));
        let parts = if DEEP { L::select(deep, a * L::splat(0.5), a) } else { a }.exp_parts();
        let u = parts.value();
        SplitExp {
            u,
            e: if DEEP { L::select(deep, u * u, u) } else { u },
            deep,
            parts,
        }
    }

    /// `v + e` for `x < 0`, through [`ExpParts::plus`]: where `v + 2ⁿ` is exact, its error
    /// is `2ⁿ·m`'s, at most a fifth of `e`'s half ULP near SiLU′'s zero (plain `v + e` in
    /// the deep lanes, where `e` is negligible).
    #[inline(always)]
    fn plus(&self, v: L) -> L {
        let sum = self.parts.plus(v);
        if DEEP {
            L::select(self.deep, v + self.e, sum)
        } else {
            sum
        }
    }

    /// `v·e`, formed as `(v·u)·u` in the deep lanes.
    #[inline(always)]
    fn scale(&self, v: L) -> L {
        let vu = v * self.u;
        if DEEP {
            L::select(self.deep, vu * self.u, vu)
        } else {
            vu
        }
    }
}

/// `x·σ(x)` at every precision: `x/(1 + e)` for `x ≥ 0` and `x·e/(1 + e)` for `x < 0`,
/// `e = e^{−|x|}`; below `x = −80`, where `e` leaves the normal range before `x·e`
/// does, `x·e = (x·u)·u` with `u = e^{x/2}` (one exponential either way).
/// Bound: 4 ULP in `f32` (measured max 3.08 on the accuracy test's grid of [-20, 20], 2.97
/// below −80, where the split exponential's error counts twice); 2 ULP in `f64` on the
/// golden inputs.
///
/// The limits: `silu(+∞) = +∞` comes out of the quotient; `silu(−∞) = −0` (the quotient's
/// `−∞·0`) is set only in deep vectors, the only ones that can hold `−∞`.
#[inline(always)]
fn silu_quotient<L: Real, const DEEP: bool>(x: L) -> L {
    let split = SplitExp::<L, DEEP>::of(x);
    let num = L::select(x.ge(zero()), x, split.scale(x));
    let y = num / (one::<L>() + split.e);
    if DEEP {
        with_limits(x, y, -0.0, f64::INFINITY)
    } else {
        y
    }
}

/// `silu′(x) = σ(x)·(1 + x·σ(−x))` at every precision over `(1 + e)²`, `e = e^{−|x|}`:
/// `(1 + e·(1 + x))/(1 + e)²` for `x ≥ 0` (all terms positive, so the rounding of `1 + x`,
/// which the other branch needs anyway, weighs at most half an ULP) and
/// `e·((1 + x) + e)/(1 + e)²` for `x < 0`, the bracket formed as `((1 + x) + 2ⁿ) + 2ⁿ·m`
/// ([`SplitExp::plus`]) with its first sum exact where it matters, so that it cancels only
/// through `2ⁿ·m`'s error: below 2⁻²⁸·⁶ against `|1 + x + e| ≈ 1.28·|x + 1.2785|`, within
/// budget beyond 1/32 of the zero in `f32` (1/8 in `f64`), where the caller's series takes
/// over. `e·(…)` is split below −80 as in [`silu_quotient`]. The quotient: `(1 + e)² =
/// 1 + e·(2 + e)` by one fused multiply-add (`2 + e` rounds once and weighs at most ¾ of
/// its ULP), divided into: four operations fewer than squaring `1 + e` as a double word,
/// SiLU′ +10–20 % at 64K in `f32`, with the same worst case; correcting the quotient by its
/// remainder (as [`crate::lanes::over_square_dd`] does) costs 16 % of the speed.
/// Bound: 4 ULP in `f32`: measured max 3.79 over every `f32` at AVX-512 (at −6.567, where
/// `e`'s own error counts in full), the same before these two shortcuts (the `x ≥ 0`
/// numerator and the square); in `f64` (bound 8), against mpmath (200 bits) on 64 000
/// points within 0.35 of the zero, on [−20, 20], [−2, 2], [−745, −600] and [20, 40]: 3.0 ULP
/// at every level, as before the shortcuts.
#[inline(always)]
fn silu_prime_quotient<L: Real, const DEEP: bool>(x: L) -> L {
    let one = one::<L>();
    let split = SplitExp::<L, DEEP>::of(x);
    let e = split.e;
    // 1 + x is exact for x ≤ −0.5 (Sterbenz on [−2, −0.5]; below, 1 and x are multiples
    // of x's ULP and |1 + x| < |x|), and so is (1 + x) + 2ⁿ on [−2, −0.5] (a multiple of
    // x's ULP below 1), which covers the bracket's cancellation near −1.28; on (−0.5, 0)
    // the bracket exceeds 1.1 and its roundings stay within one ULP.
    let one_plus_x = one + x;
    // x ≥ 0: 1 + e·(1 + x), whose terms are positive; 1 + x's rounding weighs at most ½.
    let n_pos = e.mul_add(one_plus_x, one);
    let n_neg = split.scale(split.plus(one_plus_x));
    let n = L::select(x.ge(zero()), n_pos, n_neg);
    let q = n / e.mul_add(L::splat(2.0) + e, one);
    // The limits, where the numerator is ∞·0: silu′(+∞) = 1 in every vector, silu′(−∞) = 0
    // only in the deep ones, the only ones that can hold −∞.
    if DEEP {
        with_limits(x, q, 0.0, 1.0)
    } else {
        L::select(x.eq(L::splat(f64::INFINITY)), one, q)
    }
}

/// `mish(x) = x·tanh(softplus(x))`.
pub(crate) struct Mish;

pub(crate) const MISH: Info = Info {
    name: "mish",
    aliases: &[],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "self-regularised non-monotonic activation x·tanh(softplus(x)), minimum -0.3088 at x = -1.1924",
    formula: "x·tanh(log(1 + exp(x)))",
    derivative: "tanh(sp) + x·sigmoid(x)·(1 - tanh(sp)²), sp = softplus(x)",
    range: "[-0.30884, inf)",
    properties: props(true, false, false, true, false),
    pytorch: "torch.nn.functional.mish",
    references: &["Misra 2019, Mish: a self regularized non-monotonic activation function (arXiv:1908.08681)"],
    differences: &[
        "mish(-inf) = 0 and mish'(±inf) = 0, 1 (PyTorch: NaN)",
        "1 - tanh² is computed as sech² without cancellation; the derivative keeps full relative accuracy near its zero at x = -1.1924",
    ],
};

impl<L: Real> Pointwise<L> for Mish {
    fn new(_: &Params<'_, L>) -> Self {
        Mish
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        let y = by_depth!(mish_rational, x);
        with_limits(x, y, -0.0, f64::INFINITY)
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let d = roots::MISH.apply(x, by_depth!(mish_prime_rational, x));
        g * with_limits(x, d, 0.0, 1.0)
    }
}

/// `x·tanh(softplus(x))` at every precision as one rational function of `w = e^{−|x|}`
/// (`tanh(ln(1 + eˣ)) = p/(p + 2)`, `p = eˣ(eˣ + 2)`), written as a correction to its
/// leading term: `x − x·c` with `c = 2w²/(1 + 2w + 2w²)` for `x ≥ 0` and `xw − xw·c` with
/// `c = w(1 + w)/(2 + 2w + w²)` for `x < 0`. `c ≤ 0.4`, so its roundings weigh at most 2/3
/// and vanish in the tails; `x·w` is split below `x = −80` as in [`silu_quotient`]. One
/// exponential instead of exp, log1p and tanh.
/// Bound: 4 ULP in `f32` (measured max 2.27 on the accuracy test's grid); 2 ULP in `f64`.
#[inline(always)]
fn mish_rational<L: Real, const DEEP: bool>(x: L) -> L {
    let one = one::<L>();
    let two = L::splat(2.0);
    let split = SplitExp::<L, DEEP>::of(x);
    let w = split.e;
    let t = two * w;
    let pos = x.ge(zero());
    let c_num = L::select(pos, t * w, w.mul_add(w, w));
    let c_den = L::select(pos, t.mul_add(w, one + t), w.mul_add(w + two, two));
    let base = L::select(pos, x, split.scale(x));
    // mish has the sign of x; the copy gives mish(−0) = −0, as PyTorch's x·tanh(…).
    (-base).mul_add(c_num / c_den, base).copysign(x)
}

/// `mish′(x) = tanh(sp) + x·σ(x)·sech²(sp)`, `sp = softplus(x)`, at every precision as a
/// rational function of `w = e^{−|x|}` (one exponential):
///
/// - `x ≥ 0`: `1 + 2w²·(2x·(1 + w) − D)/D²`, `D = 1 + 2w + 2w²`: a correction of at most
///   −0.4 to 1, so its few roundings weigh at most 2/3;
/// - `x < 0`: `w·B/D′²`, `D′ = 2 + w(w + 2)` a double word, `B = w·(w(w + 4) + 6 + 4x) +
///   4(1 + x)` with `1 + x` split exactly, so that `B` cancels near the zero at −1.1924 only
///   through `w`'s own error and two roundings (the caller's series takes over within 0.25
///   of it); the quotient is corrected by its remainder ([`over_square_dd`]). `w·B` is
///   split below −80 as in [`silu_quotient`].
///
/// `x·w` is formed before doubling, and the negative branch uses `x` clamped at −128 in
/// `f32` (−1024 in `f64`), so that `w = 0` gives 0 for every finite `x`.
/// Bound: 4 ULP in `f32` (measured max 3.03 on the accuracy test's grid); 2 ULP in `f64`.
#[inline(always)]
fn mish_prime_rational<L: Real, const DEEP: bool>(x: L) -> L {
    let one = one::<L>();
    let two = L::splat(2.0);
    let four = L::splat(4.0);
    let split = SplitExp::<L, DEEP>::of(x);
    let w = split.e;
    // x ≥ 0: the correction's numerator 2w²·(2x(1 + w) − D) and denominator D.
    let xw = split.scale(x);
    let t = two * w;
    let d_pos = t.mul_add(w, one + t);
    let num_pos = t * (xw + xw).mul_add(one + w, -(w * d_pos));
    // x < 0: w·B and D′ = 2 + w·(w + 2) as a double word.
    // (Below the clamp the result is 0 in the element type: e^x·|x| underflows.)
    let floor = L::splat(if L::PRECISION < 53 { -128.0 } else { -1024.0 });
    let x_c = L::select(x.lt(floor), floor, x);
    let (w2, w2_lo) = dd::two_sum(two, w);
    let d_neg = w.mul_add(w2, two);
    let d_neg_lo = w.mul_add(w2, two - d_neg) + w * w2_lo;
    let (s, s_lo) = dd::two_sum(one, x_c);
    let c = w.mul_add(w + four, four.mul_add(x_c, L::splat(6.0)));
    let b = w.mul_add(c, four * s) + four * s_lo;
    let num_neg = split.scale(b);
    let pos = x.ge(zero());
    let q = over_square_dd(
        L::select(pos, num_pos, num_neg),
        L::select(pos, d_pos, d_neg),
        L::select(pos, zero(), d_neg_lo),
    );
    L::select(pos, one + q, q)
}

/// `log_sigmoid(x) = ln σ(x) = −softplus(−x)`.
pub(crate) struct LogSigmoid;

pub(crate) const LOG_SIGMOID: Info = Info {
    name: "log_sigmoid",
    aliases: &[],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "log of the sigmoid, computed without overflow: the building block of binary cross-entropy",
    formula: "log(1/(1 + exp(-x))) = min(x, 0) - log(1 + exp(-|x|))",
    derivative: "sigmoid(-x) = 1 - sigmoid(x)",
    range: "(-inf, 0)",
    properties: props(false, true, true, true, false),
    pytorch: "torch.nn.functional.logsigmoid",
    references: &[],
    differences: &[],
};

impl<L: Real> Pointwise<L> for LogSigmoid {
    fn new(_: &Params<'_, L>) -> Self {
        LogSigmoid
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        // A NaN x makes the logarithm NaN, so min(x, 0) need not propagate it.
        L::select(x.lt(zero()), x, zero()) - exp_neg_abs(x).ln_1p_unit()
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        g * sigmoid(-x)
    }
}

/// `softsign(x) = x/(1 + |x|)`.
pub(crate) struct Softsign;

pub(crate) const SOFTSIGN: Info = Info {
    name: "softsign",
    aliases: &[],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "tanh-like squashing with polynomial tails: saturates slower than tanh",
    formula: "x/(1 + |x|)",
    derivative: "1/(1 + |x|)²",
    range: "(-1, 1)",
    properties: props(true, true, true, true, true),
    pytorch: "torch.nn.functional.softsign",
    references: &["Bergstra et al. 2009, Quadratic polynomials learn better image features"],
    differences: &["softsign(±inf) = ±1 (PyTorch: NaN)"],
};

impl<L: Real> Pointwise<L> for Softsign {
    fn new(_: &Params<'_, L>) -> Self {
        Softsign
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        with_limits(x, x / (one::<L>() + x.abs()), -1.0, 1.0)
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let r = one::<L>() / (one::<L>() + x.abs());
        g * (r * r)
    }
}

/// `tanhshrink(x) = x − tanh(x)`.
pub(crate) struct Tanhshrink;

pub(crate) const TANHSHRINK: Info = Info {
    name: "tanhshrink",
    aliases: &[],
    family: Family::Logistic,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "x minus tanh(x): flat (cubic) near 0, identity-like far out",
    formula: "x - tanh(x)",
    derivative: "tanh(x)²",
    range: "(-inf, inf)",
    properties: props(false, false, true, true, true),
    pytorch: "torch.nn.functional.tanhshrink",
    references: &[],
    differences: &["accurate near 0, where x - tanh(x) ≈ x³/3 cancels every digit in PyTorch's formula (f32: 0 for |x| < 1e-3 instead of x³/3)"],
};

/// `2n/(2n+1)!` for n = 1..=13: `x·cosh x − sinh x = Σ 2n·x^{2n+1}/(2n+1)!`. All terms
/// are positive, so the sum keeps full relative accuracy; 13 terms reach 2⁻⁵⁶ relative
/// at |x| = 2.
const TANHSHRINK_SERIES: [f64; 13] = [
    0.333_333_333_333_333_3,
    0.033_333_333_333_333_33,
    0.001_190_476_190_476_190_6,
    2.204_585_537_918_871_4e-5,
    2.505_210_838_544_172e-7,
    1.927_085_260_418_593_7e-9,
    1.070_602_922_454_774_3e-11,
    4.498_331_606_952_833e-14,
    1.479_714_344_392_379_3e-16,
    3.914_588_212_678_252_3e-19,
    8.509_974_375_387_505e-22,
    1.547_268_068_252_273_6e-24,
    2.387_759_364_586_842e-27,
];

/// `(x − tanh x)/x³ ≈ P(u)/Q(u)`, `u = x²` on [0, 4], a (2, 2) rational (its poles mirror
/// tanh's at ±iπ/2): relative error below 2^-27 with these `f32` coefficients, from
/// `scripts/fit_f32_kernels.py`. `P(0)/Q(0) = 1.25/3.75`: scaled by 5/4 so that both start
/// in the upper half of their binades, where a rounding weighs least.
const TANHSHRINK_P: [f64; 3] = [1.25, 0.059_983_048_588_037_49, 2.140_195_829_269_942e-5];
const TANHSHRINK_Q: [f64; 3] = [3.75, 1.679_949_045_181_274_4, 0.064_901_396_632_194_52];

/// `x − tanh x` in single-precision vector lanes: for |x| < 1.75, `x³·P(x²)/Q(x²)` with
/// `x³` an exact double word (no cosh and no division by it: a quarter of the series'
/// cost); beyond, `sign(x)·((|x| − 1) + 2e/(1 + e))` with `e = e^{−2|x|}`: `|x| − 1` is
/// exact (Sterbenz up to 2, multiples of x's ULP above) and the quotient, below 0.06, weighs
/// little against it. Both sides share one division (numerator and denominator selected
/// first) and skip tanh's own small-argument polynomial. (Up to 2 the rational alone stays
/// within 3.4 ULP, but its results there sit just below 1, where an ULP is smallest
/// relative to the intermediate roundings.)
/// Bound: 4 ULP (measured max 2.75 on a 2M-point grid of [-2.5, 2.5]).
#[inline(always)]
fn tanhshrink_single<L: Real>(x: L) -> L {
    let one = one::<L>();
    let a = x.abs();
    let near = a.lt(L::splat(1.75));
    let (u, u_lo) = dd::two_prod(x, x);
    let (c, c_lo) = dd::two_prod(x, u);
    let c_lo = x.mul_add(u_lo, c_lo);
    let e = (L::splat(-2.0) * a).exp();
    let num = L::select(near, poly(u, &TANHSHRINK_P), e + e);
    let den = L::select(near, poly(u, &TANHSHRINK_Q), one + e);
    let r = num / den;
    // Both sides are non-negative magnitudes (x³·r for x ≥ 0, or its negation); `copysign`
    // gives x's sign, ±0 included, and keeps NaN.
    let near_value = c.mul_add(r, c_lo * r).abs();
    L::select(near, near_value, (a - one) + r).copysign(x)
}

impl<L: Real> Pointwise<L> for Tanhshrink {
    fn new(_: &Params<'_, L>) -> Self {
        Tanhshrink
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        if L::PRECISION < 53 && L::LANES > 1 {
            return tanhshrink_single(x);
        }
        // |x| < 2: (x·cosh x − sinh x)/cosh x from its all-positive series; beyond,
        // x − tanh x cancels by less than a factor 2.
        let small = x.abs().lt(L::splat(2.0));
        let xs = L::select(small, x, zero());
        let series = xs * xs * xs * poly(xs * xs, &TANHSHRINK_SERIES) / xs.cosh();
        L::select(small, series, x - x.tanh())
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        g * x.tanh_sq()
    }
}
