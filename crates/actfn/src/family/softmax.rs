//! The normalizing family: softmax, log_softmax and softmin along a dim.
//!
//! Every row is shifted by its maximum `m`, with `x − m` carried as a double word so
//! that `exp(x − m)` keeps full relative accuracy for entries far below the maximum,
//! and summed with Neumaier's compensated summation. `log_softmax` takes
//! `log Σ = log1p(Σ′)`, where `Σ′` excludes the maximum's own term (which is 1), so
//! entries near probability 1 keep their digits.

use actfn_math::{dd, Real};

use crate::info::{props, Family, Info, OpShape, DIM};
use crate::op::RowWise;

const SOFTMAX_REFS: &[&str] =
    &["Bridle 1990, Probabilistic interpretation of feedforward classification network outputs"];
const ROW_DIFFERENCES: &[&str] = &[
    "the dim defaults to the last one, always (PyTorch's implicit dim=None rule is deprecated and picks dim 0 for 0-, 1- and 3-d inputs)",
    "a row containing NaN gives a row of NaN; a row containing +inf or only -inf gives NaN, as in PyTorch",
];

pub(crate) const SOFTMAX: Info = Info {
    name: "softmax",
    aliases: &[],
    family: Family::Normalizing,
    shape: OpShape::AlongDim,
    params: &[DIM],
    summary: "turns a row of scores into probabilities: exp(x_i)/Σ exp(x_j)",
    formula: "exp(x_i - m)/Σ_j exp(x_j - m), m = max_j x_j",
    derivative: "dx_i = y_i·(g_i - Σ_j g_j·y_j)",
    range: "(0, 1), rows sum to 1",
    properties: props(true, true, false, true, false),
    pytorch: "torch.softmax(x, dim)",
    references: SOFTMAX_REFS,
    differences: ROW_DIFFERENCES,
};

pub(crate) const LOG_SOFTMAX: Info = Info {
    name: "log_softmax",
    aliases: &[],
    family: Family::Normalizing,
    shape: OpShape::AlongDim,
    params: &[DIM],
    summary:
        "log of the softmax, computed without overflow: cross-entropy is its negative at the label",
    formula: "x_i - m - log Σ_j exp(x_j - m)",
    derivative: "dx_i = g_i - exp(y_i)·Σ_j g_j",
    range: "(-inf, 0)",
    properties: props(false, true, false, true, false),
    pytorch: "torch.log_softmax(x, dim)",
    references: SOFTMAX_REFS,
    differences: ROW_DIFFERENCES,
};

pub(crate) const SOFTMIN: Info = Info {
    name: "softmin",
    aliases: &[],
    family: Family::Normalizing,
    shape: OpShape::AlongDim,
    params: &[DIM],
    summary: "softmax of the negated row: the smallest entry gets the largest probability",
    formula: "softmax(-x)",
    derivative: "dx_i = -y_i·(g_i - Σ_j g_j·y_j)",
    range: "(0, 1), rows sum to 1",
    properties: props(true, true, false, true, false),
    pytorch: "torch.nn.functional.softmin(x, dim)",
    references: SOFTMAX_REFS,
    differences: ROW_DIFFERENCES,
};

/// Neumaier's compensated sum.
#[derive(Clone, Copy, Default)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    #[inline(always)]
    fn add(&mut self, v: f64) {
        let (s, e) = dd::two_sum(self.s, v);
        self.s = s;
        self.c += e;
    }
    fn value(&self) -> f64 {
        self.s + self.c
    }
}

/// The maximum (NaN if any entry is NaN) and the index of its first occurrence.
fn row_max(x: &[f64]) -> (f64, usize) {
    let mut m = x[0];
    let mut at = 0;
    for (i, &v) in x.iter().enumerate().skip(1) {
        if v > m {
            at = i;
        }
        m = v.max_nan(m);
    }
    (m, at)
}

/// `exp(v − m)` with `v − m` carried exactly.
#[inline(always)]
fn exp_shift(v: f64, m: f64) -> f64 {
    let (d, d_lo) = dd::two_sum(v, -m);
    dd::exp_dd(d, if d_lo.is_nan() { 0.0 } else { d_lo })
}

/// Replaces `x` by `exp(x − m)` and returns `Σ′`, the sum of every term but the
/// maximum's own (which is exactly 1), so `Σ = 1 + Σ′`.
fn exp_shifted(x: &mut [f64]) -> f64 {
    let (m, at) = row_max(x);
    let mut rest = Sum::default();
    for (i, v) in x.iter_mut().enumerate() {
        *v = exp_shift(*v, m);
        if i != at {
            rest.add(*v);
        }
    }
    rest.value()
}

/// Replaces `x` by `log_softmax(x)`.
fn log_softmax_row(x: &mut [f64]) {
    let (m, at) = row_max(x);
    let mut rest = Sum::default();
    for (i, &v) in x.iter().enumerate() {
        if i != at {
            rest.add(exp_shift(v, m));
        }
    }
    let log_sum = rest.value().ln_1p();
    for v in x.iter_mut() {
        let (d, d_lo) = dd::two_sum(*v, -m);
        let d_lo = if d_lo.is_nan() { 0.0 } else { d_lo };
        *v = d + (d_lo - log_sum);
    }
}

/// Replaces `x` by `softmax(x)`.
fn softmax_row(x: &mut [f64]) {
    let total = 1.0 + exp_shifted(x);
    x.iter_mut().for_each(|v| *v /= total);
}

/// `g ← y·(g − Σ g·y)` (softmax's vector-Jacobian product), `y` the softmax row.
fn softmax_vjp(y: &[f64], g: &mut [f64]) {
    let mut dot = Sum::default();
    for (&yi, &gi) in y.iter().zip(g.iter()) {
        dot.add(yi * gi);
    }
    let dot = dot.value();
    for (gi, &yi) in g.iter_mut().zip(y) {
        *gi = yi * (*gi - dot);
    }
}

pub(crate) struct Softmax;

impl RowWise for Softmax {
    fn fwd_row(&self, x: &mut [f64]) {
        softmax_row(x);
    }
    fn bwd_row(&self, x: &[f64], g: &mut [f64]) {
        let mut y = x.to_vec();
        softmax_row(&mut y);
        softmax_vjp(&y, g);
    }
}

pub(crate) struct LogSoftmax;

impl RowWise for LogSoftmax {
    fn fwd_row(&self, x: &mut [f64]) {
        log_softmax_row(x);
    }
    fn bwd_row(&self, x: &[f64], g: &mut [f64]) {
        let mut y = x.to_vec();
        softmax_row(&mut y);
        let mut total = Sum::default();
        g.iter().for_each(|&gi| total.add(gi));
        let total = total.value();
        for (gi, &yi) in g.iter_mut().zip(&y) {
            *gi = (-yi).mul_add(total, *gi);
        }
    }
}

pub(crate) struct Softmin;

impl RowWise for Softmin {
    fn fwd_row(&self, x: &mut [f64]) {
        x.iter_mut().for_each(|v| *v = -*v);
        softmax_row(x);
    }
    fn bwd_row(&self, x: &[f64], g: &mut [f64]) {
        let mut y: Vec<f64> = x.iter().map(|&v| -v).collect();
        softmax_row(&mut y);
        softmax_vjp(&y, g);
        g.iter_mut().for_each(|v| *v = -*v);
    }
}
