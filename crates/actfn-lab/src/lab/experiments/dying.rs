//! `dying`: ReLU units that never activate again, at a high learning rate or with a
//! negative bias shift, against Leaky ReLU, PReLU, ELU and GELU; PReLU's learned slopes;
//! born-dead networks at initialisation (Lu et al. 2020).

use std::path::Path;

use actfn::{Activation, Kind};
use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use indicatif::ProgressBar;
use serde_json::json;

use super::task;
use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{train, Init, Mlp, MlpSpec, Opt, TrainConfig};
use crate::lab::{fmt3, mean_std, Experiment, Figure, LabOptions, Outcome, Published, Table, Verdict};

pub struct Dying;

/// Fraction of hidden units whose pre-activation is ≤ 0 on every example of `x`.
fn dead_fraction(mlp: &Mlp, x: &Tensor) -> Result<f64> {
    let trace = mlp.trace(x)?;
    let (mut dead, mut total) = (0usize, 0usize);
    for z in &trace.pre {
        let max = z.max(0)?.to_vec1::<f32>()?;
        dead += max.iter().filter(|&&m| m <= 0.0).count();
        total += max.len();
    }
    Ok(dead as f64 / total.max(1) as f64)
}

/// Whether some hidden layer is dead on every input (the network is a constant).
fn born_dead(mlp: &Mlp, x: &Tensor) -> Result<bool> {
    let trace = mlp.trace(x)?;
    for z in &trace.pre {
        if z.max_all()?.to_scalar::<f32>()? <= 0.0 {
            return Ok(true);
        }
    }
    Ok(false)
}

impl Experiment for Dying {
    fn name(&self) -> &'static str {
        "dying"
    }
    fn title(&self) -> &'static str {
        "Dying ReLU, and the variants that prevent it"
    }
    fn claim(&self) -> &'static str {
        "ReLU units can die (never activate again) and then get no gradient; Leaky ReLU and PReLU mitigate \
         it by keeping a slope for x < 0"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let device = Device::Cpu;
        let acts = opts.acts_or(&["relu", "leaky_relu", "prelu", "elu", "gelu"])?;
        let steps = opts.steps_or(opts.profile.pick(60, 600, 2000));
        let (task, info) = task("spirals", opts.profile.pick(200, 600, 1000), opts.seed, 0.5, &device)?;
        let settings = [
            ("high learning rate (Adam 0.05)", 0.05, 0.0),
            ("negative bias shift (-1), Adam 0.005", 0.005, -1.0),
        ];
        let widths = [2usize, 3, 4, 5, 10];
        let nets = opts.profile.pick(50, 300, 1000);
        bar.set_length((settings.len() * acts.len() + widths.len()) as u64);

        let mut panels = Vec::new();
        let mut rows = Vec::new();
        let mut data = Vec::new();
        let mut final_dead = std::collections::BTreeMap::new();
        let mut slopes_series = Vec::new();
        let mut slope_rows = Vec::new();
        for (setting, lr, shift) in settings {
            let mut series = Vec::new();
            for act in &acts {
                let spec = MlpSpec {
                    input: info.inputs,
                    hidden: vec![32; 4],
                    output: info.outputs,
                    act: act.clone(),
                    init: Init::Proper,
                    bias_shift: shift,
                };
                let mlp = Mlp::new(spec, opts.seed, &device)?;
                let every = (steps / 20).max(1);
                let mut curve = vec![(0usize, dead_fraction(&mlp, &task.x_train)?)];
                let mut done = 0;
                let mut last_acc = 0.0;
                while done < steps {
                    let chunk = every.min(steps - done);
                    let cfg = TrainConfig {
                        steps: chunk,
                        freeze_output: false,
                        batch: 64,
                        opt: Opt::Adam { lr },
                        eval_every: chunk,
                        seed: opts.seed + done as u64,
                    };
                    let c = train(&mlp, &task, cfg, |_| {})?;
                    last_acc = c.last().map_or(0.0, |p| p.test_score);
                    done += chunk;
                    curve.push((done, dead_fraction(&mlp, &task.x_train)?));
                }
                let dead = curve.last().map_or(0.0, |c| c.1);
                final_dead.insert((setting, act.kind()), dead);
                rows.push(vec![
                    setting.into(),
                    act.to_string(),
                    fmt3(curve[0].1),
                    fmt3(dead),
                    fmt3(last_acc),
                ]);
                series.push(Series::new(
                    act.to_string(),
                    curve.iter().map(|&(s, d)| (s as f64, d)).collect(),
                ));
                if act.kind() == Kind::Prelu {
                    for l in 0..mlp.depth() - 1 {
                        if let Some(p) = mlp.prelu(l) {
                            let a: Vec<f64> = p.weight().to_dtype(DType::F64)?.to_vec1::<f64>()?;
                            let (m, s) = mean_std(&a);
                            slope_rows.push(vec![
                                setting.into(),
                                format!("{}", l + 1),
                                fmt3(m),
                                fmt3(s),
                                fmt3(a.iter().cloned().fold(f64::INFINITY, f64::min)),
                                fmt3(a.iter().cloned().fold(f64::NEG_INFINITY, f64::max)),
                            ]);
                            if shift == 0.0 {
                                let mut sorted = a.clone();
                                sorted.sort_by(f64::total_cmp);
                                slopes_series.push(Series::new(
                                    format!("layer {}", l + 1),
                                    sorted.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect(),
                                ));
                            }
                        }
                    }
                }
                data.push(json!({"setting": setting, "act": act.to_string(), "dead_fraction": curve, "test_accuracy": last_acc}));
                bar.inc(1);
            }
            panels.push(Panel {
                title: format!("dead units: {setting}"),
                x_label: "step".into(),
                y_label: "fraction of dead hidden units".into(),
                series,
                log_y: false,
                x_names: None,
            });
        }
        chart::panels_png(&dir.join("dead_units.png"), &panels, 2, (560, 400))?;
        if !slopes_series.is_empty() {
            chart::line_png(
                &dir.join("prelu_slopes.png"),
                &Panel {
                    title: "PReLU: learned slopes per channel (sorted), per layer".into(),
                    x_label: "channel (sorted)".into(),
                    y_label: "slope a".into(),
                    series: slopes_series,
                    log_y: false,
                    x_names: None,
                },
                (800, 450),
            )?;
        }

        // Born dead at initialisation: width × depth 10, He normal weights, zero biases.
        let grid = Tensor::from_vec(
            (0..1000)
                .map(|i| -3f32.sqrt() + 2.0 * 3f32.sqrt() * i as f32 / 999.0)
                .collect::<Vec<_>>(),
            (1000, 1),
            &device,
        )?;
        let relu = Activation::parse("relu")?;
        let mut born_rows = Vec::new();
        let mut born = Vec::new();
        for &w in &widths {
            let mut count = 0;
            for k in 0..nets {
                let spec = MlpSpec {
                    input: 1,
                    hidden: vec![w; 10],
                    output: 1,
                    act: relu.clone(),
                    init: Init::Proper,
                    bias_shift: 0.0,
                };
                let mlp = Mlp::new(spec, opts.seed.wrapping_mul(1_000_003) + k as u64, &device)?;
                count += usize::from(born_dead(&mlp, &grid)?);
            }
            let p = count as f64 / nets as f64;
            born.push((w, p));
            born_rows.push(vec![w.to_string(), fmt3(p)]);
            bar.inc(1);
        }

        let relu_dead = settings
            .iter()
            .map(|s| final_dead.get(&(s.0, Kind::Relu)).copied().unwrap_or(f64::NAN))
            .collect::<Vec<_>>();
        let leaky_dead = settings
            .iter()
            .map(|s| final_dead.get(&(s.0, Kind::LeakyRelu)).copied())
            .collect::<Vec<_>>();
        let worst_relu = relu_dead.iter().cloned().fold(0.0, f64::max);
        let supported = worst_relu > 0.1
            && settings.iter().any(|s| {
                let r = final_dead.get(&(s.0, Kind::Relu)).copied().unwrap_or(0.0);
                [Kind::LeakyRelu, Kind::Prelu, Kind::Elu]
                    .iter()
                    .all(|k| final_dead.get(&(s.0, *k)).is_none_or(|&d| d < r))
            });
        let has_relu = settings.iter().any(|s| final_dead.contains_key(&(s.0, Kind::Relu)));
        let summary = if !has_relu {
            format!(
                "the verdict needs relu among --act (born-dead 10-layer ReLU networks of width 2: {})",
                fmt3(born[0].1)
            )
        } else {
            format!(
                "ReLU ends with {} of its hidden units dead at a high learning rate and {} after a -1 bias shift; \
             Leaky ReLU with {} and {} (its 'dead' units keep a 0.01 slope and still learn). At initialisation a \
             10-layer ReLU network of width 2 is born dead (constant) with probability {}, of width 10 with {}.",
                fmt3(relu_dead[0]),
                fmt3(relu_dead[1]),
                leaky_dead[0].map_or("—".into(), fmt3),
                leaky_dead[1].map_or("—".into(), fmt3),
                fmt3(born[0].1),
                fmt3(born[born.len() - 1].1)
            )
        };
        let mut figures = vec![Figure {
            file: "dead_units.png".into(),
            caption: "Fraction of dead hidden units during training".into(),
        }];
        if !slope_rows.is_empty() {
            figures.push(Figure {
                file: "prelu_slopes.png".into(),
                caption: "PReLU slopes learned per channel and layer".into(),
            });
        }
        let mut tables = vec![
            Table {
                caption: format!("spirals, 4 × 32 hidden units, {steps} steps of batch 64; dead = pre-activation ≤ 0 on every training example"),
                header: ["setting", "activation", "dead at start", "dead at end", "test accuracy"].map(String::from).to_vec(),
                rows,
            },
            Table {
                caption: format!("born dead: 10 hidden ReLU layers, He normal weights, zero biases, {nets} networks per width, 1-d inputs on [-√3, √3]"),
                header: vec!["width".into(), "fraction of constant networks".into()],
                rows: born_rows,
            },
        ];
        if !slope_rows.is_empty() {
            tables.push(Table {
                caption: "PReLU slopes learned per layer (init 0.25, no weight decay)".into(),
                header: ["setting", "layer", "mean", "std", "min", "max"]
                    .map(String::from)
                    .to_vec(),
                rows: slope_rows,
            });
        }
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables,
            figures,
            published: vec![
                Published {
                    what: "born-dead probability, depth 10, width 2 / 3 / 5 / 10".into(),
                    published: "0.92 / 0.63 / 0.15 / 0.005".into(),
                    ours: born
                        .iter()
                        .filter(|b| [2, 3, 5, 10].contains(&b.0))
                        .map(|b| fmt3(b.1))
                        .collect::<Vec<_>>()
                        .join(" / "),
                    source: "Lu, Shin, Su & Karniadakis 2020 (review numbers, lab-protocols §4.1)".into(),
                },
                Published {
                    what: "PReLU learned slopes".into(),
                    published: "first layer large (0.60–0.68), deeper layers smaller (0.03–0.3)".into(),
                    ours: "see the PReLU table".into(),
                    source: "He et al. 2015, Table 1".into(),
                },
            ],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!({"training": data, "born_dead": born}),
        })
    }
}
