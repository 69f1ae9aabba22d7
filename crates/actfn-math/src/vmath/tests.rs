//! ULP accuracy of the vector functions at every SIMD level this CPU has: `f64` lanes
//! against `libm` (itself within 1 ULP, so bounds here are the documented bound + 1),
//! `f32` lanes against the correctly rounded value (`f64` libm rounded once), over
//! dense samples of each function's domain and its edge inputs.

use crate::drive::map_lanes;
use crate::simd::{dispatch, LaneTask, Lanes, Level};
use crate::ulp::ulp_error;
use crate::{Element, Real};

#[derive(Clone, Copy, Debug, PartialEq)]
enum F {
    Exp,
    /// `exp_parts(−|x|).value()`: `e^{−|x|}` (the parts' domain is `x ≤ 0`).
    ExpParts,
    Expm1,
    OneMinusExp,
    Ln1p,
    /// `ln(1 + x)` on its domain `[0, 1]`.
    Ln1pUnit,
    Ln,
    Tanh,
    Cosh,
    Erf,
    Erfc,
    Sin,
    Cos,
    Hypot3,
    Gelu,
    GeluPrime,
}

impl F {
    fn lane<L: Real>(self, v: L) -> L {
        match self {
            F::Exp => v.exp(),
            F::ExpParts => (-v.abs()).exp_parts().value(),
            F::Expm1 => v.exp_m1(),
            F::OneMinusExp => v.one_minus_exp(),
            F::Ln1p => v.ln_1p(),
            F::Ln1pUnit => v.ln_1p_unit(),
            F::Ln => v.ln(),
            F::Tanh => v.tanh(),
            F::Cosh => v.cosh(),
            F::Erf => v.erf(),
            F::Erfc => v.erfc(),
            F::Sin => v.sin_cos().0,
            F::Cos => v.sin_cos().1,
            F::Hypot3 => v.hypot(L::splat(3.0)),
            F::Gelu => v.gelu(),
            F::GeluPrime => v.gelu_prime(),
        }
    }
    fn reference(self, v: f64) -> f64 {
        match self {
            F::Exp => libm::exp(v),
            F::ExpParts => libm::exp(-v.abs()),
            F::Expm1 => libm::expm1(v),
            F::OneMinusExp => -libm::expm1(if v > 0.0 { 0.0 } else { v }),
            F::Ln1p | F::Ln1pUnit => libm::log1p(v),
            F::Ln => libm::log(v),
            F::Tanh => libm::tanh(v),
            F::Cosh => libm::cosh(v),
            F::Erf => libm::erf(v),
            F::Erfc => libm::erfc(v),
            F::Sin => libm::sin(v),
            F::Cos => libm::cos(v),
            F::Hypot3 => libm::hypot(v, 3.0),
            // In f64 these are far more accurate than an f32 result needs (they are only
            // used as f32 references: the error of -v/√2 grows like v², below 2^-44 where
            // the results are not 0).
            F::Gelu if v == f64::NEG_INFINITY => -0.0,
            F::Gelu => v * libm::erfc(-v * core::f64::consts::FRAC_1_SQRT_2) / 2.0,
            F::GeluPrime if v.is_infinite() => (v > 0.0) as u8 as f64,
            F::GeluPrime => {
                libm::erfc(-v * core::f64::consts::FRAC_1_SQRT_2) / 2.0
                    + v * libm::exp(-v * v / 2.0) / (2.0 * core::f64::consts::PI).sqrt()
            }
        }
    }
    /// (f64 bound against libm, f32 bound against the correctly rounded value).
    fn bounds(self) -> (f64, f64) {
        match self {
            F::Exp | F::Ln1p | F::Ln1pUnit | F::Ln | F::Hypot3 => (2.0, 1.0),
            F::ExpParts => (2.0, 1.5),
            F::Erf | F::Sin | F::Cos => (2.0, 0.51),
            F::Erfc => (4.0, 2.0),
            F::Expm1 | F::OneMinusExp | F::Cosh => (3.0, 2.0),
            F::Tanh => (3.0, 2.5),
            // Checked in f32 only (F32_ONLY).
            F::Gelu | F::GeluPrime => (f64::NAN, 4.0),
        }
    }
    /// The `f32` bound at `level`: AVX-512 lanes take tanh from a table (1 ULP).
    fn f32_bound(self, level: Level) -> f64 {
        match (self, level) {
            (F::Tanh, Level::Avx512) => 1.0,
            _ => self.bounds().1,
        }
    }
    fn inputs(self) -> Vec<f64> {
        let mut next = xorshift_uniform(0x2545_f491_4f6c_dd1du64);
        let mut x = vec![
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e-310,
            -1e-310,
            5e-324,
        ];
        let mut uniform = |lo: f64, hi: f64, n: usize, x: &mut Vec<f64>| {
            for _ in 0..n {
                x.push(lo + (hi - lo) * next());
            }
        };
        let (lo, hi) = match self {
            F::Exp | F::Expm1 => (-750.0, 712.0),
            F::OneMinusExp | F::ExpParts => (-750.0, 10.0),
            F::Ln1p => (-1.0, 50.0),
            F::Ln1pUnit => (0.0, 1.0),
            F::Ln => (0.0, 1e3),
            F::Tanh | F::Erf | F::Erfc | F::Gelu | F::GeluPrime => (-30.0, 30.0),
            F::Cosh => (-720.0, 720.0),
            F::Sin | F::Cos => (-2e6, 2e6),
            F::Hypot3 => (-1e3, 1e3),
        };
        uniform(lo, hi, 100_000, &mut x);
        uniform(-4.0, 4.0, 100_000, &mut x);
        uniform(-120.0, 100.0, 20_000, &mut x);
        // Every binade, both signs.
        for e in -1074..1024 {
            for k in 0..8 {
                let m = 1.0 + k as f64 / 8.0 + 0.013;
                let v = m * 2f64.powi(e.max(-1022)) * if e < -1022 { 2f64.powi(e + 1022) } else { 1.0 };
                x.push(v);
                x.push(-v);
            }
        }
        for v in [
            709.78,
            709.7827128933841,
            -745.1,
            -708.4,
            88.72,
            88.7228,
            -103.97,
            -87.33,
            0.55,
            0.84375,
            1.25,
            2.857_142_857_142_857,
            28.0,
            1.0,
            -1.0,
            0.5,
            0.25,
            0.2928932188,
            0.41421356,
            -0.29289,
            1e-8,
            1e-20,
        ] {
            for d in [-2e-16, 0.0, 2e-16] {
                x.push(v * (1.0 + d));
                x.push(-v * (1.0 + d));
            }
        }
        for k in 1..60 {
            x.push(-1.0 + 2f64.powi(-k));
        }
        if matches!(self, F::Gelu | F::GeluPrime) {
            // GELU′'s zero, the clamp at 15, where e^{−x²/2} leaves the normal range.
            uniform(-0.7518 - 1e-3, -0.7518 + 1e-3, 20_000, &mut x);
            uniform(-15.5, -12.5, 20_000, &mut x);
            uniform(14.5, 15.5, 1_000, &mut x);
        }
        x.extend([1e10, -1e10, 1e300, 12345678.9, 3.0e38, 1e40]);
        if self == F::Tanh {
            // Every f32 near the ends and centres of the AVX-512 table's intervals (steps of
            // 1/3.375), where the lookup switches polynomials, and at its worst point.
            for k in 1..64 {
                let edge = k as f32 / 6.75;
                for d in 0..2000u32 {
                    x.push(f64::from(f32::from_bits(edge.to_bits() + d - 1000)));
                }
            }
            uniform(0.1245, 0.1247, 2000, &mut x);
        }
        if self == F::Ln1pUnit {
            // Its domain only, with every f32 near the ends and at 2^-k.
            x.retain(|v| (0.0..=1.0).contains(v) || v.is_nan());
            for k in 0..4096u32 {
                x.push(f64::from(f32::from_bits(1f32.to_bits() - k)));
                x.push(f64::from(f32::from_bits(k)));
                x.push(f64::from(f32::from_bits(0.5f32.to_bits() + k - 2048)));
            }
        }
        x
    }
}

/// Uniform numbers in [0, 1) from a xorshift generator seeded with `seed`.
fn xorshift_uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut rng = seed;
    move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Apply<'a, E> {
    f: F,
    x: &'a [E],
    y: &'a mut [E],
}

impl<E: Element> LaneTask<E> for Apply<'_, E> {
    type Output = ();
    fn run<L: Lanes<E>>(self) {
        let f = self.f;
        map_lanes::<E, L>(self.x, self.y, move |v| f.lane(v));
    }
}

fn check<E: Element>(level: Level, f: F) -> f64 {
    let xs: Vec<f64> = f.inputs();
    let x: Vec<E> = xs.iter().map(|&v| E::from_f64(v)).collect();
    let mut y = vec![E::from_f64(0.0); x.len()];
    dispatch(level, Apply { f, x: &x, y: &mut y });
    let bound = if E::PRECISION == 24 {
        f.f32_bound(level)
    } else {
        f.bounds().0
    };
    let mut worst = 0.0f64;
    for (&xi, &yi) in x.iter().zip(&y) {
        let xv = xi.to_f64();
        let want = f.reference(xv);
        let err = ulp_error(yi, want);
        // Results below the normal range are measured in subnormal steps; allow one more
        // for the double rounding of f32 results computed from an f64-accurate value.
        assert!(
            err <= bound || (want.abs() < 2.0 * f32::MIN_POSITIVE as f64 && err <= bound + 1.0),
            "{level} {} {f:?}({xv:e}) = {:e}, want {want:e}: {err} ULP (bound {bound})",
            E::NAME,
            yi.to_f64()
        );
        if want.is_finite() {
            worst = worst.max(err);
        }
    }
    worst
}

const ALL: [F; 14] = [
    F::Exp,
    F::ExpParts,
    F::Expm1,
    F::OneMinusExp,
    F::Ln1p,
    F::Ln1pUnit,
    F::Ln,
    F::Tanh,
    F::Cosh,
    F::Erf,
    F::Erfc,
    F::Sin,
    F::Cos,
    F::Hypot3,
];

/// Functions whose `f64` lanes take the trait's default formula: GELU's derivative
/// there sums two terms that cancel near its zero, which the activation corrects.
const F32_ONLY: [F; 2] = [F::Gelu, F::GeluPrime];

#[test]
fn vector_functions_are_within_their_ulp_bounds_at_every_level() {
    for level in Level::available() {
        if level == Level::Scalar {
            continue;
        }
        for f in ALL {
            let e64 = check::<f64>(level, f);
            let e32 = check::<f32>(level, f);
            println!("{level:7} {f:?}: f64 {e64:.2} ULP (vs libm), f32 {e32:.2} ULP");
        }
        for f in F32_ONLY {
            let e32 = check::<f32>(level, f);
            println!("{level:7} {f:?}: f32 {e32:.2} ULP");
        }
    }
}

/// The worst ULP error of `f` at `level` over every `stride`-th finite `f32` bit pattern
/// (where the result is normal), and where it is, in chunks of 2^24 patterns.
fn f32_sweep(level: Level, f: F, stride: usize) -> (f64, f32) {
    let mut worst = (0.0f64, 0.0f32);
    let chunk = 1u64 << 24;
    for start in (0..1u64 << 32).step_by(chunk as usize) {
        let first = start.next_multiple_of(stride as u64);
        let x: Vec<f32> = (first..start + chunk)
            .step_by(stride)
            .map(|bits| f32::from_bits(bits as u32))
            .filter(|v| v.is_finite())
            .collect();
        let mut y = vec![0.0f32; x.len()];
        dispatch(level, Apply { f, x: &x, y: &mut y });
        for (&xi, &yi) in x.iter().zip(&y) {
            let want = f.reference(xi as f64);
            let err = ulp_error(yi, want);
            if err > worst.0 && want.abs() >= f32::MIN_POSITIVE as f64 {
                worst = (err, xi);
            }
        }
    }
    worst
}

fn assert_f32_sweep(stride: usize) {
    for level in Level::available() {
        if level == Level::Scalar {
            continue;
        }
        for f in [F::Exp, F::Expm1, F::Ln1p, F::Tanh] {
            let worst = f32_sweep(level, f, stride);
            println!("{level:7} {f:?} f32 sweep: {:.4} ULP at {:e}", worst.0, worst.1);
            assert!(
                worst.0 <= f.f32_bound(level),
                "{level} {f:?}: {} ULP at {:e}",
                worst.0,
                worst.1
            );
        }
    }
}

#[test]
fn f32_exp_family_over_every_97th_f32() {
    // A stride of 97 keeps the test fast; the ignored test below takes every f32.
    assert_f32_sweep(97);
}

/// Every finite `f32` (minutes in release: `cargo test --release -p actfn-math --
/// --ignored every_f32`); the documented maxima come from it.
#[test]
#[ignore]
fn f32_exp_family_over_every_f32() {
    assert_f32_sweep(1);
}

#[test]
fn levels_parse_and_check() {
    assert_eq!("avx512".parse::<Level>().unwrap(), Level::Avx512);
    assert_eq!(Level::parse_request("auto").unwrap(), None);
    assert!(Level::parse_request("sse9").is_err());
    assert!(Level::Scalar.is_available());
    let msg = crate::simd::LevelError::Unavailable(Level::Neon).to_string();
    assert!(msg.contains("not available"), "{msg}");
}

#[test]
fn signed_zeros_infinities_and_nan() {
    for level in Level::available() {
        let x = [0.0f32, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        let odd = [F::Tanh, F::Expm1, F::Ln1p, F::Erf, F::Sin];
        for f in ALL {
            let mut y = [0.0f32; 5];
            dispatch(level, Apply { f, x: &x, y: &mut y });
            for (&xi, &yi) in x.iter().zip(&y) {
                if f == F::Ln1pUnit && !(xi.is_nan() || xi.to_bits() == 0) {
                    continue; // outside its domain [+0, 1]
                }
                let want = f.reference(xi as f64) as f32;
                let same = (want.is_nan() && yi.is_nan())
                    || (want == yi && (!odd.contains(&f) || want.is_sign_negative() == yi.is_sign_negative()));
                assert!(same, "{level} {f:?}({xi}) = {yi}, want {want}");
            }
        }
    }
}

struct ExpShifted<'a, E> {
    x: &'a [E],
    k: &'a [E],
    y: &'a mut [E],
}

impl<E: Element> LaneTask<E> for ExpShifted<'_, E> {
    type Output = ();
    fn run<L: Lanes<E>>(self) {
        crate::drive::zip_lanes::<E, L>(self.x, self.k, self.y, |x, k| x.exp_shifted(k));
    }
}

/// `eˣ·2⁻ᵏ` as the softmax rows use it: `x` anywhere in the domain (`|x| ≤ 512` in `f32`,
/// `4096` in `f64`), `k` an integer from `x·log₂e − 1` down to where the result underflows;
/// the reference subtracts `k·ln2` in double-double and rounds `exp` once.
fn check_exp_shifted<E: Element>(x_max: f64, k_range: f64, bound: f64) {
    let mut next = xorshift_uniform(0x2545_f491_4f6c_dd1du64);
    let (mut x, mut k) = (Vec::new(), Vec::new());
    for i in 0..200_000 {
        let v = E::from_f64(if i % 3 == 0 { 2.0 } else { x_max } * (2.0 * next() - 1.0));
        let n = (v.to_f64() * core::f64::consts::LOG2_E).round();
        // Half of the draws near the top (the row maximum's neighbourhood), half spread.
        let below = if i % 2 == 0 {
            2.0 * next() - 1.0
        } else {
            k_range * next()
        };
        x.push(v);
        k.push(E::from_f64(n + below.round()));
    }
    // NaN gives NaN; the largest and smallest arguments.
    x.extend([f64::NAN, x_max, -x_max].map(E::from_f64));
    let n_max = (x_max * core::f64::consts::LOG2_E).round();
    k.extend([0.0, n_max, -n_max].map(E::from_f64));
    for level in Level::available() {
        let mut y = vec![E::from_f64(0.0); x.len()];
        dispatch(
            level,
            ExpShifted {
                x: &x,
                k: &k,
                y: &mut y,
            },
        );
        let mut worst = 0.0f64;
        for i in 0..x.len() {
            let (xi, ki) = (x[i].to_f64(), k[i].to_f64());
            if xi.is_nan() {
                assert!(y[i].to_f64().is_nan(), "{level}: exp_shifted({xi}, {ki}) = {:?}", y[i]);
                continue;
            }
            let (hi, lo) = crate::dd::two_sum(xi, -ki * crate::vmath::f64::LN2_HI);
            let (d, d_lo) = crate::dd::fast_two_sum(hi, lo - ki * crate::vmath::f64::LN2_LO);
            let want = libm::exp(d) * (1.0 + d_lo);
            let err = ulp_error(y[i], want);
            let least_normal = if core::mem::size_of::<E>() == 4 {
                f32::MIN_POSITIVE as f64
            } else {
                f64::MIN_POSITIVE
            };
            // Subnormal results round twice (`1 + p`, then the scaling).
            let bound = if want < 2.0 * least_normal { bound + 1.0 } else { bound };
            assert!(
                err <= bound,
                "{level}: exp_shifted({xi:e}, {ki}) = {:?}, want {want:e}: {err} ULP",
                y[i]
            );
            worst = worst.max(err);
        }
        println!("{level:7} exp_shifted {}: {worst:.3} ULP", core::any::type_name::<E>());
    }
}

#[test]
fn f32_exp_shifted_is_within_1_5_ulp() {
    check_exp_shifted::<f32>(512.0, 160.0, 1.5);
}

#[test]
fn f64_exp_shifted_is_within_2_ulp_of_libm() {
    // 1 ULP, plus libm's own.
    check_exp_shifted::<f64>(4096.0, 1080.0, 2.0);
}

struct OnePlusXPlusExp<'a, E> {
    x: &'a [E],
    y: &'a mut [E],
}

impl<E: Element> LaneTask<E> for OnePlusXPlusExp<'_, E> {
    type Output = ();
    fn run<L: Lanes<E>>(self) {
        map_lanes::<E, L>(self.x, self.y, |x| x.exp_parts().plus(L::splat(1.0) + x));
    }
}

#[test]
fn f32_exp_parts_sum_carries_a_fraction_of_the_exponentials_error() {
    // SiLU′'s bracket 1 + x + eˣ, which cancels at x = −1.2785: (1 + x) + 2ⁿ is exact on
    // [−2, −0.5], so the sum's error is 2ⁿ·m's plus its final rounding. Bound: 1.5 ULP
    // of m (its rounding, the reduction's and the polynomial's) times 2ⁿ = ¼, plus half an
    // ULP of the result; near the zero m ≈ 0.11, so 2⁻²⁸·⁶ in f32 where plain (1 + x) +
    // eˣ carries up to 2⁻²⁶. The reference is 1 + x + eˣ in f64 with its
    // rounding recovered (1 + x exact, eˣ from libm, whose error is allowed for). f32 only:
    // an f64 reference would need eˣ in double-double (and f64 SiLU keeps its wide window).
    fn run<E: Element>(level: Level) -> f64 {
        let mut next = xorshift_uniform(0x9e37_79b9_7f4a_7c15u64);
        let xs: Vec<E> = (0..200_000)
            .map(|k| {
                let t = next();
                // A quarter of the points within 1/32 of the zero, where SiLU's f32
                // window ends.
                E::from_f64(if k % 4 == 0 {
                    -1.2785 + (t - 0.5) / 16.0
                } else {
                    -1.5 + 0.45 * t
                })
            })
            .collect();
        let mut y = vec![E::from_f64(0.0); xs.len()];
        dispatch(level, OnePlusXPlusExp { x: &xs, y: &mut y });
        assert_eq!(E::PRECISION, 24);
        let p = 24;
        let mut worst = 0.0f64;
        for (&xi, &yi) in xs.iter().zip(&y) {
            let x = xi.to_f64();
            let e = libm::exp(x);
            // 1 + x is exact here; (1 + x) + e with its rounding error recovered.
            let a = 1.0 + x;
            let s = a + e;
            let want = s + ((a - s) + e);
            // n = −2 on all of [−1.73, −1.04]: m = 4eˣ − 1.
            let m = 4.0 * e - 1.0;
            let bound = 0.25 * 1.5 * 2f64.powi(libm::ilogb(m) - p + 1);
            let half_ulp = 2f64.powi(libm::ilogb(want) - p);
            let err = (yi.to_f64() - want).abs() - half_ulp - 2f64.powi(-53) * e;
            assert!(
                err <= bound,
                "{level} {}: 1 + x + e^x at {x:e} = {:e}, want {want:e}: excess {err:e}",
                E::NAME,
                yi.to_f64()
            );
            worst = worst.max((err + 2f64.powi(-53) * e) / (bound / 1.5));
        }
        worst
    }
    for level in Level::available() {
        let worst = run::<f32>(level);
        println!("{level:7} exp_parts plus f32: {worst:.2} ULP of m (times 2ⁿ) beyond the result's half ULP");
    }
}

struct SinCosDd<'a> {
    hi: &'a [f32],
    lo: &'a [f32],
    sin: &'a mut [f32],
    cos: &'a mut [f32],
    /// `sin_dd`'s result.
    sin_only: &'a mut [f32],
    /// `cos_dd`'s result.
    cos_only: &'a mut [f32],
}

impl LaneTask<f32> for SinCosDd<'_> {
    type Output = ();
    fn run<L: Lanes<f32>>(self) {
        let w = L::WIDTH;
        let n = self.hi.len() / w * w;
        L::vectorize(|| {
            for i in (0..n).step_by(w) {
                let (s, c) = L::load(&self.hi[i..i + w]).sin_cos_dd(L::load(&self.lo[i..i + w]));
                s.store(&mut self.sin[i..i + w]);
                c.store(&mut self.cos[i..i + w]);
                let s = L::load(&self.hi[i..i + w]).sin_dd(L::load(&self.lo[i..i + w]));
                s.store(&mut self.sin_only[i..i + w]);
                let c = L::load(&self.hi[i..i + w]).cos_dd(L::load(&self.lo[i..i + w]));
                c.store(&mut self.cos_only[i..i + w]);
            }
        });
    }
}

#[test]
fn f32_sin_cos_of_a_double_word_is_within_1_5_ulp_and_each_alone_within_0_51() {
    // Angles as SIREN makes them: w0·x split exactly into f32 words.
    let mut next = xorshift_uniform(0x2545_f491_4f6c_dd1du64);
    let (mut hi, mut lo) = (Vec::new(), Vec::new());
    for k in 0..400_000 {
        let x = match k % 4 {
            0 => 2.0 * next() - 1.0,
            1 => 40.0 * next() - 20.0,
            2 => 2e5 * next() - 1e5,
            _ => (2.0 * next() - 1.0) * 2f64.powi((next() * 60.0) as i32 - 30),
        } as f32;
        let w0 = [30.0f32, 1.0, 0.7, 123.456][k % 4 / 2 + k % 2];
        let h = w0 * x;
        let l = w0.mul_add(x, -h);
        hi.push(h);
        lo.push(l);
    }
    // Near multiples of π/2, zeros, the far path and non-finite angles.
    for k in 1..2000 {
        let h = (k as f64 * core::f64::consts::FRAC_PI_2) as f32;
        hi.extend([h, -h, f32::from_bits(h.to_bits() + 1)]);
        lo.extend([0.0, 0.0, 0.0]);
    }
    hi.extend([
        0.0,
        -0.0,
        1e6,
        3e7,
        -1.5e5,
        f32::INFINITY,
        f32::NAN,
        99_999.99,
        100_000.0,
    ]);
    lo.extend([0.0; 9]);
    while hi.len() % 16 != 0 {
        hi.push(1.0);
        lo.push(0.0);
    }
    // The scalar level runs f32 data in f64 lanes (where the low word of w0·x is tiny).
    for level in Level::available().into_iter().filter(|&l| l != Level::Scalar) {
        let (mut s, mut c) = (vec![0.0f32; hi.len()], vec![0.0f32; hi.len()]);
        let (mut s1, mut c1) = (vec![0.0f32; hi.len()], vec![0.0f32; hi.len()]);
        dispatch(
            level,
            SinCosDd {
                hi: &hi,
                lo: &lo,
                sin: &mut s,
                cos: &mut c,
                sin_only: &mut s1,
                cos_only: &mut c1,
            },
        );
        let mut worst = (0.0f64, 0.0f64);
        let (mut worst_sin, mut worst_cos) = (0.0f64, 0.0f64);
        for i in 0..hi.len() {
            let a = hi[i] as f64 + lo[i] as f64;
            let (ws, wc) = (libm::sin(a), libm::cos(a));
            if !a.is_finite() {
                assert!(
                    s[i].is_nan() && c[i].is_nan() && s1[i].is_nan() && c1[i].is_nan(),
                    "{level}: sin_cos_dd({a}) = ({}, {})",
                    s[i],
                    c[i]
                );
                continue;
            }
            let (es, ec) = (ulp_error(s[i], ws), ulp_error(c[i], wc));
            assert!(
                es <= 1.5 && ec <= 1.5,
                "{level}: sin_cos_dd({:e} + {:e}) = ({:e}, {:e}), want ({ws:e}, {wc:e}): {es}, {ec} ULP",
                hi[i],
                lo[i],
                s[i],
                c[i]
            );
            worst = (worst.0.max(es), worst.1.max(ec));
            // Each alone: within 0.51 ULP.
            let mut alone = [0.0f64; 2];
            for (k, (name, got, want)) in [("sin_dd", s1[i], ws), ("cos_dd", c1[i], wc)].into_iter().enumerate() {
                alone[k] = ulp_error(got, want);
                assert!(
                    alone[k] <= 0.51,
                    "{level}: {name}({:e} + {:e}) = {got:e}, want {want:e}: {} ULP",
                    hi[i],
                    lo[i],
                    alone[k]
                );
            }
            worst_sin = worst_sin.max(alone[0]);
            worst_cos = worst_cos.max(alone[1]);
        }
        for zero in [0.0f32, -0.0] {
            let at = hi.iter().position(|h| h.to_bits() == zero.to_bits()).unwrap();
            assert_eq!(s[at].to_bits(), zero.to_bits(), "{level}: sin_cos_dd({zero})");
            assert_eq!(s1[at].to_bits(), zero.to_bits(), "{level}: sin_dd({zero})");
        }
        println!(
            "{level:7} sin_cos_dd f32: sin {:.3} ULP, cos {:.3} ULP; sin_dd {worst_sin:.3} ULP, cos_dd {worst_cos:.3} ULP",
            worst.0, worst.1
        );
    }
}
