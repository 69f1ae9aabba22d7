//! GELU: the input weighted by the standard normal CDF, exact (erf) or tanh-approximated.

use actfn_math::{dd, Real};

use crate::info::{props, Family, Info, OpShape, Param, ParamKind};
use crate::lanes::{sigmoid_dd, sigmoid_prime_dd, with_limits};
use crate::op::{Params, Pointwise};
use crate::roots;

/// 1/√2 as a double word.
const FRAC_1_SQRT_2: (f64, f64) = (core::f64::consts::FRAC_1_SQRT_2, -4.833_646_656_726_457e-17);
/// 2/√π.
const FRAC_2_SQRT_PI: f64 = core::f64::consts::FRAC_2_SQRT_PI;
/// 1/√(2π).
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// 2·√(2/π) as a double word (the tanh form is x·σ(2u), u = √(2/π)(x + 0.044715x³)).
const TWO_SQRT_2_OVER_PI: (f64, f64) = (1.595_769_121_605_730_8, -9.969_308_809_110_92e-17);
/// 0.044715 as a double word.
const GELU_TANH_C: (f64, f64) = (0.044_715, 2.196_021_142_708_559_5e-18);

/// The `approximate` choices, in PyTorch's spelling.
pub(crate) const APPROXIMATE: &[&str] = &["none", "tanh"];

pub(crate) const GELU: Info = Info {
    name: "gelu",
    aliases: &["gaussian_error_linear_unit"],
    family: Family::Gaussian,
    shape: OpShape::Pointwise,
    params: &[Param {
        name: "approximate",
        kind: ParamKind::Choice(APPROXIMATE),
        default: Some(0.0),
        doc: "`none`: exact x·Φ(x) with erf; `tanh`: the tanh approximation",
    }],
    summary: "x weighted by the probability that a standard normal is below x; the transformers' default",
    formula: "x·Φ(x) = x/2·(1 + erf(x/√2)); tanh: x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))",
    derivative: "Φ(x) + x·φ(x), φ(x) = exp(-x²/2)/√(2π); tanh: the derivative of its formula",
    range: "[-0.16997, inf)",
    properties: props(true, false, false, true, false),
    pytorch: "torch.nn.functional.gelu(x, approximate='none'|'tanh')",
    references: &["Hendrycks & Gimpel 2016, Gaussian error linear units (arXiv:1606.08415)"],
    differences: &[
        "computed as x/2·erfc(-x/√2): PyTorch's 1 + erf(x/√2) cancels in the negative tail (f32 gelu(-6) = -0 instead of -5.9e-9; error 17% at x = -5)",
        "gelu(-inf) = 0 (PyTorch: NaN) and gelu'(±inf) = 1, 0",
        "the tanh form is computed as x·sigmoid(2u), exact in its negative tail where 1 + tanh(u) cancels",
        "the derivative keeps full relative accuracy near its zero at x = -0.7518",
    ],
};

/// GELU: exact `x·Φ(x)`, or the tanh form when `approximate=tanh`.
pub(crate) struct Gelu {
    tanh: bool,
}

/// Exact GELU (also the gate of GEGLU).
pub(crate) struct GeluErf;

/// `Φ(x) = erfc(−x/√2)/2` with the argument's rounding error corrected: in the left
/// tail `erfc(t)` amplifies a relative error δ of `t` to `2t²δ`.
#[inline(always)]
pub(crate) fn normal_cdf<L: Real>(x: L) -> L {
    let (c, c_lo) = L::splat_dd(FRAC_1_SQRT_2.0, FRAC_1_SQRT_2.1);
    let (t, t_lo) = dd::two_prod(-x, c);
    let t_lo = t_lo + (-x) * c_lo;
    // erfc(t + t_lo) = erfc(t) − t_lo·(2/√π)·e^{−t²}.
    let slope = L::splat(FRAC_2_SQRT_PI) * (-(t * t)).exp();
    let t_lo = L::select(t_lo.is_nan(), L::splat(0.0), t_lo);
    (t_lo * slope).mul_add(L::splat(-1.0), t.erfc()) * L::splat(0.5)
}

/// GELU in single-precision lanes, from [`Real::normal_tail`]'s `Φ(−|x|) = e·q/2`:
/// `x·Φ(x) = (x·q/2)·e` for `x < 0` (multiplied in that order, the product leaves the
/// normal range only where the result does) and `x − (x·q/2)·e` for `x ≥ 0` (`Φ ≥ ½`:
/// at most one bit cancels). `|x|/√2` is rounded once, which moves `q` (a slowly varying
/// function) by less than 2^-24 relative; the Gaussian factor uses the exact `x²`.
/// Bound: 4 ULP (measured max 3.21 on the accuracy test's grid of [-20, 20]).
#[inline(always)]
fn gelu_single<L: Real>(x: L) -> L {
    let (e, q) = x.normal_tail(0);
    let lower = (x * q * L::splat(0.5)) * e;
    L::select(x.lt(L::splat(0.0)), lower, x - lower)
}

/// GELU's derivative `Φ(x) + x·φ(x)` in single-precision lanes, from the same split
/// `Φ(−|x|) = e·q/2`, `φ(x) = e/√(2π)`: `e·(q/2 + x/√(2π))` for `x < 0` and
/// `1 + e·(x/√(2π) − q/2)` for `x ≥ 0`, each bracket one fused multiply-add. Near the
/// zero at −0.7518 the caller's Taylor window takes over ([`roots::GELU`]). `e` comes
/// scaled by 2³² and the product is scaled back: for 13.2 < |x| < 13.4 the derivative is
/// normal while `e` is not.
/// Bound: 4 ULP (measured by the accuracy tests at every level).
#[inline(always)]
fn gelu_prime_single<L: Real>(x: L) -> L {
    const SCALE: i32 = 32;
    let (e, q) = x.normal_tail(SCALE);
    let unscale = L::splat(2f64.powi(-SCALE));
    let c = L::splat(FRAC_1_SQRT_2PI);
    let half_q = q * L::splat(0.5);
    let lower = (e * x.mul_add(c, half_q)) * unscale;
    let upper = (e * unscale).mul_add(x.mul_add(c, -half_q), L::splat(1.0));
    L::select(x.lt(L::splat(0.0)), lower, upper)
}

/// `φ(x) = e^{−x²/2}/√(2π)` with `x²` carried exactly.
#[inline(always)]
pub(crate) fn normal_pdf<L: Real>(x: L) -> L {
    let (s, s_lo) = dd::two_prod(x, x);
    let s_lo = L::select(s_lo.is_nan(), L::splat(0.0), s_lo);
    dd::exp_dd(s * L::splat(-0.5), s_lo * L::splat(-0.5)) * L::splat(FRAC_1_SQRT_2PI)
}

impl<L: Real> Pointwise<L> for Gelu {
    fn new(p: &Params<'_, L>) -> Self {
        Gelu { tanh: p.raw(0) == 1.0 }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        if self.tanh {
            GeluTanh.fwd(x)
        } else {
            GeluErf.fwd(x)
        }
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        if self.tanh {
            GeluTanh.bwd(x, g)
        } else {
            GeluErf.bwd(x, g)
        }
    }
}

impl<L: Real> Pointwise<L> for GeluErf {
    fn new(_: &Params<'_, L>) -> Self {
        GeluErf
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        if L::PRECISION < 53 {
            return with_limits(x, gelu_single(x), -0.0, f64::INFINITY);
        }
        with_limits(x, x * normal_cdf(x), -0.0, f64::INFINITY)
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let d = if L::PRECISION < 53 {
            gelu_prime_single(x)
        } else {
            normal_cdf(x) + x * normal_pdf(x)
        };
        let d = roots::GELU.apply(x, d);
        g * with_limits(x, d, 0.0, 1.0)
    }
}

/// GELU's tanh approximation, computed as `x·σ(2u)`.
pub(crate) struct GeluTanh;

/// `2u = 2√(2/π)(x + 0.044715x³)` as a double word. Beyond |x| = 10⁴ the result no
/// longer changes (σ is 0 or 1 to every digit), so x is clamped there to keep x³ finite.
#[inline(always)]
fn two_u<L: Real>(x: L) -> (L, L) {
    let xc = x.max_nan(L::splat(-1e4)).min_nan(L::splat(1e4));
    let (s, s_lo) = dd::two_prod(xc, xc);
    let (c, c_lo) = dd::mul_dd(s, s_lo, xc);
    let (k, k_lo) = L::splat_dd(GELU_TANH_C.0, GELU_TANH_C.1);
    let (c, c_lo) = dd::mul_dd_dd(c, c_lo, k, k_lo);
    let (v, v_lo) = dd::add_dd(c, c_lo, xc);
    let (m, m_lo) = L::splat_dd(TWO_SQRT_2_OVER_PI.0, TWO_SQRT_2_OVER_PI.1);
    dd::mul_dd_dd(v, v_lo, m, m_lo)
}

impl GeluTanh {
    #[inline(always)]
    fn fwd<L: Real>(&self, x: L) -> L {
        let (z, z_lo) = two_u(x);
        with_limits(x, x * sigmoid_dd(z, z_lo), -0.0, f64::INFINITY)
    }
    #[inline(always)]
    fn bwd<L: Real>(&self, x: L, g: L) -> L {
        // d/dx x·σ(2u) = σ(2u) + x·(2u)'·σ'(2u), (2u)' = 2√(2/π)(1 + 3·0.044715x²).
        let xc = x.max_nan(L::splat(-1e4)).min_nan(L::splat(1e4));
        let (z, z_lo) = two_u(xc);
        let dz = L::splat(TWO_SQRT_2_OVER_PI.0) * (L::splat(3.0 * GELU_TANH_C.0) * xc).mul_add(xc, L::splat(1.0));
        let d = sigmoid_dd(z, z_lo) + xc * dz * sigmoid_prime_dd(z, z_lo);
        let d = roots::GELU_TANH.apply(xc, d);
        g * d
    }
}
