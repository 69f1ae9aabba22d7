//! `cost`: time per element of each activation's forward and backward kernels, against
//! its share of a training step.

use std::path::Path;
use std::time::Instant;

use actfn::{Activation, OpShape};
use anyhow::Result;
use candle_core::{Device, Tensor};
use indicatif::ProgressBar;
use serde_json::json;

use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{loss, Init, Mlp, MlpSpec, Targets};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Table, Verdict};

pub struct Cost;

/// Median of `reps` timings of `f`, in seconds.
fn median_time(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

impl Experiment for Cost {
    fn name(&self) -> &'static str {
        "cost"
    }
    fn title(&self) -> &'static str {
        "What an activation costs"
    }
    fn claim(&self) -> &'static str {
        "ReLU is cheap to compute; transcendental activations (GELU, SiLU, Mish, ELU) cost more per element, \
         but their share of a training step is small"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let acts = opts.acts_or(&[
            "identity",
            "relu",
            "leaky_relu",
            "elu",
            "selu",
            "gelu",
            "gelu(approximate=tanh)",
            "silu",
            "mish",
            "softplus",
            "tanh",
            "sigmoid",
            "sine",
        ])?;
        let acts: Vec<Activation> = acts
            .into_iter()
            .filter(|a| a.info().shape == OpShape::Pointwise)
            .collect();
        let (batch, width, inputs) = (256usize, 256usize, 64usize);
        let n = 1 << 16;
        let reps = opts.profile.pick(5, 31, 101);
        let step_reps = opts.profile.pick(3, 15, 50);
        bar.set_length(acts.len() as u64);
        let device = Device::Cpu;
        let mut rng = actfn_candle::init::Rng::new(opts.seed);
        let x: Vec<f32> = (0..n).map(|_| (rng.normal() * 3.0) as f32).collect();
        let g: Vec<f32> = (0..n).map(|_| rng.normal() as f32).collect();
        let xb = Tensor::from_vec(
            (0..batch * inputs).map(|_| rng.normal() as f32).collect::<Vec<_>>(),
            (batch, inputs),
            &device,
        )?;
        let yb = Targets::Classes(
            Tensor::from_vec((0..batch).map(|i| (i % 10) as u32).collect::<Vec<_>>(), batch, &device)?,
            10,
        );
        let mut rows = Vec::new();
        let mut data = Vec::new();
        let (mut fwd_pts, mut share_pts) = (Vec::new(), Vec::new());
        let mut ns = std::collections::BTreeMap::new();
        for (i, act) in acts.iter().enumerate() {
            let mut y = vec![0.0f32; n];
            let t_fwd = median_time(reps, || act.forward(&x, &mut y).expect("lengths"));
            let mut dx = vec![0.0f32; n];
            let t_bwd = median_time(reps, || act.backward(&x, &g, &mut dx).expect("lengths"));
            let (fwd_ns, bwd_ns) = (t_fwd / n as f64 * 1e9, t_bwd / n as f64 * 1e9);
            // A training step of a 64 → 256 → 256 → 10 MLP on a batch of 256.
            let spec = MlpSpec {
                input: inputs,
                hidden: vec![width; 2],
                output: 10,
                act: act.clone(),
                init: Init::Proper,
                bias_shift: 0.0,
            };
            let mlp = Mlp::new(spec, opts.seed, &device)?;
            let mut opt = <candle_nn::SGD as candle_nn::Optimizer>::new(mlp.vars(), 1e-3)?;
            let t_step = median_time(step_reps, || {
                let l = loss(&mlp.forward(&xb).expect("forward"), &yb).expect("loss");
                candle_nn::Optimizer::backward_step(&mut opt, &l).expect("step");
            });
            let elems = (batch * width * 2) as f64;
            let kernel = elems * (fwd_ns + bwd_ns) * 1e-9;
            let share = kernel / t_step;
            ns.insert(act.to_string(), (fwd_ns, bwd_ns));
            rows.push(vec![
                act.to_string(),
                fmt3(fwd_ns),
                fmt3(bwd_ns),
                fmt3(t_step * 1e3),
                fmt3(100.0 * share),
            ]);
            fwd_pts.push((i as f64, fwd_ns + bwd_ns));
            share_pts.push((i as f64, 100.0 * share));
            data.push(json!({"act": act.to_string(), "forward_ns_per_element": fwd_ns, "backward_ns_per_element": bwd_ns, "step_seconds": t_step, "kernel_share": share}));
            bar.inc(1);
        }
        chart::panels_png(
            &dir.join("cost.png"),
            &[
                Panel {
                    title: "forward + backward, ns per element (f32, 64K elements)".into(),
                    x_label: "activation (table order)".into(),
                    y_label: "ns / element".into(),
                    series: vec![Series::new("kernels", fwd_pts)],
                    log_y: true,
                    x_names: None,
                },
                Panel {
                    title: "share of a training step spent in the kernels".into(),
                    x_label: "activation (table order)".into(),
                    y_label: "% of step".into(),
                    series: vec![Series::new("share", share_pts)],
                    log_y: false,
                    x_names: None,
                },
            ],
            2,
            (560, 400),
        )?;
        let relu = ns.get("relu").map(|v| v.0 + v.1);
        let costly: Vec<f64> = ["gelu", "silu", "mish", "elu"]
            .iter()
            .filter_map(|k| ns.get(*k).map(|v| v.0 + v.1))
            .collect();
        let max_share = data
            .iter()
            .filter_map(|d| d["kernel_share"].as_f64())
            .fold(0.0, f64::max);
        let supported = relu.is_some_and(|r| costly.iter().all(|&c| c > r)) && max_share < 0.5;
        let summary = format!(
            "Forward + backward per element: ReLU {} ns, GELU {} ns, SiLU {} ns, Mish {} ns. In a training step of a \
             64 → 256 → 256 → 10 MLP (batch 256) the activation kernels take at most {}% of the step.",
            relu.map_or("—".into(), fmt3),
            ns.get("gelu").map_or("—".into(), |v| fmt3(v.0 + v.1)),
            ns.get("silu").map_or("—".into(), |v| fmt3(v.0 + v.1)),
            ns.get("mish").map_or("—".into(), |v| fmt3(v.0 + v.1)),
            fmt3(100.0 * max_share)
        );
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables: vec![Table {
                caption: format!("actfn kernels on {n} f32 elements (median of {reps}); a training step of a 64 → 256 → 256 → 10 MLP, batch {batch}, SGD (median of {step_reps})"),
                header: ["activation", "forward ns/elem", "backward ns/elem", "step ms", "kernel share %"].map(String::from).to_vec(),
                rows,
            }],
            figures: vec![Figure { file: "cost.png".into(), caption: "Kernel cost per element and its share of a training step".into() }],
            published: vec![],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!(data),
        })
    }
}
