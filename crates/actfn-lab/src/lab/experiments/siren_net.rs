//! The implicit neural representations of the SIREN experiments: coordinate networks
//! (SIREN, ReLU, tanh, ReLU with positional encoding) as in the reference code
//! (`vsitzmann/siren`, `modules.py`), their training on values or on gradients (full
//! batch, Adam, MSE), and their derivatives with respect to the input coordinates by
//! candle's autograd (gradient, Laplacian).
//!
//! Second-order autograd (the Laplacian, fitting gradients) needs candle's
//! `CANDLE_GRAD_DO_NOT_DETACH` set before the first backward of the thread that runs it:
//! [`with_second_order`] sets it and runs its closure in a fresh thread;
//! [`second_order_enabled`] checks it works in the current thread.

use actfn::{Activation as Spec, Kind};
use actfn_candle::init::{self, Fan, Rng, Scheme};
use actfn_candle::Siren as SineLayer;
use anyhow::{bail, ensure, Context, Result};
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap};

/// The environment variable candle reads (once per thread) to keep the graph of the
/// gradients it computes, which second-order derivatives need.
pub const DO_NOT_DETACH: &str = "CANDLE_GRAD_DO_NOT_DETACH";

/// Sets `CANDLE_GRAD_DO_NOT_DETACH=1` unless it is already set to a true value. Threads
/// that have run a backward pass before keep what they read then: call this at the start
/// of the program, or run the work in a new thread ([`with_second_order`]).
pub fn enable_second_order() {
    let on = std::env::var(DO_NOT_DETACH).is_ok_and(|v| !v.is_empty() && v != "0");
    if !on {
        std::env::set_var(DO_NOT_DETACH, "1");
    }
}

/// Runs `f` in a new thread (64 MiB of stack) after [`enable_second_order`], so that
/// candle keeps gradient graphs there whatever the calling thread has done; panics
/// propagate.
pub fn with_second_order<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    enable_second_order();
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("siren".into())
            .stack_size(64 << 20)
            .spawn_scoped(s, f)
            .context("starting a thread")?;
        match handle.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Whether candle differentiates gradients in this thread: `d²/dx² exp(exp(x))` at 0 is
/// `2e`, and `e` when the intermediate gradient is detached.
pub fn second_order_enabled() -> Result<bool> {
    let x = Var::new(0f64, &Device::Cpu)?;
    let y = x.as_tensor().exp()?.exp()?;
    let g = y.backward()?.get(x.as_tensor()).context("no gradient")?.clone();
    let h = g
        .backward()?
        .get(x.as_tensor())
        .map(|t| t.to_scalar::<f64>())
        .transpose()?
        .unwrap_or(0.0);
    Ok((h - 2.0 * std::f64::consts::E).abs() < 1e-9)
}

fn require_second_order() -> Result<()> {
    ensure!(
        second_order_enabled()?,
        "second-order gradients are off in this thread: set {DO_NOT_DETACH}=1 before its first backward pass"
    );
    Ok(())
}

/// The models compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Model {
    /// Sine activations with SIREN's initialisation.
    Siren,
    /// ReLU, He (Kaiming normal) weights.
    Relu,
    /// tanh, Glorot (Xavier normal) weights.
    Tanh,
    /// ReLU after NeRF's positional encoding, He weights.
    ReluPe,
}

/// Every model, in the order tables and plots list them.
pub const MODELS: [Model; 4] = [Model::Siren, Model::Relu, Model::Tanh, Model::ReluPe];

impl Model {
    /// The name on the command line and in `psnr.json`.
    pub fn name(self) -> &'static str {
        match self {
            Model::Siren => "siren",
            Model::Relu => "relu",
            Model::Tanh => "tanh",
            Model::ReluPe => "relu-pe",
        }
    }

    /// The name in figures.
    pub fn label(self) -> &'static str {
        match self {
            Model::Siren => "SIREN",
            Model::Relu => "ReLU",
            Model::Tanh => "tanh",
            Model::ReluPe => "ReLU P.E.",
        }
    }

    /// The initialisation, in words.
    pub fn init(self) -> &'static str {
        match self {
            Model::Siren => "SIREN: U(±1/n) first, U(±√(6/n)/w0) after",
            Model::Relu | Model::ReluPe => "He normal",
            Model::Tanh => "Glorot normal",
        }
    }

    /// A model by name (`siren`, `relu`, `tanh`, `relu-pe`; `_` for `-` and any case).
    pub fn parse(name: &str) -> Result<Model> {
        let n = name.trim().to_ascii_lowercase().replace('_', "-");
        MODELS.into_iter().find(|m| m.name() == n).with_context(|| {
            format!(
                "unknown model `{}`; the models: {}",
                name.trim(),
                MODELS.map(|m| m.name()).join(", ")
            )
        })
    }
}

/// NeRF's number of frequencies for a signal of `n` samples a side, the reference's
/// "Nyquist" choice: `floor(log2(n/4))` (6 at 256, 7 at 512), at least 1.
pub fn pe_levels(n: usize) -> usize {
    ((n.max(8) as f64 / 4.0).log2().floor() as usize).max(1)
}

/// The shape of a coordinate network.
#[derive(Clone, Debug)]
pub struct InrSpec {
    pub model: Model,
    /// Coordinates per point (2 for images, 1 for audio).
    pub input: usize,
    /// Values per point (1 grey, 3 RGB).
    pub output: usize,
    pub width: usize,
    /// Hidden layers between the first layer and the linear output layer (the
    /// reference's `hidden_layers`; 3 in its image experiments).
    pub hidden_layers: usize,
    /// ω0 of the hidden sine layers (30).
    pub w0: f64,
    /// ω0 of the first sine layer (30 for images, 3000 for audio).
    pub first_w0: f64,
    /// Frequencies of the positional encoding (ReLU P.E.).
    pub pe_levels: usize,
}

impl InrSpec {
    pub fn new(model: Model, input: usize, output: usize, width: usize, hidden_layers: usize) -> Self {
        InrSpec {
            model,
            input,
            output,
            width,
            hidden_layers,
            w0: 30.0,
            first_w0: 30.0,
            pe_levels: 0,
        }
    }

    /// Inputs of the first layer (after the positional encoding).
    pub fn encoded_input(&self) -> usize {
        match self.model {
            Model::ReluPe => self.input * (1 + 2 * self.pe_levels),
            _ => self.input,
        }
    }
}

enum Layer {
    Sine(SineLayer),
    Dense { linear: Linear, act: Option<Spec> },
}

/// A coordinate network: first layer, `hidden_layers` hidden layers, linear output.
pub struct Inr {
    pub spec: InrSpec,
    pub varmap: VarMap,
    layers: Vec<Layer>,
}

impl Inr {
    /// The network of `spec`, initialised from `seed`, in `f32` on `device`.
    pub fn new(spec: InrSpec, seed: u64, device: &Device) -> Result<Inr> {
        Inr::with_dtype(spec, seed, device, DType::F32)
    }

    /// The network of `spec` with parameters of type `dtype` (`f32` or `f64`; the same
    /// seed draws the same values).
    pub fn with_dtype(spec: InrSpec, seed: u64, device: &Device, dtype: DType) -> Result<Inr> {
        ensure!(spec.width > 0, "the width must be at least 1");
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, dtype, device);
        let mut rng = Rng::new(seed);
        let n_in = spec.encoded_input();
        let mut layers = Vec::new();
        let dims: Vec<usize> = std::iter::once(n_in)
            .chain(std::iter::repeat_n(spec.width, spec.hidden_layers + 1))
            .collect();
        for (l, pair) in dims.windows(2).enumerate() {
            let vbl = vb.pp(format!("layer{l}"));
            let (fan_in, fan_out) = (pair[0], pair[1]);
            layers.push(match spec.model {
                Model::Siren if l == 0 => Layer::Sine(SineLayer::first(fan_in, fan_out, spec.first_w0, vbl, &mut rng)?),
                Model::Siren => Layer::Sine(SineLayer::hidden(fan_in, fan_out, spec.w0, vbl, &mut rng)?),
                _ => dense(fan_in, fan_out, spec.model, false, vbl, &mut rng)?,
            });
        }
        let vbl = vb.pp(format!("layer{}", dims.len() - 1));
        layers.push(match spec.model {
            Model::Siren => Layer::Dense {
                linear: SineLayer::output(spec.width, spec.output, spec.w0, vbl, &mut rng)?,
                act: None,
            },
            _ => dense(spec.width, spec.output, spec.model, true, vbl, &mut rng)?,
        });
        Ok(Inr { spec, varmap, layers })
    }

    /// Φ(x) for coordinates `x` (`[N, input]`): `[N, output]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_anchored(x)?.0)
    }

    /// `Φ(x)` and, for networks of ReLUs, an anchor: `Σ_l sum(z_l)` of their
    /// pre-activations `z_l`, times 0 (a scalar).
    ///
    /// Why: actfn-candle's second-order backward of a piecewise-linear activation returns
    /// no gradient for its input (`f'' = 0`), and candle's backprop stops with "grad not
    /// populated" when a tracked node gets no gradient from any consumer. Adding the
    /// anchor (exactly 0) to a quantity that is differentiated twice gives each `z_l` a
    /// zero gradient, so `∇(∇Φ)` of a ReLU network works and is 0 where it should be.
    pub fn forward_anchored(&self, x: &Tensor) -> Result<(Tensor, Option<Tensor>)> {
        let mut h = match self.spec.model {
            Model::ReluPe => encode(x, self.spec.pe_levels)?,
            _ => x.clone(),
        };
        let mut anchor: Option<Tensor> = None;
        for layer in &self.layers {
            h = match layer {
                Layer::Sine(s) => s.forward(&h)?,
                Layer::Dense { linear, act } => {
                    let z = linear.forward(&h)?;
                    match act {
                        Some(a) => {
                            if a.kind() == Kind::Relu {
                                let zero = Tensor::zeros((), z.dtype(), z.device())?;
                                let term = z.sum_all()?.mul(&zero)?;
                                anchor = Some(match anchor {
                                    Some(t) => (t + term)?,
                                    None => term,
                                });
                            }
                            actfn_candle::act(&z, a)?
                        }
                        None => z,
                    }
                }
            };
        }
        Ok((h, anchor))
    }

    /// Number of trained parameters.
    pub fn parameters(&self) -> usize {
        self.varmap.all_vars().iter().map(|v| v.elem_count()).sum()
    }
}

/// A ReLU or tanh layer (linear output layer when `last`), the reference's `FCBlock`
/// init (He normal for ReLU, Glorot normal for tanh, every layer including the last)
/// and PyTorch's default biases `U(±1/√n)`.
fn dense(fan_in: usize, fan_out: usize, model: Model, last: bool, vb: VarBuilder, rng: &mut Rng) -> Result<Layer> {
    let (scheme, act) = match model {
        Model::Tanh => (Scheme::XavierNormal { gain: 1.0 }, Kind::Tanh),
        _ => (
            Scheme::KaimingNormal {
                fan: Fan::In,
                gain: 2f64.sqrt(),
            },
            Kind::Relu,
        ),
    };
    let weight = init::var(&vb, (fan_out, fan_in), "weight", scheme, rng)?;
    let b = init::default_bias_bound(fan_in);
    let bias = init::var(&vb, fan_out, "bias", Scheme::Uniform { lo: -b, hi: b }, rng)?;
    let act = if last {
        None
    } else {
        Some(Spec::new(act).map_err(|e| anyhow::anyhow!("{e}"))?)
    };
    Ok(Layer::Dense {
        linear: Linear::new(weight, Some(bias)),
        act,
    })
}

/// NeRF's positional encoding `x ↦ [x, sin(2^i π x), cos(2^i π x)]_{i < levels}`,
/// differentiable (twice) by candle.
pub fn encode(x: &Tensor, levels: usize) -> Result<Tensor> {
    let mut parts = vec![x.clone()];
    for i in 0..levels {
        let z = x.affine(2f64.powi(i as i32) * std::f64::consts::PI, 0.0)?;
        parts.push(z.sin()?);
        parts.push(z.cos()?);
    }
    Ok(Tensor::cat(&parts, 1)?)
}

/// `Σ_c w_c Φ_c` (`[N]`): the channel itself for one channel, else the weighted sum.
fn scalar_field(y: &Tensor, weights: &[f64]) -> Result<Tensor> {
    if y.dim(1)? == 1 {
        return Ok(y.squeeze(1)?);
    }
    ensure!(
        weights.len() == y.dim(1)?,
        "{} channel weights for {} channels",
        weights.len(),
        y.dim(1)?
    );
    let w = Tensor::new(weights, y.device())?.to_dtype(y.dtype())?;
    Ok(y.broadcast_mul(&w)?.sum(1)?)
}

/// `∇Φ` (`[N, input]`) of the scalar field of `y = Φ(x)`, keeping its graph (needs
/// second-order autograd for anything differentiated again).
fn gradient_of(y: &Tensor, x: &Var, weights: &[f64]) -> Result<Tensor> {
    let grads = scalar_field(y, weights)?.sum_all()?.backward()?;
    match grads.get(x.as_tensor()) {
        Some(g) => Ok(g.clone()),
        None => Ok(x.as_tensor().zeros_like()?),
    }
}

/// `t + anchor` (see [`Inr::forward_anchored`]).
fn anchored(t: Tensor, anchor: &Option<Tensor>) -> Result<Tensor> {
    Ok(match anchor {
        Some(a) => t.broadcast_add(a)?,
        None => t,
    })
}

/// A network's values and derivatives on a set of points.
pub struct Derivatives {
    /// `Φ(x)`, `[N, output]`.
    pub value: Vec<f32>,
    /// `∇Φ`, `[N, input]` row-major, of the channel (or the weighted sum of channels).
    pub gradient: Vec<f32>,
    /// `ΔΦ`, `[N]` (present when asked for).
    pub laplacian: Option<Vec<f32>>,
}

/// `Φ`, `∇Φ` and (when `laplacian`) `ΔΦ = Σ_d ∂²Φ/∂x_d²` at `coords` (`[N, input]`) by
/// candle's autograd w.r.t. the input, of `Σ_c weights_c Φ_c` for several channels.
/// The points are evaluated in chunks of `chunk` rows.
pub fn derivatives(net: &Inr, coords: &Tensor, weights: &[f64], laplacian: bool, chunk: usize) -> Result<Derivatives> {
    if laplacian {
        require_second_order()?;
    }
    let n = coords.dim(0)?;
    let d = coords.dim(1)?;
    let (mut value, mut gradient, mut lap) = (Vec::new(), Vec::new(), Vec::new());
    let mut start = 0;
    while start < n {
        let len = chunk.max(1).min(n - start);
        let x = Var::from_tensor(&coords.narrow(0, start, len)?.contiguous()?)?;
        let (y, anchor) = net.forward_anchored(x.as_tensor())?;
        let g = gradient_of(&y, &x, weights)?;
        if laplacian {
            let mut acc = vec![0f32; len];
            for k in 0..d {
                let gk = anchored(g.narrow(1, k, 1)?.sum_all()?, &anchor)?;
                if let Some(h) = gk.backward()?.get(x.as_tensor()) {
                    let hk: Vec<f32> = h.narrow(1, k, 1)?.flatten_all()?.to_dtype(DType::F32)?.to_vec1()?;
                    for (a, b) in acc.iter_mut().zip(hk) {
                        *a += b;
                    }
                }
            }
            lap.extend(acc);
        }
        value.extend(y.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?);
        gradient.extend(g.detach().flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?);
        start += len;
    }
    Ok(Derivatives {
        value,
        gradient,
        laplacian: laplacian.then_some(lap),
    })
}

/// What a network is fitted to.
pub enum Target<'a> {
    /// The values (`[N, output]`): loss `mean((Φ − f)²)`.
    Values(&'a Tensor),
    /// The gradient (`[N, input]`) of a one-channel signal: loss `mean(‖∇Φ − ∇f‖²)`;
    /// `signal` (`[N]`, on the host) is only used to measure the reconstruction.
    Gradient { grad: &'a Tensor, signal: &'a [f32] },
}

/// How to train.
#[derive(Clone, Debug)]
pub struct FitConfig {
    pub steps: usize,
    pub lr: f64,
    /// Record the error every so many steps (and at `checkpoints`, and at the end).
    pub every: usize,
    pub checkpoints: Vec<usize>,
    /// Clamp the network's output to this range before measuring (images: `[-1, 1]`).
    pub clamp: Option<(f32, f32)>,
}

/// The record of a fit.
#[derive(Clone, Debug)]
pub struct FitLog {
    /// `(step, mse)`: the error of the network after `step` updates (for gradient
    /// targets, of its values after removing the best constant).
    pub mse: Vec<(usize, f64)>,
    /// Wall-clock seconds per training step (forward, backward, update).
    pub seconds_per_step: f64,
}

/// The mean squared error of `y` against `f` (after clamping `y`), and with `shift` the
/// best constant added to `y` first.
pub fn mse(y: &[f32], f: &[f32], clamp: Option<(f32, f32)>, shift: bool) -> f64 {
    let n = y.len().max(1) as f64;
    let c = if shift {
        f.iter().zip(y).map(|(a, b)| (a - b) as f64).sum::<f64>() / n
    } else {
        0.0
    };
    y.iter()
        .zip(f)
        .map(|(&a, &b)| {
            let mut v = a as f64 + c;
            if let Some((lo, hi)) = clamp {
                v = v.clamp(lo as f64, hi as f64);
            }
            (v - b as f64).powi(2)
        })
        .sum::<f64>()
        / n
}

/// PSNR in dB of a mean squared error for signals in `[-1, 1]` (peak-to-peak 2, as the
/// reference measures after mapping to `[0, 1]`).
pub fn psnr(mse: f64) -> f64 {
    10.0 * (4.0 / mse.max(1e-30)).log10()
}

/// Trains `net` on `coords` (`[N, input]`, full batch) with Adam (no weight decay),
/// calling `tick` after each step.
pub fn fit(net: &Inr, coords: &Tensor, target: Target, cfg: &FitConfig, mut tick: impl FnMut()) -> Result<FitLog> {
    let params = ParamsAdamW {
        lr: cfg.lr,
        weight_decay: 0.0,
        ..Default::default()
    };
    let mut opt = AdamW::new(net.varmap.all_vars(), params)?;
    let host_values = match &target {
        Target::Values(f) => Some(f.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?),
        Target::Gradient { .. } => {
            require_second_order()?;
            None
        }
    };
    let record = |step: usize| {
        step == cfg.steps || step.checked_rem(cfg.every.max(1)) == Some(0) || cfg.checkpoints.contains(&step)
    };
    let measure = |y: &Tensor| -> Result<f64> {
        let y = y.flatten_all()?.to_dtype(DType::F32)?.to_vec1::<f32>()?;
        Ok(match (&target, &host_values) {
            (Target::Values(_), Some(f)) => mse(&y, f, cfg.clamp, false),
            (Target::Gradient { signal, .. }, _) => mse(&y, signal, cfg.clamp, true),
            _ => bail!("no target values"),
        })
    };
    let mut log = Vec::new();
    let mut train_seconds = 0.0;
    for step in 0..=cfg.steps {
        let start = std::time::Instant::now();
        let (y, loss) = match &target {
            Target::Values(f) => {
                let y = net.forward(coords)?;
                let loss = (&y - *f)?.sqr()?.mean_all()?;
                (y, loss)
            }
            Target::Gradient { grad, .. } => {
                let x = Var::from_tensor(coords)?;
                let (y, anchor) = net.forward_anchored(x.as_tensor())?;
                let g = gradient_of(&y, &x, &[])?;
                let loss = anchored((g - *grad)?.sqr()?.sum(1)?.mean_all()?, &anchor)?;
                (y, loss)
            }
        };
        let forward = start.elapsed().as_secs_f64();
        if record(step) {
            log.push((step, measure(&y)?));
        }
        if step == cfg.steps {
            break;
        }
        let start = std::time::Instant::now();
        opt.backward_step(&loss)?;
        train_seconds += forward + start.elapsed().as_secs_f64();
        tick();
    }
    Ok(FitLog {
        mse: log,
        seconds_per_step: train_seconds / cfg.steps.max(1) as f64,
    })
}

/// A grid of `h × w` points in `[-1, 1]²`, row-major, as `(x, y)` = (column, row)
/// coordinates: `[h·w, 2]`.
pub fn grid_2d(h: usize, w: usize, device: &Device) -> Result<Tensor> {
    let at = |i: usize, n: usize| {
        if n > 1 {
            -1.0 + 2.0 * i as f32 / (n - 1) as f32
        } else {
            0.0
        }
    };
    let mut v = Vec::with_capacity(h * w * 2);
    for r in 0..h {
        for c in 0..w {
            v.push(at(c, w));
            v.push(at(r, h));
        }
    }
    Ok(Tensor::from_vec(v, (h * w, 2), device)?)
}

/// `n` points evenly spaced on `[-1, 1]`: `[n, 1]`.
pub fn grid_1d(n: usize, device: &Device) -> Result<Tensor> {
    let v: Vec<f32> = (0..n)
        .map(|i| {
            if n > 1 {
                -1.0 + 2.0 * i as f32 / (n - 1) as f32
            } else {
                0.0
            }
        })
        .collect();
    Ok(Tensor::from_vec(v, (n, 1), device)?)
}
