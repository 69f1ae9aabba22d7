//! The exponential family: ELU, CELU, SELU (one kernel in PyTorch), and softplus.

use actfn_math::{dd, Real};

use crate::info::{real, Family, Info, OpShape, Properties};
use crate::lanes::{exp_neg_abs, sigmoid_dd, sigmoid_kernel, zero};
use crate::op::{Params, Pointwise};

/// SELU's α (Klambauer et al. 2017), as PyTorch spells it.
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
/// SELU's λ (scale).
pub const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
/// α·λ rounded once from the exact product.
const SELU_ALPHA_SCALE: f64 = 1.758_099_340_847_376_8;

/// `elu(x; α) = x > 0 ? x : α·(eˣ − 1)`.
pub(crate) struct Elu<L> {
    alpha: L,
}

pub(crate) const ELU: Info = Info {
    name: "elu",
    aliases: &[],
    family: Family::Exponential,
    shape: OpShape::Pointwise,
    params: &[real("alpha", 1.0, "the negative saturation value is -alpha")],
    summary: "exponential linear unit: negative values push the mean activation toward 0",
    formula: "x if x > 0 else alpha·(exp(x) - 1)",
    derivative: "1 if x > 0 else alpha·exp(x) (alpha at x = 0, as PyTorch)",
    range: "(-alpha, inf)",
    properties: Properties {
        bounded_below: true,
        bounded_above: false,
        monotonic: true,
        smooth: true,
        zero_centred: true,
        self_normalising: false,
    },
    pytorch: "torch.nn.functional.elu",
    references: &["Clevert, Unterthiner & Hochreiter 2016, Fast and accurate deep network learning by exponential linear units (arXiv:1511.07289)"],
    differences: &[],
};

impl<L: Real> Pointwise<L> for Elu<L> {
    fn new(p: &Params<'_, L>) -> Self {
        Elu { alpha: p.get(0) }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        L::select(x.gt(zero()), x, self.alpha * x.exp_m1())
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        L::select(x.gt(zero()), g, g * (self.alpha * x.exp()))
    }
}

/// `celu(x; α) = x > 0 ? x : α·(e^{x/α} − 1)`.
pub(crate) struct Celu<L> {
    alpha: L,
    /// `1/α` when it is exact ([`exact_inverse`]).
    exact_inverse: Option<L>,
}

pub(crate) const CELU: Info = Info {
    name: "celu",
    aliases: &[],
    family: Family::Exponential,
    shape: OpShape::Pointwise,
    params: &[real("alpha", 1.0, "the negative saturation value is -alpha (!= 0)")],
    summary: "continuously differentiable ELU: its derivative is 1 at 0 for every alpha",
    formula: "x if x > 0 else alpha·(exp(x/alpha) - 1)",
    derivative: "1 if x > 0 else exp(x/alpha) (1 at x = 0)",
    range: "(-alpha, inf)",
    properties: Properties {
        bounded_below: true,
        bounded_above: false,
        monotonic: true,
        smooth: true,
        zero_centred: true,
        self_normalising: false,
    },
    pytorch: "torch.nn.functional.celu",
    references: &["Barron 2017, Continuously differentiable exponential linear units (arXiv:1704.07483)"],
    differences: &[],
};

impl<L: Real> Pointwise<L> for Celu<L> {
    fn new(p: &Params<'_, L>) -> Self {
        Celu {
            alpha: p.get(0),
            exact_inverse: exact_inverse(p, 0),
        }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        let t = match self.exact_inverse {
            Some(inv) => x * inv,
            None => x / self.alpha,
        };
        L::select(x.gt(zero()), x, self.alpha * t.exp_m1())
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let e = match self.exact_inverse {
            // x/α is exact.
            Some(inv) => (x * inv).exp(),
            None => {
                // exp(x/α) with the quotient's rounding error carried: t = hi + lo exactly.
                let hi = x / self.alpha;
                let lo = (-hi).mul_add(self.alpha, x) / self.alpha;
                dd::exp_dd(hi, L::select(lo.is_nan(), zero(), lo))
            }
        };
        L::select(x.gt(zero()), g, g * e)
    }
}

/// `selu(x) = λ·(x > 0 ? x : α·(eˣ − 1))`.
pub(crate) struct Selu;

pub(crate) const SELU: Info = Info {
    name: "selu",
    aliases: &[],
    family: Family::Exponential,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "scaled ELU whose fixed point keeps activations at mean 0, variance 1 (with LeCun-normal init)",
    formula: "scale·(x if x > 0 else alpha·(exp(x) - 1)), alpha = 1.6732632423543772, scale = 1.0507009873554805",
    derivative: "scale if x > 0 else scale·alpha·exp(x) (scale·alpha at x = 0, as PyTorch)",
    range: "(-scale·alpha, inf) = (-1.7581, inf)",
    properties: Properties {
        bounded_below: true,
        bounded_above: false,
        monotonic: true,
        smooth: false,
        zero_centred: true,
        self_normalising: true,
    },
    pytorch: "torch.nn.functional.selu",
    references: &[
        "Klambauer, Unterthiner, Mayr & Hochreiter 2017, Self-normalizing neural networks (arXiv:1706.02515)",
    ],
    differences: &[],
};

impl<L: Real> Pointwise<L> for Selu {
    fn new(_: &Params<'_, L>) -> Self {
        Selu
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        L::select(
            x.gt(zero()),
            L::splat(SELU_SCALE) * x,
            L::splat(SELU_ALPHA_SCALE) * x.exp_m1(),
        )
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        L::select(
            x.gt(zero()),
            g * L::splat(SELU_SCALE),
            g * (L::splat(SELU_ALPHA_SCALE) * x.exp()),
        )
    }
}

/// `1/p[i]` when it is exact: the parameter is ± a power of two (the default 1 among them)
/// whose inverse is a normal number in `f32` too, so that dividing by it and multiplying
/// by its inverse give the same result.
fn exact_inverse<L: Real>(p: &Params<'_, L>, i: usize) -> Option<L> {
    let v = p.raw(i);
    let mantissa = v.to_bits() & ((1 << 52) - 1);
    let power_of_two = mantissa == 0 && (2f64.powi(-100)..=2f64.powi(100)).contains(&v.abs());
    power_of_two.then(|| p.lane(1.0 / v))
}

/// `softplus(x; β, threshold) = β·x > threshold ? x : ln(1 + e^{βx})/β`.
pub(crate) struct Softplus<L> {
    beta: L,
    threshold: L,
    round_f32: bool,
    /// `1/β` when it is exact ([`exact_inverse`]): the final division becomes a
    /// multiplication with the same result.
    exact_inverse: Option<L>,
}

pub(crate) const SOFTPLUS: Info = Info {
    name: "softplus",
    aliases: &[],
    family: Family::Exponential,
    shape: OpShape::Pointwise,
    params: &[
        real("beta", 1.0, "sharpness (!= 0)"),
        real("threshold", 20.0, "above beta·x > threshold the function is the identity"),
    ],
    summary: "a smooth ReLU, log(1 + exp(x)); switches to x when beta·x exceeds the threshold",
    formula: "x if beta·x > threshold else log(1 + exp(beta·x))/beta",
    derivative: "1 if beta·x > threshold else sigmoid(beta·x)",
    range: "(0, inf)",
    properties: Properties {
        bounded_below: true,
        bounded_above: false,
        monotonic: true,
        smooth: true,
        zero_centred: false,
        self_normalising: false,
    },
    pytorch: "torch.nn.functional.softplus",
    references: &["Dugas et al. 2001, Incorporating second-order functional knowledge for better option pricing"],
    differences: &[
        "below the threshold, computed as (max(t,0) + log1p(exp(-|t|)))/beta with t = beta·x: finite where PyTorch's log1p(exp(t)) overflows to inf (threshold set above 88 in f32)",
        "its derivative sigmoid(beta·x) is computed stably: PyTorch's z/(z+1) with z = exp(beta·x) gives NaN once z overflows",
    ],
};

impl<L: Real> Softplus<L> {
    /// Whether `β·x` (as PyTorch computes it, in the element type) exceeds the threshold.
    #[inline(always)]
    fn identity(&self, t: L) -> L::Mask {
        let t = if self.round_f32 { t.round_f32() } else { t };
        t.gt(self.threshold)
    }
}

impl<L: Real> Pointwise<L> for Softplus<L> {
    fn new(p: &Params<'_, L>) -> Self {
        Softplus {
            beta: p.get(0),
            threshold: p.get(1),
            round_f32: p.rounds_to_f32(),
            exact_inverse: exact_inverse(p, 0),
        }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        if let Some(inv) = self.exact_inverse {
            // β a power of two: t = β·x is exact, no low word to carry.
            let t = self.beta * x;
            let sum = L::select(t.gt(zero()), t, zero()) + exp_neg_abs(t).ln_1p_unit();
            return L::select(self.identity(t), x, sum * inv);
        }
        let (t, t_lo) = dd::two_prod(self.beta, x);
        let t_lo = L::select(t_lo.is_nan(), zero(), t_lo);
        let identity = self.identity(t);
        // ln(1 + e^t) = max(t, 0) + ln(1 + e^{−|t|}), with t's low word in both parts.
        let pos = t.gt(zero());
        let e = dd::exp_dd(L::select(pos, -t, t), L::select(pos, -t_lo, t_lo));
        let head = L::select(pos, t, zero());
        let tail = L::select(pos, t_lo, zero()) + e.ln_1p_unit();
        let sum = head + tail;
        let y = match self.exact_inverse {
            Some(inv) => sum * inv,
            None => sum / self.beta,
        };
        L::select(identity, x, y)
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        if self.exact_inverse.is_some() {
            // β a power of two: t = β·x is exact.
            let t = self.beta * x;
            return L::select(self.identity(t), g, g * sigmoid_kernel(t));
        }
        let (t, t_lo) = dd::two_prod(self.beta, x);
        let t_lo = L::select(t_lo.is_nan(), zero(), t_lo);
        let identity = self.identity(t);
        L::select(identity, g, g * sigmoid_dd(t, t_lo))
    }
}
