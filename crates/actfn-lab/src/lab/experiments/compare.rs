//! `compare`: the same architecture trained with every activation on classification
//! and regression tasks, several seeds each; accuracy or loss, steps to a target, time
//! per step, and a ranking per task type against the lecture's rule of thumb.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use actfn::Activation;
use anyhow::Result;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Conv2dConfig, Optimizer, VarBuilder, VarMap};
use indicatif::ProgressBar;
use serde_json::json;

use super::tasks::{TaskInfo, TaskKind};
use super::{task, task_names};
use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{loss, score, train, Init, Mlp, MlpSpec, Opt, Targets, Task, TrainConfig};
use crate::lab::{fmt3, mean_std, Experiment, Figure, LabOptions, Outcome, Published, Table, Verdict};

pub struct Compare;

const DEFAULT_ACTS: &[&str] = &[
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "tanh",
    "sigmoid",
    "hardswish",
    "softsign",
];

/// One training run's results.
#[derive(Clone, Debug, serde::Serialize)]
struct Run {
    task: String,
    model: String,
    act: String,
    seed: u64,
    score: f64,
    steps_to_target: Option<usize>,
    seconds_per_step: f64,
}

/// A small CNN for 8×8 digits: conv 3×3 (16) → act → conv 3×3 stride 2 (32) → act →
/// linear 10.
struct Cnn {
    c1: candle_nn::Conv2d,
    c2: candle_nn::Conv2d,
    fc: candle_nn::Linear,
    act: Activation,
}

impl Cnn {
    fn new(act: &Activation, vb: VarBuilder) -> Result<Self> {
        let same = Conv2dConfig {
            padding: 1,
            ..Default::default()
        };
        let down = Conv2dConfig {
            padding: 1,
            stride: 2,
            ..Default::default()
        };
        Ok(Cnn {
            c1: candle_nn::conv2d(1, 16, 3, same, vb.pp("c1"))?,
            c2: candle_nn::conv2d(16, 32, 3, down, vb.pp("c2"))?,
            fc: candle_nn::linear(32 * 4 * 4, 10, vb.pp("fc"))?,
            act: act.clone(),
        })
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let n = x.dim(0)?;
        let h = actfn_candle::act(&self.c1.forward(&x.reshape((n, 1, 8, 8))?)?, &self.act)?;
        let h = actfn_candle::act(&self.c2.forward(&h)?, &self.act)?;
        Ok(self.fc.forward(&h.reshape((n, 32 * 4 * 4))?)?)
    }
}

/// One training run to do: a prepared (task, seed), an activation, MLP or CNN.
struct Job {
    prepared: usize,
    act: usize,
    cnn: bool,
}

/// Trains the 2 × 64 MLP; (final test score, first step reaching the target, seconds per step).
#[allow(clippy::too_many_arguments)]
fn run_mlp(
    act: &Activation,
    task: &Task,
    info: &TaskInfo,
    kind: TaskKind,
    seed: u64,
    steps: usize,
    eval_every: usize,
    target: f64,
) -> Result<(f64, Option<usize>, f64)> {
    let spec = MlpSpec {
        input: info.inputs,
        hidden: vec![64, 64],
        output: info.outputs,
        act: act.clone(),
        init: Init::Proper,
        bias_shift: 0.0,
    };
    let mlp = Mlp::new(spec, seed, &Device::Cpu)?;
    let cfg = TrainConfig {
        steps,
        freeze_output: false,
        batch: 64,
        opt: Opt::Adam { lr: 1e-2 },
        eval_every,
        seed,
    };
    let start = Instant::now();
    let curve = train(&mlp, task, cfg, |_| {})?;
    let secs = start.elapsed().as_secs_f64() / steps as f64;
    let hit = curve
        .iter()
        .find(|p| reached(kind, p.test_score, target))
        .map(|p| p.step);
    Ok((curve.last().map_or(f64::NAN, |p| p.test_score), hit, secs))
}

/// Trains the small CNN on the 8×8 digits.
fn run_cnn(
    act: &Activation,
    task: &Task,
    seed: u64,
    steps: usize,
    eval_every: usize,
) -> Result<(f64, Option<usize>, f64)> {
    let device = Device::Cpu;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device);
    let cnn = Cnn::new(act, vb)?;
    let mut opt = candle_nn::AdamW::new(
        varmap.all_vars(),
        candle_nn::ParamsAdamW {
            lr: 3e-3,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    let mut rng = actfn_candle::init::Rng::new(seed);
    let ntr = task.x_train.dim(0)?;
    let Targets::Classes(y, k) = &task.y_train else {
        anyhow::bail!("the CNN needs class labels")
    };
    let start = Instant::now();
    let mut hit = None;
    for step in 1..=steps {
        let idx: Vec<u32> = (0..64).map(|_| (rng.next_u64() % ntr as u64) as u32).collect();
        let idx = Tensor::new(idx.as_slice(), &device)?;
        let l = loss(
            &cnn.forward(&task.x_train.index_select(&idx, 0)?)?,
            &Targets::Classes(y.index_select(&idx, 0)?, *k),
        )?;
        opt.backward_step(&l)?;
        if hit.is_none() && step % eval_every == 0 && score(&cnn.forward(&task.x_test)?, &task.y_test)? >= 0.9 {
            hit = Some(step);
        }
    }
    let secs = start.elapsed().as_secs_f64() / steps as f64;
    Ok((score(&cnn.forward(&task.x_test)?, &task.y_test)?, hit, secs))
}

/// The target a run must reach: accuracy 0.9 (classification) or an MSE of 10% of the
/// targets' variance (regression).
fn reached(kind: TaskKind, score: f64, target: f64) -> bool {
    match kind {
        TaskKind::Classification => score >= target,
        TaskKind::Regression => score <= target,
    }
}

fn variance(t: &Targets) -> Result<f64> {
    Ok(match t {
        Targets::Values(v) => {
            let v = v.to_dtype(DType::F64)?;
            let m = v.mean_all()?.to_scalar::<f64>()?;
            (v - m)?.sqr()?.mean_all()?.to_scalar::<f64>()?
        }
        Targets::Classes(..) => 1.0,
    })
}

impl Experiment for Compare {
    fn name(&self) -> &'static str {
        "compare"
    }
    fn title(&self) -> &'static str {
        "Which activation for which task"
    }
    fn claim(&self) -> &'static str {
        "Rule of thumb: ReLU for classification (Leaky ReLU / PReLU when ReLU fails), tanh for regression"
    }

    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        let device = Device::Cpu;
        let acts = match opts.profile {
            crate::lab::Profile::Tiny => opts.acts_or(&["relu", "leaky_relu", "tanh"])?,
            _ => opts.acts_or(DEFAULT_ACTS)?,
        };
        let seeds: Vec<u64> = (0..opts.profile.pick(2u64, 5, 10)).map(|s| opts.seed + s).collect();
        let steps = opts.steps_or(opts.profile.pick(40, 250, 3000));
        let n = opts.profile.pick(200, 500, 2000);
        let tasks = task_names();
        let eval_every = (steps / 20).max(1);
        // Every (task, seed) data set once, then every run as an independent job.
        let mut prepared = Vec::new();
        for &(name, kind) in tasks {
            let samples = match name {
                "digits" => 1797,
                "mnist1d" => opts.profile.pick(1000, 4000, 5000),
                _ => n,
            };
            for &seed in &seeds {
                let (task, info) = task(name, samples, seed, 0.8, &device)?;
                let target = match kind {
                    TaskKind::Classification => 0.9,
                    TaskKind::Regression => 0.1 * variance(&task.y_test)?,
                };
                prepared.push((name, kind, seed, task, info, target));
            }
        }
        let mut jobs: Vec<Job> = Vec::new();
        for (p, prep) in prepared.iter().enumerate() {
            for a in 0..acts.len() {
                jobs.push(Job {
                    prepared: p,
                    act: a,
                    cnn: false,
                });
            }
            if prep.0 == "digits" {
                for a in 0..acts.len() {
                    jobs.push(Job {
                        prepared: p,
                        act: a,
                        cnn: true,
                    });
                }
            }
        }
        bar.set_length(jobs.len() as u64);
        // Runs are independent and seeded, so they can go to every core: results do not
        // depend on the order (time per step is measured with all cores busy).
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(Vec::new());
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let (name, kind, seed, task, info, target) = &prepared[job.prepared];
                    let act = &acts[job.act];
                    let run = if job.cnn {
                        run_cnn(act, task, *seed, steps, eval_every)
                    } else {
                        run_mlp(act, task, info, *kind, *seed, steps, eval_every, *target)
                    }
                    .map(|(score, hit, secs)| Run {
                        task: name.to_string(),
                        model: if job.cnn { "CNN".into() } else { "MLP 2 × 64".into() },
                        act: act.to_string(),
                        seed: *seed,
                        score,
                        steps_to_target: hit,
                        seconds_per_step: secs,
                    });
                    results.lock().expect("no panics while holding the lock").push((i, run));
                    bar.inc(1);
                });
            }
        });
        let mut results = results.into_inner().expect("workers finished");
        results.sort_by_key(|r| r.0);
        let runs: Vec<Run> = results.into_iter().map(|r| r.1).collect::<Result<_>>()?;

        // Aggregate: (task, model) × act → mean ± std.
        let mut groups: BTreeMap<(String, String), BTreeMap<String, Vec<&Run>>> = BTreeMap::new();
        for r in &runs {
            groups
                .entry((r.task.clone(), r.model.clone()))
                .or_default()
                .entry(r.act.clone())
                .or_default()
                .push(r);
        }
        let kind_of = |t: &str| {
            tasks
                .iter()
                .find(|x| x.0 == t)
                .map_or(TaskKind::Classification, |x| x.1)
        };
        let mut tables = Vec::new();
        let mut ranks: BTreeMap<(TaskKind, String), Vec<f64>> = BTreeMap::new();
        let mut bars_class = Vec::new();
        let mut class_names: Vec<String> = Vec::new();
        for ((task_name, model), by_act) in &groups {
            let kind = kind_of(task_name);
            let mut rows = Vec::new();
            let mut means: Vec<(String, f64)> = Vec::new();
            for act in &acts {
                let key = act.to_string();
                let Some(rs) = by_act.get(&key) else { continue };
                let scores: Vec<f64> = rs.iter().map(|r| r.score).collect();
                let (m, s) = mean_std(&scores);
                let hits: Vec<f64> = rs.iter().filter_map(|r| r.steps_to_target.map(|v| v as f64)).collect();
                let steps_cell = if hits.is_empty() {
                    "never".to_string()
                } else {
                    format!("{} ({}/{})", fmt3(mean_std(&hits).0), hits.len(), rs.len())
                };
                let ms = rs.iter().map(|r| r.seconds_per_step).sum::<f64>() / rs.len() as f64 * 1e3;
                rows.push(vec![
                    key.clone(),
                    format!("{} ± {}", fmt3(m), fmt3(s)),
                    steps_cell,
                    fmt3(ms),
                ]);
                means.push((key, m));
            }
            // Rank within this task (1 = best).
            let mut order = means.clone();
            order.sort_by(|a, b| match kind {
                TaskKind::Classification => b.1.total_cmp(&a.1),
                TaskKind::Regression => a.1.total_cmp(&b.1),
            });
            for (i, (act, _)) in order.iter().enumerate() {
                ranks.entry((kind, act.clone())).or_default().push((i + 1) as f64);
            }
            if kind == TaskKind::Classification {
                bars_class.push(Series::new(
                    format!("{task_name} ({model})"),
                    means.iter().enumerate().map(|(i, m)| (i as f64, m.1)).collect(),
                ));
                class_names = means.iter().map(|m| m.0.clone()).collect();
            }
            let metric = match kind {
                TaskKind::Classification => "test accuracy",
                TaskKind::Regression => "test MSE",
            };
            tables.push(Table {
                caption: format!(
                    "{task_name}, {model}: {metric} over {} seeds, steps to target, time per step",
                    seeds.len()
                ),
                header: vec![
                    "activation".into(),
                    format!("{metric} (mean ± std)"),
                    "steps to target (runs reaching it)".into(),
                    "ms / step".into(),
                ],
                rows,
            });
        }
        let mut rank_rows = Vec::new();
        let mean_rank = |kind: TaskKind, act: &str| ranks.get(&(kind, act.to_string())).map(|v| mean_std(v).0);
        let mut class_order: Vec<(String, f64)> = acts
            .iter()
            .filter_map(|a| mean_rank(TaskKind::Classification, &a.to_string()).map(|r| (a.to_string(), r)))
            .collect();
        class_order.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut reg_order: Vec<(String, f64)> = acts
            .iter()
            .filter_map(|a| mean_rank(TaskKind::Regression, &a.to_string()).map(|r| (a.to_string(), r)))
            .collect();
        reg_order.sort_by(|a, b| a.1.total_cmp(&b.1));
        for act in &acts {
            let a = act.to_string();
            rank_rows.push(vec![
                a.clone(),
                mean_rank(TaskKind::Classification, &a).map_or("—".into(), fmt3),
                mean_rank(TaskKind::Regression, &a).map_or("—".into(), fmt3),
            ]);
        }
        let pos = |order: &[(String, f64)], name: &str| order.iter().position(|o| o.0 == name).map(|p| p + 1);
        let top = acts.len().div_ceil(4).max(1);
        let relu_pos = pos(&class_order, "relu");
        let tanh_pos = pos(&reg_order, "tanh");
        let supported = relu_pos.is_some_and(|p| p <= top) && tanh_pos.is_some_and(|p| p <= top);
        let summary = format!(
            "Mean rank over the classification tasks: best {} ({}), ReLU is {} of {}. Over the regression tasks: best \
             {} ({}), tanh is {} of {}. The rule of thumb {} (counted as holding when both are in the top quarter).",
            class_order.first().map_or("—", |o| o.0.as_str()),
            class_order.first().map_or("—".into(), |o| fmt3(o.1)),
            relu_pos.map_or("—".into(), |p| p.to_string()),
            class_order.len(),
            reg_order.first().map_or("—", |o| o.0.as_str()),
            reg_order.first().map_or("—".into(), |o| fmt3(o.1)),
            tanh_pos.map_or("—".into(), |p| p.to_string()),
            reg_order.len(),
            if supported { "holds here" } else { "does not hold here" }
        );
        tables.insert(
            0,
            Table {
                caption: "mean rank per task type (1 = best)".into(),
                header: vec!["activation".into(), "classification".into(), "regression".into()],
                rows: rank_rows,
            },
        );
        chart::line_png(
            &dir.join("classification.png"),
            &Panel {
                title: "mean test accuracy of each activation, per classification task".into(),
                x_label: "activation".into(),
                y_label: "mean test accuracy".into(),
                series: bars_class,
                log_y: false,
                x_names: Some(class_names),
            },
            (1000, 500),
        )?;
        let mnist = groups
            .get(&("mnist1d".to_string(), "MLP 2 × 64".to_string()))
            .and_then(|g| g.get("relu"))
            .map(|rs| mean_std(&rs.iter().map(|r| r.score).collect::<Vec<_>>()).0);
        let cnn = groups
            .get(&("digits".to_string(), "CNN".to_string()))
            .and_then(|g| g.get("relu"))
            .map(|rs| mean_std(&rs.iter().map(|r| r.score).collect::<Vec<_>>()).0);
        Ok(Outcome {
            name: self.name().into(),
            title: self.title().into(),
            claim: self.claim().into(),
            verdict: Verdict { supported, summary },
            tables,
            figures: vec![Figure {
                file: "classification.png".into(),
                caption: "Mean test accuracy of each activation on each classification task".into(),
            }],
            published: vec![
                Published {
                    what: "MNIST-1D, ReLU MLP test accuracy".into(),
                    published: "68% (README; 40→100→100→10, 6000 steps)".into(),
                    ours: mnist.map_or("—".into(), |m| format!("{} (2 × 64, {steps} steps)", fmt3(m))),
                    source: "Greydanus 2020".into(),
                },
                Published {
                    what: "digits (8×8), small network test accuracy".into(),
                    published: "typically mid-to-high 90s % (lab-protocols §5.2)".into(),
                    ours: cnn.map_or("—".into(), |m| format!("CNN with ReLU: {}", fmt3(m))),
                    source: "scikit-learn digits".into(),
                },
            ],
            seconds: 0.0,
            profile: opts.profile,
            seed: opts.seed,
            data: json!({"runs": runs, "classification_rank": class_order, "regression_rank": reg_order, "target_classification": 0.9, "target_regression": "0.1 × variance of the test targets"}),
        })
    }
}
