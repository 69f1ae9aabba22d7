//! Data sets as training tasks: the lab's bridge from `crate::data` to tensors.

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};

use crate::data::{Dataset, Labels};
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
    if ds.n < 4 {
        bail!("data set {name} has only {} samples", ds.n);
    }
    // The data set's own split where it has one (MNIST-1D), else a seeded one.
    let (mut tr, mut te) = match ds.official_split() {
        Some(split) if ds.n == ds.train_len.unwrap_or(0) + split.1.n => split,
        _ => ds.train_test_split(1.0 - train, seed ^ 0xda7a)?,
    };
    let standardizer = tr.standardize();
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
