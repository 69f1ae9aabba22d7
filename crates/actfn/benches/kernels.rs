//! Criterion benches over the grid of `actfn bench`: every activation (at its defaults),
//! forward and backward, f32 and f64, 4K/64K/1M/16M elements, 1 and 2 threads, at the
//! current SIMD level (`ACTFN_SIMD` forces one). Throughput is in elements.
//!
//! The grid is large: filter it, e.g.
//! `cargo bench -p actfn --bench kernels -- 'gelu/f32/forward/65536'`.
//! `actfn bench` measures the same cells beside a plain copy and writes JSON.

use std::time::Duration;

use actfn::{Activation, Element, Kind, OpShape};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [usize; 4] = [4 << 10, 64 << 10, 1 << 20, 16 << 20];
const THREADS: [usize; 2] = [1, 2];
const ROW: usize = 1024;

fn specs() -> Vec<Activation> {
    Kind::ALL
        .iter()
        .map(|&k| match k {
            Kind::Threshold => Activation::parse("threshold(0.1, 20)").unwrap(),
            _ => Activation::new(k).unwrap(),
        })
        .collect()
}

fn inputs<E: Element>(n: usize) -> Vec<E> {
    (0..n)
        .map(|i| E::from_f64(((i * 7919) % 12001) as f64 / 1000.0 - 6.0))
        .collect()
}

fn shape(act: &Activation, n: usize) -> Vec<usize> {
    match act.info().shape {
        OpShape::AlongDim => vec![n / ROW, ROW],
        _ => vec![n],
    }
}

fn bench_dtype<E: Element>(c: &mut Criterion) {
    let pools: Vec<_> = THREADS
        .iter()
        .map(|&t| (t, rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap()))
        .collect();
    for act in specs() {
        let mut group = c.benchmark_group(format!("{}/{}", act.name(), E::NAME));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(1))
            .warm_up_time(Duration::from_millis(200));
        for &n in &SIZES {
            let sh = shape(&act, n);
            let out_n: usize = act.output_shape(&sh).unwrap().iter().product();
            let x = inputs::<E>(n);
            let g = inputs::<E>(out_n);
            let mut y = vec![E::from_f64(0.0); out_n];
            let mut dx = vec![E::from_f64(0.0); n];
            group.throughput(Throughput::Elements(n as u64));
            for (t, pool) in &pools {
                group.bench_with_input(BenchmarkId::new(format!("forward/t{t}"), n), &n, |b, _| {
                    pool.install(|| b.iter(|| act.forward_shaped(&x, &sh, &mut y).unwrap()))
                });
                group.bench_with_input(BenchmarkId::new(format!("backward/t{t}"), n), &n, |b, _| {
                    pool.install(|| b.iter(|| act.backward_shaped(&x, &sh, &g, &mut dx).unwrap()))
                });
            }
        }
        group.finish();
    }
}

fn all(c: &mut Criterion) {
    bench_dtype::<f32>(c);
    bench_dtype::<f64>(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
