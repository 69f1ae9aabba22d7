//! Error-free transformations: a value as an unevaluated sum `hi + lo` of two lanes.
//!
//! Used where rounding an intermediate would be amplified by what follows: in
//! `exp(-x²/2)` a relative error δ of `x²` becomes an error `x²/2·δ` of the result, up
//! to 350 ULP near the underflow threshold; carrying `x² = hi + lo` exactly and using
//! `exp(-hi/2)·(1 - lo/2)` removes it.

use crate::Real;

/// `a·b = hi + lo` exactly (for results that neither overflow nor underflow).
#[inline(always)]
pub fn two_prod<L: Real>(a: L, b: L) -> (L, L) {
    let hi = a * b;
    let lo = a.mul_add(b, -hi);
    (hi, lo)
}

/// `a + b = hi + lo` exactly (Knuth's branch-free TwoSum).
#[inline(always)]
pub fn two_sum<L: Real>(a: L, b: L) -> (L, L) {
    let s = a + b;
    let bb = s - a;
    let lo = (a - (s - bb)) + (b - bb);
    (s, lo)
}

/// `(hi + lo)·c` as a double word, for a double-word `hi + lo` and a lane `c`.
#[inline(always)]
pub fn mul_dd<L: Real>(hi: L, lo: L, c: L) -> (L, L) {
    let (p, e) = two_prod(hi, c);
    let e = lo.mul_add(c, e);
    fast_two_sum(p, e)
}

/// `(ahi + alo)·(bhi + blo)` as a double word.
#[inline(always)]
pub fn mul_dd_dd<L: Real>(ahi: L, alo: L, bhi: L, blo: L) -> (L, L) {
    let (p, e) = two_prod(ahi, bhi);
    let e = ahi.mul_add(blo, alo.mul_add(bhi, e));
    fast_two_sum(p, e)
}

/// `(hi + lo) + c` as a double word.
#[inline(always)]
pub fn add_dd<L: Real>(hi: L, lo: L, c: L) -> (L, L) {
    let (s, e) = two_sum(hi, c);
    fast_two_sum(s, e + lo)
}

/// `a + b = hi + lo` exactly when `|a| ≥ |b|` (or a is zero).
#[inline(always)]
pub fn fast_two_sum<L: Real>(a: L, b: L) -> (L, L) {
    let s = a + b;
    let lo = b - (s - a);
    // When s is infinite the correction is meaningless; keep it finite (0).
    let lo = L::select(s.is_infinite() | lo.is_nan(), L::splat(0.0), lo);
    (s, lo)
}

/// `exp(hi + lo)` for `|lo| ≤ ulp(hi)`: `exp(hi)·(1 + lo)`.
#[inline(always)]
pub fn exp_dd<L: Real>(hi: L, lo: L) -> L {
    let e = hi.exp();
    e.mul_add(lo, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_prod_is_exact() {
        let a = 1.0 + f64::EPSILON;
        let (hi, lo) = two_prod(a, a);
        assert_eq!(hi, 1.0 + 2.0 * f64::EPSILON);
        assert_eq!(lo, f64::EPSILON * f64::EPSILON);
    }

    #[test]
    fn two_sum_is_exact() {
        let (hi, lo) = two_sum(1.0f64, 1e-20);
        assert_eq!(hi, 1.0);
        assert_eq!(lo, 1e-20);
    }

    #[test]
    fn mul_dd_carries_the_low_word() {
        // (1 + 2^-60) · 3 = 3 + 3·2^-60.
        let (hi, lo) = mul_dd(1.0f64, 2f64.powi(-60), 3.0);
        assert_eq!(hi, 3.0);
        assert_eq!(lo, 3.0 * 2f64.powi(-60));
    }

    #[test]
    fn exp_dd_applies_the_correction() {
        let v = exp_dd(-700.0f64, 1e-14);
        let want = (-700.0f64).exp() * (1.0 + 1e-14);
        assert!(((v - want) / want).abs() < 4.0 * f64::EPSILON);
    }
}
