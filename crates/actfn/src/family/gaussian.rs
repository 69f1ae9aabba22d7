//! GELU: the input weighted by the standard normal CDF, exact (erf) or tanh-approximated.

use actfn_math::{dd, Real};

use crate::info::{props, Family, Info, OpShape, Param, ParamKind};
use crate::lanes::{sigmoid_dd, sigmoid_prime_dd, with_limits};
use crate::op::{Params, Pointwise};
use crate::roots;

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
        x.gelu()
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let d = x.gelu_prime();
        // Single-precision vector lanes carry the zero at −0.7518 as an exact factor;
        // the others add two terms that cancel there.
        if L::PRECISION < 53 && L::LANES > 1 {
            g * d
        } else {
            g * roots::GELU.apply(x, d)
        }
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
