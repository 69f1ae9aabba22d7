//! `actfn docs`: the activation reference (`docs/activations.md`), generated from the
//! registry and from accuracy measured now on the golden fixtures, so it cannot drift
//! from the code: a test regenerates it and fails when the committed file differs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use actfn::{Activation, Element, Family, Kind, OpShape, ParamKind};
use actfn_math::ulp::ulp_error;
use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::plot::{self, Reading};

/// Where the golden fixtures are in the source checkout this binary was built from.
pub const DEFAULT_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../actfn/tests/fixtures");

/// The committed reference, relative to the workspace root.
pub const DOCS_PATH: &str = "docs/activations.md";

#[derive(Deserialize)]
struct Fixture {
    dtype: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    spec: String,
    shape: Vec<usize>,
    weight: Option<Vec<String>>,
    x: Vec<String>,
    grad_output: Vec<String>,
    ref_forward: Vec<String>,
    ref_backward: Vec<String>,
    ref_grad_weight: Option<Vec<String>>,
}

fn decode(v: &[String]) -> Result<Vec<f64>> {
    v.iter()
        .map(|h| {
            u64::from_str_radix(h, 16)
                .map(f64::from_bits)
                .with_context(|| format!("`{h}` is not 16 hex digits"))
        })
        .collect()
}

/// The max error in ULP over the elements whose exact value is finite, and how many of
/// those came out NaN or infinite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Worst {
    pub ulp: f64,
    pub nonfinite: usize,
}

impl Worst {
    fn update(&mut self, err: f64) {
        if err.is_infinite() {
            self.nonfinite += 1;
        } else if err > self.ulp {
            self.ulp = err;
        }
    }

    fn merge(&mut self, other: Worst) {
        self.ulp = self.ulp.max(other.ulp);
        self.nonfinite += other.nonfinite;
    }

    /// `0.50`, `1.2e5`, `0.50 (+2 NaN/inf)`.
    pub fn cell(&self) -> String {
        let ulp = if self.ulp >= 1e4 {
            format!("{:.1e}", self.ulp)
        } else {
            format!("{:.2}", self.ulp)
        };
        match self.nonfinite {
            0 => ulp,
            n => format!("{ulp} (+{n} NaN/inf)"),
        }
    }
}

/// Forward, backward (and PReLU's weight gradient) errors of one case in one dtype.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Errors {
    pub forward: Worst,
    pub backward: Worst,
    pub grad_weight: Option<Worst>,
}

/// One fixture case measured in both dtypes.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub id: String,
    pub kind: Kind,
    /// The spec, with the shape when it is not 1-d: `softmax(dim=0) on [8, 17]`.
    pub label: String,
    pub f32: Option<Errors>,
    pub f64: Option<Errors>,
}

/// Inputs the activation documents as outside its domain (see `Info::differences` of
/// sine), as the golden test skips them: NaN where `w0·x` overflows the element type, no f64 bound
/// beyond |w0·x| = 2^26.
fn skipped<E: Element>(act: &Activation, x: f64) -> bool {
    if act.kind() != Kind::Sine || !x.is_finite() {
        return false;
    }
    let angle = (act.params()[0] * x).abs();
    let largest = if E::PRECISION == 24 { f32::MAX as f64 } else { f64::MAX };
    angle > largest || (E::PRECISION == 53 && angle > 2f64.powi(26))
}

fn worst<E: Element>(act: &Activation, ours: &[E], exact: &[f64], inputs: &[f64]) -> Worst {
    let mut w = Worst::default();
    for (i, (&o, &r)) in ours.iter().zip(exact).enumerate() {
        if skipped::<E>(act, inputs.get(i).copied().unwrap_or(f64::NAN)) {
            continue;
        }
        if r.is_finite() {
            w.update(ulp_error(o, r));
        }
    }
    w
}

fn activation(case: &Case) -> Result<Activation> {
    match &case.weight {
        Some(w) if case.spec == "prelu" => Activation::prelu(&decode(w)?),
        _ => Activation::parse(&case.spec),
    }
    .with_context(|| format!("case {}: spec {}", case.id, case.spec))
}

fn measure_case<E: Element>(case: &Case) -> Result<(Activation, Errors)> {
    let act = activation(case)?;
    let ctx = || format!("case {}", case.id);
    let xs = decode(&case.x)?;
    let x: Vec<E> = xs.iter().map(|&v| E::from_f64(v)).collect();
    let g: Vec<E> = decode(&case.grad_output)?.into_iter().map(E::from_f64).collect();
    let out_shape = act.output_shape(&case.shape).with_context(ctx)?;
    let mut y = vec![E::from_f64(0.0); out_shape.iter().product()];
    act.forward_shaped(&x, &case.shape, &mut y).with_context(ctx)?;
    let mut dx = vec![E::from_f64(0.0); x.len()];
    act.backward_shaped(&x, &case.shape, &g, &mut dx).with_context(ctx)?;
    let grad_weight = match &case.ref_grad_weight {
        Some(rw) => {
            let mut dw = vec![E::from_f64(0.0); act.prelu_weight().len()];
            act.prelu_weight_grad(&x, &case.shape, &g, &mut dw).with_context(ctx)?;
            Some(worst(&act, &dw, &decode(rw)?, &[]))
        }
        None => None,
    };
    let errors = Errors {
        forward: worst(&act, &y, &decode(&case.ref_forward)?, &xs),
        backward: worst(&act, &dx, &decode(&case.ref_backward)?, &xs),
        grad_weight,
    };
    Ok((act, errors))
}

fn load(path: &Path) -> Result<Fixture> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the golden fixture {} (give --fixtures DIR: crates/actfn/tests/fixtures of a source checkout)",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a golden fixture", path.display()))
}

/// The environment variable that forces the kernels' SIMD level (actfn-math's dispatch).
const SIMD_ENV: &str = "ACTFN_SIMD";

/// Measures every case of `golden_f32.json` and `golden_f64.json` in `dir`, in the
/// fixtures' order.
///
/// The kernels run at the level `ACTFN_SIMD` names; when it is unset, this sets it to
/// `scalar` (the reference every SIMD level is tested against) for the process, before
/// any kernel has read it, so that the reference is the same on every machine whatever
/// vector units it has.
pub fn measure(dir: &Path) -> Result<Vec<Measured>> {
    if std::env::var_os(SIMD_ENV).is_none() {
        std::env::set_var(SIMD_ENV, "scalar");
    }
    let mut rows: Vec<Measured> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (file, dtype) in [("golden_f32.json", "f32"), ("golden_f64.json", "f64")] {
        let path = dir.join(file);
        let fixture = load(&path)?;
        if fixture.dtype != dtype {
            bail!("{} holds {} cases, not {dtype}", path.display(), fixture.dtype);
        }
        for case in &fixture.cases {
            let (act, errors) = if dtype == "f32" {
                measure_case::<f32>(case)?
            } else {
                measure_case::<f64>(case)?
            };
            let i = *index.entry(case.id.clone()).or_insert_with(|| {
                let label = if case.shape.len() > 1 {
                    format!("{} on {:?}", case.spec, case.shape)
                } else {
                    case.spec.clone()
                };
                rows.push(Measured {
                    id: case.id.clone(),
                    kind: act.kind(),
                    label,
                    f32: None,
                    f64: None,
                });
                rows.len() - 1
            });
            if dtype == "f32" {
                rows[i].f32 = Some(errors);
            } else {
                rows[i].f64 = Some(errors);
            }
        }
    }
    Ok(rows)
}

fn shape_words(shape: OpShape) -> &'static str {
    match shape {
        OpShape::Pointwise => "element-wise",
        OpShape::Channelwise => "element-wise, one weight per channel (dim 1)",
        OpShape::AlongDim => "along a dim: each output depends on its whole row",
        OpShape::Gated => "splits a dim in halves a, b and returns a·gate(b); the dim halves",
    }
}

/// Text for a markdown table cell: pipes escaped, on one line.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Inline code that survives backticks in `text`.
fn code(text: &str) -> String {
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn anchor(kind: Kind) -> String {
    kind.name().replace('_', "-")
}

/// Max over `rows` of one dtype and direction.
fn max_of(rows: &[&Measured], pick: impl Fn(&Measured) -> Option<Worst>) -> String {
    let mut any = false;
    let mut w = Worst::default();
    for r in rows {
        if let Some(e) = pick(r) {
            any = true;
            w.merge(e);
        }
    }
    if any {
        w.cell()
    } else {
        "—".to_string()
    }
}

/// The reference as markdown.
pub fn generate(measured: &[Measured]) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# Activation reference\n");
    let _ = writeln!(
        w,
        "<!-- Generated by `actfn docs --out {DOCS_PATH}` from the registry (crates/actfn) and the golden \
         fixtures (crates/actfn/tests/fixtures). Do not edit: `cargo test -p actfn-lab` fails when this \
         file differs from what the generator writes. -->\n"
    );
    let _ = writeln!(
        w,
        "Every activation of actfn ({} of them), grouped by family: its signature with defaults, formula, \
         derivative (with the value taken at kinks), range, parameters, properties, PyTorch equivalent, \
         differences from PyTorch, and its accuracy.\n",
        Kind::ALL.len()
    );
    let _ = writeln!(
        w,
        "Accuracy is the max error in ULP of actfn's result against the exact value (mpmath) over the \
         inputs of the golden fixtures (edge inputs: ±0, subnormals, thresholds, kinks, the zeros of \
         derivatives, ±88, ±89, ±1e30, ±inf, NaN; and random inputs over the whole range), measured \
         when this file was generated, at the `scalar` level (the reference, the same on every \
         machine). The vector levels (`avx2`, `avx512`) compute some `f32` kernels in `f32` lanes and \
         can differ from it by a few ULP; `cargo test` holds every level this CPU has to the \
         contract: 4 ULP for `f32` and 8 ULP for `f64`. \
         `(+n NaN/inf)` counts results that are not finite where the exact value is.\n"
    );
    let _ = writeln!(
        w,
        "Pictures: `actfn gallery` draws every activation with its derivative; `actfn plot SPEC...` \
         draws any of them.\n"
    );

    let _ = writeln!(w, "## Summary\n");
    let _ = writeln!(
        w,
        "| activation | family | range | f32 forward | f32 backward | f64 forward | f64 backward |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    for family in Family::ALL {
        for &kind in Kind::ALL.iter().filter(|k| k.info().family == family) {
            let info = kind.info();
            let rows: Vec<&Measured> = measured.iter().filter(|m| m.kind == kind).collect();
            let _ = writeln!(
                w,
                "| [{}](#{}) | {} | {} | {} | {} | {} | {} |",
                info.name,
                anchor(kind),
                family.key(),
                code(&cell(info.range)),
                max_of(&rows, |m| m.f32.map(|e| e.forward)),
                max_of(&rows, |m| m.f32.map(|e| e.backward)),
                max_of(&rows, |m| m.f64.map(|e| e.forward)),
                max_of(&rows, |m| m.f64.map(|e| e.backward)),
            );
        }
    }
    let _ = writeln!(w);

    for family in Family::ALL {
        let kinds: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| k.info().family == family)
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let _ = writeln!(w, "## {}\n", family.title());
        for kind in kinds {
            section(w, kind, measured);
        }
    }
    md
}

fn section(w: &mut String, kind: Kind, measured: &[Measured]) {
    let info = kind.info();
    let _ = writeln!(w, "### {}\n", info.name);
    let _ = writeln!(w, "{}\n", info.summary);
    let _ = writeln!(w, "- **signature**: {}", code(&info.signature()));
    if !info.aliases.is_empty() {
        let aliases: Vec<String> = info.aliases.iter().map(|a| code(a)).collect();
        let _ = writeln!(w, "- **aliases**: {}", aliases.join(", "));
    }
    let _ = writeln!(w, "- **formula**: {}", code(info.formula));
    let _ = writeln!(w, "- **derivative**: {}", code(info.derivative));
    let _ = writeln!(w, "- **range**: {}", code(info.range));
    let _ = writeln!(w, "- **properties**: {}", info.properties.words().join(", "));
    let _ = writeln!(w, "- **operates**: {}", shape_words(info.shape));
    let _ = writeln!(w, "- **PyTorch**: {}", code(info.pytorch));
    let reading = Reading::of(kind);
    if reading != Reading::Elementwise {
        let _ = writeln!(w, "- **in plots**: {}", reading.explain());
    }
    let _ = writeln!(w);

    if !info.params.is_empty() {
        let _ = writeln!(w, "| parameter | default | kind | meaning |\n|---|---|---|---|");
        for p in info.params {
            let default = match p.default {
                Some(d) => code(&p.format_value(d)),
                None => "required".to_string(),
            };
            let kind_text = match p.kind {
                ParamKind::Choice(c) => format!("one of {}", c.join(", ")),
                k => k.name().to_string(),
            };
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} |",
                code(p.name),
                default,
                cell(&kind_text),
                cell(p.doc)
            );
        }
        let _ = writeln!(w);
    }

    let rows: Vec<&Measured> = measured.iter().filter(|m| m.kind == kind).collect();
    if rows.is_empty() {
        let _ = writeln!(w, "Accuracy: no golden fixture covers it.\n");
    } else {
        let _ = writeln!(w, "Max error in ULP against the exact value, on the golden fixtures:\n");
        let _ = writeln!(
            w,
            "| case | f32 forward | f32 backward | f64 forward | f64 backward |\n|---|---|---|---|---|"
        );
        let show = |e: Option<Errors>, f: fn(&Errors) -> Worst| e.map_or("—".to_string(), |e| f(&e).cell());
        for m in &rows {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                code(&cell(&m.label)),
                show(m.f32, |e| e.forward),
                show(m.f32, |e| e.backward),
                show(m.f64, |e| e.forward),
                show(m.f64, |e| e.backward),
            );
            let dw32 = m.f32.and_then(|e| e.grad_weight);
            let dw64 = m.f64.and_then(|e| e.grad_weight);
            if dw32.is_some() || dw64.is_some() {
                let c = |d: Option<Worst>| d.map_or("—".to_string(), |d| d.cell());
                let _ = writeln!(
                    w,
                    "| {} weight gradient | — | {} | — | {} |",
                    code(&cell(&m.label)),
                    c(dw32),
                    c(dw64)
                );
            }
        }
        let _ = writeln!(w);
    }

    if info.differences.is_empty() {
        let _ = writeln!(w, "Differences from PyTorch: none, same values.\n");
    } else {
        let _ = writeln!(w, "Differences from PyTorch:\n");
        for d in info.differences {
            let _ = writeln!(w, "- {d}");
        }
        let _ = writeln!(w);
    }
    if !info.references.is_empty() {
        let _ = writeln!(w, "References: {}\n", info.references.join("; "));
    }
}

/// The reference generated from the fixtures in `dir`.
pub fn generate_from(dir: &Path) -> Result<String> {
    Ok(generate(&measure(dir)?))
}

/// Compares `path` with `fresh`: `Ok` when equal, else an error naming the first line
/// that differs and the command that rewrites the file.
pub fn check(path: &Path, fresh: &str) -> Result<()> {
    let committed =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {} to check it", path.display()))?;
    if committed == fresh {
        return Ok(());
    }
    let line = committed
        .lines()
        .zip(fresh.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()))
        + 1;
    bail!(
        "{} is stale (it differs from the registry from line {line} on): run `actfn docs --out {}`",
        path.display(),
        path.display()
    )
}

/// `actfn docs`: prints the reference, writes it to `out`, or (`check`) compares it
/// with `out`.
pub fn command(out: Option<&Path>, check_only: bool, fixtures: Option<&Path>, stdout: &mut impl Write) -> Result<()> {
    let dir: PathBuf = fixtures.map_or_else(|| PathBuf::from(DEFAULT_FIXTURES), Path::to_path_buf);
    let text = generate_from(&dir)?;
    match (out, check_only) {
        (Some(path), true) => check(path, &text),
        (Some(path), false) => plot::write_atomic(path, text.as_bytes()),
        (None, _) => Ok(stdout.write_all(text.as_bytes())?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_format_like_the_golden_table() {
        let w = Worst { ulp: 0.5, nonfinite: 0 };
        assert_eq!(w.cell(), "0.50");
        assert_eq!(
            Worst {
                ulp: 1.6e6,
                nonfinite: 2
            }
            .cell(),
            "1.6e6 (+2 NaN/inf)"
        );
        assert_eq!(cell("x / (1 + |x|)"), "x / (1 + \\|x\\|)");
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn check_names_the_first_different_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        assert!(check(&path, "one\ntwo\nthree\n").is_ok());
        let e = check(&path, "one\n2\nthree\n").unwrap_err().to_string();
        assert!(e.contains("stale") && e.contains("line 2"), "{e}");
        let e = check(&path, "one\ntwo\nthree\nfour\n").unwrap_err().to_string();
        assert!(e.contains("line 4"), "{e}");
    }
}
