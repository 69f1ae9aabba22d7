//! Data sets as training tasks: the lab's bridge from `crate::data` to tensors.

use std::path::Path;

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};

use crate::data::{Dataset, Labels, Standardizer};
use crate::lab::net::{Targets, Task};

/// The tasks `compare` trains on: (name, kind, samples in the quick profile).
pub fn task_names() -> &'static [(&'static str, TaskKind)] {
    &[
        ("spirals", TaskKind::Classification),
        ("circles", TaskKind::Classification),
        ("checkerboard", TaskKind::Classification),
        ("digits", TaskKind::Classification),
        ("mnist1d", TaskKind::Classification),
        ("sine", TaskKind::Regression),
        ("triangle", TaskKind::Regression),
        ("gauss2d", TaskKind::Regression),
        ("folds", TaskKind::Regression),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum TaskKind {
    Classification,
    Regression,
}

/// Shape facts of a task.
#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub name: String,
    pub inputs: usize,
    pub outputs: usize,
    pub kind: TaskKind,
}

fn tensor_x(ds: &Dataset, device: &Device) -> Result<Tensor> {
    Ok(Tensor::from_slice(&ds.x, (ds.n, ds.d), device)?)
}

fn targets(ds: &Dataset, device: &Device) -> Result<Targets> {
    Ok(match &ds.y {
        Labels::Class(y, k) => Targets::Classes(Tensor::new(y.as_slice(), device)?, *k),
        Labels::Value(y, k) => Targets::Values(Tensor::from_slice(y, (ds.n, *k), device)?),
    })
}

/// Loads data set `name` with `n` samples, splits it (a seeded permutation, `train`
/// fraction for training), standardises the features with the training statistics.
pub fn task(name: &str, n: usize, seed: u64, train: f64, device: &Device) -> Result<(Task, TaskInfo)> {
    // Noise: a little for the synthetic sets (so the test set is not the training set's
    // twin), none for the real ones.
    let noise = match name {
        "spirals" | "circles" | "xor" | "checkerboard" | "gauss2d" | "plane" => 0.1,
        "sine" | "abs" | "triangle" | "sawtooth" | "folds" => 0.05,
        _ => 0.0,
    };
    let ds = Dataset::by_name(name, n, seed, Some(noise))?;
    prepare(ds, name, seed ^ 0xda7a, train, device)
}

/// The seed of the train/test split of user data: fixed, so every seed and activation
/// sees the same split.
const USER_SPLIT_SEED: u64 = 0x5eed_5917;

/// The user's data set at `path` as a classification task: a directory holding MNIST's
/// IDX files (its official train/test split), or a CSV file (numeric features, the label
/// in the last column; a fixed 80/20 split). Features are standardised with the training
/// statistics.
pub fn user_task(path: &Path, device: &Device) -> Result<(Task, TaskInfo)> {
    let ds = if path.is_dir() {
        crate::data::idx::load_mnist_dir(path)?
    } else if path.exists() {
        crate::data::csv::load_csv(path, &crate::data::csv::CsvOptions::default())?
    } else {
        bail!("--data {}: no such file or directory", path.display())
    };
    let name = ds.name.clone();
    let classes = ds.class_counts().map_or(0, |c| c.iter().filter(|&&k| k > 0).count());
    if classes < 2 {
        bail!(
            "--data {}: needs at least 2 classes in the label column, found {classes}",
            path.display()
        );
    }
    if ds.n < 10 {
        bail!("--data {}: needs at least 10 rows, found {}", path.display(), ds.n);
    }
    prepare(ds, &name, USER_SPLIT_SEED, 0.8, device)
}

/// Splits `ds` (its own split where it has one, else `train` of a permutation drawn
/// from `split_seed`) and standardises the features with the training statistics.
fn prepare(ds: Dataset, name: &str, split_seed: u64, train: f64, device: &Device) -> Result<(Task, TaskInfo)> {
    if ds.n < 4 {
        bail!("data set {name} has only {} samples", ds.n);
    }
    // The data set's own split where it has one (MNIST-1D, MNIST), else a seeded one.
    let (mut tr, mut te) = match ds.official_split() {
        Some(split) if ds.n == ds.train_len.unwrap_or(0) + split.1.n && split.1.n > 0 => split,
        _ => ds.train_test_split(1.0 - train, split_seed)?,
    };
    let mut standardizer = Standardizer::fit_dataset(&tr);
    // A feature that is nearly constant in the training set (an MNIST border pixel lit
    // in one image) would blow up on the test set: floor each scale at a tenth of the
    // features' mean scale.
    let floor = 0.1 * standardizer.std.iter().map(|&s| s as f64).sum::<f64>() / standardizer.std.len().max(1) as f64;
    for s in &mut standardizer.std {
        *s = s.max(floor as f32);
    }
    standardizer.apply(&mut tr)?;
    standardizer.apply(&mut te)?;
    let kind = if tr.is_classification() {
        TaskKind::Classification
    } else {
        TaskKind::Regression
    };
    let task = Task {
        x_train: tensor_x(&tr, device)?,
        y_train: targets(&tr, device)?,
        x_test: tensor_x(&te, device)?,
        y_test: targets(&te, device)?,
    };
    Ok((
        task,
        TaskInfo {
            name: name.to_string(),
            inputs: tr.d,
            outputs: tr.n_outputs(),
            kind,
        },
    ))
}
