//! The f32 contract over the whole line: for random f32 inputs (uniform over bit
//! patterns, so every binade is sampled, plus random and gridded samples of [-20, 20]), every
//! element-wise kernel's forward and backward, at every SIMD level this CPU has, are
//! within 4 ULP of the scalar f64 kernel (itself checked against mpmath in
//! `golden.rs`), and NaN maps to NaN. The f64 kernels of each level stay within 8 ULP
//! of the scalar f64 kernel on the same inputs.

mod common;

use actfn::simd::{with_level, Level};
use actfn::Activation;
use actfn_math::ulp::ulp_error;
use common::{levels, pointwise_specs, Rng};

fn inputs() -> Vec<f32> {
    let mut rng = Rng::new(5);
    let mut x: Vec<f32> = (0..20_000).map(|_| f32::from_bits(rng.next_u64() as u32)).collect();
    x.extend((0..20_000).map(|_| rng.range(-20.0, 20.0) as f32));
    // A grid with step 1e-4: error peaks live in bands a few hundredths wide (the
    // cancellations of a derivative, the edge of the subnormal range), which random
    // samples can straddle. (Offset so that it misses the parameters' decimal values,
    // where an f32 threshold and an f64 one legitimately disagree.)
    x.extend((0..400_000).map(|i| (-20.0 + (i as f64 + 0.37) * 1e-4) as f32));
    x
}

/// `(forward, backward)` of `act` on `x` at `level`.
fn eval<E: actfn::Element>(act: &Activation, x: &[E], level: Level) -> (Vec<E>, Vec<E>) {
    let n = x.len();
    let g = vec![E::from_f64(1.0); n];
    let (mut y, mut d) = (vec![E::from_f64(0.0); n], vec![E::from_f64(0.0); n]);
    with_level(level, || {
        act.forward(x, &mut y).unwrap();
        act.backward(x, &g, &mut d).unwrap();
    })
    .unwrap();
    (y, d)
}

/// Max `(forward, backward)` error in ULP at `level`: f32 against the scalar f64
/// kernel (bound 4) and f64 against it (bound 8).
fn check(act: &Activation, x: &[f32], level: Level, failures: &mut Vec<String>) -> [f64; 4] {
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let (y64, d64) = eval(act, &x64, Level::Scalar);
    let (y32, d32) = eval(act, x, level);
    let (z64, e64) = eval(act, &x64, level);
    let mut worst = [0.0f64; 4];
    for i in 0..x.len() {
        // Documented: sine is NaN where w0·x overflows the element type (f32 here).
        if act.kind() == actfn::Kind::Sine && (act.params()[0] * x[i] as f64).abs() > f32::MAX as f64 {
            if !(y32[i].is_nan() && d32[i].is_nan()) {
                failures.push(format!("{level} {act}({:e}): the f32 angle overflows, want NaN", x[i]));
            }
            continue;
        }
        let errs = [
            ulp_error(y32[i], y64[i]),
            ulp_error(d32[i], d64[i]),
            ulp_error(z64[i], y64[i]),
            ulp_error(e64[i], d64[i]),
        ];
        let what = ["f32 forward", "f32 backward", "f64 forward", "f64 backward"];
        let got = [y32[i] as f64, d32[i] as f64, z64[i], e64[i]];
        let want = [y64[i], d64[i], y64[i], d64[i]];
        for k in 0..4 {
            let bound = if k < 2 { 4.0 } else { 8.0 };
            if errs[k] > bound && errs[k] > worst[k] {
                failures.push(format!(
                    "{level} {act} {}({:e}): {:e} vs scalar f64 {:e}: {} ULP",
                    what[k], x[i], got[k], want[k], errs[k]
                ));
            }
            worst[k] = worst[k].max(errs[k]);
        }
    }
    worst
}

#[test]
fn f32_kernels_are_within_4_ulp_of_f64_everywhere() {
    let x = inputs();
    let nan_count = x.iter().filter(|v| v.is_nan()).count();
    assert!(nan_count > 0, "the bit-pattern sample should contain NaNs");
    let mut failures = Vec::new();
    for level in levels() {
        for act in pointwise_specs() {
            let [f, b, f64f, f64b] = check(&act, &x, level, &mut failures);
            println!(
                "{level:7} {act}: f32 forward {f:.2} ULP, backward {b:.2} ULP; f64 vs scalar {f64f:.2}, {f64b:.2}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every f32 (or every `ACTFN_SWEEP_STRIDE`-th bit pattern), at the best SIMD level,
/// against the f64 kernel at the same level (itself within a few f64 ULP of exact):
/// within 4 ULP, forward and backward.
/// Slow: run with `cargo test --release -p actfn --test accuracy -- --ignored --nocapture`.
#[test]
#[ignore]
fn f32_sweep_of_every_input() {
    let stride: u64 = std::env::var("ACTFN_SWEEP_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let filter = std::env::var("ACTFN_SWEEP_SPEC").ok();
    let level = Level::best();
    let mut failures = Vec::new();
    for act in pointwise_specs() {
        if filter
            .as_ref()
            .is_some_and(|f| !act.to_string().starts_with(f.as_str()))
        {
            continue;
        }
        let mut worst = [(0.0f64, 0.0f32); 2];
        let chunk = 1u64 << 24;
        let mut start = 0u64;
        while start < 1u64 << 32 {
            let x: Vec<f32> = (start..(start + chunk).min(1 << 32))
                .step_by(stride as usize)
                .map(|b| f32::from_bits(b as u32))
                .collect();
            start += chunk;
            let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            let (y32, d32) = eval(&act, &x, level);
            let (y64, d64) = eval(&act, &x64, level);
            for i in 0..x.len() {
                // Documented: sine is NaN where w0·x overflows f32 (checked in `check`).
                if act.kind() == actfn::Kind::Sine && (act.params()[0] * x[i] as f64).abs() > f32::MAX as f64 {
                    continue;
                }
                for (k, (a, b)) in [(y32[i], y64[i]), (d32[i], d64[i])].into_iter().enumerate() {
                    let e = ulp_error(a, b);
                    if e > worst[k].0 {
                        worst[k] = (e, x[i]);
                    }
                }
            }
        }
        println!(
            "{level} {act}: f32 forward max {:.3} ULP at {:e}, backward max {:.3} ULP at {:e}",
            worst[0].0, worst[0].1, worst[1].0, worst[1].1
        );
        for (k, what) in ["forward", "backward"].into_iter().enumerate() {
            if worst[k].0 > 4.0 {
                failures.push(format!("{act} {what}: {} ULP at {:e}", worst[k].0, worst[k].1));
            }
        }
    }
    assert!(failures.is_empty(), "beyond 4 ULP:\n{}", failures.join("\n"));
}
