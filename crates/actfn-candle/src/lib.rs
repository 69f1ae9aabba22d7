//! # actfn-candle: actfn's activations as candle ops with autograd
//!
//! Every activation of [`actfn`] on candle tensors, with PyTorch's semantics (values at
//! kinks included), as a function ([`act`]), a method ([`ActExt::act`]) or a layer
//! ([`Activation`], [`PReLU`], [`Siren`]), plus the initialisers of [`init`].
//!
//! ```
//! use actfn_candle::{ActExt, Activation};
//! use candle_core::{DType, Device, Module, Tensor};
//! use candle_nn::{linear, seq, AdamW, Optimizer, VarBuilder, VarMap};
//!
//! let (varmap, dev) = (VarMap::new(), Device::Cpu);
//! let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
//! let mlp = seq().add(linear(2, 16, vb.pp("l1"))?).add(Activation::new("gelu")?).add(linear(16, 1, vb.pp("l2"))?);
//! let x = Tensor::new(&[[0.5f32, -1.0], [2.0, 0.1]], &dev)?;
//! let loss = mlp.forward(&x)?.act_str("softplus(beta=2)")?.mean_all()?;
//! let mut opt = AdamW::new_lr(varmap.all_vars(), 1e-2)?;
//! opt.backward_step(&loss)?;
//! # Ok::<(), candle_core::Error>(())
//! ```
//!
//! ## How it runs
//! * **CPU, f32/f64**: a `CustomOp1` runs actfn's slice kernels (contiguous tensors in
//!   place, strided ones gathered first); its backward is a `CustomOp2` on actfn's
//!   backward kernels, bit for bit the values of [`actfn::Activation::backward_shaped`].
//!   That backward op has a backward of its own (`f''` from candle ops and further actfn
//!   ops), so gradients of gradients work: a SIREN fitted to a signal's gradient or
//!   Laplacian, gradient penalties. When the activation's input is the variable itself
//!   this works out of the box; through other layers (any real network) set candle's
//!   `CANDLE_GRAD_DO_NOT_DETACH=1` before the first backward, or candle detaches the
//!   intermediate gradients and drops terms.
//! * **CPU, bf16/f16**: converted to f32, run, converted back.
//! * **Other devices** (CUDA, Metal; cargo features `cuda`, `metal`): a composite of
//!   candle ops with the same semantics ([`composite::forward`]).
//!
//! ## The dim-wise family
//! `softmax`, `log_softmax`, `softmin` work along a dim, and the gated units (`glu`,
//! `reglu`, `geglu`, `swiglu`) split one in halves: give it in the spec
//! (`"softmax(dim=0)"`, default the last) or use [`softmax`], [`glu`], ... with a candle
//! dim (`D::Minus1`, `1`).

pub mod bench;
pub mod composite;
pub mod init;
pub mod nn;
mod ops;

pub use actfn;
use actfn::Kind;
pub use bench::{bench_forward_backward, BenchResult};
use candle_core::shape::Dim;
use candle_core::{bail, DType, Result, Tensor};
pub use nn::{Activation, PReLU, Siren};

/// An activation spec with its parameters: actfn's [`actfn::Activation`].
pub type Spec = actfn::Activation;

/// Parses a PyTorch-style spec (`"gelu"`, `"leaky_relu(0.2)"`, `"softmax(dim=0)"`) into
/// a [`Spec`], with actfn's error as candle's.
pub fn parse(spec: &str) -> Result<Spec> {
    Spec::parse(spec).map_err(ops::wrap)
}

/// `f(x)` for activation `spec`, differentiable by candle's autograd (twice for the
/// smooth activations). PReLU uses the spec's weight as a constant; for a learnable
/// weight use [`prelu`] or the [`PReLU`] layer.
pub fn act(x: &Tensor, spec: &Spec) -> Result<Tensor> {
    let cpu = x.device().is_cpu();
    match x.dtype() {
        DType::F32 | DType::F64 => {}
        DType::F16 | DType::BF16 if cpu => return act(&x.to_dtype(DType::F32)?, spec)?.to_dtype(x.dtype()),
        DType::F16 | DType::BF16 => {}
        other => bail!("{}: activations take float tensors, got {other:?}", spec.name()),
    }
    if spec.kind() == Kind::Prelu {
        let weight = Tensor::new(spec.prelu_weight(), x.device())?.to_dtype(x.dtype())?;
        return prelu(x, &weight);
    }
    if cpu {
        x.apply_op1(ops::Fwd(spec.clone()))
    } else {
        composite::forward(x, spec)
    }
}

/// The backward of [`act`] as a function: `Jᵀ(x)·grad` (`grad` has the output's shape,
/// the result the input's). On CPU f32/f64 tensors it is actfn's backward kernel, bit for
/// bit, and differentiable again; elsewhere candle's autograd of the composite.
pub fn act_backward(x: &Tensor, grad: &Tensor, spec: &Spec) -> Result<Tensor> {
    let kernels = x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64);
    if kernels && spec.kind() != Kind::Prelu {
        return ops::vjp(spec, x, &grad.to_dtype(x.dtype())?);
    }
    let v = candle_core::Var::from_tensor(&x.detach())?;
    let y = act(v.as_tensor(), spec)?;
    let grads = (y * grad.detach())?.sum_all()?.backward()?;
    match grads.get(v.as_tensor()) {
        Some(dx) => Ok(dx.clone()),
        None => v.as_tensor().zeros_like(),
    }
}

/// [`act`] with the spec given as text.
pub fn act_str(x: &Tensor, spec: &str) -> Result<Tensor> {
    act(x, &parse(spec)?)
}

/// PReLU `x > 0 ? x : w·x` with a weight tensor (one value, or one per channel of dim 1
/// of `x`, PyTorch's layout); the weight gets a gradient when it is a variable.
pub fn prelu(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
    if !x.device().is_cpu() {
        return composite::prelu(x, weight);
    }
    match x.dtype() {
        DType::F32 | DType::F64 => x.apply_op2(&weight.to_dtype(x.dtype())?, ops::PreluFwd),
        DType::F16 | DType::BF16 => prelu(&x.to_dtype(DType::F32)?, &weight.to_dtype(DType::F32)?)?.to_dtype(x.dtype()),
        other => bail!("prelu: activations take float tensors, got {other:?}"),
    }
}

fn along<D: Dim>(kind: Kind, x: &Tensor, dim: D) -> Result<Tensor> {
    let d = dim.to_index(x.shape(), kind.name())?;
    let spec = Spec::new(kind)
        .and_then(|s| s.with("dim", d as f64))
        .map_err(ops::wrap)?;
    act(x, &spec)
}

/// Softmax along `dim`.
pub fn softmax<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::Softmax, x, dim)
}

/// Log-softmax along `dim`.
pub fn log_softmax<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::LogSoftmax, x, dim)
}

/// Softmin (`softmax(−x)`) along `dim`.
pub fn softmin<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::Softmin, x, dim)
}

/// GLU: `a·sigmoid(b)` with `[a, b]` the halves of `dim`.
pub fn glu<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::Glu, x, dim)
}

/// ReGLU: `a·relu(b)` with `[a, b]` the halves of `dim`.
pub fn reglu<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::Reglu, x, dim)
}

/// GEGLU: `a·gelu(b)` (erf GELU) with `[a, b]` the halves of `dim`.
pub fn geglu<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::Geglu, x, dim)
}

/// SwiGLU: `a·silu(b)` with `[a, b]` the halves of `dim`.
pub fn swiglu<D: Dim>(x: &Tensor, dim: D) -> Result<Tensor> {
    along(Kind::Swiglu, x, dim)
}

/// Activations as methods on [`Tensor`]: `x.act(&spec)?`, `x.act_str("gelu")?`.
pub trait ActExt {
    /// [`act`] on this tensor.
    fn act(&self, spec: &Spec) -> Result<Tensor>;
    /// [`act_str`] on this tensor.
    fn act_str(&self, spec: &str) -> Result<Tensor>;
}

impl ActExt for Tensor {
    fn act(&self, spec: &Spec) -> Result<Tensor> {
        act(self, spec)
    }

    fn act_str(&self, spec: &str) -> Result<Tensor> {
        act_str(self, spec)
    }
}
