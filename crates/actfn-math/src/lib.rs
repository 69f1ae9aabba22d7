//! Vector math for actfn.
//!
//! Activation kernels in `actfn` are written once as *lane functions*: plain functions
//! generic over a [`Real`] lane type. A lane is one number today (`f64`, `f32`); a SIMD
//! vector implements the same trait later without any kernel changing. This crate holds:
//!
//! - [`Real`]: the lane abstraction (arithmetic, comparisons as masks, `select`, and the
//!   elementary functions `exp`, `expm1`, `ln_1p`, `tanh`, `erf`, `erfc`, `sin`, `cos`...);
//! - [`Element`]: the storage types of slices (`f32`, `f64`) and the lane each computes in;
//! - [`dd`]: error-free transformations (double-word arithmetic) used where an argument's
//!   rounding would be amplified (the tails of `exp(-x²/2)`, `erfc`, `sin(w0·x)`);
//! - [`drive`]: the slice drivers, one per kernel shape (map, map in place, zip, rows);
//! - [`ulp`]: measuring errors in units in the last place, used by every accuracy test.
//!
//! The scalar elementary functions come from the `libm` crate (a port of musl's libm),
//! so results are identical on every platform; each is within 1 ULP (tanh: 2 ULP) of
//! the correctly rounded result.

pub mod dd;
pub mod drive;
mod element;
mod real;
pub mod simd;
pub mod ulp;
pub(crate) mod vmath;

pub use element::Element;
pub use real::{with_limits, ExpParts, Mask, Real};
