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

std::thread_local! {
    static MIN_LEN: core::cell::Cell<usize> = const { core::cell::Cell::new(PAR_MIN_LEN) };
}

/// Runs `f` with the drivers' threshold for threads set to `min_len` on this thread
/// ([`PAR_MIN_LEN`] otherwise; [`PAR_MIN_LEN_COSTLY`] for costly kernels).
pub fn with_par_min_len<R>(min_len: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            MIN_LEN.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(MIN_LEN.with(|c| c.replace(min_len.max(64))));
    f()
}

/// The drivers' current threshold for threads ([`with_par_min_len`]).
pub fn par_min_len() -> usize {
    MIN_LEN.with(|c| c.get())
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

#[inline(always)]
fn map_chunk<E: Element, L: Lanes<E>>(x: &[E], y: &mut [E], f: &impl Fn(L) -> L) {
    let w = L::WIDTH;
    // Two vectors per step, as in `zip_chunk`.
    let mut xs = x.chunks_exact(2 * w);
    let mut ys = y.chunks_exact_mut(2 * w);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        let (x0, x1) = xc.split_at(w);
        let (y0, y1) = yc.split_at_mut(w);
        let (v0, v1) = (f(L::load(x0)), f(L::load(x1)));
        v0.store(y0);
        v1.store(y1);
    }
    let mut xs = xs.remainder().chunks_exact(w);
    let mut ys = ys.into_remainder().chunks_exact_mut(w);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        f(L::load(xc)).store(yc);
    }
    let (xr, yr) = (xs.remainder(), ys.into_remainder());
    if !xr.is_empty() {
        let zero = E::from_f64(0.0);
        let mut bx = [zero; MAX_WIDTH];
        let mut by = [zero; MAX_WIDTH];
        bx[..xr.len()].copy_from_slice(xr);
        f(L::load(&bx)).store(&mut by);
        yr.copy_from_slice(&by[..yr.len()]);
    }
}

#[inline(always)]
fn map_in_place_chunk<E: Element, L: Lanes<E>>(x: &mut [E], f: &impl Fn(L) -> L) {
    let w = L::WIDTH;
    let mut xs = x.chunks_exact_mut(w);
    for xc in &mut xs {
        f(L::load(xc)).store(xc);
    }
    let xr = xs.into_remainder();
    if !xr.is_empty() {
        let mut b = [E::from_f64(0.0); MAX_WIDTH];
        b[..xr.len()].copy_from_slice(xr);
        let v = f(L::load(&b));
        v.store(&mut b);
        let n = xr.len();
        xr.copy_from_slice(&b[..n]);
    }
}

#[inline(always)]
fn zip_chunk<E: Element, L: Lanes<E>>(a: &[E], b: &[E], out: &mut [E], f: &impl Fn(L, L) -> L) {
    let w = L::WIDTH;
    // Two vectors per step: one loop test for two (the cheap kernels are bound by the
    // loop's overhead when their data sits in L2).
    let mut as_ = a.chunks_exact(2 * w);
    let mut bs = b.chunks_exact(2 * w);
    let mut os = out.chunks_exact_mut(2 * w);
    for ((ac, bc), oc) in (&mut as_).zip(&mut bs).zip(&mut os) {
        let (a0, a1) = ac.split_at(w);
        let (b0, b1) = bc.split_at(w);
        let (o0, o1) = oc.split_at_mut(w);
        let (v0, v1) = (f(L::load(a0), L::load(b0)), f(L::load(a1), L::load(b1)));
        v0.store(o0);
        v1.store(o1);
    }
    let mut as_ = as_.remainder().chunks_exact(w);
    let mut bs = bs.remainder().chunks_exact(w);
    let mut os = os.into_remainder().chunks_exact_mut(w);
    for ((ac, bc), oc) in (&mut as_).zip(&mut bs).zip(&mut os) {
        f(L::load(ac), L::load(bc)).store(oc);
    }
    let (ar, br, or) = (as_.remainder(), bs.remainder(), os.into_remainder());
    if !ar.is_empty() {
        let zero = E::from_f64(0.0);
        let (mut ba, mut bb, mut bo) = ([zero; MAX_WIDTH], [zero; MAX_WIDTH], [zero; MAX_WIDTH]);
        ba[..ar.len()].copy_from_slice(ar);
        bb[..br.len()].copy_from_slice(br);
        f(L::load(&ba), L::load(&bb)).store(&mut bo);
        or.copy_from_slice(&bo[..or.len()]);
    }
}

#[allow(clippy::type_complexity)]
#[inline(always)]
fn zip3_chunk<E: Element, L: Lanes<E>>(
    a: &[E],
    b: &[E],
    c: &[E],
    out0: &mut [E],
    out1: &mut [E],
    f: &impl Fn(L, L, L) -> (L, L),
) {
    let w = L::WIDTH;
    let n = a.len();
    // Two vectors per step, as in `zip_chunk`; whole chunks let the loads and stores go
    // without bounds checks.
    let pairs = n / (2 * w) * (2 * w);
    for ((((ac, bc), cc), o0), o1) in a[..pairs]
        .chunks_exact(2 * w)
        .zip(b[..pairs].chunks_exact(2 * w))
        .zip(c[..pairs].chunks_exact(2 * w))
        .zip(out0[..pairs].chunks_exact_mut(2 * w))
        .zip(out1[..pairs].chunks_exact_mut(2 * w))
    {
        let (p0, q0) = f(L::load(ac), L::load(bc), L::load(cc));
        let (p1, q1) = f(L::load(&ac[w..]), L::load(&bc[w..]), L::load(&cc[w..]));
        p0.store(&mut o0[..w]);
        q0.store(&mut o1[..w]);
        p1.store(&mut o0[w..]);
        q1.store(&mut o1[w..]);
    }
    let mut i = pairs;
    if i + w <= n {
        let (p, q) = f(L::load(&a[i..]), L::load(&b[i..]), L::load(&c[i..]));
        p.store(&mut out0[i..]);
        q.store(&mut out1[i..]);
        i += w;
    }
    if i < n {
        let r = n - i;
        let zero = E::from_f64(0.0);
        let (mut ba, mut bb, mut bc) = ([zero; MAX_WIDTH], [zero; MAX_WIDTH], [zero; MAX_WIDTH]);
        ba[..r].copy_from_slice(&a[i..]);
        bb[..r].copy_from_slice(&b[i..]);
        bc[..r].copy_from_slice(&c[i..]);
        let (p, q) = f(L::load(&ba), L::load(&bb), L::load(&bc));
        p.store(&mut ba);
        q.store(&mut bb);
        out0[i..].copy_from_slice(&ba[..r]);
        out1[i..].copy_from_slice(&bb[..r]);
    }
}

/// `y[i] = f(x[i])`, a vector at a time (threads above [`PAR_MIN_LEN`]).
#[inline]
pub fn map_lanes<E: Element, L: Lanes<E>>(x: &[E], y: &mut [E], f: impl Fn(L) -> L + Sync) {
    debug_assert_eq!(x.len(), y.len());
    let t = chunks_for(x.len());
    if t == 1 {
        return L::vectorize(
            #[inline(always)]
            || map_chunk(x, y, &f),
        );
    }
    let c = chunk_len(x.len(), t);
    y.par_chunks_mut(c).zip(x.par_chunks(c)).for_each(|(yc, xc)| {
        L::vectorize(
            #[inline(always)]
            || map_chunk(xc, yc, &f),
        )
    });
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
    let t = chunks_for(a.len());
    if t == 1 {
        return L::vectorize(
            #[inline(always)]
            || zip_chunk(a, b, out, &f),
        );
    }
    let c = chunk_len(a.len(), t);
    out.par_chunks_mut(c)
        .zip(a.par_chunks(c).zip(b.par_chunks(c)))
        .for_each(|(oc, (ac, bc))| {
            L::vectorize(
                #[inline(always)]
                || zip_chunk(ac, bc, oc, &f),
            )
        });
}

/// `(out0[i], out1[i]) = f(a[i], b[i], c[i])`, a vector at a time (the gated backward).
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
    let t = chunks_for(n);
    if t == 1 {
        return L::vectorize(
            #[inline(always)]
            || zip3_chunk(a, b, c, out0, out1, &f),
        );
    }
    let k = chunk_len(n, t);
    out0.par_chunks_mut(k)
        .zip(out1.par_chunks_mut(k))
        .zip(a.par_chunks(k).zip(b.par_chunks(k)).zip(c.par_chunks(k)))
        .for_each(|((o0, o1), ((ac, bc), cc))| {
            L::vectorize(
                #[inline(always)]
                || zip3_chunk(ac, bc, cc, o0, o1, &f),
            )
        });
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
