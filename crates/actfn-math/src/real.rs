//! The lane abstraction every kernel is written against.

use core::fmt::Debug;
use core::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

/// A boolean per lane, produced by comparisons and consumed by [`Real::select`].
pub trait Mask: Copy + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> {
    /// True when any lane is set: lets a kernel skip work no lane of a vector needs.
    fn any(self) -> bool;
}

impl Mask for bool {
    #[inline(always)]
    fn any(self) -> bool {
        self
    }
}

/// One lane of floating-point numbers: a scalar (`f64`, `f32`) or a SIMD vector of them
/// (the vector types of [`crate::simd`]).
///
/// Comparisons follow IEEE 754: every ordered comparison with a NaN is false.
/// Kernels stay branch-free by computing both sides and choosing with [`Real::select`].
pub trait Real:
    Copy
    + Debug
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// The per-lane boolean type.
    type Mask: Mask;
    /// Bits of precision of one lane: 24 (`f32`) or 53 (`f64`).
    const PRECISION: u32;
    /// Numbers per lane value: 1 for the scalars (the reference level), the vector width
    /// otherwise. Lets a kernel keep its most accurate form for the reference.
    const LANES: usize;

    /// Every lane set to `v` (rounded to the lane precision).
    fn splat(v: f64) -> Self;
    /// `mask ? a : b`, per lane.
    fn select(mask: Self::Mask, a: Self, b: Self) -> Self;

    fn lt(self, other: Self) -> Self::Mask;
    fn le(self, other: Self) -> Self::Mask;
    fn gt(self, other: Self) -> Self::Mask;
    fn ge(self, other: Self) -> Self::Mask;
    fn eq(self, other: Self) -> Self::Mask;
    fn is_nan(self) -> Self::Mask;
    /// True for ±∞.
    fn is_infinite(self) -> Self::Mask;

    fn abs(self) -> Self;
    /// `self` with the sign bit of `sign`.
    fn copysign(self, sign: Self) -> Self;
    /// Fused multiply-add `self·a + b` with one rounding.
    fn mul_add(self, a: Self, b: Self) -> Self;
    fn sqrt(self) -> Self;
    /// `1/x` within 2⁻¹⁴ relative, for a quotient that is corrected by its remainder
    /// afterwards (one correction squares the error: 2⁻²⁸, enough for `f32` and not for
    /// `f64`). `f32` AVX-512 lanes take the `vrcp14ps` estimate; every other lane type
    /// divides (the default), `f64` lanes included.
    #[inline(always)]
    fn recip_seed(self) -> Self {
        Self::splat(1.0) / self
    }
    /// `√(self² + other²)` without overflow or underflow.
    fn hypot(self, other: Self) -> Self;

    fn exp(self) -> Self;
    /// `eˣ − 1`, accurate near 0.
    fn exp_m1(self) -> Self;
    /// `1 − eˣ` for `x ≤ 0` (a positive `x` counts as 0): a probability's complement from
    /// its logarithm, as LogSigmoid's derivative from its output. Vector lanes skip what
    /// [`Real::exp_m1`] needs only for positive arguments (2 ULP).
    #[inline(always)]
    fn one_minus_exp(self) -> Self {
        -Self::select(self.gt(Self::splat(0.0)), Self::splat(0.0), self).exp_m1()
    }
    fn ln(self) -> Self;
    /// `ln(1 + x)`, accurate near 0.
    fn ln_1p(self) -> Self;
    /// `ln(1 + x)` for `x ∈ [0, 1]` (or NaN), as `ln(1 + e^{−|t|})` in softplus and
    /// log-sigmoid: vector lanes skip the range reduction and special cases the general
    /// [`Real::ln_1p`] needs (1 ULP); other arguments give unspecified results there.
    #[inline(always)]
    fn ln_1p_unit(self) -> Self {
        self.ln_1p()
    }
    fn tanh(self) -> Self;
    /// `tanh² x`: in `f32` vector lanes from tanh's unrounded quotient, rounded once
    /// (squaring a rounded `f32` tanh doubles its rounding: 5.5 ULP in tanhshrink's
    /// backward); elsewhere the square of [`Real::tanh`].
    #[inline(always)]
    fn tanh_sq(self) -> Self {
        let t = self.tanh();
        t * t
    }
    fn cosh(self) -> Self;
    fn erf(self) -> Self;
    /// `1 − erf(x)`, accurate in the right tail.
    fn erfc(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;

    /// Each lane rounded to the nearest `f32` (the identity for `f32` lanes).
    fn round_f32(self) -> Self;

    /// GELU, `x·Φ(x)` with Φ the standard normal distribution function; `−0` at −∞.
    /// The default computes `x·erfc(−x/√2)/2` with `erfc` corrected for the rounding of
    /// `x/√2` (in the left tail `erfc(t)` turns a relative error δ of `t` into `2t²δ`).
    /// Single-precision vector lanes evaluate it in `f32` throughout (a rational Mills
    /// ratio times the Gaussian; 4 ULP).
    #[inline(always)]
    fn gelu(self) -> Self {
        with_limits(self, self * normal_cdf(self), -0.0, f64::INFINITY)
    }

    /// GELU's derivative `Φ(x) + x·φ(x)`; 0 at −∞ and 1 at +∞. The default adds the two
    /// terms, which cancel near the zero at x = −0.7518 (the caller corrects there);
    /// single-precision vector lanes carry that zero as an exact factor (4 ULP
    /// throughout).
    #[inline(always)]
    fn gelu_prime(self) -> Self {
        let (s, s_lo) = crate::dd::two_prod(self, self);
        let s_lo = Self::select(s_lo.is_nan(), Self::splat(0.0), s_lo);
        let pdf = crate::dd::exp_dd(s * Self::splat(-0.5), s_lo * Self::splat(-0.5)) * Self::splat(FRAC_1_SQRT_2PI);
        with_limits(self, normal_cdf(self) + self * pdf, 0.0, 1.0)
    }

    /// `eˣ` for `x ≤ 0` in two parts, `2ⁿ·(1 + m)` ([`ExpParts`]), for sums `a + eˣ` that
    /// cancel. Its domain is `x ≤ 0` (and NaN): vector lanes do not clamp positive
    /// arguments.
    fn exp_parts(self) -> ExpParts<Self>;

    /// `eˣ·2⁻ᵏ` for an integer `k` (not NaN), where `eˣ` alone may overflow or underflow: the
    /// softmax rows' exponential, shifted by `k·ln2` near the row maximum. Domain:
    /// `|x| ≤ 512` (`f32`) or `4096` (`f64`) with `x·log₂e − k` in `[−250, 250]`
    /// (`f32`) or `[−2040, 2040]` (`f64`). Vector lanes reduce `x` itself by `n·ln2`
    /// (exact there) and scale by `2ⁿ⁻ᵏ`: 1.5 ULP in `f32`, 1 ULP in `f64`. The default
    /// subtracts `k·ln2` as a double word and takes [`crate::dd::exp_dd`].
    #[inline(always)]
    fn exp_shifted(self, k: Self) -> Self {
        let (c, c_lo) = Self::splat_dd(core::f64::consts::LN_2, 2.319_046_813_846_299_6e-17);
        let (p, p_lo) = crate::dd::two_prod(k, c);
        let (d, d_lo) = crate::dd::two_sum(self, -p);
        crate::dd::exp_dd(d, d_lo - k.mul_add(c_lo, p_lo))
    }

    /// `(sin x, cos x)`, sharing the argument reduction where the lane type can.
    #[inline(always)]
    fn sin_cos(self) -> (Self, Self) {
        (self.sin(), self.cos())
    }

    /// The constant `hi + lo` (a double word in `f64`) as a double word of this lane's
    /// precision: for `f32` lanes, `hi` rounded to `f32` and the rest as the low word.
    #[inline(always)]
    fn splat_dd(hi: f64, lo: f64) -> (Self, Self) {
        if Self::PRECISION >= 53 {
            (Self::splat(hi), Self::splat(lo))
        } else {
            let h = hi as f32 as f64;
            (Self::splat(h), Self::splat((hi - h) + lo))
        }
    }

    /// `(sin, cos)` of the double-word angle `self + lo` (`|lo| ≤ ulp(self)/2`):
    /// `sin(hi + lo) = sin hi·cos lo + cos hi·sin lo` with `sin lo = lo`, `cos lo = 1 −
    /// lo²/2`. Single-precision vector lanes take [`Real::sin_dd`] and [`Real::cos_dd`] (0.5 ULP
    /// each).
    #[inline(always)]
    fn sin_cos_dd(self, lo: Self) -> (Self, Self) {
        let (sh, ch) = self.sin_cos();
        let cl = (Self::splat(-0.5) * lo).mul_add(lo, Self::splat(1.0));
        (sh.mul_add(cl, ch * lo), ch.mul_add(cl, -(sh * lo)))
    }

    /// `sin` of the double-word angle `self + lo` ([`Real::sin_cos_dd`]'s first half, with
    /// `sin(±0) = ±0`, which the expansion's `+0` low word would make `+0`; single-precision
    /// vector lanes reduce by π and evaluate in `f64`, 0.5 ULP + 2^-33).
    #[inline(always)]
    fn sin_dd(self, lo: Self) -> Self {
        Self::select(self.eq(Self::splat(0.0)), self, self.sin_cos_dd(lo).0)
    }

    /// `cos` of the double-word angle `self + lo` ([`Real::sin_cos_dd`]'s second half;
    /// single-precision vector lanes as [`Real::sin_dd`], 0.5 ULP + 2^-33).
    #[inline(always)]
    fn cos_dd(self, lo: Self) -> Self {
        self.sin_cos_dd(lo).1
    }

    /// `max(self, lo)`, where `self` is kept if either is NaN (or both are zeros): one
    /// instruction in x86 lanes.
    #[inline(always)]
    fn at_least(self, lo: Self) -> Self {
        Self::select(lo.gt(self), lo, self)
    }
    /// Lane-wise maximum that returns NaN when either input is NaN.
    #[inline(always)]
    fn max_nan(self, other: Self) -> Self {
        let m = Self::select(self.ge(other), self, other);
        Self::select(self.is_nan() | other.is_nan(), self + other, m)
    }
    /// Lane-wise minimum that returns NaN when either input is NaN.
    #[inline(always)]
    fn min_nan(self, other: Self) -> Self {
        let m = Self::select(self.le(other), self, other);
        Self::select(self.is_nan() | other.is_nan(), self + other, m)
    }
}

/// `y`, but `at_neg` at `x = −∞` and `at_pos` at `x = +∞`: the limits where a formula
/// would compute `∞·0` or `∞/∞`.
#[inline(always)]
pub fn with_limits<L: Real>(x: L, y: L, at_neg: f64, at_pos: f64) -> L {
    let inf = L::splat(f64::INFINITY);
    let y = L::select(x.eq(-inf), L::splat(at_neg), y);
    L::select(x.eq(inf), L::splat(at_pos), y)
}

/// `eˣ` (`x ≤ 0`) as `2ⁿ·(1 + m)`: `n = round(x/ln2)`, `m = eʳ − 1` for the reduced
/// argument `r = x − n·ln2` (`|r| ≤ ln2/2`, so `|m| < 0.42`), from [`Real::exp_parts`].
///
/// [`ExpParts::value`] is `eˣ` with one rounding. The point is [`ExpParts::plus`]: `a + eˣ
/// = (a + 2ⁿ) + 2ⁿ·m`, where `a + 2ⁿ` is often exact (as `(1 + x) + 2ⁿ` is for `−2 ≤ x ≤
/// −0.5`), so that a sum which cancels carries only `m`'s error times 2ⁿ instead of half
/// an ULP of `eˣ`: near SiLU′'s zero (`x = −1.2785`, `eˣ = 0.278`, `m = 0.114`) at most
/// 2⁻²⁸·⁶ against 2⁻²⁶ in `f32`.
#[derive(Clone, Copy, Debug)]
pub struct ExpParts<L> {
    /// `2ⁿ`, exact (0 where it underflows: `x` below −103.3 in `f32`, −744.4 in `f64`).
    pub scale: L,
    /// `eʳ − 1`: `f32` vector lanes, `r + r²·q(r)` with `q` the Taylor terms to r⁷, within 1.5 ULP
    /// with the reduction's rounding (measured 1.33 on [−1.5, −1.05]); `f64` lanes,
    /// [`Real::exp`]'s expm1 kernel; scalars, libm's `expm1` of an `f64` reduction.
    pub m: L,
}

impl<L: Real> ExpParts<L> {
    /// `eˣ = 2ⁿ + 2ⁿ·m`, rounded once.
    #[inline(always)]
    pub fn value(self) -> L {
        self.scale.mul_add(self.m, self.scale)
    }

    /// `a + eˣ = (a + 2ⁿ) + 2ⁿ·m`: two roundings, the first none where `a + 2ⁿ` is exact.
    #[inline(always)]
    pub fn plus(self, a: L) -> L {
        self.scale.mul_add(self.m, a + self.scale)
    }
}

/// [`Real::exp_parts`] of the scalars, reduced in `f64` as the `f64` lanes reduce (the
/// high part of ln 2 has 32 significant bits, so `n·LN2_HI` is exact) with libm's `expm1`.
#[inline(always)]
fn scalar_exp_parts(x: f64) -> (f64, f64) {
    use crate::vmath::f64::{LN2_HI, LN2_LO};
    // NaN stays NaN (and n = 0); below −746 every part is 0 or its limit.
    let x = x.clamp(-746.0, 0.0);
    let n = libm::rint(x * core::f64::consts::LOG2_E);
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    (libm::scalbn(1.0, if n.is_nan() { 0 } else { n as i32 }), libm::expm1(r))
}

/// 1/√2 as a double word.
const FRAC_1_SQRT_2: (f64, f64) = (core::f64::consts::FRAC_1_SQRT_2, -4.833_646_656_726_457e-17);
/// 1/√(2π).
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// `Φ(x) = erfc(−x/√2)/2` with the argument's rounding error corrected:
/// `erfc(t + t_lo) = erfc(t) − t_lo·(2/√π)·e^{−t²}`.
#[inline(always)]
fn normal_cdf<L: Real>(x: L) -> L {
    let (c, c_lo) = L::splat_dd(FRAC_1_SQRT_2.0, FRAC_1_SQRT_2.1);
    let (t, t_lo) = crate::dd::two_prod(-x, c);
    let t_lo = t_lo + (-x) * c_lo;
    let slope = L::splat(core::f64::consts::FRAC_2_SQRT_PI) * (-(t * t)).exp();
    let t_lo = L::select(t_lo.is_nan(), L::splat(0.0), t_lo);
    (t_lo * slope).mul_add(L::splat(-1.0), t.erfc()) * L::splat(0.5)
}

macro_rules! scalar_real {
    ($t:ty, $exp:ident, $expm1:ident, $log:ident, $log1p:ident, $tanh:ident, $cosh:ident,
     $erf:ident, $erfc:ident, $sin:ident, $cos:ident, $fma:ident, $sqrt:ident, $hypot:ident) => {
        impl Real for $t {
            type Mask = bool;
            const PRECISION: u32 = <$t>::MANTISSA_DIGITS;
            const LANES: usize = 1;

            #[inline(always)]
            fn round_f32(self) -> Self {
                self as f32 as $t
            }

            #[inline(always)]
            fn splat(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn select(mask: bool, a: Self, b: Self) -> Self {
                if mask {
                    a
                } else {
                    b
                }
            }
            #[inline(always)]
            fn lt(self, o: Self) -> bool {
                self < o
            }
            #[inline(always)]
            fn le(self, o: Self) -> bool {
                self <= o
            }
            #[inline(always)]
            fn gt(self, o: Self) -> bool {
                self > o
            }
            #[inline(always)]
            fn ge(self, o: Self) -> bool {
                self >= o
            }
            #[inline(always)]
            fn eq(self, o: Self) -> bool {
                self == o
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn copysign(self, sign: Self) -> Self {
                <$t>::copysign(self, sign)
            }
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                libm::$fma(self, a, b)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                libm::$sqrt(self)
            }
            #[inline(always)]
            fn hypot(self, o: Self) -> Self {
                libm::$hypot(self, o)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                libm::$exp(self)
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                libm::$expm1(self)
            }
            #[inline(always)]
            fn exp_parts(self) -> ExpParts<Self> {
                let (scale, m) = scalar_exp_parts(self as f64);
                ExpParts {
                    scale: scale as $t,
                    m: m as $t,
                }
            }
            #[inline(always)]
            fn ln(self) -> Self {
                libm::$log(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                libm::$log1p(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                libm::$tanh(self)
            }
            #[inline(always)]
            fn cosh(self) -> Self {
                libm::$cosh(self)
            }
            #[inline(always)]
            fn erf(self) -> Self {
                libm::$erf(self)
            }
            #[inline(always)]
            fn erfc(self) -> Self {
                libm::$erfc(self)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                libm::$sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                libm::$cos(self)
            }
        }
    };
}

scalar_real!(f64, exp, expm1, log, log1p, tanh, cosh, erf, erfc, sin, cos, fma, sqrt, hypot);
scalar_real!(f32, expf, expm1f, logf, log1pf, tanhf, coshf, erff, erfcf, sinf, cosf, fmaf, sqrtf, hypotf);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_min_propagate_nan_and_order() {
        assert!(f64::NAN.max_nan(1.0).is_nan());
        assert!(1.0f64.max_nan(f64::NAN).is_nan());
        assert!(f32::NAN.min_nan(1.0).is_nan());
        assert_eq!(2.0f64.max_nan(-1.0), 2.0);
        assert_eq!(2.0f64.min_nan(-1.0), -1.0);
        assert!(f64::NAN.at_least(1.0).is_nan());
        assert_eq!(1.0f64.at_least(f64::NAN), 1.0);
        assert_eq!(2.0f32.at_least(3.0), 3.0);
        assert_eq!(4.0f32.at_least(3.0), 4.0);
    }

    #[test]
    fn select_and_masks() {
        let m = 1.0f64.lt(2.0) & !f64::NAN.eq(f64::NAN);
        assert_eq!(f64::select(m, 3.0, 4.0), 3.0);
        assert_eq!(f64::select(1.0f64.gt(2.0) | false, 3.0, 4.0), 4.0);
    }
}
