//! PyTorch's conventions: derivatives at kinks, NaN in → NaN out, limits at ±inf,
//! dims, in-place forward, and the errors of the slice API.

mod common;

use actfn::{Activation, Error, Kind, OpShape};
use common::{at_every_level, specs, Rng};

fn act(s: &str) -> Activation {
    Activation::parse(s).unwrap()
}

fn fwd(s: &str, x: f64) -> f64 {
    let mut y = [0.0];
    act(s).forward(&[x], &mut y).unwrap();
    y[0]
}

fn grad(s: &str, x: f64) -> f64 {
    let mut d = [0.0];
    act(s).backward(&[x], &[1.0], &mut d).unwrap();
    d[0]
}

fn grad32(s: &str, x: f32) -> f32 {
    let mut d = [0.0f32];
    act(s).backward(&[x], &[1.0f32], &mut d).unwrap();
    d[0]
}

#[test]
fn derivatives_at_kinks_follow_pytorch() {
    at_every_level(|_| {
        let cases: &[(&str, f64, f64)] = &[
            ("relu", 0.0, 0.0),
            ("relu6", 0.0, 0.0),
            ("relu6", 6.0, 0.0),
            ("leaky_relu", 0.0, 0.01),
            ("leaky_relu(0.2)", 0.0, 0.2),
            ("prelu", 0.0, 0.25),
            ("rrelu", 0.0, (0.125 + 1.0 / 3.0) / 2.0),
            ("elu", 0.0, 1.0),
            ("elu(2)", 0.0, 2.0),
            ("celu(2)", 0.0, 1.0),
            ("selu", 0.0, actfn::SELU_ALPHA * actfn::SELU_SCALE),
            ("hardtanh", -1.0, 0.0),
            ("hardtanh", 1.0, 0.0),
            ("hardsigmoid", -3.0, 0.0),
            ("hardsigmoid", 3.0, 0.0),
            ("hardswish", -3.0, 0.0),
            ("hardswish", 3.0, 1.0),
            ("softshrink", 0.5, 0.0),
            ("softshrink", -0.5, 0.0),
            ("hardshrink", 0.5, 0.0),
            ("hardshrink", -0.5, 0.0),
            ("threshold(0.1, 20)", 0.1, 0.0),
            ("softplus", 0.0, 0.5),
            ("softsign", 0.0, 1.0),
            ("log_sigmoid", 0.0, 0.5),
            ("step", 0.0, 0.0),
            ("gelu", 0.0, 0.5),
            ("silu", 0.0, 0.5),
            ("sigmoid", 0.0, 0.25),
            ("tanh", 0.0, 1.0),
        ];
        for &(s, x, want) in cases {
            let got = grad(s, x);
            assert!(
                (got - want).abs() <= 1e-15 * want.abs(),
                "{s}'({x}) = {got}, PyTorch gives {want}"
            );
        }
        // SELU'(0) is the left derivative α·λ, not λ.
        assert!(grad("selu", 0.0) > 1.7);
    });
}

#[test]
fn softplus_switches_to_the_identity_on_beta_x() {
    at_every_level(|_| {
        // threshold is compared with beta·x, not x.
        assert_eq!(fwd("softplus(beta=10, threshold=0.4)", 0.05), 0.05);
        assert!(fwd("softplus(beta=10, threshold=0.4)", 0.03) != 0.03);
        assert_eq!(grad("softplus(beta=10, threshold=0.4)", 0.05), 1.0);
        // Exactly at the threshold the log branch is taken (beta·x > threshold is false).
        assert!(fwd("softplus", 20.0) > 20.0);
        assert_eq!(fwd("softplus", 20.000001), 20.000001);
    });
}

#[test]
fn nan_in_nan_out_for_every_kind() {
    at_every_level(|_| {
        for a in specs() {
            let shape: Vec<usize> = match a.info().shape {
                OpShape::Gated => vec![2, 4],
                _ => vec![2, 4],
            };
            let mut x = vec![0.5f64; 8];
            x[5] = f64::NAN;
            let out = a.output_shape(&shape).unwrap();
            let n_out: usize = out.iter().product();
            let mut y = vec![0.0; n_out];
            a.forward_shaped(&x, &shape, &mut y).unwrap();
            let mut dx = vec![0.0; 8];
            a.backward_shaped(&x, &shape, &vec![1.0; n_out], &mut dx).unwrap();
            match a.info().shape {
                OpShape::Pointwise if matches!(a.name(), "identity" | "linear" | "step") => {
                    // A constant derivative does not read x (PyTorch's mul backward and
                    // zeros_like): dx = c·g at a NaN input too.
                    let slope = if a.name() == "step" {
                        0.0
                    } else {
                        a.param("c").unwrap_or(1.0)
                    };
                    assert!(y[5].is_nan(), "{a}: NaN input gave {}", y[5]);
                    assert_eq!(dx[5], slope, "{a}: the gradient at a NaN input");
                    assert_eq!(dx[4], slope, "{a}");
                }
                OpShape::Pointwise | OpShape::Channelwise => {
                    assert!(
                        y[5].is_nan() && dx[5].is_nan(),
                        "{a}: NaN input gave {} / {}",
                        y[5],
                        dx[5]
                    );
                    assert!(y[4].is_finite() && dx[4].is_finite(), "{a}: NaN leaked to a neighbour");
                }
                OpShape::AlongDim => {
                    // The NaN's row along dim is NaN, the others are not.
                    let nan_count = y.iter().filter(|v| v.is_nan()).count();
                    assert!(y[5].is_nan() && dx[5].is_nan(), "{a}");
                    assert!(nan_count < 8, "{a}: NaN spread beyond its row");
                }
                OpShape::Gated => {
                    // x[5] is in a half; its output is NaN, and so is the gradient of
                    // its partner (which is multiplied by it); its own gradient is not.
                    assert!(y.iter().any(|v| v.is_nan()), "{a}: NaN vanished");
                    assert!(dx.iter().any(|v| v.is_nan()), "{a}");
                }
            }
        }
    });
}

#[test]
fn limits_at_infinity_are_mathematical() {
    at_every_level(|_| {
        let inf = f64::INFINITY;
        let cases: &[(&str, f64, f64)] = &[
            ("sigmoid", -inf, 0.0),
            ("sigmoid", inf, 1.0),
            ("tanh", inf, 1.0),
            ("silu", -inf, 0.0),
            ("silu", inf, inf),
            ("gelu", -inf, 0.0),
            ("gelu", inf, inf),
            ("gelu(approximate=tanh)", -inf, 0.0),
            ("mish", -inf, 0.0),
            ("mish", inf, inf),
            ("softsign", inf, 1.0),
            ("softsign", -inf, -1.0),
            ("tanhshrink", inf, inf),
            ("log_sigmoid", -inf, -inf),
            ("log_sigmoid", inf, 0.0),
            ("softplus", -inf, 0.0),
            ("softplus(threshold=1e300)", inf, inf),
            ("elu", -inf, -1.0),
            ("selu", -inf, -actfn::SELU_ALPHA * actfn::SELU_SCALE),
            ("squareplus", -inf, 0.0),
            ("squareplus", inf, inf),
            ("relu", -inf, 0.0),
            ("hardswish", inf, inf),
        ];
        for &(s, x, want) in cases {
            let y = fwd(s, x);
            assert!(y == want || (y - want).abs() < 1e-15, "{s}({x}) = {y}, want {want}");
        }
        let grads: &[(&str, f64, f64)] = &[
            ("sigmoid", inf, 0.0),
            ("tanh", -inf, 0.0),
            ("silu", inf, 1.0),
            ("silu", -inf, 0.0),
            ("gelu", inf, 1.0),
            ("gelu", -inf, 0.0),
            ("gelu(approximate=tanh)", inf, 1.0),
            ("mish", inf, 1.0),
            ("mish", -inf, 0.0),
            ("softsign", inf, 0.0),
            ("tanhshrink", inf, 1.0),
            ("squareplus", inf, 1.0),
            ("squareplus", -inf, 0.0),
            ("softplus(threshold=1e300)", 800.0, 1.0),
            ("elu", -inf, 0.0),
        ];
        for &(s, x, want) in grads {
            let d = grad(s, x);
            assert_eq!(d, want, "{s}'({x}) = {d}, want {want}");
        }
        assert!(fwd("sine", inf).is_nan());
    });
}

#[test]
fn accurate_where_pytorch_loses_digits() {
    at_every_level(|_| {
        // gelu's negative tail: x·Φ(x) with Φ(-6) = 9.8659e-10.
        let y = fwd("gelu", -6.0);
        assert!((y / -5.919_525_870_226_2e-9 - 1.0).abs() < 1e-12, "gelu(-6) = {y}");
        // x − tanh x ≈ x³/3 near 0.
        let y = fwd("tanhshrink", 1e-5);
        assert!((y / (1e-15 / 3.0) - 1.0).abs() < 1e-9, "tanhshrink(1e-5) = {y}");
        // sigmoid' and tanh' from the input keep their tails (f32 too).
        assert!(grad32("sigmoid", 30.0) > 0.0);
        assert!((grad32("sigmoid", 30.0) as f64 / (-30.0f64).exp() - 1.0).abs() < 1e-6);
        assert!((grad32("tanh", 20.0) as f64 / (4.0 * (-40.0f64).exp()) - 1.0).abs() < 1e-6);
        // softplus below a large threshold does not overflow.
        assert_eq!(fwd("softplus(threshold=1e300)", 1000.0), 1000.0);
        // ELU family near 0 uses expm1.
        assert_eq!(fwd("elu", -1e-20), -1e-20);
    });
}

#[test]
fn in_place_equals_out_of_place() {
    at_every_level(|_| {
        let mut rng = Rng::new(3);
        for a in specs() {
            if a.info().shape == OpShape::Gated {
                let mut x = vec![1.0f32; 4];
                assert!(matches!(a.forward_in_place(&mut x), Err(Error::Unsupported { .. })));
                continue;
            }
            let shape = [3, 5, 4];
            let x: Vec<f32> = (0..60).map(|_| rng.range(-8.0, 8.0) as f32).collect();
            let mut y = vec![0.0f32; 60];
            a.forward_shaped(&x, &shape, &mut y).unwrap();
            let mut z = x.clone();
            a.forward_in_place_shaped(&mut z, &shape).unwrap();
            assert_eq!(y, z, "{a}");
        }
    });
}

#[test]
fn softmax_along_any_dim_equals_the_transposed_last_dim() {
    at_every_level(|_| {
        let mut rng = Rng::new(4);
        let (d0, d1, d2) = (3, 4, 5);
        let x: Vec<f64> = (0..d0 * d1 * d2).map(|_| rng.range(-4.0, 4.0)).collect();
        for name in ["softmax", "log_softmax", "softmin"] {
            let mut y = vec![0.0; x.len()];
            act(&format!("{name}(dim=1)"))
                .forward_shaped(&x, &[d0, d1, d2], &mut y)
                .unwrap();
            // Same as dim=-1 on the array with dims 1 and 2 swapped.
            let mut t = vec![0.0; x.len()];
            for i in 0..d0 {
                for j in 0..d1 {
                    for k in 0..d2 {
                        t[(i * d2 + k) * d1 + j] = x[(i * d1 + j) * d2 + k];
                    }
                }
            }
            let mut yt = vec![0.0; x.len()];
            act(name).forward_shaped(&t, &[d0, d2, d1], &mut yt).unwrap();
            for i in 0..d0 {
                for j in 0..d1 {
                    for k in 0..d2 {
                        assert_eq!(y[(i * d1 + j) * d2 + k], yt[(i * d2 + k) * d1 + j], "{name}");
                    }
                }
            }
            // Negative dims count from the end.
            let mut y2 = vec![0.0; x.len()];
            act(&format!("{name}(dim=-2)"))
                .forward_shaped(&x, &[d0, d1, d2], &mut y2)
                .unwrap();
            assert_eq!(y, y2);
        }
        // softmax rows sum to 1.
        let mut y = vec![0.0; x.len()];
        act("softmax").forward_shaped(&x, &[d0 * d1, d2], &mut y).unwrap();
        for row in y.chunks(d2) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        }
    });
}

#[test]
fn softmax_rows_with_infinities() {
    at_every_level(|_| {
        let a = act("softmax");
        let mut y = [0.0; 3];
        a.forward(&[f64::NEG_INFINITY, 0.0, 0.0], &mut y).unwrap();
        assert_eq!(y, [0.0, 0.5, 0.5]);
        a.forward(&[f64::INFINITY, 0.0, 0.0], &mut y).unwrap();
        assert!(y.iter().all(|v| v.is_nan()), "PyTorch gives NaN for a +inf entry");
        a.forward(&[f64::NEG_INFINITY; 3], &mut y).unwrap();
        assert!(y.iter().all(|v| v.is_nan()));
        let mut y = [0.0; 2];
        act("log_softmax").forward(&[0.0, -800.0], &mut y).unwrap();
        assert_eq!(y, [0.0, -800.0]);
    });
}

#[test]
fn gated_split_halves_the_dim() {
    at_every_level(|_| {
        let a = act("glu(dim=0)");
        assert_eq!(a.output_shape(&[4, 3]).unwrap(), vec![2, 3]);
        let x: Vec<f64> = (0..12).map(|v| v as f64 / 4.0 - 1.0).collect();
        let mut y = vec![0.0; 6];
        a.forward_shaped(&x, &[4, 3], &mut y).unwrap();
        for i in 0..6 {
            let (av, bv) = (x[i], x[i + 6]);
            let want = av * (1.0 / (1.0 + (-bv).exp()));
            assert!(
                (y[i] - want).abs() <= 4.0 * f64::EPSILON * want.abs(),
                "glu element {i}: {} vs {want}",
                y[i]
            );
        }
        let b = act("swiglu");
        assert_eq!(b.output_shape(&[2, 3, 8]).unwrap(), vec![2, 3, 4]);
        assert_eq!(
            act("reglu").output_shape(&[2, 5]).unwrap_err().to_string(),
            "reglu splits dim 1 in halves, but its size 5 is odd"
        );
    });
}

#[test]
fn slice_api_errors() {
    at_every_level(|_| {
        let mut y = [0.0f64; 2];
        assert_eq!(
            act("relu").forward(&[1.0, 2.0, 3.0], &mut y).unwrap_err(),
            Error::Length {
                what: "output",
                expected: 3,
                actual: 2
            }
        );
        let mut y = [0.0f64; 6];
        assert_eq!(
            act("softmax(dim=2)")
                .forward_shaped(&[0.0; 6], &[2, 3], &mut y)
                .unwrap_err()
                .to_string(),
            "dim 2 is out of range for a 2-d array (valid: -2 to 1)"
        );
        assert!(matches!(
            act("relu").forward_shaped(&[0.0; 6], &[2, 2], &mut y),
            Err(Error::Length { .. })
        ));
        let p = Activation::prelu(&[0.1, 0.2]).unwrap();
        let err = p.forward_shaped(&[0.0; 6], &[2, 3], &mut y).unwrap_err();
        assert_eq!(
            err.to_string(),
            "prelu has 2 weights but the input [2, 3] has 3 channel(s) (dim 1)"
        );
        let mut dx = [0.0f64; 6];
        assert!(matches!(
            act("relu").backward(&[0.0; 6], &[0.0; 5], &mut dx),
            Err(Error::Length {
                what: "grad_output",
                ..
            })
        ));
        let mut dw = [0.0f64; 1];
        assert!(matches!(
            act("relu").prelu_weight_grad(&[0.0; 6], &[6], &[0.0; 6], &mut dw),
            Err(Error::Unsupported { .. })
        ));
    });
}

#[test]
fn prelu_per_channel_uses_dim_1() {
    at_every_level(|_| {
        let p = Activation::prelu(&[0.5, 2.0]).unwrap();
        let x = [-1.0f32, -1.0, -1.0, -1.0, 1.0, -2.0, -2.0, -2.0];
        let mut y = [0.0f32; 8];
        p.forward_shaped(&x, &[2, 2, 2], &mut y).unwrap();
        assert_eq!(y, [-0.5, -0.5, -2.0, -2.0, 1.0, -1.0, -4.0, -4.0]);
        let mut dw = [0.0f32; 2];
        p.prelu_weight_grad(&x, &[2, 2, 2], &[1.0; 8], &mut dw).unwrap();
        assert_eq!(dw, [-1.0 - 1.0 - 2.0, -1.0 - 1.0 - 2.0 - 2.0]);
        // A NaN input poisons its channel's weight gradient only.
        let mut xn = x;
        xn[0] = f32::NAN;
        p.prelu_weight_grad(&xn, &[2, 2, 2], &[1.0; 8], &mut dw).unwrap();
        assert!(dw[0].is_nan() && dw[1] == -6.0);
    });
}

#[test]
fn f32_parameters_are_rounded_like_pytorch() {
    at_every_level(|_| {
        // leaky_relu(0.1) on f32 multiplies by 0.1f32, so the result is f32(x·0.1f32).
        let mut y = [0.0f32];
        act("leaky_relu(0.1)").forward(&[-3.0f32], &mut y).unwrap();
        assert_eq!(y[0], -3.0f32 * 0.1f32);
    });
}

#[test]
fn every_kind_appears_in_the_test_specs() {
    at_every_level(|_| {
        let kinds: std::collections::BTreeSet<Kind> = specs().iter().map(|a| a.kind()).collect();
        assert_eq!(kinds.len(), Kind::ALL.len());
    });
}

#[test]
fn backward_streams_follow_the_derivative() {
    let streams = |s: &str| s.parse::<Activation>().unwrap().backward_streams();
    assert_eq!(streams("identity"), 2);
    assert_eq!(streams("linear(c=3)"), 2);
    assert_eq!(streams("step"), 1);
    for s in [
        "relu",
        "gelu",
        "prelu",
        "softmax",
        "glu",
        "threshold(threshold=0.1, value=20)",
    ] {
        assert_eq!(streams(s), 3, "{s}");
    }
}

#[test]
fn the_sign_of_zero_is_pytorchs() {
    // PyTorch 2.15 on the CPU at x = −0 (f32 and f64): hardswish's x·(x + 3)/6, relu's
    // clamp_min(x, 0) (which keeps x on the tie), mish's x·tanh(softplus(x)), and the
    // rest of the odd-at-0 kinds give −0.
    for spec in [
        "relu",
        "relu6",
        "hardtanh",
        "leaky_relu",
        "prelu",
        "hardswish",
        "mish",
        "elu",
        "selu",
        "celu",
        "gelu",
        "silu",
        "softsign",
        "tanh",
        "sine",
        "identity",
    ] {
        let act = Activation::parse(spec).unwrap();
        at_every_level(|level| {
            let mut y = vec![1.0f32; 33];
            act.forward(&[-0.0f32; 33], &mut y).unwrap();
            assert!(
                y.iter().all(|v| v.to_bits() == (-0.0f32).to_bits()),
                "{spec} at {level}: f32 {y:?}"
            );
            let mut y = vec![1.0f64; 33];
            act.forward(&[-0.0f64; 33], &mut y).unwrap();
            assert!(
                y.iter().all(|v| v.to_bits() == (-0.0f64).to_bits()),
                "{spec} at {level}: f64 {y:?}"
            );
        });
    }
}
