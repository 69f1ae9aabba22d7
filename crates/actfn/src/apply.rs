//! The slice API: forward, forward in place and backward over `f32`/`f64` slices,
//! with the shape of the array where the activation needs it.

use actfn_math::dd::Sum;
use actfn_math::drive::{self, Rows};
use actfn_math::simd::{self, Level};
use actfn_math::{Element, Real};

use crate::activation::{needs_shape, Activation};
use crate::error::{Error, Result};
use crate::info::OpShape;
use crate::kernels;
use crate::lanes::nan_through;
use crate::op::RowWise;
use crate::registry::Kind;
use crate::rows::RowOp;

impl Activation {
    /// `y = f(x)` element by element; row-wise and gated kinds see `x` as a 1-d array.
    ///
    /// Errors when the lengths differ (for gated kinds `y` has half the length).
    pub fn forward<E: Element>(&self, x: &[E], y: &mut [E]) -> Result<()> {
        self.forward_shaped(x, &[x.len()], y)
    }

    /// `y = f(x)` for a C-order array of shape `shape` (row-wise and gated kinds work
    /// along their `dim`; PReLU's channels are dim 1).
    pub fn forward_shaped<E: Element>(&self, x: &[E], shape: &[usize], y: &mut [E]) -> Result<()> {
        let out_shape = self.output_shape(shape)?;
        check_len("input", x.len(), shape)?;
        check_len("output", y.len(), &out_shape)?;
        if let Some(c) = self.as_custom() {
            crate::custom::run(&**c, crate::custom::Order::Forward, x, y);
            return Ok(());
        }
        match self.info().shape {
            OpShape::Pointwise if self.rrelu_training() => {
                let r = self.rrelu_slopes();
                drive::map(x, y, |v| v);
                apply_rrelu(y, &r, self.params()[3] as u64);
            }
            OpShape::Pointwise => kernels::forward(self.kind(), self.params(), x, y),
            OpShape::Channelwise => kernels::prelu_forward(&self.prelu_blocks(shape)?, x, y),
            OpShape::AlongDim => {
                let rows = self.rows(shape)?;
                match RowOp::of(self.kind()) {
                    Some(op) if simd::level() != Level::Scalar => kernels::rows_forward(op, x, y, rows),
                    _ => {
                        y.copy_from_slice(x);
                        let op = self.kind().row_op().expect("row op");
                        for_each_row(y, rows, |row| op.fwd_row(row));
                    }
                }
            }
            OpShape::Gated => {
                let halves = self.halves(shape)?;
                kernels::gated_forward(self.kind(), self.params(), x, y, halves);
            }
        }
        Ok(())
    }

    /// `x = f(x)` in place (not for the gated kinds, whose output is smaller).
    pub fn forward_in_place<E: Element>(&self, x: &mut [E]) -> Result<()> {
        let n = x.len();
        self.forward_in_place_shaped(x, &[n])
    }

    /// `x = f(x)` in place for an array of shape `shape`.
    pub fn forward_in_place_shaped<E: Element>(&self, x: &mut [E], shape: &[usize]) -> Result<()> {
        check_len("input", x.len(), shape)?;
        if let Some(c) = self.as_custom() {
            let input = x.to_vec();
            crate::custom::run(&**c, crate::custom::Order::Forward, &input, x);
            return Ok(());
        }
        match self.info().shape {
            OpShape::Pointwise if self.rrelu_training() => {
                let r = self.rrelu_slopes();
                apply_rrelu(x, &r, self.params()[3] as u64);
            }
            OpShape::Pointwise => kernels::forward_in_place(self.kind(), self.params(), x),
            OpShape::Channelwise => kernels::prelu_forward_in_place(&self.prelu_blocks(shape)?, x),
            OpShape::AlongDim => {
                let rows = self.rows(shape)?;
                match RowOp::of(self.kind()) {
                    Some(op) if simd::level() != Level::Scalar => kernels::rows_forward_in_place(op, x, rows),
                    _ => {
                        let op = self.kind().row_op().expect("row op");
                        for_each_row(x, rows, |row| op.fwd_row(row));
                    }
                }
            }
            OpShape::Gated => {
                return Err(Error::Unsupported {
                    activation: self.name(),
                    operation: "in-place forward (its output is half the input)",
                })
            }
        }
        Ok(())
    }

    /// The vector-Jacobian product: `grad_input = Jᵀ·grad_output` at input `x`.
    /// Element-wise: `grad_input[i] = grad_output[i]·f'(x[i])`, with PyTorch's values
    /// at kinks. NaN inputs give NaN gradients.
    pub fn backward<E: Element>(&self, x: &[E], grad_output: &[E], grad_input: &mut [E]) -> Result<()> {
        self.backward_shaped(x, &[x.len()], grad_output, grad_input)
    }

    /// The vector-Jacobian product for an array of shape `shape`; `grad_output` has the
    /// output's shape ([`Activation::output_shape`]), `grad_input` the input's.
    pub fn backward_shaped<E: Element>(
        &self,
        x: &[E],
        shape: &[usize],
        grad_output: &[E],
        grad_input: &mut [E],
    ) -> Result<()> {
        let out_shape = self.output_shape(shape)?;
        check_len("input", x.len(), shape)?;
        check_len("grad_output", grad_output.len(), &out_shape)?;
        check_len("grad_input", grad_input.len(), shape)?;
        if let Some(c) = self.as_custom() {
            crate::custom::run(&**c, crate::custom::Order::First, x, grad_input);
            for (d, &g) in grad_input.iter_mut().zip(grad_output) {
                *d = E::from_lane(g.to_lane() * d.to_lane());
            }
            return Ok(());
        }
        match self.info().shape {
            OpShape::Pointwise if self.rrelu_training() => {
                let r = self.rrelu_slopes();
                drive::zip(x, grad_output, grad_input, nan_through);
                let seed = self.params()[3] as u64;
                for (i, (d, &xi)) in grad_input.iter_mut().zip(x).enumerate() {
                    if xi.to_f64() <= 0.0 {
                        *d = E::from_lane(d.to_lane() * r.slope::<E>(seed, i));
                    }
                }
            }
            OpShape::Pointwise => kernels::backward(self.kind(), self.params(), x, grad_output, grad_input),
            OpShape::Channelwise => kernels::prelu_backward(&self.prelu_blocks(shape)?, x, grad_output, grad_input),
            OpShape::AlongDim => {
                let rows = self.rows(shape)?;
                match RowOp::of(self.kind()) {
                    Some(op) if simd::level() != Level::Scalar => {
                        kernels::rows_backward(op, x, grad_output, grad_input, rows)
                    }
                    _ => {
                        let op = self.kind().row_op().expect("row op");
                        backward_rows(op, x, grad_output, grad_input, rows);
                    }
                }
            }
            OpShape::Gated => {
                let halves = self.halves(shape)?;
                kernels::gated_backward(self.kind(), self.params(), x, grad_output, grad_input, halves);
            }
        }
        Ok(())
    }

    /// Whether [`Activation::backward_from_output`] is defined for this activation:
    /// sigmoid, tanh, log_sigmoid, softmax, softmin and log_softmax, whose derivative is a
    /// cheap function of the output (what PyTorch's autograd saves for them).
    pub fn has_backward_from_output(&self) -> bool {
        crate::from_output::OutputGrad::of(self.kind()).is_some()
    }

    /// The vector-Jacobian product from the forward's output `y` instead of its input:
    /// sigmoid `g·y(1−y)`, tanh `g(1−y)(1+y)`, log_sigmoid `−g·expm1(y)`, softmax
    /// `y(g − Σg·y)`, softmin its negation, log_softmax `g − exp(y)·Σg`. No
    /// transcendental function is evaluated (bar log_sigmoid's expm1 and log_softmax's
    /// exp), so it is the cheaper backward; its accuracy is that of
    /// `y` (the sigmoid's far right tail, where `1 − y` cancels, is better served by
    /// [`Activation::backward`]). Errors for the other kinds
    /// ([`Activation::has_backward_from_output`]).
    pub fn backward_from_output<E: Element>(&self, y: &[E], grad_output: &[E], grad_input: &mut [E]) -> Result<()> {
        self.backward_from_output_shaped(y, &[y.len()], grad_output, grad_input)
    }

    /// [`Activation::backward_from_output`] for an array of shape `shape` (rows along
    /// `dim` for the row-wise kinds).
    pub fn backward_from_output_shaped<E: Element>(
        &self,
        y: &[E],
        shape: &[usize],
        grad_output: &[E],
        grad_input: &mut [E],
    ) -> Result<()> {
        use crate::from_output::{self, OutputGrad};
        let op = OutputGrad::of(self.kind()).ok_or(Error::Unsupported {
            activation: self.name(),
            operation:
                "backward from the output (only sigmoid, tanh, log_sigmoid, softmax, softmin and log_softmax have it)",
        })?;
        check_len("output", y.len(), shape)?;
        check_len("grad_output", grad_output.len(), shape)?;
        check_len("grad_input", grad_input.len(), shape)?;
        match op {
            OutputGrad::Sigmoid | OutputGrad::Tanh | OutputGrad::LogSigmoid => {
                from_output::pointwise(op, y, grad_output, grad_input)
            }
            _ => from_output::rows(op, y, grad_output, grad_input, self.rows(shape)?),
        }
        Ok(())
    }

    /// PReLU's weight gradient: for each channel, `Σ x·g` over the elements with
    /// `x <= 0` (a NaN input makes its channel's gradient NaN). `grad_weight` has the
    /// weight's length.
    pub fn prelu_weight_grad<E: Element>(
        &self,
        x: &[E],
        shape: &[usize],
        grad_output: &[E],
        grad_weight: &mut [E],
    ) -> Result<()> {
        if self.kind() != Kind::Prelu {
            return Err(Error::Unsupported {
                activation: self.name(),
                operation: "a weight gradient",
            });
        }
        check_len("input", x.len(), shape)?;
        check_len("grad_output", grad_output.len(), shape)?;
        if grad_weight.len() != self.prelu_weight().len() {
            return Err(Error::Length {
                what: "grad_weight",
                expected: self.prelu_weight().len(),
                actual: grad_weight.len(),
            });
        }
        let channels = self.prelu_weight().len();
        let mut sums = vec![Sum::default(); channels];
        let mut channel_of = self.prelu_channel_index(shape)?;
        for (i, (&xi, &gi)) in x.iter().zip(grad_output).enumerate() {
            let (xv, gv) = (xi.to_f64(), gi.to_f64());
            if xv <= 0.0 || xv.is_nan() {
                sums[channel_of(i)].add(xv * gv);
            }
        }
        for (w, s) in grad_weight.iter_mut().zip(sums) {
            *w = E::from_f64(s.value());
        }
        Ok(())
    }

    /// RReLU in training mode: the slope drawn for each element (1 where `x > 0`), as
    /// PyTorch's `noise` tensor. In eval mode, the mean slope where `x <= 0`.
    pub fn rrelu_noise<E: Element>(&self, x: &[E], noise: &mut [E]) -> Result<()> {
        if self.kind() != Kind::Rrelu {
            return Err(Error::Unsupported {
                activation: self.name(),
                operation: "a noise tensor",
            });
        }
        if noise.len() != x.len() {
            return Err(Error::Length {
                what: "noise",
                expected: x.len(),
                actual: noise.len(),
            });
        }
        let r = self.rrelu_slopes();
        let seed = self.params()[3] as u64;
        let training = self.rrelu_training();
        let mid = E::param((self.params()[0] + self.params()[1]) / 2.0);
        for (i, (n, &xi)) in noise.iter_mut().zip(x).enumerate() {
            let positive = xi.to_f64() > 0.0;
            *n = E::from_lane(if positive {
                E::Lane::splat(1.0)
            } else if training {
                r.slope::<E>(seed, i)
            } else {
                mid
            });
        }
        Ok(())
    }

    /// The output's shape for an input of shape `shape`: the same, but for the gated
    /// kinds, whose `dim` halves. Checks `dim` and the split.
    pub fn output_shape(&self, shape: &[usize]) -> Result<Vec<usize>> {
        match self.info().shape {
            OpShape::Gated => {
                let dim = self.resolve_dim(shape.len())?;
                let size = shape.get(dim).copied().unwrap_or(1);
                if size % 2 != 0 {
                    return Err(Error::OddSplit {
                        activation: self.name(),
                        dim,
                        size,
                    });
                }
                let mut out = shape.to_vec();
                if out.is_empty() {
                    out.push(1);
                }
                out[dim] = size / 2;
                Ok(out)
            }
            OpShape::AlongDim => {
                self.resolve_dim(shape.len())?;
                Ok(shape.to_vec())
            }
            _ => Ok(shape.to_vec()),
        }
    }

    /// Whether this activation's kernels need the array's shape, not just its length.
    pub fn needs_shape(&self) -> bool {
        needs_shape(self.kind()) && !(self.kind() == Kind::Prelu && self.prelu_weight().len() == 1)
    }

    /// `dim` in `0..ndim` (a 0-d array counts as 1-d, as in PyTorch).
    fn resolve_dim(&self, ndim: usize) -> Result<usize> {
        let dim = self.dim().unwrap_or(-1);
        let n = ndim.max(1) as i64;
        if dim < -n || dim >= n {
            return Err(Error::Dim { dim, ndim });
        }
        Ok(if dim < 0 { (dim + n) as usize } else { dim as usize })
    }

    fn rows(&self, shape: &[usize]) -> Result<Rows> {
        let dim = self.resolve_dim(shape.len())?;
        Ok(if shape.is_empty() {
            Rows::new(&[1], 0)
        } else {
            Rows::new(shape, dim)
        })
    }

    fn halves(&self, shape: &[usize]) -> Result<Rows> {
        let dim = self.resolve_dim(shape.len())?;
        let shape = if shape.is_empty() { vec![1] } else { shape.to_vec() };
        Ok(Rows::new(&shape, dim))
    }

    /// Maps element index → channel index for PReLU.
    fn prelu_channel_index(&self, shape: &[usize]) -> Result<impl FnMut(usize) -> usize> {
        let channels = self.prelu_weight().len();
        let inner: usize = if channels == 1 { 1 } else { self.prelu_check(shape)?.2 };
        Ok(move |i: usize| if channels == 1 { 0 } else { (i / inner) % channels })
    }

    /// (outer, channels, inner) of a per-channel PReLU, checked against the weight.
    fn prelu_check(&self, shape: &[usize]) -> Result<(usize, usize, usize)> {
        let channels = self.prelu_weight().len();
        let c = if shape.len() >= 2 { shape[1] } else { 1 };
        if c != channels {
            return Err(Error::Shape(format!(
                "prelu has {channels} weights but the input {shape:?} has {c} channel(s) (dim 1)"
            )));
        }
        let outer = shape[0];
        let inner = shape[2..].iter().product();
        Ok((outer, channels, inner))
    }

    /// The contiguous blocks of one channel each, with the channel's weight.
    fn prelu_blocks(&self, shape: &[usize]) -> Result<kernels::Blocks> {
        let w = self.prelu_weight();
        if w.len() == 1 {
            let n = shape.iter().product();
            return Ok(vec![(0..n, w[0])]);
        }
        let (outer, channels, inner) = self.prelu_check(shape)?;
        let mut blocks = Vec::with_capacity(outer * channels);
        for o in 0..outer {
            for (c, &wc) in w.iter().enumerate().take(channels) {
                let start = (o * channels + c) * inner;
                blocks.push((start..start + inner, wc));
            }
        }
        Ok(blocks)
    }

    fn rrelu_slopes(&self) -> RreluSlopes {
        RreluSlopes {
            lower: self.params()[0],
            upper: self.params()[1],
        }
    }
}

fn check_len(what: &'static str, actual: usize, shape: &[usize]) -> Result<()> {
    let expected: usize = shape.iter().product();
    if actual != expected {
        return Err(Error::Length { what, expected, actual });
    }
    Ok(())
}

/// RReLU's training-mode slopes: `lower + (upper − lower)·u`, `u` uniform in [0, 1)
/// from a counter-based generator (SplitMix64 of seed and index), so forward and
/// backward draw the same slope for the same element without storing it.
struct RreluSlopes {
    lower: f64,
    upper: f64,
}

impl RreluSlopes {
    fn slope<E: Element>(&self, seed: u64, index: usize) -> E::Lane {
        let u = (splitmix64(seed ^ splitmix64(index as u64)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        E::param(self.lower + (self.upper - self.lower) * u)
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `y[i] ← slope_i·y[i]` where `y[i] <= 0` (y holds the input).
fn apply_rrelu<E: Element>(y: &mut [E], r: &RreluSlopes, seed: u64) {
    for (i, v) in y.iter_mut().enumerate() {
        if v.to_f64() <= 0.0 {
            *v = E::from_lane(r.slope::<E>(seed, i) * v.to_lane());
        }
    }
}

/// Runs `f` on every row (gathered into an `f64` buffer) and writes it back.
fn for_each_row<E: Element>(data: &mut [E], rows: Rows, mut f: impl FnMut(&mut [f64])) {
    if rows.len == 0 {
        return;
    }
    let mut buf = Vec::with_capacity(rows.len);
    for start in rows.starts() {
        buf.clear();
        buf.extend((0..rows.len).map(|k| data[start + k * rows.inner].to_f64()));
        f(&mut buf);
        for (k, &v) in buf.iter().enumerate() {
            data[start + k * rows.inner] = E::from_f64(v);
        }
    }
}

fn backward_rows<E: Element>(op: &dyn RowWise, x: &[E], g: &[E], dx: &mut [E], rows: Rows) {
    if rows.len == 0 {
        return;
    }
    let mut xb = Vec::with_capacity(rows.len);
    let mut gb = Vec::with_capacity(rows.len);
    for start in rows.starts() {
        xb.clear();
        gb.clear();
        xb.extend((0..rows.len).map(|k| x[start + k * rows.inner].to_f64()));
        gb.extend((0..rows.len).map(|k| g[start + k * rows.inner].to_f64()));
        op.bwd_row(&xb, &mut gb);
        for (k, &v) in gb.iter().enumerate() {
            dx[start + k * rows.inner] = E::from_f64(v);
        }
    }
}
