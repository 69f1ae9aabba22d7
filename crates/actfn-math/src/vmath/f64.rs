//! `f64` vector functions. Bounds are in ULPs of the result, measured against `libm`
//! (itself within 1 ULP of the correctly rounded value) by this crate's tests.
// Coefficients keep the digits of their sources (fdlibm prints 21 significant digits).
#![allow(clippy::excessive_precision)]

use super::{horner, Vf};
use crate::{dd, Mask};

const LOG2E: f64 = core::f64::consts::LOG2_E;
/// ln 2 in two parts: the high part has 32 significant bits, so `n·LN2_HI` is exact.
pub(crate) const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
pub(crate) const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// `(expm1(r) − r)/r²` on |r| ≤ 1.0005·ln2/2 as a degree-10 polynomial (mpmath's
/// `chebyfit`, near-minimax): `r + r²·q(r)` is within 2^-60 of `expm1(r)` relative, one
/// coefficient fewer than the Taylor polynomial's 2^-58 (1/k!, k = 2..=13).
const EXPM1_Q: [f64; 11] = [
    0.5,
    0.166_666_666_666_666_7,
    0.041_666_666_666_666_67,
    0.008_333_333_333_326_112,
    0.001_388_888_888_888_373,
    0.000_198_412_698_749_012_6,
    2.480_158_732_560_532_4e-5,
    2.755_725_529_796_964_3e-6,
    2.755_727_357_010_214e-7,
    2.510_525_953_844_849_4e-8,
    2.091_471_734_171_637_8e-9,
];

/// `expm1(r)` for |r| ≤ ln2/2 + ε: `r + r²·q(r)`, rounded once at the end.
#[inline(always)]
fn expm1_kernel<V: Vf>(r: V) -> V {
    (r * r).mul_add(horner(r, &EXPM1_Q), r)
}

/// `eˣ`. Reduction `x = n·ln2 + r` (|r| ≤ ln2/2, exact to 2^-80), `e^r = 1 + expm1(r)`,
/// scaled by `2^n` once (correct overflow and gradual underflow).
/// Bound: 1 ULP (measured max 0.52 against libm).
#[inline(always)]
pub(crate) fn exp<V: Vf>(x: V) -> V {
    exp_scaled(x, 0.0)
}

/// `eˣ·2^k` for a small integer `k`, without intermediate overflow.
#[inline(always)]
fn exp_scaled<V: Vf>(x: V, k: f64) -> V {
    let x = x.clamp_keep_nan(-746.0, 712.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    (V::splat(1.0) + expm1_kernel(r)).ldexp(n + V::splat(k))
}

/// `eˣ·2⁻ᵏ` for integral `k`, `|x| ≤ 4096` and `round(x·log₂e) − k` in `[−2044, 2044]`
/// (the softmax rows' exponential, shifted by a multiple of ln 2): [`exp`]'s reduction,
/// exact for `|n| < 2^21`, and its kernel, scaled by `2ⁿ⁻ᵏ` once. A NaN `x` gives NaN.
/// Bound: 1 ULP.
#[inline(always)]
pub(crate) fn exp_shifted<V: Vf>(x: V, k: V) -> V {
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    (V::splat(1.0) + expm1_kernel(r)).ldexp(n - k)
}

/// `eˣ` for `x ≤ 0` as `2ⁿ·(1 + m)` ([`crate::ExpParts`]): [`exp`]'s reduction, `m` its
/// expm1 kernel.
#[inline(always)]
pub(crate) fn exp_parts<V: Vf>(x: V) -> crate::ExpParts<V> {
    // x ≤ 0 (or NaN): only the lower clamp.
    let x = x.max_keep_nan(-746.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    crate::ExpParts {
        scale: V::splat(1.0).ldexp(n),
        m: expm1_kernel(r),
    }
}

/// `eˣ − 1`. Same reduction with its rounding error `c` carried:
/// `expm1(x) = 2ⁿ·expm1(r) + (2ⁿ − 1)`, combined by one fused multiply-add.
/// Bound: 2 ULP (measured max 1.0 against libm).
#[inline(always)]
pub(crate) fn expm1<V: Vf>(x: V) -> V {
    let xc = x.clamp_keep_nan(-746.0, 710.0);
    let n = (xc * V::splat(LOG2E)).round_even();
    let hi = (-n).mul_add(V::splat(LN2_HI), xc);
    let lo = n * V::splat(LN2_LO);
    let r = hi - lo;
    let c = (hi - r) - lo;
    let em = expm1_kernel(r);
    let em = c.mul_add(em + V::splat(1.0), em);
    // 2ⁿ·(1 + em) − 1 = 2·(h·em + (h − ½)), h = 2ⁿ⁻¹: `h − ½` is exact wherever `2ⁿ − 1`
    // is, the scaling by 2 is exact, and h stays finite for every n the clamp allows.
    let h = V::splat(0.5).ldexp(n);
    let res = h.mul_add(em, h - V::splat(0.5)) * V::splat(2.0);
    // ±0 keeps its sign (the reduction gives +0); NaN propagates.
    V::select(x.eq(V::splat(0.0)), x, res)
}

/// `1 − eˣ` for `x ≤ 0` (a positive `x` counts as 0): `1 − 2ⁿ·(1 + expm1(r)) = (1 − 2ⁿ) −
/// 2ⁿ·expm1(r)` by one fused multiply-add. For n = 0 the reduction is exact (r = x) and
/// the result is `−expm1(x)`; for n ≤ −1 it is at least 0.29 and the reduction's rounding
/// weighs at most 2ⁿ ≤ ½ of it, so unlike [`expm1`] nothing is carried, and nothing
/// guards positive arguments. Bound: 2 ULP.
#[inline(always)]
pub(crate) fn one_minus_exp<V: Vf>(x: V) -> V {
    let x = x.clamp_keep_nan(-746.0, 0.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    let h = V::splat(1.0).ldexp(n);
    (-h).mul_add(expm1_kernel(r), V::splat(1.0) - h)
}

/// ln(1+f) − f + f²/2 on f ∈ [√½−1, √2−1] in s = f/(2+f), z = s² (fdlibm's Lg1..Lg7,
/// |error| < 2^-58.45).
const LG: [f64; 7] = [
    6.666_666_666_666_735_130e-1,
    3.999_999_999_940_941_908e-1,
    2.857_142_874_366_239_149e-1,
    2.222_219_843_214_978_396e-1,
    1.818_357_216_161_805_012e-1,
    1.531_383_769_920_937_332e-1,
    1.479_819_860_511_658_591e-1,
];

/// `ln(2^k·(1+f)) + c` (fdlibm's log1p kernel).
#[inline(always)]
fn log_kernel<V: Vf>(k: V, f: V, c: V) -> V {
    let hfsq = V::splat(0.5) * f * f;
    let s = f / (V::splat(2.0) + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * horner(w, &[LG[1], LG[3], LG[5]]);
    let t2 = z * horner(w, &[LG[0], LG[2], LG[4], LG[6]]);
    let r = t2 + t1;
    s.mul_add(hfsq + r, k.mul_add(V::splat(LN2_LO), c)) - hfsq + f + k * V::splat(LN2_HI)
}

/// `ln(1+x)`. `u = 1 + x = 2^k·m` (m in [√½, √2)) with the rounding of `1 + x` carried as
/// `c`; near 0 the argument is used directly. Bound: 1 ULP (measured max 0.75).
#[inline(always)]
pub(crate) fn ln1p<V: Vf>(x: V) -> V {
    let one = V::splat(1.0);
    let u = one + x;
    let (k, m) = u.frexp_sqrt2();
    let c = V::select(k.ge(V::splat(2.0)), one - (u - x), x - (u - one)) / u;
    let c = V::select(k.ge(V::splat(54.0)), V::splat(0.0), c);
    let near = x.gt(V::splat(-0.292_893_218_813_452_4)) & x.lt(V::splat(0.414_213_562_373_095_03));
    let f = V::select(near, x, m - one);
    let k = V::select(near, V::splat(0.0), k);
    let c = V::select(near, V::splat(0.0), c);
    let res = log_kernel(k, f, c);
    let res = V::select(x.eq(V::splat(-1.0)), V::splat(f64::NEG_INFINITY), res);
    let res = V::select(x.lt(V::splat(-1.0)), V::splat(f64::NAN), res);
    let res = V::select(x.eq(V::splat(f64::INFINITY)), x, res);
    V::select(x.eq(V::splat(0.0)) | x.is_nan(), x, res)
}

/// `(atanh(s)/s − 1)/s²` on `s² ∈ [0, 1.002/9]` (mpmath's `chebyfit`, near-minimax):
/// `1 + z·Q(z)` within 2^-56.9 relative.
const LN1P_UNIT_Q: [f64; 10] = [
    0.333_333_333_333_333_3,
    0.200_000_000_000_074_3,
    0.142_857_142_835_171_48,
    0.111_111_113_624_767_47,
    0.090_908_945_289_932_65,
    0.076_927_903_353_114_59,
    0.066_569_852_174_638_69,
    0.060_013_622_043_769_706,
    0.043_961_543_293_676_936,
    0.080_909_538_249_072_17,
];

/// `ln(1 + e)` for `e ∈ [+0, 1]` (NaN propagates; other arguments are outside the fit),
/// as the `f32` lanes' kernel with a longer polynomial: one division where [`ln1p`] takes
/// two, and no range reduction. Bound: 1 ULP.
#[inline(always)]
pub(crate) fn ln1p_unit<V: Vf>(e: V) -> V {
    super::ln1p_unit_with(e, &LN1P_UNIT_Q)
}

/// `ln x`. Bound: 1 ULP.
#[inline(always)]
pub(crate) fn ln<V: Vf>(x: V) -> V {
    let (k, m) = x.frexp_sqrt2();
    let res = log_kernel(k, m - V::splat(1.0), V::splat(0.0));
    let res = V::select(x.eq(V::splat(0.0)), V::splat(f64::NEG_INFINITY), res);
    let res = V::select(x.lt(V::splat(0.0)), V::splat(f64::NAN), res);
    V::select(x.eq(V::splat(f64::INFINITY)) | x.is_nan(), x, res)
}

/// `tanh x` from `t = expm1(±2|x|)`: `1 − 2/(t+2)` above 0.55, `−t/(t+2)` below (musl).
/// Bound: 2 ULP (measured max 1.3).
#[inline(always)]
pub(crate) fn tanh<V: Vf>(x: V) -> V {
    let a = x.abs();
    let big = a.gt(V::splat(0.55));
    let two = V::splat(2.0);
    let t = expm1(V::select(big, two * a, -(two * a)));
    let r = V::select(big, V::splat(1.0) - two / (t + two), -t / (t + two));
    r.copysign(x)
}

/// `tanh² x`, the square of [`tanh`]. Bound: 5 ULP.
#[inline(always)]
pub(crate) fn tanh_sq<V: Vf>(x: V) -> V {
    let t = tanh(x);
    t * t
}

/// `cosh x = h + 1/(4h)`, `h = eˣ/2` (finite up to the true overflow).
/// Bound: 2 ULP.
#[inline(always)]
pub(crate) fn cosh<V: Vf>(x: V) -> V {
    let a = x.abs();
    let h = exp_scaled(a, -1.0);
    h + V::splat(0.25) / h
}

/// `√(x² + y²)`, scaled by a power of 2 so that neither square overflows or underflows.
/// Bound: 1 ULP.
#[inline(always)]
pub(crate) fn hypot<V: Vf>(x: V, y: V) -> V {
    let (a, b) = (x.abs(), y.abs());
    let m = V::select(a.ge(b), a, b);
    let (k, _) = m.frexp_sqrt2();
    let k = V::select(m.gt(V::splat(0.0)) & m.lt(V::splat(f64::INFINITY)), k, V::splat(0.0));
    let (am, bm) = (a.ldexp(-k), b.ldexp(-k));
    let h = am.mul_add(am, bm * bm).sqrt().ldexp(k);
    let h = V::select(a.is_nan() | b.is_nan(), a + b, h);
    V::select(a.is_infinite() | b.is_infinite(), V::splat(f64::INFINITY), h)
}

// fdlibm s_erf.c: rational approximations on [0, 0.84375], [0.84375, 1.25] and of
// ln(x·erfc x) + x² + 0.5625 in 1/x² on [1.25, 1/0.35] and [1/0.35, 28]; each below
// 2^-57.9 of its target.
const ERX: f64 = 8.450_629_115_104_675_292_97e-1;
const PP: [f64; 5] = [
    1.283_791_670_955_125_585_61e-1,
    -3.250_421_072_470_014_993_70e-1,
    -2.848_174_957_559_851_047_66e-2,
    -5.770_270_296_489_441_591_57e-3,
    -2.376_301_665_665_016_260_84e-5,
];
const QQ: [f64; 6] = [
    1.0,
    3.979_172_239_591_553_528_19e-1,
    6.502_224_998_876_729_444_85e-2,
    5.081_306_281_875_765_627_76e-3,
    1.324_947_380_043_216_445_26e-4,
    -3.960_228_278_775_368_123_20e-6,
];
const PA: [f64; 7] = [
    -2.362_118_560_752_659_440_77e-3,
    4.148_561_186_837_483_316_66e-1,
    -3.722_078_760_357_013_238_47e-1,
    3.183_466_199_011_617_536_74e-1,
    -1.108_946_942_823_966_774_76e-1,
    3.547_830_432_561_823_593_71e-2,
    -2.166_375_594_868_790_843_00e-3,
];
const QA: [f64; 7] = [
    1.0,
    1.064_208_804_008_442_282_86e-1,
    5.403_979_177_021_710_489_37e-1,
    7.182_865_441_419_626_628_68e-2,
    1.261_712_198_087_616_421_12e-1,
    1.363_708_391_202_905_073_62e-2,
    1.198_449_984_679_910_741_70e-2,
];
const RA: [f64; 8] = [
    -9.864_944_034_847_148_227_05e-3,
    -6.938_585_727_071_817_643_72e-1,
    -1.055_862_622_532_329_098_14e1,
    -6.237_533_245_032_600_603_96e1,
    -1.623_966_694_625_734_703_55e2,
    -1.846_050_929_067_110_359_94e2,
    -8.128_743_550_630_659_342_46e1,
    -9.814_329_344_169_145_485_92,
];
const SA: [f64; 9] = [
    1.0,
    1.965_127_166_743_925_712_92e1,
    1.376_577_541_435_190_426_00e2,
    4.345_658_774_752_292_288_21e2,
    6.453_872_717_332_678_803_36e2,
    4.290_081_400_275_678_333_86e2,
    1.086_350_055_417_794_351_34e2,
    6.570_249_770_319_281_701_35,
    -6.042_441_521_485_809_874_38e-2,
];
const RB: [f64; 8] = [
    -9.864_942_924_700_099_285_97e-3,
    -7.992_832_376_805_230_065_74e-1,
    -1.775_795_491_775_475_198_89e1,
    -1.606_363_848_558_219_160_62e2,
    -6.375_664_433_683_896_277_22e2,
    -1.025_095_131_611_077_249_54e3,
    -4.835_191_916_086_513_970_19e2,
    0.0,
];
const SB: [f64; 9] = [
    1.0,
    3.033_806_074_348_245_829_24e1,
    3.257_925_129_965_739_188_26e2,
    1.536_729_586_084_436_959_94e3,
    3.199_858_219_508_595_539_08e3,
    2.553_050_406_433_164_425_83e3,
    4.745_285_412_069_553_672_15e2,
    -2.244_095_244_658_581_833_62e1,
    0.0,
];

/// Horner with per-lane coefficients: `a[k]` where `m`, else `b[k]`.
#[inline(always)]
fn horner2<V: Vf>(x: V, m: V::Mask, a: &[f64], b: &[f64]) -> V {
    let n = a.len();
    let mut acc = V::select(m, V::splat(a[n - 1]), V::splat(b[n - 1]));
    for k in (0..n - 1).rev() {
        acc = acc.mul_add(x, V::select(m, V::splat(a[k]), V::splat(b[k])));
    }
    acc
}

/// `(erf x, erfc x)`, fdlibm's method with every range computed and selected per lane;
/// `e^{-x²}` of the tail with `x²` carried exactly. Bound: 1 ULP each (measured max
/// 0.9 for erf, 1.3 for erfc).
#[inline(always)]
pub(crate) fn erf_erfc<V: Vf>(x: V) -> (V, V) {
    let one = V::splat(1.0);
    let a = x.abs();
    let neg = x.lt(V::splat(0.0));
    // |x| < 0.84375: erf = x + x·P/Q.
    let z = x * x;
    let y = horner(z, &PP) / horner(z, &QQ);
    let erf_a = x.mul_add(y, x);
    let erfc_a = V::select(
        x.lt(V::splat(0.25)),
        one - erf_a,
        V::splat(0.5) - x.mul_add(y, x - V::splat(0.5)),
    );
    // 0.84375 <= |x| < 1.25: erf = erx + P/Q in s = |x| − 1.
    let s = a - one;
    let pq = horner(s, &PA) / horner(s, &QA);
    let erf_b = (V::splat(ERX) + pq).copysign(x);
    let erfc_b = V::select(neg, one + (V::splat(ERX) + pq), (one - V::splat(ERX)) - pq);
    // |x| >= 1.25: erfc = e^{-x² − 0.5625 + R/S}/|x|.
    let ac = a.clamp_keep_nan(1.25, 40.0);
    let w = one / (ac * ac);
    let near = ac.lt(V::splat(1.0 / 0.35));
    let t = horner2(w, near, &RA, &RB) / horner2(w, near, &SA, &SB) - V::splat(0.5625);
    let (h, l) = dd::two_prod(ac, ac);
    let (e, e_lo) = dd::two_sum(-h, t);
    let tail = dd::exp_dd(e, e_lo - l) / ac;
    let erf_c = (one - tail).copysign(x);
    let erfc_c = V::select(neg, V::splat(2.0) - tail, tail);
    let in_a = a.lt(V::splat(0.84375));
    let in_b = a.lt(V::splat(1.25));
    (
        V::select(in_a, erf_a, V::select(in_b, erf_b, erf_c)),
        V::select(in_a, erfc_a, V::select(in_b, erfc_b, erfc_c)),
    )
}

#[inline(always)]
pub(crate) fn erf<V: Vf>(x: V) -> V {
    erf_erfc(x).0
}

#[inline(always)]
pub(crate) fn erfc<V: Vf>(x: V) -> V {
    erf_erfc(x).1
}

// fdlibm's k_sin/k_cos on [−π/4, π/4] (errors below 2^-58) and rem_pio2's medium
// reduction: π/2 in 33-bit pieces (plus a 53-bit tail), exact products for |n| < 2^20.
const S: [f64; 6] = [
    -1.666_666_666_666_663_243_48e-1,
    8.333_333_333_322_489_461_24e-3,
    -1.984_126_982_985_794_931_34e-4,
    2.755_731_370_707_006_767_89e-6,
    -2.505_076_025_340_686_341_95e-8,
    1.589_690_995_211_550_102_21e-10,
];
const C: [f64; 6] = [
    4.166_666_666_666_660_190_37e-2,
    -1.388_888_888_887_410_957_49e-3,
    2.480_158_728_947_672_941_78e-5,
    -2.755_731_435_139_066_330_35e-7,
    2.087_572_321_298_174_827_90e-9,
    -1.135_964_755_778_819_482_65e-11,
];
pub(super) const INV_PIO2: f64 = core::f64::consts::FRAC_2_PI;
pub(super) const PIO2_1: f64 = 1.570_796_326_734_125_614_17;
pub(super) const PIO2_2: f64 = 6.077_100_506_303_965_976_60e-11;
pub(super) const PIO2_3: f64 = 2.022_266_248_711_166_455_80e-21;
const PIO2_3T: f64 = 8.478_427_660_368_899_569_97e-32;
/// Beyond this |x| the vector reduction is not exact: such lanes use libm's.
const SIN_VECTOR_LIMIT: f64 = 1_647_099.0;

/// `(sin x, cos x)`: a three-piece Cody–Waite reduction to `y0 + y1` in
/// [−π/4, π/4] and its kernels, the quadrant chosen per lane. Lanes with
/// |x| > 2^20·π/2 (never an activation's practical input) are recomputed with libm's
/// exact Payne–Hanek reduction. Bound: 1 ULP (measured max 0.8).
#[inline(always)]
pub(crate) fn sin_cos<V: Vf>(x: V) -> (V, V) {
    let n = (x * V::splat(INV_PIO2)).round_even();
    // x − n·π/2 as y0 + y1: each product with a 33-bit piece is exact for |n| < 2^20, the
    // first difference is exact (Sterbenz), the others carry their rounding errors.
    let r1 = (-n).mul_add(V::splat(PIO2_1), x);
    let (r2, e2) = dd::two_sum(r1, -(n * V::splat(PIO2_2)));
    let (r3, e3) = dd::two_sum(r2, -(n * V::splat(PIO2_3)));
    let lo = (e2 + e3) - n * V::splat(PIO2_3T);
    let y0 = r3 + lo;
    let y1 = (r3 - y0) + lo;
    // Kernels.
    let z = y0 * y0;
    let zw = z * z;
    let rs = horner(z, &[S[1], S[2], S[3]]) + z * zw * horner(z, &[S[4], S[5]]);
    let v = z * y0;
    let sin_k = y0 - ((z * (V::splat(0.5) * y1 - v * rs) - y1) - v * V::splat(S[0]));
    let rc = z * horner(z, &[C[0], C[1], C[2]]) + zw * zw * horner(z, &[C[3], C[4], C[5]]);
    let hz = V::splat(0.5) * z;
    let wc = V::splat(1.0) - hz;
    let cos_k = wc + (((V::splat(1.0) - wc) - hz) + (z * rc - y0 * y1));
    let (s, c) = super::quadrant(n, sin_k, cos_k);
    let s = V::select(x.eq(V::splat(0.0)), x, s);
    let big = x.abs().gt(V::splat(SIN_VECTOR_LIMIT)) & !x.is_infinite();
    if big.any() {
        let (bs, bc) = (x.map_lanes(libm::sin), x.map_lanes(libm::cos));
        return (V::select(big, bs, s), V::select(big, bc, c));
    }
    (s, c)
}
