//! The few NumPy and SciPy numerics that MNIST-1D's construction uses, with their
//! exact order of operations so that the results match to the last bit:
//!
//! - [`pairwise_sum`]: NumPy's `add.reduce` over a contiguous axis (blocks of 128 summed
//!   with eight accumulators, halves split at a multiple of 8), behind [`mean`] and
//!   [`std`] (NumPy's `_mean` / `_var` with `ddof = 0`);
//! - [`linspace`]: `np.linspace(start, stop, num)` (`i * step + start`, last = `stop`);
//! - [`interp`]: `np.interp`, which `scipy.interpolate.interp1d(kind='linear')` calls for
//!   1-D float64 data (`slope * (x - xp[j]) + fp[j]`, exact at the knots);
//! - [`gaussian_filter1d`]: SciPy's `ndimage.gaussian_filter1d` with mode `reflect`
//!   (kernel `exp(-x²/(2σ²))` normalised by its NumPy sum, radius `int(truncate·σ + 0.5)`,
//!   the symmetric correlation loop of `NI_Correlate1D`: centre first, then the pairs
//!   from the outside in).

/// NumPy's pairwise summation of a contiguous `f64` array (`DOUBLE_pairwise_sum`).
pub fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (k, rk) in r.iter_mut().enumerate() {
                *rk += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `a.mean()` of a contiguous array: the pairwise sum divided by the count.
pub fn mean(a: &[f64]) -> f64 {
    pairwise_sum(a) / a.len() as f64
}

/// `a.std()` (`ddof = 0`) of a contiguous array, as NumPy's `_var` computes it:
/// `sqrt(sum((a - mean)²) / n)` with pairwise sums.
pub fn std(a: &[f64]) -> f64 {
    let m = mean(a);
    let sq: Vec<f64> = a
        .iter()
        .map(|&v| {
            let d = v - m;
            d * d
        })
        .collect();
    (pairwise_sum(&sq) / a.len() as f64).sqrt()
}

/// `np.linspace(start, stop, num)` (endpoint included).
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = if step == 0.0 {
        (0..num).map(|i| i as f64 / div * delta + start).collect()
    } else {
        (0..num).map(|i| i as f64 * step + start).collect()
    };
    y[num - 1] = stop;
    y
}

/// `np.interp(x, xp, fp)` for increasing `xp`: the value at each `x`, `fp[0]` left of
/// the range and `fp[last]` right of it.
pub fn interp(x: &[f64], xp: &[f64], fp: &[f64]) -> Vec<f64> {
    assert_eq!(xp.len(), fp.len(), "interp: xp and fp differ in length");
    assert!(!xp.is_empty(), "interp: empty xp");
    let last = xp.len() - 1;
    x.iter()
        .map(|&xv| {
            if xv.is_nan() {
                return xv;
            }
            if xv < xp[0] {
                return fp[0];
            }
            if xv > xp[last] {
                return fp[last];
            }
            // The last j with xp[j] <= xv.
            let j = xp.partition_point(|&p| p <= xv) - 1;
            if j == last || xp[j] == xv {
                return fp[j];
            }
            let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
            let mut r = slope * (xv - xp[j]) + fp[j];
            if r.is_nan() {
                r = slope * (xv - xp[j + 1]) + fp[j + 1];
                if r.is_nan() && fp[j] == fp[j + 1] {
                    r = fp[j];
                }
            }
            r
        })
        .collect()
}

/// The MNIST-1D `interpolate(x, n)`: `interp1d(linspace(0, 1, len(x)), x)` evaluated at
/// `linspace(0, 1, n)`.
pub fn resample(x: &[f64], n: usize) -> Vec<f64> {
    interp(&linspace(0.0, 1.0, n), &linspace(0.0, 1.0, x.len()), x)
}

/// SciPy's `_gaussian_kernel1d(sigma, 0, radius)`: `exp(-0.5 / σ² · x²)` for
/// `x = -radius ..= radius`, divided by its (pairwise) sum.
pub fn gaussian_kernel1d(sigma: f64, radius: usize) -> Vec<f64> {
    let sigma2 = sigma * sigma;
    let r = radius as i64;
    let phi: Vec<f64> = (-r..=r)
        .map(|x| {
            let x2 = (x * x) as f64;
            (-0.5 / sigma2 * x2).exp()
        })
        .collect();
    let sum = pairwise_sum(&phi);
    phi.iter().map(|&p| p / sum).collect()
}

/// The radius SciPy gives a Gaussian filter: `int(truncate * sigma + 0.5)`.
pub fn gaussian_radius(sigma: f64, truncate: f64) -> usize {
    (truncate * sigma + 0.5) as usize
}

/// The sample of `x` at index `i` extended by SciPy's `reflect` mode
/// (`d c b a | a b c d | d c b a`).
fn reflect(x: &[f64], i: isize) -> f64 {
    let n = x.len() as isize;
    let period = 2 * n;
    let mut k = i.rem_euclid(period);
    if k >= n {
        k = period - 1 - k;
    }
    x[k as usize]
}

/// `scipy.ndimage.correlate1d(x, weights, mode='reflect')` for a symmetric kernel of odd
/// length, in the order of `NI_Correlate1D`'s symmetric loop.
pub fn correlate1d_symmetric_reflect(x: &[f64], weights: &[f64]) -> Vec<f64> {
    assert!(weights.len() % 2 == 1, "correlate1d: kernel length must be odd");
    let r = weights.len() / 2;
    (0..x.len() as isize)
        .map(|i| {
            let mut acc = x[i as usize] * weights[r];
            for k in (1..=r).rev() {
                let k = k as isize;
                acc += (reflect(x, i - k) + reflect(x, i + k)) * weights[r - k as usize];
            }
            acc
        })
        .collect()
}

/// `scipy.ndimage.gaussian_filter1d(x, sigma, mode='reflect', truncate=truncate)`.
pub fn gaussian_filter1d(x: &[f64], sigma: f64, truncate: f64) -> Vec<f64> {
    let radius = gaussian_radius(sigma, truncate);
    let mut w = gaussian_kernel1d(sigma, radius);
    w.reverse();
    correlate1d_symmetric_reflect(x, &w)
}

/// A double-double number `hi + lo` with `|lo| ≤ ulp(hi) / 2`.
#[derive(Clone, Copy, Debug)]
struct Dd {
    hi: f64,
    lo: f64,
}

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd {
        hi: s,
        lo: (a - (s - bb)) + (b - bb),
    }
}

fn quick_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd { hi: s, lo: b - (s - a) }
}

fn two_prod(a: f64, b: f64) -> Dd {
    let p = a * b;
    Dd {
        hi: p,
        lo: a.mul_add(b, -p),
    }
}

impl Dd {
    fn from(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    fn add(self, b: Dd) -> Dd {
        let s = two_sum(self.hi, b.hi);
        let t = two_sum(self.lo, b.lo);
        let r = quick_two_sum(s.hi, s.lo + t.hi);
        quick_two_sum(r.hi, r.lo + t.lo)
    }

    fn mul(self, b: Dd) -> Dd {
        let p = two_prod(self.hi, b.hi);
        quick_two_sum(p.hi, p.lo + (self.hi * b.lo + self.lo * b.hi))
    }

    fn div(self, b: Dd) -> Dd {
        let q1 = self.hi / b.hi;
        let r = self.add(b.mul(Dd::from(-q1)));
        let q2 = r.hi / b.hi;
        let r = r.add(b.mul(Dd::from(-q2)));
        let q3 = r.hi / b.hi;
        quick_two_sum(q1, q2).add(Dd::from(q3))
    }
}

/// The natural logarithm correctly rounded (to nearest), from [`ln_double_double`].
///
/// Rust's `f64::ln` calls the C library, whose `log` (glibc's: ≤ 0.52 ULP) misrounds
/// about 8 arguments in 10,000; this one does not (its ~100-bit intermediate leaves
/// only arguments within about 2⁻⁴⁵ ULP of a midpoint in doubt).
pub fn ln_correctly_rounded(x: f64) -> f64 {
    ln_double_double(x).0
}

/// `ln(x)` as the nearest double and the residual `ln(x) − nearest` (to about 100
/// bits), from a double-double evaluation of `e·ln 2 + 2·atanh((m − 1)/(m + 1))` with
/// `x = m·2^e`, `m` in [√½, √2). Non-positive, infinite and NaN `x` give `f64::ln`'s
/// value and a zero residual.
pub fn ln_double_double(x: f64) -> (f64, f64) {
    if !(x.is_finite() && x > 0.0) {
        return (x.ln(), 0.0);
    }
    if x == 1.0 {
        return (0.0, 0.0);
    }
    // x = m · 2^e with m in [√½, √2).
    let (mut x, mut e) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= 2f64.powi(64);
        e -= 64;
    }
    let bits = x.to_bits();
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let f = Dd::from(m - 1.0).div(two_sum(m, 1.0));
    let f2 = f.mul(f);
    const TERMS: u32 = 26;
    let inv = |k: u32| Dd::from(1.0).div(Dd::from((2 * k + 1) as f64));
    let mut s = inv(TERMS);
    for k in (0..TERMS).rev() {
        s = s.mul(f2).add(inv(k));
    }
    let log_m = f.mul(s).mul(Dd::from(2.0));
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEFA_39EF);
    const LN2_LO: f64 = f64::from_bits(0x3C7A_BC9E_3B39_803F);
    let ef = e as f64;
    let e_ln2 = two_prod(ef, LN2_HI).add(Dd::from(ef * LN2_LO));
    let r = e_ln2.add(log_m);
    let nearest = r.hi + r.lo;
    (nearest, (r.hi - nearest) + r.lo)
}
