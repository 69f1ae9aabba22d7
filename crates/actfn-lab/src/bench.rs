//! `actfn bench`: the throughput of each activation, forward and backward, beside a plain
//! copy of the same size measured in the same run (the memory-bound ceiling).
//!
//! Every cell (spec × direction × size × threads) is timed as the median of repeated
//! calls after a warm-up; `--json FILE` writes one record per cell, atomically, so that
//! other tools (`scripts/bench_torch.py`) can compare runs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use actfn::simd::{self, Level};
use actfn::{Activation, Element, Kind, OpShape};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::error::usage;

/// `actfn bench` options.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Activations to measure (PyTorch-style specs); default: every activation at its
    /// defaults (`threshold(0.1, 20)` for the one with required parameters)
    pub specs: Vec<String>,
    /// Element counts, with K (×1024) or M (×1024²) suffixes
    #[arg(long, value_delimiter = ',', default_value = "4K,64K,1M,16M")]
    pub sizes: Vec<String>,
    /// Thread counts (the size of the rayon pool each cell runs in)
    #[arg(long, value_delimiter = ',', default_value = "1")]
    pub threads: Vec<usize>,
    /// Element type
    #[arg(long, value_enum, default_value = "f32")]
    pub dtype: BenchDtype,
    /// Also measure the backward pass (dx = g·f'(x))
    #[arg(long)]
    pub backward: bool,
    /// Row length of the row-wise kinds (softmax, log_softmax, softmin): the input is
    /// n/ROW rows of ROW elements along the last dim
    #[arg(long, default_value_t = 1024)]
    pub row: usize,
    /// SIMD level: scalar, avx2, avx512, neon or auto (default: ACTFN_SIMD, then the best)
    #[arg(long)]
    pub simd: Option<String>,
    /// Minimum time spent timing each cell, in milliseconds
    #[arg(long, default_value_t = 300)]
    pub min_ms: u64,
    /// Write the measurements as a JSON array of records to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Measure forward+backward through candle's autograd instead: actfn's candle op
    /// beside candle's built-in one (where candle has it), f32 on the CPU
    #[arg(long)]
    pub candle: bool,
    /// Print the specs measured by default (a JSON array) and exit
    #[arg(long)]
    pub list_specs: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchDtype {
    F32,
    F64,
}

/// One measured cell, as `--json` writes it.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub spec: String,
    pub direction: &'static str,
    pub dtype: &'static str,
    pub n: usize,
    pub threads: usize,
    pub elems_per_s: f64,
    pub copy_elems_per_s: f64,
    /// `--candle`: candle's built-in op on the same cell (absent where candle has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candle_elems_per_s: Option<f64>,
}

/// Parses `4K`, `64k`, `1M`, `16M`, `1000`.
pub fn parse_size(text: &str) -> Result<usize> {
    let t = text.trim();
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1024),
        Some('m' | 'M') => (&t[..t.len() - 1], 1024 * 1024),
        Some('g' | 'G') => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    let n: usize = num
        .parse()
        .map_err(|_| usage(format!("bad size `{text}` (expected a count like 4096, 64K or 16M)")))?;
    if n == 0 {
        return Err(usage(format!("bad size `{text}`: must be positive")));
    }
    Ok(n * mult)
}

/// The specs `actfn bench` measures by default: every kind at its defaults.
pub fn default_specs() -> Vec<Activation> {
    Kind::ALL
        .iter()
        .map(|&k| match k {
            Kind::Threshold => Activation::parse("threshold(0.1, 20)").expect("valid spec"),
            _ => Activation::new(k).expect("defaults"),
        })
        .collect()
}

fn shape_for(act: &Activation, n: usize, row: usize) -> Vec<usize> {
    match act.info().shape {
        OpShape::AlongDim if row > 0 && n.is_multiple_of(row) && n >= row => vec![n / row, row],
        _ => vec![n],
    }
}

/// Deterministic inputs spread over [-6, 6] (where every activation does work).
fn inputs<E: Element>(n: usize, seed: u64) -> Vec<E> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let u = (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
            E::from_f64(12.0 * u - 6.0)
        })
        .collect()
}

/// Median seconds per call of `f`, timed for at least `min` (and at least 5 calls).
fn median_secs(min: Duration, mut f: impl FnMut()) -> f64 {
    f();
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 5 || (start.elapsed() < min && times.len() < 10_000) {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[times.len() / 2]
}

struct Cell<'a> {
    act: &'a Activation,
    backward: bool,
    n: usize,
    threads: usize,
}

fn measure<E: Element>(cell: &Cell<'_>, pool: &rayon::ThreadPool, row: usize, min: Duration) -> Result<(f64, f64)> {
    let Cell {
        act,
        backward,
        n,
        threads,
    } = *cell;
    let shape = shape_for(act, n, row);
    let out_shape = act.output_shape(&shape)?;
    let out_n: usize = out_shape.iter().product();
    let x = inputs::<E>(n, 1);
    let g = inputs::<E>(out_n, 2);
    let mut y = vec![E::from_f64(0.0); out_n];
    let mut dx = vec![E::from_f64(0.0); n];
    let mut failure = None;
    // The kinds with a backward from the output (sigmoid, tanh, the softmax family) are
    // timed that way, as autograd runs them: from the saved forward output.
    let from_output = backward && act.has_backward_from_output();
    if from_output {
        act.forward_shaped(&x, &shape, &mut y)?;
    }
    let secs = pool.install(|| {
        median_secs(min, || {
            let r = if from_output {
                act.backward_from_output_shaped(&y, &shape, &g, &mut dx)
            } else if backward {
                act.backward_shaped(&x, &shape, &g, &mut dx)
            } else {
                act.forward_shaped(&x, &shape, &mut y)
            };
            if let Err(e) = r {
                failure = Some(e);
            }
        })
    });
    if let Some(e) = failure {
        return Err(e).with_context(|| format!("{act} on {n} elements"));
    }
    std::hint::black_box((&y, &dx));
    Ok((n as f64 / secs, copy_rate(&x, pool, threads, min)))
}

/// Elements per second of a plain copy of `x` on `threads` threads: the memory-bound
/// ceiling of an element-wise op.
fn copy_rate<E: Element>(x: &[E], pool: &rayon::ThreadPool, threads: usize, min: Duration) -> f64 {
    let n = x.len();
    let mut copy = vec![E::from_f64(0.0); n];
    let secs = pool.install(|| {
        median_secs(min, || {
            if threads <= 1 {
                copy.copy_from_slice(x);
            } else {
                use rayon::prelude::*;
                let c = n.div_ceil(threads).next_multiple_of(64);
                copy.par_chunks_mut(c)
                    .zip(x.par_chunks(c))
                    .for_each(|(d, s)| d.copy_from_slice(s));
            }
        })
    });
    std::hint::black_box(&copy);
    n as f64 / secs
}

/// `--candle`: forward+backward through candle's autograd, actfn's op and candle's.
fn run_candle(
    args: &BenchArgs,
    specs: &[Activation],
    sizes: &[usize],
    min: Duration,
    out: &mut impl Write,
) -> Result<Vec<Record>> {
    let total = specs.len() * sizes.len() * args.threads.len();
    let bar = progress(total);
    writeln!(
        out,
        "through candle's autograd, f32 on the CPU, SIMD level {}: y = f(x); y.backward()",
        simd::level()
    )?;
    writeln!(
        out,
        "{:<32} {:>9} {:>3} {:>14} {:>15} {:>13}",
        "spec", "n", "thr", "actfn Melem/s", "candle Melem/s", "actfn/candle"
    )?;
    let mut records = Vec::new();
    for &threads in &args.threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start the thread pool")?;
        for act in specs {
            for &n in sizes {
                bar.set_message(format!("{act} forward+backward n={n} t={threads}"));
                let spec = act.to_string();
                let r = pool
                    .install(|| actfn_candle::bench::bench_forward_backward_until(&spec, n, 5, min))
                    .with_context(|| format!("{spec} through candle on {n} elements"))?;
                let x = inputs::<f32>(n, 1);
                let copy = copy_rate(&x, &pool, threads, min);
                let (candle, ratio) = match r.candle_elems_per_s {
                    Some(c) => (format!("{:.1}", c / 1e6), format!("{:.2}", r.actfn_elems_per_s / c)),
                    None => ("-".to_string(), "-".to_string()),
                };
                bar.suspend(|| {
                    writeln!(
                        out,
                        "{:<32} {:>9} {:>3} {:>14.1} {:>15} {:>13}",
                        spec,
                        n,
                        threads,
                        r.actfn_elems_per_s / 1e6,
                        candle,
                        ratio
                    )
                })?;
                records.push(Record {
                    spec,
                    direction: "forward+backward",
                    dtype: "f32",
                    n,
                    threads,
                    elems_per_s: r.actfn_elems_per_s,
                    copy_elems_per_s: copy,
                    candle_elems_per_s: r.candle_elems_per_s,
                });
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    Ok(records)
}

fn progress(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
    bar
}

/// Runs `actfn bench`.
pub fn run(args: BenchArgs, out: &mut impl Write) -> Result<()> {
    if args.list_specs {
        let specs: Vec<String> = default_specs().iter().map(|a| a.to_string()).collect();
        writeln!(out, "{}", serde_json::to_string(&specs)?)?;
        return Ok(());
    }
    simd::env_level().map_err(|e| usage(format!("{}: {e}", simd::ENV_VAR)))?;
    if let Some(s) = &args.simd {
        let level = Level::parse_request(s).map_err(|e| usage(format!("--simd: {e}")))?;
        simd::set_level(level).map_err(|e| usage(format!("--simd: {e}")))?;
    }
    let specs = if args.specs.is_empty() {
        default_specs()
    } else {
        args.specs
            .iter()
            .map(|s| Activation::parse(s).map_err(|e| usage(e.to_string())))
            .collect::<Result<Vec<_>>>()?
    };
    let sizes = args.sizes.iter().map(|s| parse_size(s)).collect::<Result<Vec<_>>>()?;
    if args.threads.contains(&0) {
        return Err(usage("--threads: thread counts must be positive"));
    }
    let directions: &[bool] = if args.backward { &[false, true] } else { &[false] };
    let min = Duration::from_millis(args.min_ms);
    if args.candle {
        if args.dtype != BenchDtype::F32 {
            return Err(usage(
                "--candle measures f32 only (candle's built-in ops are benchmarked in f32)",
            ));
        }
        let records = run_candle(&args, &specs, &sizes, min, out)?;
        if let Some(path) = &args.json {
            write_json(path, &records)?;
            writeln!(out, "wrote {} records to {}", records.len(), path.display())?;
        }
        return Ok(());
    }
    let total = specs.len() * sizes.len() * args.threads.len() * directions.len();
    let bar = progress(total);
    let dtype = match args.dtype {
        BenchDtype::F32 => "f32",
        BenchDtype::F64 => "f64",
    };
    let esize = if args.dtype == BenchDtype::F32 { 4.0 } else { 8.0 };
    let mut records = Vec::new();
    writeln!(
        out,
        "SIMD level {}, dtype {dtype}, rows of {} for the row-wise kinds",
        simd::level(),
        args.row
    )?;
    writeln!(
        out,
        "{:<32} {:<9} {:>9} {:>3} {:>12} {:>9} {:>12} {:>7}",
        "spec", "direction", "n", "thr", "Melem/s", "GB/s", "copy Melem/s", "of copy"
    )?;
    let pools = args
        .threads
        .iter()
        .map(|&t| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build();
            pool.map(|p| (t, p)).context("cannot start the thread pool")
        })
        .collect::<Result<Vec<_>>>()?;
    // Sizes before thread counts, so a small cell never runs just after a large one
    // (freeing hundreds of MB keeps a core busy for a moment, which a 2-thread cell of
    // 64K elements would measure).
    for act in &specs {
        for &n in &sizes {
            for (threads, pool) in &pools {
                let (threads, pool) = (*threads, pool);
                for &backward in directions {
                    let direction = if backward { "backward" } else { "forward" };
                    bar.set_message(format!("{act} {direction} n={n} t={threads}"));
                    let cell = Cell {
                        act,
                        backward,
                        n,
                        threads,
                    };
                    let (rate, copy_rate) = match args.dtype {
                        BenchDtype::F32 => measure::<f32>(&cell, pool, args.row, min)?,
                        BenchDtype::F64 => measure::<f64>(&cell, pool, args.row, min)?,
                    };
                    // Bytes moved per element: x and y forward; x, g and dx backward
                    // (fewer where the derivative is a constant).
                    let streams = if backward { act.backward_streams() } else { 2 };
                    let bytes = streams as f64 * esize;
                    bar.suspend(|| {
                        writeln!(
                            out,
                            "{:<32} {:<9} {:>9} {:>3} {:>12.1} {:>9.2} {:>12.1} {:>6.0}%",
                            act.to_string(),
                            direction,
                            n,
                            threads,
                            rate / 1e6,
                            rate * bytes / 1e9,
                            copy_rate / 1e6,
                            100.0 * rate / copy_rate
                        )
                    })?;
                    records.push(Record {
                        spec: act.to_string(),
                        direction,
                        dtype,
                        n,
                        threads,
                        elems_per_s: rate,
                        copy_elems_per_s: copy_rate,
                        candle_elems_per_s: None,
                    });
                    bar.inc(1);
                }
            }
        }
    }
    bar.finish_and_clear();
    if let Some(path) = &args.json {
        write_json(path, &records)?;
        writeln!(out, "wrote {} records to {}", records.len(), path.display())?;
    }
    Ok(())
}

/// Writes `records` to `path` through a temporary file in the same directory, renamed
/// into place: a failed run leaves no partial file.
fn write_json(path: &Path, records: &[Record]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write {}", path.display()))?;
    serde_json::to_writer_pretty(&mut tmp, records)?;
    tmp.write_all(b"\n")?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_suffixes() {
        assert_eq!(parse_size("4K").unwrap(), 4096);
        assert_eq!(parse_size("16M").unwrap(), 16 << 20);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("x").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn every_kind_is_benchmarked_by_default() {
        assert_eq!(default_specs().len(), Kind::ALL.len());
    }

    #[test]
    fn a_small_run_writes_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let args = BenchArgs {
            specs: vec!["relu".into(), "softmax".into(), "glu".into()],
            sizes: vec!["2K".into()],
            threads: vec![1, 2],
            dtype: BenchDtype::F32,
            backward: true,
            row: 1024,
            simd: None,
            min_ms: 1,
            json: Some(path.clone()),
            candle: false,
            list_specs: false,
        };
        let mut out = Vec::new();
        run(args, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let recs = v.as_array().unwrap();
        assert_eq!(recs.len(), 3 * 2 * 2);
        assert!(recs.iter().all(|r| r["elems_per_s"].as_f64().unwrap() > 0.0));
        assert_eq!(recs[0]["direction"], "forward");
        assert_eq!(recs[1]["direction"], "backward");
    }

    #[test]
    fn candle_records_carry_both_rates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let args = BenchArgs {
            specs: vec!["gelu".into(), "hardshrink".into()],
            sizes: vec!["2K".into()],
            threads: vec![1],
            dtype: BenchDtype::F32,
            backward: false,
            row: 1024,
            simd: None,
            min_ms: 1,
            json: Some(path.clone()),
            candle: true,
            list_specs: false,
        };
        let mut out = Vec::new();
        run(args, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let recs = v.as_array().unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0]["direction"], "forward+backward");
        assert!(recs[0]["elems_per_s"].as_f64().unwrap() > 0.0);
        assert!(recs[0]["candle_elems_per_s"].as_f64().unwrap() > 0.0);
        // candle has no hardshrink: the record has no candle rate.
        assert!(recs[1].get("candle_elems_per_s").is_none());
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("actfn/candle"), "{text}");
    }

    #[test]
    fn candle_needs_f32() {
        let args = BenchArgs {
            specs: vec!["relu".into()],
            sizes: vec!["1K".into()],
            threads: vec![1],
            dtype: BenchDtype::F64,
            backward: false,
            row: 1024,
            simd: None,
            min_ms: 1,
            json: None,
            candle: true,
            list_specs: false,
        };
        let err = run(args, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("f32"), "{err}");
    }
}
