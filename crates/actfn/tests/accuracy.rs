//! The f32 contract over the whole line: for random f32 inputs (uniform over bit
//! patterns, so every binade is sampled, plus a dense sample of [-20, 20]), every
//! element-wise kernel's forward and backward are within 4 ULP of the f64 kernel (itself
//! checked against mpmath in `golden.rs`), and NaN maps to NaN.

mod common;

use actfn::Activation;
use actfn_math::ulp::ulp_error;
use common::{pointwise_specs, Rng};

fn inputs() -> Vec<f32> {
    let mut rng = Rng::new(5);
    let mut x: Vec<f32> = (0..20_000).map(|_| f32::from_bits(rng.next_u64() as u32)).collect();
    x.extend((0..20_000).map(|_| rng.range(-20.0, 20.0) as f32));
    x
}

fn check(act: &Activation, x: &[f32]) -> (f64, f64) {
    let n = x.len();
    let g32 = vec![1.0f32; n];
    let (mut y32, mut d32) = (vec![0.0f32; n], vec![0.0f32; n]);
    act.forward(x, &mut y32).unwrap();
    act.backward(x, &g32, &mut d32).unwrap();
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let (mut y64, mut d64) = (vec![0.0f64; n], vec![0.0f64; n]);
    act.forward(&x64, &mut y64).unwrap();
    act.backward(&x64, &vec![1.0; n], &mut d64).unwrap();
    let mut worst = (0.0f64, 0.0f64);
    for i in 0..n {
        let ef = ulp_error(y32[i], y64[i]);
        let eb = ulp_error(d32[i], d64[i]);
        assert!(
            ef <= 4.0,
            "{act}({:e}): f32 {:e} vs f64 {:e}: {ef} ULP",
            x[i],
            y32[i],
            y64[i]
        );
        assert!(
            eb <= 4.0,
            "{act}'({:e}): f32 {:e} vs f64 {:e}: {eb} ULP",
            x[i],
            d32[i],
            d64[i]
        );
        worst = (worst.0.max(ef), worst.1.max(eb));
    }
    worst
}

#[test]
fn f32_kernels_are_within_4_ulp_of_f64_everywhere() {
    let x = inputs();
    let nan_count = x.iter().filter(|v| v.is_nan()).count();
    assert!(nan_count > 0, "the bit-pattern sample should contain NaNs");
    for act in pointwise_specs() {
        let (f, b) = check(&act, &x);
        println!("{act}: forward {f:.2} ULP, backward {b:.2} ULP");
    }
}
