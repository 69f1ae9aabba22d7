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
    let mut copy = vec![E::from_f64(0.0); n];
    let mut failure = None;
    let secs = pool.install(|| {
        median_secs(min, || {
            let r = if backward {
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
    let copy_secs = pool.install(|| {
        median_secs(min, || {
            if threads <= 1 {
                copy.copy_from_slice(&x);
            } else {
                use rayon::prelude::*;
                let c = n.div_ceil(threads).next_multiple_of(64);
                copy.par_chunks_mut(c)
                    .zip(x.par_chunks(c))
                    .for_each(|(d, s)| d.copy_from_slice(s));
            }
        })
    });
    std::hint::black_box((&y, &dx, &copy));
    Ok((n as f64 / secs, n as f64 / copy_secs))
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
    let total = specs.len() * sizes.len() * args.threads.len() * directions.len();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .expect("template")
            .progress_chars("=> "),
    );
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
    for &threads in &args.threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .context("cannot start the thread pool")?;
        for act in &specs {
            for &n in &sizes {
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
                        BenchDtype::F32 => measure::<f32>(&cell, &pool, args.row, min)?,
                        BenchDtype::F64 => measure::<f64>(&cell, &pool, args.row, min)?,
                    };
                    // Bytes moved per element: x and y forward; x, g and dx backward.
                    let bytes = if backward { 3.0 } else { 2.0 } * esize;
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
}
