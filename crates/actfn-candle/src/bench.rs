//! Forward+backward throughput through candle's autograd: actfn's op against candle's
//! built-in one (what `actfn bench --candle` reports).

use std::time::Instant;

use actfn::{Kind, OpShape, SELU_ALPHA, SELU_SCALE};
use candle_core::{DType, Device, Result, Tensor, Var, D};

use crate::init::Rng;
use crate::{act, parse, Spec};

/// Elements per second of `y = f(x)` followed by `y.backward()` (median of the reps).
#[derive(Clone, Debug, PartialEq)]
pub struct BenchResult {
    /// The canonical spec.
    pub spec: String,
    /// Elements of the input.
    pub n: usize,
    /// actfn's op (the CPU custom op and its backward).
    pub actfn_elems_per_s: f64,
    /// candle's own op with the same forward values, where candle has one.
    pub candle_elems_per_s: Option<f64>,
}

impl BenchResult {
    /// `actfn / candle`: above 1 means actfn is faster.
    pub fn ratio(&self) -> Option<f64> {
        self.candle_elems_per_s.map(|c| self.actfn_elems_per_s / c)
    }
}

type Op = Box<dyn Fn(&Tensor) -> Result<Tensor>>;

/// candle's built-in op computing the same function as `spec` (kink gradients may
/// differ, see the crate docs), or `None` where candle has none.
pub fn candle_builtin(spec: &Spec) -> Option<Op> {
    let p = spec.params().to_vec();
    let dim = spec.dim().unwrap_or(-1);
    // The benchmark's inputs work along the last dim.
    if dim != -1 && matches!(spec.info().shape, OpShape::AlongDim) {
        return None;
    }
    Some(match spec.kind() {
        Kind::Relu => Box::new(|x: &Tensor| x.relu()),
        Kind::Relu6 => Box::new(|x: &Tensor| x.clamp(0f32, 6f32)),
        Kind::Gelu if p[0] == 0.0 => Box::new(|x: &Tensor| x.gelu_erf()),
        Kind::Gelu => Box::new(|x: &Tensor| x.gelu()),
        Kind::Silu => Box::new(|x: &Tensor| x.silu()),
        Kind::Sigmoid => Box::new(candle_nn::ops::sigmoid),
        Kind::Tanh => Box::new(|x: &Tensor| x.tanh()),
        Kind::Elu => Box::new(move |x: &Tensor| x.elu(p[0])),
        Kind::Selu => Box::new(|x: &Tensor| candle_nn::ops::selu(x, SELU_ALPHA as f32, SELU_SCALE as f32)),
        Kind::LeakyRelu => Box::new(move |x: &Tensor| candle_nn::ops::leaky_relu(x, p[0])),
        Kind::Mish => Box::new(candle_nn::ops::mish),
        Kind::Hardsigmoid => Box::new(candle_nn::ops::hard_sigmoid),
        Kind::Sine => Box::new(move |x: &Tensor| x.affine(p[0], 0.0)?.sin()),
        Kind::Softmax => Box::new(|x: &Tensor| candle_nn::ops::softmax(x, D::Minus1)),
        Kind::LogSoftmax => Box::new(|x: &Tensor| candle_nn::ops::log_softmax(x, D::Minus1)),
        Kind::Softmin => Box::new(|x: &Tensor| candle_nn::ops::softmax(&x.neg()?, D::Minus1)),
        _ => return None,
    })
}

/// The benchmark's input shape for `n` elements: flat for pointwise kinds, rows of
/// 1024 (or one row) for the dim-wise and gated ones.
pub fn bench_shape(spec: &Spec, n: usize) -> Vec<usize> {
    match spec.info().shape {
        OpShape::Pointwise | OpShape::Channelwise => vec![n],
        OpShape::AlongDim | OpShape::Gated => {
            if n >= 1024 && n.is_multiple_of(1024) {
                vec![n / 1024, 1024]
            } else {
                vec![1, n]
            }
        }
    }
}

/// A seeded f32 input of `n` elements uniform in `[-4, 4)`, as a variable.
pub fn bench_input(spec: &Spec, n: usize) -> Result<Var> {
    let mut rng = Rng::new(0x5eed);
    let values: Vec<f32> = (0..n).map(|_| (rng.uniform() * 8.0 - 4.0) as f32).collect();
    Var::from_vec(values, bench_shape(spec, n), &Device::Cpu)
}

/// One timed `y = f(x); y.backward()`, in seconds.
fn time_once(f: &dyn Fn(&Tensor) -> Result<Tensor>, x: &Var) -> Result<f64> {
    let start = Instant::now();
    let y = f(x.as_tensor())?;
    let grads = y.backward()?;
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(grads);
    Ok(secs)
}

fn median_rate(times: &mut [f64], n: usize) -> f64 {
    times.sort_by(f64::total_cmp);
    n as f64 / times[times.len() / 2].max(1e-12)
}

/// Forward+backward throughput of `spec` on `n` f32 elements on the CPU, actfn's op and
/// (where candle has one) candle's built-in op: the median of `reps` timed runs of each,
/// alternated, after a warm-up. Threads are whatever candle and actfn use by default.
pub fn bench_forward_backward(spec: &str, n: usize, reps: usize) -> Result<BenchResult> {
    bench_forward_backward_until(spec, n, reps, std::time::Duration::ZERO)
}

/// [`bench_forward_backward`] timing at least `reps` runs of each op and going on until
/// `min` has passed (at most 10 000 runs each).
pub fn bench_forward_backward_until(
    spec: &str,
    n: usize,
    reps: usize,
    min: std::time::Duration,
) -> Result<BenchResult> {
    let spec = parse(spec)?;
    let x = bench_input(&spec, n)?;
    debug_assert_eq!(x.dtype(), DType::F32);
    let ours = {
        let spec = spec.clone();
        move |t: &Tensor| act(t, &spec)
    };
    let theirs = candle_builtin(&spec);
    // Warm up, then alternate the two ops rep by rep, so that both see the same machine
    // load (the medians then compare fairly even on a busy machine).
    time_once(&ours, &x)?;
    if let Some(op) = &theirs {
        time_once(op.as_ref(), &x)?;
    }
    let (mut ta, mut tc) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while ta.len() < reps.max(1) || (start.elapsed() < min && ta.len() < 10_000) {
        ta.push(time_once(&ours, &x)?);
        if let Some(op) = &theirs {
            tc.push(time_once(op.as_ref(), &x)?);
        }
    }
    let actfn_elems_per_s = median_rate(&mut ta, n);
    let candle_elems_per_s = theirs.map(|_| median_rate(&mut tc, n));
    Ok(BenchResult {
        spec: spec.to_string(),
        n,
        actfn_elems_per_s,
        candle_elems_per_s,
    })
}
