//! The row-wise family (softmax, log_softmax, softmin) in vector lanes, along any dim.
//!
//! The scalar level, and the backward of both types, run in `f64` lanes (the design of
//! the scalar kernels of `family::softmax`: `x − m` carried as a double word into `exp`,
//! sums kept as double words, `log Σ = log1p(Σ − 1)`); the forward at a vector level runs
//! in the element type's lanes (`f32` data in `f32` lanes, twice as many), shifted by a
//! multiple of ln 2 near the maximum rather than by the maximum (so no difference is
//! carried: [`Shift`]), with sums as double words, whole-vector loops and `1/Σ` rounded
//! once ([`forward_block_single`]). Three passes over a row: its maximum; the shifted
//! exponentials, written to the output and summed; the scaling. Contiguous rows
//! (the last dim) put consecutive elements of one row in the lanes and reduce across
//! lanes after each pass; strided rows (any other dim) put `WIDTH` neighbouring rows in
//! the lanes, so every load is contiguous and no reduction is needed.

use actfn_math::dd;
use actfn_math::drive::{self, Rows, PAR_MIN_LEN_COSTLY};
use actfn_math::simd::{self, LaneTask, Lanes, MAX_WIDTH};
use actfn_math::{Element, Real};
use rayon::prelude::*;

use crate::registry::Kind;

/// Which row op.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowOp {
    Softmax,
    LogSoftmax,
    Softmin,
}

impl RowOp {
    pub(crate) fn of(kind: Kind) -> Option<RowOp> {
        match kind {
            Kind::Softmax => Some(RowOp::Softmax),
            Kind::LogSoftmax => Some(RowOp::LogSoftmax),
            Kind::Softmin => Some(RowOp::Softmin),
            _ => None,
        }
    }
    fn sign(self) -> f64 {
        if self == RowOp::Softmin {
            -1.0
        } else {
            1.0
        }
    }
}

/// Where the `j`-th vector of a block lives: contiguous rows step by `WIDTH` elements of
/// one row; strided rows step along the row (by `inner`) with `WIDTH` rows in the lanes.
#[derive(Clone, Copy)]
struct Block {
    /// Offset of lane 0 of step 0.
    base: usize,
    /// Elements between steps.
    step: usize,
    /// Number of steps.
    steps: usize,
    /// Valid lanes in each step (contiguous: in the last step only).
    lanes: usize,
    /// Lanes of one step are consecutive elements of one row (reduce across lanes).
    contiguous: bool,
    /// Elements in the row (contiguous rows).
    len: usize,
}

impl Block {
    /// Valid lanes of step `j`.
    #[inline(always)]
    fn width<E: Element, L: Lanes<E>>(&self, j: usize) -> usize {
        if self.contiguous {
            (self.len - j * L::WIDTH).min(L::WIDTH)
        } else {
            self.lanes
        }
    }
    /// Steps whose lanes are all valid (they come first).
    #[inline(always)]
    fn full_steps<E: Element, L: Lanes<E>>(&self) -> usize {
        if self.contiguous {
            self.len / L::WIDTH
        } else if self.lanes == L::WIDTH {
            self.steps
        } else {
            0
        }
    }
    #[inline(always)]
    fn offset(&self, j: usize) -> usize {
        self.base + j * self.step
    }
}

#[inline(always)]
fn load<E: Element, L: Lanes<E>>(src: &[E], b: &Block, j: usize, pad: f64) -> L {
    let (o, w) = (b.offset(j), b.width::<E, L>(j));
    if w == L::WIDTH {
        L::load(&src[o..o + w])
    } else {
        let mut buf = [E::from_f64(pad); MAX_WIDTH];
        buf[..w].copy_from_slice(&src[o..o + w]);
        L::load(&buf)
    }
}

#[inline(always)]
fn store<E: Element, L: Lanes<E>>(v: L, dst: &mut [E], b: &Block, j: usize) {
    let (o, w) = (b.offset(j), b.width::<E, L>(j));
    if w == L::WIDTH {
        v.store(&mut dst[o..o + w]);
    } else {
        let mut buf = [E::from_f64(0.0); MAX_WIDTH];
        v.store(&mut buf);
        dst[o..o + w].copy_from_slice(&buf[..w]);
    }
}

/// A double-word sum per lane.
#[derive(Clone, Copy)]
struct Acc<L> {
    hi: L,
    lo: L,
}

impl<L: Real> Acc<L> {
    #[inline(always)]
    fn new() -> Self {
        Self::starting_at(0.0)
    }
    #[inline(always)]
    fn starting_at(v: f64) -> Self {
        Acc {
            hi: L::splat(v),
            lo: L::splat(0.0),
        }
    }
    #[inline(always)]
    fn add(&mut self, v: L) {
        let (s, e) = dd::two_sum(self.hi, v);
        self.hi = s;
        self.lo = self.lo + L::select(e.is_nan(), L::splat(0.0), e);
    }
    /// Every lane at 1, for [`Acc::add_unit`]; [`Acc::total_from_one`] takes the 1s out.
    #[inline(always)]
    fn from_one() -> Self {
        Self::starting_at(1.0)
    }
    /// Adds a term in `[0, 2)` (or NaN; a NaN term makes the sum NaN) to a sum begun by
    /// [`Acc::from_one`]: the sum never drops below 1, so Fast2Sum's error term is exact,
    /// at half TwoSum's cost.
    #[inline(always)]
    fn add_unit(&mut self, v: L) {
        let s = self.hi + v;
        self.lo = self.lo + (v - (s - self.hi));
        self.hi = s;
    }
    /// [`Acc::total`] of a sum begun by [`Acc::from_one`], without its 1s (`hi − 1` is
    /// exact for `hi ≥ 1`).
    #[inline(always)]
    fn total_from_one<E: Element>(self, contiguous: bool) -> (L, L)
    where
        L: Lanes<E>,
    {
        Acc {
            hi: self.hi - L::splat(1.0),
            lo: self.lo,
        }
        .total::<E>(contiguous)
    }
    /// The per-lane sums as double words; contiguous rows sum across lanes first.
    #[inline(always)]
    fn total<E: Element>(self, contiguous: bool) -> (L, L)
    where
        L: Lanes<E>,
    {
        if !contiguous {
            return dd::fast_two_sum(self.hi, self.lo);
        }
        let (mut h, mut l) = ([0.0f64; MAX_WIDTH], [0.0f64; MAX_WIDTH]);
        self.hi.to_f64s(&mut h);
        self.lo.to_f64s(&mut l);
        if L::PRECISION < 53 {
            // Single-precision words sum exactly enough in f64 (an error of 2^-53).
            let total: f64 = h[..L::WIDTH].iter().chain(&l[..L::WIDTH]).sum();
            return L::splat_dd(total, 0.0);
        }
        let mut s = dd::Sum::default();
        for k in 0..L::WIDTH {
            s.add(h[k]);
            s.add(l[k]);
        }
        let (hi, lo) = s.words();
        (L::splat(hi), L::splat(lo))
    }
}

/// The row maximum (per lane for strided rows) of `sign·x`; NaN where a row holds NaN
/// or `+∞` (such rows give NaN throughout, as in PyTorch).
#[inline(always)]
fn row_max<E: Element, L: Lanes<E>>(x: &[E], b: &Block, sign: L) -> L {
    let pad = sign.reduce_max() * f64::NEG_INFINITY;
    let mut m = L::splat(f64::NEG_INFINITY);
    for j in 0..b.steps {
        m = m.max_nan(sign * load::<E, L>(x, b, j, pad));
    }
    let m = if b.contiguous { L::splat(m.reduce_max()) } else { m };
    L::select(m.eq(L::splat(f64::INFINITY)), L::splat(f64::NAN), m)
}

/// `exp(v − m)` with `v − m` carried exactly, and `v − m` as a double word.
#[inline(always)]
fn exp_shift<L: Real>(v: L, m: L) -> (L, L, L) {
    let (d, d_lo) = dd::two_sum(v, -m);
    let d_lo = L::select(d_lo.is_nan(), L::splat(0.0), d_lo);
    (dd::exp_dd(d, d_lo), d, d_lo)
}

/// `y = op(x)` on one block (`x = None`: in place on `y`). With `scratch` (a contiguous
/// row, out of place, long enough: [`Streaming`]) the vector levels write `y` with
/// streaming stores.
#[inline(always)]
fn forward_block<E: Element, L: Lanes<E>>(
    op: RowOp,
    x: Option<&[E]>,
    y: &mut [E],
    b: &Block,
    scratch: Option<&mut [E]>,
) {
    if L::PRECISION < 53 || L::WIDTH > 1 {
        return forward_block_single::<E, L>(op, x, y, b, scratch);
    }
    let sign = L::splat(op.sign());
    let pad = op.sign() * f64::NEG_INFINITY;
    let m = row_max::<E, L>(x.unwrap_or(y), b, sign);
    let mut sum = Acc::<L>::new();
    for j in 0..b.steps {
        let v = sign * load::<E, L>(x.unwrap_or(y), b, j, pad);
        let (e, _, _) = exp_shift(v, m);
        sum.add(e);
        if op != RowOp::LogSoftmax {
            store(e, y, b, j);
        }
    }
    let (s, s_lo) = sum.total::<E>(b.contiguous);
    if op == RowOp::LogSoftmax {
        // log Σ = log1p(Σ − 1): the maximum's own term is exactly 1.
        let log_sum = ((s - L::splat(1.0)) + s_lo).ln_1p();
        for j in 0..b.steps {
            let v = load::<E, L>(x.unwrap_or(y), b, j, pad);
            let (d, d_lo) = dd::two_sum(v, -m);
            let d_lo = L::select(d_lo.is_nan(), L::splat(0.0), d_lo);
            store(d + (d_lo - log_sum), y, b, j);
        }
    } else {
        let total = s + s_lo;
        for j in 0..b.steps {
            let e = load::<E, L>(y, b, j, 0.0);
            store(e / total, y, b, j);
        }
    }
}

/// [`forward_block`] at a vector level, in the element type's lanes (for `f32` data twice
/// the lanes of the `f64` path): the terms `e^{x − s}` for a shift `s` near the row
/// maximum ([`Shift`]; [`Real::exp_shifted`], 1.5 ULP in `f32` lanes), the sum kept as a
/// double word; softmax scales by `1/Σ` rounded once (≤ 2.5 ULP in all). log_softmax needs no low word: it
/// writes `(x − m) − log Σ`, two terms of one sign (≤ 2.5 ULP).
///
/// With `scratch` the output is written once, by streaming stores (no read of `y`'s lines
/// into the caches): softmax keeps its terms in `scratch` until it scales them.
#[inline(always)]
fn forward_block_single<E: Element, L: Lanes<E>>(
    op: RowOp,
    x: Option<&[E]>,
    y: &mut [E],
    b: &Block,
    scratch: Option<&mut [E]>,
) {
    // log_softmax streams where the row starts aligned (its steps then are too).
    let align = L::WIDTH * core::mem::size_of::<E>();
    let nt = scratch.is_some() && (y[b.base..].as_ptr() as usize).is_multiple_of(align);
    let sign = L::splat(op.sign());
    let pad = op.sign() * f64::NEG_INFINITY;
    let full = b.full_steps::<E, L>();
    // A plain maximum in four independent chains: a NaN it misses, or a +∞ it finds,
    // makes the sum below NaN.
    let src = x.unwrap_or(y);
    let ninf = L::splat(f64::NEG_INFINITY);
    let (mut m0, mut m1, mut m2, mut m3) = (ninf, ninf, ninf, ninf);
    let mut j = 0;
    while j + 4 <= full {
        m0 = m0.at_least(sign * load_full::<E, L>(src, b, j));
        m1 = m1.at_least(sign * load_full::<E, L>(src, b, j + 1));
        m2 = m2.at_least(sign * load_full::<E, L>(src, b, j + 2));
        m3 = m3.at_least(sign * load_full::<E, L>(src, b, j + 3));
        j += 4;
    }
    for j in j..b.steps {
        m0 = m0.at_least(sign * load::<E, L>(src, b, j, pad));
    }
    let m = m0.at_least(m1).at_least(m2.at_least(m3));
    let m = if b.contiguous { L::splat(m.reduce_max()) } else { m };
    let mut sum = Acc::<L>::from_one();
    if op == RowOp::LogSoftmax {
        // Unlike softmax's, log_softmax's output `(x − m) − log Σ` is never smaller than
        // `|x − m|`, so `x − m` rounded once costs it at most half an ULP, and the terms of
        // Σ need only the sum's precision: that rounding moves `log Σ` by at most 2^-25
        // of `|x − m| ≤ |y|`.
        each_step(
            b,
            full,
            #[inline(always)]
            |j, whole| {
                prefetch_next_row(src, b, j);
                let d = load_at::<E, L>(src, b, j, pad, whole) - m;
                sum.add_unit(exp_nonpositive(d));
            },
        );
        let (s, s_lo) = sum.total_from_one::<E>(b.contiguous);
        let log_sum = ((s - L::splat(1.0)) + s_lo).ln_1p();
        each_step(
            b,
            full,
            #[inline(always)]
            |j, whole| {
                let d = load_at::<E, L>(x.unwrap_or(y), b, j, pad, whole) - m;
                store_out(d - log_sum, y, b, j, whole, nt);
            },
        );
    } else if let Some(terms) = scratch {
        // The terms at the same offsets of a block based at 0 in `terms`.
        let tb = Block { base: 0, ..*b };
        let shift = Shift::near(m, sign);
        each_step(
            b,
            full,
            #[inline(always)]
            |j, whole| {
                prefetch_next_row(src, b, j);
                let e = shift.exp(load_at::<E, L>(src, b, j, pad, whole));
                sum.add_unit(e);
                store_at(e, terms, &tb, j, whole);
            },
        );
        let (s, s_lo) = sum.total_from_one::<E>(b.contiguous);
        let inv = L::splat(1.0) / (s + s_lo);
        scale_streamed(&terms[..b.len], inv, &mut y[b.base..b.base + b.len]);
    } else {
        let shift = Shift::near(m, sign);
        each_step(
            b,
            full,
            #[inline(always)]
            |j, whole| {
                prefetch_next_row(x.unwrap_or(y), b, j);
                let e = shift.exp(load_at::<E, L>(x.unwrap_or(y), b, j, pad, whole));
                sum.add_unit(e);
                store_at(e, y, b, j, whole);
            },
        );
        let (s, s_lo) = sum.total_from_one::<E>(b.contiguous);
        let inv = L::splat(1.0) / (s + s_lo);
        each_step(
            b,
            full,
            #[inline(always)]
            |j, whole| store_at(load_at::<E, L>(y, b, j, 0.0, whole) * inv, y, b, j, whole),
        );
    }
}

/// A bound beyond which `e^{-bound}` rounds to 0 in `L`'s precision.
#[inline(always)]
fn underflow_bound<L: Real>() -> f64 {
    if L::PRECISION < 53 {
        110.0
    } else {
        750.0
    }
}

/// `eᵈ` for `d ≤ 0` (or NaN) by [`Real::exp_shifted`], raised to `−underflow_bound` where
/// it is 0.
#[inline(always)]
fn exp_nonpositive<L: Real>(d: L) -> L {
    d.at_least(L::splat(-underflow_bound::<L>())).exp_shifted(L::splat(0.0))
}

/// The softmax rows' shift: `e^{v − s}` for the constant `s = c₀ + k·ln2` near the row
/// maximum `m`, in place of `e^{v − m}`, so that no difference is carried as a double
/// word (the quotients `e^{v − s}/Σ` are the same). Where `|m| ≥ BIG`, `c₀ = m` and `v − m`
/// is exact (Sterbenz) for every `v` whose term does not underflow; elsewhere `c₀ = 0`
/// and [`Real::exp_shifted`] reduces `v` by ln 2 on its own, exactly. `k = round((m −
/// c₀)·log₂e)` puts the largest term in `[e^-0.35, e^0.35]`: no term overflows, the sum is
/// at least 0.7, and [`Acc::add_unit`]'s terms stay below 2. Arguments more than
/// `RANGE` ([`underflow_bound`]) below `m − c₀`, whose terms are 0, are raised to that
/// floor, which keeps [`Real::exp_shifted`] in its domain (`|v − c₀| < BIG + RANGE`, with
/// `BIG ≥ 2·RANGE` for Sterbenz). A NaN or infinite `m`
/// is `c₀`, which makes every term NaN (`x − ∞ = −∞` reduces to NaN).
#[derive(Clone, Copy)]
struct Shift<L> {
    sign: L,
    minus_c0: L,
    floor: L,
    k: L,
}

impl<L: Real> Shift<L> {
    #[inline(always)]
    fn near(m: L, sign: L) -> Self {
        let range = underflow_bound::<L>();
        let big = if L::PRECISION < 53 { 256.0 } else { 2048.0 };
        let c0 = L::select(m.abs().lt(L::splat(big)), L::splat(0.0), m);
        let mc = m - c0;
        // Rounded to an integer by adding and subtracting 1.5·2^(p−1) (|mc·log₂e| < 2^12).
        let magic = L::splat(1.5 * f64::powi(2.0, L::PRECISION as i32 - 1));
        Shift {
            sign,
            minus_c0: -c0,
            floor: mc - L::splat(range),
            k: (mc * L::splat(core::f64::consts::LOG2_E) + magic) - magic,
        }
    }
    /// `e^{sign·x − c₀ − k·ln2}` (the sign is ±1: `sign·x − c₀` rounds once).
    #[inline(always)]
    fn exp(self, x: L) -> L {
        self.sign
            .mul_add(x, self.minus_c0)
            .at_least(self.floor)
            .exp_shifted(self.k)
    }
}

/// For contiguous rows, prefetches the next row's step `j` while this row's exponentials
/// are computed: its maximum pass would otherwise wait on memory at every new page.
#[inline(always)]
fn prefetch_next_row<E: Element>(src: &[E], b: &Block, j: usize) {
    if b.contiguous {
        simd::prefetch(src, b.offset(j) + b.len);
    }
}

/// `out = terms·inv` (a contiguous row), by streaming stores from `out`'s first aligned
/// element on; the unaligned head and the tail through a buffer.
#[inline(always)]
fn scale_streamed<E: Element, L: Lanes<E>>(terms: &[E], inv: L, out: &mut [E]) {
    let head = drive::aligned_head::<E, L>(out);
    scale_partial(&terms[..head], inv, &mut out[..head]);
    let mut i = head;
    while i + L::WIDTH <= out.len() {
        (L::load(&terms[i..i + L::WIDTH]) * inv).store_stream(&mut out[i..i + L::WIDTH]);
        i += L::WIDTH;
    }
    scale_partial(&terms[i..], inv, &mut out[i..]);
}

/// `out = terms·inv` for fewer than `WIDTH` elements.
#[inline(always)]
fn scale_partial<E: Element, L: Lanes<E>>(terms: &[E], inv: L, out: &mut [E]) {
    if terms.is_empty() {
        return;
    }
    let mut buf = [E::from_f64(0.0); MAX_WIDTH];
    buf[..terms.len()].copy_from_slice(terms);
    (L::load(&buf) * inv).store(&mut buf);
    out.copy_from_slice(&buf[..terms.len()]);
}

/// [`store_at`], by a streaming store where `nt` and the step is whole (the caller
/// checked the alignment: [`Streaming`]).
#[inline(always)]
fn store_out<E: Element, L: Lanes<E>>(v: L, dst: &mut [E], b: &Block, j: usize, whole: bool, nt: bool) {
    if nt && whole {
        let o = b.offset(j);
        v.store_stream(&mut dst[o..o + L::WIDTH]);
    } else {
        store_at(v, dst, b, j, whole);
    }
}

/// `f(j, whole)` for every step of `b`: the first `full` steps (all lanes valid) with
/// `whole = true`, so their loop has no partial-vector path, then the rest.
#[inline(always)]
fn each_step(b: &Block, full: usize, mut f: impl FnMut(usize, bool)) {
    for j in 0..full {
        f(j, true);
    }
    for j in full..b.steps {
        f(j, false);
    }
}

#[inline(always)]
fn load_full<E: Element, L: Lanes<E>>(src: &[E], b: &Block, j: usize) -> L {
    let o = b.offset(j);
    L::load(&src[o..o + L::WIDTH])
}

#[inline(always)]
fn load_at<E: Element, L: Lanes<E>>(src: &[E], b: &Block, j: usize, pad: f64, whole: bool) -> L {
    if whole {
        load_full::<E, L>(src, b, j)
    } else {
        load::<E, L>(src, b, j, pad)
    }
}

#[inline(always)]
fn store_at<E: Element, L: Lanes<E>>(v: L, dst: &mut [E], b: &Block, j: usize, whole: bool) {
    if whole {
        let o = b.offset(j);
        v.store(&mut dst[o..o + L::WIDTH]);
    } else {
        store(v, dst, b, j);
    }
}

/// `dx = Jᵀg` at the input `x` on one block.
#[inline(always)]
fn backward_block<E: Element, L: Lanes<E>>(op: RowOp, x: &[E], g: &[E], dx: &mut [E], b: &Block) {
    let sign = L::splat(op.sign());
    let pad = op.sign() * f64::NEG_INFINITY;
    let m = row_max::<E, L>(x, b, sign);
    let mut sum = Acc::<L>::new();
    let mut dot = Acc::<L>::new();
    for j in 0..b.steps {
        let (e, _, _) = exp_shift(sign * load::<E, L>(x, b, j, pad), m);
        let gv = load::<E, L>(g, b, j, 0.0);
        sum.add(e);
        if op == RowOp::LogSoftmax {
            dot.add(gv);
        } else {
            let (p, p_lo) = dd::two_prod(e, gv);
            dot.add(p);
            dot.add(p_lo);
        }
        store(e, dx, b, j);
    }
    let (s, s_lo) = sum.total::<E>(b.contiguous);
    let (hi, lo) = dot.total::<E>(b.contiguous);
    let total = s + s_lo;
    if op == RowOp::LogSoftmax {
        // dx = g − softmax(x)·Σg.
        let sg = hi + lo;
        for j in 0..b.steps {
            let y = load::<E, L>(dx, b, j, 0.0) / total;
            let gv = load::<E, L>(g, b, j, 0.0);
            store((-y).mul_add(sg, gv), dx, b, j);
        }
        return;
    }
    // (hi + lo)/(s + s_lo) as a double word q + q_lo; dx = y·((g − q) − q_lo).
    let q = hi / s;
    let rem = (-q).mul_add(s, hi) - q * s_lo + lo;
    let q_lo = L::select(rem.is_nan() | rem.is_infinite(), L::splat(0.0), rem / s);
    for j in 0..b.steps {
        let y = load::<E, L>(dx, b, j, 0.0) / total;
        let gv = load::<E, L>(g, b, j, 0.0);
        let (d, d_lo) = dd::two_sum(gv, -q);
        let d_lo = L::select(d_lo.is_nan() | d_lo.is_infinite(), L::splat(0.0), d_lo);
        store(sign * (y * (d + (d_lo - q_lo))), dx, b, j);
    }
}

/// The blocks of one outer slab (`len × inner` elements starting at `base`).
#[inline(always)]
fn blocks<E: Element, L: Lanes<E>>(rows: Rows, base: usize, mut f: impl FnMut(&Block)) {
    let Rows { len, inner, .. } = rows;
    if inner == 1 {
        f(&Block {
            base,
            step: L::WIDTH,
            steps: len.div_ceil(L::WIDTH),
            lanes: L::WIDTH,
            contiguous: true,
            len,
        });
    } else {
        let mut i0 = 0;
        while i0 < inner {
            f(&Block {
                base: base + i0,
                step: inner,
                steps: len,
                lanes: (inner - i0).min(L::WIDTH),
                contiguous: false,
                len,
            });
            i0 += L::WIDTH;
        }
    }
}

/// Slabs of whole rows handed to each task: every row of a slab lies inside it.
fn slab(rows: Rows) -> usize {
    if rows.inner == 1 {
        rows.len
    } else {
        rows.len * rows.inner
    }
}

/// How many slabs one parallel task takes (all of them below [`PAR_MIN_LEN_COSTLY`]
/// elements).
fn slabs_per_task(rows: Rows) -> usize {
    let total = rows.outer * rows.len * rows.inner;
    let count = total / slab(rows).max(1);
    if total < PAR_MIN_LEN_COSTLY || count < 2 {
        return count.max(1);
    }
    let t = rayon::current_num_threads().max(1);
    count.div_ceil(t).max(1)
}

/// Whether a forward writes its output with streaming stores: out of place, contiguous
/// rows of at most [`Streaming::MAX_ROW`] elements, and at least
/// [`drive::STREAM_MIN_BYTES`] of output (the threshold of the copy-like element-wise
/// kernels). Softmax streams from each row's first aligned element; log_softmax streams
/// rows that start aligned for [`Lanes::store_stream`]. The output's cache lines are then
/// never read: 2 bytes of traffic per output byte instead of 3 (a copy's ratio).
struct Streaming;

impl Streaming {
    /// Rows up to 64 KiB of `f32` keep their scratch terms in L2.
    const MAX_ROW: usize = 16 << 10;

    fn applies<E: Element, L: Lanes<E>>(x: Option<&[E]>, y: &[E], rows: Rows) -> bool {
        L::STREAMS
            && x.is_some()
            && rows.inner == 1
            && rows.len <= Self::MAX_ROW
            && core::mem::size_of_val(y) >= drive::STREAM_MIN_BYTES
    }
}

struct Fwd<'a, E> {
    op: RowOp,
    x: Option<&'a [E]>,
    y: &'a mut [E],
    rows: Rows,
}

impl<E: Element> LaneTask<E> for Fwd<'_, E> {
    type Output = ();
    fn run<L: Lanes<E>>(self) {
        let Fwd { op, x, y, rows } = self;
        let s = slab(rows);
        let per = slabs_per_task(rows) * s;
        let stream = Streaming::applies::<E, L>(x, y, rows);
        let work = |k: usize, yc: &mut [E]| {
            let xc = x.map(|x| &x[k * per..k * per + yc.len()]);
            let mut terms = vec![E::from_f64(0.0); if stream { rows.len } else { 0 }];
            L::vectorize(
                #[inline(always)]
                || {
                    for o in 0..yc.len() / s {
                        blocks::<E, L>(
                            rows,
                            o * s,
                            #[inline(always)]
                            |b| forward_block::<E, L>(op, xc, yc, b, stream.then_some(&mut terms[..])),
                        );
                    }
                    if stream {
                        L::stream_fence();
                    }
                },
            )
        };
        if per >= y.len() {
            work(0, y);
        } else {
            y.par_chunks_mut(per).enumerate().for_each(|(k, yc)| work(k, yc));
        }
    }
}

struct Bwd<'a, E> {
    op: RowOp,
    x: &'a [E],
    g: &'a [E],
    dx: &'a mut [E],
    rows: Rows,
}

impl<E: Element> LaneTask<E> for Bwd<'_, E> {
    type Output = ();
    fn run<L: Lanes<E>>(self) {
        let Bwd { op, x, g, dx, rows } = self;
        let s = slab(rows);
        let per = slabs_per_task(rows) * s;
        let work = |k: usize, dc: &mut [E]| {
            let r = k * per..k * per + dc.len();
            let (xc, gc) = (&x[r.clone()], &g[r]);
            L::vectorize(
                #[inline(always)]
                || {
                    for o in 0..dc.len() / s {
                        blocks::<E, L>(
                            rows,
                            o * s,
                            #[inline(always)]
                            |b| backward_block::<E, L>(op, xc, gc, dc, b),
                        );
                    }
                },
            )
        };
        if per >= dx.len() {
            work(0, dx);
        } else {
            dx.par_chunks_mut(per).enumerate().for_each(|(k, dc)| work(k, dc));
        }
    }
}

/// `y = op(x)` along the rows of `rows`.
pub(crate) fn forward<E: Element>(op: RowOp, x: &[E], y: &mut [E], rows: Rows) {
    forward_opt(op, Some(x), y, rows)
}

/// `y = op(y)` in place along the rows of `rows`.
pub(crate) fn forward_in_place<E: Element>(op: RowOp, y: &mut [E], rows: Rows) {
    forward_opt(op, None, y, rows)
}

fn forward_opt<E: Element>(op: RowOp, x: Option<&[E]>, y: &mut [E], rows: Rows) {
    if rows.len == 0 || y.is_empty() {
        return;
    }
    simd::dispatch(simd::level(), Fwd { op, x, y, rows });
}

/// `dx = Jᵀg` along the rows of `rows`.
pub(crate) fn backward<E: Element>(op: RowOp, x: &[E], g: &[E], dx: &mut [E], rows: Rows) {
    if rows.len == 0 || dx.is_empty() {
        return;
    }
    simd::dispatch_wide(simd::level(), Bwd { op, x, g, dx, rows });
}
