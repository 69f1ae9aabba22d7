//! `compare`: the same architecture trained with every activation on classification
//! and regression tasks, several seeds each; accuracy or loss, steps to a target, time
//! per step, and a ranking per task type against the lecture's rule of thumb.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use actfn::Activation;
use actfn_candle::init::{self, Scheme};
use actfn_candle::PReLU;
use anyhow::Result;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Optimizer, VarBuilder, VarMap};
use indicatif::ProgressBar;
use serde_json::json;

use super::tasks::user_task;
use super::tasks::{TaskInfo, TaskKind};
use super::{task, task_names};
use crate::lab::chart::{self, Panel, Series};
use crate::lab::net::{loss, proper_scheme, score, train, Init, Mlp, MlpSpec, Opt, Targets, Task, TrainConfig};
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

/// A small CNN for 8×8 digits: conv 3×3 (`c1` channels, padding 1) → act → conv 3×3
/// stride 2 (`c2` channels, padding 1) → act → linear 10. The convolutions are written
/// as im2col: a fixed gather of each output pixel's 3×3 neighbourhood (zero padding
/// through an extra zero pixel) and one matrix product, which trains many times faster
/// on a CPU than candle's direct conv2d kernels and computes the same function.
struct Cnn {
    w1: Tensor,
    b1: Tensor,
    w2: Tensor,
    b2: Tensor,
    fc_w: Tensor,
    fc_b: Tensor,
    /// `64 × 9` pixel indices of conv 1's patches (64 = the zero pixel).
    idx1: Tensor,
    /// `16 × 9` pixel indices of conv 2's patches.
    idx2: Tensor,
    prelus: Vec<PReLU>,
    act: Activation,
    c1: usize,
    c2: usize,
}

/// Indices of the 3×3 patches of an 8×8 image with padding 1 and `stride`, row-major
/// output pixels × kernel taps; out-of-image taps point at pixel 64 (a zero).
fn patch_indices(stride: usize) -> Vec<u32> {
    let side = 8 / stride;
    let mut idx = Vec::with_capacity(side * side * 9);
    for i in 0..side {
        for j in 0..side {
            for di in -1i64..=1 {
                for dj in -1i64..=1 {
                    let (r, c) = ((i * stride) as i64 + di, (j * stride) as i64 + dj);
                    idx.push(if (0..8).contains(&r) && (0..8).contains(&c) {
                        (r * 8 + c) as u32
                    } else {
                        64
                    });
                }
            }
        }
    }
    idx
}

impl Cnn {
    fn new(act: &Activation, channels: (usize, usize), seed: u64, vb: &VarBuilder, device: &Device) -> Result<Self> {
        let (c1, c2) = channels;
        let mut rng = actfn_candle::init::Rng::new(seed);
        let hidden = proper_scheme(act).0;
        let zero = Scheme::Const(0.0);
        let w1 = init::var(&vb.pp("c1"), (c1, 9), "weight", hidden, &mut rng)?;
        let b1 = init::var(&vb.pp("c1"), c1, "bias", zero, &mut rng)?;
        let w2 = init::var(&vb.pp("c2"), (c2, 9 * c1), "weight", hidden, &mut rng)?;
        let b2 = init::var(&vb.pp("c2"), c2, "bias", zero, &mut rng)?;
        let fc_w = init::var(
            &vb.pp("fc"),
            (10, 16 * c2),
            "weight",
            Scheme::XavierNormal { gain: 1.0 },
            &mut rng,
        )?;
        let fc_b = init::var(&vb.pp("fc"), 10, "bias", zero, &mut rng)?;
        let mut prelus = Vec::new();
        if act.kind() == actfn::Kind::Prelu {
            let w0 = act.prelu_weight()[0];
            prelus.push(PReLU::with_init(c1, w0, vb.pp("c1.prelu"))?);
            prelus.push(PReLU::with_init(c2, w0, vb.pp("c2.prelu"))?);
        }
        Ok(Cnn {
            w1,
            b1,
            w2,
            b2,
            fc_w,
            fc_b,
            idx1: Tensor::new(patch_indices(1).as_slice(), device)?,
            idx2: Tensor::new(patch_indices(2).as_slice(), device)?,
            prelus,
            act: act.clone(),
            c1,
            c2,
        })
    }

    /// The activation of conv layer `layer` on `z` (`rows × channels`), per channel for PReLU.
    fn activate(&self, layer: usize, z: &Tensor) -> Result<Tensor> {
        Ok(match self.prelus.get(layer) {
            Some(p) => p.forward(z)?,
            None => actfn_candle::act(z, &self.act)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let n = x.dim(0)?;
        let (c1, c2) = (self.c1, self.c2);
        // conv 1: (n, 64 + zero pixel) → patches (n·64, 9) → (n·64, c1).
        let x = Tensor::cat(&[x, &Tensor::zeros((n, 1), x.dtype(), x.device())?], 1)?;
        let p1 = x.index_select(&self.idx1, 1)?.reshape((n * 64, 9))?;
        let h1 = self.activate(0, &p1.matmul(&self.w1.t()?)?.broadcast_add(&self.b1)?)?;
        // conv 2, stride 2: (n, 64 + zero pixel, c1) → patches (n·16, 9·c1) → (n·16, c2).
        let h1 = h1.reshape((n, 64, c1))?;
        let h1 = Tensor::cat(&[&h1, &Tensor::zeros((n, 1, c1), h1.dtype(), h1.device())?], 1)?;
        let p2 = h1.index_select(&self.idx2, 1)?.reshape((n * 16, 9 * c1))?;
        let h2 = self.activate(1, &p2.matmul(&self.w2.t()?)?.broadcast_add(&self.b2)?)?;
        let h2 = h2.reshape((n, 16 * c2))?;
        Ok(h2.matmul(&self.fc_w.t()?)?.broadcast_add(&self.fc_b)?)
    }
}

/// One training run to do: a prepared (data set, seed), an activation, MLP or CNN.
struct Job {
    prepared: usize,
    act: usize,
    cnn: bool,
}

/// A data set ready for training, shared by every seed that uses it.
struct Prepared {
    name: String,
    kind: TaskKind,
    task: Task,
    info: TaskInfo,
    /// The score a run must reach (accuracy, or MSE).
    target: f64,
    /// The variance of the test targets (1 for classification).
    variance: f64,
}

/// The sizes of a comparison.
#[derive(Clone, Copy, Debug, serde::Serialize)]
struct Sizes {
    seeds: usize,
    steps: usize,
    /// Samples of each synthetic set (before the 80/20 split).
    samples: usize,
    mnist1d: usize,
    hidden: usize,
    batch: usize,
    cnn_channels: (usize, usize),
}

impl Sizes {
    fn of(opts: &LabOptions) -> Sizes {
        let p = opts.profile;
        Sizes {
            seeds: p.pick(2, 5, 10),
            steps: opts.steps_or(p.pick(40, 200, 3000)),
            samples: p.pick(200, 400, 2000),
            mnist1d: p.pick(1000, 2000, 5000),
            hidden: p.pick(32, 48, 64),
            batch: 64,
            cnn_channels: p.pick((8, 16), (8, 16), (16, 32)),
        }
    }
}

/// Trains the MLP; (final test score, first evaluated step reaching the target, seconds
/// per step).
#[allow(clippy::too_many_arguments)]
fn run_mlp(
    act: &Activation,
    prep: &Prepared,
    seed: u64,
    sizes: &Sizes,
    eval_every: usize,
) -> Result<(f64, Option<usize>, f64)> {
    let spec = MlpSpec {
        input: prep.info.inputs,
        hidden: vec![sizes.hidden, sizes.hidden],
        output: prep.info.outputs,
        act: act.clone(),
        init: Init::Proper,
        bias_shift: 0.0,
    };
    let mlp = Mlp::new(spec, seed, &Device::Cpu)?;
    let cfg = TrainConfig {
        steps: sizes.steps,
        freeze_output: false,
        batch: sizes.batch,
        opt: Opt::Adam { lr: 1e-2 },
        eval_every,
        seed,
    };
    let start = Instant::now();
    let curve = train(&mlp, &prep.task, cfg, |_| {})?;
    let secs = start.elapsed().as_secs_f64() / sizes.steps as f64;
    let hit = curve
        .iter()
        .find(|p| reached(prep.kind, p.test_score, prep.target))
        .map(|p| p.step);
    Ok((curve.last().map_or(f64::NAN, |p| p.test_score), hit, secs))
}

/// Trains the small CNN on the 8×8 digits.
fn run_cnn(
    act: &Activation,
    task: &Task,
    seed: u64,
    sizes: &Sizes,
    eval_every: usize,
) -> Result<(f64, Option<usize>, f64)> {
    let device = Device::Cpu;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device);
    let cnn = Cnn::new(act, sizes.cnn_channels, seed, &vb, &device)?;
    let mut opt = candle_nn::AdamW::new(
        varmap.all_vars(),
        candle_nn::ParamsAdamW {
            lr: 3e-3,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    let mut rng = actfn_candle::init::Rng::new(seed ^ 0x5eed);
    let ntr = task.x_train.dim(0)?;
    let Targets::Classes(y, k) = &task.y_train else {
        anyhow::bail!("the CNN needs class labels")
    };
    let start = Instant::now();
    let mut hit = None;
    for step in 1..=sizes.steps {
        let idx: Vec<u32> = (0..sizes.batch).map(|_| (rng.next_u64() % ntr as u64) as u32).collect();
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
    let secs = start.elapsed().as_secs_f64() / sizes.steps as f64;
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
        CLAIM
    }
    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        run_compare(self.name(), self.title(), opts, dir, bar, None)
    }
}

const CLAIM: &str = "Rule of thumb: most often ReLU is fine for classification (Leaky ReLU / PReLU when ReLU \
                     fails); tanh is quite ok for regression";

/// `compare` on the user's data set (`actfn lab compare --data PATH`): every activation
/// trained on that one classification task; results go to `OUT/compare-data/`.
pub struct CompareData {
    pub path: PathBuf,
}

impl Experiment for CompareData {
    fn name(&self) -> &'static str {
        "compare-data"
    }
    fn title(&self) -> &'static str {
        "Which activation for your data"
    }
    fn claim(&self) -> &'static str {
        CLAIM
    }
    fn run(&self, opts: &LabOptions, dir: &Path, bar: &ProgressBar) -> Result<Outcome> {
        run_compare(self.name(), self.title(), opts, dir, bar, Some(&self.path))
    }
}

/// A margin within which a score counts as "as good as the best": the practical one
/// (`practical`), or two standard errors of the difference of the means over the seeds
/// when the seeds scatter more than that.
fn margin(a: (f64, f64), b: (f64, f64), seeds: usize, practical: f64) -> f64 {
    let se = ((a.1 * a.1 + b.1 * b.1) / seeds.max(1) as f64).sqrt();
    practical.max(2.0 * se)
}

fn run_compare(
    name: &'static str,
    title: &'static str,
    opts: &LabOptions,
    dir: &Path,
    bar: &ProgressBar,
    user: Option<&Path>,
) -> Result<Outcome> {
    let device = Device::Cpu;
    let acts = match opts.profile {
        crate::lab::Profile::Tiny => opts.acts_or(&["relu", "leaky_relu", "tanh"])?,
        _ => opts.acts_or(DEFAULT_ACTS)?,
    };
    let sizes = Sizes::of(opts);
    let seeds: Vec<u64> = (0..sizes.seeds as u64).map(|s| opts.seed + s).collect();
    let steps = sizes.steps;
    let eval_every = (steps / 20).max(1);
    // Every data set once (per seed for the generated ones: the seed draws the data too;
    // once for the user's: a fixed split), then every run as an independent job.
    let mut prepared: Vec<Prepared> = Vec::new();
    let mut uses: Vec<(usize, u64)> = Vec::new();
    let mut add = |task: Task, info: TaskInfo, kind: TaskKind| -> Result<usize> {
        let variance = variance(&task.y_test)?;
        let target = match kind {
            TaskKind::Classification => 0.9,
            TaskKind::Regression => 0.1 * variance,
        };
        prepared.push(Prepared {
            name: info.name.clone(),
            kind,
            task,
            info,
            target,
            variance,
        });
        Ok(prepared.len() - 1)
    };
    let mut task_kinds: Vec<(String, TaskKind)> = Vec::new();
    match user {
        Some(path) => {
            let (task, info) = user_task(path, &device)?;
            task_kinds.push((info.name.clone(), TaskKind::Classification));
            let p = add(task, info, TaskKind::Classification)?;
            uses.extend(seeds.iter().map(|&s| (p, s)));
        }
        None => {
            for &(task_name, kind) in task_names() {
                task_kinds.push((task_name.to_string(), kind));
                let samples = match task_name {
                    "digits" => 1797,
                    "mnist1d" => sizes.mnist1d,
                    _ => sizes.samples,
                };
                for &seed in &seeds {
                    let (task, info) = task(task_name, samples, seed, 0.8, &device)?;
                    let p = add(task, info, kind)?;
                    uses.push((p, seed));
                }
            }
        }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for (u, &(p, _)) in uses.iter().enumerate() {
        for a in 0..acts.len() {
            jobs.push(Job {
                prepared: u,
                act: a,
                cnn: false,
            });
        }
        if user.is_none() && prepared[p].name == "digits" {
            for a in 0..acts.len() {
                jobs.push(Job {
                    prepared: u,
                    act: a,
                    cnn: true,
                });
            }
        }
    }
    // The CNN jobs are the longest: start them first so the cores finish together.
    jobs.sort_by_key(|j| !j.cnn);
    bar.set_length(jobs.len() as u64);
    let mlp_name = format!("MLP 2 × {}", sizes.hidden);
    let cnn_name = format!("CNN {}-{}", sizes.cnn_channels.0, sizes.cnn_channels.1);
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
                let (p, seed) = uses[job.prepared];
                let prep = &prepared[p];
                let act = &acts[job.act];
                let run = if job.cnn {
                    run_cnn(act, &prep.task, seed, &sizes, eval_every)
                } else {
                    run_mlp(act, prep, seed, &sizes, eval_every)
                }
                .map(|(score, hit, secs)| Run {
                    task: prep.name.clone(),
                    model: if job.cnn { cnn_name.clone() } else { mlp_name.clone() },
                    act: act.to_string(),
                    seed,
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
    let mut runs: Vec<Run> = results.into_iter().map(|r| r.1).collect::<Result<_>>()?;
    // Report order: by task, model, activation, seed (independent of the job order).
    runs.sort_by(|a, b| (&a.task, &a.model, &a.act, a.seed).cmp(&(&b.task, &b.model, &b.act, b.seed)));
    let variance_of = |t: &str| prepared.iter().find(|p| p.name == t).map_or(1.0, |p| p.variance);

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
        task_kinds
            .iter()
            .find(|x| x.0 == t)
            .map_or(TaskKind::Classification, |x| x.1)
    };
    let mut tables = Vec::new();
    let mut ranks: BTreeMap<(TaskKind, String), Vec<f64>> = BTreeMap::new();
    let mut bars_class = Vec::new();
    let mut class_names: Vec<String> = Vec::new();
    // The rule of thumb per (task, model): (task, model, kind, holds, words).
    let mut checks: Vec<(String, TaskKind, bool, String)> = Vec::new();
    // Where ReLU fell short: did Leaky ReLU or PReLU do better?
    let mut relu_failures: Vec<(String, bool)> = Vec::new();
    for ((task_name, model), by_act) in &groups {
        let kind = kind_of(task_name);
        let mut rows = Vec::new();
        let mut means: Vec<(String, f64, f64)> = Vec::new();
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
            means.push((key, m, s));
        }
        // Rank within this task (1 = best).
        let mut order = means.clone();
        order.sort_by(|a, b| match kind {
            TaskKind::Classification => b.1.total_cmp(&a.1),
            TaskKind::Regression => a.1.total_cmp(&b.1),
        });
        for (i, (act, ..)) in order.iter().enumerate() {
            ranks.entry((kind, act.clone())).or_default().push((i + 1) as f64);
        }
        // The rule of thumb on this task: the recommended activation against the best.
        let find = |n: &str| means.iter().find(|m| m.0 == n);
        let label = format!("{task_name} ({model})");
        if let (Some(best), TaskKind::Classification) = (order.first(), kind) {
            if let Some(relu) = find("relu") {
                let gap = best.1 - relu.1;
                let fine = gap <= margin((best.1, best.2), (relu.1, relu.2), seeds.len(), 0.02);
                checks.push((
                    label.clone(),
                    kind,
                    fine,
                    format!("ReLU {} vs best {} {}", fmt3(relu.1), best.0, fmt3(best.1)),
                ));
                if !fine {
                    let alt = ["leaky_relu", "prelu"]
                        .iter()
                        .filter_map(|n| find(n))
                        .map(|m| m.1)
                        .fold(f64::NEG_INFINITY, f64::max);
                    relu_failures.push((label.clone(), alt > relu.1));
                }
            }
        }
        if let (Some(best), TaskKind::Regression) = (order.first(), kind) {
            if let Some(tanh) = find("tanh") {
                let gap = tanh.1 - best.1;
                let practical = 0.02 * variance_of(task_name);
                let ok = gap <= margin((best.1, best.2), (tanh.1, tanh.2), seeds.len(), practical);
                checks.push((
                    label.clone(),
                    kind,
                    ok,
                    format!("tanh {} vs best {} {}", fmt3(tanh.1), best.0, fmt3(best.1)),
                ));
            }
        }
        if kind == TaskKind::Classification {
            bars_class.push(Series::new(
                label.clone(),
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
    let order_of = |kind: TaskKind| {
        let mut o: Vec<(String, f64)> = acts
            .iter()
            .filter_map(|a| mean_rank(kind, &a.to_string()).map(|r| (a.to_string(), r)))
            .collect();
        o.sort_by(|a, b| a.1.total_cmp(&b.1));
        o
    };
    let class_order = order_of(TaskKind::Classification);
    let reg_order = order_of(TaskKind::Regression);
    for act in &acts {
        let a = act.to_string();
        rank_rows.push(vec![
            a.clone(),
            mean_rank(TaskKind::Classification, &a).map_or("—".into(), fmt3),
            mean_rank(TaskKind::Regression, &a).map_or("—".into(), fmt3),
        ]);
    }
    let pos = |order: &[(String, f64)], name: &str| order.iter().position(|o| o.0 == name).map(|p| p + 1);
    let count = |kind: TaskKind| {
        let of_kind: Vec<_> = checks.iter().filter(|c| c.1 == kind).collect();
        (of_kind.iter().filter(|c| c.2).count(), of_kind.len())
    };
    let (relu_fine, n_class) = count(TaskKind::Classification);
    let (tanh_ok, n_reg) = count(TaskKind::Regression);
    let helped = relu_failures.iter().filter(|f| f.1).count();
    // "Most often": on more than half of the tasks of the kind (a part with no task of
    // its kind, e.g. user data with no regression, is not tested).
    let most = |k: usize, n: usize| n == 0 || 2 * k > n;
    let mut verdict_note: Option<&str> = None;
    let has_relu = pos(&class_order, "relu").is_some();
    let has_tanh = pos(&reg_order, "tanh").is_some();
    let supported = (has_relu || has_tanh)
        && (!has_relu || most(relu_fine, n_class))
        && (!has_tanh || most(tanh_ok, n_reg))
        && (relu_failures.is_empty() || 2 * helped >= relu_failures.len());
    if !has_relu && !has_tanh {
        verdict_note = Some("the rule of thumb needs relu (classification) or tanh (regression) among --act");
    }
    let short: Vec<String> = checks
        .iter()
        .filter(|c| !c.2)
        .map(|c| format!("{} ({})", c.0, c.3))
        .collect();
    let summary = format!(
        "ReLU is as good as the best activation (within 2 accuracy points, or two standard errors over the seeds) \
         on {relu_fine} of {n_class} classification tasks; tanh is as good as the best (test MSE within 2% of the \
         targets' variance, or two standard errors) on {tanh_ok} of {n_reg} regression tasks. {}{}Mean rank over \
         the classification tasks: best {} ({}), ReLU {} of {}; over the regression tasks: best {} ({}), tanh {} of \
         {}. The rule of thumb {}.",
        if short.is_empty() {
            String::new()
        } else {
            format!("Short of the best: {}. ", short.join("; "))
        },
        if relu_failures.is_empty() {
            String::new()
        } else {
            format!(
                "Where ReLU fell short, Leaky ReLU or PReLU did better than ReLU on {helped} of {}. ",
                relu_failures.len()
            )
        },
        class_order.first().map_or("—", |o| o.0.as_str()),
        class_order.first().map_or("—".into(), |o| fmt3(o.1)),
        pos(&class_order, "relu").map_or("—".into(), |p| p.to_string()),
        class_order.len(),
        reg_order.first().map_or("—", |o| o.0.as_str()),
        reg_order.first().map_or("—".into(), |o| fmt3(o.1)),
        pos(&reg_order, "tanh").map_or("—".into(), |p| p.to_string()),
        reg_order.len(),
        if supported {
            "holds here (ReLU fine on most classification tasks, tanh on most regression tasks)"
        } else {
            "does not hold here"
        }
    );
    let summary = match verdict_note {
        Some(note) => format!("{note}. {summary}"),
        None => summary,
    };
    tables.insert(
        0,
        Table {
            caption: "mean rank per task type (1 = best)".into(),
            header: vec!["activation".into(), "classification".into(), "regression".into()],
            rows: rank_rows,
        },
    );
    tables.insert(
        1,
        Table {
            caption: "the rule of thumb per task: the recommended activation against the best one".into(),
            header: vec![
                "task".into(),
                "kind".into(),
                "as good as the best".into(),
                "means".into(),
            ],
            rows: checks
                .iter()
                .map(|c| {
                    vec![
                        c.0.clone(),
                        format!("{:?}", c.1).to_lowercase(),
                        if c.2 { "yes" } else { "no" }.into(),
                        c.3.clone(),
                    ]
                })
                .collect(),
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
    let relu_mean = |task: &str, model: &str| {
        groups
            .get(&(task.to_string(), model.to_string()))
            .and_then(|g| g.get("relu"))
            .map(|rs| mean_std(&rs.iter().map(|r| r.score).collect::<Vec<_>>()).0)
    };
    let mnist = relu_mean("mnist1d", &mlp_name);
    let cnn = relu_mean("digits", &cnn_name);
    let published = if user.is_some() {
        Vec::new()
    } else {
        vec![
            Published {
                what: "MNIST-1D, ReLU MLP test accuracy".into(),
                published: "68% (README; 40→100→100→10, 6000 steps)".into(),
                ours: mnist.map_or("—".into(), |m| {
                    format!("{} ({mlp_name}, {steps} steps, {} samples)", fmt3(m), sizes.mnist1d)
                }),
                source: "Greydanus 2020".into(),
            },
            Published {
                what: "digits (8×8), small network test accuracy".into(),
                published: "typically mid-to-high 90s % (lab-protocols §5.2)".into(),
                ours: cnn.map_or("—".into(), |m| format!("{cnn_name} with ReLU: {}", fmt3(m))),
                source: "scikit-learn digits".into(),
            },
        ]
    };
    Ok(Outcome {
        name: name.into(),
        title: title.into(),
        claim: CLAIM.into(),
        verdict: Verdict { supported, summary },
        tables,
        figures: vec![Figure {
            file: "classification.png".into(),
            caption: "Mean test accuracy of each activation on each classification task".into(),
        }],
        published,
        seconds: 0.0,
        profile: opts.profile,
        seed: opts.seed,
        data: json!({
            "runs": runs,
            "sizes": sizes,
            "data": user.map(|p| p.display().to_string()),
            "data_sets": prepared.iter().take(if user.is_some() { 1 } else { 0 }).map(|p| json!({
                "name": p.name,
                "features": p.info.inputs,
                "classes": p.info.outputs,
                "train_rows": p.task.x_train.dims().first().copied(),
                "test_rows": p.task.x_test.dims().first().copied(),
            })).collect::<Vec<_>>(),
            "classification_rank": class_order,
            "regression_rank": reg_order,
            "rule_of_thumb": checks.iter().map(|c| json!({"task": c.0, "kind": c.1, "holds": c.2, "means": c.3})).collect::<Vec<_>>(),
            "target_classification": 0.9,
            "target_regression": "0.1 × variance of the test targets",
        }),
    })
}
