//! Vector elementary functions, written once per precision and generic over the SIMD
//! width: [`f64`] for `f64` lanes, [`f32`] for `f32` lanes.
//!
//! Every function is branch-free (both sides computed, lanes chosen with `select`), with
//! one exception documented at `f64::sin_cos`: lanes whose argument is beyond 2^20·π/2
//! take `libm`'s exact argument reduction. The accuracy of each function is written next
//! to its coefficients and checked by this crate's tests at every level the CPU has.

use crate::Real;

pub(crate) mod f32;
pub(crate) mod f64;

/// The bit-level operations the vector math needs beyond [`Real`].
pub(crate) trait Vf: Real {
    /// Nearest integer, ties to even.
    fn round_even(self) -> Self;
    /// Largest integer not above.
    fn floor(self) -> Self;
    /// `self·2^n` for integral `n`, rounded once (overflow to ∞, gradual underflow).
    /// `n` must lie in `-2044..=2044` (`f64`) or `-252..=252` (`f32`).
    fn ldexp(self, n: Self) -> Self;
    /// `(k, m)` with `self = m·2^k`, `m` in `[√½, √2)`, for finite positive `self`
    /// (subnormals included). Other inputs give unspecified lanes.
    fn frexp_sqrt2(self) -> (Self, Self);
    /// `max(self, lo)` in one instruction, NaN kept; `max(±0, ∓0)` is `self`.
    fn max_keep_nan(self, lo: f64) -> Self;
    /// `min(self, hi)` in one instruction, NaN kept; `min(±0, ∓0)` is `self`.
    fn min_keep_nan(self, hi: f64) -> Self;
    /// `self` clamped to `[lo, hi]`, NaN kept.
    #[inline(always)]
    fn clamp_keep_nan(self, lo: f64, hi: f64) -> Self {
        self.max_keep_nan(lo).min_keep_nan(hi)
    }
    /// Applies a scalar function to every lane (the rare-path fallback).
    fn map_lanes(self, f: impl Fn(f64) -> f64) -> Self;
    /// `self` with its sign flipped in the lanes where the lowest significand bit of
    /// `shifted` is set: the parity of an integer `n` held as `n + 1.5·2^52` (`f64`) or
    /// `n + 1.5·2^23` (`f32`), as a round-by-shifter leaves it. Two instructions.
    fn flip_sign_where_odd(self, shifted: Self) -> Self;
}

/// An `f32` vector that looks up 32-entry tables by lane (AVX-512's two-register
/// permute, one instruction): the table-driven kernels ([`f32::tanh_table`]).
pub(crate) trait Lookup32: Vf {
    /// A vector of table indices.
    type Index: Copy;
    /// The index held in the low 5 bits of each lane's bit pattern (as left by adding 2^23
    /// to an integer-valued float below 32; other bits are ignored).
    fn index_bits(self) -> Self::Index;
    /// `table[index]` in every lane.
    fn lookup(index: Self::Index, table: &[f32; 32]) -> Self;
}

/// An `f32` vector that converts to and from two `f64` vectors of half its width.
pub(crate) trait Widen: Vf {
    type Wide: Vf;
    fn widen(self) -> (Self::Wide, Self::Wide);
    fn narrow(lo: Self::Wide, hi: Self::Wide) -> Self;
}

/// `Σ c[k]·xᵏ` by Horner's rule.
#[inline(always)]
pub(crate) fn horner<V: Real>(x: V, c: &[f64]) -> V {
    let mut acc = V::splat(c[c.len() - 1]);
    for &ck in c[..c.len() - 1].iter().rev() {
        acc = acc.mul_add(x, V::splat(ck));
    }
    acc
}

/// `ln(1 + e)` for `e ∈ [+0, 1]` as `2·atanh(s)`, `s = e/(2 + e) ∈ [0, ⅓]`: `2s + 2s·z·Q(z)`
/// with `z = s²` and `Q` given by `q`'s coefficients (`(atanh(s)/s − 1)/z` on `[0, 1/9]`).
/// The roundings of `2 + e` and of the quotient are carried, so the last addition is the
/// only full-weight rounding: 0.5 ULP plus `Q`'s error.
#[inline(always)]
pub(crate) fn ln1p_unit_with<V: Vf>(e: V, q: &[f64]) -> V {
    let two = V::splat(2.0);
    let d = two + e;
    // Exact (Fast2Sum, 2 ≥ e): d + d_lo = 2 + e.
    let d_lo = (two - d) + e;
    let s = e / d;
    // Exact: e = s·d + rem.
    let rem = (-s).mul_add(d, e);
    // e/(d + d_lo) = s + (rem − s·d_lo)/d, and 2/d = 1 − s.
    let r = s + s;
    let r_lo = (-s).mul_add(d_lo, rem) * (V::splat(1.0) - s);
    let z = s * s;
    r + r.mul_add(z * horner(z, q), r_lo)
}

/// `(sin x, cos x)` from the kernels on the reduced argument `x − n·π/2`: quadrant
/// `n mod 4` swaps and negates them.
#[inline(always)]
pub(crate) fn quadrant<V: Vf>(n: V, sin_k: V, cos_k: V) -> (V, V) {
    let q = n - V::splat(4.0) * (n * V::splat(0.25)).floor();
    let q1 = q.eq(V::splat(1.0));
    let q2 = q.eq(V::splat(2.0));
    let q3 = q.eq(V::splat(3.0));
    let swap = q1 | q3;
    let (s, c) = (V::select(swap, cos_k, sin_k), V::select(swap, sin_k, cos_k));
    (V::select(q2 | q3, -s, s), V::select(q1 | q2, -c, c))
}

/// `f` applied to an `f32` vector through `f64` arithmetic (used where single precision
/// needs more than a few operations of headroom: erf, sin/cos, hypot).
#[inline(always)]
pub(crate) fn via_f64<V: Widen>(x: V, f: impl Fn(V::Wide) -> V::Wide) -> V {
    let (lo, hi) = x.widen();
    V::narrow(f(lo), f(hi))
}

#[cfg(test)]
mod tests;
