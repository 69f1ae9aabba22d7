//! MNIST-1D reproduces the official data set bit for bit.
//!
//! Always: the generated arrays' digests (FNV-1a over the `f64` bits) and a few values
//! equal the committed ones, taken from the official `mnist1d_data.pkl` as converted to
//! `.npy` in `shared/data/mnist1d`. When that folder is beside the repository, every
//! element is also compared with the official arrays.

use std::path::PathBuf;

use std::sync::OnceLock;

use actfn_lab::data::mnist1d::{make_dataset, Mnist1d, Mnist1dArgs};
use actfn_lab::data::Dataset;

/// A `.npy` array of `<f8` or `<i8` elements, widened to `f64` / `i64`.
enum Npy {
    F64(Vec<usize>, Vec<f64>),
    I64(Vec<usize>, Vec<i64>),
}

fn read_npy(path: &std::path::Path) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}: not .npy", path.display());
    let (hlen, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize, 12)
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).unwrap();
    assert!(header.contains("'fortran_order': False"), "{header}");
    let shape_txt = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape: Vec<usize> = shape_txt
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let data = &bytes[start + hlen..];
    let words = data.chunks_exact(8).map(|c| c.try_into().unwrap());
    if header.contains("'<f8'") {
        Npy::F64(shape, words.map(f64::from_le_bytes).collect())
    } else if header.contains("'<i8'") {
        Npy::I64(shape, words.map(i64::from_le_bytes).collect())
    } else {
        panic!("{}: unsupported dtype in {header}", path.display())
    }
}

fn official_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mnist1d");
    dir.join("x.npy").is_file().then_some(dir)
}

fn floats(dir: &std::path::Path, name: &str) -> (Vec<usize>, Vec<f64>) {
    match read_npy(&dir.join(format!("{name}.npy"))) {
        Npy::F64(s, v) => (s, v),
        Npy::I64(..) => panic!("{name}: expected float64"),
    }
}

fn ints(dir: &std::path::Path, name: &str) -> (Vec<usize>, Vec<i64>) {
    match read_npy(&dir.join(format!("{name}.npy"))) {
        Npy::I64(s, v) => (s, v),
        Npy::F64(..) => panic!("{name}: expected int64"),
    }
}

/// Compares two float arrays bit for bit; on failure reports the count of differing
/// elements, the first one and the largest absolute difference.
fn assert_bits(name: &str, ours: &[f64], official: &[f64]) {
    assert_eq!(ours.len(), official.len(), "{name}: length");
    let diffs: Vec<usize> = (0..ours.len())
        .filter(|&i| ours[i].to_bits() != official[i].to_bits())
        .collect();
    if let Some(&first) = diffs.first() {
        let max = diffs
            .iter()
            .map(|&i| (ours[i] - official[i]).abs())
            .fold(0.0f64, f64::max);
        panic!(
            "{name}: {} of {} elements differ; first at {first}: ours {:e}, official {:e}; max abs diff {max:e}",
            diffs.len(),
            ours.len(),
            ours[first],
            official[first]
        );
    }
}

/// The official data set, generated once for all tests of this file.
fn official() -> &'static Mnist1d {
    static DS: OnceLock<Mnist1d> = OnceLock::new();
    DS.get_or_init(|| make_dataset(&Mnist1dArgs::default()))
}

/// FNV-1a (64-bit) over bytes.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The digest of float64 data as NumPy stores it (little-endian bits).
fn digest_f64(v: &[f64]) -> u64 {
    fnv1a(v.iter().flat_map(|x| x.to_le_bytes()))
}

/// The digest of int64 labels as NumPy stores them.
fn digest_labels(v: &[u32]) -> u64 {
    fnv1a(v.iter().flat_map(|&x| (x as i64).to_le_bytes()))
}

/// Digests of the official arrays (`shared/data/mnist1d/*.npy`, the data after the
/// 128-byte `.npy` header), taken from the files themselves.
const OFFICIAL_DIGESTS: [(&str, u64); 8] = [
    ("x", 0x23c8_0ff7_6179_0d7b),
    ("x_test", 0x22e6_8e7a_5527_e36c),
    ("y", 0x385e_5bee_2b1d_fac1),
    ("y_test", 0xa051_76e6_61ca_e7e1),
    ("t", 0x5278_f21b_7ade_1743),
    ("templates_x", 0xc750_4df5_3bfb_7148),
    ("templates_t", 0xa5a4_62df_fee6_362c),
    ("templates_y", 0x1334_32d1_6e23_d744),
];

fn our_digests(ds: &Mnist1d) -> Vec<(&'static str, u64)> {
    vec![
        ("x", digest_f64(&ds.x)),
        ("x_test", digest_f64(&ds.x_test)),
        ("y", digest_labels(&ds.y)),
        ("y_test", digest_labels(&ds.y_test)),
        ("t", digest_f64(&ds.t)),
        ("templates_x", digest_f64(&ds.templates.x)),
        ("templates_t", digest_f64(&ds.templates.t)),
        ("templates_y", digest_labels(&ds.templates.y)),
    ]
}

#[test]
fn shapes_are_the_official_ones() {
    let ds = official();
    assert_eq!(ds.len, 40);
    assert_eq!((ds.x.len(), ds.y.len()), (4000 * 40, 4000));
    assert_eq!((ds.x_test.len(), ds.y_test.len()), (1000 * 40, 1000));
    assert_eq!(ds.t.len(), 40);
    assert_eq!(
        (ds.templates.x.len(), ds.templates.t.len(), ds.templates.len),
        (120, 12, 12)
    );
}

#[test]
fn reproduces_the_official_digests_and_values() {
    let ds = official();
    for ((name, ours), (oname, theirs)) in our_digests(ds).into_iter().zip(OFFICIAL_DIGESTS) {
        assert_eq!(name, oname);
        assert_eq!(ours, theirs, "{name}: digest {ours:#018x}, official {theirs:#018x}");
    }
    // A few values, to the bit, as a readable cross-check of the digests.
    let expect: [(f64, f64); 8] = [
        (ds.x[0], -0.3320056673693902),
        (ds.x[1], -0.4719103656557236),
        (ds.x[2], -0.778697076293495),
        (ds.x[160_000 - 1], -1.6509928567520655),
        (ds.x_test[0], -0.07877078047732886),
        (ds.x_test[40_000 - 1], 1.193151836835276),
        (ds.t[0], -5.38753506670427),
        (ds.t[39], 5.38753506670427),
    ];
    for (i, (ours, theirs)) in expect.iter().enumerate() {
        assert_eq!(ours.to_bits(), theirs.to_bits(), "value {i}: {ours:e} vs {theirs:e}");
    }
    assert_eq!(ds.y[..10], [2, 6, 4, 5, 6, 6, 6, 0, 3, 1]);
    assert_eq!(ds.y_test[..10], [2, 6, 3, 9, 4, 3, 1, 9, 5, 2]);
}

#[test]
fn matches_the_official_arrays_element_by_element() {
    let Some(dir) = official_dir() else {
        eprintln!("shared/data/mnist1d not found beside the repository: element-wise comparison skipped (digests still checked)");
        return;
    };
    let ds = official();
    for (name, ours) in [
        ("x", &ds.x),
        ("x_test", &ds.x_test),
        ("t", &ds.t),
        ("templates_x", &ds.templates.x),
        ("templates_t", &ds.templates.t),
    ] {
        let (_, theirs) = floats(&dir, name);
        assert_bits(name, ours, &theirs);
    }
    for (name, shape, ours) in [
        ("y", 4000, &ds.y),
        ("y_test", 1000, &ds.y_test),
        ("templates_y", 10, &ds.templates.y),
    ] {
        let (s, theirs) = ints(&dir, name);
        assert_eq!(s, vec![shape], "{name}: shape");
        let ours: Vec<i64> = ours.iter().map(|&v| v as i64).collect();
        assert_eq!(ours, theirs, "{name}");
    }
    let (s, _) = floats(&dir, "x");
    assert_eq!(s, vec![4000, 40]);
    // The committed digests are those of the files.
    for (name, digest) in OFFICIAL_DIGESTS {
        let bytes = std::fs::read(dir.join(format!("{name}.npy"))).unwrap();
        assert_eq!(fnv1a(bytes[128..].iter().copied()), digest, "{name}.npy digest");
    }
}

#[test]
fn dataset_view_keeps_the_official_split() {
    let ds = official();
    let data = ds.to_dataset("mnist1d");
    assert_eq!((data.n, data.d, data.train_len), (5000, 40, Some(4000)));
    assert_eq!(data.n_classes(), Some(10));
    assert_eq!(data.row(0)[0], ds.x[0] as f32);
    assert_eq!(data.row(4000)[0], ds.x_test[0] as f32);
    let (train, test) = data.official_split().unwrap();
    assert_eq!((train.n, test.n), (4000, 1000));
    assert_eq!(train.y.classes().unwrap(), ds.y.as_slice());
    assert_eq!(test.y.classes().unwrap(), ds.y_test.as_slice());
    // Classes are balanced before the split: 500 each.
    assert_eq!(data.class_counts().unwrap(), vec![500; 10]);
}

#[test]
fn by_name_seed_42_is_the_official_set() {
    let data = Dataset::by_name("mnist1d", 0, 42, None).unwrap();
    assert_eq!(data.x, official().to_dataset("mnist1d").x);
}

#[test]
fn other_sizes_and_seeds() {
    let args = Mnist1dArgs {
        num_samples: 200,
        seed: 7,
        ..Default::default()
    };
    let a = make_dataset(&args);
    assert_eq!((a.x.len(), a.x_test.len()), (160 * 40, 40 * 40));
    assert_eq!(a, make_dataset(&args), "deterministic");
    let mut counts = [0; 10];
    a.y.iter().chain(&a.y_test).for_each(|&c| counts[c as usize] += 1);
    assert_eq!(counts, [20; 10]);
    // Standardised over the whole set.
    let all: Vec<f64> = a.x.iter().chain(&a.x_test).copied().collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / all.len() as f64;
    assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12, "{mean} {var}");
    let b = make_dataset(&Mnist1dArgs {
        seed: 8,
        ..args.clone()
    });
    assert_ne!(a.x, b.x);
    // A sample count that is not a multiple of 10 rounds down per class.
    let c = make_dataset(&Mnist1dArgs {
        num_samples: 25,
        ..args.clone()
    });
    assert_eq!(c.y.len() + c.y_test.len(), 20);
    // Seeds beyond 32 bits work (NumPy would refuse them).
    let d = make_dataset(&Mnist1dArgs {
        seed: 1 << 40,
        ..args.clone()
    });
    assert_ne!(d.x, a.x);
}

#[test]
fn shuffled_positions_permute_the_columns() {
    let args = Mnist1dArgs {
        num_samples: 100,
        ..Default::default()
    };
    let plain = make_dataset(&args);
    let shuffled = make_dataset(&Mnist1dArgs {
        shuffle_seq: true,
        ..args
    });
    assert_eq!(plain.y, shuffled.y);
    // Each row holds the same values in another order (up to the last bits of the
    // global mean and deviation, whose pairwise sums see the values in another order).
    let sorted = |r: &[f64]| {
        let mut v = r.to_vec();
        v.sort_by(f64::total_cmp);
        v
    };
    let (p, s) = (&plain.x[..40], &shuffled.x[..40]);
    assert_ne!(p, s);
    for (a, b) in sorted(p).iter().zip(sorted(s)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}
