//! `cost`: time per element of each activation's forward and backward kernels, against
//! its share of a training step.

use std::path::Path;
use std::time::Instant;

use actfn::OpShape;
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
        "ReLU and Leaky ReLU are computationally cheap; activations with complex formulas (sigmoid, tanh, ELU, \
         GELU, SiLU, Mish) cost more per element, which can slow training"
    }

    fn no_steps(&self) -> Option<&'static str> {
        Some("it trains nothing: it times kernels and single steps")
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
        if let Some(a) = acts.iter().find(|a| a.info().shape != OpShape::Pointwise) {
            return Err(crate::error::usage(format!(
                "cost times element-wise activations; `{a}` works on whole rows"
            )));
        }
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
        let per_elem = |k: &str| ns.get(k).map(|v| v.0 + v.1);
        let step_of = |k: &str| {
            data.iter()
                .find(|d| d["act"] == k)
                .and_then(|d| d["step_seconds"].as_f64())
        };
        // The cheap ones and the ones with complex formulas the lecture and practice name.
        let cheap: Vec<(&str, f64)> = ["relu", "leaky_relu"]
            .iter()
            .filter_map(|k| per_elem(k).map(|c| (*k, c)))
            .collect();
        let costly: Vec<(&str, f64)> = ["sigmoid", "tanh", "elu", "gelu", "silu", "mish"]
            .iter()
            .filter_map(|k| per_elem(k).map(|c| (*k, c)))
            .collect();
        let cheapest_costly = costly.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
        let dearest_cheap = cheap.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
        let dearest_costly = costly.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
        let per_element_holds = matches!((dearest_cheap, cheapest_costly), (Some(c), Some(x)) if c.1 < x.1);
        // Can it slow training: the step with the dearest activation against ReLU's.
        let slowdown = match (step_of("relu"), dearest_costly.and_then(|d| step_of(d.0))) {
            (Some(r), Some(d)) => Some(d / r - 1.0),
            _ => None,
        };
        let max_share = data
            .iter()
            .filter_map(|d| d["kernel_share"].as_f64())
            .fold(0.0, f64::max);
        let supported = per_element_holds && slowdown.is_some_and(|s| s > 0.0);
        let note = if dearest_cheap.is_none() || dearest_costly.is_none() {
            "the verdict needs relu or leaky_relu, and one of sigmoid, tanh, elu, gelu, silu, mish, among --act. "
        } else {
            ""
        };
        let summary = note.to_string()
            + &format!(
                "Forward + backward per element: ReLU {} ns, Leaky ReLU {} ns; the cheapest of sigmoid, tanh, ELU, \
             GELU, SiLU, Mish is {} at {} ns, the dearest {} at {} ns. A training step of a 64 → 256 → 256 → 10 \
             MLP (batch 256) with {} takes {} than with ReLU; the activation kernels take at most {}% of a step, \
             so the matrix products still dominate.",
                per_elem("relu").map_or("—".into(), fmt3),
                per_elem("leaky_relu").map_or("—".into(), fmt3),
                cheapest_costly.map_or("—", |c| c.0),
                cheapest_costly.map_or("—".into(), |c| fmt3(c.1)),
                dearest_costly.map_or("—", |c| c.0),
                dearest_costly.map_or("—".into(), |c| fmt3(c.1)),
                dearest_costly.map_or("—", |c| c.0),
                slowdown.map_or("— longer".into(), |s| if s >= 0.0 {
                    format!("{}% longer", fmt3(100.0 * s))
                } else {
                    format!("{}% less time", fmt3(-100.0 * s))
                }),
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
