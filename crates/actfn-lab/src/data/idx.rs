//! MNIST's IDX files (also Fashion-MNIST, KMNIST, EMNIST): an image file and a label
//! file, plain or gzipped, unsigned bytes. Pixels become `f32` in [0, 1] (`/ 255`).
//!
//! Format: two zero bytes, a type byte (0x08 = unsigned byte, the only one read here),
//! the number of dimensions, each dimension as a big-endian `u32`, then the data.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};

use super::{read_bytes, Dataset, Labels};

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Parses IDX bytes (already decompressed).
pub fn parse_idx(bytes: &[u8]) -> Result<IdxArray> {
    ensure!(
        bytes.len() >= 4,
        "not an IDX file: {} bytes, shorter than its header",
        bytes.len()
    );
    ensure!(
        bytes[0] == 0 && bytes[1] == 0,
        "not an IDX file: it does not start with two zero bytes"
    );
    let kind = bytes[2];
    if kind != 0x08 {
        let name = match kind {
            0x09 => "signed byte",
            0x0B => "short",
            0x0C => "int",
            0x0D => "float",
            0x0E => "double",
            _ => "unknown",
        };
        bail!("IDX element type 0x{kind:02X} ({name}) is not supported: only unsigned bytes (0x08)");
    }
    let ndim = bytes[3] as usize;
    ensure!(ndim >= 1, "IDX file with 0 dimensions");
    let header = 4 + 4 * ndim;
    ensure!(
        bytes.len() >= header,
        "IDX header promises {ndim} dimensions but the file ends after {} bytes",
        bytes.len()
    );
    let dims: Vec<usize> = (0..ndim)
        .map(|i| u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().expect("4 bytes")) as usize)
        .collect();
    let count = dims
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .context("IDX dimensions overflow")?;
    let have = bytes.len() - header;
    ensure!(
        have == count,
        "IDX dimensions {dims:?} need {count} bytes of data, the file has {have}"
    );
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Reads an IDX file, gzipped or not.
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let bytes = read_bytes(path)?;
    parse_idx(&bytes).with_context(|| path.display().to_string())
}

/// Builds a data set from an image array (`n × rows × cols`, or `n × d`) and a label
/// array (`n`).
pub fn from_arrays(name: &str, images: &IdxArray, labels: &IdxArray) -> Result<Dataset> {
    ensure!(
        images.dims.len() >= 2,
        "IDX images need at least 2 dimensions (count and pixels), got {:?}",
        images.dims
    );
    ensure!(
        labels.dims.len() == 1,
        "IDX labels must have 1 dimension, got {:?}",
        labels.dims
    );
    let n = images.dims[0];
    ensure!(labels.dims[0] == n, "{n} images but {} labels", labels.dims[0]);
    ensure!(n > 0, "no images");
    let shape = images.dims[1..].to_vec();
    let d: usize = shape.iter().product();
    let x = images.data.iter().map(|&b| b as f32 / 255.0).collect();
    let y: Vec<u32> = labels.data.iter().map(|&b| b as u32).collect();
    let k = *y.iter().max().expect("n > 0") as usize + 1;
    Dataset::new(name, x, d, Labels::Class(y, k))?.with_shape(shape)
}

/// Loads an image file and its label file.
pub fn load_idx(images: &Path, labels: &Path) -> Result<Dataset> {
    let img = read_idx(images)?;
    let lab = read_idx(labels)?;
    let name = images
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "idx".to_string());
    from_arrays(&name, &img, &lab).with_context(|| format!("{} with {}", images.display(), labels.display()))
}

/// The first existing file among the usual spellings of an MNIST file
/// (`train-images-idx3-ubyte`, `train-images.idx3-ubyte`, each maybe `.gz`).
fn find(dir: &Path, stem: &str, kind: &str) -> Option<PathBuf> {
    [format!("{stem}-{kind}"), format!("{stem}.{kind}")]
        .into_iter()
        .flat_map(|base| [base.clone(), format!("{base}.gz")])
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// MNIST from a directory holding its four IDX files (the test pair optional): the
/// training rows first, then the test rows, with [`Dataset::train_len`] set to the
/// number of training images.
pub fn load_mnist_dir(dir: &Path) -> Result<Dataset> {
    ensure!(dir.is_dir(), "{} is not a directory", dir.display());
    let need = |stem: &str, kind: &str| {
        find(dir, stem, kind).with_context(|| {
            format!(
                "no {stem}-{kind}[.gz] (or {stem}.{kind}) in {}: expected MNIST's IDX files",
                dir.display()
            )
        })
    };
    let train = load_idx(
        &need("train-images", "idx3-ubyte")?,
        &need("train-labels", "idx1-ubyte")?,
    )?;
    let name = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mnist".to_string());
    let (ti, tl) = (
        find(dir, "t10k-images", "idx3-ubyte"),
        find(dir, "t10k-labels", "idx1-ubyte"),
    );
    let all = match (ti, tl) {
        (Some(ti), Some(tl)) => {
            let test = load_idx(&ti, &tl)?;
            ensure!(
                test.shape == train.shape,
                "training images are {:?}, test images {:?}",
                train.shape,
                test.shape
            );
            let k = train.n_classes().max(test.n_classes()).unwrap_or(1);
            let mut x = train.x;
            x.extend_from_slice(&test.x);
            let mut y = train.y.classes().unwrap_or_default().to_vec();
            y.extend_from_slice(test.y.classes().unwrap_or_default());
            let mut d = Dataset::new(name, x, train.d, Labels::Class(y, k))?.with_shape(train.shape)?;
            d.train_len = Some(train.n);
            d
        }
        (None, None) => {
            let mut d = train;
            d.name = name;
            d
        }
        _ => bail!("{}: only one of the two t10k files is there", dir.display()),
    };
    Ok(all)
}
