//! `linear-collapse`: N stacked linear layers are one linear map; on two spirals they
//! stay at a linear classifier's accuracy while non-linear activations learn the task.

use std::path::Path;

use actfn::Activation;
use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use indicatif::ProgressBar;
use serde_json::json;

use super::task;
use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{train, Init, Mlp, MlpSpec, Opt, TrainConfig};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Table, Verdict};

pub struct LinearCollapse;

/// Composes `layers` affine maps (weights `[out, in]`, bias `[out]`) into one, in f64.
fn compose(layers: &[(Tensor, Tensor)]) -> Result<(Tensor, Tensor)> {
    let (mut w, mut b) = layers[0].clone();
    for (wl, bl) in &layers[1..] {
        b = (wl.matmul(&b.unsqueeze(1)?)?.squeeze(1)? + bl)?;
        w = wl.matmul(&w)?;
    }
    Ok((w, b))
}

impl Experiment for LinearCollapse {
    fn name(&self) -> &'static str {
        "linear-collapse"
    }
    fn title(&self) -> &'static str {
        "Stacked linear layers collapse into one"
    }
    fn claim(&self) -> &'static str {
        "Without a non-linear activation, N layers equal a single linear layer: depth adds nothing"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let device = Device::Cpu;
        let depths = [2usize, 4, 8, 16];
        let acts = opts.acts_or(&["identity", "relu", "tanh"])?;
        let steps = opts.steps_or(opts.profile.pick(150, 2000, 5000));
        bar.set_length((depths.len() + acts.len() + 1) as u64);

        // 1. Composition: random affine layers 2 → 16 → ... → 2, in f64.
        let mut rng = actfn_candle::init::Rng::new(opts.seed);
        let x = Tensor::randn(0f64, 1.0, (256, 2), &device)?;
        let mut comp_rows = Vec::new();
        let mut comp_json = Vec::new();
        let mut worst = 0.0f64;
        let mut last_matrix = Vec::new();
        for &n in &depths {
            let widths: Vec<usize> = std::iter::once(2)
                .chain(std::iter::repeat_n(16, n - 1))
                .chain([2])
                .collect();
            let mut layers = Vec::new();
            for p in widths.windows(2) {
                let scheme = actfn_candle::init::Scheme::XavierNormal { gain: 1.0 };
                let w = scheme.tensor((p[1], p[0]), &mut rng, DType::F64, &device)?;
                let b = actfn_candle::init::Scheme::Normal { mean: 0.0, std: 0.1 }.tensor(
                    p[1],
                    &mut rng,
                    DType::F64,
                    &device,
                )?;
                layers.push((w, b));
            }
            let mut h = x.clone();
            for (w, b) in &layers {
                h = h.matmul(&w.t()?)?.broadcast_add(b)?;
            }
            let (w, b) = compose(&layers)?;
            let single = x.matmul(&w.t()?)?.broadcast_add(&b)?;
            let diff = (h.clone() - &single)?.abs()?.max_all()?.to_scalar::<f64>()?;
            let scale = h.abs()?.max_all()?.to_scalar::<f64>()?;
            worst = worst.max(diff / scale.max(1e-300));
            last_matrix = w.to_vec2::<f64>()?;
            comp_rows.push(vec![
                n.to_string(),
                fmt3(diff),
                fmt3(diff / scale),
                format!(
                    "{:?}",
                    w.to_vec2::<f64>()?
                        .iter()
                        .map(|r| r.iter().map(|v| fmt3(*v)).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                ),
            ]);
            comp_json.push(json!({"layers": n, "max_abs_diff": diff, "max_rel_diff": diff / scale, "composed_weight": w.to_vec2::<f64>()?, "composed_bias": b.to_vec1::<f64>()?}));
            bar.inc(1);
        }

        // 2. Two spirals: a linear classifier against deep nets with each activation.
        let (task, info) = task("spirals", opts.profile.pick(200, 600, 1000), opts.seed, 0.5, &device)?;
        let cfg = TrainConfig {
            steps,
            freeze_output: false,
            batch: usize::MAX,
            opt: Opt::Adam { lr: 0.01 },
            eval_every: (steps / 50).max(1),
            seed: opts.seed,
        };
        let mut models: Vec<(String, MlpSpec)> = vec![(
            "linear classifier (no hidden layer)".into(),
            MlpSpec {
                input: info.inputs,
                hidden: vec![],
                output: info.outputs,
                act: Activation::parse("identity")?,
                init: Init::Proper,
                bias_shift: 0.0,
            },
        )];
        for act in &acts {
            models.push((
                format!("4 × 32, {act}"),
                MlpSpec {
                    input: info.inputs,
                    hidden: vec![32; 4],
                    output: info.outputs,
                    act: act.clone(),
                    init: Init::Proper,
                    bias_shift: 0.0,
                },
            ));
        }
        let mut rows = Vec::new();
        let mut curves = Vec::new();
        let mut accs = Vec::new();
        let mut runs = Vec::new();
        for (label, spec) in models {
            let mlp = Mlp::new(spec.clone(), opts.seed, &device)?;
            let curve = train(&mlp, &task, cfg, |_| {})?;
            let last = curve.last().expect("at least one point");
            rows.push(vec![
                label.clone(),
                fmt3(last.loss),
                fmt3(last.train_score),
                fmt3(last.test_score),
            ]);
            accs.push((spec.act.to_string(), spec.hidden.is_empty(), last.test_score));
            curves.push(Series::new(
                label.clone(),
                curve.iter().map(|p| (p.step as f64, p.test_score)).collect(),
            ));
            runs.push(json!({"model": label, "curve": curve}));
            bar.inc(1);
        }
        let linear_acc = accs[0].2;
        let identity_acc = accs.iter().find(|a| !a.1 && a.0 == "identity").map(|a| a.2);
        let best_nonlinear = accs
            .iter()
            .filter(|a| !a.1 && a.0 != "identity" && a.0 != "linear")
            .map(|a| a.2)
            .fold(0.0, f64::max);
        chart::line_png(
            &dir.join("spirals_accuracy.png"),
            &Panel {
                title: "Two spirals: test accuracy while training".into(),
                x_label: "step".into(),
                y_label: "test accuracy".into(),
                series: curves,
                log_y: false,
                x_names: None,
            },
            (900, 500),
        )?;
        bar.inc(1);

        let collapse_ok = worst < 1e-10;
        let (supported, summary) =
            match identity_acc {
                Some(id) => {
                    let same = (id - linear_acc).abs() <= 0.05;
                    let learns = best_nonlinear >= linear_acc + 0.2;
                    (
                        collapse_ok && same && learns,
                        format!(
                        "Composed into one matrix, 2 to 16 stacked linear layers reproduce the network to {} relative \
                         (float rounding). On two spirals the 4-layer identity network reaches {} test accuracy, the \
                         linear classifier {}, while the best non-linear activation reaches {}.",
                        fmt3(worst), fmt3(id), fmt3(linear_acc), fmt3(best_nonlinear)
                    ),
                    )
                }
                None => (
                    collapse_ok,
                    format!(
                        "Composition error {} relative; no identity network was trained (--act).",
                        fmt3(worst)
                    ),
                ),
            };
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables: vec![
                Table {
                    caption: "N affine layers (2 → 16 → … → 2) against their composition W = W_N···W_1 on 256 random inputs, f64".into(),
                    header: vec!["layers".into(), "max |difference|".into(), "relative".into(), "composed W".into()],
                    rows: comp_rows,
                },
                Table {
                    caption: format!("two spirals ({} train / {} test points), Adam lr 0.01, {steps} full-batch steps", task.x_train.dim(0)?, task.x_test.dim(0)?),
                    header: vec!["model".into(), "train loss".into(), "train accuracy".into(), "test accuracy".into()],
                    rows,
                },
            ],
            figures: vec![Figure { file: "spirals_accuracy.png".into(), caption: "Test accuracy on two spirals while training".into() }],
            published: vec![],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!({"composition": comp_json, "last_composed_weight": last_matrix, "spirals": runs}),
        })
    }
}
