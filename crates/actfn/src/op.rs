//! The kernel traits every activation implements, one per shape of computation.

use actfn_math::Real;

/// Parameters resolved for one element type, handed to op constructors.
pub(crate) struct Params<'a, L> {
    raw: &'a [f64],
    lane: fn(f64) -> L,
    /// Whether lane values must be rounded to `f32` to be "as stored" (`f32` elements
    /// computed in `f64` lanes).
    round_f32: bool,
}

impl<'a, L: Real> Params<'a, L> {
    pub(crate) fn new(raw: &'a [f64], lane: fn(f64) -> L, round_f32: bool) -> Self {
        Params { raw, lane, round_f32 }
    }
    /// Parameter `i` rounded to the element type, as a lane.
    pub(crate) fn get(&self, i: usize) -> L {
        (self.lane)(self.raw[i])
    }
    /// Parameter `i` as given (an `f64`).
    pub(crate) fn raw(&self, i: usize) -> f64 {
        self.raw[i]
    }
    /// Any `f64` rounded to the element type, as a lane.
    pub(crate) fn lane(&self, v: f64) -> L {
        (self.lane)(v)
    }
    /// Whether [`Real::round_f32`] turns a lane value into the element type's value
    /// (`f32` elements in `f64` lanes); otherwise the lane already is the element type.
    pub(crate) fn rounds_to_f32(&self) -> bool {
        self.round_f32
    }
}

/// How an activation's derivative depends on its input, which decides what the
/// backward driver reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Slope {
    /// `f'(x)` varies with `x`: the driver reads `x` and `g`, and a NaN `x` gives a NaN
    /// gradient.
    OfInput,
    /// `f'` is one constant `c` (identity, linear): `dx = c·g` from `g` alone, whatever
    /// `x` holds, as PyTorch's `mul` backward (a NaN `x` does not poison `dx`).
    Constant,
    /// `f' = 0` everywhere (the step): `dx = 0` without reading either input, as
    /// PyTorch's `zeros_like(grad)` for ops without a gradient.
    Zero,
}

/// An element-wise activation: `y = f(x)` and its vector-Jacobian product.
///
/// `fwd` and `bwd` are lane functions: branch-free, generic over the lane type. NaN
/// inputs are mapped to NaN by the driver, so they need no care here (except in the
/// backward of a [`Slope::Constant`] or [`Slope::Zero`] op, which never sees `x`).
pub(crate) trait Pointwise<L: Real>: Sized + Sync {
    /// What `bwd` depends on; the backward driver reads only that.
    const SLOPE: Slope = Slope::OfInput;
    fn new(p: &Params<'_, L>) -> Self;
    /// `f(x)`.
    fn fwd(&self, x: L) -> L;
    /// `g·f'(x)`, with PyTorch's value at kinks.
    fn bwd(&self, x: L, g: L) -> L;
}

/// An activation over whole rows (the slice along `dim`).
///
/// Rows are computed in `f64` buffers for every element type: the row driver gathers
/// a (possibly strided) row, calls the op, and scatters the result.
pub(crate) trait RowWise: Sync {
    /// Replaces the row `x` by `f(x)`.
    fn fwd_row(&self, x: &mut [f64]);
    /// Replaces `g` by the input gradient `Jᵀg` at the input row `x`.
    fn bwd_row(&self, x: &[f64], g: &mut [f64]);
}
