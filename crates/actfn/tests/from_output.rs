//! `backward_from_output` equals the backward from the input (up to the rounding of the
//! output it starts from), at every SIMD level, along any dim; other kinds refuse it.

use actfn::simd::{with_level, Level};
use actfn::Activation;

fn inputs(n: usize) -> Vec<f64> {
    (0..n).map(|i| ((i * 37 % 101) as f64 - 50.0) / 9.0).collect()
}

fn check(spec: &str, shape: &[usize]) {
    let act = Activation::parse(spec).unwrap();
    assert!(act.has_backward_from_output(), "{spec}");
    let n: usize = shape.iter().product();
    let x = inputs(n);
    let g: Vec<f64> = (0..n).map(|i| ((i * 13 % 7) as f64 - 3.0) / 2.0).collect();
    let mut y = vec![0.0; n];
    act.forward_shaped(&x, shape, &mut y).unwrap();
    let mut want = vec![0.0; n];
    act.backward_shaped(&x, shape, &g, &mut want).unwrap();
    for level in Level::available() {
        let got = with_level(level, || {
            let mut d = vec![0.0; n];
            act.backward_from_output_shaped(&y, shape, &g, &mut d).unwrap();
            d
        })
        .unwrap();
        for (i, (a, b)) in got.iter().zip(&want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                "{level} {spec} {shape:?} [{i}]: {a} vs {b}"
            );
        }
        // f32: within a few f32 roundings of the f64 result.
        let (x32, g32): (Vec<f32>, Vec<f32>) = (
            x.iter().map(|&v| v as f32).collect(),
            g.iter().map(|&v| v as f32).collect(),
        );
        let mut y32 = vec![0f32; n];
        act.forward_shaped(&x32, shape, &mut y32).unwrap();
        let got32 = with_level(level, || {
            let mut d = vec![0f32; n];
            act.backward_from_output_shaped(&y32, shape, &g32, &mut d).unwrap();
            d
        })
        .unwrap();
        let mut want32 = vec![0f32; n];
        act.backward_shaped(&x32, shape, &g32, &mut want32).unwrap();
        for (i, (a, b)) in got32.iter().zip(&want32).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "{level} f32 {spec} {shape:?} [{i}]: {a} vs {b}"
            );
        }
    }
}

#[test]
fn matches_the_backward_from_the_input() {
    check("sigmoid", &[1000]);
    check("tanh", &[33]);
    check("log_sigmoid", &[1000]);
    for spec in ["softmax", "log_softmax", "softmin"] {
        check(spec, &[7, 1024]);
        check(spec, &[3, 37]);
        check(&format!("{spec}(dim=0)"), &[5, 9]);
        check(&format!("{spec}(dim=1)"), &[2, 6, 3]);
    }
}

#[test]
fn other_kinds_refuse_it() {
    let act = Activation::parse("relu").unwrap();
    assert!(!act.has_backward_from_output());
    let err = act.backward_from_output(&[1.0f32], &[1.0], &mut [0.0]).unwrap_err();
    assert!(err.to_string().contains("from the output"), "{err}");
    let sig = Activation::parse("sigmoid").unwrap();
    assert!(sig
        .backward_from_output(&[0.5f32, 0.2], &[1.0], &mut [0.0, 0.0])
        .is_err());
}
