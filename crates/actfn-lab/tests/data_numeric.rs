//! NumPy's legacy random stream and the NumPy/SciPy numerics behind MNIST-1D, against
//! values printed by NumPy and SciPy.

use actfn_lab::data::numeric::{
    gaussian_filter1d, gaussian_kernel1d, gaussian_radius, interp, linspace, ln_correctly_rounded, ln_double_double,
    pairwise_sum, resample,
};
use actfn_lab::data::random::reference_log;
use actfn_lab::data::RandomState;

#[test]
fn rand_matches_numpy() {
    // np.random.seed(42); np.random.rand(3)
    let mut r = RandomState::new(42);
    let got: Vec<f64> = (0..3).map(|_| r.random_sample()).collect();
    assert_eq!(got, [0.3745401188473625, 0.9507143064099162, 0.7319939418114051]);
    // np.random.seed(0); np.random.rand()
    assert_eq!(RandomState::new(0).random_sample(), 0.5488135039273248);
}

#[test]
fn randn_matches_numpy_with_its_cached_value() {
    // np.random.seed(42); np.random.randn(4)
    let mut r = RandomState::new(42);
    let got: Vec<f64> = (0..4).map(|_| r.standard_normal()).collect();
    assert_eq!(
        got,
        [
            0.4967141530112327,
            -0.13826430117118466,
            0.6476885381006925,
            1.5230298564080254
        ]
    );
    // A uniform draw between two normals does not disturb the cached second value.
    let mut a = RandomState::new(42);
    let first = a.standard_normal();
    let _ = a.random_sample();
    assert_eq!(first, 0.4967141530112327);
    assert_eq!(a.standard_normal(), -0.13826430117118466);
}

#[test]
fn randint_and_permutation_match_numpy() {
    // np.random.seed(42); np.random.randint(0, 10, size=5)
    let mut r = RandomState::new(42);
    let got: Vec<i64> = (0..5).map(|_| r.randint(0, 10)).collect();
    assert_eq!(got, [6, 3, 7, 4, 6]);
    // np.random.seed(42); np.random.permutation(10)
    assert_eq!(RandomState::new(42).permutation(10), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
    // choice(n) is randint(0, n).
    let (mut a, mut b) = (RandomState::new(3), RandomState::new(3));
    for _ in 0..100 {
        assert_eq!(a.choice(48) as i64, b.randint(0, 48));
    }
}

#[test]
fn bounded_draws_stay_in_range_and_cover_it() {
    let mut r = RandomState::new(1);
    let mut seen = [false; 7];
    for _ in 0..1000 {
        let v = r.randint(-3, 4);
        assert!((-3..4).contains(&v));
        seen[(v + 3) as usize] = true;
        assert!(r.interval(0) == 0);
    }
    assert!(seen.iter().all(|&s| s));
    // A range beyond 32 bits takes 64-bit draws.
    let big = r.interval(u64::MAX / 3);
    assert!(big <= u64::MAX / 3);
}

#[test]
fn seeding_by_array_and_by_u64() {
    // Seeds below 2^32 are NumPy's integer seeds; larger ones use init_by_array.
    assert_eq!(
        RandomState::seed_u64(42).random_sample(),
        RandomState::new(42).random_sample()
    );
    let mut a = RandomState::seed_u64(1 << 32);
    let mut b = RandomState::from_key(&[0, 1]);
    assert_eq!(a.next_u32(), b.next_u32());
    // The reference MT19937 output for init_by_array({0x123, 0x234, 0x345, 0x456}).
    let mut r = RandomState::from_key(&[0x123, 0x234, 0x345, 0x456]);
    let got: Vec<u32> = (0..5).map(|_| r.next_u32()).collect();
    assert_eq!(got, [1067595299, 955945823, 477289528, 4107218783, 4228976476]);
}

#[test]
fn pairwise_sum_is_numpys() {
    // Fewer than 8 values: a plain loop.
    assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
    // 8..128 values: eight accumulators, combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)),
    // then the rest added in order. 1e16 + 1 + ... shows the grouping.
    let mut v = vec![0.0; 10];
    v[0] = 1e16;
    v[1] = 1.0;
    v[8] = 1.0;
    v[9] = 1.0;
    // ((1e16 + 1) + 0) ... = 1e16, then + 1 + 1 one at a time: each lost.
    assert_eq!(pairwise_sum(&v), 1e16);
    // Above 128 values the halves are split at a multiple of 8 and summed recursively.
    let v: Vec<f64> = (0..1000).map(|i| (i as f64).sqrt()).collect();
    let (a, b) = v.split_at(496);
    assert_eq!(pairwise_sum(&v), pairwise_sum(a) + pairwise_sum(b));
}

#[test]
fn linspace_is_numpys() {
    // np.linspace(-5, 5, 12) / 6 (the MNIST-1D template axis)
    let t = linspace(-5.0, 5.0, 12);
    assert_eq!(t[0], -5.0);
    assert_eq!(t[11], 5.0);
    assert_eq!(t[1], 1.0 * (10.0 / 11.0) - 5.0);
    assert_eq!(linspace(0.0, 1.0, 1), [0.0]);
    assert!(linspace(0.0, 1.0, 0).is_empty());
    assert_eq!(linspace(0.0, 1.0, 5), [0.0, 0.25, 0.5, 0.75, 1.0]);
}

#[test]
fn interp_is_numpys() {
    let xp = [0.0, 1.0, 2.0];
    let fp = [0.0, 10.0, 0.0];
    assert_eq!(
        interp(&[-1.0, 0.0, 0.5, 1.0, 1.25, 2.0, 3.0], &xp, &fp),
        [0.0, 0.0, 5.0, 10.0, 7.5, 0.0, 0.0]
    );
    // At a knot the value is the knot's, exactly (np.interp, not the convex combination).
    let xp = linspace(0.0, 1.0, 72);
    let fp: Vec<f64> = (0..72).map(|i| (i as f64 * 0.37).sin()).collect();
    assert_eq!(resample(&fp, 72), fp);
    assert_eq!(resample(&[1.0, 3.0], 3), [1.0, 2.0, 3.0]);
    assert!(interp(&[f64::NAN], &xp, &fp)[0].is_nan());
}

#[test]
fn gaussian_filter1d_is_scipys() {
    assert_eq!(gaussian_radius(2.0, 4.0), 8);
    let k = gaussian_kernel1d(2.0, 8);
    assert_eq!(k.len(), 17);
    assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    assert_eq!(k[0], k[16]);
    // scipy.ndimage.gaussian_filter1d([1., 2., 3., 4., 5.], 1) and (…, 4)
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 5e-9);
    let one = gaussian_filter1d(&[1.0, 2.0, 3.0, 4.0, 5.0], 1.0, 4.0);
    assert!(
        close(&one, &[1.42704095, 2.06782203, 3.0, 3.93217797, 4.57295905]),
        "{one:?}"
    );
    let four = gaussian_filter1d(&[1.0, 2.0, 3.0, 4.0, 5.0], 4.0, 4.0);
    assert!(
        close(&four, &[2.91948343, 2.95023502, 3.0, 3.04976498, 3.08051657]),
        "{four:?}"
    );
    // A constant stays constant under mode reflect.
    let c = gaussian_filter1d(&[0.5; 72], 2.0, 4.0);
    assert!(c.iter().all(|v| (v - 0.5).abs() < 1e-15));
}

#[test]
fn log_is_correctly_rounded() {
    // Arguments where glibc's log (2.36) returns the other neighbour; the exact values
    // (Python's decimal at 80 digits) round to these.
    for (x, want) in [
        (0.8931532763000869, -0.1129970708410612),
        (0.9478594537434205, -0.05354904326296995),
        (0.8758178910659143, -0.13259709656828142),
    ] {
        assert_eq!(ln_correctly_rounded(x), want, "ln({x})");
    }
    assert_eq!(ln_correctly_rounded(1.0), 0.0);
    assert_eq!(ln_correctly_rounded(std::f64::consts::E), 1.0);
    assert!(ln_correctly_rounded(0.0).is_infinite());
    assert!(ln_correctly_rounded(-1.0).is_nan());
    // Within one ULP of the C library everywhere, subnormals included.
    let mut r = RandomState::new(5);
    for _ in 0..20_000 {
        let x = f64::from_bits(r.next_u64() >> 1);
        if !x.is_finite() || x == 0.0 {
            continue;
        }
        let (a, b) = (ln_correctly_rounded(x), x.ln());
        assert!(
            (a.to_bits() as i64 - b.to_bits() as i64).abs() <= 1,
            "ln({x:e}): {a:e} vs {b:e}"
        );
        // The residual is below half a ULP.
        let (n, res) = ln_double_double(x);
        assert!(res.abs() <= (f64::from_bits(n.to_bits() + 1) - n).abs() / 2.0);
    }
}

#[test]
fn reference_log_rounds_the_other_way_only_at_its_table() {
    // One of the 45 arguments at which the official data's log misrounded.
    let x = f64::from_bits(0x3fa9_0f64_4692_5a90);
    let (cr, res) = ln_double_double(x);
    let other = reference_log(x);
    assert_eq!((other.to_bits() as i64 - cr.to_bits() as i64).abs(), 1);
    assert_eq!(other > cr, res > 0.0, "the other neighbour lies on the residual's side");
    assert_eq!(reference_log(0.5), ln_correctly_rounded(0.5));
}
