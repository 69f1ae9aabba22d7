//! Synthetic data sets, deterministic from a seed.
//!
//! The 2-D classification sets and two of the regressions follow TensorFlow Playground's
//! `src/dataset.ts` (Apache-2.0) formula for formula, with its labels ±1 mapped to class
//! 1 (+1) and class 0 (−1); `noise` is the Playground's slider as a fraction (0 to 0.5):
//!
//! - [`spirals`]: arm `i` of `m`: `r = 5i/m`, `t = 1.75·(i/m)·2π + Δ` (Δ = 0 for class 1,
//!   π for class 0), point `(r sin t, r cos t) + U(−1, 1)·noise` per axis;
//! - [`circles`]: class 1 at radius U(0, 2.5), class 0 at U(3.5, 5), angle U(0, 2π); the
//!   label is recomputed from the point moved by U(−5, 5)·noise per axis (inside 2.5 →
//!   class 1) while the stored point stays unmoved, so noise flips labels near the border;
//! - [`xor`]: x, y ~ U(−5, 5), each pushed 0.3 away from 0; class 1 where x·y ≥ 0 for the
//!   point moved by U(−5, 5)·noise (the stored point unmoved);
//! - [`two_gaussians`]: N((2, 2), v) for class 1 and N((−2, −2), v) for class 0 with the
//!   variance `v` mapped linearly from noise [0, 0.5] to [0.5, 4];
//! - [`regress_plane`]: `(x + y) / 10` of the moved point, x, y ~ U(−6, 6);
//! - [`regress_gaussians`]: six bumps of sign ±1 at (±4 or 0, ±2.5), each
//!   `sign · clamp(1 − dist/2, 0, 1)`, the one largest in absolute value wins.
//!
//! The lab's own additions: [`checkerboard`] (k×k cells on [−1, 1]², parity of the
//! noise-moved point's cell), and 1-D and 2-D regressions with Gaussian noise of standard
//! deviation `noise` on the target: [`sine`] (smooth), [`abs`], [`triangle`] (kinked,
//! continuous), [`sawtooth`] (jumps), [`folds`] (`|x| + |y| − 1`, creased).
//!
//! Every generator shuffles its rows at the end (as the Playground does before it
//! splits), so any prefix is a fair sample. Random numbers come from [`RandomState`]
//! (uniforms `low + (high − low)·random_sample()`, normals from the polar method), in a
//! fixed order per point, so a seed gives the same set everywhere.

use std::f64::consts::PI;

use anyhow::{ensure, Result};

use super::{Dataset, Labels, RandomState};

fn check(n: usize, noise: f64) -> Result<()> {
    ensure!(n > 0, "a synthetic data set needs at least one sample");
    ensure!(
        noise.is_finite() && noise >= 0.0,
        "noise must be a finite number ≥ 0, got {noise}"
    );
    Ok(())
}

/// Builds a 2-class 2-D data set from `(x, y, class)` points, shuffled by `rng`.
fn two_class(name: &str, points: Vec<(f64, f64, u32)>, rng: &mut RandomState) -> Result<Dataset> {
    let x: Vec<f32> = points.iter().flat_map(|p| [p.0 as f32, p.1 as f32]).collect();
    let y: Vec<u32> = points.iter().map(|p| p.2).collect();
    let data = Dataset::new(name, x, 2, Labels::Class(y, 2))?;
    Ok(data.shuffled_with(rng))
}

/// Builds a regression data set from inputs (`n × d`) and scalar targets, shuffled.
fn regression(name: &str, x: Vec<f64>, d: usize, y: Vec<f64>, rng: &mut RandomState) -> Result<Dataset> {
    let x = x.iter().map(|&v| v as f32).collect();
    let y = y.iter().map(|&v| v as f32).collect();
    let data = Dataset::new(name, x, d, Labels::Value(y, 1))?;
    Ok(data.shuffled_with(rng))
}

impl Dataset {
    /// The rows in the order of `rng.permutation(n)`.
    fn shuffled_with(&self, rng: &mut RandomState) -> Dataset {
        let perm = rng.permutation(self.n);
        self.select(&perm)
    }
}

/// The two classes' sizes: class 1 gets the extra point when `n` is odd.
fn halves(n: usize) -> (usize, usize) {
    (n - n / 2, n / 2)
}

/// TF Playground's two interleaved spirals (`classifySpiralData`).
pub fn spirals(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    let mut points = Vec::with_capacity(n);
    let (pos, neg) = halves(n);
    for (m, delta, label) in [(pos, 0.0, 1u32), (neg, PI, 0u32)] {
        for i in 0..m {
            let frac = i as f64 / m as f64;
            let r = frac * 5.0;
            let t = 1.75 * frac * 2.0 * PI + delta;
            let x = r * t.sin() + rng.uniform(-1.0, 1.0) * noise;
            let y = r * t.cos() + rng.uniform(-1.0, 1.0) * noise;
            points.push((x, y, label));
        }
    }
    two_class("spirals", points, &mut rng)
}

/// TF Playground's circle inside a ring (`classifyCircleData`).
pub fn circles(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    const RADIUS: f64 = 5.0;
    let mut points = Vec::with_capacity(n);
    let (pos, neg) = halves(n);
    for (m, r_lo, r_hi) in [(pos, 0.0, RADIUS * 0.5), (neg, RADIUS * 0.7, RADIUS)] {
        for _ in 0..m {
            let r = rng.uniform(r_lo, r_hi);
            let angle = rng.uniform(0.0, 2.0 * PI);
            let x = r * angle.sin();
            let y = r * angle.cos();
            let nx = rng.uniform(-RADIUS, RADIUS) * noise;
            let ny = rng.uniform(-RADIUS, RADIUS) * noise;
            let inside = (x + nx).hypot(y + ny) < RADIUS * 0.5;
            points.push((x, y, inside as u32));
        }
    }
    two_class("circles", points, &mut rng)
}

/// TF Playground's XOR quadrants (`classifyXORData`).
pub fn xor(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    const PADDING: f64 = 0.3;
    let push = |v: f64| if v > 0.0 { v + PADDING } else { v - PADDING };
    let points = (0..n)
        .map(|_| {
            let x = push(rng.uniform(-5.0, 5.0));
            let y = push(rng.uniform(-5.0, 5.0));
            let nx = rng.uniform(-5.0, 5.0) * noise;
            let ny = rng.uniform(-5.0, 5.0) * noise;
            (x, y, ((x + nx) * (y + ny) >= 0.0) as u32)
        })
        .collect();
    two_class("xor", points, &mut rng)
}

/// TF Playground's two Gaussian blobs (`classifyTwoGaussData`).
pub fn two_gaussians(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    // d3.scale.linear().domain([0, .5]).range([0.5, 4]) (it extrapolates past 0.5).
    let variance = 0.5 + noise / 0.5 * 3.5;
    let sd = variance.sqrt();
    let mut points = Vec::with_capacity(n);
    let (pos, neg) = halves(n);
    for (m, c, label) in [(pos, 2.0, 1u32), (neg, -2.0, 0u32)] {
        for _ in 0..m {
            let x = rng.normal(c, sd);
            let y = rng.normal(c, sd);
            points.push((x, y, label));
        }
    }
    two_class("gauss", points, &mut rng)
}

/// A k×k checkerboard on [−1, 1]²: the class is the parity of the cell of the point
/// moved by U(−1, 1)·noise per axis (the stored point unmoved). `k` must be at least 1.
pub fn checkerboard(n: usize, k: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    ensure!(k >= 1, "a checkerboard needs at least 1 cell per side");
    let mut rng = RandomState::seed_u64(seed);
    let cell = |v: f64| (((v + 1.0) / 2.0 * k as f64).floor() as i64).clamp(0, k as i64 - 1);
    let points = (0..n)
        .map(|_| {
            let x = rng.uniform(-1.0, 1.0);
            let y = rng.uniform(-1.0, 1.0);
            let nx = rng.uniform(-1.0, 1.0) * noise;
            let ny = rng.uniform(-1.0, 1.0) * noise;
            let parity = (cell(x + nx) + cell(y + ny)).rem_euclid(2);
            (x, y, parity as u32)
        })
        .collect();
    let mut data = two_class("checkerboard", points, &mut rng)?;
    data.name = format!("checkerboard{k}");
    Ok(data)
}

/// TF Playground's `regressPlane`: target `(x + y) / 10` of the point moved by
/// U(−6, 6)·noise per axis, inputs on [−6, 6]².
pub fn regress_plane(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    const R: f64 = 6.0;
    let (mut x, mut y) = (Vec::with_capacity(2 * n), Vec::with_capacity(n));
    for _ in 0..n {
        let a = rng.uniform(-R, R);
        let b = rng.uniform(-R, R);
        let na = rng.uniform(-R, R) * noise;
        let nb = rng.uniform(-R, R) * noise;
        x.extend([a, b]);
        y.push((a + na + b + nb) / 10.0);
    }
    regression("plane", x, 2, y, &mut rng)
}

/// The target of [`regress_gaussians`] at `(x, y)`.
pub fn six_gaussians(x: f64, y: f64) -> f64 {
    const BUMPS: [(f64, f64, f64); 6] = [
        (-4.0, 2.5, 1.0),
        (0.0, 2.5, -1.0),
        (4.0, 2.5, 1.0),
        (-4.0, -2.5, -1.0),
        (0.0, -2.5, 1.0),
        (4.0, -2.5, -1.0),
    ];
    let mut label: f64 = 0.0;
    for (cx, cy, sign) in BUMPS {
        // d3.scale.linear().domain([0, 2]).range([1, 0]).clamp(true)
        let scaled = (1.0 - (x - cx).hypot(y - cy) / 2.0).clamp(0.0, 1.0);
        let v = sign * scaled;
        if v.abs() > label.abs() {
            label = v;
        }
    }
    label
}

/// TF Playground's `regressGaussian`: six signed bumps on [−6, 6]², the target taken at
/// the point moved by U(−6, 6)·noise per axis.
pub fn regress_gaussians(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    const R: f64 = 6.0;
    let (mut x, mut y) = (Vec::with_capacity(2 * n), Vec::with_capacity(n));
    for _ in 0..n {
        let a = rng.uniform(-R, R);
        let b = rng.uniform(-R, R);
        let na = rng.uniform(-R, R) * noise;
        let nb = rng.uniform(-R, R) * noise;
        x.extend([a, b]);
        y.push(six_gaussians(a + na, b + nb));
    }
    regression("gauss2d", x, 2, y, &mut rng)
}

/// A 1-D regression: `x ~ U(lo, hi)`, target `f(x) + N(0, noise²)`.
pub fn regress_1d(name: &str, n: usize, noise: f64, seed: u64, lo: f64, hi: f64, f: fn(f64) -> f64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let a = rng.uniform(lo, hi);
        x.push(a);
        y.push(f(a) + noise * rng.standard_normal());
    }
    regression(name, x, 1, y, &mut rng)
}

/// The smooth 1-D target: `sin(x) + 0.5·sin(3x)`.
pub fn sine_fn(x: f64) -> f64 {
    x.sin() + 0.5 * (3.0 * x).sin()
}

/// The triangle wave: period 1, values in [−1, 1], kinks at every integer and
/// half-integer.
pub fn triangle_fn(x: f64) -> f64 {
    4.0 * (x - (x + 0.5).floor()).abs() - 1.0
}

/// The sawtooth: period 1, ramps from −1 to 1, jumps at every half-integer.
pub fn sawtooth_fn(x: f64) -> f64 {
    2.0 * (x - (x + 0.5).floor())
}

/// Smooth 1-D regression: `sin(x) + 0.5·sin(3x)` on [−π, π].
pub fn sine(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    regress_1d("sine", n, noise, seed, -PI, PI, sine_fn)
}

/// Kinked 1-D regression: `|x|` on [−1, 1].
pub fn abs(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    regress_1d("abs", n, noise, seed, -1.0, 1.0, f64::abs)
}

/// Kinked, continuous 1-D regression: a triangle wave of period 1 on [−2, 2].
pub fn triangle(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    regress_1d("triangle", n, noise, seed, -2.0, 2.0, triangle_fn)
}

/// Discontinuous 1-D regression: a sawtooth of period 1 on [−2, 2].
pub fn sawtooth(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    regress_1d("sawtooth", n, noise, seed, -2.0, 2.0, sawtooth_fn)
}

/// Kinked 2-D regression: `|x| + |y| − 1` on [−1, 1]² (four planes meeting along the
/// axes), target noise N(0, noise²).
pub fn folds(n: usize, noise: f64, seed: u64) -> Result<Dataset> {
    check(n, noise)?;
    let mut rng = RandomState::seed_u64(seed);
    let (mut x, mut y) = (Vec::with_capacity(2 * n), Vec::with_capacity(n));
    for _ in 0..n {
        let a = rng.uniform(-1.0, 1.0);
        let b = rng.uniform(-1.0, 1.0);
        x.extend([a, b]);
        y.push(a.abs() + b.abs() - 1.0 + noise * rng.standard_normal());
    }
    regression("folds", x, 2, y, &mut rng)
}
