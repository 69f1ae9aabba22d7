//! Shared helpers: one spec per registry kind (plus parameter variants), driven by
//! `Kind::ALL` so a new activation is tested without touching the tests.
#![allow(dead_code)]

use actfn::{Activation as Spec, Kind, OpShape};
use candle_core::{DType, Device, Tensor, Var};

/// Every kind at its defaults (required parameters filled in), plus variants that
/// exercise other parameters and dims.
pub fn specs() -> Vec<Spec> {
    let mut out = Vec::new();
    for &k in Kind::ALL {
        match k {
            Kind::Threshold => out.push(Spec::parse("threshold(0.1, 20)").unwrap()),
            _ => out.push(Spec::new(k).unwrap()),
        }
    }
    for s in [
        "linear(-2.5)",
        "leaky_relu(0.2)",
        "elu(2)",
        "celu(0.5)",
        "gelu(approximate=tanh)",
        "softplus(beta=2, threshold=10)",
        "hardtanh(-2, 2)",
        "softshrink(1)",
        "sine(1)",
        "rrelu(training=true, seed=7)",
        "prelu(weight=[0.25, -0.5, 1.5])",
        "softmax(dim=0)",
        "log_softmax(dim=0)",
        "softmin(dim=0)",
        "glu(dim=0)",
        "swiglu(dim=0)",
    ] {
        out.push(Spec::parse(s).unwrap());
    }
    out
}

/// The kinds every differentiable test covers: all but the step.
pub fn differentiable_specs() -> Vec<Spec> {
    specs().into_iter().filter(|s| s.is_differentiable()).collect()
}

/// The test input's shape for a spec: `[4, 3, 5]` for per-channel PReLU (3 channels),
/// `[6, 8]` otherwise (both dims even, so every gated split works).
pub fn shape_for(spec: &Spec) -> Vec<usize> {
    if spec.prelu_weight().len() > 1 {
        vec![4, 3, 5]
    } else {
        vec![6, 8]
    }
}

/// Break points of a spec where the derivative jumps, as x values (finite differences
/// must stay away from them).
pub fn kinks(a: &Spec) -> Vec<f64> {
    let p = a.params();
    match a.kind() {
        Kind::Relu | Kind::LeakyRelu | Kind::Prelu | Kind::Rrelu | Kind::Elu | Kind::Celu | Kind::Selu => {
            vec![0.0]
        }
        Kind::Reglu => vec![0.0],
        Kind::Relu6 => vec![0.0, 6.0],
        Kind::Hardtanh => vec![p[0], p[1]],
        Kind::Hardsigmoid | Kind::Hardswish => vec![-3.0, 3.0],
        Kind::Softshrink | Kind::Hardshrink => vec![-p[0], p[0]],
        Kind::Threshold | Kind::Step => vec![p[0]],
        Kind::Softplus => vec![p[1] / p[0]],
        _ => vec![],
    }
}

/// Deterministic uniform numbers (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    pub fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
}

/// Inputs with the special values (±0, ±inf, NaN, tiny, huge), the spec's kinks and
/// random values in [-8, 8].
pub fn edge_values(spec: &Spec, n: usize, seed: u64) -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1e-30,
        -1e-30,
        1e300,
        -1e300,
        30.0,
        -30.0,
        100.0,
        -100.0,
        0.5,
        -0.5,
        3.0,
        -3.0,
    ];
    v.extend(kinks(spec));
    let mut rng = Rng::new(seed);
    while v.len() < n {
        v.push(rng.range(-8.0, 8.0));
    }
    v.truncate(n);
    v
}

/// Smooth inputs: random in [-3, 3], at least `gap` away from every kink.
pub fn smooth_values(spec: &Spec, n: usize, seed: u64, gap: f64) -> Vec<f64> {
    let kinks = kinks(spec);
    let mut rng = Rng::new(seed);
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let x = rng.range(-3.0, 3.0);
        if kinks.iter().all(|k| (x - k).abs() > gap) {
            v.push(x);
        }
    }
    v
}

pub fn tensor(values: &[f64], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape, &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap()
}

pub fn var(values: &[f64], shape: &[usize]) -> Var {
    Var::from_vec(values.to_vec(), shape, &Device::Cpu).unwrap()
}

pub fn flat_f64(t: &Tensor) -> Vec<f64> {
    t.flatten_all()
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_vec1()
        .unwrap()
}

/// Same bits, or both NaN.
pub fn same_bits_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

pub fn same_bits_f32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Equal as numbers (`-0 == 0`), or both NaN: what survives candle's gradient
/// accumulation (`0 + g`), which turns `-0` into `+0`.
pub fn same_value(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// `|a − b| <= atol + rtol·|b|` (and equal infinities/NaN).
pub fn close(a: f64, b: f64, rtol: f64, atol: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= atol + rtol * b.abs()
}

pub fn is_shape(spec: &Spec, shape: OpShape) -> bool {
    spec.info().shape == shape
}
