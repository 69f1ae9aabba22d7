//! Storage types of the slices actfn works on.

use crate::Real;

/// A floating-point type stored in the slices given to actfn (`f32` or `f64`).
///
/// Each element type names the [`Real`] lane its kernels compute in. Today both compute
/// in `f64` lanes: `f32` results are the `f64` result rounded once, which keeps them well
/// inside their 4-ULP contract while the vector kernels are being written.
pub trait Element: Copy + Send + Sync + PartialEq + core::fmt::Debug + 'static {
    /// The lane type kernels are instantiated with for this element type.
    type Lane: Real;
    /// The name used in file formats and messages: `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Bits of precision (24 or 53).
    const PRECISION: u32;
    /// Smallest exponent of a normal number (−126 or −1022).
    const MIN_EXP: i32;

    fn to_lane(self) -> Self::Lane;
    fn from_lane(lane: Self::Lane) -> Self;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;

    /// A parameter as the kernels of this type see it: rounded to this type, then
    /// widened to the lane. PyTorch casts scalar parameters to the tensor's dtype, and
    /// so do we (`leaky_relu(0.2)` on `f32` uses `0.2f32`).
    fn param(v: f64) -> Self::Lane {
        Self::from_f64(v).to_lane()
    }

    /// A lane value rounded to this type and widened back: what the value would be had
    /// it been computed and stored in this type (PyTorch compares `beta·x` in the
    /// tensor's dtype, for example).
    fn round_lane(lane: Self::Lane) -> Self::Lane {
        Self::from_lane(lane).to_lane()
    }
}

impl Element for f64 {
    type Lane = f64;
    const NAME: &'static str = "f64";
    const PRECISION: u32 = 53;
    const MIN_EXP: i32 = -1022;

    #[inline(always)]
    fn to_lane(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_lane(lane: f64) -> f64 {
        lane
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> f64 {
        v
    }
}

impl Element for f32 {
    type Lane = f64;
    const NAME: &'static str = "f32";
    const PRECISION: u32 = 24;
    const MIN_EXP: i32 = -126;

    #[inline(always)]
    fn to_lane(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_lane(lane: f64) -> f32 {
        lane as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}
