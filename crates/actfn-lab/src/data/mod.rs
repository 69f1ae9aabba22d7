//! # Data sets for the lab
//!
//! Everything the experiments train on, in pure Rust and without a network at run time:
//!
//! - synthetic sets generated from a seed ([`synthetic`]): TF-Playground spirals,
//!   circles, XOR and two Gaussians, a checkerboard, and smooth and kinked regression
//!   functions in 1-D and 2-D;
//! - MNIST-1D ([`mnist1d`]), its construction reimplemented so that seed 42 with 5000
//!   samples gives the official data set bit for bit;
//! - the UCI 8×8 handwritten digits ([`digits`]), shipped inside the binary;
//! - user data: CSV files ([`csv`]) and MNIST's IDX files ([`idx`]).
//!
//! [`Dataset::by_name`] builds any built-in set from its name ([`registry`] lists them).
//! A [`Dataset`] is a row-major `n × d` matrix of `f32` features with class ids or
//! regression targets; [`Dataset::train_test_split`], [`Standardizer`] and
//! [`BatchSampler`] prepare it for training. Every random choice comes from one seeded
//! generator ([`RandomState`], NumPy's legacy MT19937), so a seed gives the same data on
//! every machine.

pub mod csv;
pub mod digits;
pub mod idx;
pub mod mnist1d;
pub mod numeric;
pub mod random;
pub mod registry;
pub mod synthetic;

use std::io::Read;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};

pub use random::RandomState;
pub use registry::{DataInfo, Task, DATASETS};

/// The targets of a data set, one per row.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// Class ids in `0..n_classes`: `Class(ids, n_classes)`.
    Class(Vec<u32>, usize),
    /// Regression targets, `n × n_out` row-major: `Value(values, n_out)`.
    Value(Vec<f32>, usize),
}

impl Labels {
    /// The number of rows the labels are for.
    pub fn len(&self) -> usize {
        match self {
            Labels::Class(y, _) => y.len(),
            Labels::Value(y, k) => y.len().checked_div(*k).unwrap_or(0),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The width of a model's output: the number of classes, or of target columns.
    pub fn n_outputs(&self) -> usize {
        match self {
            Labels::Class(_, k) | Labels::Value(_, k) => *k,
        }
    }

    /// The class ids, if these are class labels.
    pub fn classes(&self) -> Option<&[u32]> {
        match self {
            Labels::Class(y, _) => Some(y),
            Labels::Value(..) => None,
        }
    }

    /// The regression targets (`n × n_out`), if these are targets.
    pub fn values(&self) -> Option<&[f32]> {
        match self {
            Labels::Value(y, _) => Some(y),
            Labels::Class(..) => None,
        }
    }

    /// The labels of rows `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Labels {
        match self {
            Labels::Class(y, k) => Labels::Class(indices.iter().map(|&i| y[i]).collect(), *k),
            Labels::Value(y, k) => {
                let mut out = Vec::with_capacity(indices.len() * k);
                for &i in indices {
                    out.extend_from_slice(&y[i * k..(i + 1) * k]);
                }
                Labels::Value(out, *k)
            }
        }
    }

    /// How many rows each class has, if these are class labels.
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        let (y, k) = match self {
            Labels::Class(y, k) => (y, *k),
            Labels::Value(..) => return None,
        };
        let mut counts = vec![0usize; k];
        for &c in y {
            counts[c as usize] += 1;
        }
        Some(counts)
    }
}

/// A data set: `n` rows of `d` features (`x`, row-major) and their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// A short name for reports (`spirals`, `mnist1d`, a file name).
    pub name: String,
    /// Features, `n × d` row-major.
    pub x: Vec<f32>,
    pub y: Labels,
    pub n: usize,
    pub d: usize,
    /// The shape of one row's features (`[d]`, `[8, 8]` for the digits, `[28, 28]` for
    /// MNIST), for convolutional models; its product is `d`.
    pub shape: Vec<usize>,
    /// Rows `..train_len` are the data set's own training part (MNIST-1D's first 4000,
    /// MNIST's 60000), when it comes with one; see [`Dataset::official_split`].
    pub train_len: Option<usize>,
    /// The name of each class id, when the labels were names (a CSV file's strings);
    /// empty otherwise.
    pub class_names: Vec<String>,
}

impl Dataset {
    /// A data set of `x.len() / d` rows; checks that the sizes agree, that class ids are
    /// below the class count and that every feature is finite.
    pub fn new(name: impl Into<String>, x: Vec<f32>, d: usize, y: Labels) -> Result<Dataset> {
        let name = name.into();
        ensure!(d > 0, "data set {name}: rows need at least one feature");
        ensure!(
            x.len().is_multiple_of(d),
            "data set {name}: {} feature values do not make rows of {d}",
            x.len()
        );
        let n = x.len() / d;
        match &y {
            Labels::Class(ids, k) => {
                ensure!(ids.len() == n, "data set {name}: {} labels for {n} rows", ids.len());
                if let Some(&bad) = ids.iter().find(|&&c| c as usize >= *k) {
                    bail!("data set {name}: class id {bad} is not below the class count {k}");
                }
            }
            Labels::Value(v, k) => {
                ensure!(*k > 0, "data set {name}: regression targets need at least one column");
                ensure!(
                    v.len() == n * k,
                    "data set {name}: {} target values for {n} rows of {k}",
                    v.len()
                );
                ensure!(
                    v.iter().all(|t| t.is_finite()),
                    "data set {name}: a target is not finite"
                );
            }
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            bail!("data set {name}: feature {} of row {} is not finite", i % d, i / d);
        }
        Ok(Dataset {
            name,
            x,
            y,
            n,
            d,
            shape: vec![d],
            train_len: None,
            class_names: Vec::new(),
        })
    }

    /// The same data with each row's features seen as `shape` (e.g. `[8, 8]`).
    pub fn with_shape(mut self, shape: Vec<usize>) -> Result<Dataset> {
        ensure!(
            shape.iter().product::<usize>() == self.d,
            "data set {}: shape {shape:?} does not hold {} features",
            self.name,
            self.d
        );
        self.shape = shape;
        Ok(self)
    }

    /// Row `i`'s features.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    /// The number of classes, for a classification set.
    pub fn n_classes(&self) -> Option<usize> {
        match self.y {
            Labels::Class(_, k) => Some(k),
            Labels::Value(..) => None,
        }
    }

    /// The width of a model's output: classes or target columns.
    pub fn n_outputs(&self) -> usize {
        self.y.n_outputs()
    }

    pub fn is_classification(&self) -> bool {
        matches!(self.y, Labels::Class(..))
    }

    /// How many rows each class has (classification only).
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        self.y.class_counts()
    }

    /// The rows `indices`, in that order (no official split any more).
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let mut x = Vec::with_capacity(indices.len() * self.d);
        for &i in indices {
            x.extend_from_slice(self.row(i));
        }
        Dataset {
            name: self.name.clone(),
            x,
            y: self.y.select(indices),
            n: indices.len(),
            d: self.d,
            shape: self.shape.clone(),
            train_len: None,
            class_names: self.class_names.clone(),
        }
    }

    /// The first `k` rows and the rest, in order.
    pub fn split_at(&self, k: usize) -> (Dataset, Dataset) {
        let k = k.min(self.n);
        let head: Vec<usize> = (0..k).collect();
        let tail: Vec<usize> = (k..self.n).collect();
        (self.select(&head), self.select(&tail))
    }

    /// The data set's own train/test split (MNIST-1D, MNIST), if it has one.
    pub fn official_split(&self) -> Option<(Dataset, Dataset)> {
        self.train_len.map(|k| self.split_at(k))
    }

    /// The rows in an order drawn from `seed` (NumPy's `permutation(n)`).
    pub fn shuffled(&self, seed: u64) -> Dataset {
        let perm = RandomState::seed_u64(seed).permutation(self.n);
        self.select(&perm)
    }

    /// A random split: `round(n · test_fraction)` rows (at least one of each part when
    /// `n ≥ 2`) go to the test set, the rest to the training set, both in the order of a
    /// permutation drawn from `seed`.
    pub fn train_test_split(&self, test_fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
        ensure!(
            test_fraction > 0.0 && test_fraction < 1.0,
            "test fraction must be between 0 and 1 (exclusive), got {test_fraction}"
        );
        ensure!(self.n >= 2, "data set {}: {} rows cannot be split", self.name, self.n);
        let n_test = ((self.n as f64 * test_fraction).round() as usize).clamp(1, self.n - 1);
        let perm = RandomState::seed_u64(seed).permutation(self.n);
        let (test, train) = perm.split_at(n_test);
        Ok((self.select(train), self.select(test)))
    }

    /// Standardises each feature in place to mean 0 and standard deviation 1 and returns
    /// the statistics (apply them to a test set with [`Standardizer::apply`]).
    pub fn standardize(&mut self) -> Standardizer {
        let s = Standardizer::fit(&self.x, self.d);
        s.transform(&mut self.x);
        s
    }

    /// The features and labels of rows `indices`.
    pub fn gather(&self, indices: &[usize]) -> Batch {
        let mut x = Vec::with_capacity(indices.len() * self.d);
        for &i in indices {
            x.extend_from_slice(self.row(i));
        }
        Batch {
            indices: indices.to_vec(),
            x,
            y: self.y.select(indices),
        }
    }

    /// One epoch of minibatches of `batch_size` rows (the last may be smaller), in an
    /// order drawn from `seed`.
    pub fn batches(&self, batch_size: usize, seed: u64) -> impl Iterator<Item = Batch> + '_ {
        let mut sampler = BatchSampler::new(self.n, batch_size, seed);
        let batches = sampler.epoch();
        batches.into_iter().map(move |idx| self.gather(&idx))
    }

    /// An endless stream of minibatch indices over this data set (see [`BatchSampler`]).
    pub fn sampler(&self, batch_size: usize, seed: u64) -> BatchSampler {
        BatchSampler::new(self.n, batch_size, seed)
    }
}

/// A minibatch: the rows it took, their features (`len × d`) and labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub indices: Vec<usize>,
    pub x: Vec<f32>,
    pub y: Labels,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// Per-feature mean and standard deviation; a feature that is constant keeps a
/// standard deviation of 1 so that it maps to 0 instead of NaN.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Standardizer {
    /// The statistics of the columns of `x` (`rows × d`), computed in `f64`.
    pub fn fit(x: &[f32], d: usize) -> Standardizer {
        assert!(d > 0, "Standardizer::fit: d must be positive");
        let n = x.len() / d;
        let mut mean = vec![0f64; d];
        for row in x.chunks_exact(d) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
        let mut var = vec![0f64; d];
        for row in x.chunks_exact(d) {
            for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
                let dv = v as f64 - m;
                *s += dv * dv;
            }
        }
        let std = var
            .iter()
            .map(|s| {
                let sd = (s / n.max(1) as f64).sqrt();
                if sd > 1e-12 {
                    sd as f32
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
        }
    }

    /// The statistics of a data set's features.
    pub fn fit_dataset(data: &Dataset) -> Standardizer {
        Standardizer::fit(&data.x, data.d)
    }

    /// `(x − mean) / std` for each row of `x`, in place.
    pub fn transform(&self, x: &mut [f32]) {
        let d = self.mean.len();
        for row in x.chunks_exact_mut(d) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// `x · std + mean` for each row of `x`, in place (e.g. predictions of standardised
    /// regression targets back in their units).
    pub fn inverse(&self, x: &mut [f32]) {
        let d = self.mean.len();
        for row in x.chunks_exact_mut(d) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = *v * s + m;
            }
        }
    }

    /// Standardises a data set's features with these statistics.
    pub fn apply(&self, data: &mut Dataset) -> Result<()> {
        ensure!(
            data.d == self.mean.len(),
            "data set {} has {} features, the standardizer {}",
            data.name,
            data.d,
            self.mean.len()
        );
        self.transform(&mut data.x);
        Ok(())
    }
}

/// An endless stream of minibatch row indices: each epoch goes through all rows in a
/// fresh order drawn from one seeded generator, in batches of `batch_size` (the last
/// of an epoch smaller unless [`BatchSampler::drop_last`]).
#[derive(Clone, Debug)]
pub struct BatchSampler {
    n: usize,
    batch_size: usize,
    drop_last: bool,
    rng: RandomState,
    order: Vec<usize>,
    pos: usize,
    epochs: usize,
}

impl BatchSampler {
    /// Panics if `batch_size` is 0.
    pub fn new(n: usize, batch_size: usize, seed: u64) -> BatchSampler {
        assert!(batch_size > 0, "batch size must be positive");
        BatchSampler {
            n,
            batch_size,
            drop_last: false,
            rng: RandomState::seed_u64(seed),
            order: Vec::new(),
            pos: 0,
            epochs: 0,
        }
    }

    /// Skip the incomplete batch at the end of each epoch (when `n` is not a multiple of
    /// the batch size and at least one full batch fits).
    pub fn drop_last(mut self, drop: bool) -> BatchSampler {
        self.drop_last = drop;
        self
    }

    /// How many epochs have been started.
    pub fn epochs_started(&self) -> usize {
        self.epochs
    }

    fn remaining(&self) -> usize {
        self.order.len() - self.pos
    }

    /// The next minibatch's row indices (empty only if the data set is empty).
    pub fn next_batch(&mut self) -> Vec<usize> {
        if self.n == 0 {
            return Vec::new();
        }
        let full_fits = self.n >= self.batch_size;
        if self.remaining() == 0 || (self.drop_last && full_fits && self.remaining() < self.batch_size) {
            self.order = self.rng.permutation(self.n);
            self.pos = 0;
            self.epochs += 1;
        }
        let end = (self.pos + self.batch_size).min(self.order.len());
        let batch = self.order[self.pos..end].to_vec();
        self.pos = end;
        batch
    }

    /// The batches of one whole epoch, starting a fresh one.
    pub fn epoch(&mut self) -> Vec<Vec<usize>> {
        self.pos = self.order.len();
        let first = self.next_batch();
        if first.is_empty() {
            return Vec::new();
        }
        let mut out = vec![first];
        loop {
            let left = self.remaining();
            if left == 0 || (self.drop_last && self.n >= self.batch_size && left < self.batch_size) {
                break;
            }
            out.push(self.next_batch());
        }
        out
    }
}

impl Iterator for BatchSampler {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let b = self.next_batch();
        (!b.is_empty()).then_some(b)
    }
}

/// The bytes of a file, gunzipped if they start with gzip's magic number (whatever the
/// file's name).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    gunzip_if_gz(raw).with_context(|| format!("{}: not a valid gzip file", path.display()))
}

/// `bytes` decompressed if they are gzip data, else unchanged.
pub fn gunzip_if_gz(bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}
