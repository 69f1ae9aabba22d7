//! The SIMD machinery's guarantees, at every level this CPU has: results do not depend on
//! an element's position or the slice's length (tails run through the same vector code),
//! threaded results equal single-threaded ones bit for bit, and forcing a level the CPU
//! lacks is an error.

mod common;

use actfn::simd::{self, Level, PAR_MIN_LEN};
use actfn::{Activation, Element, OpShape};
use common::{at_every_level, levels, pointwise_specs, Rng};

fn bits<E: Element>(v: &[E]) -> Vec<u64> {
    v.iter().map(|x| x.to_f64().to_bits()).collect()
}

fn check_positions<E: Element>(act: &Activation, x: &[E], g: &[E]) {
    let n = x.len();
    let (mut y, mut d) = (vec![E::from_f64(0.0); n], vec![E::from_f64(0.0); n]);
    act.forward(x, &mut y).unwrap();
    act.backward(x, g, &mut d).unwrap();
    for (off, len) in [
        (0, 1),
        (1, 1),
        (5, 3),
        (3, 7),
        (7, 17),
        (0, 31),
        (13, 33),
        (2, n - 2),
        (1, n - 1),
    ] {
        let (mut ys, mut ds) = (vec![E::from_f64(0.0); len], vec![E::from_f64(0.0); len]);
        act.forward(&x[off..off + len], &mut ys).unwrap();
        act.backward(&x[off..off + len], &g[off..off + len], &mut ds).unwrap();
        assert_eq!(
            bits(&ys),
            bits(&y[off..off + len]),
            "{act} {} forward at {off}+{len}",
            E::NAME
        );
        assert_eq!(
            bits(&ds),
            bits(&d[off..off + len]),
            "{act} {} backward at {off}+{len}",
            E::NAME
        );
        let mut yi = x[off..off + len].to_vec();
        act.forward_in_place(&mut yi).unwrap();
        assert_eq!(
            bits(&yi),
            bits(&y[off..off + len]),
            "{act} {} in place at {off}+{len}",
            E::NAME
        );
    }
}

#[test]
fn results_do_not_depend_on_position_or_length() {
    let mut rng = Rng::new(3);
    let mut x: Vec<f64> = (0..100).map(|_| rng.range(-8.0, 8.0)).collect();
    x[10] = f64::NAN;
    x[20] = f64::INFINITY;
    x[21] = -0.0;
    let g: Vec<f64> = (0..100).map(|_| rng.range(-2.0, 2.0)).collect();
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let g32: Vec<f32> = g.iter().map(|&v| v as f32).collect();
    at_every_level(|_| {
        for act in pointwise_specs() {
            // rrelu's training slopes are keyed by index, by design.
            if act.to_string().contains("training") {
                continue;
            }
            check_positions(&act, &x, &g);
            check_positions(&act, &x32, &g32);
        }
    });
}

#[test]
fn gated_and_row_wise_rows_are_independent_of_their_neighbours() {
    let mut rng = Rng::new(4);
    let (rows, len) = (7, 38);
    let x: Vec<f32> = (0..rows * len).map(|_| rng.range(-5.0, 5.0) as f32).collect();
    at_every_level(|_| {
        for spec in ["glu", "swiglu", "geglu", "reglu", "softmax", "log_softmax", "softmin"] {
            let act = Activation::parse(spec).unwrap();
            let out_len = act.output_shape(&[1, len]).unwrap()[1];
            let mut y = vec![0.0f32; rows * out_len];
            act.forward_shaped(&x, &[rows, len], &mut y).unwrap();
            for r in 0..rows {
                let mut yr = vec![0.0f32; out_len];
                act.forward_shaped(&x[r * len..(r + 1) * len], &[1, len], &mut yr)
                    .unwrap();
                assert_eq!(bits(&yr), bits(&y[r * out_len..(r + 1) * out_len]), "{spec} row {r}");
            }
        }
    });
}

fn run_in<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn threaded_results_equal_single_threaded() {
    let n = 2 * PAR_MIN_LEN + 77;
    let mut rng = Rng::new(5);
    let x: Vec<f32> = (0..n).map(|_| rng.range(-10.0, 10.0) as f32).collect();
    let g: Vec<f32> = (0..n).map(|_| rng.range(-1.0, 1.0) as f32).collect();
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    for level in levels() {
        for spec in ["relu", "gelu", "sigmoid", "elu", "sine", "glu", "prelu", "softplus"] {
            let act = Activation::parse(spec).unwrap();
            let m = if act.info().shape == OpShape::Gated { n - 1 } else { n };
            let out = act.output_shape(&[m]).unwrap()[0];
            let eval = |threads: usize| {
                run_in(threads, || {
                    simd::with_level(level, || {
                        let (mut y, mut y64, mut d) = (vec![0.0f32; out], vec![0.0f64; out], vec![0.0f32; m]);
                        act.forward(&x[..m], &mut y).unwrap();
                        act.forward(&x64[..m], &mut y64).unwrap();
                        act.backward(&x[..m], &g[..out], &mut d).unwrap();
                        (bits(&y), bits(&y64), bits(&d))
                    })
                    .unwrap()
                })
            };
            assert_eq!(eval(1), eval(2), "{level} {spec}: 2 threads differ from 1");
        }
    }
}

#[test]
fn forcing_an_unavailable_level_is_an_error() {
    for &l in Level::ALL {
        if l.is_available() {
            assert_eq!(simd::with_level(l, simd::level).unwrap(), l);
        } else {
            let e = simd::with_level(l, || ()).unwrap_err().to_string();
            assert!(e.contains("not available on this CPU"), "{e}");
            assert!(simd::set_level(Some(l)).is_err());
        }
    }
    assert_eq!(Level::parse_request("auto"), Ok(None));
    let e = Level::parse_request("avx1024").unwrap_err().to_string();
    assert!(e.contains("unknown SIMD level `avx1024`"), "{e}");
}

#[test]
fn large_row_wise_outputs_written_by_streaming_stores_equal_in_place_ones() {
    // 32 MiB of f32 output (the drivers' threshold for streaming stores) and a row more,
    // in rows of 1000 (so that most rows start unaligned), with rows of NaN, ±∞, huge and
    // tiny values; written once out of place (streamed) and once in place (not).
    let len = 1000;
    let rows = (32 << 20) / (4 * len) + 1;
    let mut rng = Rng::new(6);
    let mut x: Vec<f32> = (0..rows * len).map(|_| rng.range(-30.0, 30.0) as f32).collect();
    x[3 * len + 7] = f32::NAN;
    x[5 * len + 1] = f32::INFINITY;
    x[6 * len..7 * len].fill(f32::NEG_INFINITY);
    x[8 * len + 2] = f32::NEG_INFINITY;
    x[9 * len..10 * len].iter_mut().for_each(|v| *v *= 1e30);
    x[10 * len..11 * len].iter_mut().for_each(|v| *v *= 1e-30);
    at_every_level(|level| {
        for spec in ["softmax", "log_softmax", "softmin"] {
            let act = Activation::parse(spec).unwrap();
            let mut y = vec![0.0f32; x.len()];
            act.forward_shaped(&x, &[rows, len], &mut y).unwrap();
            let mut yi = x.clone();
            act.forward_in_place_shaped(&mut yi, &[rows, len]).unwrap();
            let mismatch = (0..x.len()).find(|&i| y[i].to_bits() != yi[i].to_bits());
            assert_eq!(mismatch, None, "{level} {spec}: streamed output differs from in place");
            assert!(
                y[3 * len..4 * len].iter().all(|v| v.is_nan()),
                "{level} {spec}: a NaN row"
            );
        }
    });
}

#[test]
fn large_row_wise_gradients_from_the_output_equal_those_of_small_batches() {
    // 32 MiB of f32 gradient and a row more, in rows of 1000 (most rows start unaligned):
    // computed at once (prefetched and written by streaming stores) and in batches of 64
    // rows (neither), with a NaN and a zero row. Every bit must agree.
    let len = 1000;
    let rows = (32 << 20) / (4 * len) + 1;
    let mut rng = Rng::new(7);
    let x: Vec<f32> = (0..rows * len).map(|_| rng.range(-8.0, 8.0) as f32).collect();
    let mut g: Vec<f32> = (0..rows * len).map(|_| rng.range(-1.0, 1.0) as f32).collect();
    g[4 * len + 9] = f32::NAN;
    g[7 * len..8 * len].fill(0.0);
    at_every_level(|level| {
        for spec in ["softmax", "log_softmax", "softmin"] {
            let act = Activation::parse(spec).unwrap();
            let mut y = vec![0.0f32; x.len()];
            act.forward_shaped(&x, &[rows, len], &mut y).unwrap();
            let mut dx = vec![0.0f32; x.len()];
            act.backward_from_output_shaped(&y, &[rows, len], &g, &mut dx).unwrap();
            let mut small = vec![0.0f32; x.len()];
            let batch = 64 * len;
            for ((yb, gb), db) in y.chunks(batch).zip(g.chunks(batch)).zip(small.chunks_mut(batch)) {
                act.backward_from_output_shaped(yb, &[yb.len() / len, len], gb, db)
                    .unwrap();
            }
            // Bit for bit, but a NaN's sign (which LLVM may move through a negation).
            let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            let mismatch = (0..x.len()).find(|&i| !same(dx[i], small[i]));
            assert_eq!(
                mismatch, None,
                "{level} {spec}: the large gradient differs from the batched one"
            );
            assert!(
                dx[4 * len..5 * len].iter().all(|v| v.is_nan()),
                "{level} {spec}: a NaN row"
            );
        }
    });
}
