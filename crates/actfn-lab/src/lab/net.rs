//! The networks the lab trains: multilayer perceptrons built from an activation spec,
//! with the initialisation that suits the activation, and their training loops.

use actfn::{Activation, Kind};
use actfn_candle::init::{self, Fan, Rng, Scheme};
use actfn_candle::PReLU;
use anyhow::{Context, Result};
use candle_core::{DType, Device, Module, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap, SGD};

/// How the weights of a layer are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// The initialisation each activation is designed for: He (Kaiming normal, fan in)
    /// for rectifiers, LeCun normal for SELU, Glorot (Xavier normal) for the saturating
    /// ones.
    Proper,
    /// Glorot normal for every activation (what sigmoid and tanh nets used in 2010).
    Glorot,
    /// PyTorch's `nn.Linear` default: `U(±1/√fan_in)` for weights and biases.
    PyTorchDefault,
}

/// The scheme `Init::Proper` picks for an activation, and its name.
pub fn proper_scheme(act: &Activation) -> (Scheme, &'static str) {
    use Kind::*;
    match act.kind() {
        Selu => (Scheme::LecunNormal, "LeCun normal"),
        Sigmoid | Tanh | Softsign | Hardtanh | Hardsigmoid | Identity | Linear | Step | Sine | Tanhshrink
        | LogSigmoid => (Scheme::XavierNormal { gain: 1.0 }, "Glorot normal"),
        LeakyRelu => {
            let s = act.param("negative_slope").unwrap_or(0.01);
            (
                Scheme::KaimingNormal {
                    fan: Fan::In,
                    gain: (2.0 / (1.0 + s * s)).sqrt(),
                },
                "He normal",
            )
        }
        _ => (
            Scheme::KaimingNormal {
                fan: Fan::In,
                gain: 2f64.sqrt(),
            },
            "He normal",
        ),
    }
}

/// The shape and activation of a multilayer perceptron.
#[derive(Clone, Debug)]
pub struct MlpSpec {
    pub input: usize,
    pub hidden: Vec<usize>,
    pub output: usize,
    pub act: Activation,
    pub init: Init,
    /// Added to every hidden bias after initialisation (a negative shift kills ReLUs).
    pub bias_shift: f64,
}

/// A multilayer perceptron: `hidden.len()` hidden layers with the activation, then a
/// linear output layer. PReLU gets one learnable slope per unit of each layer.
pub struct Mlp {
    pub spec: MlpSpec,
    pub varmap: VarMap,
    weights: Vec<Tensor>,
    biases: Vec<Tensor>,
    prelus: Vec<PReLU>,
}

/// What a forward pass saw: pre-activations and activations of each hidden layer.
pub struct Trace {
    pub pre: Vec<Tensor>,
    pub post: Vec<Tensor>,
    pub out: Tensor,
}

impl Mlp {
    pub fn new(spec: MlpSpec, seed: u64, device: &Device) -> Result<Self> {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
        let mut rng = Rng::new(seed);
        let dims: Vec<usize> = std::iter::once(spec.input)
            .chain(spec.hidden.iter().copied())
            .chain([spec.output])
            .collect();
        let (mut weights, mut biases, mut prelus) = (Vec::new(), Vec::new(), Vec::new());
        for (l, pair) in dims.windows(2).enumerate() {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let is_output = l + 1 == dims.len() - 1;
            let scheme = match spec.init {
                Init::Proper if is_output => Scheme::XavierNormal { gain: 1.0 },
                Init::Proper => proper_scheme(&spec.act).0,
                Init::Glorot => Scheme::XavierNormal { gain: 1.0 },
                Init::PyTorchDefault => {
                    let b = init::default_bias_bound(fan_in);
                    Scheme::Uniform { lo: -b, hi: b }
                }
            };
            let vbl = vb.pp(format!("layer{l}"));
            let w = init::var(&vbl, (fan_out, fan_in), "weight", scheme, &mut rng)?;
            let bias_scheme = match spec.init {
                Init::PyTorchDefault => {
                    let b = init::default_bias_bound(fan_in);
                    Scheme::Uniform { lo: -b, hi: b }
                }
                _ => Scheme::Const(if is_output { 0.0 } else { spec.bias_shift }),
            };
            let b = init::var(&vbl, fan_out, "bias", bias_scheme, &mut rng)?;
            if !is_output && spec.bias_shift != 0.0 && spec.init == Init::PyTorchDefault {
                let shifted = (b.clone() + spec.bias_shift)?;
                b.flatten_all()?.slice_set(&shifted, 0, 0)?;
            }
            if !is_output && spec.act.kind() == Kind::Prelu {
                let w0 = spec.act.prelu_weight()[0];
                prelus.push(PReLU::with_init(fan_out, w0, vbl.pp("prelu"))?);
            }
            weights.push(w);
            biases.push(b);
        }
        Ok(Mlp {
            spec,
            varmap,
            weights,
            biases,
            prelus,
        })
    }

    /// Number of weight layers (hidden + output).
    pub fn depth(&self) -> usize {
        self.weights.len()
    }

    pub fn weight(&self, layer: usize) -> &Tensor {
        &self.weights[layer]
    }

    pub fn bias(&self, layer: usize) -> &Tensor {
        &self.biases[layer]
    }

    pub fn prelu(&self, layer: usize) -> Option<&PReLU> {
        self.prelus.get(layer)
    }

    fn activate(&self, layer: usize, z: &Tensor) -> Result<Tensor> {
        Ok(match self.prelus.get(layer) {
            Some(p) => p.forward(z)?,
            None => actfn_candle::act(z, &self.spec.act)?,
        })
    }

    fn linear(&self, layer: usize, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.weights[layer].t()?)?
            .broadcast_add(&self.biases[layer])?)
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for l in 0..self.depth() - 1 {
            h = self.activate(l, &self.linear(l, &h)?)?;
        }
        self.linear(self.depth() - 1, &h)
    }

    pub fn trace(&self, x: &Tensor) -> Result<Trace> {
        let (mut pre, mut post) = (Vec::new(), Vec::new());
        let mut h = x.clone();
        for l in 0..self.depth() - 1 {
            let z = self.linear(l, &h)?;
            h = self.activate(l, &z)?;
            pre.push(z);
            post.push(h.clone());
        }
        let out = self.linear(self.depth() - 1, &h)?;
        Ok(Trace { pre, post, out })
    }

    pub fn vars(&self) -> Vec<Var> {
        self.varmap.all_vars()
    }

    /// The variables of the hidden layers only (the output layer stays as initialised).
    pub fn hidden_vars(&self) -> Vec<Var> {
        let out = format!("layer{}.", self.depth() - 1);
        let data = self.varmap.data().lock().expect("varmap lock");
        let mut named: Vec<(&String, &Var)> = data.iter().filter(|(k, _)| !k.starts_with(&out)).collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        named.into_iter().map(|(_, v)| v.clone()).collect()
    }
}

/// The targets of a task.
#[derive(Clone)]
pub enum Targets {
    /// Class ids (`u32`, shape `[n]`) and the number of classes.
    Classes(Tensor, usize),
    /// Real values, shape `[n, k]`.
    Values(Tensor),
}

/// Cross-entropy (through actfn's log_softmax) or mean squared error.
pub fn loss(out: &Tensor, targets: &Targets) -> Result<Tensor> {
    Ok(match targets {
        Targets::Classes(t, _) => candle_nn::loss::nll(&actfn_candle::log_softmax(out, D::Minus1)?, t)?,
        Targets::Values(t) => (out - t)?.sqr()?.mean_all()?,
    })
}

/// Fraction of correct classes; for regression, the mean squared error.
pub fn score(out: &Tensor, targets: &Targets) -> Result<f64> {
    Ok(match targets {
        Targets::Classes(t, _) => out
            .argmax(D::Minus1)?
            .eq(t)?
            .to_dtype(DType::F32)?
            .mean_all()?
            .to_scalar::<f32>()? as f64,
        Targets::Values(t) => (out - t)?.sqr()?.mean_all()?.to_scalar::<f32>()? as f64,
    })
}

/// An optimiser choice.
#[derive(Clone, Copy, Debug)]
pub enum Opt {
    Adam { lr: f64 },
    Sgd { lr: f64 },
}

enum AnyOpt {
    Adam(AdamW),
    Sgd(SGD),
}

impl AnyOpt {
    fn new(opt: Opt, vars: Vec<Var>) -> Result<Self> {
        Ok(match opt {
            Opt::Adam { lr } => AnyOpt::Adam(AdamW::new(
                vars,
                ParamsAdamW {
                    lr,
                    weight_decay: 0.0,
                    ..Default::default()
                },
            )?),
            Opt::Sgd { lr } => AnyOpt::Sgd(SGD::new(vars, lr)?),
        })
    }
    fn step(&mut self, loss: &Tensor) -> Result<()> {
        match self {
            AnyOpt::Adam(o) => o.backward_step(loss)?,
            AnyOpt::Sgd(o) => o.backward_step(loss)?,
        }
        Ok(())
    }
}

/// A data set as tensors.
pub struct Task {
    pub x_train: Tensor,
    pub y_train: Targets,
    pub x_test: Tensor,
    pub y_test: Targets,
}

/// One point of a training curve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Point {
    pub step: usize,
    pub loss: f64,
    pub train_score: f64,
    pub test_score: f64,
}

/// Settings of a training run.
#[derive(Clone, Copy, Debug)]
pub struct TrainConfig {
    pub steps: usize,
    /// Keep the output layer fixed (train the hidden layers only).
    pub freeze_output: bool,
    pub batch: usize,
    pub opt: Opt,
    pub eval_every: usize,
    pub seed: u64,
}

/// Training rows the curve's training loss and score are measured on.
const EVAL_ROWS: usize = 8192;

/// Trains `mlp` on `task` with minibatches drawn from `seed`; calls `on_step` after each
/// step (progress bars) and records the curve every `eval_every` steps.
pub fn train(mlp: &Mlp, task: &Task, cfg: TrainConfig, mut on_step: impl FnMut(usize)) -> Result<Vec<Point>> {
    let vars = if cfg.freeze_output {
        mlp.hidden_vars()
    } else {
        mlp.vars()
    };
    let mut opt = AnyOpt::new(cfg.opt, vars)?;
    let n = task.x_train.dim(0)?;
    let mut rng = Rng::new(cfg.seed ^ 0x5eed);
    let mut curve = Vec::new();
    // The training loss and score are measured on the first `EVAL_ROWS` training rows
    // (all of them for every built-in task; large user data sets stay cheap to evaluate).
    let (x_eval, y_eval) = if n > EVAL_ROWS {
        let y = match &task.y_train {
            Targets::Classes(t, k) => Targets::Classes(t.narrow(0, 0, EVAL_ROWS)?, *k),
            Targets::Values(t) => Targets::Values(t.narrow(0, 0, EVAL_ROWS)?),
        };
        (task.x_train.narrow(0, 0, EVAL_ROWS)?, y)
    } else {
        (task.x_train.clone(), task.y_train.clone())
    };
    let record = |step: usize, curve: &mut Vec<Point>| -> Result<()> {
        let out = mlp.forward(&x_eval)?;
        let l = loss(&out, &y_eval)?.to_scalar::<f32>()? as f64;
        let train_score = score(&out, &y_eval)?;
        let test_score = score(&mlp.forward(&task.x_test)?, &task.y_test)?;
        curve.push(Point {
            step,
            loss: l,
            train_score,
            test_score,
        });
        Ok(())
    };
    record(0, &mut curve)?;
    for step in 1..=cfg.steps {
        let (xb, yb) = if cfg.batch >= n {
            (task.x_train.clone(), task.y_train.clone())
        } else {
            let idx: Vec<u32> = (0..cfg.batch).map(|_| (rng.next_u64() % n as u64) as u32).collect();
            let idx = Tensor::new(idx.as_slice(), task.x_train.device())?;
            let yb = match &task.y_train {
                Targets::Classes(t, k) => Targets::Classes(t.index_select(&idx, 0)?, *k),
                Targets::Values(t) => Targets::Values(t.index_select(&idx, 0)?),
            };
            (task.x_train.index_select(&idx, 0)?, yb)
        };
        let l = loss(&mlp.forward(&xb)?, &yb)?;
        opt.step(&l).context("optimiser step")?;
        if step % cfg.eval_every == 0 || step == cfg.steps {
            record(step, &mut curve)?;
        }
        on_step(step);
    }
    Ok(curve)
}

/// L2 norm of a tensor.
pub fn norm(t: &Tensor) -> Result<f64> {
    Ok(t.to_dtype(DType::F64)?.sqr()?.sum_all()?.sqrt()?.to_scalar::<f64>()?)
}
