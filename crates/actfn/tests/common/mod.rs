//! Shared helpers of the integration tests: one spec per registry kind (plus variants),
//! driven by `Kind::ALL` so a new activation is tested without touching the tests.
#![allow(dead_code)]

use actfn::simd::Level;
use actfn::{Activation, Kind, OpShape};

/// Every SIMD level this CPU has, `scalar` first.
pub fn levels() -> Vec<Level> {
    Level::available()
}

/// Runs `f` with each SIMD level this CPU has forced in turn (the level is printed
/// first, so a failure's captured output names it).
pub fn at_every_level(mut f: impl FnMut(Level)) {
    for level in levels() {
        eprintln!("-- SIMD level {level}");
        actfn::simd::with_level(level, || f(level)).unwrap();
    }
}

/// One activation per kind at its defaults (required parameters filled in), plus
/// parameter variants that exercise other branches.
pub fn specs() -> Vec<Activation> {
    let mut out = Vec::new();
    for &k in Kind::ALL {
        match k {
            Kind::Threshold => out.push(Activation::parse("threshold(0.1, 20)").unwrap()),
            _ => out.push(Activation::new(k).unwrap()),
        }
    }
    for s in [
        "linear(-2.5)",
        "step(0.5)",
        "leaky_relu(0.2)",
        "elu(2)",
        "elu(0.5)",
        "celu(2)",
        "celu(0.5)",
        "gelu(approximate=tanh)",
        "softplus(beta=2, threshold=10)",
        "softplus(beta=0.5)",
        "hardtanh(-2, 2)",
        "softshrink(1)",
        "hardshrink(2)",
        "threshold(-1, -3)",
        "squareplus(1)",
        "sine(1)",
        "rrelu(0.1, 0.3)",
        "rrelu(training=true, seed=7)",
        "prelu(0.1)",
        "softmax(dim=0)",
        "log_softmax(dim=0)",
        "glu(dim=0)",
    ] {
        out.push(Activation::parse(s).unwrap());
    }
    out
}

/// Pointwise (element-wise, shape-free) specs only.
pub fn pointwise_specs() -> Vec<Activation> {
    specs()
        .into_iter()
        .filter(|a| a.info().shape == OpShape::Pointwise)
        .collect()
}

/// Break points of a spec where its derivative jumps (finite differences must avoid
/// them), as x values.
pub fn kinks(a: &Activation) -> Vec<f64> {
    let p = a.params();
    match a.kind() {
        Kind::Relu
        | Kind::LeakyRelu
        | Kind::Prelu
        | Kind::Rrelu
        | Kind::Elu
        | Kind::Celu
        | Kind::Selu
        | Kind::Reglu => vec![0.0],
        Kind::Relu6 => vec![0.0, 6.0],
        Kind::Hardtanh => vec![p[0], p[1]],
        Kind::Hardsigmoid | Kind::Hardswish => vec![-3.0, 3.0],
        Kind::Softshrink | Kind::Hardshrink => vec![-p[0], p[0]],
        Kind::Threshold | Kind::Step => vec![p[0]],
        Kind::Softplus => vec![p[1] / p[0]],
        _ => vec![],
    }
}

/// A deterministic stream of uniform numbers in [0, 1) (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
}
