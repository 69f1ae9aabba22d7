//! Backward from the forward's output, for the kinds whose derivative is a cheap function
//! of `y = f(x)` (what PyTorch's autograd saves for them):
//!
//! | kind        | `dx` from `y` and `g`                          |
//! |-------------|------------------------------------------------|
//! | sigmoid     | `g·y·(1 − y)`                                  |
//! | tanh        | `g·(1 − y)·(1 + y)`                            |
//! | log_sigmoid | `−g·expm1(y)` (`σ(−x) = 1 − eʸ`)               |
//! | softmax     | `y·(g − Σ g·y)` along the row                  |
//! | softmin     | `−y·(g − Σ g·y)` along the row                 |
//! | log_softmax | `g − exp(y)·Σ g` along the row                 |
//!
//! No transcendental function is evaluated for sigmoid, tanh and softmax, so these run
//! at the memory bound; log_sigmoid's `expm1` is cheaper than the `σ(−x)` from the input,
//! and loses nothing: `1 − eʸ` has a condition number at most 1 in `y`. Accuracy: exact to a few roundings *given `y`*; since `y` is
//! itself rounded, the result inherits `y`'s rounding where the derivative cancels (the
//! sigmoid's far right tail, where `1 − y` is 0 or a few ULPs of 1): use
//! [`Activation::backward`](crate::Activation::backward) from the input when those
//! tails matter.

use actfn_math::drive::{self, Rows, PAR_MIN_LEN_COSTLY};
use actfn_math::simd::{self, LaneTask, Lanes, MAX_WIDTH};
use actfn_math::{Element, Real};
use rayon::prelude::*;

use crate::registry::Kind;

/// The kinds with a backward from the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutputGrad {
    Sigmoid,
    Tanh,
    LogSigmoid,
    Softmax,
    Softmin,
    LogSoftmax,
}

impl OutputGrad {
    pub(crate) fn of(kind: Kind) -> Option<OutputGrad> {
        Some(match kind {
            Kind::Sigmoid => OutputGrad::Sigmoid,
            Kind::Tanh => OutputGrad::Tanh,
            Kind::LogSigmoid => OutputGrad::LogSigmoid,
            Kind::Softmax => OutputGrad::Softmax,
            Kind::Softmin => OutputGrad::Softmin,
            Kind::LogSoftmax => OutputGrad::LogSoftmax,
            _ => return None,
        })
    }
}

struct Pointwise<'a, E> {
    op: OutputGrad,
    y: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
}

impl<E: Element> LaneTask<E> for Pointwise<'_, E> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        let one = L::splat(1.0);
        match self.op {
            OutputGrad::Sigmoid => drive::zip_lanes::<E, L>(
                self.y,
                self.g,
                self.dx,
                #[inline(always)]
                |y, g| g * y * (one - y),
            ),
            OutputGrad::LogSigmoid => drive::zip_lanes::<E, L>(
                self.y,
                self.g,
                self.dx,
                #[inline(always)]
                |y, g| g * y.one_minus_exp(),
            ),
            _ => drive::zip_lanes::<E, L>(
                self.y,
                self.g,
                self.dx,
                #[inline(always)]
                |y, g| g * ((one - y) * (one + y)),
            ),
        }
    }
}

/// `dx` of a pointwise kind (sigmoid, tanh, log_sigmoid) from its output.
pub(crate) fn pointwise<E: Element>(op: OutputGrad, y: &[E], g: &[E], dx: &mut [E]) {
    // Sigmoid's and tanh's cost about a copy per element: streaming stores for large
    // outputs (measured at 16M, 1 and 2 threads: 1.2 to 1.8 times as fast).
    let stream_min = match op {
        OutputGrad::Sigmoid | OutputGrad::Tanh => drive::STREAM_MIN_BYTES,
        _ => usize::MAX,
    };
    drive::with_stream_min_bytes(stream_min, || simd::dispatch(simd::level(), Pointwise { op, y, g, dx }));
}

struct ContiguousRows<'a, E> {
    op: OutputGrad,
    len: usize,
    y: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
}

#[inline(always)]
fn load_padded<E: Element, L: Lanes<E>>(src: &[E]) -> L {
    if src.len() == L::WIDTH {
        L::load(src)
    } else {
        let mut buf = [E::from_f64(0.0); MAX_WIDTH];
        buf[..src.len()].copy_from_slice(src);
        L::load(&buf)
    }
}

#[inline(always)]
fn store_part<E: Element, L: Lanes<E>>(v: L, dst: &mut [E]) {
    if dst.len() == L::WIDTH {
        v.store(dst);
    } else {
        let mut buf = [E::from_f64(0.0); MAX_WIDTH];
        v.store(&mut buf);
        let n = dst.len();
        dst.copy_from_slice(&buf[..n]);
    }
}

#[inline(always)]
fn lane_sum<E: Element, L: Lanes<E>>(v: L) -> f64 {
    let mut lanes = [0.0f64; MAX_WIDTH];
    v.to_f64s(&mut lanes);
    lanes[..L::WIDTH].iter().sum()
}

/// One element's `dx` from its output `y`, its gradient `g` and the row's reduction `s`.
/// (A named function, not a closure: closures are not always inlined into the SIMD
/// context, and an outlined intrinsic is a call.)
#[inline(always)]
fn update<L: Real>(op: OutputGrad, y: L, g: L, s: L) -> L {
    match op {
        OutputGrad::LogSoftmax => (-y.exp()).mul_add(s, g),
        OutputGrad::Softmin => -(y * (g - s)),
        _ => y * (g - s),
    }
}

/// Prefetches the cache lines of `next[k..k + n]` (nothing past its end).
#[inline(always)]
fn prefetch_lines<E>(next: &[E], k: usize, n: usize) {
    let line = (64 / core::mem::size_of::<E>()).max(1);
    let mut at = k;
    while at < k + n {
        simd::prefetch(next, at);
        at += line;
    }
}

/// One contiguous row, two vectors at a time: the reduction, then the update. The
/// reduction, which reads the row from memory, prefetches the same span of the next
/// row's `y` and `g` (`next_y`, `next_g`; empty for none; log_softmax, whose reduction
/// reads only `g`, prefetches its own `y` instead of the next row's). `nt`: `dx` by
/// streaming stores from its first aligned element on (the caller fences). Both only
/// where `LARGE`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn row<E: Element, L: Lanes<E>, const LARGE: bool>(
    op: OutputGrad,
    y: &[E],
    g: &[E],
    dx: &mut [E],
    next_y: &[E],
    next_g: &[E],
    nt: bool,
) {
    let w = L::WIDTH;
    // Two accumulators halve the dependency chain of the reduction.
    let (mut a0, mut a1) = (L::splat(0.0), L::splat(0.0));
    let mut k = 0;
    let log = op == OutputGrad::LogSoftmax;
    // Small rows compile without either branch.
    let (fetch, nt) = (LARGE && !next_g.is_empty(), LARGE && nt);
    while k + 2 * w <= y.len() {
        if fetch {
            prefetch_lines(next_g, k, 2 * w);
            // log_softmax's reduction reads only g: it fetches this row's y for the update.
            prefetch_lines(if log { y } else { next_y }, k, 2 * w);
        }
        let (g0, g1) = (L::load(&g[k..]), L::load(&g[k + w..]));
        if log {
            a0 = a0 + g0;
            a1 = a1 + g1;
        } else {
            a0 = g0.mul_add(L::load(&y[k..]), a0);
            a1 = g1.mul_add(L::load(&y[k + w..]), a1);
        }
        k += 2 * w;
    }
    while k < y.len() {
        let e = (k + w).min(y.len());
        let gv: L = load_padded(&g[k..e]);
        a0 = if log {
            a0 + gv
        } else {
            gv.mul_add(load_padded(&y[k..e]), a0)
        };
        k = e;
    }
    let s = L::param(lane_sum::<E, L>(a0 + a1));
    // Where streaming (`nt`), the elements before dx's first aligned one go through the
    // padded path first; then whole vectors two at a time, then the rest padded.
    let mut k = 0;
    if nt {
        k = drive::aligned_head::<E, L>(dx);
        if k > 0 {
            store_part(update(op, load_padded(&y[..k]), load_padded(&g[..k]), s), &mut dx[..k]);
        }
    }
    while k + 2 * w <= y.len() {
        let d0 = update(op, L::load(&y[k..]), L::load(&g[k..]), s);
        let d1 = update(op, L::load(&y[k + w..]), L::load(&g[k + w..]), s);
        if nt {
            d0.store_stream(&mut dx[k..k + w]);
            d1.store_stream(&mut dx[k + w..k + 2 * w]);
        } else {
            d0.store(&mut dx[k..k + w]);
            d1.store(&mut dx[k + w..k + 2 * w]);
        }
        k += 2 * w;
    }
    while k < y.len() {
        let e = (k + w).min(y.len());
        store_part(
            update(op, load_padded(&y[k..e]), load_padded(&g[k..e]), s),
            &mut dx[k..e],
        );
        k = e;
    }
}

impl<E: Element> LaneTask<E> for ContiguousRows<'_, E> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        let (op, len) = (self.op, self.len);
        let total_bytes = core::mem::size_of_val(self.dx);
        let rows = |y: &[E], g: &[E], dx: &mut [E]| {
            L::vectorize(
                #[inline(always)]
                || {
                    // Past the L2 cache each row is new pages, where the hardware
                    // prefetchers start cold: the reduction fetches the next row.
                    if core::mem::size_of_val(y) < drive::PREFETCH_MIN_BYTES {
                        for ((yr, gr), dr) in y
                            .chunks_exact(len)
                            .zip(g.chunks_exact(len))
                            .zip(dx.chunks_exact_mut(len))
                        {
                            row::<E, L, false>(op, yr, gr, dr, &[], &[], false);
                        }
                        return;
                    }
                    // Past drive::STREAM_MIN_BYTES of output, as the element-wise kernels:
                    // dx's lines go to memory without being read first.
                    let nt = L::STREAMS && total_bytes >= drive::STREAM_MIN_BYTES;
                    for (r, dr) in dx.chunks_exact_mut(len).enumerate() {
                        let (at, next) = (r * len, (r + 1) * len);
                        let (next_y, next_g) = if next + len <= y.len() {
                            (&y[next..next + len], &g[next..next + len])
                        } else {
                            (&y[..0], &g[..0])
                        };
                        row::<E, L, true>(op, &y[at..next], &g[at..next], dr, next_y, next_g, nt);
                    }
                    if nt {
                        L::stream_fence();
                    }
                },
            )
        };
        let n = self.y.len();
        let threads = rayon::current_num_threads();
        if n < PAR_MIN_LEN_COSTLY || threads == 1 || n / len < 2 {
            return rows(self.y, self.g, self.dx);
        }
        let per = (n / len).div_ceil(threads) * len;
        self.dx
            .par_chunks_mut(per)
            .zip(self.y.par_chunks(per).zip(self.g.par_chunks(per)))
            .for_each(|(d, (y, g))| rows(y, g, d));
    }
}

/// `dx` of a row-wise kind from its output, rows laid out as `rows`.
pub(crate) fn rows<E: Element>(op: OutputGrad, y: &[E], g: &[E], dx: &mut [E], rows: Rows) {
    if rows.len == 0 || y.is_empty() {
        return;
    }
    if rows.inner == 1 {
        let task = ContiguousRows {
            op,
            len: rows.len,
            y,
            g,
            dx,
        };
        return simd::dispatch(simd::level(), task);
    }
    // Strided rows (any dim but the last): one row at a time in f64.
    let Rows { outer, len, inner } = rows;
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| o * len * inner + k * inner + i;
            let mut s = 0.0f64;
            for k in 0..len {
                let (yk, gk) = (y[at(k)].to_f64(), g[at(k)].to_f64());
                s += if op == OutputGrad::LogSoftmax { gk } else { gk * yk };
            }
            for k in 0..len {
                let (yk, gk) = (y[at(k)].to_f64(), g[at(k)].to_f64());
                let d = match op {
                    OutputGrad::LogSoftmax => gk - yk.exp() * s,
                    OutputGrad::Softmin => -(yk * (gk - s)),
                    _ => yk * (gk - s),
                };
                dx[at(k)] = E::from_f64(d);
            }
        }
    }
}
