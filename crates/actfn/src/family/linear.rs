//! The linear activations and the step: the lecture's first two candidates.

use actfn_math::Real;

use crate::info::{props, real, Family, Info, OpShape};
use crate::lanes::{one, zero};
use crate::op::{Params, Pointwise, Slope};

/// `identity(x) = x`.
pub(crate) struct Identity;

pub(crate) const IDENTITY: Info = Info {
    name: "identity",
    aliases: &["none", "id"],
    family: Family::Linear,
    shape: OpShape::Pointwise,
    params: &[],
    summary: "no activation: the layer stays linear",
    formula: "x",
    derivative: "1",
    range: "(-inf, inf)",
    properties: props(false, false, true, true, true),
    pytorch: "torch.nn.Identity",
    references: &[],
    differences: &[],
};

impl<L: Real> Pointwise<L> for Identity {
    const SLOPE: Slope = Slope::Constant;
    fn new(_: &Params<'_, L>) -> Self {
        Identity
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        x
    }
    #[inline(always)]
    fn bwd(&self, _x: L, g: L) -> L {
        g
    }
}

/// `linear(x; c) = c·x`.
pub(crate) struct Linear<L> {
    c: L,
}

pub(crate) const LINEAR: Info = Info {
    name: "linear",
    aliases: &[],
    family: Family::Linear,
    shape: OpShape::Pointwise,
    params: &[real("c", 1.0, "the slope")],
    summary: "output proportional to the input; stacked linear layers collapse into one",
    formula: "c·x",
    derivative: "c (constant: the gradient carries no information about x)",
    range: "(-inf, inf)",
    properties: props(false, false, true, true, true),
    pytorch: "c * x",
    references: &[],
    differences: &[],
};

impl<L: Real> Pointwise<L> for Linear<L> {
    const SLOPE: Slope = Slope::Constant;
    fn new(p: &Params<'_, L>) -> Self {
        Linear { c: p.get(0) }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        self.c * x
    }
    #[inline(always)]
    fn bwd(&self, _x: L, g: L) -> L {
        self.c * g
    }
}

/// `step(x; threshold) = x > threshold ? 1 : 0`, the Heaviside step.
pub(crate) struct Step<L> {
    threshold: L,
}

pub(crate) const STEP: Info = Info {
    name: "step",
    aliases: &["heaviside", "binary_step"],
    family: Family::Linear,
    shape: OpShape::Pointwise,
    params: &[real("threshold", 0.0, "the input above which the unit fires")],
    summary: "the naive activation: fires (1) above a threshold, else 0; its zero gradient cannot train",
    formula: "1 if x > threshold else 0",
    derivative: "0 everywhere (the jump at the threshold has no useful derivative)",
    range: "{0, 1}",
    properties: props(true, true, true, false, false),
    pytorch: "(x > threshold).to(x.dtype) (torch.heaviside(x - threshold, 0) has no gradient)",
    references: &["McCulloch & Pitts 1943; Rosenblatt 1958 (the perceptron)"],
    differences: &["NaN input gives NaN (a comparison in PyTorch gives 0)"],
};

impl<L: Real> Pointwise<L> for Step<L> {
    const SLOPE: Slope = Slope::Zero;
    fn new(p: &Params<'_, L>) -> Self {
        Step { threshold: p.get(0) }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        L::select(x.gt(self.threshold), one(), zero())
    }
    #[inline(always)]
    fn bwd(&self, _x: L, _g: L) -> L {
        zero()
    }
}
