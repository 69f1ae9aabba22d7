//! Storage types of the slices actfn works on.

use crate::simd::{LaneTask, Lanes, Level};
use crate::Real;

/// A floating-point type stored in the slices given to actfn (`f32` or `f64`).
///
/// Each element type names the scalar [`Real`] lane its kernels compute in at the
/// `scalar` SIMD level: `f64` for both, so that `f32` results there are the `f64` result
/// rounded once (the reference the vector levels are tested against). The vector levels
/// pick their lane types in [`crate::simd::dispatch`].
pub trait Element: Copy + Send + Sync + PartialEq + core::fmt::Debug + 'static {
    /// The scalar lane type kernels are instantiated with for this element type.
    type Lane: Real + Lanes<Self>;
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

    /// Runs `task` with this element's lane type at `level` (see [`crate::simd::dispatch`]).
    #[doc(hidden)]
    fn dispatch_task<T: LaneTask<Self>>(level: Level, task: T) -> T::Output;

    /// Like [`Element::dispatch_task`], with `f32` elements in `f64` vectors.
    #[doc(hidden)]
    fn dispatch_task_wide<T: LaneTask<Self>>(level: Level, task: T) -> T::Output;
}

impl Element for f64 {
    type Lane = f64;
    const NAME: &'static str = "f64";
    const PRECISION: u32 = 53;
    const MIN_EXP: i32 = -1022;

    #[inline]
    fn dispatch_task<T: LaneTask<Self>>(level: Level, task: T) -> T::Output {
        match level {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => task.run::<crate::simd::x86::F64x8>(),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => task.run::<crate::simd::x86::F64x4>(),
            _ => task.run::<f64>(),
        }
    }

    #[inline]
    fn dispatch_task_wide<T: LaneTask<Self>>(level: Level, task: T) -> T::Output {
        Self::dispatch_task(level, task)
    }

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

    #[inline]
    fn dispatch_task<T: LaneTask<Self>>(level: Level, task: T) -> T::Output {
        match level {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => task.run::<crate::simd::x86::F32x16>(),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => task.run::<crate::simd::x86::F32x8>(),
            _ => task.run::<f64>(),
        }
    }

    #[inline]
    fn dispatch_task_wide<T: LaneTask<Self>>(level: Level, task: T) -> T::Output {
        match level {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 => task.run::<crate::simd::x86::F64x8>(),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => task.run::<crate::simd::x86::F64x4>(),
            _ => task.run::<f64>(),
        }
    }

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

/// The scalar lane: one `f64` holding one element of either type.
macro_rules! scalar_lanes {
    ($e:ty) => {
        impl Lanes<$e> for f64 {
            #[inline(always)]
            fn vectorize<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            #[inline(always)]
            fn load(src: &[$e]) -> f64 {
                src[0] as f64
            }
            #[inline(always)]
            fn store(self, dst: &mut [$e]) {
                dst[0] = self as $e;
            }
            #[inline(always)]
            fn round_element(self) -> f64 {
                self as $e as f64
            }
            #[inline(always)]
            fn reduce_max(self) -> f64 {
                self
            }
            #[inline(always)]
            fn to_f64s(self, out: &mut [f64]) {
                out[0] = self;
            }
        }
    };
}

scalar_lanes!(f32);
scalar_lanes!(f64);
