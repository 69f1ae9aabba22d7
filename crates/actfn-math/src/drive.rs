//! Slice drivers: one per kernel shape.
//!
//! A driver walks slices and calls a lane function; it knows nothing of activations.
//! Lengths are checked by the caller (the public slice API); drivers only assert them
//! in debug builds.

use crate::Element;

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
