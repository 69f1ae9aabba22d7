//! Data sets: the `Dataset` helpers, the synthetic generators and the registry.

use actfn_lab::data::synthetic::{self, sawtooth_fn, six_gaussians, triangle_fn};
use actfn_lab::data::{registry, BatchSampler, Dataset, Labels, Standardizer, Task, DATASETS};
use actfn_lab::error::UsageError;

fn toy(n: usize) -> Dataset {
    let x: Vec<f32> = (0..n * 2).map(|i| i as f32).collect();
    let y: Vec<u32> = (0..n as u32).map(|i| i % 3).collect();
    Dataset::new("toy", x, 2, Labels::Class(y, 3)).unwrap()
}

#[test]
fn new_checks_sizes_labels_and_values() {
    let d = toy(5);
    assert_eq!((d.n, d.d, d.shape.clone()), (5, 2, vec![2]));
    assert_eq!(d.row(1), [2.0, 3.0]);
    assert_eq!(d.class_counts(), Some(vec![2, 2, 1]));
    let err = |r: anyhow::Result<Dataset>| r.unwrap_err().to_string();
    assert!(err(Dataset::new("a", vec![1.0; 5], 2, Labels::Class(vec![0; 2], 1))).contains("rows of 2"));
    assert!(err(Dataset::new("a", vec![1.0; 4], 2, Labels::Class(vec![0; 3], 1))).contains("3 labels for 2 rows"));
    assert!(err(Dataset::new("a", vec![1.0; 4], 2, Labels::Class(vec![0, 2], 2))).contains("class id 2"));
    assert!(err(Dataset::new("a", vec![1.0; 4], 2, Labels::Value(vec![0.0; 3], 1))).contains("3 target values"));
    assert!(err(Dataset::new("a", vec![1.0, f32::NAN], 2, Labels::Class(vec![0], 1))).contains("not finite"));
    assert!(err(Dataset::new("a", vec![], 0, Labels::Class(vec![], 1))).contains("at least one feature"));
    assert!(d.clone().with_shape(vec![1, 2]).is_ok());
    assert!(d.with_shape(vec![3]).is_err());
}

#[test]
fn selecting_and_splitting() {
    let d = toy(10);
    let s = d.select(&[3, 1]);
    assert_eq!(s.x, [6.0, 7.0, 2.0, 3.0]);
    assert_eq!(s.y, Labels::Class(vec![0, 1], 3));
    let (a, b) = d.split_at(7);
    assert_eq!((a.n, b.n), (7, 3));
    assert_eq!(b.row(0), d.row(7));
    assert!(d.official_split().is_none());

    let (train, test) = d.train_test_split(0.3, 1).unwrap();
    assert_eq!((train.n, test.n), (7, 3));
    let mut firsts: Vec<f32> = train.x.iter().chain(&test.x).step_by(2).copied().collect();
    firsts.sort_by(f32::total_cmp);
    assert_eq!(
        firsts,
        (0..10).map(|i| (2 * i) as f32).collect::<Vec<_>>(),
        "a partition"
    );
    assert_eq!(d.train_test_split(0.3, 1).unwrap(), (train.clone(), test), "seeded");
    assert_ne!(d.train_test_split(0.3, 2).unwrap().0, train);
    assert!(d.train_test_split(0.0, 1).is_err());
    assert!(d.train_test_split(1.0, 1).is_err());
    assert!(toy(1).train_test_split(0.5, 1).is_err());
    // Tiny fractions still leave one test row.
    assert_eq!(d.train_test_split(0.01, 1).unwrap().1.n, 1);
}

#[test]
fn standardising_with_training_statistics() {
    let mut d = toy(9);
    let (mut train, mut test) = d.split_at(6);
    let s = train.standardize();
    for j in 0..2 {
        let col: Vec<f64> = (0..train.n).map(|i| train.row(i)[j] as f64).collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / col.len() as f64;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{mean} {var}");
    }
    s.apply(&mut test).unwrap();
    assert!(test.x.iter().all(|&v| v > 1.0), "test rows lie past the training range");
    let mut back = test.x.clone();
    s.inverse(&mut back);
    assert!(back.iter().zip(&d.split_at(6).1.x).all(|(a, b)| (a - b).abs() < 1e-4));
    // A constant feature maps to 0, not NaN.
    let c = Standardizer::fit(&[3.0, 1.0, 3.0, 2.0], 2);
    assert_eq!(c.std[0], 1.0);
    let mut v = [3.0f32, 1.0];
    c.transform(&mut v);
    assert_eq!(v[0], 0.0);
    // Feature counts must agree.
    d.d = 2;
    let wrong = Standardizer::fit(&[1.0, 2.0, 3.0], 3);
    assert!(wrong.apply(&mut d).is_err());
}

#[test]
fn minibatches_cover_each_epoch_once() {
    let d = toy(10);
    let batches: Vec<_> = d.batches(4, 7).collect();
    assert_eq!(batches.iter().map(|b| b.len()).collect::<Vec<_>>(), [4, 4, 2]);
    let mut seen: Vec<usize> = batches.iter().flat_map(|b| b.indices.clone()).collect();
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    let b = &batches[0];
    assert_eq!(b.x.len(), 4 * 2);
    assert_eq!(&b.x[..2], d.row(b.indices[0]));
    assert_eq!(b.y.classes().unwrap()[0], d.y.classes().unwrap()[b.indices[0]]);
    let again: Vec<_> = d.batches(4, 7).map(|b| b.indices).collect();
    assert_eq!(again, batches.iter().map(|b| b.indices.clone()).collect::<Vec<_>>());

    // The endless sampler reshuffles every epoch.
    let mut s = d.sampler(4, 7);
    let first: Vec<Vec<usize>> = (0..3).map(|_| s.next_batch()).collect();
    let second: Vec<Vec<usize>> = (0..3).map(|_| s.next_batch()).collect();
    assert_eq!(s.epochs_started(), 2);
    assert_ne!(first, second);
    // drop_last skips the short batch at each epoch's end.
    let mut s = BatchSampler::new(10, 4, 1).drop_last(true);
    for _ in 0..6 {
        assert_eq!(s.next_batch().len(), 4);
    }
    assert_eq!(s.epochs_started(), 3);
    assert_eq!(BatchSampler::new(10, 4, 1).drop_last(true).epoch().len(), 2);
    // A batch larger than the data set is the whole set.
    assert_eq!(
        BatchSampler::new(3, 8, 1).take(2).map(|b| b.len()).collect::<Vec<_>>(),
        [3, 3]
    );
    assert_eq!(BatchSampler::new(0, 8, 1).next(), None);
}

#[test]
fn regression_labels_select_rows() {
    let y = Labels::Value(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2);
    assert_eq!(y.len(), 3);
    assert_eq!(y.select(&[2, 0]), Labels::Value(vec![5.0, 6.0, 1.0, 2.0], 2));
    assert_eq!(y.n_outputs(), 2);
    assert!(y.class_counts().is_none());
}

fn points(d: &Dataset) -> Vec<(f64, f64, u32)> {
    let y = d.y.classes().unwrap();
    (0..d.n)
        .map(|i| (d.row(i)[0] as f64, d.row(i)[1] as f64, y[i]))
        .collect()
}

#[test]
fn spirals_follow_the_playground_formula() {
    let d = synthetic::spirals(501, 0.0, 3).unwrap();
    assert_eq!(d.n, 501);
    assert_eq!(d.class_counts(), Some(vec![250, 251]));
    for (x, y, c) in points(&d) {
        let r = x.hypot(y);
        assert!(r < 5.0);
        let m = if c == 1 { 251.0 } else { 250.0 };
        // r = 5 i / m, so i is an integer and t follows from it.
        let i = (r / 5.0 * m).round();
        let t = 1.75 * i / m * 2.0 * std::f64::consts::PI + if c == 1 { 0.0 } else { std::f64::consts::PI };
        assert!(
            (x - r * t.sin()).abs() < 1e-4 && (y - r * t.cos()).abs() < 1e-4,
            "{x} {y} {c}"
        );
    }
    let noisy = synthetic::spirals(500, 0.5, 3).unwrap();
    assert_ne!(noisy.x, synthetic::spirals(500, 0.0, 3).unwrap().x);
    assert_eq!(noisy, synthetic::spirals(500, 0.5, 3).unwrap(), "deterministic");
}

#[test]
fn circles_xor_gauss_follow_the_playground() {
    let c = synthetic::circles(400, 0.0, 1).unwrap();
    assert_eq!(c.class_counts(), Some(vec![200, 200]));
    for (x, y, k) in points(&c) {
        let r = x.hypot(y);
        if k == 1 {
            assert!(r < 2.5 + 1e-6);
        } else {
            assert!((3.5 - 1e-6..=5.0 + 1e-6).contains(&r));
        }
    }
    // With noise, labels come from the moved point: some flip near the border.
    let noisy = synthetic::circles(2000, 0.5, 1).unwrap();
    let flipped = points(&noisy)
        .iter()
        .filter(|(x, y, k)| (x.hypot(*y) < 2.5) != (*k == 1))
        .count();
    assert!(flipped > 0);

    let x = synthetic::xor(500, 0.0, 2).unwrap();
    for (a, b, k) in points(&x) {
        assert!(a.abs() >= 0.3 - 1e-6 && b.abs() >= 0.3 - 1e-6 && a.abs() <= 5.3 && b.abs() <= 5.3);
        assert_eq!(k == 1, a * b >= 0.0);
    }

    let g = synthetic::two_gaussians(4000, 0.0, 4).unwrap();
    for (class, centre) in [(1u32, 2.0), (0, -2.0)] {
        let pts: Vec<_> = points(&g).into_iter().filter(|p| p.2 == class).collect();
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
        let vx = pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>() / pts.len() as f64;
        assert!((mx - centre).abs() < 0.1 && (vx - 0.5).abs() < 0.1, "{mx} {vx}");
    }
    // Noise 0.5 maps to variance 4.
    let g = synthetic::two_gaussians(4000, 0.5, 4).unwrap();
    let xs: Vec<f64> = points(&g).iter().filter(|p| p.2 == 1).map(|p| p.0).collect();
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    let v = xs.iter().map(|a| (a - m).powi(2)).sum::<f64>() / xs.len() as f64;
    assert!((v - 4.0).abs() < 0.4, "{v}");
}

#[test]
fn checkerboard_cells_alternate() {
    for k in [1usize, 2, 4, 7] {
        let d = synthetic::checkerboard(2000, k, 0.0, 5).unwrap();
        assert_eq!(d.name, format!("checkerboard{k}"));
        for (x, y, c) in points(&d) {
            let cell = |v: f64| (((v + 1.0) / 2.0 * k as f64).floor() as i64).min(k as i64 - 1);
            assert_eq!(c as i64, (cell(x) + cell(y)) % 2);
        }
        if k > 1 {
            let counts = d.class_counts().unwrap();
            assert!(counts[0] > 800 && counts[1] > 800, "{counts:?}");
        }
    }
    assert!(synthetic::checkerboard(10, 0, 0.0, 1).is_err());
}

fn values(d: &Dataset) -> Vec<(Vec<f64>, f64)> {
    let y = d.y.values().unwrap();
    (0..d.n)
        .map(|i| (d.row(i).iter().map(|&v| v as f64).collect(), y[i] as f64))
        .collect()
}

#[test]
fn regressions_follow_their_functions() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-5;
    for (d, f) in [
        (
            synthetic::sine(300, 0.0, 1).unwrap(),
            synthetic::sine_fn as fn(f64) -> f64,
        ),
        (synthetic::abs(300, 0.0, 1).unwrap(), f64::abs),
        (synthetic::triangle(300, 0.0, 1).unwrap(), triangle_fn),
        (synthetic::sawtooth(300, 0.0, 1).unwrap(), sawtooth_fn),
    ] {
        assert_eq!((d.d, d.n_outputs()), (1, 1));
        for (x, y) in values(&d) {
            // The target is f of the f64 input; the stored input is its f32 rounding.
            assert!((y - f(x[0])).abs() < 1e-4, "{}: f({}) = {y}", d.name, x[0]);
        }
    }
    assert_eq!(triangle_fn(0.0), -1.0);
    assert_eq!(triangle_fn(0.5), 1.0);
    assert_eq!(triangle_fn(0.25), 0.0);
    assert_eq!(sawtooth_fn(0.25), 0.5);
    assert_eq!(sawtooth_fn(-0.25), -0.5);

    let g = synthetic::regress_gaussians(500, 0.0, 2).unwrap();
    for (x, y) in values(&g) {
        assert!(close(y, six_gaussians(x[0], x[1])) && (-1.0..=1.0).contains(&y));
        assert!(x[0].abs() <= 6.0 && x[1].abs() <= 6.0);
    }
    assert_eq!(six_gaussians(-4.0, 2.5), 1.0);
    assert_eq!(six_gaussians(0.0, 2.5), -1.0);
    assert_eq!(six_gaussians(0.0, 0.0), 0.0);
    let p = synthetic::regress_plane(300, 0.0, 2).unwrap();
    for (x, y) in values(&p) {
        assert!(close(y, (x[0] + x[1]) / 10.0));
    }
    let f = synthetic::folds(300, 0.0, 2).unwrap();
    for (x, y) in values(&f) {
        assert!(close(y, x[0].abs() + x[1].abs() - 1.0));
    }
    // Target noise has the requested scale.
    let noisy = synthetic::abs(4000, 0.1, 3).unwrap();
    let resid: Vec<f64> = values(&noisy).iter().map(|(x, y)| y - x[0].abs()).collect();
    let sd = (resid.iter().map(|r| r * r).sum::<f64>() / resid.len() as f64).sqrt();
    assert!((sd - 0.1).abs() < 0.01, "{sd}");
}

#[test]
fn generators_reject_bad_parameters() {
    assert!(synthetic::spirals(0, 0.0, 1).is_err());
    assert!(synthetic::circles(10, -0.1, 1).is_err());
    assert!(synthetic::sine(10, f64::NAN, 1).is_err());
}

#[test]
fn registry_builds_every_listed_set() {
    assert!(DATASETS.len() >= 15);
    for info in DATASETS {
        let n = match info.name {
            "digits" => 0,
            _ => 100,
        };
        let d = Dataset::by_name(info.name, n, 1, None).unwrap();
        assert_eq!(d.d, info.inputs, "{}", info.name);
        assert_eq!(d.n_outputs(), info.outputs, "{}", info.name);
        assert_eq!(
            d.is_classification(),
            info.task == Task::Classification,
            "{}",
            info.name
        );
        assert_eq!(d.n, if n == 0 { info.default_n } else { n }, "{}", info.name);
        assert!(!info.description.is_empty() && !info.noise.is_empty());
        for alias in info.aliases {
            assert_eq!(registry::info(alias).unwrap().name, info.name);
        }
        assert_eq!(
            Dataset::by_name(info.name, n, 1, None).unwrap(),
            d,
            "{} is deterministic",
            info.name
        );
    }
    // n = 0 takes the default size.
    assert_eq!(Dataset::by_name("spirals", 0, 1, None).unwrap().n, 500);
    assert_eq!(Dataset::by_name("Spirals", 10, 1, Some(0.2)).unwrap().n, 10);
    assert_eq!(
        Dataset::by_name("checkerboard:6", 50, 1, None).unwrap().name,
        "checkerboard6"
    );
    // A subset of the digits, drawn from the seed.
    let sub = Dataset::by_name("digits", 100, 3, None).unwrap();
    assert_eq!((sub.n, sub.shape.clone()), (100, vec![8, 8]));
}

#[test]
fn registry_errors_are_usage_errors() {
    let usage = |name: &str, n: usize, noise: Option<f64>| {
        let e = Dataset::by_name(name, n, 1, noise).unwrap_err();
        assert!(e.chain().any(|c| c.is::<UsageError>()), "{name}: {e:#}");
        e.to_string()
    };
    let e = usage("mnist", 10, None);
    assert!(e.contains("unknown data set \"mnist\"") && e.contains("spirals"), "{e}");
    usage("spirals", 10, Some(-1.0));
    usage("checkerboard:x", 10, None);
    usage("checkerboard:0", 10, None);
    usage("spirals:3", 10, None);
    usage("digits", 5000, None);
    usage("mnist1d", 5, None);
}
