//! A user crate adds its own activation, in code, and runs it like a built-in one.
//!
//! `cargo run -p actfn --example custom_activation`
//!
//! The activation is `x·sigmoid(x)·(1 + 0.1·sin x)` ("wiggly swish"): implement
//! [`actfn::Custom`] (forward and derivative over slices; the second derivative is
//! optional), wrap it in an [`actfn::Activation`], and every API that takes an
//! activation takes it: the slice API in `f32` and `f64`, `actfn-candle`'s ops, the
//! lab. Registering it also makes its name a spec, usable inside `expr(...)`.

use std::sync::Arc;

use actfn::{Activation, Custom};

struct WigglySwish;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Custom for WigglySwish {
    fn name(&self) -> &str {
        "wiggly_swish"
    }

    fn formula(&self) -> String {
        "x*sigmoid(x)*(1 + 0.1*sin(x))".into()
    }

    fn forward_f64(&self, x: &[f64], y: &mut [f64]) {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = x * sigmoid(x) * (1.0 + 0.1 * x.sin());
        }
    }

    fn derivative_f64(&self, x: &[f64], d: &mut [f64]) {
        for (d, &x) in d.iter_mut().zip(x) {
            let s = sigmoid(x);
            let swish = x * s;
            let dswish = s + x * s * (1.0 - s);
            *d = dswish * (1.0 + 0.1 * x.sin()) + swish * 0.1 * x.cos();
        }
    }
}

fn main() -> Result<(), actfn::Error> {
    let act = Activation::custom(Arc::new(WigglySwish));

    // The slice API, f32 and f64, forward and backward.
    let x = [-2.0f32, -0.5, 0.0, 0.5, 2.0];
    let mut y = [0.0f32; 5];
    act.forward(&x, &mut y)?;
    let mut dx = [0.0f32; 5];
    act.backward(&x, &[1.0; 5], &mut dx)?;
    println!("{act}: x = {x:?}\n  f(x)  = {y:?}\n  f'(x) = {dx:?}");

    // Check the hand-written derivative against the same formula as an expression,
    // whose derivative actfn derives symbolically.
    let e = Activation::parse("expr(x*sigmoid(x)*(1 + 0.1*sin(x)))")?;
    let x64: Vec<f64> = (-40..=40).map(|i| i as f64 * 0.1).collect();
    let (mut mine, mut derived) = (vec![0.0; x64.len()], vec![0.0; x64.len()]);
    act.backward(&x64, &vec![1.0; x64.len()], &mut mine)?;
    e.backward(&x64, &vec![1.0; x64.len()], &mut derived)?;
    let worst = mine
        .iter()
        .zip(&derived)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!(
        "  derivative vs expr's symbolic one ({}): max |diff| = {worst:e}",
        e.as_expr().map_or(String::new(), |e| e.derivative())
    );
    assert!(worst < 1e-12);

    // Registered, its name is a spec (for the CLI and lab of a binary that registers
    // it at start) and a function inside expressions.
    actfn::custom::register(Arc::new(WigglySwish))?;
    let scaled = Activation::parse("expr(2 * wiggly_swish(x / 2))")?;
    let mut z = [0.0f64; 1];
    scaled.forward(&[1.0], &mut z)?;
    println!(
        "  {scaled} at 1 = {}; derivative {}",
        z[0],
        scaled.as_expr().map_or(String::new(), |e| e.derivative())
    );
    assert_eq!(Activation::parse("wiggly_swish")?, act);
    Ok(())
}
