//! The UCI 8×8 handwritten digits ("Optical Recognition of Handwritten Digits",
//! E. Alpaydin and C. Kaynak, UCI Machine Learning Repository, 1998; CC BY 4.0), as
//! scikit-learn ships them in `load_digits` (`sklearn/datasets/data/digits.csv.gz`):
//! 1797 images of 8×8 counts 0..16 from 13 writers, 10 classes.
//!
//! The file is embedded in the binary (`crates/actfn-lab/data/digits.csv.gz`; its notice
//! is `crates/actfn-lab/data/README.md`), so loading needs no file at run time.

use anyhow::{bail, ensure, Context, Result};

use super::{gunzip_if_gz, Dataset, Labels};

/// The embedded `digits.csv.gz`: 1797 lines of 64 pixel counts and the label.
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

/// The attribution that must travel with the data.
pub const NOTICE: &str = "UCI ML hand-written digits: E. Alpaydin, C. Kaynak, \"Optical Recognition of \
Handwritten Digits\", UCI Machine Learning Repository (1998), licensed CC BY 4.0; the copy \
scikit-learn ships for load_digits.";

/// Number of images.
pub const N: usize = 1797;

/// The digits: 1797 rows of 64 features (pixel count / 16, in [0, 1]), shape 8×8,
/// labels 0..9.
pub fn load() -> Result<Dataset> {
    let bytes = gunzip_if_gz(DIGITS_CSV_GZ.to_vec()).context("embedded digits.csv.gz is not valid gzip")?;
    let text = std::str::from_utf8(&bytes).context("embedded digits.csv is not UTF-8")?;
    parse(text)
}

/// Parses scikit-learn's digits CSV (65 integer columns, the label last).
pub fn parse(text: &str) -> Result<Dataset> {
    let mut x = Vec::with_capacity(N * 64);
    let mut y = Vec::with_capacity(N);
    for (ln, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        ensure!(
            fields.len() == 65,
            "digits.csv line {}: {} columns, expected 65",
            ln + 1,
            fields.len()
        );
        for f in &fields[..64] {
            let v: f64 = f
                .trim()
                .parse()
                .with_context(|| format!("digits.csv line {}: {f:?} is not a number", ln + 1))?;
            if !(0.0..=16.0).contains(&v) {
                bail!("digits.csv line {}: pixel {v} outside 0..16", ln + 1);
            }
            x.push((v / 16.0) as f32);
        }
        let label: f64 = fields[64]
            .trim()
            .parse()
            .with_context(|| format!("digits.csv line {}: label {:?} is not a number", ln + 1, fields[64]))?;
        ensure!(
            label.fract() == 0.0 && (0.0..10.0).contains(&label),
            "digits.csv line {}: label {label} is not a digit",
            ln + 1
        );
        y.push(label as u32);
    }
    Dataset::new("digits", x, 64, Labels::Class(y, 10))?.with_shape(vec![8, 8])
}
