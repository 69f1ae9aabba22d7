//! The x86-64 lane types: AVX-512 (`F64x8`, `F32x16`) and AVX2 + FMA (`F64x4`, `F32x8`).
//!
//! Every method is `#[inline(always)]` and calls `core::arch` intrinsics; the driver
//! loops that use them run inside `pulp`'s `vectorize`, which compiles them with the
//! level's features enabled. The types are crate-private: [`crate::simd::dispatch`] is
//! the only way to obtain one, and it checks the CPU first, which is what makes the
//! `unsafe` intrinsic calls here sound.
#![allow(clippy::missing_safety_doc)]

use core::arch::x86_64::*;
use core::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use crate::real::{Mask, Real};
use crate::simd::Lanes;
use crate::vmath::{self, Vf};

const SIGN64: u64 = 0x8000_0000_0000_0000;
const SIGN32: u32 = 0x8000_0000;

// ---------------------------------------------------------------- masks

/// An AVX-512 mask of 8 lanes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct M8(u8);
/// An AVX-512 mask of 16 lanes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct M16(u16);
/// An AVX2 mask of 4 `f64` lanes (all ones or all zeros per lane).
#[derive(Clone, Copy, Debug)]
pub(crate) struct M4(__m256d);
/// An AVX2 mask of 8 `f32` lanes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct M8s(__m256);

macro_rules! bitmask {
    ($m:ident) => {
        impl BitAnd for $m {
            type Output = $m;
            #[inline(always)]
            fn bitand(self, o: $m) -> $m {
                $m(self.0 & o.0)
            }
        }
        impl BitOr for $m {
            type Output = $m;
            #[inline(always)]
            fn bitor(self, o: $m) -> $m {
                $m(self.0 | o.0)
            }
        }
        impl Not for $m {
            type Output = $m;
            #[inline(always)]
            fn not(self) -> $m {
                $m(!self.0)
            }
        }
        impl Mask for $m {
            #[inline(always)]
            fn any(self) -> bool {
                self.0 != 0
            }
        }
    };
}
bitmask!(M8);
bitmask!(M16);

macro_rules! vecmask {
    ($m:ident, $and:ident, $or:ident, $xor:ident, $movemask:ident, $ones:expr) => {
        impl BitAnd for $m {
            type Output = $m;
            #[inline(always)]
            fn bitand(self, o: $m) -> $m {
                $m(unsafe { $and(self.0, o.0) })
            }
        }
        impl BitOr for $m {
            type Output = $m;
            #[inline(always)]
            fn bitor(self, o: $m) -> $m {
                $m(unsafe { $or(self.0, o.0) })
            }
        }
        impl Not for $m {
            type Output = $m;
            #[inline(always)]
            fn not(self) -> $m {
                $m(unsafe { $xor(self.0, $ones) })
            }
        }
        impl Mask for $m {
            #[inline(always)]
            fn any(self) -> bool {
                unsafe { $movemask(self.0) != 0 }
            }
        }
    };
}
vecmask!(
    M4,
    _mm256_and_pd,
    _mm256_or_pd,
    _mm256_xor_pd,
    _mm256_movemask_pd,
    _mm256_castsi256_pd(_mm256_set1_epi64x(-1))
);
vecmask!(
    M8s,
    _mm256_and_ps,
    _mm256_or_ps,
    _mm256_xor_ps,
    _mm256_movemask_ps,
    _mm256_castsi256_ps(_mm256_set1_epi32(-1))
);

// ---------------------------------------------------------------- lane types

/// 8 × `f64` in a 512-bit register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F64x8(__m512d);
/// 16 × `f32` in a 512-bit register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x16(__m512);
/// 4 × `f64` in a 256-bit register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F64x4(__m256d);
/// 8 × `f32` in a 256-bit register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x8(__m256);

macro_rules! arith {
    ($t:ident, $add:ident, $sub:ident, $mul:ident, $div:ident, $xor:ident, $neg0:expr) => {
        impl Add for $t {
            type Output = $t;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                $t(unsafe { $add(self.0, o.0) })
            }
        }
        impl Sub for $t {
            type Output = $t;
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                $t(unsafe { $sub(self.0, o.0) })
            }
        }
        impl Mul for $t {
            type Output = $t;
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                $t(unsafe { $mul(self.0, o.0) })
            }
        }
        impl Div for $t {
            type Output = $t;
            #[inline(always)]
            fn div(self, o: $t) -> $t {
                $t(unsafe { $div(self.0, o.0) })
            }
        }
        impl Neg for $t {
            type Output = $t;
            #[inline(always)]
            fn neg(self) -> $t {
                $t(unsafe { $xor(self.0, $neg0) })
            }
        }
    };
}

arith!(
    F64x8,
    _mm512_add_pd,
    _mm512_sub_pd,
    _mm512_mul_pd,
    _mm512_div_pd,
    _mm512_xor_pd,
    _mm512_set1_pd(-0.0)
);
arith!(
    F32x16,
    _mm512_add_ps,
    _mm512_sub_ps,
    _mm512_mul_ps,
    _mm512_div_ps,
    _mm512_xor_ps,
    _mm512_set1_ps(-0.0)
);
arith!(
    F64x4,
    _mm256_add_pd,
    _mm256_sub_pd,
    _mm256_mul_pd,
    _mm256_div_pd,
    _mm256_xor_pd,
    _mm256_set1_pd(-0.0)
);
arith!(
    F32x8,
    _mm256_add_ps,
    _mm256_sub_ps,
    _mm256_mul_ps,
    _mm256_div_ps,
    _mm256_xor_ps,
    _mm256_set1_ps(-0.0)
);

/// The `Real` methods that single-precision lanes take from their own kernels (`vmath::f32`)
/// rather than the trait's defaults.
macro_rules! single_precision_math {
    () => {
        #[inline(always)]
        fn gelu_prime(self) -> Self {
            vmath::f32::gelu_prime(self)
        }
        #[inline(always)]
        fn sin_cos_dd(self, lo: Self) -> (Self, Self) {
            vmath::f32::sin_cos_dd(self, lo)
        }
        #[inline(always)]
        fn sin_dd(self, lo: Self) -> Self {
            vmath::f32::sin_dd(self, lo)
        }
        #[inline(always)]
        fn cos_dd(self, lo: Self) -> Self {
            vmath::f32::cos_dd(self, lo)
        }
    };
}

/// The elementary functions of `Real`, from `vmath` (`$m` is `f64` or `f32`).
macro_rules! real_math {
    ($m:ident) => {
        #[inline(always)]
        fn hypot(self, o: Self) -> Self {
            vmath::$m::hypot(self, o)
        }
        #[inline(always)]
        fn exp(self) -> Self {
            vmath::$m::exp(self)
        }
        #[inline(always)]
        fn exp_m1(self) -> Self {
            vmath::$m::expm1(self)
        }
        #[inline(always)]
        fn one_minus_exp(self) -> Self {
            vmath::$m::one_minus_exp(self)
        }
        #[inline(always)]
        fn exp_parts(self) -> crate::ExpParts<Self> {
            vmath::$m::exp_parts(self)
        }
        #[inline(always)]
        fn exp_shifted(self, k: Self) -> Self {
            vmath::$m::exp_shifted(self, k)
        }
        #[inline(always)]
        fn tanh_sq(self) -> Self {
            vmath::$m::tanh_sq(self)
        }
        #[inline(always)]
        fn ln(self) -> Self {
            vmath::$m::ln(self)
        }
        #[inline(always)]
        fn ln_1p(self) -> Self {
            vmath::$m::ln1p(self)
        }
        #[inline(always)]
        fn ln_1p_unit(self) -> Self {
            vmath::$m::ln1p_unit(self)
        }
        #[inline(always)]
        fn cosh(self) -> Self {
            vmath::$m::cosh(self)
        }
        #[inline(always)]
        fn erf(self) -> Self {
            vmath::$m::erf(self)
        }
        #[inline(always)]
        fn erfc(self) -> Self {
            vmath::$m::erfc(self)
        }
        #[inline(always)]
        fn sin(self) -> Self {
            vmath::$m::sin_cos(self).0
        }
        #[inline(always)]
        fn cos(self) -> Self {
            vmath::$m::sin_cos(self).1
        }
        #[inline(always)]
        fn sin_cos(self) -> (Self, Self) {
            vmath::$m::sin_cos(self)
        }
    };
}

// ------------------------------------------------------------ AVX-512 f64

impl Real for F64x8 {
    type Mask = M8;
    const PRECISION: u32 = 53;
    const LANES: usize = 8;

    #[inline(always)]
    fn splat(v: f64) -> Self {
        F64x8(unsafe { _mm512_set1_pd(v) })
    }
    #[inline(always)]
    fn select(m: M8, a: Self, b: Self) -> Self {
        F64x8(unsafe { _mm512_mask_blend_pd(m.0, b.0, a.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> M8 {
        M8(unsafe { _mm512_cmp_pd_mask::<_CMP_LT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn le(self, o: Self) -> M8 {
        M8(unsafe { _mm512_cmp_pd_mask::<_CMP_LE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn gt(self, o: Self) -> M8 {
        M8(unsafe { _mm512_cmp_pd_mask::<_CMP_GT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn ge(self, o: Self) -> M8 {
        M8(unsafe { _mm512_cmp_pd_mask::<_CMP_GE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn eq(self, o: Self) -> M8 {
        M8(unsafe { _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn is_nan(self) -> M8 {
        M8(unsafe { _mm512_cmp_pd_mask::<_CMP_UNORD_Q>(self.0, self.0) })
    }
    #[inline(always)]
    fn is_infinite(self) -> M8 {
        self.abs().eq(Self::splat(f64::INFINITY))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F64x8(unsafe { _mm512_abs_pd(self.0) })
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        unsafe {
            let s = _mm512_set1_epi64(SIGN64 as i64);
            // s ? sign : self, bit by bit
            let r = _mm512_ternarylogic_epi64::<0xD8>(_mm512_castpd_si512(self.0), _mm512_castpd_si512(sign.0), s);
            F64x8(_mm512_castsi512_pd(r))
        }
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        F64x8(unsafe { _mm512_fmadd_pd(self.0, a.0, b.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F64x8(unsafe { _mm512_sqrt_pd(self.0) })
    }
    #[inline(always)]
    fn at_least(self, lo: Self) -> Self {
        // `max(a, b)` gives `b` where either is NaN or both are zeros.
        F64x8(unsafe { _mm512_max_pd(lo.0, self.0) })
    }
    #[inline(always)]
    fn round_f32(self) -> Self {
        F64x8(unsafe { _mm512_cvtps_pd(_mm512_cvtpd_ps(self.0)) })
    }
    real_math!(f64);
    #[inline(always)]
    fn tanh(self) -> Self {
        vmath::f64::tanh(self)
    }
}

impl Vf for F64x8 {
    #[inline(always)]
    fn round_even(self) -> Self {
        F64x8(unsafe { _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn floor(self) -> Self {
        F64x8(unsafe { _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn ldexp(self, n: Self) -> Self {
        F64x8(unsafe { _mm512_scalef_pd(self.0, n.0) })
    }
    #[inline(always)]
    fn frexp_sqrt2(self) -> (Self, Self) {
        unsafe {
            let e = F64x8(_mm512_getexp_pd(self.0));
            let m = F64x8(_mm512_getmant_pd::<_MM_MANT_NORM_1_2, _MM_MANT_SIGN_SRC>(self.0));
            let big = m.gt(Self::splat(core::f64::consts::SQRT_2));
            (
                Self::select(big, e + Self::splat(1.0), e),
                Self::select(big, m * Self::splat(0.5), m),
            )
        }
    }
    #[inline(always)]
    fn max_keep_nan(self, lo: f64) -> Self {
        F64x8(unsafe { _mm512_max_pd(_mm512_set1_pd(lo), self.0) })
    }
    #[inline(always)]
    fn min_keep_nan(self, hi: f64) -> Self {
        F64x8(unsafe { _mm512_min_pd(_mm512_set1_pd(hi), self.0) })
    }
    #[inline(always)]
    fn flip_sign_where_odd(self, shifted: Self) -> Self {
        unsafe {
            let sign = _mm512_slli_epi64::<63>(_mm512_castpd_si512(shifted.0));
            F64x8(_mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(self.0), sign)))
        }
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f64) -> f64) -> Self {
        let mut a = [0.0f64; 8];
        unsafe { _mm512_storeu_pd(a.as_mut_ptr(), self.0) };
        for v in a.iter_mut() {
            *v = f(*v);
        }
        F64x8(unsafe { _mm512_loadu_pd(a.as_ptr()) })
    }
}

// ------------------------------------------------------------ AVX-512 f32

impl Real for F32x16 {
    type Mask = M16;
    const PRECISION: u32 = 24;
    const LANES: usize = 16;

    #[inline(always)]
    fn splat(v: f64) -> Self {
        F32x16(unsafe { _mm512_set1_ps(v as f32) })
    }
    #[inline(always)]
    fn select(m: M16, a: Self, b: Self) -> Self {
        F32x16(unsafe { _mm512_mask_blend_ps(m.0, b.0, a.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> M16 {
        M16(unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn le(self, o: Self) -> M16 {
        M16(unsafe { _mm512_cmp_ps_mask::<_CMP_LE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn gt(self, o: Self) -> M16 {
        M16(unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn ge(self, o: Self) -> M16 {
        M16(unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn eq(self, o: Self) -> M16 {
        M16(unsafe { _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn is_nan(self) -> M16 {
        M16(unsafe { _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(self.0, self.0) })
    }
    #[inline(always)]
    fn is_infinite(self) -> M16 {
        self.abs().eq(Self::splat(f64::INFINITY))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F32x16(unsafe { _mm512_abs_ps(self.0) })
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        unsafe {
            let s = _mm512_set1_epi32(SIGN32 as i32);
            let r = _mm512_ternarylogic_epi32::<0xD8>(_mm512_castps_si512(self.0), _mm512_castps_si512(sign.0), s);
            F32x16(_mm512_castsi512_ps(r))
        }
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        F32x16(unsafe { _mm512_fmadd_ps(self.0, a.0, b.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F32x16(unsafe { _mm512_sqrt_ps(self.0) })
    }
    #[inline(always)]
    fn at_least(self, lo: Self) -> Self {
        // `max(a, b)` gives `b` where either is NaN or both are zeros.
        F32x16(unsafe { _mm512_max_ps(lo.0, self.0) })
    }
    #[inline(always)]
    fn recip_seed(self) -> Self {
        F32x16(unsafe { _mm512_rcp14_ps(self.0) })
    }
    #[inline(always)]
    fn round_f32(self) -> Self {
        self
    }
    real_math!(f32);
    #[inline(always)]
    fn tanh(self) -> Self {
        vmath::f32::tanh_table(self)
    }
    #[inline(always)]
    fn gelu(self) -> Self {
        vmath::f32::gelu(self)
    }
    single_precision_math!();
}

impl Vf for F32x16 {
    #[inline(always)]
    fn round_even(self) -> Self {
        F32x16(unsafe { _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn floor(self) -> Self {
        F32x16(unsafe { _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn ldexp(self, n: Self) -> Self {
        F32x16(unsafe { _mm512_scalef_ps(self.0, n.0) })
    }
    #[inline(always)]
    fn frexp_sqrt2(self) -> (Self, Self) {
        unsafe {
            let e = F32x16(_mm512_getexp_ps(self.0));
            let m = F32x16(_mm512_getmant_ps::<_MM_MANT_NORM_1_2, _MM_MANT_SIGN_SRC>(self.0));
            let big = m.gt(Self::splat(core::f64::consts::SQRT_2));
            (
                Self::select(big, e + Self::splat(1.0), e),
                Self::select(big, m * Self::splat(0.5), m),
            )
        }
    }
    #[inline(always)]
    fn max_keep_nan(self, lo: f64) -> Self {
        F32x16(unsafe { _mm512_max_ps(_mm512_set1_ps(lo as f32), self.0) })
    }
    #[inline(always)]
    fn min_keep_nan(self, hi: f64) -> Self {
        F32x16(unsafe { _mm512_min_ps(_mm512_set1_ps(hi as f32), self.0) })
    }
    #[inline(always)]
    fn flip_sign_where_odd(self, shifted: Self) -> Self {
        unsafe {
            let sign = _mm512_slli_epi32::<31>(_mm512_castps_si512(shifted.0));
            F32x16(_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(self.0), sign)))
        }
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f64) -> f64) -> Self {
        let mut a = [0.0f32; 16];
        unsafe { _mm512_storeu_ps(a.as_mut_ptr(), self.0) };
        for v in a.iter_mut() {
            *v = f(*v as f64) as f32;
        }
        F32x16(unsafe { _mm512_loadu_ps(a.as_ptr()) })
    }
}

impl vmath::Lookup32 for F32x16 {
    type Index = __m512i;
    #[inline(always)]
    fn index_bits(self) -> __m512i {
        unsafe { _mm512_castps_si512(self.0) }
    }
    #[inline(always)]
    fn lookup(index: __m512i, table: &[f32; 32]) -> Self {
        // SAFETY: both halves are 16 in-bounds f32 (unaligned loads).
        unsafe {
            let lo = _mm512_loadu_ps(table.as_ptr());
            let hi = _mm512_loadu_ps(table.as_ptr().add(16));
            F32x16(_mm512_permutex2var_ps(lo, index, hi))
        }
    }
}

impl vmath::Widen for F32x16 {
    type Wide = F64x8;
    #[inline(always)]
    fn widen(self) -> (F64x8, F64x8) {
        unsafe {
            let lo = _mm512_castps512_ps256(self.0);
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(self.0)));
            (F64x8(_mm512_cvtps_pd(lo)), F64x8(_mm512_cvtps_pd(hi)))
        }
    }
    #[inline(always)]
    fn narrow(lo: F64x8, hi: F64x8) -> Self {
        unsafe {
            let l = _mm512_cvtpd_ps(lo.0);
            let h = _mm512_cvtpd_ps(hi.0);
            let v = _mm512_insertf64x4::<1>(_mm512_castpd256_pd512(_mm256_castps_pd(l)), _mm256_castps_pd(h));
            F32x16(_mm512_castpd_ps(v))
        }
    }
}

// ------------------------------------------------------------ AVX2 f64

impl Real for F64x4 {
    type Mask = M4;
    const PRECISION: u32 = 53;
    const LANES: usize = 4;

    #[inline(always)]
    fn splat(v: f64) -> Self {
        F64x4(unsafe { _mm256_set1_pd(v) })
    }
    #[inline(always)]
    fn select(m: M4, a: Self, b: Self) -> Self {
        F64x4(unsafe { _mm256_blendv_pd(b.0, a.0, m.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> M4 {
        M4(unsafe { _mm256_cmp_pd::<_CMP_LT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn le(self, o: Self) -> M4 {
        M4(unsafe { _mm256_cmp_pd::<_CMP_LE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn gt(self, o: Self) -> M4 {
        M4(unsafe { _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn ge(self, o: Self) -> M4 {
        M4(unsafe { _mm256_cmp_pd::<_CMP_GE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn eq(self, o: Self) -> M4 {
        M4(unsafe { _mm256_cmp_pd::<_CMP_EQ_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn is_nan(self) -> M4 {
        M4(unsafe { _mm256_cmp_pd::<_CMP_UNORD_Q>(self.0, self.0) })
    }
    #[inline(always)]
    fn is_infinite(self) -> M4 {
        self.abs().eq(Self::splat(f64::INFINITY))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F64x4(unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), self.0) })
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        unsafe {
            let s = _mm256_set1_pd(-0.0);
            F64x4(_mm256_or_pd(_mm256_andnot_pd(s, self.0), _mm256_and_pd(s, sign.0)))
        }
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        F64x4(unsafe { _mm256_fmadd_pd(self.0, a.0, b.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F64x4(unsafe { _mm256_sqrt_pd(self.0) })
    }
    #[inline(always)]
    fn at_least(self, lo: Self) -> Self {
        // `max(a, b)` gives `b` where either is NaN or both are zeros.
        F64x4(unsafe { _mm256_max_pd(lo.0, self.0) })
    }
    #[inline(always)]
    fn round_f32(self) -> Self {
        F64x4(unsafe { _mm256_cvtps_pd(_mm256_cvtpd_ps(self.0)) })
    }
    real_math!(f64);
    #[inline(always)]
    fn tanh(self) -> Self {
        vmath::f64::tanh(self)
    }
}

impl F64x4 {
    #[inline(always)]
    fn bits(self) -> __m256i {
        unsafe { _mm256_castpd_si256(self.0) }
    }
    #[inline(always)]
    fn from_bits(b: __m256i) -> Self {
        F64x4(unsafe { _mm256_castsi256_pd(b) })
    }
    /// `2^k` for integral `k` in `-1022..=1023`.
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        unsafe {
            // k + 1.5·2^52 + 1023 holds 1023 + k in its low mantissa bits; shifting left by
            // 52 keeps exactly those 11 bits as the exponent field.
            let t = _mm256_add_pd(k.0, _mm256_set1_pd(6755399441055744.0 + 1023.0));
            Self::from_bits(_mm256_slli_epi64::<52>(_mm256_castpd_si256(t)))
        }
    }
}

impl Vf for F64x4 {
    #[inline(always)]
    fn round_even(self) -> Self {
        F64x4(unsafe { _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn floor(self) -> Self {
        F64x4(unsafe { _mm256_round_pd::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn ldexp(self, n: Self) -> Self {
        // Two steps so that 2^n need not be representable; the first product is exact.
        let n = n.clamp_keep_nan(-2044.0, 2044.0);
        let n1 = (n * Self::splat(0.5)).floor();
        let n2 = n - n1;
        self * Self::pow2(n1) * Self::pow2(n2)
    }
    #[inline(always)]
    fn frexp_sqrt2(self) -> (Self, Self) {
        unsafe {
            // Subnormals: scale into the normal range first.
            let tiny = self.lt(Self::splat(f64::MIN_POSITIVE));
            let x = Self::select(tiny, self * Self::splat(18014398509481984.0), self);
            let bias = Self::select(tiny, Self::splat(-54.0), Self::splat(0.0));
            // Shift the mantissa range to [√½, √2): add (1 − √½) in the exponent field.
            const OFF: i64 = 0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd;
            let b = _mm256_add_epi64(x.bits(), _mm256_set1_epi64x(OFF));
            let k_bits = _mm256_srli_epi64::<52>(b);
            let m_bits = _mm256_add_epi64(
                _mm256_and_si256(b, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff)),
                _mm256_set1_epi64x(0x3fe6_a09e_667f_3bcd),
            );
            // k as a float: its bits under 1.5·2^52.
            let magic = _mm256_set1_epi64x(0x4338_0000_0000_0000);
            let kf = Self::from_bits(_mm256_add_epi64(k_bits, magic)) - Self::splat(6755399441055744.0 + 1023.0);
            (kf + bias, Self::from_bits(m_bits))
        }
    }
    #[inline(always)]
    fn max_keep_nan(self, lo: f64) -> Self {
        F64x4(unsafe { _mm256_max_pd(_mm256_set1_pd(lo), self.0) })
    }
    #[inline(always)]
    fn min_keep_nan(self, hi: f64) -> Self {
        F64x4(unsafe { _mm256_min_pd(_mm256_set1_pd(hi), self.0) })
    }
    #[inline(always)]
    fn flip_sign_where_odd(self, shifted: Self) -> Self {
        unsafe {
            let sign = _mm256_castsi256_pd(_mm256_slli_epi64::<63>(_mm256_castpd_si256(shifted.0)));
            F64x4(_mm256_xor_pd(self.0, sign))
        }
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f64) -> f64) -> Self {
        let mut a = [0.0f64; 4];
        unsafe { _mm256_storeu_pd(a.as_mut_ptr(), self.0) };
        for v in a.iter_mut() {
            *v = f(*v);
        }
        F64x4(unsafe { _mm256_loadu_pd(a.as_ptr()) })
    }
}

// ------------------------------------------------------------ AVX2 f32

impl Real for F32x8 {
    type Mask = M8s;
    const PRECISION: u32 = 24;
    const LANES: usize = 8;

    #[inline(always)]
    fn splat(v: f64) -> Self {
        F32x8(unsafe { _mm256_set1_ps(v as f32) })
    }
    #[inline(always)]
    fn select(m: M8s, a: Self, b: Self) -> Self {
        F32x8(unsafe { _mm256_blendv_ps(b.0, a.0, m.0) })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> M8s {
        M8s(unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn le(self, o: Self) -> M8s {
        M8s(unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn gt(self, o: Self) -> M8s {
        M8s(unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn ge(self, o: Self) -> M8s {
        M8s(unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn eq(self, o: Self) -> M8s {
        M8s(unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(self.0, o.0) })
    }
    #[inline(always)]
    fn is_nan(self) -> M8s {
        M8s(unsafe { _mm256_cmp_ps::<_CMP_UNORD_Q>(self.0, self.0) })
    }
    #[inline(always)]
    fn is_infinite(self) -> M8s {
        self.abs().eq(Self::splat(f64::INFINITY))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F32x8(unsafe { _mm256_andnot_ps(_mm256_set1_ps(-0.0), self.0) })
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        unsafe {
            let s = _mm256_set1_ps(-0.0);
            F32x8(_mm256_or_ps(_mm256_andnot_ps(s, self.0), _mm256_and_ps(s, sign.0)))
        }
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        F32x8(unsafe { _mm256_fmadd_ps(self.0, a.0, b.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F32x8(unsafe { _mm256_sqrt_ps(self.0) })
    }
    #[inline(always)]
    fn at_least(self, lo: Self) -> Self {
        // `max(a, b)` gives `b` where either is NaN or both are zeros.
        F32x8(unsafe { _mm256_max_ps(lo.0, self.0) })
    }
    #[inline(always)]
    fn round_f32(self) -> Self {
        self
    }
    real_math!(f32);
    #[inline(always)]
    fn tanh(self) -> Self {
        vmath::f32::tanh(self)
    }
    #[inline(always)]
    fn gelu(self) -> Self {
        vmath::f32::gelu(self)
    }
    single_precision_math!();
}

impl F32x8 {
    #[inline(always)]
    fn bits(self) -> __m256i {
        unsafe { _mm256_castps_si256(self.0) }
    }
    #[inline(always)]
    fn from_bits(b: __m256i) -> Self {
        F32x8(unsafe { _mm256_castsi256_ps(b) })
    }
    /// `2^k` for integral `k` in `-126..=127`.
    #[inline(always)]
    fn pow2(k: Self) -> Self {
        unsafe {
            let ki = _mm256_cvtps_epi32(k.0);
            Self::from_bits(_mm256_slli_epi32::<23>(_mm256_add_epi32(ki, _mm256_set1_epi32(127))))
        }
    }
}

impl Vf for F32x8 {
    #[inline(always)]
    fn round_even(self) -> Self {
        F32x8(unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn floor(self) -> Self {
        F32x8(unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(self.0) })
    }
    #[inline(always)]
    fn ldexp(self, n: Self) -> Self {
        let n = n.clamp_keep_nan(-252.0, 252.0);
        let n1 = (n * Self::splat(0.5)).floor();
        let n2 = n - n1;
        self * Self::pow2(n1) * Self::pow2(n2)
    }
    #[inline(always)]
    fn frexp_sqrt2(self) -> (Self, Self) {
        unsafe {
            let tiny = self.lt(Self::splat(f32::MIN_POSITIVE as f64));
            let x = Self::select(tiny, self * Self::splat(16777216.0), self);
            let bias = Self::select(tiny, Self::splat(-24.0), Self::splat(0.0));
            const OFF: i32 = 0x3f80_0000 - 0x3f35_04f3;
            let b = _mm256_add_epi32(x.bits(), _mm256_set1_epi32(OFF));
            let k = _mm256_sub_epi32(_mm256_srli_epi32::<23>(b), _mm256_set1_epi32(127));
            let m_bits = _mm256_add_epi32(
                _mm256_and_si256(b, _mm256_set1_epi32(0x007f_ffff)),
                _mm256_set1_epi32(0x3f35_04f3),
            );
            (F32x8(_mm256_cvtepi32_ps(k)) + bias, Self::from_bits(m_bits))
        }
    }
    #[inline(always)]
    fn max_keep_nan(self, lo: f64) -> Self {
        F32x8(unsafe { _mm256_max_ps(_mm256_set1_ps(lo as f32), self.0) })
    }
    #[inline(always)]
    fn min_keep_nan(self, hi: f64) -> Self {
        F32x8(unsafe { _mm256_min_ps(_mm256_set1_ps(hi as f32), self.0) })
    }
    #[inline(always)]
    fn flip_sign_where_odd(self, shifted: Self) -> Self {
        unsafe {
            let sign = _mm256_castsi256_ps(_mm256_slli_epi32::<31>(_mm256_castps_si256(shifted.0)));
            F32x8(_mm256_xor_ps(self.0, sign))
        }
    }
    #[inline(always)]
    fn map_lanes(self, f: impl Fn(f64) -> f64) -> Self {
        let mut a = [0.0f32; 8];
        unsafe { _mm256_storeu_ps(a.as_mut_ptr(), self.0) };
        for v in a.iter_mut() {
            *v = f(*v as f64) as f32;
        }
        F32x8(unsafe { _mm256_loadu_ps(a.as_ptr()) })
    }
}

impl vmath::Widen for F32x8 {
    type Wide = F64x4;
    #[inline(always)]
    fn widen(self) -> (F64x4, F64x4) {
        unsafe {
            let lo = _mm256_castps256_ps128(self.0);
            let hi = _mm256_extractf128_ps::<1>(self.0);
            (F64x4(_mm256_cvtps_pd(lo)), F64x4(_mm256_cvtps_pd(hi)))
        }
    }
    #[inline(always)]
    fn narrow(lo: F64x4, hi: F64x4) -> Self {
        unsafe {
            let l = _mm256_cvtpd_ps(lo.0);
            let h = _mm256_cvtpd_ps(hi.0);
            F32x8(_mm256_insertf128_ps::<1>(_mm256_castps128_ps256(l), h))
        }
    }
}

// ---------------------------------------------------------------- slices

macro_rules! lanes {
    (
        $t:ident,
        $e:ty,
        $token:ident,
        |$p:ident| $load:expr,
        |$v:ident, $q:ident| $store:expr,
        |$sv:ident, $sq:ident| $stream:expr,
        |$r:ident| $round:expr
    ) => {
        impl Lanes<$e> for $t {
            #[inline(always)]
            fn vectorize<R>(f: impl FnOnce() -> R) -> R {
                // SAFETY: a value of this type exists only after `dispatch` checked the CPU.
                unsafe { pulp::x86::$token::new_unchecked() }.vectorize(f)
            }
            #[inline(always)]
            fn load(src: &[$e]) -> Self {
                assert!(src.len() >= <$t as Real>::LANES);
                let $p = src.as_ptr();
                $t(unsafe { $load })
            }
            #[inline(always)]
            fn store(self, dst: &mut [$e]) {
                assert!(dst.len() >= <$t as Real>::LANES);
                let $q = dst.as_mut_ptr();
                let $v = self.0;
                unsafe { $store }
            }
            const STREAMS: bool = true;
            #[inline(always)]
            fn store_stream(self, dst: &mut [$e]) {
                assert!(dst.len() >= <$t as Real>::LANES);
                let $sq = dst.as_mut_ptr();
                assert!(
                    ($sq as usize) % (<$t as Real>::LANES * core::mem::size_of::<$e>()) == 0,
                    "a streaming store needs an aligned destination"
                );
                let $sv = self.0;
                // SAFETY: in bounds and aligned (checked above); the CPU has the
                // features (a value of this type exists only after `dispatch` checked).
                unsafe { $stream }
            }
            #[inline(always)]
            fn stream_fence() {
                // SAFETY: SSE is part of x86-64's baseline.
                unsafe { _mm_sfence() }
            }
            #[inline(always)]
            fn round_element(self) -> Self {
                let $r = self;
                $round
            }
            #[inline(always)]
            fn reduce_max(self) -> f64 {
                let mut a = [0.0f64; <$t as Real>::LANES];
                <Self as Lanes<$e>>::to_f64s(self, &mut a);
                a.iter().fold(f64::NEG_INFINITY, |m, &v| if v.is_nan() || m.is_nan() { f64::NAN } else { m.max(v) })
            }
            #[inline(always)]
            fn to_f64s(self, out: &mut [f64]) {
                let mut a = [<$e>::default(); <$t as Real>::LANES];
                <Self as Lanes<$e>>::store(self, &mut a);
                for (o, v) in out.iter_mut().zip(a) {
                    *o = v as f64;
                }
            }
        }
    };
}

/// A 512-bit load that LLVM cannot fold into the instruction using it: without the empty
/// `asm!`, `select(mask, g, 0)` of a loaded `g` (the piecewise-linear backwards) compiles
/// to a zero-masked load (`vmovups zmm{k}{z}, [mem]`), which on Zen 5 streams from memory
/// at under half a plain load's rate. Measured at 16M `f32` elements, one thread, two
/// alternating runs: hardtanh's backward 1953/2028 → 4663/3906 Melem/s (34 % → 86 % of a
/// copy; leaky_relu's, which never had a masked load, ran at 87–93 %), relu's 2719/2557
/// → 4772/3809; in cache (64K) the masked load was the cheaper one: relu's backward
/// 16483/16000 → 14871/12538, the other kinds within noise.
///
/// # Safety
/// `p` is valid for 64 bytes of reads; the CPU has AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_512(p: *const u8) -> __m512 {
    let mut v = unsafe { _mm512_loadu_ps(p.cast()) };
    // SAFETY: an empty template: the register passes through unchanged.
    unsafe { core::arch::asm!("/* {0} */", inout(zmm_reg) v, options(pure, nomem, nostack, preserves_flags)) };
    v
}

/// [`load_512`]'s 256-bit form, for the `f32` elements widened into `f64` lanes.
///
/// # Safety
/// `p` is valid for 32 bytes of reads; the CPU has AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_256(p: *const u8) -> __m256 {
    let mut v = unsafe { _mm256_loadu_ps(p.cast()) };
    // SAFETY: as in `load_512`.
    unsafe { core::arch::asm!("/* {0} */", inout(ymm_reg) v, options(pure, nomem, nostack, preserves_flags)) };
    v
}

lanes!(
    F64x8,
    f64,
    V4,
    |p| _mm512_castps_pd(load_512(p.cast())),
    |v, q| _mm512_storeu_pd(q, v),
    |v, q| _mm512_stream_pd(q, v),
    |r| r
);
lanes!(
    F64x8,
    f32,
    V4,
    |p| _mm512_cvtps_pd(load_256(p.cast())),
    |v, q| _mm256_storeu_ps(q, _mm512_cvtpd_ps(v)),
    |v, q| _mm256_stream_ps(q, _mm512_cvtpd_ps(v)),
    |r| r.round_f32()
);
lanes!(
    F32x16,
    f32,
    V4,
    |p| load_512(p.cast()),
    |v, q| _mm512_storeu_ps(q, v),
    |v, q| _mm512_stream_ps(q, v),
    |r| r
);
lanes!(
    F64x4,
    f64,
    V3,
    |p| _mm256_loadu_pd(p),
    |v, q| _mm256_storeu_pd(q, v),
    |v, q| _mm256_stream_pd(q, v),
    |r| r
);
lanes!(
    F64x4,
    f32,
    V3,
    |p| _mm256_cvtps_pd(_mm_loadu_ps(p)),
    |v, q| _mm_storeu_ps(q, _mm256_cvtpd_ps(v)),
    |v, q| _mm_stream_ps(q, _mm256_cvtpd_ps(v)),
    |r| r.round_f32()
);
lanes!(
    F32x8,
    f32,
    V3,
    |p| _mm256_loadu_ps(p),
    |v, q| _mm256_storeu_ps(q, v),
    |v, q| _mm256_stream_ps(q, v),
    |r| r
);
