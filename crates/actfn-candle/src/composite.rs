//! Every activation as a composite of candle ops, for devices where actfn's kernels do
//! not run (CUDA, Metal) and for dtypes they do not take there (bf16, f16).
//!
//! The composites keep PyTorch's semantics where candle's own ops do not: the branch
//! chosen at a kink decides the gradient there (`relu'(0) = 0`, `leaky_relu'(0) = slope`,
//! `hardtanh'(±1) = 0`, `elu'(0) = alpha`, `softplus'(0) = 1/2`, ...), so every kink is a
//! `where_cond` on one comparison, never `maximum`/`minimum`/`clamp` (whose ties split the
//! gradient) or `abs` (whose derivative at 0 is 1). A NaN input falls through to the
//! branch that carries `x`, so it comes out NaN. The branch not taken never sees an
//! input that would overflow (`exp` of a large positive number): its gradient would be
//! `0·inf = NaN`.
//!
//! Accuracy is candle's (no `expm1`/`log1p`), not actfn's few ULP: on the CPU, use
//! [`crate::act`], which runs actfn's kernels.

use actfn::{Activation as Spec, Kind, SELU_ALPHA, SELU_SCALE};
use candle_core::{bail, Result, Tensor};

use crate::ops::{broadcast_weight, wrap};

/// A constant with the dtype, device and shape of `x` (broadcast, no allocation).
fn full(x: &Tensor, v: f64) -> Result<Tensor> {
    Tensor::new(v, x.device())?.to_dtype(x.dtype())?.broadcast_as(x.shape())
}

fn p(spec: &Spec, i: usize) -> f64 {
    spec.params()[i]
}

/// `dim` of a dim-wise or gated spec, resolved against a rank (0-d counts as 1-d).
pub(crate) fn resolve_dim(spec: &Spec, rank: usize) -> Result<usize> {
    let dim = spec.dim().unwrap_or(-1);
    let n = rank.max(1) as i64;
    if dim < -n || dim >= n {
        bail!("{}: dim {dim} out of range for a {rank}-d tensor", spec.name());
    }
    Ok(if dim < 0 { (dim + n) as usize } else { dim as usize })
}

/// The gate's activation of a gated kind (`glu`: sigmoid, `reglu`: relu, `geglu`: the
/// erf GELU, `swiglu`: silu).
pub(crate) fn gate(spec: &Spec) -> Result<Spec> {
    let kind = match spec.kind() {
        Kind::Glu => Kind::Sigmoid,
        Kind::Reglu => Kind::Relu,
        Kind::Geglu => Kind::Gelu,
        Kind::Swiglu => Kind::Silu,
        _ => bail!("{} is not a gated activation", spec.name()),
    };
    Spec::new(kind).map_err(wrap)
}

/// `softplus` with PyTorch's kink convention at 0 (`1/2`), stable for any input:
/// `max(z, 0) + log(1 + exp(−|z|))`, both branches chosen by the same `z > 0`.
fn softplus_stable(z: &Tensor) -> Result<Tensor> {
    let pos = z.gt(0.0)?;
    let relu = pos.where_cond(z, &full(z, 0.0)?)?;
    let neg_abs = pos.where_cond(&z.neg()?, z)?;
    relu + (neg_abs.exp()? + 1.0)?.log()?
}

/// `x > 0 ? scale·x : alpha·scale·(exp(input_scale·x) − 1)`; the negative branch at 0.
fn elu_like(x: &Tensor, alpha: f64, scale: f64, input_scale: f64) -> Result<Tensor> {
    let pos = x.gt(0.0)?;
    let safe = pos.where_cond(&full(x, 0.0)?, x)?;
    let neg = (safe.affine(input_scale, 0.0)?.exp()? - 1.0)?.affine(alpha * scale, 0.0)?;
    pos.where_cond(&x.affine(scale, 0.0)?, &neg)
}

fn softmax(x: &Tensor, d: usize) -> Result<Tensor> {
    let max = x.max_keepdim(d)?.detach();
    let e = x.broadcast_sub(&max)?.exp()?;
    e.broadcast_div(&e.sum_keepdim(d)?)
}

fn log_softmax(x: &Tensor, d: usize) -> Result<Tensor> {
    let max = x.max_keepdim(d)?.detach();
    let shifted = x.broadcast_sub(&max)?;
    shifted.broadcast_sub(&shifted.exp()?.sum_keepdim(d)?.log()?)
}

/// `f(x)` as a composite of candle ops, on any device and float dtype, differentiable by
/// candle's autograd (to any order where the pieces are).
pub fn forward(x: &Tensor, spec: &Spec) -> Result<Tensor> {
    let le = |v: f64| x.le(v);
    Ok(match spec.kind() {
        // A user-defined activation runs on actfn's CPU evaluator (the only one it has):
        // there and back, differentiable through the transfers.
        Kind::Custom => {
            let cpu = x.to_device(&candle_core::Device::Cpu)?;
            let cpu = if matches!(x.dtype(), candle_core::DType::F32 | candle_core::DType::F64) {
                cpu
            } else {
                cpu.to_dtype(candle_core::DType::F32)?
            };
            crate::act(&cpu, spec)?.to_dtype(x.dtype())?.to_device(x.device())?
        }
        Kind::Identity => x.clone(),
        Kind::Linear => x.affine(p(spec, 0), 0.0)?,
        Kind::Step => {
            let fired = x.gt(p(spec, 0))?.to_dtype(x.dtype())?;
            x.ne(x)?.where_cond(x, &fired)?
        }
        Kind::Sigmoid => candle_nn::ops::sigmoid(x)?,
        Kind::Tanh => x.tanh()?,
        Kind::Relu => le(0.0)?.where_cond(&full(x, 0.0)?, x)?,
        Kind::Relu6 => le(0.0)?.where_cond(&full(x, 0.0)?, &x.ge(6.0)?.where_cond(&full(x, 6.0)?, x)?)?,
        Kind::LeakyRelu => x.gt(0.0)?.where_cond(x, &x.affine(p(spec, 0), 0.0)?)?,
        Kind::Prelu => {
            let w = Tensor::new(spec.prelu_weight(), x.device())?.to_dtype(x.dtype())?;
            prelu(x, &w)?
        }
        Kind::Rrelu => {
            let (lower, upper, training) = (p(spec, 0), p(spec, 1), p(spec, 2) == 1.0);
            let slope = if training {
                // The slopes actfn draws for each element index (the input's sign only
                // decides where they apply).
                let n = x.elem_count();
                let mut noise = vec![0f64; n];
                spec.rrelu_noise(&vec![-1f64; n], &mut noise).map_err(wrap)?;
                Tensor::from_vec(noise, x.shape(), x.device())?.to_dtype(x.dtype())?
            } else {
                full(x, (lower + upper) / 2.0)?
            };
            x.gt(0.0)?.where_cond(x, &(x * slope)?)?
        }
        Kind::Elu => elu_like(x, p(spec, 0), 1.0, 1.0)?,
        Kind::Celu => elu_like(x, p(spec, 0), 1.0, 1.0 / p(spec, 0))?,
        Kind::Selu => elu_like(x, SELU_ALPHA, SELU_SCALE, 1.0)?,
        // Written out rather than candle's `gelu_erf`/`gelu`, whose backward uses 6-digit
        // constants (0.398942, 0.0356774: gradients off by ~1e-6 relative).
        Kind::Gelu if p(spec, 0) == 0.0 => {
            (x * (x.affine(std::f64::consts::FRAC_1_SQRT_2, 0.0)?.erf()? + 1.0)?)?.affine(0.5, 0.0)?
        }
        Kind::Gelu => {
            let (k, c) = ((2.0 / std::f64::consts::PI).sqrt(), 0.044715);
            let u = (x * x.sqr()?.affine(k * c, k)?)?;
            (x * (u.tanh()? + 1.0)?)?.affine(0.5, 0.0)?
        }
        Kind::Silu => x.silu()?,
        Kind::Mish => (x * softplus_stable(x)?.tanh()?)?,
        Kind::Softplus => {
            let (beta, threshold) = (p(spec, 0), p(spec, 1));
            let z = x.affine(beta, 0.0)?;
            let linear = z.gt(threshold)?;
            let safe = linear.where_cond(&full(x, 0.0)?, &z)?;
            linear.where_cond(x, &softplus_stable(&safe)?.affine(1.0 / beta, 0.0)?)?
        }
        Kind::LogSigmoid => {
            // min(x, 0) − log(1 + exp(−|x|)), both pieces on the x <= 0 branch at 0.
            let neg = le(0.0)?;
            let min0 = neg.where_cond(x, &full(x, 0.0)?)?;
            let neg_abs = neg.where_cond(x, &x.neg()?)?;
            (min0 - (neg_abs.exp()? + 1.0)?.log()?)?
        }
        Kind::Hardtanh => {
            let (lo, hi) = (p(spec, 0), p(spec, 1));
            le(lo)?.where_cond(&full(x, lo)?, &x.ge(hi)?.where_cond(&full(x, hi)?, x)?)?
        }
        Kind::Hardsigmoid => {
            let mid = x.affine(1.0 / 6.0, 0.5)?;
            le(-3.0)?.where_cond(&full(x, 0.0)?, &x.ge(3.0)?.where_cond(&full(x, 1.0)?, &mid)?)?
        }
        Kind::Hardswish => {
            let mid = (x * x.affine(1.0 / 6.0, 0.5)?)?;
            le(-3.0)?.where_cond(&full(x, 0.0)?, &x.ge(3.0)?.where_cond(x, &mid)?)?
        }
        Kind::Softsign => (x / (x.abs()? + 1.0)?)?,
        Kind::Tanhshrink => (x - x.tanh()?)?,
        Kind::Softshrink => {
            let l = p(spec, 0);
            let inner = x.ge(-l)?.where_cond(&full(x, 0.0)?, &x.affine(1.0, l)?)?;
            le(l)?.where_cond(&inner, &x.affine(1.0, -l)?)?
        }
        Kind::Hardshrink => {
            let l = p(spec, 0);
            le(l)?.where_cond(&x.ge(-l)?.where_cond(&full(x, 0.0)?, x)?, x)?
        }
        Kind::Threshold => le(p(spec, 0))?.where_cond(&full(x, p(spec, 1))?, x)?,
        Kind::Squareplus => ((x.sqr()? + p(spec, 0))?.sqrt()? + x)?.affine(0.5, 0.0)?,
        Kind::Sine => x.affine(p(spec, 0), 0.0)?.sin()?,
        Kind::Softmax => softmax(x, resolve_dim(spec, x.rank())?)?,
        Kind::LogSoftmax => log_softmax(x, resolve_dim(spec, x.rank())?)?,
        Kind::Softmin => softmax(&x.neg()?, resolve_dim(spec, x.rank())?)?,
        Kind::Glu | Kind::Reglu | Kind::Geglu | Kind::Swiglu => {
            let d = resolve_dim(spec, x.rank())?;
            let size = x.dim(d)?;
            if !size.is_multiple_of(2) {
                bail!(
                    "{}: dim {d} has odd size {size}, it cannot be split in halves",
                    spec.name()
                );
            }
            let half = size / 2;
            (x.narrow(d, 0, half)? * forward(&x.narrow(d, half, half)?, &gate(spec)?)?)?
        }
        _ => bail!("actfn: no candle composite for {}", spec.name()),
    })
}

/// PReLU as a composite: `x > 0 ? x : w·x`, `w` one value or one per channel (dim 1).
pub fn prelu(x: &Tensor, weight: &Tensor) -> Result<Tensor> {
    let wx = (x * broadcast_weight(weight, x)?)?;
    x.gt(0.0)?.where_cond(x, &wx)
}

/// `f''(x)` of a pointwise activation as candle ops (differentiable again), or `None`
/// where it is 0 almost everywhere (the piecewise-linear kinds); an error for a kind
/// without one (never a silent 0). The first-derivative
/// pieces (`sigmoid`, `tanh`, `sin`, ...) go through [`crate::act`], so on the CPU they
/// are actfn's kernels.
pub(crate) fn second_derivative(x: &Tensor, spec: &Spec) -> Result<Option<Tensor>> {
    let named = |k: Kind| Spec::new(k).map_err(wrap);
    let sigmoid = |t: &Tensor| crate::act(t, &named(Kind::Sigmoid)?);
    let tanh = |t: &Tensor| crate::act(t, &named(Kind::Tanh)?);
    let one_minus = |t: &Tensor| t.affine(-1.0, 1.0);
    // e^{c·x} on the x <= 0 branch (0 elsewhere), as the ELU family's second derivative.
    let neg_exp = |c: f64, k: f64| -> Result<Tensor> {
        let pos = x.gt(0.0)?;
        let safe = pos.where_cond(&full(x, 0.0)?, x)?;
        pos.where_cond(&full(x, 0.0)?, &safe.affine(c, 0.0)?.exp()?.affine(k, 0.0)?)
    };
    Ok(Some(match spec.kind() {
        // A user-defined activation: its own f'' (an expr derives it symbolically), or
        // an error that says it is first-order only.
        Kind::Custom if spec.has_second_derivative() => crate::ops::second_derivative(spec, x)?,
        Kind::Custom => bail!(
            "actfn-candle: `{spec}` is first-order only (no second derivative{}), so it cannot be differentiated twice",
            spec.as_expr()
                .and_then(|e| e.second_derivative().err())
                .map_or(String::new(), |why| format!(": {why}"))
        ),
        Kind::Sigmoid => {
            let s = sigmoid(x)?;
            (&s * one_minus(&s)?)?.mul(&s.affine(-2.0, 1.0)?)?
        }
        Kind::Tanh => {
            let t = tanh(x)?;
            (&t * one_minus(&t.sqr()?)?)?.affine(-2.0, 0.0)?
        }
        Kind::Tanhshrink => {
            let t = tanh(x)?;
            (&t * one_minus(&t.sqr()?)?)?.affine(2.0, 0.0)?
        }
        Kind::Elu => neg_exp(1.0, p(spec, 0))?,
        Kind::Celu => neg_exp(1.0 / p(spec, 0), 1.0 / p(spec, 0))?,
        Kind::Selu => neg_exp(1.0, SELU_ALPHA * SELU_SCALE)?,
        Kind::Gelu if p(spec, 0) == 0.0 => {
            // φ(x)·(2 − x²)
            let x2 = x.sqr()?;
            let pdf = x2
                .affine(-0.5, 0.0)?
                .exp()?
                .affine(1.0 / (2.0 * std::f64::consts::PI).sqrt(), 0.0)?;
            (pdf * x2.affine(-1.0, 2.0)?)?
        }
        Kind::Gelu => {
            // f = x/2·(1 + tanh u), u = k(x + c x³):
            // f'' = (1 − t²)·(u' − x·t·u'² + x·u''/2), u' = k(1 + 3c x²), u'' = 6kc x.
            let (k, c) = ((2.0 / std::f64::consts::PI).sqrt(), 0.044715);
            let x2 = x.sqr()?;
            let u = (x * x2.affine(k * c, k)?)?;
            let t = u.tanh()?;
            let du = x2.affine(3.0 * k * c, k)?;
            let ddu = x.affine(6.0 * k * c, 0.0)?;
            let inner = ((&du - (x * &t)?.mul(&du.sqr()?)?)? + (x * ddu)?.affine(0.5, 0.0)?)?;
            (one_minus(&t.sqr()?)? * inner)?
        }
        Kind::Silu => {
            // σ(1 − σ)(2 + x(1 − 2σ))
            let s = sigmoid(x)?;
            (&s * one_minus(&s)?)?.mul(&(x * s.affine(-2.0, 1.0)?)?.affine(1.0, 2.0)?)?
        }
        Kind::Mish => {
            // σ(1 − t²)(2 + x(1 − σ) − 2xσt), t = tanh(softplus(x))
            let s = sigmoid(x)?;
            let t = tanh(&crate::act(x, &named(Kind::Softplus)?)?)?;
            let inner = ((x * one_minus(&s)?)? - (x * &s)?.mul(&t)?.affine(2.0, 0.0)?)?.affine(1.0, 2.0)?;
            (&s * one_minus(&t.sqr()?)?)?.mul(&inner)?
        }
        Kind::Softplus => {
            let (beta, threshold) = (p(spec, 0), p(spec, 1));
            let z = x.affine(beta, 0.0)?;
            let s = sigmoid(&z)?;
            let curve = (&s * one_minus(&s)?)?.affine(beta, 0.0)?;
            z.gt(threshold)?.where_cond(&full(x, 0.0)?, &curve)?
        }
        Kind::LogSigmoid => {
            let s = sigmoid(x)?;
            (&s * one_minus(&s)?)?.neg()?
        }
        Kind::Hardswish => {
            let inside = x
                .gt(-3.0)?
                .where_cond(&x.lt(3.0)?.to_dtype(x.dtype())?, &full(x, 0.0)?)?;
            inside.affine(1.0 / 3.0, 0.0)?
        }
        Kind::Softsign => {
            // −2·sign(x)/(1 + |x|)³
            let d = (x.abs()? + 1.0)?;
            (x.sign()? / (&d * d.sqr()?)?)?.affine(-2.0, 0.0)?
        }
        Kind::Squareplus => {
            // b / (2 (x² + b)^{3/2})
            let b = p(spec, 0);
            let q = (x.sqr()? + b)?;
            (&q * q.sqrt()?)?.recip()?.affine(b / 2.0, 0.0)?
        }
        Kind::Sine => {
            let w0 = p(spec, 0);
            crate::act(x, spec)?.affine(-w0 * w0, 0.0)?
        }
        // Piecewise linear (or constant): f'' = 0 away from the kinks.
        k if k.is_piecewise_linear() => return Ok(None),
        // A kind added to the registry must say what its second derivative is.
        _ => bail!("actfn-candle: no second derivative for {} yet", spec.name()),
    }))
}
