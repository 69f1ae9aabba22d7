//! `stability`: naive `log(1 + exp(x))` and `log(softmax(x))` against softplus with its
//! threshold, log_sigmoid and log_softmax; cross-entropy both ways on large logits.

use std::path::Path;

use actfn::Activation;
use anyhow::Result;
use indicatif::ProgressBar;
use serde_json::json;

use crate::lab::chart::{self, Panel, Series};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Table, Verdict};

pub struct Stability;

fn eval(spec: &str, x: &[f32]) -> Vec<f32> {
    let act = Activation::parse(spec).expect("valid spec");
    let mut y = vec![0.0f32; x.len()];
    act.forward(x, &mut y).expect("lengths match");
    y
}

/// Error of `v` against the exact `r` in f32 ULPs (non-finite `v` against a finite `r`
/// counts as infinite).
fn ulp_err(v: f32, r: f64) -> f64 {
    actfn_math::ulp::ulp_error(v, r)
}

/// Relative error, for the cross-entropy table.
fn rel_err(v: f32, r: f64) -> f64 {
    if !v.is_finite() {
        return f64::INFINITY;
    }
    ((v as f64 - r) / r).abs()
}

/// Exact softplus in f64 (accurate over the whole line).
fn softplus64(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// Cross-entropy of `logits` at `label`, naively: `-log(exp(z_y)/Σ exp(z))` in f32.
fn naive_ce(logits: &[f32], label: usize) -> f32 {
    let e: Vec<f32> = logits.iter().map(|z| z.exp()).collect();
    let s: f32 = e.iter().sum();
    -(e[label] / s).ln()
}

fn stable_ce(logits: &[f32], label: usize) -> f32 {
    -eval("log_softmax", logits)[label]
}

fn exact_ce(logits: &[f32], label: usize) -> f64 {
    let m = logits.iter().fold(f64::NEG_INFINITY, |m, &z| m.max(z as f64));
    let s: f64 = logits.iter().map(|&z| (z as f64 - m).exp()).sum();
    -(logits[label] as f64 - m - s.ln())
}

impl Experiment for Stability {
    fn name(&self) -> &'static str {
        "stability"
    }
    fn title(&self) -> &'static str {
        "Numerical stability: softplus's threshold, log_sigmoid and log_softmax"
    }
    fn claim(&self) -> &'static str {
        "Softplus needs its threshold (or an equivalent stable form) for stability; log(softmax) \
         must be computed as log_softmax"
    }

    fn no_acts(&self) -> Option<&'static str> {
        Some("it compares fixed formulas: softplus, log_sigmoid, log_softmax")
    }
    fn no_steps(&self) -> Option<&'static str> {
        Some("it trains nothing")
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let n = opts.profile.pick(401, 4001, 20001);
        bar.set_length(4);
        // 1. softplus on [-120, 120] in f32: naive ln(1 + e^x) against actfn.
        let xs: Vec<f32> = (0..n).map(|i| -120.0 + 240.0 * i as f32 / (n - 1) as f32).collect();
        let naive_sp: Vec<f32> = xs.iter().map(|&x| (1.0 + x.exp()).ln()).collect();
        let ours_sp = eval("softplus", &xs);
        let exact: Vec<f64> = xs.iter().map(|&x| softplus64(x as f64)).collect();
        let err = |v: &[f32]| -> Vec<f64> { v.iter().zip(&exact).map(|(&a, &r)| ulp_err(a, r)).collect() };
        let (e_naive, e_ours) = (err(&naive_sp), err(&ours_sp));
        let overflow = naive_sp.iter().filter(|v| v.is_infinite()).count();
        let underflow = naive_sp
            .iter()
            .zip(&exact)
            .filter(|(v, r)| **v == 0.0 && **r > 0.0)
            .count();
        let worst_naive_finite = e_naive.iter().copied().filter(|e| e.is_finite()).fold(0.0, f64::max);
        let worst_ours = e_ours.iter().copied().fold(0.0, f64::max);
        bar.inc(1);

        // 2. log_sigmoid against log(sigmoid(x)).
        let naive_ls: Vec<f32> = xs.iter().map(|&x| (1.0 / (1.0 + (-x).exp())).ln()).collect();
        let ours_ls = eval("log_sigmoid", &xs);
        let ls_inf = naive_ls.iter().filter(|v| !v.is_finite()).count();
        let ls_ours_inf = ours_ls.iter().filter(|v| !v.is_finite()).count();
        bar.inc(1);

        // 3. Cross-entropy on logits scaled by s: the true class has logit -s, another s.
        let scales = [1.0f32, 10.0, 50.0, 100.0, 1000.0, 1e4];
        let mut ce_rows = Vec::new();
        let mut ce_json = Vec::new();
        let mut naive_bad = 0;
        let mut ours_bad = 0;
        for &s in &scales {
            let logits = [s, -s, 0.5 * s, 0.0];
            let (naive, ours, exact) = (naive_ce(&logits, 1), stable_ce(&logits, 1), exact_ce(&logits, 1));
            let (rn, ro) = (rel_err(naive, exact), rel_err(ours, exact));
            naive_bad += usize::from(rn > 1e-3);
            ours_bad += usize::from(ro > 1e-5);
            ce_rows.push(vec![
                fmt3(s as f64),
                fmt3(exact),
                format!("{naive}"),
                format!("{ours}"),
                fmt3(ro),
            ]);
            ce_json.push(json!({"scale": s, "exact": exact, "naive": naive.to_string(), "log_softmax": ours}));
        }
        bar.inc(1);

        // Figure: relative error of softplus, naive vs actfn (log scale; inf drawn at 1e3).
        let cap = |e: f64| if e.is_finite() { e.max(0.01) } else { 1e12 };
        let panel = Panel {
            title: "softplus in f32: error against the exact value".into(),
            x_label: "x".into(),
            y_label: "error in ULPs (inf drawn at 1e12)".into(),
            series: vec![
                Series::new(
                    "naive ln(1 + exp(x))",
                    xs.iter().zip(&e_naive).map(|(&x, &e)| (x as f64, cap(e))).collect(),
                ),
                Series::new(
                    "actfn softplus (threshold 20)",
                    xs.iter().zip(&e_ours).map(|(&x, &e)| (x as f64, cap(e))).collect(),
                ),
            ],
            log_y: true,
            x_names: None,
        };
        chart::line_png(&dir.join("softplus_error.png"), &panel, (900, 450))?;
        bar.inc(1);

        let supported =
            overflow > 0 && worst_ours <= 4.0 && naive_bad > 0 && ours_bad == 0 && ls_inf > 0 && ls_ours_inf == 0;
        let summary = format!(
            "Naive ln(1 + e^x) overflows to inf for {overflow} of {n} inputs in [-120, 120] (x > 88.7 in f32), \
             underflows to 0 for {underflow} and is up to {} ULP off where finite; softplus with its threshold stays \
             within {} ULP everywhere. log(sigmoid(x)) gives -inf for {ls_inf} inputs, log_sigmoid for {ls_ours_inf}. \
             Cross-entropy from log(softmax) is wrong or non-finite at {naive_bad} of {} logit scales; from log_softmax \
             at {ours_bad}.",
            fmt3(worst_naive_finite),
            fmt3(worst_ours),
            scales.len()
        );
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables: vec![
                Table {
                    caption: "softplus and log_sigmoid on [-120, 120], f32".into(),
                    header: vec!["quantity".into(), "naive".into(), "actfn".into()],
                    rows: vec![
                        vec!["softplus: inputs giving inf".into(), overflow.to_string(), "0".into()],
                        vec!["softplus: inputs flushed to 0".into(), underflow.to_string(), "0".into()],
                        vec!["softplus: max error in ULPs (finite)".into(), fmt3(worst_naive_finite), fmt3(worst_ours)],
                        vec!["log_sigmoid: inputs giving -inf".into(), ls_inf.to_string(), ls_ours_inf.to_string()],
                    ],
                },
                Table {
                    caption: "cross-entropy of logits [s, -s, s/2, 0] at class 1 (exact = 2s + log(1 + e^{-s/2} + e^{-s}) ...), f32"
                        .into(),
                    header: vec!["scale s".into(), "exact".into(), "-log(softmax)".into(), "-log_softmax".into(), "rel. error".into()],
                    rows: ce_rows,
                },
            ],
            figures: vec![Figure { file: "softplus_error.png".into(), caption: "Error of softplus in ULPs, naive against actfn".into() }],
            published: vec![],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!({"softplus_overflow": overflow, "softplus_underflow": underflow,
                         "softplus_worst_naive": worst_naive_finite, "softplus_worst_actfn": worst_ours,
                         "log_sigmoid_naive_nonfinite": ls_inf, "cross_entropy": ce_json}),
        })
    }
}
