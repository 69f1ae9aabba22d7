//! NumPy `.npy` files: read `float32`/`float64` arrays of any shape in C order, write
//! them atomically (a temporary file in the target's directory, renamed into place),
//! so that a failure never leaves a partial file behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar, WriterBuilder};
use tempfile::NamedTempFile;

use crate::text;

/// The elements of an array, in C order.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// The element type of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    F32,
    F64,
}

impl Dtype {
    /// NumPy's name: `float32`, `float64`.
    pub fn numpy_name(self) -> &'static str {
        match self {
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
        }
    }
}

/// An n-d array: its shape (empty for a 0-d array, which holds one element) and data.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Array {
    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Self {
        Array {
            shape,
            data: Data::F32(data),
        }
    }

    pub fn f64(shape: Vec<usize>, data: Vec<f64>) -> Self {
        Array {
            shape,
            data: Data::F64(data),
        }
    }

    pub fn len(&self) -> usize {
        match &self.data {
            Data::F32(v) => v.len(),
            Data::F64(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dtype(&self) -> Dtype {
        match self.data {
            Data::F32(_) => Dtype::F32,
            Data::F64(_) => Dtype::F64,
        }
    }

    /// The elements widened to `f64`.
    pub fn to_f64(&self) -> Vec<f64> {
        match &self.data {
            Data::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Data::F64(v) => v.clone(),
        }
    }
}

/// Reads a `.npy` file holding a `float32` or `float64` array in C order.
pub fn read_array(path: &Path) -> Result<Array> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&bytes).with_context(|| format!("{} is not a usable .npy file", path.display()))
}

/// Parses the bytes of a `.npy` file (see [`read_array`]).
pub fn parse(bytes: &[u8]) -> Result<Array> {
    let mut rest = bytes;
    let header = NpyHeader::from_reader(&mut rest).map_err(|e| anyhow::anyhow!("{e}"))?;
    if header.order() == Order::Fortran {
        bail!("it is in Fortran order; save a C-order array (numpy.ascontiguousarray)");
    }
    let dtype = match header.dtype() {
        DType::Plain(ts) if ts.type_char() == TypeChar::Float && ts.size_field() == 4 => Dtype::F32,
        DType::Plain(ts) if ts.type_char() == TypeChar::Float && ts.size_field() == 8 => Dtype::F64,
        other => bail!("its dtype is {}; only float32 and float64 are supported", other.descr()),
    };
    let shape = header
        .shape()
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<Result<Vec<usize>, _>>()
        .context("its shape does not fit in memory")?;
    let item = match dtype {
        Dtype::F32 => 4,
        Dtype::F64 => 8,
    };
    let needed = shape
        .iter()
        .try_fold(item, |acc: usize, &d| acc.checked_mul(d))
        .filter(|&n| n <= rest.len());
    if needed.is_none() {
        bail!(
            "it is truncated: shape {} needs more than the {} data byte(s) it holds",
            text::shape(&shape),
            rest.len()
        );
    }
    let file = NpyFile::with_header(header, rest);
    let data = match dtype {
        Dtype::F32 => Data::F32(file.into_vec::<f32>()?),
        Dtype::F64 => Data::F64(file.into_vec::<f64>()?),
    };
    Ok(Array { shape, data })
}

/// The bytes of a `.npy` file holding `array` (little-endian, C order).
pub fn to_bytes(array: &Array) -> Result<Vec<u8>> {
    let expected: usize = array.shape.iter().product();
    if expected != array.len() {
        bail!(
            "internal: shape {} does not hold {} elements",
            text::shape(&array.shape),
            array.len()
        );
    }
    let shape: Vec<u64> = array.shape.iter().map(|&d| d as u64).collect();
    let mut out = Vec::new();
    match &array.data {
        Data::F32(v) => {
            let mut w = npyz::WriteOptions::<f32>::new()
                .default_dtype()
                .shape(&shape)
                .writer(&mut out)
                .begin_nd()?;
            w.extend(v.iter().copied())?;
            w.finish()?;
        }
        Data::F64(v) => {
            let mut w = npyz::WriteOptions::<f64>::new()
                .default_dtype()
                .shape(&shape)
                .writer(&mut out)
                .begin_nd()?;
            w.extend(v.iter().copied())?;
            w.finish()?;
        }
    }
    Ok(out)
}

/// A file written to a temporary name beside its target, waiting for
/// [`Staged::commit`] to rename it into place. Dropped uncommitted, it is deleted.
#[derive(Debug)]
pub struct Staged {
    file: NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Renames the file into place (atomic on one file system).
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        self.file
            .persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// Writes `array` to a temporary file in `path`'s directory; [`Staged::commit`] then
/// puts it in place. Staging every output before committing any keeps a failure from
/// leaving some outputs written and others not.
pub fn stage(path: &Path, array: &Array) -> Result<Staged> {
    let bytes = to_bytes(array)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let context = || format!("cannot write {}", path.display());
    if path.is_dir() {
        return Err(anyhow::anyhow!("it is a directory")).with_context(context);
    }
    let mut file = tempfile::Builder::new()
        .prefix(".actfn-")
        .suffix(".npy.tmp")
        .tempfile_in(dir)
        .with_context(context)?;
    file.write_all(&bytes).with_context(context)?;
    file.flush().with_context(context)?;
    set_permissions(&file, path).with_context(context)?;
    Ok(Staged {
        file,
        path: path.to_path_buf(),
    })
}

/// Writes `array` to `path` atomically.
pub fn write_array(path: &Path, array: &Array) -> Result<()> {
    stage(path, array)?.commit()
}

/// Temporary files are created private (0600); give the output the mode of the file it
/// replaces, or the usual 0644 for a new one.
#[cfg(unix)]
fn set_permissions(file: &NamedTempFile, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let perms = match fs::metadata(target) {
        Ok(m) => m.permissions(),
        Err(_) => fs::Permissions::from_mode(0o644),
    };
    file.as_file().set_permissions(perms)
}

#[cfg(not(unix))]
fn set_permissions(_file: &NamedTempFile, _target: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(a: &Array) -> Array {
        parse(&to_bytes(a).unwrap()).unwrap()
    }

    #[test]
    fn f32_f64_and_0d_round_trip() {
        let a = Array::f32(vec![2, 3], vec![1.0, -2.5, 0.0, f32::INFINITY, 1e-40, 7.0]);
        assert_eq!(round_trip(&a), a);
        let b = Array::f64(vec![], vec![std::f64::consts::PI]);
        assert_eq!(round_trip(&b), b);
        let c = Array::f64(vec![0, 4], vec![]);
        assert_eq!(round_trip(&c), c);
    }

    #[test]
    fn header_says_what_numpy_expects() {
        let bytes = to_bytes(&Array::f64(vec![2, 1], vec![1.0, 2.0])).unwrap();
        assert_eq!(&bytes[..6], b"\x93NUMPY");
        let header = String::from_utf8_lossy(&bytes[10..]);
        assert!(header.contains("'descr': '<f8'"), "{header}");
        assert!(header.contains("'fortran_order': False"), "{header}");
        assert!(header.contains("'shape': (2, 1"), "{header}");
    }

    #[test]
    fn rejects_garbage_other_dtypes_fortran_and_truncation() {
        let err = |bytes: &[u8]| format!("{:#}", parse(bytes).unwrap_err());
        assert!(!err(b"not a numpy file at all").is_empty());
        assert!(!err(b"").is_empty());

        let mut ints = Vec::new();
        let mut w = npyz::WriteOptions::<i32>::new()
            .default_dtype()
            .shape(&[2])
            .writer(&mut ints)
            .begin_nd()
            .unwrap();
        w.extend([1, 2]).unwrap();
        w.finish().unwrap();
        assert!(err(&ints).contains("only float32 and float64"), "{}", err(&ints));

        let mut fortran = Vec::new();
        let mut w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .order(Order::Fortran)
            .shape(&[2, 2])
            .writer(&mut fortran)
            .begin_nd()
            .unwrap();
        w.extend([1.0, 2.0, 3.0, 4.0]).unwrap();
        w.finish().unwrap();
        assert!(err(&fortran).contains("Fortran order"));

        let full = to_bytes(&Array::f64(vec![4], vec![1.0; 4])).unwrap();
        assert!(err(&full[..full.len() - 3]).contains("truncated"));
    }

    #[test]
    fn write_is_atomic_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("y.npy");
        let a = Array::f32(vec![3], vec![1.0, 2.0, 3.0]);
        write_array(&path, &a).unwrap();
        assert_eq!(read_array(&path).unwrap(), a);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        // Staged but dropped: nothing appears.
        let other = dir.path().join("z.npy");
        drop(stage(&other, &a).unwrap());
        assert!(!other.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        // A missing directory is an error, not a panic.
        assert!(write_array(&dir.path().join("no/such/dir/y.npy"), &a).is_err());
    }
}
