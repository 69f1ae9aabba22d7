//! Slice drivers: one per kernel shape.
//!
//! A driver walks slices and calls a lane function; it knows nothing of activations.
//! Lengths are checked by the caller (the public slice API); drivers only assert them
//! in debug builds.
//!
//! The `*_lanes` drivers take a lane type from [`crate::simd::dispatch`]: they walk the
//! slices a vector at a time and run the tail (fewer than `WIDTH` elements) through the
//! same vector code on a zero-padded copy, so an element's result never depends on its
//! position or on the slice's length. Above [`PAR_MIN_LEN`] elements they split the
//! slices over the current rayon pool in chunks aligned to 64 elements; every element
//! is computed by the same code whichever thread runs it, so threaded results equal
//! single-threaded ones bit for bit.

use rayon::prelude::*;

use crate::simd::{Lanes, MAX_WIDTH};
use crate::Element;

/// Slices shorter than this run on the calling thread; longer ones are split into chunks
/// of at least `PAR_MIN_LEN / 2` elements over the current rayon pool. Chosen by
/// measurement (`actfn bench --threads 1,2`): below it the cost of waking a worker
/// exceeds the time saved for the cheapest kernels; at 64K two threads lift relu6's
/// forward from 11.5 to 17.4 Gelem/s and its backward from 5.5 to 8.4 (128K before).
pub const PAR_MIN_LEN: usize = 1 << 16;

/// The threshold for kernels that cost several times a copy per element (an
/// exponential, a division, a row's three passes): a worker's wake-up is repaid from
/// 32K elements on (`actfn bench --threads 1,2` at 32K: GELU 701 -> 1347 Melem/s,
/// sigmoid 2654 -> 4681, softmax 1622 -> 2975, SiLU 1787 -> 3275).
pub const PAR_MIN_LEN_COSTLY: usize = 1 << 15;

/// The threshold for streaming stores that the element-wise kernels opt into
/// ([`with_stream_min_bytes`]; first only those costing about a copy per element, every
/// kind since the loops prefetch, [`PREFETCH_MIN_BYTES`]): outputs of at least this many
/// bytes are written with non-temporal stores where the lane type has them
/// ([`Lanes::STREAMS`]: x86), so that each output line goes to memory without being read
/// first. Chosen by measurement
/// (a ReLU forward and backward at 4M to 16M `f32` elements, 1 and 2 threads, on a machine
/// with 32 MiB of L3): at 16M streaming lifted the forward from 2674 to 3681 Melem/s on one
/// thread (4366 to 6008 on two) and the backward from 1783 to 2639 (2972 to 4013); at 4M
/// (16 MiB, whose output a next reader would still find in L3) two threads' forward was
/// slower streamed (6763 against 8206). The drivers' default is off: a streaming store
/// slows a loop bound by its arithmetic.
pub const STREAM_MIN_BYTES: usize = 32 << 20;

/// How far ahead of the computed element the chunk loops prefetch their inputs (see
/// [`PREFETCH_MIN_BYTES`]).
pub const PREFETCH_AHEAD_BYTES: usize = 2048;

/// The input size (per chunk) from which the element-wise chunk loops prefetch their
/// inputs in software: past the L2 cache. Measured on an Intel Xeon (AVX-512, 2 MiB of L2
/// a core) at 16M `f32` elements, one thread, in alternating runs, against the loops
/// without prefetch or streaming stores: tanh's forward 833–847 → 1365–1747 Melem/s,
/// sigmoid's 1053–1097 → 2647–2813, sine's 742–759 → 885–1047, GELU's backward 703–745 →
/// 951–1049 (two threads: tanh 1834–2077 → 4036–4094). With streaming stores but no
/// prefetch, sine's fell to 460: a loop bound by its arithmetic leaves the hardware
/// prefetchers behind. Distances of 1 to 3 KiB measured alike; 512 bytes less.
pub const PREFETCH_MIN_BYTES: usize = 1 << 20;

std::thread_local! {
    static MIN_LEN: core::cell::Cell<usize> = const { core::cell::Cell::new(PAR_MIN_LEN) };
    static STREAM_MIN: core::cell::Cell<usize> = const { core::cell::Cell::new(usize::MAX) };
}

/// Runs `f` with the thread-local `key` set to `value`, restoring it afterwards (on unwind too).
fn with_setting<R>(
    key: &'static std::thread::LocalKey<core::cell::Cell<usize>>,
    value: usize,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore(&'static std::thread::LocalKey<core::cell::Cell<usize>>, usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            self.0.with(|c| c.set(self.1));
        }
    }
    let _restore = Restore(key, key.with(|c| c.replace(value)));
    f()
}

/// Runs `f` with the drivers' threshold for threads set to `min_len` on this thread
/// ([`PAR_MIN_LEN`] otherwise; [`PAR_MIN_LEN_COSTLY`] for costly kernels).
pub fn with_par_min_len<R>(min_len: usize, f: impl FnOnce() -> R) -> R {
    with_setting(&MIN_LEN, min_len.max(64), f)
}

/// The drivers' current threshold for threads ([`with_par_min_len`]).
pub fn par_min_len() -> usize {
    MIN_LEN.with(|c| c.get())
}

/// Runs `f` with the drivers' threshold for streaming stores set to `min_bytes` of output
/// on this thread (off, `usize::MAX`, otherwise; [`STREAM_MIN_BYTES`] for the kernels
/// that cost about a copy per element).
pub fn with_stream_min_bytes<R>(min_bytes: usize, f: impl FnOnce() -> R) -> R {
    with_setting(&STREAM_MIN, min_bytes, f)
}

/// Whether an output of `len` elements is written with streaming stores.
#[inline]
fn streams<E: Element, L: Lanes<E>>(len: usize) -> bool {
    L::STREAMS && len.saturating_mul(core::mem::size_of::<E>()) >= STREAM_MIN.with(|c| c.get())
}

/// How many elements of `out` precede its first address aligned to a whole vector (all of
/// them when it has fewer): the chunk loops start there, so that no vector store (and,
/// where the input is equally aligned, no load) straddles two cache lines, and streaming
/// stores ([`Lanes::store_stream`]) are legal. The row kernels' streamed stores start
/// there too. A `Vec<f32>` of 64K elements comes from
/// `mmap` 16 bytes past a page, so three stores in four split a line unless the loop is
/// aligned (at 64K `f32`, one thread, on an Intel Xeon with AVX-512, in alternating runs:
/// linear's forward 7833–8073 → 10402–10464 Melem/s, ReLU's 8867–9056 → 10656–10981).
#[inline(always)]
pub fn aligned_head<E: Element, L: Lanes<E>>(out: &[E]) -> usize {
    let align = L::WIDTH * core::mem::size_of::<E>();
    let addr = out.as_ptr() as usize;
    ((addr.next_multiple_of(align) - addr) / core::mem::size_of::<E>()).min(out.len())
}

/// Orders a chunk's streaming stores before the chunk counts as done (when `nt`).
#[inline(always)]
fn stream_end<E: Element, L: Lanes<E>>(nt: bool) {
    if L::STREAMS && nt {
        L::stream_fence();
    }
}

/// `v` into `dst`: streamed when `nt` (a branch that the loop's other work hides: a
/// second copy of each kernel's loop for the streaming stores made the crate's build
/// half again as long).
#[inline(always)]
fn put<E: Element, L: Lanes<E>>(v: L, dst: &mut [E], nt: bool) {
    if L::STREAMS && nt {
        v.store_stream(dst)
    } else {
        v.store(dst)
    }
}

/// The number of chunks a slice of `n` elements is split into.
#[inline]
fn chunks_for(n: usize) -> usize {
    let min = par_min_len();
    if n < min {
        1
    } else {
        rayon::current_num_threads().min(n / (min / 2)).max(1)
    }
}

/// Chunk length for `n` elements in `t` chunks, a multiple of 64.
#[inline]
fn chunk_len(n: usize, t: usize) -> usize {
    n.div_ceil(t).next_multiple_of(64)
}

/// Software prefetch of a chunk loop's inputs, [`PREFETCH_AHEAD_BYTES`] ahead of the
/// step being computed, for inputs of at least [`PREFETCH_MIN_BYTES`] (off below: the
/// data of smaller calls is in cache, or will be after the first pass).
#[derive(Clone, Copy)]
struct Ahead {
    /// Elements from a step's first element to the first one prefetched; 0 when off.
    offset: usize,
    /// Elements per step (two vectors).
    step: usize,
    /// Elements per cache line (at most a step).
    line: usize,
}

impl Ahead {
    #[inline(always)]
    fn new<E: Element, L: Lanes<E>>(len: usize) -> Self {
        let size = core::mem::size_of::<E>();
        let on = len.saturating_mul(size) >= PREFETCH_MIN_BYTES;
        let step = 2 * L::WIDTH;
        Ahead {
            offset: if on { PREFETCH_AHEAD_BYTES / size } else { 0 },
            step,
            line: (64 / size).min(step),
        }
    }

    /// Prefetches the lines of `data` one prefetch distance past step `i`'s elements.
    #[inline(always)]
    fn fetch<E>(self, data: &[E], i: usize) {
        if self.offset == 0 {
            return;
        }
        let first = i * self.step + self.offset;
        let mut at = first;
        while at < first + self.step {
            crate::simd::prefetch(data, at);
            at += self.line;
        }
    }
}

/// `y = f(x)` for fewer than `WIDTH` elements: through the same vector code on a
/// zero-padded copy.
#[inline(always)]
fn map_padded<E: Element, L: Lanes<E>>(x: &[E], y: &mut [E], f: &impl Fn(L) -> L) {
    if x.is_empty() {
        return;
    }
    let zero = E::from_f64(0.0);
    let mut bx = [zero; MAX_WIDTH];
    let mut by = [zero; MAX_WIDTH];
    bx[..x.len()].copy_from_slice(x);
    f(L::load(&bx)).store(&mut by);
    y.copy_from_slice(&by[..y.len()]);
}

/// `y = f(x)` over a chunk; `nt`: streaming stores from `y`'s first aligned element on.
#[inline(always)]
fn map_chunk<E: Element, L: Lanes<E>>(nt: bool, x: &[E], y: &mut [E], f: &impl Fn(L) -> L) {
    let w = L::WIDTH;
    let head = aligned_head::<E, L>(y);
    let (xh, x) = x.split_at(head);
    let (yh, y) = y.split_at_mut(head);
    map_padded(xh, yh, f);
    // Two vectors per step, as in `zip_chunk`.
    let mut xs = x.chunks_exact(2 * w);
    let mut ys = y.chunks_exact_mut(2 * w);
    let ahead = Ahead::new::<E, L>(x.len());
    for (i, (xc, yc)) in (&mut xs).zip(&mut ys).enumerate() {
        ahead.fetch(x, i);
        let (x0, x1) = xc.split_at(w);
        let (y0, y1) = yc.split_at_mut(w);
        let (v0, v1) = (f(L::load(x0)), f(L::load(x1)));
        put(v0, y0, nt);
        put(v1, y1, nt);
    }
    let mut xs = xs.remainder().chunks_exact(w);
    let mut ys = ys.into_remainder().chunks_exact_mut(w);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        put(f(L::load(xc)), yc, nt);
    }
    stream_end::<E, L>(nt);
    map_padded(xs.remainder(), ys.into_remainder(), f);
}

#[inline(always)]
fn map_in_place_chunk<E: Element, L: Lanes<E>>(x: &mut [E], f: &impl Fn(L) -> L) {
    let w = L::WIDTH;
    let (head, x) = x.split_at_mut(aligned_head::<E, L>(x));
    map_in_place_padded(head, f);
    let mut xs = x.chunks_exact_mut(w);
    for xc in &mut xs {
        f(L::load(xc)).store(xc);
    }
    map_in_place_padded(xs.into_remainder(), f);
}

/// `x = f(x)` for fewer than `WIDTH` elements, on a zero-padded copy.
#[inline(always)]
fn map_in_place_padded<E: Element, L: Lanes<E>>(x: &mut [E], f: &impl Fn(L) -> L) {
    if x.is_empty() {
        return;
    }
    let mut b = [E::from_f64(0.0); MAX_WIDTH];
    b[..x.len()].copy_from_slice(x);
    f(L::load(&b)).store(&mut b);
    let n = x.len();
    x.copy_from_slice(&b[..n]);
}

/// `out = f(a, b)` for fewer than `WIDTH` elements, on zero-padded copies.
#[inline(always)]
fn zip_padded<E: Element, L: Lanes<E>>(a: &[E], b: &[E], out: &mut [E], f: &impl Fn(L, L) -> L) {
    if a.is_empty() {
        return;
    }
    let zero = E::from_f64(0.0);
    let (mut ba, mut bb, mut bo) = ([zero; MAX_WIDTH], [zero; MAX_WIDTH], [zero; MAX_WIDTH]);
    ba[..a.len()].copy_from_slice(a);
    bb[..b.len()].copy_from_slice(b);
    f(L::load(&ba), L::load(&bb)).store(&mut bo);
    out.copy_from_slice(&bo[..out.len()]);
}

/// `out = f(a, b)` over a chunk; `nt`: streaming stores from `out`'s first aligned
/// element on.
#[inline(always)]
fn zip_chunk<E: Element, L: Lanes<E>>(nt: bool, a: &[E], b: &[E], out: &mut [E], f: &impl Fn(L, L) -> L) {
    let w = L::WIDTH;
    let head = aligned_head::<E, L>(out);
    let ((ah, a), (bh, b)) = (a.split_at(head), b.split_at(head));
    let (oh, out) = out.split_at_mut(head);
    zip_padded(ah, bh, oh, f);
    // Two vectors per step: one loop test for two (the cheap kernels are bound by the
    // loop's overhead when their data sits in L2).
    let mut as_ = a.chunks_exact(2 * w);
    let mut bs = b.chunks_exact(2 * w);
    let mut os = out.chunks_exact_mut(2 * w);
    let ahead = Ahead::new::<E, L>(a.len());
    for (i, ((ac, bc), oc)) in (&mut as_).zip(&mut bs).zip(&mut os).enumerate() {
        ahead.fetch(a, i);
        ahead.fetch(b, i);
        let (a0, a1) = ac.split_at(w);
        let (b0, b1) = bc.split_at(w);
        let (o0, o1) = oc.split_at_mut(w);
        let (v0, v1) = (f(L::load(a0), L::load(b0)), f(L::load(a1), L::load(b1)));
        put(v0, o0, nt);
        put(v1, o1, nt);
    }
    let mut as_ = as_.remainder().chunks_exact(w);
    let mut bs = bs.remainder().chunks_exact(w);
    let mut os = os.into_remainder().chunks_exact_mut(w);
    for ((ac, bc), oc) in (&mut as_).zip(&mut bs).zip(&mut os) {
        put(f(L::load(ac), L::load(bc)), oc, nt);
    }
    stream_end::<E, L>(nt);
    zip_padded(as_.remainder(), bs.remainder(), os.into_remainder(), f);
}

/// `(out0, out1) = f(a, b, c)` for fewer than `WIDTH` elements, on zero-padded copies.
#[allow(clippy::type_complexity)]
#[inline(always)]
fn zip3_padded<E: Element, L: Lanes<E>>(
    a: &[E],
    b: &[E],
    c: &[E],
    out0: &mut [E],
    out1: &mut [E],
    f: &impl Fn(L, L, L) -> (L, L),
) {
    let r = a.len();
    if r == 0 {
        return;
    }
    let zero = E::from_f64(0.0);
    let (mut ba, mut bb, mut bc) = ([zero; MAX_WIDTH], [zero; MAX_WIDTH], [zero; MAX_WIDTH]);
    ba[..r].copy_from_slice(a);
    bb[..r].copy_from_slice(b);
    bc[..r].copy_from_slice(c);
    let (p, q) = f(L::load(&ba), L::load(&bb), L::load(&bc));
    p.store(&mut ba);
    q.store(&mut bb);
    out0.copy_from_slice(&ba[..r]);
    out1.copy_from_slice(&bb[..r]);
}

/// `(out0, out1) = f(a, b, c)` over a chunk; `nt`: streaming stores from `out0`'s first
/// aligned element on (the caller checks that `out1` is aligned there too).
#[allow(clippy::type_complexity)]
#[inline(always)]
fn zip3_chunk<E: Element, L: Lanes<E>>(
    nt: bool,
    a: &[E],
    b: &[E],
    c: &[E],
    out0: &mut [E],
    out1: &mut [E],
    f: &impl Fn(L, L, L) -> (L, L),
) {
    let w = L::WIDTH;
    let head = aligned_head::<E, L>(out0);
    let ((ah, a), (bh, b), (ch, c)) = (a.split_at(head), b.split_at(head), c.split_at(head));
    let (o0h, out0) = out0.split_at_mut(head);
    let (o1h, out1) = out1.split_at_mut(head);
    zip3_padded(ah, bh, ch, o0h, o1h, f);
    let n = a.len();
    // Two vectors per step, as in `zip_chunk`; whole chunks let the loads and stores go
    // without bounds checks.
    let pairs = n / (2 * w) * (2 * w);
    let ahead = Ahead::new::<E, L>(n);
    for (k, ((((ac, bc), cc), o0), o1)) in a[..pairs]
        .chunks_exact(2 * w)
        .zip(b[..pairs].chunks_exact(2 * w))
        .zip(c[..pairs].chunks_exact(2 * w))
        .zip(out0[..pairs].chunks_exact_mut(2 * w))
        .zip(out1[..pairs].chunks_exact_mut(2 * w))
        .enumerate()
    {
        ahead.fetch(a, k);
        ahead.fetch(b, k);
        ahead.fetch(c, k);
        let (p0, q0) = f(L::load(ac), L::load(bc), L::load(cc));
        let (p1, q1) = f(L::load(&ac[w..]), L::load(&bc[w..]), L::load(&cc[w..]));
        put(p0, &mut o0[..w], nt);
        put(q0, &mut o1[..w], nt);
        put(p1, &mut o0[w..], nt);
        put(q1, &mut o1[w..], nt);
    }
    let mut i = pairs;
    if i + w <= n {
        let (p, q) = f(L::load(&a[i..]), L::load(&b[i..]), L::load(&c[i..]));
        put(p, &mut out0[i..], nt);
        put(q, &mut out1[i..], nt);
        i += w;
    }
    stream_end::<E, L>(nt);
    zip3_padded(&a[i..], &b[i..], &c[i..], &mut out0[i..], &mut out1[i..], f);
}

/// `y[i] = f(x[i])`, a vector at a time (threads above [`PAR_MIN_LEN`], streaming stores
/// above [`with_stream_min_bytes`]'s threshold).
#[inline]
pub fn map_lanes<E: Element, L: Lanes<E>>(x: &[E], y: &mut [E], f: impl Fn(L) -> L + Sync) {
    debug_assert_eq!(x.len(), y.len());
    let nt = streams::<E, L>(y.len());
    #[inline(always)]
    fn run<E: Element, L: Lanes<E>>(nt: bool, x: &[E], y: &mut [E], f: &impl Fn(L) -> L) {
        L::vectorize(
            #[inline(always)]
            || map_chunk(nt, x, y, f),
        )
    }
    let t = chunks_for(x.len());
    if t == 1 {
        return run(nt, x, y, &f);
    }
    let c = chunk_len(x.len(), t);
    y.par_chunks_mut(c)
        .zip(x.par_chunks(c))
        .for_each(|(yc, xc)| run(nt, xc, yc, &f));
}

/// `x[i] = f(x[i])`, a vector at a time.
#[inline]
pub fn map_in_place_lanes<E: Element, L: Lanes<E>>(x: &mut [E], f: impl Fn(L) -> L + Sync) {
    let t = chunks_for(x.len());
    if t == 1 {
        return L::vectorize(
            #[inline(always)]
            || map_in_place_chunk(x, &f),
        );
    }
    let c = chunk_len(x.len(), t);
    x.par_chunks_mut(c).for_each(|xc| {
        L::vectorize(
            #[inline(always)]
            || map_in_place_chunk(xc, &f),
        )
    });
}

/// `out[i] = f(a[i], b[i])`, a vector at a time.
#[inline]
pub fn zip_lanes<E: Element, L: Lanes<E>>(a: &[E], b: &[E], out: &mut [E], f: impl Fn(L, L) -> L + Sync) {
    debug_assert_eq!(a.len(), b.len());
    debug_assert_eq!(a.len(), out.len());
    let nt = streams::<E, L>(out.len());
    #[inline(always)]
    fn run<E: Element, L: Lanes<E>>(nt: bool, a: &[E], b: &[E], out: &mut [E], f: &impl Fn(L, L) -> L) {
        L::vectorize(
            #[inline(always)]
            || zip_chunk(nt, a, b, out, f),
        )
    }
    let t = chunks_for(a.len());
    if t == 1 {
        return run(nt, a, b, out, &f);
    }
    let c = chunk_len(a.len(), t);
    out.par_chunks_mut(c)
        .zip(a.par_chunks(c).zip(b.par_chunks(c)))
        .for_each(|(oc, (ac, bc))| run(nt, ac, bc, oc, &f));
}

/// `(out0[i], out1[i]) = f(a[i], b[i], c[i])`, a vector at a time (the gated backward;
/// streaming stores when both outputs are equally aligned).
#[inline]
pub fn zip3_lanes<E: Element, L: Lanes<E>>(
    a: &[E],
    b: &[E],
    c: &[E],
    out0: &mut [E],
    out1: &mut [E],
    f: impl Fn(L, L, L) -> (L, L) + Sync,
) {
    let n = a.len();
    debug_assert!(b.len() == n && c.len() == n && out0.len() == n && out1.len() == n);
    let align = L::WIDTH * core::mem::size_of::<E>();
    let nt = streams::<E, L>(2 * n)
        && (out0.as_ptr() as usize)
            .abs_diff(out1.as_ptr() as usize)
            .is_multiple_of(align);
    #[allow(clippy::type_complexity)]
    #[inline(always)]
    fn run<E: Element, L: Lanes<E>>(
        nt: bool,
        (a, b, c): (&[E], &[E], &[E]),
        out0: &mut [E],
        out1: &mut [E],
        f: &impl Fn(L, L, L) -> (L, L),
    ) {
        L::vectorize(
            #[inline(always)]
            || zip3_chunk(nt, a, b, c, out0, out1, f),
        )
    }
    let t = chunks_for(n);
    if t == 1 {
        return run(nt, (a, b, c), out0, out1, &f);
    }
    let k = chunk_len(n, t);
    out0.par_chunks_mut(k)
        .zip(out1.par_chunks_mut(k))
        .zip(a.par_chunks(k).zip(b.par_chunks(k)).zip(c.par_chunks(k)))
        .for_each(|((o0, o1), ((ac, bc), cc))| run(nt, (ac, bc, cc), o0, o1, &f));
}

/// `y[i] = f(x[i])`.
#[inline]
pub fn map<E: Element>(x: &[E], y: &mut [E], f: impl Fn(E::Lane) -> E::Lane) {
    debug_assert_eq!(x.len(), y.len());
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = E::from_lane(f(xi.to_lane()));
    }
}

/// `x[i] = f(x[i])`.
#[inline]
pub fn map_in_place<E: Element>(x: &mut [E], f: impl Fn(E::Lane) -> E::Lane) {
    for xi in x.iter_mut() {
        *xi = E::from_lane(f(xi.to_lane()));
    }
}

/// `out[i] = f(a[i], b[i])`: the shape of every element-wise backward (input, upstream
/// gradient → input gradient).
#[inline]
pub fn zip<E: Element>(a: &[E], b: &[E], out: &mut [E], f: impl Fn(E::Lane, E::Lane) -> E::Lane) {
    debug_assert_eq!(a.len(), b.len());
    debug_assert_eq!(a.len(), out.len());
    for ((oi, &ai), &bi) in out.iter_mut().zip(a).zip(b) {
        *oi = E::from_lane(f(ai.to_lane(), bi.to_lane()));
    }
}

/// The geometry of a C-order array seen as rows along one dimension: `outer` blocks,
/// each holding `inner` interleaved rows of `len` elements with stride `inner`.
///
/// For shape `[2, 3, 4]` along dim 1: `outer = 2`, `len = 3`, `inner = 4`; row `(o, i)`
/// starts at `o·len·inner + i` and steps by `inner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rows {
    pub outer: usize,
    pub len: usize,
    pub inner: usize,
}

impl Rows {
    /// Rows of `shape` along `dim` (already normalised to `0..shape.len()`).
    /// A 0-d shape is one row of one element.
    pub fn new(shape: &[usize], dim: usize) -> Rows {
        if shape.is_empty() {
            return Rows {
                outer: 1,
                len: 1,
                inner: 1,
            };
        }
        let outer = shape[..dim].iter().product();
        let inner = shape[dim + 1..].iter().product();
        Rows {
            outer,
            len: shape[dim],
            inner,
        }
    }

    /// Total number of rows.
    pub fn count(&self) -> usize {
        self.outer * self.inner
    }

    /// Start offset of every row, in memory order of their first elements.
    pub fn starts(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.outer).flat_map(move |o| {
            let base = o * self.len * self.inner;
            (0..self.inner).map(move |i| base + i)
        })
    }

    /// Copies row `start` (stride `inner`) of `src` into `dst` (`len` lanes).
    #[inline]
    pub fn gather<E: Element>(&self, src: &[E], start: usize, dst: &mut Vec<E::Lane>) {
        dst.clear();
        dst.extend((0..self.len).map(|k| src[start + k * self.inner].to_lane()));
    }

    /// Writes `row` (`len` lanes) into row `start` of `dst`.
    #[inline]
    pub fn scatter<E: Element>(&self, row: &[E::Lane], dst: &mut [E], start: usize) {
        for (k, &v) in row.iter().enumerate() {
            dst[start + k * self.inner] = E::from_lane(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_along_middle_dim() {
        let r = Rows::new(&[2, 3, 4], 1);
        assert_eq!(
            r,
            Rows {
                outer: 2,
                len: 3,
                inner: 4
            }
        );
        let starts: Vec<_> = r.starts().collect();
        assert_eq!(starts, vec![0, 1, 2, 3, 12, 13, 14, 15]);
        let x: Vec<f64> = (0..24).map(f64::from).collect();
        let mut row = Vec::new();
        r.gather(&x, 13, &mut row);
        assert_eq!(row, vec![13.0, 17.0, 21.0]);
        let mut y = vec![0.0f64; 24];
        r.scatter(&row, &mut y, 13);
        assert_eq!((y[13], y[17], y[21]), (13.0, 17.0, 21.0));
    }

    #[test]
    fn rows_of_scalar_and_empty() {
        assert_eq!(Rows::new(&[], 0).count(), 1);
        assert_eq!(Rows::new(&[0, 5], 1).count(), 0);
    }

    struct Zip3<'a> {
        a: &'a [f32],
        b: &'a [f32],
        c: &'a [f32],
        out0: &'a mut [f32],
        out1: &'a mut [f32],
    }

    impl crate::simd::LaneTask<f32> for Zip3<'_> {
        type Output = ();
        fn run<L: crate::simd::Lanes<f32>>(self) {
            zip3_lanes::<f32, L>(self.a, self.b, self.c, self.out0, self.out1, |a, b, c| (a + b, a - c));
        }
    }

    #[test]
    fn zip3_reaches_every_element_at_every_length_and_level() {
        // Lengths through several pairs of vectors, the single vector and the padded tail.
        for level in crate::simd::Level::available() {
            for n in 0..80 {
                let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
                let b: Vec<f32> = (0..n).map(|i| 0.5 * i as f32 + 1.0).collect();
                let c: Vec<f32> = (0..n).map(|i| 3.0 - i as f32).collect();
                let (mut out0, mut out1) = (vec![f32::NAN; n], vec![f32::NAN; n]);
                crate::simd::dispatch(
                    level,
                    Zip3 {
                        a: &a,
                        b: &b,
                        c: &c,
                        out0: &mut out0,
                        out1: &mut out1,
                    },
                );
                for i in 0..n {
                    assert_eq!(
                        (out0[i], out1[i]),
                        (a[i] + b[i], a[i] - c[i]),
                        "{level} n = {n}, i = {i}"
                    );
                }
            }
        }
    }

    /// `y = x² + 1`, then `d = x·y − 2`, then `(e0, e1) = (x + y, d − x)`.
    struct Streamed<'a, E> {
        x: &'a [E],
        y: &'a mut [E],
        d: &'a mut [E],
        e0: &'a mut [E],
        e1: &'a mut [E],
    }

    impl<E: Element> crate::simd::LaneTask<E> for Streamed<'_, E> {
        type Output = ();
        fn run<L: crate::simd::Lanes<E>>(self) {
            map_lanes::<E, L>(self.x, self.y, |v| v.mul_add(v, L::splat(1.0)));
            zip_lanes::<E, L>(self.x, self.y, self.d, |a, b| a.mul_add(b, L::splat(-2.0)));
            zip3_lanes::<E, L>(self.x, self.y, self.d, self.e0, self.e1, |a, b, c| (a + b, c - a));
        }
    }

    /// The four outputs of [`Streamed`] for `x` written at `out_offset` elements past an
    /// aligned address (`e1` one element further, so that the two gated outputs differ in
    /// alignment when `odd`), on `threads` threads.
    fn streamed<E: Element>(
        level: crate::simd::Level,
        wide: bool,
        x: &[E],
        out_offset: usize,
        odd: bool,
        stream: bool,
    ) -> Vec<Vec<E>> {
        let n = x.len();
        // Over-allocate, then start each output at the same offset from a 64-byte boundary.
        let mut bufs: Vec<Vec<E>> = (0..4).map(|_| vec![E::from_f64(f64::NAN); n + 64]).collect();
        let starts: Vec<usize> = bufs
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let skip = (64 - b.as_ptr() as usize % 64) % 64 / core::mem::size_of::<E>();
                skip + out_offset + usize::from(odd && k == 3)
            })
            .collect();
        let [y, d, e0, e1] = &mut bufs[..] else { unreachable!() };
        let task = Streamed {
            x,
            y: &mut y[starts[0]..starts[0] + n],
            d: &mut d[starts[1]..starts[1] + n],
            e0: &mut e0[starts[2]..starts[2] + n],
            e1: &mut e1[starts[3]..starts[3] + n],
        };
        let min_bytes = if stream { 0 } else { usize::MAX };
        with_stream_min_bytes(min_bytes, || {
            if wide {
                crate::simd::dispatch_wide(level, task)
            } else {
                crate::simd::dispatch(level, task)
            }
        });
        bufs.iter().zip(&starts).map(|(b, &s)| b[s..s + n].to_vec()).collect()
    }

    fn check_streamed<E: Element>(wide: bool) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for level in crate::simd::Level::available() {
            for n in [0, 1, 7, 15, 16, 17, 33, 64, 100, 257, 1000] {
                let x: Vec<E> = (0..n).map(|i| E::from_f64(0.25 * i as f64 - 9.0)).collect();
                for out_offset in 0..17 {
                    for odd in [false, true] {
                        for threads in [false, true] {
                            let run = |stream| {
                                let min_len = if threads { 64 } else { usize::MAX };
                                pool.install(|| {
                                    with_par_min_len(min_len, || streamed(level, wide, &x, out_offset, odd, stream))
                                })
                            };
                            let (plain, streamed) = (run(false), run(true));
                            let bits = |v: &Vec<Vec<E>>| -> Vec<Vec<u64>> {
                                v.iter()
                                    .map(|o| o.iter().map(|e| e.to_f64().to_bits()).collect())
                                    .collect()
                            };
                            assert_eq!(
                                bits(&streamed),
                                bits(&plain),
                                "{level} wide {wide} n {n} offset {out_offset} odd {odd} threads {threads}"
                            );
                            for (i, (&xi, (y, e1))) in x.iter().zip(streamed[0].iter().zip(&streamed[3])).enumerate() {
                                let want = E::from_f64(xi.to_f64().mul_add(xi.to_f64(), 1.0)).to_f64();
                                assert_eq!(y.to_f64(), want, "{level} n {n} i {i}");
                                assert!(!e1.to_f64().is_nan(), "{level} n {n} i {i}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn streaming_stores_write_what_plain_stores_write_at_every_level_offset_and_length() {
        check_streamed::<f32>(false);
        check_streamed::<f32>(true);
        check_streamed::<f64>(false);
    }

    #[test]
    fn chunks_that_prefetch_reach_every_element_at_every_level() {
        // Past PREFETCH_MIN_BYTES per chunk on two threads, outputs 5 elements past a
        // line, plain and streamed: every output against its formula.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let n = 2 * PREFETCH_MIN_BYTES / 4 + 1001;
        let x: Vec<f32> = (0..n).map(|i| (i % 4099) as f32 * 0.25 - 9.0).collect();
        let round = |v: f64| v as f32 as f64;
        for level in crate::simd::Level::available() {
            for stream in [false, true] {
                let out = pool.install(|| streamed(level, false, &x, 5, false, stream));
                for (i, &xi) in x.iter().enumerate() {
                    let xi = f64::from(xi);
                    let y = round(xi.mul_add(xi, 1.0));
                    let d = round(xi.mul_add(y, -2.0));
                    let got: Vec<f64> = out.iter().map(|o| f64::from(o[i])).collect();
                    assert_eq!(
                        got,
                        [y, d, round(xi + y), round(d - xi)],
                        "{level} stream {stream} i {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn map_and_zip_apply_the_lane_function() {
        let x = [1.0f32, 2.0, 3.0];
        let mut y = [0.0f32; 3];
        map(&x, &mut y, |v| v * 2.0);
        assert_eq!(y, [2.0, 4.0, 6.0]);
        let mut d = [0.0f32; 3];
        zip(&x, &y, &mut d, |a, b| a + b);
        assert_eq!(d, [3.0, 6.0, 9.0]);
        map_in_place(&mut d, |v| -v);
        assert_eq!(d, [-3.0, -6.0, -9.0]);
    }
}
