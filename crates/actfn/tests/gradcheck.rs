//! Finite-difference gradient checks: for every differentiable activation, `backward`
//! equals central differences of `forward` (f64, away from kinks), for element-wise,
//! row-wise and gated kinds, and PReLU's weight gradient.

mod common;

use actfn::{Activation, Kind, OpShape};
use common::{at_every_level, kinks, specs, Rng};

/// Central difference of Σ g·f(x) with respect to x[i].
fn numeric_vjp(act: &Activation, x: &[f64], shape: &[usize], g: &[f64]) -> Vec<f64> {
    let out_len = g.len();
    let mut y = vec![0.0; out_len];
    let mut grad = vec![0.0; x.len()];
    let mut xp = x.to_vec();
    for i in 0..x.len() {
        let h = 1e-6 * x[i].abs().max(1.0);
        let mut f = |v: f64, xp: &mut Vec<f64>| {
            xp[i] = v;
            act.forward_shaped(xp, shape, &mut y).unwrap();
            y.iter().zip(g).map(|(a, b)| a * b).sum::<f64>()
        };
        let up = f(x[i] + h, &mut xp);
        let down = f(x[i] - h, &mut xp);
        xp[i] = x[i];
        grad[i] = (up - down) / (2.0 * h);
    }
    grad
}

fn assert_close(act: &Activation, what: &str, analytic: &[f64], numeric: &[f64], x: &[f64]) {
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let tol = 1e-6 * (1.0 + a.abs().max(n.abs()));
        assert!(
            (a - n).abs() <= tol,
            "{act} {what}: at x[{i}] = {} analytic {a} vs numeric {n}",
            x.get(i).copied().unwrap_or(f64::NAN)
        );
    }
}

/// Inputs in [-5, 5] at least 1e-3 away from every kink.
fn inputs(act: &Activation, n: usize, rng: &mut Rng) -> Vec<f64> {
    let k = kinks(act);
    let mut x = Vec::with_capacity(n);
    while x.len() < n {
        let v = rng.range(-5.0, 5.0);
        // Gated kinds: the gate half sees the same kinks.
        if k.iter().all(|&p| (v - p).abs() > 1e-3) {
            x.push(v);
        }
    }
    x
}

#[test]
fn every_differentiable_activation_matches_finite_differences() {
    at_every_level(|_| {
        let mut rng = Rng::new(1);
        let mut checked = 0;
        for act in specs() {
            if !act.is_differentiable() || (act.kind() == Kind::Rrelu && act.param("training") == Some(1.0)) {
                continue;
            }
            let shape: Vec<usize> = match act.info().shape {
                OpShape::Pointwise | OpShape::Channelwise => vec![64],
                OpShape::AlongDim => vec![4, 6, 5],
                OpShape::Gated => vec![6, 8, 4],
            };
            let n: usize = shape.iter().product();
            let x = inputs(&act, n, &mut rng);
            let out_shape = act.output_shape(&shape).unwrap();
            let g: Vec<f64> = (0..out_shape.iter().product::<usize>())
                .map(|_| rng.range(-2.0, 2.0))
                .collect();
            let mut analytic = vec![0.0; n];
            act.backward_shaped(&x, &shape, &g, &mut analytic).unwrap();
            let numeric = numeric_vjp(&act, &x, &shape, &g);
            assert_close(&act, "input gradient", &analytic, &numeric, &x);
            checked += 1;
        }
        assert!(checked >= 40, "only {checked} activations checked");
    });
}

#[test]
fn step_gradient_is_zero_everywhere() {
    at_every_level(|_| {
        let act = Activation::parse("step").unwrap();
        let x = [-2.0, -1e-300, 0.0, 1e-300, 3.0];
        let mut dx = [1.0; 5];
        act.backward(&x, &[1.0; 5], &mut dx).unwrap();
        assert_eq!(dx, [0.0; 5]);
    });
}

#[test]
fn prelu_weight_gradient_matches_finite_differences() {
    at_every_level(|_| {
        let mut rng = Rng::new(2);
        let shape = [3, 4, 5];
        let w = [0.25, -0.5, 1.5, 0.0];
        let x: Vec<f64> = (0..60).map(|_| rng.range(-3.0, 3.0)).collect();
        let g: Vec<f64> = (0..60).map(|_| rng.range(-2.0, 2.0)).collect();
        let act = Activation::prelu(&w).unwrap();
        let mut dw = [0.0; 4];
        act.prelu_weight_grad(&x, &shape, &g, &mut dw).unwrap();
        for c in 0..4 {
            let loss = |wc: f64| {
                let mut w2 = w;
                w2[c] = wc;
                let a = Activation::prelu(&w2).unwrap();
                let mut y = vec![0.0; 60];
                a.forward_shaped(&x, &shape, &mut y).unwrap();
                y.iter().zip(&g).map(|(a, b)| a * b).sum::<f64>()
            };
            let numeric = (loss(w[c] + 1e-6) - loss(w[c] - 1e-6)) / 2e-6;
            assert!(
                (dw[c] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                "channel {c}: {} vs {numeric}",
                dw[c]
            );
        }
        // And the input gradient, per channel.
        let mut dx = vec![0.0; 60];
        act.backward_shaped(&x, &shape, &g, &mut dx).unwrap();
        let numeric = numeric_vjp(&act, &x, &shape, &g);
        assert_close(&act, "input gradient", &dx, &numeric, &x);
    });
}

#[test]
fn rrelu_training_gradient_is_the_drawn_slope() {
    at_every_level(|_| {
        let act = Activation::parse("rrelu(training=true, seed=11)").unwrap();
        let x: Vec<f64> = (0..100).map(|i| i as f64 / 10.0 - 5.0 + 0.05).collect();
        let mut noise = vec![0.0; 100];
        act.rrelu_noise(&x, &mut noise).unwrap();
        let mut y = vec![0.0; 100];
        act.forward(&x, &mut y).unwrap();
        let mut dx = vec![0.0; 100];
        act.backward(&x, &[1.0; 100], &mut dx).unwrap();
        for i in 0..100 {
            assert_eq!(y[i], noise[i] * x[i]);
            assert_eq!(dx[i], noise[i]);
            if x[i] <= 0.0 {
                assert!(
                    (0.125..=1.0 / 3.0).contains(&noise[i]),
                    "slope {} out of range",
                    noise[i]
                );
            } else {
                assert_eq!(noise[i], 1.0);
            }
        }
        // Slopes differ between elements and between seeds, and repeat for the same seed.
        let distinct: std::collections::BTreeSet<u64> = noise[..50].iter().map(|v| v.to_bits()).collect();
        assert!(distinct.len() > 40);
        let other = Activation::parse("rrelu(training=true, seed=12)").unwrap();
        let mut noise2 = vec![0.0; 100];
        other.rrelu_noise(&x, &mut noise2).unwrap();
        assert_ne!(noise[..50], noise2[..50]);
        let mut again = vec![0.0; 100];
        act.rrelu_noise(&x, &mut again).unwrap();
        assert_eq!(noise, again);
    });
}
