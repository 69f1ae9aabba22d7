//! Lane helpers shared by several families: the logistic function and its relatives,
//! each computed in the form that keeps full relative accuracy over the whole line.

use actfn_math::{dd, Real};

#[inline(always)]
pub(crate) fn zero<L: Real>() -> L {
    L::splat(0.0)
}

#[inline(always)]
pub(crate) fn one<L: Real>() -> L {
    L::splat(1.0)
}

/// `y`, but NaN where `x` is NaN: the NaN-in, NaN-out rule of every kernel.
#[inline(always)]
pub(crate) fn nan_through<L: Real>(x: L, y: L) -> L {
    L::select(x.is_nan(), x, y)
}

pub(crate) use actfn_math::with_limits;

/// `1/(1 + e)` for `0 ≤ e ≤ 1`, with `1 + e` carried as a double word and one Newton
/// step, so that only the final rounding and `e`'s own error remain (what makes the
/// single-precision lanes meet the contract).
#[inline(always)]
fn recip_one_plus<L: Real>(e: L) -> (L, L, L) {
    let one = one::<L>();
    let d = one + e;
    let d_lo = (one - d) + e;
    let r = one / d;
    let r = r.mul_add(-(d.mul_add(r, -one) + d_lo * r), r);
    (r, d, d_lo)
}

/// The logistic function `σ(x) = 1/(1 + e⁻ˣ)`, from `e^{−|x|}` so that neither side
/// loses digits: `σ(x) = 1/(1+e)` for `x ≥ 0`, `e/(1+e)` for `x < 0` (the quotient
/// corrected by its exact remainder).
#[inline(always)]
pub(crate) fn sigmoid<L: Real>(x: L) -> L {
    let e = (-x.abs()).exp();
    let (r, d, d_lo) = recip_one_plus(e);
    let q = e * r;
    let rem = (-q).mul_add(d, e) - q * d_lo;
    L::select(x.ge(zero()), r, rem.mul_add(r, q))
}

/// `e^{−|x|}` from its parts ([`Real::exp_parts`]: the argument is at most 0, so no upper
/// clamp and, in `f32` lanes, no carried reduction error): 1.5 ULP where [`Real::exp`] is
/// within 1, for the kernels whose bounds leave room. One expression, so that a kernel
/// calling it twice on the same `x` (GLU's backward: σ and σ′) computes it once.
#[inline(always)]
pub(crate) fn exp_neg_abs<L: Real>(x: L) -> L {
    (-x.abs()).exp_parts().value()
}

/// `σ(x)` in single precision with one division and no correction: `1/(1 + e)` for
/// `x ≥ 0`, `e/(1 + e)` for `x < 0`, `e = e^{−|x|}`. `e`'s error weighs `1/(1 + e) ≤ 1`
/// in the quotient; `1 + e` and the quotient round once each. `e` from [`exp_neg_abs`]
/// (1.5 ULP instead of [`Real::exp`]'s 1) for a third more speed (f32 sigmoid forward at
/// 64K, one thread: 4688/4611 → 6110/6473 Melem/s).
/// Bound: 3 ULP (measured max 2.40 over every `f32` at AVX-512; 2.31 on the accuracy test's
/// grid of [-20, 20] with [`Real::exp`]).
#[inline(always)]
pub(crate) fn sigmoid_single<L: Real>(x: L) -> L {
    let e = exp_neg_abs(x);
    L::select(x.ge(zero()), one(), e) / (one::<L>() + e)
}

/// `σ(x)` as the kernels compute it: [`sigmoid_single`] in `f32` lanes and at every
/// vector level (`f64` vectors: 2 ULP against a bound of 8), the corrected quotient
/// [`sigmoid`] for the scalar `f64` reference.
#[inline(always)]
pub(crate) fn sigmoid_kernel<L: Real>(x: L) -> L {
    if L::PRECISION < 53 || L::LANES > 1 {
        sigmoid_single(x)
    } else {
        sigmoid(x)
    }
}

/// `σ(hi + lo)` for a double-word argument (the low word corrects the exponential,
/// which matters in the tail where `σ(z) ≈ eᶻ`).
#[inline(always)]
pub(crate) fn sigmoid_dd<L: Real>(hi: L, lo: L) -> L {
    let neg = hi.lt(zero());
    // e = exp(−|z|) with its low word.
    let e = dd::exp_dd(L::select(neg, hi, -hi), L::select(neg, lo, -lo));
    let r = one::<L>() / (one::<L>() + e);
    L::select(neg, e * r, r)
}

/// `n/(d + d_lo)²` for a double-word `d + d_lo` (`|d_lo| ≤ ulp(d)`): the square as a
/// double word, the quotient from a reciprocal seed ([`Real::recip_seed`]: 2⁻¹⁴ in `f32`
/// AVX-512 lanes, the division elsewhere) corrected by its remainder, which leaves the
/// seed's error squared (2⁻²⁸), the final rounding and `n`'s own error.
#[inline(always)]
pub(crate) fn over_square_dd<L: Real>(n: L, d: L, d_lo: L) -> L {
    let p = d * d;
    let p_lo = d.mul_add(d, -p) + L::splat(2.0) * d * d_lo;
    let r = p.recip_seed();
    let q = n * r;
    let rem = (-q).mul_add(p, n) - q * p_lo;
    rem.mul_add(r, q)
}

/// `n/(1+e)²` for `0 ≤ e ≤ 1` ([`over_square_dd`] with `1 + e` split exactly).
#[inline(always)]
pub(crate) fn over_one_plus_squared<L: Real>(n: L, e: L) -> L {
    let one = one::<L>();
    let d = one + e;
    over_square_dd(n, d, (one - d) + e)
}

/// `σ'(x) = σ(x)·σ(−x) = e/(1+e)²` with `e = e^{−|x|}`: accurate in both tails, where
/// the usual `y(1−y)` from the output loses every digit. `e` from [`exp_neg_abs`], as in
/// [`sigmoid_single`], so that GLU's backward, which wants both, computes one exponential.
#[inline(always)]
pub(crate) fn sigmoid_prime<L: Real>(x: L) -> L {
    let e = exp_neg_abs(x);
    over_one_plus_squared(e, e)
}

/// `σ'(hi + lo)` for a double-word argument.
#[inline(always)]
pub(crate) fn sigmoid_prime_dd<L: Real>(hi: L, lo: L) -> L {
    let neg = hi.lt(zero());
    let e = dd::exp_dd(L::select(neg, hi, -hi), L::select(neg, lo, -lo));
    let r = one::<L>() / (one::<L>() + e);
    e * r * r
}

/// `sech²(x) = 1 − tanh²(x) = 4e/(1+e)²` with `e = e^{−2|x|}`, accurate where
/// `1 − tanh²` cancels.
#[inline(always)]
pub(crate) fn sech2<L: Real>(x: L) -> L {
    let e = (L::splat(-2.0) * x.abs()).exp();
    L::splat(4.0) * over_one_plus_squared(e, e)
}

/// [`div_by_const`] for any `y`: where the correction is NaN (`y = ±∞`, whose quotient is
/// `±∞`, or NaN) the uncorrected product `y·(1/d)` stands. Correctly rounded where the
/// quotient is normal; within one spacing where it is subnormal (outside the accuracy
/// contract, which covers normal results).
#[inline(always)]
pub(crate) fn div_by_const_any<L: Real>(y: L, d: f64) -> L {
    let q = y * L::splat(1.0 / d);
    L::select(q.mul_add(L::splat(d), -y).is_nan(), q, div_by_const(y, d))
}

/// `y/d` for a constant `d` without a division: `q = y·(1/d)` corrected once by its exact
/// residual (Markstein's correction), taken as `q·d − y` and subtracted so that `−0`
/// keeps its sign (`q + (y − q·d)·(1/d)` gives `+0`): the correctly rounded quotient for
/// finite `y` whose quotient is normal (an infinite `y` gives NaN). A vector division
/// costs several multiply-adds' worth of throughput.
#[inline(always)]
pub(crate) fn div_by_const<L: Real>(y: L, d: f64) -> L {
    let q = y * L::splat(1.0 / d);
    q.mul_add(L::splat(d), -y).mul_add(L::splat(-1.0 / d), q)
}

/// Evaluates `Σ c[k]·zᵏ` by Horner's rule.
#[inline(always)]
pub(crate) fn poly<L: Real>(z: L, c: &[f64]) -> L {
    let mut acc = L::splat(c[c.len() - 1]);
    for &ck in c[..c.len() - 1].iter().rev() {
        acc = acc.mul_add(z, L::splat(ck));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_tails() {
        assert_eq!(sigmoid(0.0f64), 0.5);
        assert_eq!(sigmoid(f64::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid(f64::INFINITY), 1.0);
        assert!((sigmoid(-700.0f64) / (-700.0f64).exp() - 1.0).abs() < 1e-15);
        assert!((sigmoid_prime(40.0f64) / (-40.0f64).exp() - 1.0).abs() < 1e-15);
        assert_eq!(sigmoid_prime(0.0f64), 0.25);
        assert!(sigmoid(f64::NAN).is_nan());
    }

    #[test]
    fn sech2_tails() {
        assert_eq!(sech2(0.0f64), 1.0);
        assert!((sech2(20.0f64) / (4.0 * (-40.0f64).exp()) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn division_by_a_constant_is_correctly_rounded() {
        // Every 61st f32 of [2^-20, 6], and the same values times 1e10 in f64.
        let (lo, hi) = (2f32.powi(-20).to_bits(), 6f32.to_bits());
        for bits in (lo..=hi).step_by(61) {
            let y = f32::from_bits(bits);
            for d in [6.0, 3.0, 0.1, 7.5] {
                assert_eq!(div_by_const(y, d), y / d as f32, "{y}/{d}");
                assert_eq!(div_by_const(-y, d), -y / d as f32, "-{y}/{d}");
            }
            let y = y as f64 * 1e10;
            assert_eq!(div_by_const(y, 6.0), y / 6.0, "{y}/6");
        }
        assert!(div_by_const(f32::NAN, 6.0).is_nan());
        assert_eq!(div_by_const(-0.0f32, 6.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(div_by_const(-0.0f64, 6.0).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn division_by_a_constant_of_any_value_is_the_division() {
        // Infinities, ±0, NaN and the largest finite values: bit for bit the division.
        for y in [f32::INFINITY, f32::NEG_INFINITY, f32::MAX, -f32::MAX, 0.0, -0.0, 1.0] {
            assert_eq!(div_by_const_any(y, 6.0).to_bits(), (y / 6.0).to_bits(), "{y}/6");
            let y = y as f64;
            assert_eq!(div_by_const_any(y, 6.0).to_bits(), (y / 6.0).to_bits(), "{y}/6");
        }
        assert_eq!(div_by_const_any(f64::MAX, 6.0), f64::MAX / 6.0);
        assert!(div_by_const_any(f32::NAN, 6.0).is_nan());
        // Every 97th f32 from the smallest subnormal to 2^-100, and f64 values spread over
        // the subnormals and the smallest normals: the correctly rounded quotient where it
        // is normal, within one subnormal spacing where it is not (the correction's
        // residual rounds there).
        fn close<T: PartialEq + std::fmt::Debug>(a: T, b: T, bits: (u64, u64), normal: bool) {
            if normal {
                assert_eq!(a, b);
            } else {
                assert!(bits.0.abs_diff(bits.1) <= 1, "{a:?} vs {b:?}");
            }
        }
        for bits in (1u32..2f32.powi(-100).to_bits()).step_by(97) {
            for y in [f32::from_bits(bits), -f32::from_bits(bits)] {
                let (a, b) = (div_by_const_any(y, 6.0), y / 6.0);
                close(a, b, (a.to_bits() as u64, b.to_bits() as u64), b.is_normal());
            }
            let y = f64::from_bits(bits as u64 * 0x9E37_79B9);
            let (a, b) = (div_by_const_any(y, 6.0), y / 6.0);
            close(a, b, (a.to_bits(), b.to_bits()), b.is_normal());
        }
    }

    #[test]
    fn limits_and_nan() {
        assert_eq!(with_limits(f64::NEG_INFINITY, f64::NAN, 0.0, 1.0), 0.0);
        assert_eq!(with_limits(f64::INFINITY, f64::NAN, 0.0, 1.0), 1.0);
        assert_eq!(with_limits(2.0, 3.0, 0.0, 1.0), 3.0);
        assert!(nan_through(f64::NAN, 1.0).is_nan());
        assert_eq!(poly(2.0f64, &[1.0, 2.0, 3.0]), 17.0);
    }
}
