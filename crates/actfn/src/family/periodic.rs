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
    differences: &[
        "the product w0·x is carried exactly (sin(hi + lo) expanded), so results near the zeros of sin keep their relative accuracy; PyTorch rounds w0·x first",
        "where w0·x overflows (|x| > largest finite / |w0|) the result is NaN, as in PyTorch: the angle is not representable",
        "f64: the 8-ULP bound holds for |w0·x| <= 2^26 (every practical input); beyond, the low word of w0·x is no longer small and results near the zeros of sin lose relative accuracy (f32 is exact everywhere: its product is exact in f64)",
    ],
};

/// `sin(w0·x)`.
pub(crate) struct Sine<L> {
    w0: L,
    /// The largest representable angle: `f32::MAX` for `f32` elements in any lanes.
    max_angle: L,
}

impl<L: Real> Pointwise<L> for Sine<L> {
    fn new(p: &Params<'_, L>) -> Self {
        let max = if p.rounds_to_f32() || L::PRECISION < 53 {
            f32::MAX as f64
        } else {
            f64::MAX
        };
        Sine {
            w0: p.get(0),
            max_angle: L::splat(max),
        }
    }
    #[inline(always)]
    fn fwd(&self, x: L) -> L {
        let (hi, lo) = angle(self.w0, x);
        // sin(±0) = ±0, as PyTorch's sin(w0·x).
        self.nan_where_over(x, hi.sin_dd(lo))
    }
    #[inline(always)]
    fn bwd(&self, x: L, g: L) -> L {
        let (hi, lo) = angle(self.w0, x);
        g * (self.w0 * self.nan_where_over(x, hi.cos_dd(lo)))
    }
}

impl<L: Real> Sine<L> {
    /// `v`, NaN where the angle `w0·x` overflows the element type (as in PyTorch, at every
    /// level: `f32` elements in `f64` lanes too). Single-precision lanes need no test: their
    /// angle's `hi` is ±∞ there, and the sine and cosine of ±∞ are NaN.
    #[inline(always)]
    fn nan_where_over(&self, x: L, v: L) -> L {
        if L::PRECISION < 53 {
            return v;
        }
        let over = (self.w0 * x).abs().gt(self.max_angle);
        L::select(over, L::splat(f64::NAN), v)
    }
}

/// The angle `θ = w0·x` carried exactly as `hi + lo`, for [`Real::sin_dd`] and
/// [`Real::cos_dd`]. Single-precision lanes reduce the exact sum by π in `f64` and
/// evaluate one odd polynomial there. In `f64` lanes `sin(hi + lo) = sin hi·cos lo + cos hi·sin lo`,
/// `cos(hi + lo) = cos hi·cos lo − sin hi·sin lo`, with `sin lo = lo`, `cos lo = 1 −
/// lo²/2` (|lo| ≤ ulp(hi)/2, so the next terms are below 2⁻¹⁰⁰ relative for every
/// |θ| ≤ 2²⁶). Beyond |θ| ≈ 2³³ (no bound is claimed there) the low word is dropped:
/// the result is sin of the rounded angle.
#[inline(always)]
fn angle<L: Real>(w0: L, x: L) -> (L, L) {
    let (hi, lo) = dd::two_prod(w0, x);
    // f64 lanes drop a low word beyond 2^-20 (|θ| beyond ~2^33); single-precision lanes
    // keep it (their kernel is exact for the sum).
    let lo = if L::PRECISION < 53 {
        lo
    } else {
        L::select(lo.abs().lt(L::splat(1e-6)), lo, L::splat(0.0))
    };
    (hi, lo)
}
