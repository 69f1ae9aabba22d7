//! Layers (`Activation`, `Siren`), initialisers (statistics, seeds, VarMap), and a small
//! MLP with each activation learning a fixed-seed task.

mod common;

use actfn_candle::init::{self, calculate_gain, Fan, Rng, Scheme};
use actfn_candle::{act, Activation, Siren, Spec};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use common::{flat_f64, specs};

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[test]
fn initialiser_statistics() {
    let shape = (512usize, 256usize); // fan_in 256, fan_out 512
    let (fi, fo) = (256.0f64, 512.0f64);
    let relu = calculate_gain("relu").unwrap();
    let cases: Vec<(Scheme, f64, Option<f64>)> = vec![
        // (scheme, expected std, uniform bound)
        (
            Scheme::XavierUniform { gain: 1.0 },
            (2.0 / (fi + fo)).sqrt(),
            Some((6.0 / (fi + fo)).sqrt()),
        ),
        (
            Scheme::XavierNormal { gain: 5.0 / 3.0 },
            5.0 / 3.0 * (2.0 / (fi + fo)).sqrt(),
            None,
        ),
        (
            Scheme::kaiming_uniform(Fan::In, "relu").unwrap(),
            relu / fi.sqrt(),
            Some(relu * (3.0 / fi).sqrt()),
        ),
        (
            Scheme::kaiming_uniform(Fan::Out, "relu").unwrap(),
            relu / fo.sqrt(),
            Some(relu * (3.0 / fo).sqrt()),
        ),
        (
            Scheme::kaiming_normal(Fan::In, "leaky_relu(0.2)").unwrap(),
            (2.0 / 1.04f64).sqrt() / fi.sqrt(),
            None,
        ),
        (
            Scheme::kaiming_normal(Fan::Out, "tanh").unwrap(),
            5.0 / 3.0 / fo.sqrt(),
            None,
        ),
        (Scheme::LecunNormal, 1.0 / fi.sqrt(), None),
        (Scheme::SirenFirst, 1.0 / fi / 3f64.sqrt(), Some(1.0 / fi)),
        (
            Scheme::SirenHidden { w0: 30.0 },
            (6.0 / fi).sqrt() / 30.0 / 3f64.sqrt(),
            Some((6.0 / fi).sqrt() / 30.0),
        ),
        (Scheme::Normal { mean: 0.0, std: 2.0 }, 2.0, None),
    ];
    let n = (512 * 256) as f64;
    for (k, (scheme, std, bound)) in cases.into_iter().enumerate() {
        let t = scheme
            .tensor(shape, &mut Rng::new(100 + k as u64), DType::F64, &Device::Cpu)
            .unwrap();
        let v = flat_f64(&t);
        let (m, s) = mean_std(&v);
        assert!(m.abs() < 4.0 * std / n.sqrt(), "{scheme:?}: mean {m}");
        assert!((s / std - 1.0).abs() < 0.01, "{scheme:?}: std {s}, expected {std}");
        if let Some(b) = bound {
            let max = v.iter().fold(0f64, |a, x| a.max(x.abs()));
            assert!(max <= b && max > 0.999 * b, "{scheme:?}: max |w| {max}, bound {b}");
        } else {
            // Normal: about 0.27% beyond 3σ.
            let tail = v.iter().filter(|x| x.abs() > 3.0 * std).count() as f64 / n;
            assert!((tail - 0.0027).abs() < 0.001, "{scheme:?}: tail {tail}");
        }
    }
    assert_eq!(
        flat_f64(
            &Scheme::Const(0.25)
                .tensor(3, &mut Rng::new(0), DType::F32, &Device::Cpu)
                .unwrap()
        ),
        [0.25; 3]
    );
    assert!(Scheme::XavierUniform { gain: 1.0 }
        .tensor(7, &mut Rng::new(0), DType::F32, &Device::Cpu)
        .is_err());
}

#[test]
fn initialisers_are_reproducible() {
    let s = Scheme::XavierNormal { gain: 1.0 };
    let a = s.tensor((64, 32), &mut Rng::new(42), DType::F32, &Device::Cpu).unwrap();
    let b = s.tensor((64, 32), &mut Rng::new(42), DType::F32, &Device::Cpu).unwrap();
    let c = s.tensor((64, 32), &mut Rng::new(43), DType::F32, &Device::Cpu).unwrap();
    assert_eq!(a.to_vec2::<f32>().unwrap(), b.to_vec2::<f32>().unwrap());
    assert_ne!(a.to_vec2::<f32>().unwrap(), c.to_vec2::<f32>().unwrap());
    // f64 and f32 draw the same numbers (rounded).
    let d = s.tensor((64, 32), &mut Rng::new(42), DType::F64, &Device::Cpu).unwrap();
    assert_eq!(flat_f64(&d.to_dtype(DType::F32).unwrap()), flat_f64(&a));
    // A stream continues: two draws from one generator differ.
    let mut rng = Rng::new(42);
    let x = flat_f64(&s.tensor((4, 4), &mut rng, DType::F64, &Device::Cpu).unwrap());
    let y = flat_f64(&s.tensor((4, 4), &mut rng, DType::F64, &Device::Cpu).unwrap());
    assert_ne!(x, y);
}

#[test]
fn var_initialises_new_variables_only() {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    let w = init::var(&vb, (8, 4), "w", Scheme::SirenFirst, &mut Rng::new(5)).unwrap();
    let expect = Scheme::SirenFirst
        .tensor((8, 4), &mut Rng::new(5), DType::F32, &Device::Cpu)
        .unwrap();
    assert_eq!(flat_f64(&w), flat_f64(&expect));
    // It is the VarMap's variable (same storage: an optimiser step shows through).
    let stored = varmap.data().lock().unwrap().get("w").unwrap().as_tensor().clone();
    assert_eq!(flat_f64(&stored), flat_f64(&w));
    // Asking again returns the existing values, not a fresh draw.
    let again = init::var(&vb, (8, 4), "w", Scheme::SirenFirst, &mut Rng::new(6)).unwrap();
    assert_eq!(flat_f64(&again), flat_f64(&w));
    // Tensors from a file (here: a map of tensors) are left alone.
    let mut ts = std::collections::HashMap::new();
    ts.insert("w".to_string(), Tensor::ones((8, 4), DType::F32, &Device::Cpu).unwrap());
    let vb = VarBuilder::from_tensors(ts, DType::F32, &Device::Cpu);
    let loaded = init::var(&vb, (8, 4), "w", Scheme::SirenFirst, &mut Rng::new(5)).unwrap();
    assert_eq!(flat_f64(&loaded), [1.0; 32]);
}

#[test]
fn siren_layers() {
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F64, &Device::Cpu);
    let mut rng = Rng::new(9);
    let first = Siren::first(2, 64, 30.0, vb.pp("s0"), &mut rng).unwrap();
    let hidden = Siren::hidden(64, 64, 30.0, vb.pp("s1"), &mut rng).unwrap();
    let maxabs = |t: &Tensor| flat_f64(t).iter().fold(0f64, |a, x| a.max(x.abs()));
    let w0 = maxabs(first.linear().weight());
    assert!(w0 <= 0.5 && w0 > 0.45, "first-layer bound 1/fan_in = 0.5: {w0}");
    let w1 = maxabs(hidden.linear().weight());
    let b1 = (6.0f64 / 64.0).sqrt() / 30.0;
    assert!(w1 <= b1 && w1 > 0.95 * b1, "hidden bound √(6/64)/30: {w1}");
    let bias = maxabs(hidden.linear().bias().unwrap());
    assert!(bias <= 0.125 && bias > 0.1, "bias bound 1/√64: {bias}");
    assert_eq!(varmap.all_vars().len(), 4);
    // forward = sin(30·(x Wᵀ + b))
    let x = Tensor::new(&[[0.3f64, -0.6], [0.9, 0.1]], &Device::Cpu).unwrap();
    let y = flat_f64(&first.forward(&x).unwrap());
    let z = flat_f64(&first.linear().forward(&x).unwrap());
    for (a, b) in y.iter().zip(&z) {
        assert!((a - (30.0 * b).sin()).abs() < 1e-12);
    }
    assert_eq!(first.w0(), 30.0);
    // Same seed, same network.
    let vb2 = VarBuilder::from_varmap(&VarMap::new(), DType::F64, &Device::Cpu);
    let again = Siren::first(2, 64, 30.0, vb2.pp("s0"), &mut Rng::new(9)).unwrap();
    assert_eq!(flat_f64(again.linear().weight()), flat_f64(first.linear().weight()));
}

#[test]
fn activation_layer() {
    let layer = Activation::new("LeakyReLU(negative_slope=0.2)").unwrap();
    assert_eq!(layer.spec().to_string(), "leaky_relu(negative_slope=0.2)");
    let x = Tensor::new(&[-1.0f32, 0.0, 2.0], &Device::Cpu).unwrap();
    assert_eq!(layer.forward(&x).unwrap().to_vec1::<f32>().unwrap(), [-0.2, 0.0, 2.0]);
    let e = Activation::new("relu7").unwrap_err().to_string();
    assert!(e.contains("did you mean `relu`"), "{e}");
    let parsed: Activation = "softmax(dim=0)".parse().unwrap();
    assert_eq!(parsed, Activation::from(Spec::parse("softmax(dim=0)").unwrap()));
}

/// 2-d points in two classes (XOR of the quadrants), labels ±1.
fn xor_data(n: usize) -> (Tensor, Tensor) {
    let mut rng = Rng::new(2024);
    let mut xs = Vec::with_capacity(2 * n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let (a, b) = (rng.uniform() * 2.0 - 1.0, rng.uniform() * 2.0 - 1.0);
        xs.extend([a as f32, b as f32]);
        ys.push(if a * b > 0.0 { 1f32 } else { -1.0 });
    }
    (
        Tensor::from_vec(xs, (n, 2), &Device::Cpu).unwrap(),
        Tensor::from_vec(ys, (n, 1), &Device::Cpu).unwrap(),
    )
}

/// Linear(2, 16) → activation → Linear(·, 1), logistic loss, 40 Adam steps: the loss goes
/// down for every activation (the step's first layer gets no gradient, its last layer
/// learns; hardsigmoid is nearly linear on these inputs and learns slowly).
#[test]
fn mlp_with_each_activation_lowers_its_loss() {
    let (x, y) = xor_data(64);
    let softplus = Spec::parse("softplus").unwrap();
    let (mut report, mut failures) = (Vec::new(), Vec::new());
    let mut finals = std::collections::HashMap::new();
    for spec in specs() {
        if spec.prelu_weight().len() > 1 || spec.dim() == Some(0) {
            continue; // per-channel PReLU: prelu.rs; dim 0 would mix the batch
        }
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let mut rng = Rng::new(7);
        let hidden = 16;
        let w1 = init::var(
            &vb,
            (hidden, 2),
            "w1",
            Scheme::kaiming_uniform(Fan::In, "relu").unwrap(),
            &mut rng,
        )
        .unwrap();
        let b1 = init::var(&vb, hidden, "b1", Scheme::Uniform { lo: -0.5, hi: 0.5 }, &mut rng).unwrap();
        let out_width = spec.output_shape(&[64, hidden]).unwrap()[1];
        let w2 = init::var(&vb, (1, out_width), "w2", Scheme::XavierUniform { gain: 1.0 }, &mut rng).unwrap();
        let b2 = init::var(&vb, 1, "b2", Scheme::Const(0.0), &mut rng).unwrap();
        let l1 = candle_nn::Linear::new(w1, Some(b1));
        let l2 = candle_nn::Linear::new(w2, Some(b2));
        let layer = Activation::from_spec(spec.clone());
        let loss = || {
            let z = l2.forward(&layer.forward(&l1.forward(&x).unwrap()).unwrap()).unwrap();
            // log(1 + exp(−y·z))
            act(&(z * &y).unwrap().neg().unwrap(), &softplus)
                .unwrap()
                .mean_all()
                .unwrap()
        };
        let params = ParamsAdamW {
            lr: 0.03,
            weight_decay: 0.0,
            ..Default::default()
        };
        let mut opt = AdamW::new(varmap.all_vars(), params).unwrap();
        let first: f32 = loss().to_scalar().unwrap();
        for _ in 0..40 {
            opt.backward_step(&loss()).unwrap();
        }
        let last: f32 = loss().to_scalar().unwrap();
        report.push(format!("{spec}: {first:.4} -> {last:.4}"));
        if !(last.is_finite() && last < first - 0.01) {
            failures.push(format!("{spec}: loss {first} -> {last}"));
        }
        finals.insert(spec.to_string(), last);
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{failures:#?}");
    // XOR is not linearly separable: a linear network stays near log 2 ≈ 0.693, the
    // usual nonlinear activations solve it.
    assert!(finals["identity"] > 0.6, "{}", finals["identity"]);
    for name in ["relu", "gelu", "silu", "tanh", "sine", "mish", "swiglu", "leaky_relu"] {
        assert!(finals[name] < 0.3, "{name}: {}", finals[name]);
    }
}
