//! `stats`: sparsity (exact zeros), mean (zero-centredness) and saturation (inputs in
//! the flat tails) of each activation's outputs, per layer of a trained network.

use std::path::Path;

use actfn::Activation;
use anyhow::Result;
use candle_core::{DType, Device};
use indicatif::ProgressBar;
use serde_json::json;

use super::task;
use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{train, Init, Mlp, MlpSpec, Opt, TrainConfig};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Table, Verdict};

pub struct Stats;

/// `|f'(z)|` over a slice, from actfn's backward kernel.
fn slopes(act: &Activation, z: &[f32]) -> Vec<f32> {
    let mut d = vec![0.0f32; z.len()];
    act.backward(z, &vec![1.0; z.len()], &mut d).expect("element-wise");
    d.iter().map(|v| v.abs()).collect()
}

/// The largest `|f'|` on [-10, 10].
fn max_slope(act: &Activation) -> f32 {
    let grid: Vec<f32> = (0..20001).map(|i| -10.0 + i as f32 * 0.001).collect();
    slopes(act, &grid).into_iter().fold(0.0, f32::max)
}

impl Experiment for Stats {
    fn name(&self) -> &'static str {
        "stats"
    }
    fn title(&self) -> &'static str {
        "Sparsity, centring and saturation of activations in a trained network"
    }
    fn claim(&self) -> &'static str {
        "ReLU's outputs are sparse (many exact zeros); ELU, SELU and tanh are centred near zero; sigmoid and \
         tanh saturate"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let device = Device::Cpu;
        let acts = opts.acts_or(&[
            "relu",
            "leaky_relu",
            "elu",
            "selu",
            "gelu",
            "softplus",
            "tanh",
            "sigmoid",
        ])?;
        let steps = opts.steps_or(opts.profile.pick(50, 500, 2000));
        let (task, info) = task("digits", opts.profile.pick(300, 1797, 1797), opts.seed, 0.7, &device)?;
        bar.set_length(acts.len() as u64);
        let mut rows = Vec::new();
        let mut data = Vec::new();
        let (mut sparsity_s, mut mean_s, mut sat_s) = (Vec::new(), Vec::new(), Vec::new());
        let mut by_act = std::collections::BTreeMap::new();
        for act in &acts {
            let spec = MlpSpec {
                input: info.inputs,
                hidden: vec![64; 3],
                output: info.outputs,
                act: act.clone(),
                init: Init::Proper,
                bias_shift: 0.0,
            };
            let mlp = Mlp::new(spec, opts.seed, &device)?;
            let cfg = TrainConfig {
                steps,
                freeze_output: false,
                batch: 64,
                opt: Opt::Adam { lr: 3e-3 },
                eval_every: steps,
                seed: opts.seed,
            };
            let curve = train(&mlp, &task, cfg, |_| {})?;
            let acc = curve.last().map_or(0.0, |p| p.test_score);
            let trace = mlp.trace(&task.x_test)?;
            let top = max_slope(act);
            let mut layers = Vec::new();
            for (l, (z, y)) in trace.pre.iter().zip(&trace.post).enumerate() {
                let z = z.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?;
                let y = y.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?;
                let n = y.len() as f64;
                let zeros = y.iter().filter(|&&v| v == 0.0).count() as f64 / n;
                let mean = y.iter().map(|&v| v as f64).sum::<f64>() / n;
                let flat = slopes(act, &z).iter().filter(|&&s| s < 0.05 * top).count() as f64 / n;
                rows.push(vec![
                    act.to_string(),
                    (l + 1).to_string(),
                    fmt3(zeros),
                    fmt3(mean),
                    fmt3(flat),
                    fmt3(acc),
                ]);
                layers.push(json!({"layer": l + 1, "sparsity": zeros, "mean": mean, "saturation": flat}));
                by_act
                    .entry(act.kind())
                    .or_insert_with(Vec::new)
                    .push((zeros, mean, flat));
            }
            let pts = |k: usize| -> Vec<(f64, f64)> {
                layers
                    .iter()
                    .map(|l| {
                        (
                            l["layer"].as_f64().unwrap_or(0.0),
                            l[["sparsity", "mean", "saturation"][k]].as_f64().unwrap_or(0.0),
                        )
                    })
                    .collect()
            };
            sparsity_s.push(Series::new(act.to_string(), pts(0)));
            mean_s.push(Series::new(act.to_string(), pts(1)));
            sat_s.push(Series::new(act.to_string(), pts(2)));
            data.push(json!({"act": act.to_string(), "test_accuracy": acc, "layers": layers}));
            bar.inc(1);
        }
        let panel = |title: &str, y: &str, s: Vec<Series>| Panel {
            title: title.into(),
            x_label: "hidden layer".into(),
            y_label: y.into(),
            series: s,
            log_y: false,
            x_names: None,
        };
        chart::panels_png(
            &dir.join("stats.png"),
            &[
                panel("sparsity: fraction of exact zeros", "fraction", sparsity_s),
                panel("mean activation", "mean", mean_s),
                panel("saturation: |f'| < 5% of its max", "fraction", sat_s),
            ],
            3,
            (460, 380),
        )?;
        let avg = |k: actfn::Kind, f: fn(&(f64, f64, f64)) -> f64| {
            by_act.get(&k).map(|v| v.iter().map(f).sum::<f64>() / v.len() as f64)
        };
        let relu_sparse = avg(actfn::Kind::Relu, |v| v.0);
        let gelu_sparse = avg(actfn::Kind::Gelu, |v| v.0);
        let relu_mean = avg(actfn::Kind::Relu, |v| v.1);
        let elu_mean = avg(actfn::Kind::Elu, |v| v.1);
        let sig_sat = avg(actfn::Kind::Sigmoid, |v| v.2);
        let supported = match (relu_sparse, relu_mean, elu_mean) {
            (Some(rs), Some(rm), Some(em)) => rs > 0.2 && gelu_sparse.is_none_or(|g| g < rs) && em.abs() < rm.abs(),
            _ => false,
        };
        let f = |v: Option<f64>| v.map_or("—".into(), fmt3);
        let summary = format!(
            "Averaged over layers of a trained 3 × 64 network on the 8×8 digits: ReLU outputs are exactly zero {} of \
             the time (GELU {}); the mean activation is {} with ReLU and {} with ELU; sigmoid units sit in their flat \
             tails {} of the time.",
            f(relu_sparse),
            f(gelu_sparse),
            f(relu_mean),
            f(elu_mean),
            f(sig_sat)
        );
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables: vec![Table {
                caption: format!("digits (8×8, 70% train), 3 × 64 hidden units, Adam 3e-3, {steps} steps of batch 64; statistics on the test set"),
                header: ["activation", "layer", "sparsity", "mean", "saturation", "test accuracy"].map(String::from).to_vec(),
                rows,
            }],
            figures: vec![Figure { file: "stats.png".into(), caption: "Per-layer statistics of each activation's outputs".into() }],
            published: vec![],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!(data),
        })
    }
}
