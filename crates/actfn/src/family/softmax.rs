//! The normalizing family: softmax, log_softmax and softmin along a dim.
//!
//! Every row is shifted by its maximum `m`, with `x − m` carried as a double word so
//! that `exp(x − m)` keeps full relative accuracy for entries far below the maximum,
//! and summed with Neumaier's compensated summation. `log_softmax` takes
//! `log Σ = log1p(Σ′)`, where `Σ′` excludes the maximum's own term (which is 1), so
//! entries near probability 1 keep their digits.

use actfn_math::dd::{self, Sum};
use actfn_math::Real;

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
    summary: "log of the softmax, computed without overflow: cross-entropy is its negative at the label",
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

/// The maximum and the index of its first occurrence. The maximum is NaN when any
/// entry is NaN or +inf: such a row has no finite softmax and gives NaN throughout, as
/// in PyTorch (an all −inf row gives NaN through `−inf − (−inf)`).
fn row_max(x: &[f64]) -> (f64, usize) {
    let mut m = x[0];
    let mut at = 0;
    for (i, &v) in x.iter().enumerate().skip(1) {
        if v > m {
            at = i;
        }
        m = v.max_nan(m);
    }
    if m == f64::INFINITY {
        m = f64::NAN;
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

/// `g ← y·(g − Σ g·y)`, softmax's vector-Jacobian product at the input row `x`.
///
/// `g − Σ g·y` cancels when `g` is nearly constant, so `Σ g·y` is formed as a double
/// word from exact products `e·g` (`y = e/S`) and subtracted without rounding first.
fn softmax_vjp(x: &[f64], g: &mut [f64]) {
    let mut e = x.to_vec();
    let rest = exp_shifted(&mut e);
    // S = 1 + rest, kept as a double word: rounding it would drop rest when it is tiny,
    // and with it the whole gradient of a dominant entry.
    let (s, s_lo) = dd::two_sum(1.0, rest);
    let total = s + s_lo;
    let mut dot = Sum::default();
    for (&ei, &gi) in e.iter().zip(g.iter()) {
        let (p, p_lo) = dd::two_prod(ei, gi);
        dot.add(p);
        dot.add(p_lo);
    }
    let (hi, lo) = dot.words();
    // (hi + lo)/(s + s_lo) as a double word q + q_lo.
    let q = hi / s;
    let rem = (-q).mul_add(s, hi) - q * s_lo + lo;
    let q_lo = if rem.is_finite() { rem / s } else { 0.0 };
    for (gi, &ei) in g.iter_mut().zip(&e) {
        let (d, d_lo) = dd::two_sum(*gi, -q);
        let d_lo = if d_lo.is_finite() { d_lo } else { 0.0 };
        *gi = (ei / total) * (d + (d_lo - q_lo));
    }
}

pub(crate) struct Softmax;

impl RowWise for Softmax {
    fn fwd_row(&self, x: &mut [f64]) {
        softmax_row(x);
    }
    fn bwd_row(&self, x: &[f64], g: &mut [f64]) {
        softmax_vjp(x, g);
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
        let neg: Vec<f64> = x.iter().map(|&v| -v).collect();
        softmax_vjp(&neg, g);
        g.iter_mut().for_each(|v| *v = -*v);
    }
}
