//! `selu`: N(0, 1) data through many layers: mean and variance per layer for SELU
//! (LeCun normal) against ReLU (He), tanh (Glorot) and ELU (He).

use std::path::Path;

use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use indicatif::ProgressBar;
use serde_json::json;

use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{proper_scheme, Init, Mlp, MlpSpec};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Published, Table, Verdict};

pub struct Selu;

/// Mean and variance of all entries of `t`.
fn moments(t: &Tensor) -> Result<(f64, f64)> {
    let t = t.to_dtype(DType::F64)?.flatten_all()?;
    let mean = t.mean_all()?.to_scalar::<f64>()?;
    let var = (t - mean)?.sqr()?.mean_all()?.to_scalar::<f64>()?;
    Ok((mean, var))
}

impl Experiment for Selu {
    fn name(&self) -> &'static str {
        "selu"
    }
    fn title(&self) -> &'static str {
        "SELU self-normalises"
    }
    fn claim(&self) -> &'static str {
        "ELU and SELU centre the mean of activations; SELU with LeCun-normal weights keeps mean 0 and \
         variance 1 through many layers"
    }

    fn no_steps(&self) -> Option<&'static str> {
        Some("it trains nothing: it passes data through untrained layers")
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let device = Device::Cpu;
        let acts = opts.acts_or(&["selu", "relu", "tanh", "elu"])?;
        let layers = opts.profile.pick(32, 64, 64);
        let width = opts.profile.pick(64, 256, 512);
        let batch = opts.profile.pick(128, 512, 2048);
        bar.set_length(acts.len() as u64);
        let mut rng = actfn_candle::init::Rng::new(opts.seed);
        let xv: Vec<f32> = (0..batch * width).map(|_| rng.normal() as f32).collect();
        let x = Tensor::from_vec(xv, (batch, width), &device)?;
        let (mut mean_series, mut var_series, mut rows, mut data) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut selu_at = None;
        let probes = [1usize, 8, 16, 32, 64];
        for act in &acts {
            let spec = MlpSpec {
                input: width,
                hidden: vec![width; layers],
                output: 1,
                act: act.clone(),
                init: Init::Proper,
                bias_shift: 0.0,
            };
            let mlp = Mlp::new(spec, opts.seed, &device)?;
            let trace = mlp.trace(&x)?;
            let m: Vec<(f64, f64)> = trace.post.iter().map(moments).collect::<Result<_>>()?;
            mean_series.push(Series::new(
                act.to_string(),
                m.iter().enumerate().map(|(i, v)| ((i + 1) as f64, v.0)).collect(),
            ));
            var_series.push(Series::new(
                act.to_string(),
                m.iter().enumerate().map(|(i, v)| ((i + 1) as f64, v.1)).collect(),
            ));
            let mut row = vec![act.to_string(), proper_scheme(act).1.into()];
            for &p in &probes {
                row.push(
                    m.get(p - 1)
                        .map_or("—".into(), |v| format!("{} / {}", fmt3(v.0), fmt3(v.1))),
                );
            }
            rows.push(row);
            if act.kind() == actfn::Kind::Selu {
                selu_at = m.get(31).copied();
            }
            data.push(json!({"act": act.to_string(), "init": proper_scheme(act).1, "mean": m.iter().map(|v| v.0).collect::<Vec<_>>(), "variance": m.iter().map(|v| v.1).collect::<Vec<_>>()}));
            bar.inc(1);
        }
        chart::panels_png(
            &dir.join("moments.png"),
            &[
                Panel {
                    title: "mean of activations per layer".into(),
                    x_label: "layer".into(),
                    y_label: "mean".into(),
                    series: mean_series,
                    log_y: false,
                    x_names: None,
                },
                Panel {
                    title: "variance of activations per layer".into(),
                    x_label: "layer".into(),
                    y_label: "variance (log)".into(),
                    series: var_series,
                    log_y: true,
                    x_names: None,
                },
            ],
            2,
            (560, 400),
        )?;
        let (supported, summary) = match selu_at {
            Some((m, v)) => (
                (0.8..=1.2).contains(&v) && m.abs() < 0.1,
                format!(
                    "After 32 SELU layers (LeCun normal, width {width}) the activations have mean {} and variance {}; \
                     the other activations drift (see the table).",
                    fmt3(m),
                    fmt3(v)
                ),
            ),
            None => (
                false,
                "the verdict needs selu among --act and at least 32 layers".into(),
            ),
        };
        let mut header: Vec<String> = vec!["activation".into(), "init".into()];
        header.extend(probes.iter().map(|p| format!("layer {p}: mean / var")));
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables: vec![Table {
                caption: format!("{batch} inputs from N(0, 1) through {layers} layers of width {width}"),
                header,
                rows,
            }],
            figures: vec![Figure {
                file: "moments.png".into(),
                caption: "Mean and variance of each layer's activations".into(),
            }],
            published: vec![Published {
                what: "SELU fixed point of (mean, variance)".into(),
                published: "(0, 1), attracting for mean in [-0.1, 0.1] and variance in [0.8, 1.5]".into(),
                ours: selu_at.map_or("—".into(), |(m, v)| format!("({}, {}) at layer 32", fmt3(m), fmt3(v))),
                source: "Klambauer et al. 2017, Theorem 1".into(),
            }],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!(data),
        })
    }
}
