//! `f32` vector functions. Bounds are in ULPs of the `f32` result, measured against the
//! correctly rounded value (`f64` libm rounded once) by this crate's tests.
// Coefficients keep the digits of their sources (fdlibm prints 21 significant digits).
#![allow(clippy::excessive_precision)]

use super::{horner, via_f64, Lookup32, Vf, Widen};
use crate::Mask;

const LOG2E: f64 = core::f64::consts::LOG2_E;
/// ln 2 in two `f32` parts: the high part has 16 significant bits (`n·LN2_HI` exact).
const LN2_HI: f64 = 0.693_145_751_953_125;
const LN2_LO: f64 = 1.428_606_820_309_417_3e-6;

/// `(expm1(r) − r)/r²` on |r| ≤ 1.002·ln2/2 as a degree-5 polynomial (mpmath's
/// `chebyfit`, near-minimax, coefficients rounded to f32): `r + r²·q(r)` is within 2^-29
/// of `expm1(r)` relative, one coefficient fewer than the Taylor polynomial's 2^-30.
const EXPM1_Q: [f64; 6] = [
    0.5,
    0.166_666_671_633_720_4,
    0.041_666_463_017_463_684,
    0.008_333_310_484_886_17,
    0.001_393_382_088_281_214_2,
    0.000_198_911_802_726_797_76,
];

#[inline(always)]
fn expm1_kernel<V: Vf>(r: V) -> V {
    (r * r).mul_add(horner(r, &EXPM1_Q), r)
}

/// `eˣ`: `x = n·ln2 + r` with the reduction's rounding error `r_lo` carried, and
/// `e^r = (1 + r) + (r_lo + r²·q(r))` with `1 + r` split exactly (Fast2Sum), so only the
/// last addition rounds at full weight; scaled by `2^n`.
/// Bound: 1 ULP (measured max 0.56 over every f32).
#[inline(always)]
pub(crate) fn exp<V: Vf>(x: V) -> V {
    exp_scaled(x, 0.0)
}

/// `eˣ·2^k` for a small integer `k`, without intermediate overflow.
#[inline(always)]
fn exp_scaled<V: Vf>(x: V, k: f64) -> V {
    let x = x.clamp_keep_nan(-104.0, 90.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r1 = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r1);
    let r_lo = (-n).mul_add(V::splat(LN2_LO), r1 - r);
    let one = V::splat(1.0);
    let h = one + r;
    let h_lo = r - (h - one);
    let q = horner(r, &EXP_TAIL);
    let lo = (r * r).mul_add(q, h_lo + r_lo);
    (h + lo).ldexp(n + V::splat(k))
}

/// `eˣ` for `x ≤ 0` as `2ⁿ·(1 + m)` ([`crate::ExpParts`]): `x = n·ln2 + r` (no carried
/// reduction error) and [`EXP_TAIL`]'s polynomial, `m = r + r²·q(r)` rounded once: within
/// 1.5 ULP of `m`, the reduction's rounding included (measured 1.33 on [−1.5, −1.05]).
#[inline(always)]
pub(crate) fn exp_parts<V: Vf>(x: V) -> crate::ExpParts<V> {
    // x ≤ 0 (or NaN): only the lower clamp.
    let x = x.max_keep_nan(-104.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    crate::ExpParts {
        scale: V::splat(1.0).ldexp(n),
        m: (r * r).mul_add(horner(r, &EXP_TAIL), r),
    }
}

/// `eˣ·2⁻ᵏ` for integral `k`, `|x| ≤ 512` and `round(x·log₂e) − k` in `[−252, 252]`: the
/// softmax rows' exponential, shifted by a multiple of ln 2 rather than by the row maximum
/// (so nothing need be subtracted exactly). `x = n·ln2 + r`: `x − n·LN2_HI` is exact in the
/// fused multiply-add (a multiple of `min(ulp(x), 2⁻¹⁶)` below ½), so `r` rounds once (an
/// error below 2^-26 absolute); `e^r` is [`EXP_DEG6`] by Horner's rule, whose last step
/// `1 + r·(…)` rounds at full weight once; `2ⁿ⁻ᵏ` scales it (once more where the result is
/// subnormal). A NaN `x` gives NaN. Bound: 1.5 ULP (measured max 0.86 over `x` in
/// [−512, 512]).
#[inline(always)]
pub(crate) fn exp_shifted<V: Vf>(x: V, k: V) -> V {
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    horner(r, &EXP_DEG6).ldexp(n - k)
}

/// `e^r` on |r| ≤ 0.3467 (ln2/2 and the reduction's slack) as a degree-6 polynomial with
/// `f32` coefficients, fitted for relative error (reweighted least squares on Chebyshev
/// nodes, each coefficient rounded to `f32` before the next is refitted): within 2^-28.0
/// of `e^r` relative, one degree below the Taylor polynomial of [`EXP_TAIL`].
const EXP_DEG6: [f64; 7] = [
    1.0,
    1.0,
    0.5,
    0.166_665_345_430_374_15,
    0.041_667_245_328_426_36,
    0.008_367_437_869_310_379,
    0.001_386_311_254_464_089_9,
];

/// `(e^r − 1 − r)/r²`'s Taylor coefficients 1/k!, k = 2..=7 (truncation below 2^-27.5
/// of e^r on |r| ≤ ln2/2; the term it multiplies is below 2^-3).
const EXP_TAIL: [f64; 6] = [
    0.5,
    0.166_666_671_633_720_4,
    0.041_666_667_908_430_1,
    0.008_333_333_767_950_535,
    0.001_388_888_922_519_981_9,
    0.000_198_412_701_138_295_23,
];

/// `eˣ − 1 = 2ⁿ·expm1(r) + (2ⁿ − 1)` by one fused multiply-add, the reduction's
/// rounding error carried. Bound: 2 ULP (measured max 1.41 on the strided f32 sweep).
#[inline(always)]
pub(crate) fn expm1<V: Vf>(x: V) -> V {
    let xc = x.clamp_keep_nan(-104.0, 89.0);
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
    let x = x.clamp_keep_nan(-104.0, 0.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), x);
    let r = (-n).mul_add(V::splat(LN2_LO), r);
    let h = V::splat(1.0).ldexp(n);
    (-h).mul_add(expm1_kernel(r), V::splat(1.0) - h)
}

/// fdlibm's log1pf kernel coefficients (|error| < 2^-34.24 on its interval).
const LG: [f64; 4] = [0.666_666_626_93, 0.400_009_721_52, 0.284_987_866_88, 0.242_790_788_41];
const LN2F_HI: f64 = 6.931_381_225_6e-1;
const LN2F_LO: f64 = 9.058_000_614_5e-6;

#[inline(always)]
fn log_kernel<V: Vf>(k: V, f: V, c: V) -> V {
    let hfsq = V::splat(0.5) * f * f;
    let s = f / (V::splat(2.0) + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * horner(w, &[LG[1], LG[3]]);
    let t2 = z * horner(w, &[LG[0], LG[2]]);
    let r = t2 + t1;
    s.mul_add(hfsq + r, k.mul_add(V::splat(LN2F_LO), c)) - hfsq + f + k * V::splat(LN2F_HI)
}

/// `ln(1+x)` (fdlibm's log1pf, branch-free). Bound: 1 ULP (measured max 0.8).
#[inline(always)]
pub(crate) fn ln1p<V: Vf>(x: V) -> V {
    let one = V::splat(1.0);
    let u = one + x;
    let (k, m) = u.frexp_sqrt2();
    let c = V::select(k.ge(V::splat(2.0)), one - (u - x), x - (u - one)) / u;
    let c = V::select(k.ge(V::splat(25.0)), V::splat(0.0), c);
    let near = x.gt(V::splat(-0.292_893_2)) & x.lt(V::splat(0.414_213_5));
    let f = V::select(near, x, m - one);
    let k = V::select(near, V::splat(0.0), k);
    let c = V::select(near, V::splat(0.0), c);
    let res = log_kernel(k, f, c);
    let res = V::select(x.eq(V::splat(-1.0)), V::splat(f64::NEG_INFINITY), res);
    let res = V::select(x.lt(V::splat(-1.0)), V::splat(f64::NAN), res);
    let res = V::select(x.eq(V::splat(f64::INFINITY)), x, res);
    V::select(x.eq(V::splat(0.0)) | x.is_nan(), x, res)
}

/// `2·atanh(s)/(2s) − 1 = z·Q(z)`, `z = s² ∈ [0, 1/9]`: weighted least squares on 400
/// Chebyshev nodes against mpmath, relative error of `1 + z·Q(z)` below 2^-27.6.
const LN1P_UNIT_Q: [f64; 4] = [
    0.333_332_041_371_685_26,
    0.200_109_664_330_892_9,
    0.139_978_098_045_590_17,
    0.140_206_227_119_436_75,
];

/// `ln(1 + e)` for `e ∈ [+0, 1]` (NaN propagates; other arguments are outside the fit):
/// `2·atanh(s)` with `s = e/(2 + e) ∈ [0, ⅓]`, as `2s + 2s·z·Q(z)`. One division and no
/// range reduction, where [`ln1p`] needs a frexp, two divisions and its special cases;
/// this is `softplus`'s and `log_sigmoid`'s `ln(1 + e^{−|x|})`. The roundings of `2 + e`
/// and of the quotient are carried, so the last addition is the only full-weight
/// rounding. Bound: 1 ULP.
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

/// `tanh |x|` as an unevaluated sum `q + c` (`|c| ≲ 2⁻²⁴·q`): `(1 − e)/(1 + e)`, `e =
/// e^{−2|x|} = 2ⁿ·(1 + m)` from [`exp_parts`]. The numerator `(1 − 2ⁿ) − 2ⁿ·m` and the
/// denominator `(1 + 2ⁿ) + 2ⁿ·m` are one fused multiply-add each (`1 ± 2ⁿ` is exact), so
/// neither cancels: for n = 0 the reduction is exact (r = −2|x|) and the numerator is −m
/// itself, accurate to the last bit for tiny |x| (no separate small-argument polynomial);
/// for n ≤ −1 the numerator is at least 0.29 and m's error weighs at most 2ⁿ of it. Their
/// roundings (exact by Sterbenz, to within 2⁻⁴⁸) are carried into the quotient's
/// correction by its remainder ([`Real::recip_seed`]: 2⁻¹⁴, squared by the correction),
/// so that only m's error remains in `q + c`.
#[inline(always)]
fn tanh_parts<V: Vf>(x: V) -> (V, V) {
    let parts = exp_parts(V::splat(-2.0) * x.abs());
    let one = V::splat(1.0);
    let (s, m) = (parts.scale, parts.m);
    let (one_minus_s, one_plus_s) = (one - s, one + s);
    let num = (-s).mul_add(m, one_minus_s);
    let den = s.mul_add(m, one_plus_s);
    let num_lo = (-s).mul_add(m, one_minus_s - num);
    let den_lo = s.mul_add(m, one_plus_s - den);
    let r = den.recip_seed();
    let q = num * r;
    let rem = (-q).mul_add(den_lo, (-q).mul_add(den, num) + num_lo);
    (q, rem * r)
}

/// `tanh x` from [`tanh_parts`], rounded once; ±0 and NaN pass through. About 31
/// operations where the former kernel (an odd polynomial below 0.55 selected against
/// `1 − 2e/(1 + e)` with a carried-error exponential and a division) took about 45.
/// Bound: 2 ULP (measured max 1.54 over every f32 at AVX2, at 0.1726, where m's error
/// counts in full; the former kernel 1.2). AVX-512's 16 lanes take [`tanh_table`] instead:
/// one two-register permute per lookup makes the table cheaper there, and 1 ULP.
#[inline(always)]
pub(crate) fn tanh<V: Vf>(x: V) -> V {
    let (q, c) = tanh_parts(x);
    (q + c).copysign(x)
}

/// `1/H` of [`TANH_TABLE`]'s intervals (`H = 0.2963`: the lookup rounds `|x|/H`).
const TANH_INV_H: f64 = 3.375;
/// Every |x| from here on is in interval 31 (where tanh is 1 in `f32`, from 9.0109).
const TANH_CLAMP: f64 = 9.2;

/// `tanh |x|` on 32 intervals `|x| ∈ [(k − ½)·H, (k + ½)·H)` (`scripts/fit_tanh_table.py`):
/// row 0 holds the centre `c_k`, rows 1 to 7 the coefficients of a degree-6 polynomial in
/// `t = |x| − c_k`. Interval 0 expands about 0 with `c0 = 0`, `c1 = 1`; intervals 1 to 30
/// about an `f32` centre whose tanh is within 1/512 ULP of its `f32` value (0.05 to 0.35 ULP
/// from k = 25, where tanh is flat); interval 31 is the constant 1. Least squares relative to
/// tanh, coefficients rounded to `f32` one at a time with the rest refitted.
#[rustfmt::skip]
const TANH_TABLE: [[f32; 32]; 8] = [
    [
        0.0, 0.2962919, 0.59261036, 0.8888918,
        1.1851957, 1.4814956, 1.77774, 2.0740077,
        2.3704047, 2.6666908, 2.9629269, 3.2592032,
        3.5555315, 3.8518307, 4.14813, 4.444439,
        4.740811, 5.0368767, 5.3334, 5.6301184,
        5.9261007, 6.2229295, 6.519096, 6.8198752,
        7.118774, 7.416296, 7.694815, 7.995556,
        8.305184, 8.6014805, 8.880001, 0.0,
    ],
    [
        0.0, 0.28791553, 0.5317704, 0.71084595,
        0.8290829, 0.9017478, 0.9444516, 0.9688998,
        0.982688, 0.99039096, 0.99467516, 0.9970523,
        0.9983693, 0.99909806, 0.9995012, 0.9997242,
        0.99984753, 0.99991566, 0.9999534, 0.99997425,
        0.99998575, 0.99999213, 0.99999565, 0.9999976,
        0.9999987, 0.9999993, 0.9999996, 0.99999976,
        0.9999999, 0.99999994, 0.99999994, 1.0,
    ],
    [
        1.0, 0.91710466, 0.71722025, 0.49469805,
        0.31262153, 0.18685086, 0.10801123, 0.061233204,
        0.034324277, 0.019125754, 0.010621327, 0.0058866874,
        0.0032587878, 0.0018030616, 0.0009972946, 0.0005515052,
        0.00030491428, 0.0001686739, 9.321967e-05, 5.149796e-05,
        2.8491024e-05, 1.5735774e-05, 8.702469e-06, 4.768447e-06,
        2.6226137e-06, 1.429169e-06, 8.225772e-07, 4.4116618e-07,
        2.3791193e-07, 1.1787791e-07, 3.2197544e-08, 0.0,
    ],
    [
        -1.02461456e-07, -0.26404846, -0.38139665, -0.35165417,
        -0.2591892, -0.16849238, -0.10201138, -0.05932881,
        -0.03373007, -0.018942006, -0.010564757, -0.005869302,
        -0.0032534706, -0.0018014403, -0.0009968026, -0.0005513291,
        -0.00030489726, -0.00016863536, -9.3246665e-05, -5.1535462e-05,
        -2.8527375e-05, -1.5776117e-05, -8.742162e-06, -4.8085712e-06,
        -2.6626103e-06, -4.182809e-06, 1.4194066e-07, 3.4838713e-06,
        -1.2781046e-06, -2.8520217e-06, 7.027867e-06, 0.0,
    ],
    [
        -0.3333238, -0.22967857, -0.036268283, 0.085068636,
        0.1106833, 0.08965562, 0.06034157, 0.03707272,
        0.02170447, 0.01238463, 0.006968063, 0.0038897493,
        0.0021618789, 0.0011987744, 0.00066387025, 0.00036736357,
        0.00020318246, 0.00011241973, 6.213761e-05, 3.43324e-05,
        1.8994062e-05, 1.04953215e-05, 5.8055653e-06, 3.2138535e-06,
        1.7998992e-06, 5.0046697e-06, 1.9858246e-06, 3.3283582e-06,
        1.6891407e-06, 4.1015164e-06, 1.0542494e-05, 0.0,
    ],
    [
        -0.00028945637, 0.15410712, 0.14643496, 0.056756128,
        -0.0053657703, -0.024680253, -0.02298522, -0.01614608,
        -0.01008417, -0.005948859, -0.0034105773, -0.0019247886,
        -0.0010741311, -0.00059679296, -0.00033079507, -0.0001855765,
        -9.895296e-05, -5.8315687e-05, -2.8323064e-05, -1.3769357e-05,
        -6.282845e-06, -1.7092716e-06, 5.711282e-07, 1.8904444e-06,
        2.5663633e-06, 0.00023525277, -8.390557e-05, -0.00034323605,
        8.8967994e-05, 0.00023402144, -0.000612176, 0.0,
    ],
    [
        0.13719083, 0.05248347, -0.048731454, -0.05732206,
        -0.025632612, -0.0036327168, 0.0039340514, 0.004630623,
        0.0034462297, 0.002196449, 0.0013072025, 0.000753754,
        0.00042570557, 0.00023820481, 0.0001322398, 7.3482115e-05,
        4.068031e-05, 2.2541539e-05, 1.245115e-05, 6.7432284e-06,
        3.766566e-06, 1.883178e-06, 9.886138e-07, -8.847511e-07,
        -1.893111e-06, -0.00017625338, -6.24851e-05, -0.00013219126,
        -6.6617016e-05, -0.00017516741, -0.00045814607, 0.0,
    ],
    [
        -0.023492375, -0.07049129, -0.031506527, 0.013692273,
        0.017044472, 0.007625571, 0.0016406537, -0.00035934444,
        -0.00079958787, -0.0006785854, -0.00036616766, -0.00016596579,
        -0.00013181011, -8.8952205e-05, -5.5659337e-05, 2.8021368e-05,
        -7.788508e-05, 4.5566463e-05, -7.258985e-05, -8.7059845e-05,
        -8.153138e-05, -8.90195e-05, -8.711163e-05, -8.712619e-05,
        -8.599302e-05, -0.005879856, 0.0020858778, 0.008569189,
        -0.0022211184, -0.005838185, 0.01526849, 0.0,
    ],
];

/// `tanh x` by table ([`TANH_TABLE`]): the interval's centre and 7 coefficients by 8 lookups
/// of `k = round(|x|/H)`, `t = |x| − c_k` (exact: Sterbenz), 6 fused multiply-adds, the sign
/// of `x`. About 19 operations where [`tanh`] takes 31, and more accurate: the expansions
/// about centres with near-exact tanh leave little more than the last rounding (measured
/// max 0.995 ULP over every f32 at AVX-512, at 0.1246 where `t·p` rounds twice; 0.50 to 0.62
/// above |x| = 0.9). ±0 and NaN pass through (NaN's `t` is NaN); ±∞ clamp to interval 31.
/// Bound: 1 ULP.
#[inline(always)]
pub(crate) fn tanh_table<V: Lookup32>(x: V) -> V {
    let a = x.abs().min_keep_nan(TANH_CLAMP);
    let k = a.mul_add(V::splat(TANH_INV_H), V::splat(8_388_608.0)).index_bits();
    let [centre, coefficients @ ..] = &TANH_TABLE;
    let t = a - V::lookup(k, centre);
    let (last, rest) = coefficients.split_last().expect("a non-empty table");
    let mut p = V::lookup(k, last);
    for c in rest.iter().rev() {
        p = p.mul_add(t, V::lookup(k, c));
    }
    p.copysign(x)
}

/// `tanh² x = q² + 2q·c` from [`tanh_parts`], rounded once: twice m's error and one
/// rounding, where squaring a rounded tanh doubles its final rounding too (tanhshrink's
/// backward `g·tanh² x` measured 5.5 ULP at 0.1715 that way). Bound: 4 ULP with the
/// gradient's product (tanhshrink's backward measured max 3.36 over every f32 at AVX-512).
#[inline(always)]
pub(crate) fn tanh_sq<V: Vf>(x: V) -> V {
    let (q, c) = tanh_parts(x);
    q.mul_add(q, (q + q) * c)
}

/// `cosh x = h + 1/(4h)`, `h = eˣ/2`. Bound: 2 ULP.
#[inline(always)]
pub(crate) fn cosh<V: Vf>(x: V) -> V {
    let h = exp_scaled(x.abs(), -1.0);
    h + V::splat(0.25) / h
}

/// `√(x² + y²)` in `f64` (exact squares, one rounding each for the sum and the root).
/// Bound: 0.5 ULP + 2^-29.
#[inline(always)]
pub(crate) fn hypot<V: Widen>(x: V, y: V) -> V {
    let (x0, x1) = x.widen();
    let (y0, y1) = y.widen();
    V::narrow(super::f64::hypot(x0, y0), super::f64::hypot(x1, y1))
}

/// `erf x` through the `f64` kernel. Bound: 0.5 ULP + 2^-28.
#[inline(always)]
pub(crate) fn erf<V: Widen>(x: V) -> V {
    via_f64(x, super::f64::erf)
}

/// `erfcx(z)·(K+z)/K` on `t = K/(K+z) ∈ [K/(K+10.1), 1]`, `K = 2.5`, as a polynomial in
/// `t − (1 + t_min)/2` (weighted least squares on 600 Chebyshev nodes against mpmath; relative
/// error below 1.9e-9 = 0.03 ULP of f32, evaluated in `f64`).
const ERFCX_K: f64 = 2.5;
const ERFCX_C: f64 = 0.599_206_349_206_349_2;
const ERFCX_H: [f64; 11] = [
    0.493_173_284_149_850_45,
    0.804_651_378_264_191,
    0.898_855_626_465_145,
    0.607_161_310_179_216_2,
    0.111_254_943_124_956_26,
    -0.172_414_065_740_410_38,
    -0.089_886_366_516_018_65,
    0.068_946_777_321_029_87,
    0.045_595_858_996_154_835,
    -0.032_640_443_660_868_72,
    -0.018_736_466_468_677_222,
];

/// `eˣ⁺ˡᵒ` for a double-word argument (`|lo| ≤ 2^-20·|x|`) and `x ≤ 0`: the low word
/// joins the reduction's error term. Bound: 1 ULP.
#[inline(always)]
fn exp_lo<V: Vf>(x: V, x_lo: V) -> V {
    // Below the clamp the result rounds to 0.
    let floor = -104.0;
    let outside = x.lt(V::splat(floor)) | x.gt(V::splat(90.0));
    let x_lo = V::select(outside, V::splat(0.0), x_lo);
    let x = x.clamp_keep_nan(floor, 90.0);
    let n = (x * V::splat(LOG2E)).round_even();
    let r1 = (-n).mul_add(V::splat(LN2_HI), x);
    let r0 = (-n).mul_add(V::splat(LN2_LO), r1);
    let r0_lo = (-n).mul_add(V::splat(LN2_LO), r1 - r0);
    // The low word joins r itself (Fast2Sum: |x_lo| < |r0| unless both are tiny), so
    // only a residual below 2^-24·|r| is carried linearly.
    let r = r0 + x_lo;
    let r_lo = ((r0 - r) + x_lo) + r0_lo;
    let one = V::splat(1.0);
    let h = one + r;
    let h_lo = r - (h - one);
    let q = horner(r, &EXP_TAIL);
    let lo = (r * r).mul_add(q, h_lo + r_lo);
    (h + lo).ldexp(n)
}

/// `t·H(t)` in `f64` from the `f32` quotient `t ≈ K/(K+z)`: one Newton step with `K + z`
/// exact makes `t` exact to 2^-45 first. (A named function, not a closure: closures are
/// not always inlined into the SIMD context, and an outlined intrinsic is a call.)
#[inline(always)]
fn erfcx_tail<W: Vf>(t: W, z: W) -> W {
    let kz = W::splat(ERFCX_K) + z;
    let t = t.mul_add((-kz).mul_add(t * W::splat(1.0 / ERFCX_K), W::splat(1.0)), t);
    t * horner(t - W::splat(ERFCX_C), &ERFCX_H)
}

/// `(e^{−z²}, t·H(t))` for `z ≥ 0` with `z² = s + s_lo`: `t = K/(K+z)` by one `f32`
/// division, refined and used in `f64`; the exponential in `f32` with its argument's low
/// word. `erfc z` is their product. Each part within 1 ULP.
#[inline(always)]
fn erfc_parts<V: Widen>(z: V, s: V, s_lo: V) -> (V, V) {
    let z = z.clamp_keep_nan(0.0, 10.1);
    let t = V::splat(ERFCX_K) / (V::splat(ERFCX_K) + z);
    let (t0, t1) = t.widen();
    let (z0, z1) = z.widen();
    let th = V::narrow(erfcx_tail(t0, z0), erfcx_tail(t1, z1));
    let s_lo = V::select(s_lo.is_nan(), V::splat(0.0), s_lo);
    (exp_lo(-s, -s_lo), th)
}

/// `erfc x = e^{−z²}·t·H(t)`, `z = |x|`, `t = K/(K+z)` ([`erfc_parts`]; `2 − erfc(z)` for
/// `x < 0`), zero beyond `z = 10.1` (below the least subnormal).
/// Bound: 2 ULP (three roundings: the exponential, `t·H` narrowed, their product).
#[inline(always)]
pub(crate) fn erfc<V: Widen>(x: V) -> V {
    let z = x.abs();
    let (s, s_lo) = crate::dd::two_prod(z, z);
    let (e, th) = erfc_parts(z, s, s_lo);
    let r = e * th;
    let r = V::select(z.ge(V::splat(10.1)), V::splat(0.0), r);
    let r = V::select(x.lt(V::splat(0.0)), V::splat(2.0) - r, r);
    V::select(x.is_nan(), x, r)
}

/// Beyond this |x| GELU and its derivative are those of the clamp: `φ(15) < 2^-162`, so
/// every product with it rounds as the limit does (−0 or x; 0 or 1).
const GELU_CLAMP: f64 = 15.0;

/// `e^r` on |r| ≤ 0.362 (ln2/2 and the low word), degree 6: relative error below 2^-27.8
/// with these `f32` coefficients. This and the rationals below come from
/// `scripts/fit_f32_kernels.py` (each coefficient rounded in turn, the rest refitted).
const EXP_GAUSS: [f64; 7] = [
    1.0,
    1.0,
    0.499_999_910_593_032_84,
    0.166_664_928_197_860_72,
    0.041_668_828_576_803_21,
    0.008_371_939_882_636_07,
    0.001_380_147_645_249_962_8,
];

/// `e^{−a²/2}·2ᵏ` for `0 ≤ a ≤ 15`: `−a²/2 = s + s_lo` exactly (`a·(−½)` is exact), the
/// reduction `s − n·ln2` is exact (Cody–Waite, |n| < 2^8) and `s_lo` joins it; scaled by
/// `2^{n+k}` in one rounding. Bound: 1 ULP (0.5 from the polynomial's last step).
#[inline(always)]
fn gauss<V: Vf>(a: V, k: f64) -> V {
    let h = a * V::splat(-0.5);
    let s = h * a;
    let s_lo = h.mul_add(a, -s);
    let n = (s * V::splat(LOG2E)).round_even();
    let r = (-n).mul_add(V::splat(LN2_HI), s);
    let r = (-n).mul_add(V::splat(LN2_LO), r) + s_lo;
    let e = horner(r, &EXP_GAUSS);
    if k == 0.0 {
        e.ldexp(n)
    } else {
        e.ldexp(n + V::splat(k))
    }
}

/// `√(2π)` rounded to `f32`, the constant [`MILLS_P`] is fitted against.
const SQRT_2PI_F32: f64 = 2.506_628_274_917_602_5;
/// `a·m(a)/√(2π) = a·Q/(√(2π)·a·Q + P)` on [0, 15], `m(a) = Φ(−a)/φ(a)` the Mills
/// ratio: `P/Q` approximates `√(2π)/m(a) − √(2π)·a` (2 at 0, decreasing like `√(2π)/a`)
/// with a relative error below 2^-29.9 of the denominator. Every coefficient is positive,
/// so both evaluate stably for `a ≥ 0`.
const MILLS_P: [f64; 5] = [
    2.0,
    1.261_751_770_973_205_6,
    0.416_937_172_412_872_3,
    0.074_924_044_311_046_6,
    0.006_266_019_772_738_218,
];
const MILLS_Q: [f64; 6] = [
    1.0,
    1.086_305_499_076_843_3,
    0.566_583_871_841_430_7,
    0.171_067_357_063_293_46,
    0.029_902_404_174_208_64,
    0.002_499_543_828_889_727_6,
];

/// `a·m(a)/√(2π)` ([`MILLS_P`]), arranged so that few roundings weigh fully where `a` is
/// small: `a·Q = a + a·(a·Q₁)` and the denominator's constant 2 is added last. `a·Q`'s
/// rounding is shared by the numerator and the denominator, where it cancels for large
/// `a`.
#[inline(always)]
fn mills_scaled<V: Vf>(a: V) -> V {
    let aq = a.mul_add(horner(a, &MILLS_Q[1..]) * a, a);
    let p = horner(a, &MILLS_P[1..]) * a;
    aq / (aq.mul_add(V::splat(SQRT_2PI_F32), p) + V::splat(MILLS_P[0]))
}

/// GELU's derivative's zero `a₀` (`m(a₀) = a₀`, x = −a₀) as a double word.
const GAP_ROOT: (f64, f64) = (0.751_791_536_808_013_9, -1.211_444_945_855_772e-8);
/// `1/√(2π)` rounded to `f32`, the constant [`GAP_P`] is fitted against.
const FRAC_1_SQRT_2PI_F32: f64 = 0.398_942_291_736_602_8;
/// `G(a) = (a − m(a))/(√(2π)·(a − a₀))` on [0, 15] (0.668 at 0, tending to 1/√(2π)) as
/// `1/√(2π) + P/Q`: the rational part is at most 0.4 of `G`, and shrinks like `a₀/a`, so
/// its rounding errors weigh little. Relative error below 2^-30 of `G`.
const GAP_P: [f64; 5] = [
    0.270_498_991_012_573_24,
    0.252_574_414_014_816_3,
    0.106_364_712_119_102_48,
    0.023_070_575_669_407_845,
    0.002_206_199_802_458_286_3,
];
const GAP_Q: [f64; 6] = [
    1.016_394_972_801_208_5,
    1.623_698_353_767_395,
    1.104_829_430_580_139_2,
    0.404_740_959_405_899_05,
    0.081_178_538_501_262_66,
    0.007_355_897_687_375_545_3,
];

/// `(a − m(a))/√(2π) = (a − a₀)·G(a)` ([`GAP_P`]): `a − a₀` is carried exactly as a double
/// word (its rounding alone measured 0.5 ULP of the worst case, 3.83 → 3.07 in emulation),
/// and its low part joins the product's single rounding.
#[inline(always)]
fn mills_gap_scaled<V: Vf>(a: V) -> V {
    let g = V::splat(FRAC_1_SQRT_2PI_F32) + horner(a, &GAP_P) / horner(a, &GAP_Q);
    let (t, t_lo) = crate::dd::two_sum(a, V::splat(-GAP_ROOT.0));
    t.mul_add(g, g * (t_lo - V::splat(GAP_ROOT.1)))
}

/// GELU `x·Φ(x)` in `f32` throughout: with `a = |x|`, `x·Φ(x) = x⁺ − a·Φ(−a)` and
/// `a·Φ(−a) = e^{−a²/2}·a·m(a)/√(2π)` ([`gauss`], [`mills_scaled`]): one fused
/// multiply-add puts them together (`x⁺ = max(−0, x)` keeps the sign of a zero result).
/// No cancellation: `Φ(−a) ≤ ½`. NaN propagates; `gelu(−∞) = −0`, `gelu(+∞) = +∞`.
/// Bound: 4 ULP (measured by the `actfn` accuracy tests at every level).
#[inline(always)]
pub(crate) fn gelu<V: Vf>(x: V) -> V {
    let a = x.abs().min_keep_nan(GELU_CLAMP);
    let am = mills_scaled(a);
    (-am).mul_add(gauss(a, 0.0), x.max_keep_nan(-0.0))
}

/// GELU's derivative `Φ(x) + x·φ(x)` in `f32` throughout: with `a = |x|`, it is
/// `1 + w` for `x ≥ 0` and `−w` for `x < 0`, `w = φ(a)·(a − m(a))`, whose zero at `a₀`
/// is an exact factor ([`mills_gap_scaled`]), so the result stays accurate through the
/// derivative's zero at x = −0.7518. `e^{−a²/2}` is scaled by 2³² and scaled back after
/// the product: for 13.2 < a < 13.4 the derivative is normal while `e^{−a²/2}` is not.
/// NaN propagates; the limits at −∞ and +∞ are 0 and 1.
/// Bound: 4 ULP (measured by the `actfn` accuracy tests at every level).
#[inline(always)]
pub(crate) fn gelu_prime<V: Vf>(x: V) -> V {
    const SCALE: i32 = 32;
    let a = x.abs().min_keep_nan(GELU_CLAMP);
    let w = gauss(a, SCALE as f64) * mills_gap_scaled(a);
    let lower = w * V::splat(-(2f64.powi(-SCALE)));
    V::select(x.lt(V::splat(0.0)), lower, V::splat(1.0) - lower)
}

/// `(sin x, cos x)` through the `f64` kernel (exact reduction for every f32).
/// Bound: 0.5 ULP + 2^-28.
#[inline(always)]
pub(crate) fn sin_cos<V: Widen>(x: V) -> (V, V) {
    let (lo, hi) = x.widen();
    let (s0, c0) = super::f64::sin_cos(lo);
    let (s1, c1) = super::f64::sin_cos(hi);
    (V::narrow(s0, s1), V::narrow(c0, c1))
}

/// Below this |hi| the reduction ([`reduce_pi`]) is exact to 2^-60 relative of the angle's
/// distance to the nearest multiple of π/2 for every f32 (|m| < 2^17).
const SIN_DD_LIMIT: f64 = 100_000.0;

/// `sin r = r + r³·S(r²)` on |r| ≤ 1.0001·π/2, evaluated in `f64` (mpmath's `chebyfit`,
/// near-minimax): within 2^-33 of sin r relative.
const SIN_PI: [f64; 5] = [
    -0.166_666_666_638_784_66,
    0.008_333_332_768_305_049,
    -0.000_198_410_864_525_061_94,
    2.753_645_532_390_914e-6,
    -2.407_999_973_210_464e-8,
];

/// `1.5·2^52`: adding it rounds a real of magnitude below 2^51 to an integer `n` (ties to
/// even) held in the significand's low bits, its parity in the lowest.
const ROUND_SHIFTER: f64 = 6_755_399_441_055_744.0;

/// The angle `x + lo` (an `f32` angle widened exactly, and its low word) reduced in `f64` to
/// `r ∈ [−π/2, π/2]` (+ rounding) for the sine (`x = n·π + r`) or the cosine (`x = (n + ½)·π
/// + r`, so that `cos x = (−1)ⁿ⁺¹·sin r` and the cosine's zeros are the reduced sine's), and
/// the integer whose parity is the sign of the result, held by [`ROUND_SHIFTER`] (`n` for
/// the sine, `n + 1` for the cosine: [`Vf::flip_sign_where_odd`] takes either as it is).
/// `r = x − m·π/2` with `m = 2n` or `2n + 1`, π/2 in three pieces: the first has 33 bits,
/// so `m·π/2`'s first product is exact for |m| < 2^20.
#[inline(always)]
fn reduce_pi<W: Vf, const COS: bool>(x: W, lo: W) -> (W, W) {
    use super::f64::{PIO2_1, PIO2_2, PIO2_3};
    let inv_pi = W::splat(core::f64::consts::FRAC_1_PI);
    let (parity, m, scale) = if COS {
        // n + 1 in the significand; m = 2n + 1 = 2(n + 1) − 1.
        let shifted = x.mul_add(inv_pi, W::splat(-0.5)) + W::splat(ROUND_SHIFTER + 1.0);
        let n1 = shifted - W::splat(ROUND_SHIFTER);
        (shifted, n1.mul_add(W::splat(2.0), W::splat(-1.0)), 1.0)
    } else {
        // m = 2n: n times the doubled pieces (doubling is exact).
        let shifted = x.mul_add(inv_pi, W::splat(ROUND_SHIFTER));
        (shifted, shifted - W::splat(ROUND_SHIFTER), 2.0)
    };
    let r = (-m).mul_add(W::splat(scale * PIO2_1), x);
    let r = (-m).mul_add(W::splat(scale * PIO2_2), r);
    let r = (-m).mul_add(W::splat(scale * PIO2_3), r);
    (r + lo, parity)
}

/// `sin r` for |r| ≤ π/2 (+ rounding) in `f64` lanes, to 2^-33 relative.
#[inline(always)]
fn sin_half_period<W: Vf>(r: W) -> W {
    let z = r * r;
    (z * r).mul_add(horner(z, &SIN_PI), r)
}

/// `sin` of the double-word angle `hi + lo` (`|lo| ≤ ulp(hi)/2`): `sin(n·π + r) =
/// (−1)ⁿ·sin r`, one odd polynomial on |r| ≤ π/2 evaluated in the `f64` lanes the
/// reduction runs in (the angle is exact there), the sign from n's parity. Lanes with |hi|
/// ≥ 10⁵ take the `f64` kernel of the exact sum `hi + lo`. Rounded once, to `f32`;
/// `sin(±0) = ±0`, NaN and ±∞ give NaN. About 47 operations per 16 lanes. Bound: 0.5 ULP +
/// 2^-33 relative.
#[inline(always)]
pub(crate) fn sin_dd<V: Widen>(hi: V, lo: V) -> V {
    sin_or_cos_dd::<V, false>(hi, lo)
}

/// `cos` of the double-word angle `hi + lo`, as [`sin_dd`]:
/// `cos((n + ½)·π + r) = (−1)ⁿ⁺¹·sin r`, so the zeros of the cosine are those of the
/// reduced sine and keep their relative accuracy. Bound: 0.5 ULP + 2^-33 relative.
#[inline(always)]
pub(crate) fn cos_dd<V: Widen>(hi: V, lo: V) -> V {
    sin_or_cos_dd::<V, true>(hi, lo)
}

/// [`sin_dd`] (`COS = false`) or [`cos_dd`]: both are `±sin r` of a reduced angle.
#[inline(always)]
fn sin_or_cos_dd<V: Widen, const COS: bool>(hi: V, lo: V) -> V {
    // An ordered comparison: NaN lanes stay on the fast path (and NaN).
    let far = hi.abs().ge(V::splat(SIN_DD_LIMIT));
    let (h0, h1) = hi.widen();
    let (l0, l1) = lo.widen();
    let (r0, p0) = reduce_pi::<_, COS>(h0, l0);
    let (r1, p1) = reduce_pi::<_, COS>(h1, l1);
    let v = V::narrow(
        sin_half_period(r0).flip_sign_where_odd(p0),
        sin_half_period(r1).flip_sign_where_odd(p1),
    );
    // sin(±0) = ±0 (hi = ±0 makes lo = 0, and the sum +0); infinities give NaN through
    // the far lanes.
    let v = if COS { v } else { V::select(hi.eq(V::splat(0.0)), hi, v) };
    if far.any() {
        // Those lanes in f64 throughout (the double word is exact there); the others keep
        // their value, so a result never depends on its neighbours.
        let (s0, c0) = super::f64::sin_cos(h0 + l0);
        let (s1, c1) = super::f64::sin_cos(h1 + l1);
        let f = if COS { V::narrow(c0, c1) } else { V::narrow(s0, s1) };
        return V::select(far, f, v);
    }
    v
}

/// `(sin, cos)` of the double-word angle `hi + lo` (`|lo| ≤ ulp(hi)/2`, as from an exact
/// product `w0·x`): [`sin_dd`] and [`cos_dd`], each reducing the angle on its own (no kernel
/// wants both). Bound: 0.5 ULP + 2^-33 relative each.
#[inline(always)]
pub(crate) fn sin_cos_dd<V: Widen>(hi: V, lo: V) -> (V, V) {
    (sin_dd(hi, lo), cos_dd(hi, lo))
}
