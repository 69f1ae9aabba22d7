//! `step`: the step activation's zero derivative gives its hidden layers no gradient, so
//! they never learn; sigmoid in the same network does.

use std::path::Path;

use actfn::Activation;
use anyhow::Result;
use candle_core::Device;
use indicatif::ProgressBar;
use serde_json::json;

use super::task;
use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{loss, norm, train, Init, Mlp, MlpSpec, Opt, TrainConfig};
use crate::lab::{fmt3, Experiment, Figure, LabOptions, Outcome, Table, Verdict};

pub struct Step;

impl Experiment for Step {
    fn name(&self) -> &'static str {
        "step"
    }
    fn title(&self) -> &'static str {
        "The step function cannot be trained by backpropagation"
    }
    fn claim(&self) -> &'static str {
        "The naive threshold activation is not differentiable (its derivative is 0 wherever it exists), \
         so backpropagation cannot train the layers below it; a sigmoid can"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let device = Device::Cpu;
        let acts = opts.acts_or(&["step", "sigmoid"])?;
        let steps = opts.steps_or(opts.profile.pick(60, 600, 2000));
        let (task, info) = task("circles", opts.profile.pick(200, 600, 1000), opts.seed, 0.5, &device)?;
        bar.set_length(acts.len() as u64);
        // The output layer is frozen: what the network learns, its hidden layers learn.
        let cfg = TrainConfig {
            steps,
            freeze_output: true,
            batch: usize::MAX,
            opt: Opt::Adam { lr: 0.01 },
            eval_every: (steps / 60).max(1),
            seed: opts.seed,
        };
        let mut rows = Vec::new();
        let mut loss_series = Vec::new();
        let mut results = Vec::new();
        for act in &acts {
            let spec = MlpSpec {
                input: info.inputs,
                hidden: vec![32, 32],
                output: info.outputs,
                act: act.clone(),
                init: Init::Proper,
                bias_shift: 0.0,
            };
            let mlp = Mlp::new(spec, opts.seed, &device)?;
            // Gradient of the first layer's weight at initialisation.
            let l0 = loss(&mlp.forward(&task.x_train)?, &task.y_train)?;
            let grads = l0.backward()?;
            let g_first = grads.get(mlp.weight(0)).map(norm).transpose()?.unwrap_or(0.0);
            let w_before = mlp.weight(0).flatten_all()?.to_vec1::<f32>()?;
            let curve = train(&mlp, &task, cfg, |_| {})?;
            let w_after = mlp.weight(0).flatten_all()?.to_vec1::<f32>()?;
            let moved = w_before
                .iter()
                .zip(&w_after)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max) as f64;
            let (first, last) = (&curve[0], curve.last().expect("curve"));
            rows.push(vec![
                act.to_string(),
                fmt3(g_first),
                fmt3(moved),
                fmt3(first.loss),
                fmt3(last.loss),
                fmt3(last.test_score),
            ]);
            loss_series.push(Series::new(
                act.to_string(),
                curve.iter().map(|p| (p.step as f64, p.loss)).collect(),
            ));
            results.push((act.clone(), g_first, moved, first.loss, last.loss, last.test_score));
            bar.inc(1);
        }
        chart::line_png(
            &dir.join("loss.png"),
            &Panel {
                title: "Circles: training loss (hidden layers trained, output layer fixed)".into(),
                x_label: "step".into(),
                y_label: "cross-entropy".into(),
                series: loss_series,
                log_y: false,
                x_names: None,
            },
            (900, 500),
        )?;
        let step = results.iter().find(|r| r.0.kind() == actfn::Kind::Step);
        let smooth = results.iter().find(|r| r.0.kind() == actfn::Kind::Sigmoid);
        let (supported, summary) = match (step, smooth) {
            (Some(s), Some(g)) => (
                s.1 == 0.0 && s.2 == 0.0 && s.3 == s.4 && g.4 < 0.8 * g.3,
                format!(
                    "With the step, the first layer's gradient is {} and its weights moved by {} in {steps} steps: the \
                     loss stayed at {} (from {}). With sigmoid the gradient is {} and the loss fell from {} to {} \
                     ({} test accuracy).",
                    fmt3(s.1),
                    fmt3(s.2),
                    fmt3(s.4),
                    fmt3(s.3),
                    fmt3(g.1),
                    fmt3(g.3),
                    fmt3(g.4),
                    fmt3(g.5)
                ),
            ),
            _ => (
                false,
                "the comparison needs both step and sigmoid among --act".to_string(),
            ),
        };
        let _ = Activation::parse("step")?;
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables: vec![Table {
                caption: format!("circles, 2 × 32 hidden units, output layer fixed, Adam lr 0.01, {steps} full-batch steps"),
                header: ["activation", "‖∂L/∂W₁‖ at init", "max |ΔW₁|", "initial loss", "final loss", "test accuracy"]
                    .map(String::from)
                    .to_vec(),
                rows,
            }],
            figures: vec![Figure { file: "loss.png".into(), caption: "Training loss, step against sigmoid".into() }],
            published: vec![],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!(results
                .iter()
                .map(|r| json!({"act": r.0.to_string(), "grad_first_layer": r.1, "weight_change": r.2, "loss_initial": r.3, "loss_final": r.4, "test_accuracy": r.5}))
                .collect::<Vec<_>>()),
        })
    }
}
