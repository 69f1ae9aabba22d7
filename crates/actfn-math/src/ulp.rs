//! Errors in units in the last place (ULP), the measure of every accuracy contract.
//!
//! The ULP of a real `r` in a format with `p` bits of precision and smallest normal
//! exponent `emin` is `2^(max(⌊log₂|r|⌋, emin) − p + 1)`: below the normal range it is
//! the subnormal step, so an error there counts in subnormal steps.

use crate::Element;

/// The ULP of `r` in the format of `E`.
pub fn ulp<E: Element>(r: f64) -> f64 {
    let r = r.abs();
    let e = if r == 0.0 || !r.is_finite() {
        E::MIN_EXP
    } else {
        exponent(r).max(E::MIN_EXP)
    };
    pow2(e - E::PRECISION as i32 + 1)
}

/// `2^k` exactly, for `k` in `-1074..=1023` (`powi` underflows to 0 for k < -1022).
fn pow2(k: i32) -> f64 {
    if k >= -1022 {
        f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (k + 1074))
    }
}

/// `⌊log₂ r⌋` for a finite positive `r`, exact (from the bits, not a logarithm).
fn exponent(r: f64) -> i32 {
    let bits = r.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // f64 subnormal: normalise.
        let mant = bits & ((1u64 << 52) - 1);
        -1074 + (63 - mant.leading_zeros() as i32)
    } else {
        biased - 1023
    }
}

/// The error of `value` against the exact `reference` in ULPs of `E`.
///
/// Non-finite references must be matched exactly (NaN by NaN, ±∞ by the same
/// infinity): a match counts 0, a mismatch `f64::INFINITY`. A NaN value against a
/// finite reference is also `f64::INFINITY`.
pub fn ulp_error<E: Element>(value: E, reference: f64) -> f64 {
    let v = value.to_f64();
    // A finite reference beyond the largest finite `E` rounds to an infinity.
    let reference = if reference.is_finite() && E::from_f64(reference).to_f64().is_infinite() {
        E::from_f64(reference).to_f64()
    } else {
        reference
    };
    if reference.is_nan() || v.is_nan() {
        return if reference.is_nan() && v.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if reference.is_infinite() || v.is_infinite() {
        return if v == reference { 0.0 } else { f64::INFINITY };
    }
    (v - reference).abs() / ulp::<E>(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulp_of_one() {
        assert_eq!(ulp::<f64>(1.0), f64::EPSILON);
        assert_eq!(ulp::<f32>(1.0), f32::EPSILON as f64);
        assert_eq!(ulp::<f32>(1.5), f32::EPSILON as f64);
        assert_eq!(ulp::<f32>(0.75), f32::EPSILON as f64 / 2.0);
    }

    #[test]
    fn ulp_in_subnormal_range_is_the_subnormal_step() {
        assert_eq!(ulp::<f32>(1e-40), 2f64.powi(-149));
        assert_eq!(ulp::<f32>(0.0), 2f64.powi(-149));
        assert_eq!(ulp::<f64>(5e-324), 5e-324);
        assert_eq!(ulp::<f64>(f64::MIN_POSITIVE), 5e-324);
    }

    #[test]
    fn exponent_is_exact() {
        assert_eq!(exponent(1.0), 0);
        assert_eq!(exponent(0.999_999_999), -1);
        assert_eq!(exponent(f64::MAX), 1023);
        assert_eq!(exponent(f64::MIN_POSITIVE), -1022);
        assert_eq!(exponent(f64::MIN_POSITIVE / 2.0), -1023);
        assert_eq!(exponent(5e-324), -1074);
    }

    #[test]
    fn overflowing_references_round_to_infinity() {
        assert_eq!(ulp_error(f32::INFINITY, 1e39), 0.0);
        assert_eq!(ulp_error(f32::MAX, 1e39), f64::INFINITY);
        assert_eq!(pow2(-1074), 5e-324);
        assert_eq!(pow2(1023), 2f64.powi(1023));
    }

    #[test]
    fn errors() {
        assert_eq!(ulp_error(1.0f32 + f32::EPSILON, 1.0), 1.0);
        assert_eq!(ulp_error(f64::NAN, f64::NAN), 0.0);
        assert_eq!(ulp_error(1.0f64, f64::NAN), f64::INFINITY);
        assert_eq!(ulp_error(f64::INFINITY, f64::INFINITY), 0.0);
        assert_eq!(ulp_error(f64::MAX, f64::INFINITY), f64::INFINITY);
        assert_eq!(ulp_error(-0.0f64, 0.0), 0.0);
    }
}
