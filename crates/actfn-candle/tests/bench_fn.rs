//! `bench_forward_backward` (what `actfn bench --candle` calls) and the candle ops it
//! compares against: not timed assertions, only that the comparison is like with like.

mod common;

use actfn_candle::bench::{bench_input, bench_shape, candle_builtin};
use actfn_candle::{act, bench_forward_backward, parse};
use candle_core::DType;
use common::{close, flat_f64};

#[test]
fn reports_rates_for_both_ops() {
    let r = bench_forward_backward("gelu", 4096, 3).unwrap();
    assert_eq!(r.spec, "gelu");
    assert_eq!(r.n, 4096);
    assert!(r.actfn_elems_per_s.is_finite() && r.actfn_elems_per_s > 0.0);
    assert!(r.candle_elems_per_s.is_some_and(|c| c > 0.0));
    assert!(r.ratio().is_some());
    let r = bench_forward_backward("hardshrink", 1000, 1).unwrap();
    assert_eq!(r.candle_elems_per_s, None);
    assert!(bench_forward_backward("nope", 10, 1).is_err());
}

/// candle's op computes the same function (forward), so the benchmark compares like with
/// like; and the input shapes suit the dim-wise ops.
#[test]
fn builtin_ops_compute_the_same_function() {
    let names = [
        "relu",
        "relu6",
        "gelu",
        "gelu(approximate=tanh)",
        "silu",
        "sigmoid",
        "tanh",
        "elu",
        "elu(0.5)",
        "selu",
        "leaky_relu(0.2)",
        "mish",
        "hardsigmoid",
        "sine",
        "softmax",
        "log_softmax",
        "softmin",
    ];
    for name in names {
        let spec = parse(name).unwrap();
        let x = bench_input(&spec, 8192).unwrap();
        assert_eq!(x.dtype(), DType::F32);
        let ours = flat_f64(&act(x.as_tensor(), &spec).unwrap());
        let theirs = flat_f64(&candle_builtin(&spec).unwrap()(x.as_tensor()).unwrap());
        // sin(30x): candle rounds 30·x to f32 first (an absolute error up to ~1e-5);
        // actfn carries the product exactly.
        let atol = if name == "sine" { 2e-5 } else { 1e-6 };
        for (a, b) in ours.iter().zip(&theirs) {
            assert!(close(*b, *a, 1e-5, atol), "{name}: actfn {a}, candle {b}");
        }
    }
    assert_eq!(bench_shape(&parse("softmax").unwrap(), 65536), [64, 1024]);
    assert_eq!(bench_shape(&parse("relu").unwrap(), 65536), [65536]);
    assert!(candle_builtin(&parse("softmax(dim=0)").unwrap()).is_none());
}

/// The ratio table of the closing note: `cargo test --release -p actfn-candle --test
/// bench_fn -- --ignored --nocapture` (prints, asserts nothing about speed).
#[test]
#[ignore]
fn print_ratio_table() {
    println!("| op | actfn (elem/s) | candle (elem/s) | actfn/candle |\n|---|---|---|---|");
    for name in [
        "relu",
        "gelu",
        "gelu(approximate=tanh)",
        "silu",
        "sigmoid",
        "tanh",
        "elu",
        "softmax",
        "log_softmax",
    ] {
        let r = bench_forward_backward(name, 1 << 16, 41).unwrap();
        let c = r.candle_elems_per_s.unwrap();
        println!(
            "| {name} | {:.3e} | {c:.3e} | {:.2} |",
            r.actfn_elems_per_s,
            r.ratio().unwrap()
        );
    }
}
