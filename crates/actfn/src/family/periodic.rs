//! Periodic activations: SIREN's sine.

use actfn_math::{dd, Real};

use crate::info::{props, real, Family, Info, OpShape};
use crate::op::{Params, Pointwise};

pub(crate) const SINE: Info = Info {
    name: "sine",
    aliases: &["sin", "siren"],
    family: Family::Periodic,
    shape: OpShape::Pointwise,
    params: &[real("w0", 30.0, "frequency: SIREN uses 30 so that the first layer spans several periods over [-1, 1]")],
    summary: "SIREN's periodic activation sin(w0·x): networks of it represent signals and their derivatives",
    formula: "sin(w0·x)",
    derivative: "w0·cos(w0·x)",
    range: "[-1, 1]",
    properties: props(true, true, false, true, true),
    pytorch: "torch.sin(w0 * x)",
    references: &["Sitzmann, Martel, Bergman, Lindell & Wetzstein 2020, Implicit neural representations with periodic activation functions (arXiv:2006.09661)"],
    differences: &["the product w0·x is carried exactly (sin(hi + lo) expanded), so results near the zeros of sin keep their relative accuracy; PyTorch rounds w0·x first"],
};

/// `sin(w0·x)`.
pub(crate) struct Sine<L> {
    w0: L,
}

impl<L: Real> Pointwise<L> for Sine<L> {
    fn new(p: &Params<'_, L>) -> Self {
        Sine { w0: p.get(0) }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        let (hi, lo) = product(self.w0, x);
        // sin(hi + lo) = sin(hi)·cos(lo) + cos(hi)·sin(lo).
        hi.sin().mul_add(lo.cos(), hi.cos() * lo.sin())
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let (hi, lo) = product(self.w0, x);
        // cos(hi + lo) = cos(hi)·cos(lo) − sin(hi)·sin(lo).
        let c = hi.cos().mul_add(lo.cos(), -(hi.sin() * lo.sin()));
        g * (self.w0 * c)
    }
}

/// `w0·x = hi + lo` exactly; `lo = 0` where the product is not finite.
#[inline(always)]
fn product<L: Real>(w0: L, x: L) -> (L, L) {
    let (hi, lo) = dd::two_prod(w0, x);
    (hi, L::select(lo.is_nan(), L::splat(0.0), lo))
}
