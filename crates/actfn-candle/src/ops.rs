//! CPU custom ops that run actfn's slice kernels, and their backward ops.
//!
//! * [`Fwd`] (`CustomOp1`): `y = f(x)`; its backward is [`Bwd`] applied to `(x, grad)`.
//! * [`Bwd`] (`CustomOp2`): `dx = Jᵀ·g` with actfn's backward kernel, bit for bit. It has a
//!   backward of its own (built from candle ops and further [`Fwd`]/[`Bwd`] nodes), so
//!   candle can differentiate a gradient again (SIREN's gradient and Laplacian losses).
//! * [`PreluFwd`] (`CustomOp2` over the input and the weight), [`PreluBwdX`] and
//!   [`PreluBwdW`]: PReLU with a learnable weight.
//!
//! Every op reads any layout: contiguous inputs are used in place
//! (`Layout::contiguous_offsets`), strided ones (transposed, narrowed, broadcast) are
//! gathered into a contiguous buffer first.

use std::borrow::Cow;

use actfn::{Activation as Spec, Element, Kind, OpShape};
use candle_core::backend::BackendStorage;
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor, WithDType};

use crate::composite;

/// actfn's error as candle's.
pub(crate) fn wrap(e: actfn::Error) -> candle_core::Error {
    candle_core::Error::wrap(e)
}

/// The element types the kernels run on: `f32` and `f64`.
trait Float: Element + WithDType {}
impl Float for f32 {}
impl Float for f64 {}

/// The elements of `data` seen through `layout`, in C order.
fn contiguous<'a, E: Copy>(data: &'a [E], layout: &Layout) -> Cow<'a, [E]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Cow::Borrowed(&data[start..end]),
        None => Cow::Owned(gather(data, layout)),
    }
}

/// Copies a strided view (any strides, including 0 for broadcast dims) into C order.
fn gather<E: Copy>(data: &[E], layout: &Layout) -> Vec<E> {
    let dims = layout.dims();
    let stride = layout.stride();
    let n = layout.shape().elem_count();
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let rank = dims.len();
    let mut index = vec![0usize; rank];
    let mut offset = layout.start_offset();
    loop {
        out.push(data[offset]);
        let mut d = rank;
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            index[d] += 1;
            offset += stride[d];
            if index[d] < dims[d] {
                break;
            }
            offset -= stride[d] * dims[d];
            index[d] = 0;
        }
    }
}

fn zeros<E: Float>(n: usize) -> Vec<E> {
    vec![<E as WithDType>::from_f64(0.0); n]
}

fn unsupported(op: &str, s: &CpuStorage) -> candle_core::Error {
    candle_core::Error::Msg(format!(
        "{op}: actfn's CPU kernels take f32 or f64 tensors, got {:?} (act() converts bf16/f16 to f32 and back)",
        s.dtype()
    ))
}

/// Runs `$body` with `$x` bound to the contiguous elements of one storage and `E` to
/// its element type.
macro_rules! with_float1 {
    ($op:expr, $s:expr, $l:expr, |$x:ident: $E:ident| $body:expr) => {
        match $s {
            CpuStorage::F32(v) => {
                type $E = f32;
                let $x = contiguous(v, $l);
                $body
            }
            CpuStorage::F64(v) => {
                type $E = f64;
                let $x = contiguous(v, $l);
                $body
            }
            other => Err(unsupported($op, other)),
        }
    };
}

/// Two storages of the same float type.
macro_rules! with_float2 {
    ($op:expr, ($s1:expr, $l1:expr), ($s2:expr, $l2:expr), |$x:ident, $y:ident: $E:ident| $body:expr) => {
        match ($s1, $s2) {
            (CpuStorage::F32(a), CpuStorage::F32(b)) => {
                type $E = f32;
                let ($x, $y) = (contiguous(a, $l1), contiguous(b, $l2));
                $body
            }
            (CpuStorage::F64(a), CpuStorage::F64(b)) => {
                type $E = f64;
                let ($x, $y) = (contiguous(a, $l1), contiguous(b, $l2));
                $body
            }
            (CpuStorage::F32(_) | CpuStorage::F64(_), other) => Err(candle_core::Error::Msg(format!(
                "{}: dtype mismatch: {:?} and {:?}",
                $op,
                $s1.dtype(),
                other.dtype()
            ))),
            (other, _) => Err(unsupported($op, other)),
        }
    };
}

fn storage<E: Float>(data: Vec<E>, shape: Vec<usize>) -> (CpuStorage, Shape) {
    (E::to_cpu_storage_owned(data), Shape::from(shape))
}

fn forward<E: Float>(spec: &Spec, x: &[E], shape: &[usize]) -> Result<(CpuStorage, Shape)> {
    let out_shape = spec.output_shape(shape).map_err(wrap)?;
    let mut y = zeros::<E>(out_shape.iter().product());
    spec.forward_shaped(x, shape, &mut y).map_err(wrap)?;
    Ok(storage(y, out_shape))
}

fn backward<E: Float>(spec: &Spec, x: &[E], shape: &[usize], g: &[E]) -> Result<(CpuStorage, Shape)> {
    let mut dx = zeros::<E>(x.len());
    spec.backward_shaped(x, shape, g, &mut dx).map_err(wrap)?;
    Ok(storage(dx, shape.to_vec()))
}

/// The forward op: `y = f(x)` on actfn's kernel.
#[derive(Clone, Debug)]
pub(crate) struct Fwd(pub(crate) Spec);

impl CustomOp1 for Fwd {
    fn name(&self) -> &'static str {
        "actfn-forward"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        with_float1!(self.name(), s, l, |x: E| forward::<E>(&self.0, &x, l.dims()))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(arg.apply_op2(grad, Bwd(self.0.clone()))?))
    }
}

/// The backward op: `dx = Jᵀ(x)·g` on actfn's backward kernel; differentiable again.
#[derive(Clone, Debug)]
pub(crate) struct Bwd(pub(crate) Spec);

impl CustomOp2 for Bwd {
    fn name(&self) -> &'static str {
        "actfn-backward"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        with_float2!(self.name(), (s1, l1), (s2, l2), |x, g: E| backward::<E>(
            &self.0,
            &x,
            l1.dims(),
            &g
        ))
    }

    /// `r = Jᵀ(x)·g` is linear in `g` and smooth in `x` (for the smooth kinds); with
    /// upstream `h` (the shape of `x`) this returns `(∂⟨h, r⟩/∂x, ∂⟨h, r⟩/∂g)`.
    fn bwd(&self, x: &Tensor, g: &Tensor, _res: &Tensor, h: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        second_order(&self.0, x, g, h)
    }
}

/// `f''(x)` of a custom activation that has one, on its own kernel (CPU; other
/// devices go through the CPU). Not differentiable again: third derivatives are an error.
#[derive(Clone, Debug)]
pub(crate) struct SecondDerivative(pub(crate) Spec);

impl CustomOp1 for SecondDerivative {
    fn name(&self) -> &'static str {
        "actfn-second-derivative"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        with_float1!(self.name(), s, l, |x: E| {
            let mut d2 = zeros::<E>(x.len());
            self.0.second_derivative(&x, &mut d2).map_err(wrap)?;
            Ok(storage(d2, l.dims().to_vec()))
        })
    }

    fn bwd(&self, _arg: &Tensor, _res: &Tensor, _grad: &Tensor) -> Result<Option<Tensor>> {
        bail!("actfn-candle: `{}` has no third derivative", self.0)
    }
}

/// `f''(x)` of a custom activation as a tensor (see [`SecondDerivative`]).
pub(crate) fn second_derivative(spec: &Spec, x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() && matches!(x.dtype(), candle_core::DType::F32 | candle_core::DType::F64) {
        return x.apply_op1(SecondDerivative(spec.clone()));
    }
    let cpu = x
        .to_device(&candle_core::Device::Cpu)?
        .to_dtype(candle_core::DType::F32)?;
    cpu.apply_op1(SecondDerivative(spec.clone()))?
        .to_dtype(x.dtype())?
        .to_device(x.device())
}

/// `Jᵀ(x)·g` through the backward op (CPU f32/f64 tensors only).
pub(crate) fn vjp(spec: &Spec, x: &Tensor, g: &Tensor) -> Result<Tensor> {
    x.apply_op2(g, Bwd(spec.clone()))
}

/// The derivatives of `r(x, g) = Jᵀ(x)·g` contracted with `h`.
fn second_order(spec: &Spec, x: &Tensor, g: &Tensor, h: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
    match spec.info().shape {
        OpShape::Pointwise | OpShape::Channelwise => {
            // r = f'(x)·g: ∂/∂g = f'(x)·h, ∂/∂x = f''(x)·g·h.
            let dg = vjp(spec, x, h)?;
            let dx = match composite::second_derivative(x, spec)? {
                Some(f2) => Some((f2 * g)?.mul(h)?),
                None => None,
            };
            Ok((dx, Some(dg)))
        }
        OpShape::AlongDim => {
            let d = composite::resolve_dim(spec, x.rank())?;
            match spec.kind() {
                Kind::Softmax | Kind::Softmin => {
                    // Softmax: r = y⊙u, u = g − ⟨g,y⟩, with a symmetric Jacobian J:
                    // ∂/∂g = J·h = r(x, h); ∂/∂x = J·(h⊙u − ⟨h,y⟩·g) = r(x, v).
                    // Softmin (y = softmax(−x), r = −J_s(−x)·g): the same v, ∂/∂x = −r(x, v).
                    let y = crate::act(x, spec)?;
                    let u = g.broadcast_sub(&(g * &y)?.sum_keepdim(d)?)?;
                    let v = (h * u)?.sub(&(h * &y)?.sum_keepdim(d)?.broadcast_mul(g)?)?;
                    let dx = vjp(spec, x, &v)?;
                    let dx = if spec.kind() == Kind::Softmin { dx.neg()? } else { dx };
                    Ok((Some(dx), Some(vjp(spec, x, h)?)))
                }
                Kind::LogSoftmax => {
                    // r = g − p·Σg, p = softmax(x): ∂/∂g = h − Σ(h·p), ∂/∂x = −Σg · J_p h.
                    let softmax = Spec::new(Kind::Softmax)
                        .map_err(wrap)?
                        .with("dim", d as f64)
                        .map_err(wrap)?;
                    let p = crate::act(x, &softmax)?;
                    let dg = h.broadcast_sub(&(h * &p)?.sum_keepdim(d)?)?;
                    let dx = vjp(&softmax, x, h)?.broadcast_mul(&g.sum_keepdim(d)?)?.neg()?;
                    Ok((Some(dx), Some(dg)))
                }
                _ => bail!("actfn: no second derivative for {}", spec.name()),
            }
        }
        OpShape::Gated => {
            // r = [g·φ(b), φ'(b)·a·g]; h = [ha, hb].
            let d = composite::resolve_dim(spec, x.rank())?;
            let half = x.dim(d)? / 2;
            let (a, b) = (x.narrow(d, 0, half)?, x.narrow(d, half, half)?);
            let (ha, hb) = (h.narrow(d, 0, half)?, h.narrow(d, half, half)?);
            let gate = composite::gate(spec)?;
            let phi = crate::act(&b, &gate)?;
            let dg = (&ha * &phi)?.add(&vjp(&gate, &b, &(&hb * &a)?)?)?;
            let da = vjp(&gate, &b, &(&hb * g)?)?;
            let mut db = vjp(&gate, &b, &(&ha * g)?)?;
            if let Some(f2) = composite::second_derivative(&b, &gate)? {
                db = db.add(&(f2 * (&hb * g)?.mul(&a)?)?)?;
            }
            Ok((Some(Tensor::cat(&[da, db], d)?), Some(dg)))
        }
    }
}

fn prelu_spec(channels: usize) -> Result<Spec> {
    Spec::prelu(&vec![0.25; channels.max(1)]).map_err(wrap)
}

fn prelu_from<E: Float>(w: &[E]) -> Result<Spec> {
    let w: Vec<f64> = w.iter().map(|&v| <E as WithDType>::to_f64(v)).collect();
    Spec::prelu(&w).map_err(wrap)
}

/// PReLU with its weight as a second input: `y = x > 0 ? x : w_c·x`.
#[derive(Clone, Debug)]
pub(crate) struct PreluFwd;

impl CustomOp2 for PreluFwd {
    fn name(&self) -> &'static str {
        "actfn-prelu"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        with_float2!(self.name(), (s1, l1), (s2, l2), |x, w: E| forward::<E>(
            &prelu_from(&w)?,
            &x,
            l1.dims()
        ))
    }

    fn bwd(&self, x: &Tensor, w: &Tensor, _res: &Tensor, g: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let dx = x.apply_op3(w, g, PreluBwdX)?;
        let dw = if w.track_op() {
            Some(x.apply_op2(
                g,
                PreluBwdW {
                    weight_shape: w.shape().clone(),
                },
            )?)
        } else {
            None
        };
        Ok((Some(dx), dw))
    }
}

/// PReLU's input gradient `x > 0 ? g : w_c·g` (inputs `x`, `w`, `g`).
#[derive(Clone, Debug)]
pub(crate) struct PreluBwdX;

impl CustomOp3 for PreluBwdX {
    fn name(&self) -> &'static str {
        "actfn-prelu-backward"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        with_float2!(self.name(), (s1, l1), (s2, l2), |x, w: E| {
            let spec = prelu_from(&w)?;
            match s3 {
                CpuStorage::F32(_) | CpuStorage::F64(_) if s3.dtype() == s1.dtype() => {}
                other => return Err(unsupported(self.name(), other)),
            }
            let g = contiguous(<E as WithDType>::cpu_storage_as_slice(s3)?, l3);
            backward::<E>(&spec, &x, l1.dims(), &g)
        })
    }

    /// `r = g·(m + (1 − m)·w)` (m = x > 0): ∂/∂g = r(x, w, h), ∂/∂w = Σ_{x≤0} h·g, ∂/∂x = 0.
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        g: &Tensor,
        _res: &Tensor,
        h: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dg = x.apply_op3(w, h, PreluBwdX)?;
        let not_positive = x.le(0.0)?.to_dtype(x.dtype())?;
        let dw = reduce_to_weight(&(h * g)?.mul(&not_positive)?, w.shape())?;
        Ok((None, Some(dw), Some(dg)))
    }
}

/// PReLU's weight gradient `Σ_{x≤0} x·g` per channel (inputs `x`, `g`), on actfn's
/// `prelu_weight_grad` (compensated sums).
#[derive(Clone, Debug)]
pub(crate) struct PreluBwdW {
    pub(crate) weight_shape: Shape,
}

impl CustomOp2 for PreluBwdW {
    fn name(&self) -> &'static str {
        "actfn-prelu-weight-grad"
    }

    fn cpu_fwd(&self, s1: &CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> Result<(CpuStorage, Shape)> {
        let channels = self.weight_shape.elem_count();
        with_float2!(self.name(), (s1, l1), (s2, l2), |x, g: E| {
            let spec = prelu_spec(channels)?;
            let mut dw = zeros::<E>(channels);
            spec.prelu_weight_grad(&x, l1.dims(), &g, &mut dw).map_err(wrap)?;
            Ok((E::to_cpu_storage_owned(dw), self.weight_shape.clone()))
        })
    }

    /// `r_c = Σ_{x≤0, channel c} x·g`: ∂/∂x = (x≤0)·g·h_c, ∂/∂g = (x≤0)·x·h_c.
    fn bwd(&self, x: &Tensor, g: &Tensor, _res: &Tensor, h: &Tensor) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let not_positive = x.le(0.0)?.to_dtype(x.dtype())?;
        let hb = broadcast_weight(h, x)?.mul(&not_positive)?;
        Ok((Some((g * &hb)?), Some((x * hb)?)))
    }
}

/// A PReLU weight (one value or one per channel, dim 1) broadcast to the shape of `x`.
pub(crate) fn broadcast_weight(w: &Tensor, x: &Tensor) -> Result<Tensor> {
    if w.elem_count() == 1 {
        return w.reshape(())?.broadcast_as(x.shape());
    }
    let rank = x.rank();
    if rank < 2 || x.dim(1)? != w.elem_count() {
        bail!(
            "prelu has {} weights but the input {:?} has {} channel(s) (dim 1)",
            w.elem_count(),
            x.dims(),
            if rank >= 2 { x.dim(1)? } else { 1 }
        );
    }
    let mut shape = vec![1usize; rank];
    shape[1] = w.elem_count();
    w.reshape(shape)?.broadcast_as(x.shape())
}

/// Sums `t` (the input's shape) down to the weight's shape (all, or all but dim 1).
pub(crate) fn reduce_to_weight(t: &Tensor, weight_shape: &Shape) -> Result<Tensor> {
    if weight_shape.elem_count() == 1 {
        return t.sum_all()?.reshape(weight_shape);
    }
    let dims: Vec<usize> = (0..t.rank()).filter(|&d| d != 1).collect();
    t.sum_keepdim(dims)?.reshape(weight_shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, IndexOp};

    #[test]
    fn gather_follows_strides() {
        let t = Tensor::arange(0f32, 24., &Device::Cpu)
            .unwrap()
            .reshape((2, 3, 4))
            .unwrap();
        for view in [
            t.transpose(0, 2).unwrap(),
            t.narrow(2, 1, 2).unwrap(),
            t.i((.., 1..3, ..)).unwrap().transpose(1, 2).unwrap(),
            t.i((1, .., 2)).unwrap(),
        ] {
            let expect: Vec<f32> = view.flatten_all().unwrap().to_vec1().unwrap();
            let (s, l) = view.storage_and_layout();
            let data = match &*s {
                candle_core::Storage::Cpu(CpuStorage::F32(v)) => gather(v, l),
                _ => unreachable!(),
            };
            assert_eq!(data, expect);
        }
        let b = Tensor::new(&[1f32, 2.], &Device::Cpu).unwrap().reshape((2, 1)).unwrap();
        let b = b.broadcast_as((2, 3)).unwrap();
        let (s, l) = b.storage_and_layout();
        assert!(l.contiguous_offsets().is_none());
        match &*s {
            candle_core::Storage::Cpu(CpuStorage::F32(v)) => assert_eq!(gather(v, l), [1., 1., 1., 2., 2., 2.]),
            _ => unreachable!(),
        }
    }
}
