//! Forward+backward through candle's autograd at 64K f32 elements: actfn's op against
//! candle's built-in op for the same function.
//!
//! `cargo bench -p actfn-candle --bench candle_ops`

use std::hint::black_box;

use actfn_candle::bench::{bench_input, candle_builtin};
use actfn_candle::{act, parse};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const N: usize = 1 << 16;

const OPS: [&str; 9] = [
    "relu",
    "gelu",
    "gelu(approximate=tanh)",
    "silu",
    "sigmoid",
    "tanh",
    "elu",
    "softmax",
    "log_softmax",
];

fn forward_backward(c: &mut Criterion) {
    for name in OPS {
        let spec = parse(name).unwrap();
        let x = bench_input(&spec, N).unwrap();
        let builtin = candle_builtin(&spec).expect("candle has this op");
        let mut group = c.benchmark_group(format!("fwd+bwd/{name}"));
        group.throughput(Throughput::Elements(N as u64));
        group.bench_function("actfn", |b| {
            b.iter(|| {
                let y = act(x.as_tensor(), &spec).unwrap();
                black_box(y.backward().unwrap())
            })
        });
        group.bench_function("candle", |b| {
            b.iter(|| {
                let y = builtin(x.as_tensor()).unwrap();
                black_box(y.backward().unwrap())
            })
        });
        group.finish();
    }
}

criterion_group!(benches, forward_backward);
criterion_main!(benches);
