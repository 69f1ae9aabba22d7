//! Error-free transformations: a value as an unevaluated sum `hi + lo` of two lanes.
//!
//! Used where rounding an intermediate would be amplified by what follows: in
//! `exp(-x²/2)` a relative error δ of `x²` becomes an error `x²/2·δ` of the result, up
//! to 350 ULP near the underflow threshold; carrying `x² = hi + lo` exactly and using
//! `exp(-hi/2)·(1 - lo/2)` removes it.

use crate::Real;

/// `a·b = hi + lo` exactly (for results that neither overflow nor underflow). When
/// the product is not finite, `lo` is 0.
#[inline(always)]
pub fn two_prod<L: Real>(a: L, b: L) -> (L, L) {
    let hi = a * b;
    let lo = a.mul_add(b, -hi);
    (hi, L::select(hi.is_infinite() | hi.is_nan(), L::splat(0.0), lo))
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

/// `exp(hi + lo)` for `|lo| ≤ ulp(hi)`: `exp(hi)·(1 + lo)`. A non-finite `lo` (from
/// an infinite `hi`) is ignored.
#[inline(always)]
pub fn exp_dd<L: Real>(hi: L, lo: L) -> L {
    let e = hi.exp();
    let lo = L::select(lo.is_nan() | lo.is_infinite(), L::splat(0.0), lo);
    e.mul_add(lo, e)
}

/// Neumaier's compensated sum: the error of each addition is collected and added
/// once at the end, so the result is as if summed in twice the precision (an
/// infinite partial sum stays infinite).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sum {
    hi: f64,
    lo: f64,
}

impl Sum {
    #[inline(always)]
    pub fn add(&mut self, v: f64) {
        let (s, e) = two_sum(self.hi, v);
        self.hi = s;
        self.lo += e;
    }

    /// The sum rounded once.
    pub fn value(&self) -> f64 {
        if self.hi.is_finite() {
            self.hi + self.lo
        } else {
            self.hi
        }
    }

    /// The sum as a double word `(hi, lo)`.
    pub fn words(&self) -> (f64, f64) {
        if self.hi.is_finite() {
            fast_two_sum(self.hi, self.lo)
        } else {
            (self.hi, 0.0)
        }
    }
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
    fn sums_are_compensated() {
        let mut s = Sum::default();
        for v in [1.0, 1e-20, -1.0, 1e-20] {
            s.add(v);
        }
        assert_eq!(s.value(), 2e-20);
        let mut s = Sum::default();
        s.add(f64::INFINITY);
        s.add(1.0);
        assert_eq!(s.value(), f64::INFINITY);
        assert_eq!(two_prod(f64::MAX, 2.0), (f64::INFINITY, 0.0));
        assert_eq!(exp_dd(f64::NEG_INFINITY, f64::INFINITY), 0.0);
    }

    #[test]
    fn exp_dd_applies_the_correction() {
        let v = exp_dd(-700.0f64, 1e-14);
        let want = (-700.0f64).exp() * (1.0 + 1e-14);
        assert!(((v - want) / want).abs() < 4.0 * f64::EPSILON);
    }
}
