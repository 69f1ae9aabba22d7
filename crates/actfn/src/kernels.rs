//! The vector entry points of the slice API: one [`LaneTask`] per kernel shape, run at
//! the current SIMD level ([`actfn_math::simd::level`]) with the lane type it picks, so
//! the level is chosen once per call and every element of the slices goes through the
//! same vector code.
//!
//! The kernels are compiled once, in this crate, for `f32` and `f64` (the `typed!`
//! wrappers below): the generic entry points only cast the slices, so a crate calling
//! `Activation::forward::<f32>` does not compile the kernel matrix again.

use core::any::TypeId;
use core::marker::PhantomData;
use core::ops::Range;

use actfn_math::drive::{self, Rows};
use actfn_math::simd::{self, LaneTask, Lanes};
use actfn_math::{Element, Real};

use crate::family::rectifier::LeakyRelu;
use crate::lanes::nan_through;
use crate::op::{Params, Pointwise, Slope};
use crate::registry::{Kind, Visitor};
use crate::rows::{self, RowOp};

/// Which registry arms a task instantiates.
pub(crate) trait Pick {
    fn visit<L: Real, V: Visitor<L>>(kind: Kind, p: &Params<'_, L>, v: V) -> Option<V::Out>;
}

/// Every element-wise op, in lanes of the element type.
pub(crate) struct Native;
/// The kinds whose `f32` elements run in `f64` lanes.
pub(crate) struct Wide;

impl Pick for Native {
    #[inline(always)]
    fn visit<L: Real, V: Visitor<L>>(kind: Kind, p: &Params<'_, L>, v: V) -> Option<V::Out> {
        kind.visit_pointwise(p, v)
    }
}

impl Pick for Wide {
    #[inline(always)]
    fn visit<L: Real, V: Visitor<L>>(kind: Kind, p: &Params<'_, L>, v: V) -> Option<V::Out> {
        kind.visit_wide(p, v)
    }
}

/// The parameters of an activation as lanes of `L` for elements `E`.
fn params<E: Element, L: Lanes<E>>(raw: &[f64]) -> Params<'_, L> {
    Params::new(raw, <L as Lanes<E>>::param, E::PRECISION == 24 && L::PRECISION == 53)
}

/// What `kind`'s element-wise backward reads ([`Pointwise::SLOPE`]; row-wise, gated and
/// custom kinds read their inputs).
pub(crate) fn slope(kind: Kind, raw: &[f64]) -> Slope {
    struct SlopeOf;
    impl Visitor<f64> for SlopeOf {
        type Out = Slope;
        fn visit<P: Pointwise<f64>>(self, _: P) -> Slope {
            P::SLOPE
        }
    }
    kind.visit_pointwise(&Params::new(raw, |v| v, false), SlopeOf)
        .unwrap_or(Slope::OfInput)
}

/// The wide kinds whose *forward* meets the `f32` contract in `f32` lanes (the backward
/// has its own list, [`native_backward`]): measured by the accuracy tests at every level.
fn native_forward(kind: Kind, raw: &[f64]) -> bool {
    match kind {
        // The exact (erf) form; the tanh form's σ leaves the normal range before x·σ does
        // (SiLU's single-precision form splits the exponential there).
        Kind::Gelu => raw.first() == Some(&0.0),
        Kind::Geglu | Kind::Silu | Kind::Swiglu | Kind::Mish | Kind::Sine | Kind::Squareplus | Kind::Tanhshrink => true,
        _ => false,
    }
}

/// The wide kinds whose *backward* meets the `f32` contract in `f32` lanes.
fn native_backward(kind: Kind, raw: &[f64]) -> bool {
    match kind {
        Kind::Gelu => raw.first() == Some(&0.0),
        Kind::Geglu | Kind::Sine | Kind::Silu | Kind::Swiglu | Kind::Mish | Kind::Tanhshrink => true,
        _ => false,
    }
}

/// The threshold for threads of `kind`'s element-wise kernels: piecewise-linear kinds
/// cost about a copy per element, the others several times one.
fn par_min_len(kind: Kind) -> usize {
    if kind.is_piecewise_linear() {
        drive::PAR_MIN_LEN
    } else {
        drive::PAR_MIN_LEN_COSTLY
    }
}

/// Runs a task at the current level, in wide lanes when `kind` asks for them and its
/// direction has no single-precision form ([`native_forward`], [`native_backward`]).
///
/// Outputs of [`drive::STREAM_MIN_BYTES`] or more go by streaming stores, for every kind
/// since the chunk loops prefetch their inputs ([`drive::PREFETCH_MIN_BYTES`]).
///
/// Without the prefetch, streaming helped only the kernels that cost about a copy per
/// element. On a Zen 4 at 16M `f32` elements, the piecewise-linear kinds ran 1.1 to 2.2
/// times as fast streamed (ReLU's forward 1923 → 3626 Melem/s on one thread), and so did
/// the ELU family's backward; the transcendental forwards ran 0.6 to 0.9 times as fast
/// (tanh 1837 → 1295), a streaming store slowing a loop bound by its arithmetic. On an
/// Intel Xeon (AVX-512, 2 MiB of L2 a core), with the prefetch, the transcendental kinds
/// gain too (tanh's forward at 16M, one thread: 833 → 1365–1747 Melem/s, see
/// [`drive::PREFETCH_MIN_BYTES`]), and ReLU's backward is unchanged (1373–1428 →
/// 1481–1535).
macro_rules! run_task {
    ($kind:expr, $wide:expr, $task:ident { $($field:ident: $val:expr),* $(,)? }) => {{
        let level = simd::level();
        drive::with_par_min_len(par_min_len($kind), || {
            drive::with_stream_min_bytes(drive::STREAM_MIN_BYTES, || {
                if $wide {
                    simd::dispatch_wide(level, $task::<_, Wide> { $($field: $val,)* pick: PhantomData })
                } else {
                    simd::dispatch(level, $task::<_, Native> { $($field: $val,)* pick: PhantomData })
                }
            })
        })
    }};
}

// ------------------------------------------------------------------ element-wise

struct Fwd<'a, E, S> {
    kind: Kind,
    raw: &'a [f64],
    x: &'a [E],
    y: &'a mut [E],
    pick: PhantomData<S>,
}

impl<E: Element, S: Pick> LaneTask<E> for Fwd<'_, E, S> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        S::visit(self.kind, &params::<E, L>(self.raw), FwdV { x: self.x, y: self.y });
    }
}

struct FwdV<'a, E> {
    x: &'a [E],
    y: &'a mut [E],
}

impl<E: Element, L: Lanes<E>> Visitor<L> for FwdV<'_, E> {
    type Out = ();
    #[inline]
    fn visit<P: Pointwise<L>>(self, op: P) {
        drive::map_lanes::<E, L>(
            self.x,
            self.y,
            #[inline(always)]
            |v| nan_through(v, op.fwd(v)),
        );
    }
}

/// `y = f(x)` for an element-wise kind.
fn forward_impl<E: Element>(kind: Kind, raw: &[f64], x: &[E], y: &mut [E]) {
    run_task!(
        kind,
        kind.wide_f32() && !native_forward(kind, raw),
        Fwd {
            kind: kind,
            raw: raw,
            x: x,
            y: y
        }
    );
}

struct FwdInPlace<'a, E, S> {
    kind: Kind,
    raw: &'a [f64],
    x: &'a mut [E],
    pick: PhantomData<S>,
}

impl<E: Element, S: Pick> LaneTask<E> for FwdInPlace<'_, E, S> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        S::visit(self.kind, &params::<E, L>(self.raw), FwdInPlaceV { x: self.x });
    }
}

struct FwdInPlaceV<'a, E> {
    x: &'a mut [E],
}

impl<E: Element, L: Lanes<E>> Visitor<L> for FwdInPlaceV<'_, E> {
    type Out = ();
    #[inline]
    fn visit<P: Pointwise<L>>(self, op: P) {
        drive::map_in_place_lanes::<E, L>(
            self.x,
            #[inline(always)]
            |v| nan_through(v, op.fwd(v)),
        );
    }
}

/// `x = f(x)` for an element-wise kind.
fn forward_in_place_impl<E: Element>(kind: Kind, raw: &[f64], x: &mut [E]) {
    run_task!(
        kind,
        kind.wide_f32() && !native_forward(kind, raw),
        FwdInPlace {
            kind: kind,
            raw: raw,
            x: x
        }
    );
}

struct Bwd<'a, E, S> {
    kind: Kind,
    raw: &'a [f64],
    x: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
    pick: PhantomData<S>,
}

impl<E: Element, S: Pick> LaneTask<E> for Bwd<'_, E, S> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        let v = BwdV {
            x: self.x,
            g: self.g,
            dx: self.dx,
        };
        S::visit(self.kind, &params::<E, L>(self.raw), v);
    }
}

struct BwdV<'a, E> {
    x: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
}

impl<E: Element, L: Lanes<E>> Visitor<L> for BwdV<'_, E> {
    type Out = ();
    #[inline]
    fn visit<P: Pointwise<L>>(self, op: P) {
        match P::SLOPE {
            Slope::OfInput => drive::zip_lanes::<E, L>(
                self.x,
                self.g,
                self.dx,
                #[inline(always)]
                |v, g| nan_through(v, op.bwd(v, g)),
            ),
            Slope::Constant => drive::map_lanes::<E, L>(
                self.g,
                self.dx,
                #[inline(always)]
                |g| op.bwd(L::splat(0.0), g),
            ),
            Slope::Zero => self.dx.fill(E::from_f64(0.0)),
        }
    }
}

/// `dx = g·f'(x)` for an element-wise kind.
fn backward_impl<E: Element>(kind: Kind, raw: &[f64], x: &[E], g: &[E], dx: &mut [E]) {
    run_task!(
        kind,
        kind.wide_f32() && !native_backward(kind, raw),
        Bwd {
            kind: kind,
            raw: raw,
            x: x,
            g: g,
            dx: dx
        }
    );
}

// ------------------------------------------------------------------ gated

struct GatedFwd<'a, E, S> {
    kind: Kind,
    raw: &'a [f64],
    x: &'a [E],
    y: &'a mut [E],
    halves: Rows,
    pick: PhantomData<S>,
}

impl<E: Element, S: Pick> LaneTask<E> for GatedFwd<'_, E, S> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        let v = GatedFwdV {
            x: self.x,
            y: self.y,
            halves: self.halves,
        };
        S::visit(self.kind, &params::<E, L>(self.raw), v);
    }
}

struct GatedFwdV<'a, E> {
    x: &'a [E],
    y: &'a mut [E],
    halves: Rows,
}

impl<E: Element, L: Lanes<E>> Visitor<L> for GatedFwdV<'_, E> {
    type Out = ();
    #[inline]
    fn visit<P: Pointwise<L>>(self, op: P) {
        let Rows { outer, len, inner } = self.halves;
        let n = len / 2 * inner;
        for o in 0..outer {
            let src = &self.x[o * 2 * n..(o + 1) * 2 * n];
            let (a, b) = src.split_at(n);
            let y = &mut self.y[o * n..(o + 1) * n];
            drive::zip_lanes::<E, L>(
                a,
                b,
                y,
                #[inline(always)]
                |a, b| a * nan_through(b, op.fwd(b)),
            );
        }
    }
}

/// `y = a·act(b)` with `[a, b]` the halves of each row of `halves`.
fn gated_forward_impl<E: Element>(kind: Kind, raw: &[f64], x: &[E], y: &mut [E], halves: Rows) {
    run_task!(
        kind,
        kind.wide_f32() && !native_forward(kind, raw),
        GatedFwd {
            kind: kind,
            raw: raw,
            x: x,
            y: y,
            halves: halves
        }
    );
}

struct GatedBwd<'a, E, S> {
    kind: Kind,
    raw: &'a [f64],
    x: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
    halves: Rows,
    pick: PhantomData<S>,
}

impl<E: Element, S: Pick> LaneTask<E> for GatedBwd<'_, E, S> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        let v = GatedBwdV {
            x: self.x,
            g: self.g,
            dx: self.dx,
            halves: self.halves,
        };
        S::visit(self.kind, &params::<E, L>(self.raw), v);
    }
}

struct GatedBwdV<'a, E> {
    x: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
    halves: Rows,
}

impl<E: Element, L: Lanes<E>> Visitor<L> for GatedBwdV<'_, E> {
    type Out = ();
    #[inline]
    fn visit<P: Pointwise<L>>(self, op: P) {
        let Rows { outer, len, inner } = self.halves;
        let n = len / 2 * inner;
        for o in 0..outer {
            let src = &self.x[o * 2 * n..(o + 1) * 2 * n];
            let (a, b) = src.split_at(n);
            let g = &self.g[o * n..(o + 1) * n];
            let (da, db) = self.dx[o * 2 * n..(o + 1) * 2 * n].split_at_mut(n);
            drive::zip3_lanes::<E, L>(
                a,
                b,
                g,
                da,
                db,
                #[inline(always)]
                |a, b, g| (g * nan_through(b, op.fwd(b)), nan_through(b, op.bwd(b, g * a))),
            );
        }
    }
}

/// `(da, db)` of the gated kinds.
fn gated_backward_impl<E: Element>(kind: Kind, raw: &[f64], x: &[E], g: &[E], dx: &mut [E], halves: Rows) {
    run_task!(
        kind,
        kind.wide_f32() && !native_backward(kind, raw),
        GatedBwd {
            kind: kind,
            raw: raw,
            x: x,
            g: g,
            dx: dx,
            halves: halves
        }
    );
}

// ------------------------------------------------------------------ PReLU

/// PReLU's blocks: `(range, weight)` pairs, one per contiguous run of one channel.
pub(crate) type Blocks = Vec<(Range<usize>, f64)>;

/// What a PReLU task computes on each block.
enum PreluJob<'a, E> {
    Forward { x: &'a [E], y: &'a mut [E] },
    InPlace { x: &'a mut [E] },
    Backward { x: &'a [E], g: &'a [E], dx: &'a mut [E] },
}

struct Prelu<'a, E> {
    blocks: &'a Blocks,
    job: PreluJob<'a, E>,
}

impl<E: Element> LaneTask<E> for Prelu<'_, E> {
    type Output = ();
    #[inline]
    fn run<L: Lanes<E>>(self) {
        let blocks = self.blocks;
        match self.job {
            PreluJob::Forward { x, y } => {
                for (r, w) in blocks.iter().cloned() {
                    let op = LeakyRelu::with_slope(<L as Lanes<E>>::param(w));
                    drive::map_lanes::<E, L>(
                        &x[r.clone()],
                        &mut y[r],
                        #[inline(always)]
                        |v| nan_through(v, op.fwd(v)),
                    );
                }
            }
            PreluJob::InPlace { x } => {
                for (r, w) in blocks.iter().cloned() {
                    let op = LeakyRelu::with_slope(<L as Lanes<E>>::param(w));
                    drive::map_in_place_lanes::<E, L>(
                        &mut x[r],
                        #[inline(always)]
                        |v| nan_through(v, op.fwd(v)),
                    );
                }
            }
            PreluJob::Backward { x, g, dx } => {
                for (r, w) in blocks.iter().cloned() {
                    let op = LeakyRelu::with_slope(<L as Lanes<E>>::param(w));
                    drive::zip_lanes::<E, L>(
                        &x[r.clone()],
                        &g[r.clone()],
                        &mut dx[r],
                        #[inline(always)]
                        |v, g| nan_through(v, op.bwd(v, g)),
                    );
                }
            }
        }
    }
}

/// Runs a PReLU task with streaming stores when its whole output of `len` elements is
/// large ([`drive::STREAM_MIN_BYTES`]; PReLU costs about a copy per element), whatever the
/// length of each channel's block: the blocks share the caches.
fn run_prelu<E: Element>(len: usize, task: Prelu<'_, E>) {
    let large = len.saturating_mul(core::mem::size_of::<E>()) >= drive::STREAM_MIN_BYTES;
    drive::with_stream_min_bytes(if large { 0 } else { usize::MAX }, || {
        simd::dispatch(simd::level(), task)
    });
}

fn prelu_forward_impl<E: Element>(blocks: &Blocks, x: &[E], y: &mut [E]) {
    run_prelu(
        y.len(),
        Prelu {
            blocks,
            job: PreluJob::Forward { x, y },
        },
    );
}

fn prelu_forward_in_place_impl<E: Element>(blocks: &Blocks, x: &mut [E]) {
    simd::dispatch(
        simd::level(),
        Prelu {
            blocks,
            job: PreluJob::InPlace { x },
        },
    );
}

fn prelu_backward_impl<E: Element>(blocks: &Blocks, x: &[E], g: &[E], dx: &mut [E]) {
    run_prelu(
        dx.len(),
        Prelu {
            blocks,
            job: PreluJob::Backward { x, g, dx },
        },
    );
}

// ------------------------------------------------------------------ typed entry points

/// `x` as a slice of `T` when `E` is `T`.
fn cast<E: 'static, T: 'static>(x: &[E]) -> Option<&[T]> {
    // SAFETY: E and T are the same type.
    (TypeId::of::<E>() == TypeId::of::<T>()).then(|| unsafe { core::slice::from_raw_parts(x.as_ptr().cast(), x.len()) })
}

fn cast_mut<E: 'static, T: 'static>(x: &mut [E]) -> Option<&mut [T]> {
    // SAFETY: E and T are the same type.
    (TypeId::of::<E>() == TypeId::of::<T>())
        .then(|| unsafe { core::slice::from_raw_parts_mut(x.as_mut_ptr().cast(), x.len()) })
}

fn to_f64<E: Element>(x: &[E]) -> Vec<f64> {
    x.iter().map(|v| v.to_f64()).collect()
}

fn from_f64<E: Element>(src: &[f64], dst: &mut [E]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = E::from_f64(s);
    }
}

/// A generic entry point over `[E]` slices that runs the `f32` or `f64` instance compiled
/// in this crate (another element type goes through `f64`).
macro_rules! typed {
    ($name:ident => $imp:ident ( $($pre:ident: $pt:ty),* ; $($ins:ident),* ; $($outs:ident),* $(; $($post:ident: $qt:ty),*)? )) => {
        pub(crate) fn $name<E: Element>($($pre: $pt,)* $($ins: &[E],)* $($outs: &mut [E],)* $($($post: $qt),*)?) {
            #[inline(never)]
            fn f32_instance($($pre: $pt,)* $($ins: &[f32],)* $($outs: &mut [f32],)* $($($post: $qt),*)?) {
                $imp::<f32>($($pre,)* $($ins,)* $($outs,)* $($($post),*)?)
            }
            #[inline(never)]
            fn f64_instance($($pre: $pt,)* $($ins: &[f64],)* $($outs: &mut [f64],)* $($($post: $qt),*)?) {
                $imp::<f64>($($pre,)* $($ins,)* $($outs,)* $($($post),*)?)
            }
            if let ($(Some($ins),)* $(Some($outs),)*) = ($(cast::<E, f32>($ins),)* $(cast_mut::<E, f32>($outs),)*) {
                return f32_instance($($pre,)* $($ins,)* $($outs,)* $($($post),*)?);
            }
            if let ($(Some($ins),)* $(Some($outs),)*) = ($(cast::<E, f64>($ins),)* $(cast_mut::<E, f64>($outs),)*) {
                return f64_instance($($pre,)* $($ins,)* $($outs,)* $($($post),*)?);
            }
            $(let $ins = to_f64($ins);)*
            $(let mut $outs = { let o = to_f64(&*$outs); (o, $outs) };)*
            f64_instance($($pre,)* $(&$ins,)* $(&mut $outs.0,)* $($($post),*)?);
            $(from_f64(&$outs.0, $outs.1);)*
        }
    };
}

typed!(forward => forward_impl(kind: Kind, raw: &[f64]; x; y));
typed!(forward_in_place => forward_in_place_impl(kind: Kind, raw: &[f64]; ; x));
typed!(backward => backward_impl(kind: Kind, raw: &[f64]; x, g; dx));
typed!(gated_forward => gated_forward_impl(kind: Kind, raw: &[f64]; x; y; halves: Rows));
typed!(gated_backward => gated_backward_impl(kind: Kind, raw: &[f64]; x, g; dx; halves: Rows));
typed!(prelu_forward => prelu_forward_impl(blocks: &Blocks; x; y));
typed!(prelu_forward_in_place => prelu_forward_in_place_impl(blocks: &Blocks; ; x));
typed!(prelu_backward => prelu_backward_impl(blocks: &Blocks; x, g; dx));
typed!(rows_forward => rows_forward_impl(op: RowOp; x; y; r: Rows));
typed!(rows_forward_in_place => rows_forward_in_place_impl(op: RowOp; ; y; r: Rows));
typed!(rows_backward => rows_backward_impl(op: RowOp; x, g; dx; r: Rows));

fn rows_forward_impl<E: Element>(op: RowOp, x: &[E], y: &mut [E], r: Rows) {
    rows::forward(op, x, y, r)
}

fn rows_forward_in_place_impl<E: Element>(op: RowOp, y: &mut [E], r: Rows) {
    rows::forward_in_place(op, y, r)
}

fn rows_backward_impl<E: Element>(op: RowOp, x: &[E], g: &[E], dx: &mut [E], r: Rows) {
    rows::backward(op, x, g, dx, r)
}
