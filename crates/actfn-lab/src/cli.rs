//! The command line: argument definitions (clap), dispatch, and the one-line error
//! policy of `main`.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use actfn::{Activation, Kind};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::catalog;
use crate::compute::{self, parse_spec, parse_value};
use crate::error::{self, usage};
use crate::npy::{self, Array, Dtype};
use crate::plot::{self, XRange};
use crate::{docs, gallery};

const SPEC_HELP: &str = "\
Specs:
  An activation is named by a PyTorch-style spec, given as one argument: relu,
  leaky_relu(0.2), softplus(beta=2, threshold=10), gelu(approximate=tanh),
  softmax(dim=0), prelu(weight=[0.25, 0.1]). Names are case-insensitive and
  accept aliases (swish, LeakyReLU). Quote a spec that has parentheses or
  spaces, for the shell: 'leaky_relu(0.2)'.";

const EXIT_HELP: &str = "\
Exit status:
  0 success, 1 failure while running (a file, a shape), 2 bad command line.
  Every failure prints one line, `error: ...`, to stderr.";

const TOP_EXAMPLES: &str = "\
Examples:
  actfn list
  actfn describe gelu
  actfn eval relu -1 0 2
  actfn eval 'leaky_relu(0.2)' -1 --dtype f32
  actfn eval 'softmax(dim=0)' --input x.npy --output y.npy
  actfn grad relu 0 1 -1
  actfn grad glu --input x.npy --grad-output g.npy --output dx.npy
  actfn plot gelu silu mish --derivative --out gelu.png
  actfn gallery --out gallery";

/// The command line of actfn.
#[derive(Debug, Parser)]
#[command(
    name = "actfn",
    version,
    about = "actfn: activation functions of neural networks with PyTorch's semantics.\n\
             List them, read their formulas, derivatives and differences from PyTorch,\n\
             evaluate them and backpropagate through them on numbers or .npy arrays.",
    long_about = None,
    propagate_version = true,
    subcommand_required = true,
    after_help = format!("{SPEC_HELP}\n\n{TOP_EXAMPLES}\n\n{EXIT_HELP}"),
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every activation, grouped by family
    #[command(after_help = "\
Each line: the name with its parameters and their defaults (PyTorch style;
a parameter without default is required, choices are separated by |), the
aliases, and a one-line summary.

Examples:
  actfn list
  actfn list --json | jq '.[].name'")]
    List(ListArgs),

    /// Show one activation: formula, derivative, range, parameters, differences from PyTorch
    #[command(after_help = format!("Examples:
  actfn describe gelu
  actfn describe 'softplus(beta=2)'
  actfn describe swish

{SPEC_HELP}"))]
    Describe(DescribeArgs),

    /// Apply an activation to numbers or to a .npy array
    #[command(
        allow_negative_numbers = true,
        after_help = format!("Examples:
  actfn eval relu -1 0 2
  actfn eval 'leaky_relu(0.2)' -1 --dtype f32
  actfn eval 'softmax(dim=0)' 1 2 3 4 --shape 2,2
  actfn eval glu 1 2 3 4
  actfn eval gelu --input x.npy --output y.npy
  actfn eval prelu --input x.npy --weight w.npy --output y.npy

With VALUES, prints one output per line (shortest form that reads back to the
same number). With --input, the output file has the input's dtype and the
output's shape: the input's, but for the gated kinds (glu, reglu, geglu,
swiglu), whose dim halves.

{SPEC_HELP}")
    )]
    Eval(EvalArgs),

    /// Backpropagate through an activation: the vector-Jacobian product dx = Jᵀ·g
    #[command(
        allow_negative_numbers = true,
        after_help = format!("Examples:
  actfn grad relu 0 1 -1
  actfn grad 'softmax(dim=0)' 1 2 3 4 --shape 2,2
  actfn grad gelu --input x.npy --grad-output g.npy --output dx.npy
  actfn grad prelu --input x.npy --grad-output g.npy --output dx.npy \\
      --weight w.npy --grad-weight dw.npy

With VALUES, the upstream gradient g is all ones (so element-wise kinds print
f'(x)), one derivative per line. With --input, --grad-output must have the
output's shape and the input's dtype; dx has the input's shape.

{SPEC_HELP}")
    )]
    Grad(GradArgs),

    /// Measure throughput (elements/s, GB/s) of activations beside a plain copy
    #[command(after_help = "Examples:
  actfn bench
  actfn bench relu gelu silu --sizes 64K,16M --threads 1,2 --backward
  actfn bench softmax --sizes 1M --row 1024
  actfn bench --dtype f64 --json bench.json
  actfn bench gelu --simd avx2
  actfn bench relu gelu silu softmax --candle --sizes 64K --json candle.json

Each line: elements per second, the bytes moved per second (input and output;
backward also reads the upstream gradient), a plain copy of the same size
measured in the same run, and the activation's throughput as a fraction of the
copy's (the memory-bound ceiling). Times are medians of repeated calls.
--json FILE writes one record per cell: spec, direction, dtype, n, threads,
elems_per_s, copy_elems_per_s. Backward runs from the forward's output where that is
the cheaper way (sigmoid, tanh, log_sigmoid, softmax, softmin, log_softmax), as autograd does.
--candle times y = f(x); y.backward() through candle's autograd, actfn's op beside
candle's built-in one (records: direction forward+backward, candle_elems_per_s).")]
    Bench(crate::bench::BenchArgs),

    /// Draw activations and their derivatives: a PNG or SVG chart, or in the terminal
    #[command(after_help = format!("Examples:
  actfn plot gelu silu mish --derivative --out gelu.png
  actfn plot 'leaky_relu(0.2)' 'leaky_relu(0.01)' --range -3,3 --out leaky.svg
  actfn plot tanh sigmoid --ascii

Values come from the library's forward and backward kernels (f64), 1201 samples
over the range. Without --out the chart is drawn in the terminal (braille). The
row-wise kinds are drawn as the first output of the row [x, 0] (softmax is then
sigmoid), the gated kinds for a = b = x (glu is then x·sigmoid(x)).

{SPEC_HELP}"))]
    Plot(PlotArgs),

    /// Write one picture per activation and an index.html that shows them all
    #[command(after_help = "\
Each picture shows the function (its range shaded, asymptotes dashed, kinks
circled) above its derivative (the value chosen at a kink as a dot). The page
needs no network: open DIR/index.html in any browser.

Examples:
  actfn gallery
  actfn gallery --out site/gallery --format svg")]
    Gallery(GalleryArgs),

    /// Write the activation reference (docs/activations.md) from the registry
    #[command(after_help = "\
The reference lists every activation with its formula, derivative, range,
parameters, properties, PyTorch equivalent, differences from PyTorch and its
measured max ULP error per dtype on the golden fixtures.

Examples:
  actfn docs --out docs/activations.md
  actfn docs --out docs/activations.md --check")]
    Docs(DocsArgs),

    /// Run one lab experiment: train or probe real networks to test a claim
    #[command(after_help = "\
Experiments: linear-collapse, step, vanishing, dying, selu, stats, stability,
compare, cost, siren-init, siren, siren-audio. Each writes DIR/NAME/result.json
and PNG plots. The siren experiments set CANDLE_GRAD_DO_NOT_DETACH=1 (candle's
switch for gradients of gradients: Laplacians, --fit gradient).

Examples:
  actfn lab vanishing
  actfn lab dying --act relu --act 'leaky_relu(0.2)' --steps 2000
  actfn lab compare --act 'elu(alpha=0.5)' --act gelu --seed 3 --out results
  actfn lab compare --data my.csv      (or --data DIR with MNIST's IDX files)
  actfn lab siren --image photo.jpg --size 128 --steps 500 --models siren,relu-pe
  actfn lab siren --fit gradient
  actfn lab siren-audio --wav speech.wav")]
    Lab(LabArgs),

    /// Run every experiment and write an HTML report (the main job)
    #[command(after_help = "\
Finished experiments are kept (results are written atomically) and skipped
when the report is run again with the same profile and seed; --force re-runs
them. The quick profile takes a few minutes on 2 cores; --full is paper scale.

Examples:
  actfn report
  actfn report --out report/ --full
  actfn report --force")]
    Report(ReportArgs),
}

/// Options shared by `lab` and `report`.
#[derive(Debug, Args)]
pub struct LabCommon {
    /// Directory to write results into
    #[arg(long, value_name = "DIR", default_value = "report")]
    pub out: std::path::PathBuf,
    /// Seed of every random draw (same seed, same numbers)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Re-run experiments whose results exist
    #[arg(long)]
    pub force: bool,
    /// Hide progress bars
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LabArgs {
    /// The experiment
    #[arg(value_name = "NAME")]
    pub name: String,
    /// An activation to use (repeat for several; any spec); default: the experiment's set
    #[arg(long = "act", value_name = "SPEC")]
    pub acts: Vec<String>,
    /// Training steps (overrides the profile's)
    #[arg(long, alias = "epochs")]
    pub steps: Option<usize>,
    /// Size of the experiment
    #[arg(long, value_enum, default_value = "quick")]
    pub profile: crate::lab::Profile,
    /// compare: your data instead of the built-in tasks, a CSV file (numeric features, class label in the
    /// last column) or a directory holding MNIST's IDX files; results go to DIR/compare-data/
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub data: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub common: LabCommon,
    #[command(flatten)]
    pub siren: crate::lab::experiments::siren::SirenArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Paper-scale experiments (slow)
    #[arg(long, conflicts_with_all = ["quick", "tiny"])]
    pub full: bool,
    /// The default profile: minutes on 2 cores
    #[arg(long)]
    pub quick: bool,
    /// Seconds: a smoke test of the whole pipeline
    #[arg(long, conflicts_with = "quick")]
    pub tiny: bool,
    #[command(flatten)]
    pub common: LabCommon,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array of {name, family, signature, params, aliases, summary} for tools
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Activations to draw, one chart: names or specs such as 'leaky_relu(0.2)'
    #[arg(value_name = "SPEC", required = true)]
    pub specs: Vec<String>,

    /// Also draw the derivatives, in a second panel
    #[arg(short, long)]
    pub derivative: bool,

    /// The x range LO,HI
    #[arg(long, value_name = "LO,HI", default_value = "-6,6", allow_hyphen_values = true)]
    pub range: String,

    /// Write the chart to FILE (.png or .svg)
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Size of the image in pixels
    #[arg(long, value_name = "WxH", default_value = "800x600")]
    pub size: String,

    /// Draw the chart in the terminal (also with --out)
    #[arg(long)]
    pub ascii: bool,
}

#[derive(Debug, Args)]
pub struct GalleryArgs {
    /// Directory to write the pictures and index.html into (created if missing)
    #[arg(short, long, value_name = "DIR", default_value = "gallery")]
    pub out: PathBuf,

    /// Image format of the pictures
    #[arg(long, value_enum, default_value = "png")]
    pub format: ImageFormat,

    /// The x range LO,HI of every picture [default: -6,6; sine -0.25,0.25]
    #[arg(long, value_name = "LO,HI", allow_hyphen_values = true)]
    pub range: Option<String>,
}

/// Image format of the gallery's pictures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImageFormat {
    Png,
    Svg,
}

#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Write the reference to FILE instead of printing it
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Write nothing; fail if FILE differs from what would be written
    #[arg(long, requires = "out")]
    pub check: bool,

    /// Directory of the golden fixtures (golden_f32.json, golden_f64.json) the ULP
    /// errors are measured on [default: the source checkout's crates/actfn/tests/fixtures]
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The activation: a name, an alias, or a spec with parameters
    #[arg(value_name = "SPEC", required = true, num_args = 1..)]
    pub spec: Vec<String>,
}

/// Element type of numbers given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DtypeArg {
    F32,
    F64,
}

impl From<DtypeArg> for Dtype {
    fn from(d: DtypeArg) -> Dtype {
        match d {
            DtypeArg::F32 => Dtype::F32,
            DtypeArg::F64 => Dtype::F64,
        }
    }
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The activation: a name or a spec such as 'leaky_relu(0.2)'
    #[arg(value_name = "SPEC")]
    pub spec: String,

    /// Numbers to evaluate at, a 1-d array unless --shape says otherwise (negative
    /// numbers, inf and nan work)
    #[arg(value_name = "VALUES", conflicts_with = "input")]
    pub values: Vec<String>,

    /// Read the input from a .npy file (float32 or float64, any shape, C order)
    #[arg(short, long, value_name = "FILE", requires = "output")]
    pub input: Option<PathBuf>,

    /// Write the output to this .npy file (with VALUES: instead of printing)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Element type VALUES are cast to [default: f64]
    #[arg(long, value_enum, conflicts_with = "input")]
    pub dtype: Option<DtypeArg>,

    /// Shape of VALUES in C order, e.g. 2,3 [default: 1-d]
    #[arg(long, value_name = "DIMS", value_delimiter = ',', conflicts_with = "input")]
    pub shape: Option<Vec<usize>>,

    /// prelu only: one weight per channel (dim 1) from a 1-d .npy file; replaces the
    /// spec's weight
    #[arg(short, long, value_name = "FILE")]
    pub weight: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GradArgs {
    /// The activation: a name or a spec such as 'leaky_relu(0.2)'
    #[arg(value_name = "SPEC")]
    pub spec: String,

    /// Inputs x to differentiate at, a 1-d array unless --shape says otherwise; the
    /// upstream gradient is then all ones
    #[arg(value_name = "VALUES", conflicts_with = "input")]
    pub values: Vec<String>,

    /// Read the input x from a .npy file (float32 or float64, any shape, C order)
    #[arg(short, long, value_name = "FILE", requires = "output", requires = "grad_output")]
    pub input: Option<PathBuf>,

    /// Read the upstream gradient g from a .npy file (the output's shape, the input's
    /// dtype)
    #[arg(short, long, value_name = "FILE", requires = "input")]
    pub grad_output: Option<PathBuf>,

    /// Write the input gradient dx to this .npy file (with VALUES: instead of printing)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Element type VALUES are cast to [default: f64]
    #[arg(long, value_enum, conflicts_with = "input")]
    pub dtype: Option<DtypeArg>,

    /// Shape of VALUES in C order, e.g. 2,3 [default: 1-d]
    #[arg(long, value_name = "DIMS", value_delimiter = ',', conflicts_with = "input")]
    pub shape: Option<Vec<usize>>,

    /// prelu only: one weight per channel (dim 1) from a 1-d .npy file; replaces the
    /// spec's weight
    #[arg(short, long, value_name = "FILE")]
    pub weight: Option<PathBuf>,

    /// prelu only: write the weight gradient (one value per weight) to this .npy file
    #[arg(long, value_name = "FILE")]
    pub grad_weight: Option<PathBuf>,
}

/// The binary's entry point: parses `std::env::args_os()`, runs, and turns every
/// failure (a panic included) into one line on stderr and an exit code.
pub fn main() -> ExitCode {
    install_panic_hook();
    let code = std::panic::catch_unwind(|| run_args(std::env::args_os())).unwrap_or(error::RUNTIME);
    ExitCode::from(code)
}

/// Runs the command line `args` (program name first), writing to the process's
/// stdout and stderr; returns the exit code.
pub fn run_args<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(spell_negative_numbers(args)) {
        Ok(cli) => cli,
        Err(e) => return clap_failure(e),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(cli, &mut out).and_then(|()| out.flush().context("cannot write to stdout"));
    match result {
        Ok(()) => 0,
        Err(e) if error::is_broken_pipe(&e) => 0,
        Err(e) => {
            let _ = writeln!(io::stderr(), "{}", error::one_line(&e));
            error::exit_code(&e)
        }
    }
}

/// clap takes a negative number for short options unless it is all digits with one
/// dot (`-inf`, `-.5`, `-1e-3` would be `-i nf`, ...): spell every negative number
/// so that clap sees one, with the same value (`-inf` becomes `-1e999`, `-1e-3`
/// becomes `-0.001`, `-nan` becomes `nan`). No option of actfn looks like a number.
fn spell_negative_numbers(args: Vec<OsString>) -> Vec<OsString> {
    args.into_iter()
        .map(|a| {
            let Some(s) = a.to_str().filter(|s| s.starts_with('-')) else {
                return a;
            };
            match s.parse::<f64>() {
                Ok(v) if v.is_nan() => OsString::from("nan"),
                Ok(v) if v.is_infinite() => OsString::from("-1e999"),
                Ok(v) => OsString::from(format!("{v}")),
                Err(_) => a,
            }
        })
        .collect()
}

/// Help and version go to stdout with code 0; every other clap error becomes one line
/// with code 2.
fn clap_failure(e: clap::Error) -> u8 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            let _ = writeln!(
                io::stderr(),
                "error: a command is required: list, describe, eval, grad, plot, gallery, docs, ... (see `actfn --help`)"
            );
            error::USAGE
        }
        _ => {
            let _ = writeln!(io::stderr(), "{}", clap_one_line(&e.render().to_string()));
            error::USAGE
        }
    }
}

/// clap's multi-line error (message, tips, usage) as one line: the message and its
/// tips, without the usage.
pub fn clap_one_line(rendered: &str) -> String {
    let body: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect();
    let line = error::squash(&body.join("\n"));
    if line.starts_with("error:") {
        line
    } else {
        format!("error: {line}")
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr(),
            "{}",
            error::squash(&format!("error: internal error, please report it: {message}{location}"))
        );
    }));
}

/// Runs a parsed command line, writing normal output to `out`.
pub fn run(cli: Cli, out: &mut impl Write) -> Result<()> {
    match cli.command {
        Command::List(args) => {
            let text = if args.json {
                catalog::list_json()
            } else {
                catalog::list_text()
            };
            out.write_all(text.as_bytes())?;
        }
        Command::Describe(args) => {
            let text = describe(&args.spec.join(" "))?;
            out.write_all(text.as_bytes())?;
        }
        Command::Eval(args) => eval(args, out)?,
        Command::Grad(args) => grad(args, out)?,
        Command::Plot(args) => plot_command(args, out)?,
        Command::Gallery(args) => {
            let format = match args.format {
                ImageFormat::Png => plot::Format::Png,
                ImageFormat::Svg => plot::Format::Svg,
            };
            let range = args.range.as_deref().map(XRange::parse).transpose()?;
            let pictures = gallery::write(&args.out, format, range)?;
            let index = args.out.join("index.html");
            writeln!(out, "wrote {} pictures and {}", pictures.len(), index.display())?;
        }
        Command::Docs(args) => docs::command(args.out.as_deref(), args.check, args.fixtures.as_deref(), out)?,
        Command::Lab(args) => lab(args, out)?,
        Command::Report(args) => report(args, out)?,
        Command::Bench(args) => crate::bench::run(args, out)?,
    }
    Ok(())
}

fn lab_options(
    common: &LabCommon,
    profile: crate::lab::Profile,
    acts: Vec<String>,
    steps: Option<usize>,
) -> Result<crate::lab::LabOptions> {
    for a in &acts {
        Activation::parse(a).map_err(|e| usage(e.to_string()))?;
    }
    if steps == Some(0) {
        return Err(usage("--steps must be at least 1".to_string()));
    }
    Ok(crate::lab::LabOptions {
        out: common.out.clone(),
        seed: common.seed,
        acts: if acts.is_empty() { None } else { Some(acts) },
        steps,
        profile,
        force: common.force,
        progress: !common.quiet,
        siren: Default::default(),
    })
}

/// `actfn lab NAME`: one experiment.
fn lab(args: LabArgs, out: &mut impl Write) -> Result<()> {
    let found = crate::lab::find(&args.name).map_err(|e| usage(e.to_string()))?;
    let siren = args.siren.options();
    siren.check(found.name(), !args.acts.is_empty(), args.steps.is_some())?;
    if let (Some(why), false) = (found.no_acts(), args.acts.is_empty()) {
        return Err(usage(format!("--act does not apply to `{}` ({why})", found.name())));
    }
    if let (Some(why), Some(_)) = (found.no_steps(), args.steps) {
        return Err(usage(format!("--steps does not apply to `{}` ({why})", found.name())));
    }
    let data = match (&args.data, found.name()) {
        (None, _) => None,
        (Some(path), "compare") => Some(crate::lab::experiments::CompareData { path: path.clone() }),
        (Some(_), name) => return Err(usage(format!("--data applies to `compare` only, not to `{name}`"))),
    };
    let exp: &dyn crate::lab::Experiment = match &data {
        Some(d) => d,
        None => found,
    };
    if exp.name().starts_with("siren") {
        // Gradients of gradients (Laplacians, --fit gradient): candle reads this once per
        // thread, before its first backward pass.
        crate::lab::experiments::siren_net::enable_second_order();
    }
    let mut opts = lab_options(&args.common, args.profile, args.acts, args.steps)?;
    opts.siren = siren;
    // A run on user data always runs: the file may have changed since the last one.
    opts.force |= data.is_some();
    let bar = crate::lab::bar(1, exp.name(), opts.progress);
    let (outcome, cached) = crate::lab::run_experiment(exp, &opts, &bar)?;
    bar.finish_and_clear();
    writeln!(
        out,
        "{}: {} — {}{}\nresults: {}",
        outcome.name,
        if outcome.verdict.supported {
            "supported"
        } else {
            "not supported"
        },
        outcome.verdict.summary,
        if cached {
            " (kept from an earlier run; --force re-runs)"
        } else {
            ""
        },
        crate::lab::result_path(&opts.out, exp.name()).display()
    )?;
    Ok(())
}

/// `actfn report`: every experiment, then `OUT/index.html`.
fn report(args: ReportArgs, out: &mut impl Write) -> Result<()> {
    use crate::lab::Profile;
    let profile = if args.full {
        Profile::Full
    } else if args.tiny {
        Profile::Tiny
    } else {
        Profile::Quick
    };
    let opts = lab_options(&args.common, profile, Vec::new(), None)?;
    let outcomes = crate::lab::report::run_report(&opts)?;
    for o in &outcomes {
        writeln!(
            out,
            "{:<16} {:<14} {}",
            o.name,
            if o.verdict.supported {
                "supported"
            } else {
                "not supported"
            },
            o.verdict.summary
        )?;
    }
    writeln!(out, "report: {}", opts.out.join("index.html").display())?;
    Ok(())
}

/// `describe`: a spec that lacks a required parameter (`threshold`) still describes its
/// kind, without values.
fn describe(spec: &str) -> Result<String> {
    match Activation::parse(spec) {
        Ok(act) => Ok(catalog::describe(act.kind(), Some(&act)) + &plot::describe_plot(&act)?),
        Err(e @ actfn::Error::MissingParameter { .. }) => {
            let kind = actfn::spec::parse(spec)
                .ok()
                .and_then(|ast| Kind::lookup(&ast.name).ok())
                .ok_or_else(|| usage(e.to_string()))?;
            Ok(catalog::describe(kind, None))
        }
        Err(e) => Err(usage(e.to_string())),
    }
}

/// `plot`: a chart file, or the terminal chart (with --ascii, or without --out).
fn plot_command(args: PlotArgs, out: &mut impl Write) -> Result<()> {
    use std::io::IsTerminal;
    let req = plot::PlotRequest {
        specs: plot::join_specs(&args.specs),
        derivative: args.derivative,
        range: XRange::parse(&args.range)?,
        out: args.out,
        size: plot::parse_size(&args.size)?,
        ascii: args.ascii,
    };
    let colour = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    plot::run(&req, out, colour)
}

/// A spec split by the shell at its spaces (`softplus(beta=2,` `threshold=10)`) is
/// joined back from the leading VALUES until its parentheses balance.
fn join_spec(spec: &str, values: &[String]) -> (String, usize) {
    let depth = |s: &str| {
        s.chars().fold(0i64, |d, c| match c {
            '(' | '[' => d + 1,
            ')' | ']' => d - 1,
            _ => d,
        })
    };
    let mut spec = spec.to_string();
    let mut used = 0;
    while depth(&spec) > 0 && used < values.len() {
        spec.push(' ');
        spec.push_str(&values[used]);
        used += 1;
    }
    (spec, used)
}

/// Where an array came from, for messages: `x.npy` or `the values`.
fn origin(path: Option<&Path>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "the values".to_string(),
    }
}

/// The activation, the input array and its origin, from the shared options of `eval`
/// and `grad`.
struct Setup {
    act: Activation,
    x: Array,
    x_origin: String,
}

fn setup(
    spec: &str,
    values: &[String],
    input: Option<&Path>,
    dtype: Option<DtypeArg>,
    shape: Option<&[usize]>,
    weight: Option<&Path>,
    command: &str,
) -> Result<Setup> {
    // Join a spec the shell split, but only if that makes it parse: `relu(` followed by
    // `1` should report `relu(`.
    let (joined, used) = join_spec(spec, values);
    let (mut act, values) = match Activation::parse(&joined) {
        Ok(act) if used > 0 => (act, &values[used..]),
        _ => (parse_spec(spec)?, values),
    };
    if weight.is_some() && act.kind() != Kind::Prelu {
        return Err(usage(format!("--weight is only for prelu, not {}", act.name())));
    }
    let x = match input {
        Some(path) => npy::read_array(path)?,
        None if values.is_empty() => {
            return Err(usage(format!(
                "give VALUES or --input FILE (see `actfn {command} --help`)"
            )))
        }
        None => {
            let nums = values.iter().map(|v| parse_value(v)).collect::<Result<Vec<f64>>>()?;
            compute::values_array(&nums, dtype.map_or(Dtype::F64, Dtype::from), shape)?
        }
    };
    if let Some(path) = weight {
        let w = npy::read_array(path)?;
        act = compute::with_weight(&act, &w, &path.display().to_string())?;
    }
    Ok(Setup {
        act,
        x,
        x_origin: origin(input),
    })
}

fn eval(args: EvalArgs, out: &mut impl Write) -> Result<()> {
    let s = setup(
        &args.spec,
        &args.values,
        args.input.as_deref(),
        args.dtype,
        args.shape.as_deref(),
        args.weight.as_deref(),
        "eval",
    )?;
    let y = compute::forward(&s.act, &s.x, &s.x_origin)?;
    match &args.output {
        Some(path) => npy::write_array(path, &y)?,
        None => compute::print_array(&y, out)?,
    }
    Ok(())
}

fn grad(args: GradArgs, out: &mut impl Write) -> Result<()> {
    if let (Some(o), Some(w)) = (&args.output, &args.grad_weight) {
        if o == w {
            return Err(usage("--output and --grad-weight name the same file"));
        }
    }
    let s = setup(
        &args.spec,
        &args.values,
        args.input.as_deref(),
        args.dtype,
        args.shape.as_deref(),
        args.weight.as_deref(),
        "grad",
    )?;
    if args.grad_weight.is_some() && s.act.kind() != Kind::Prelu {
        return Err(usage(format!("--grad-weight is only for prelu, not {}", s.act.name())));
    }
    let (g, g_origin) = match &args.grad_output {
        Some(path) => (npy::read_array(path)?, origin(Some(path))),
        None => (
            compute::ones_for_output(&s.act, &s.x, &s.x_origin)?,
            "the upstream gradient".to_string(),
        ),
    };
    let dx = compute::backward(&s.act, &s.x, &s.x_origin, &g, &g_origin)?;
    let dw = match &args.grad_weight {
        Some(_) => Some(compute::weight_grad(&s.act, &s.x, &s.x_origin, &g, &g_origin)?),
        None => None,
    };
    // Stage every file before committing any, so a failure leaves no output behind.
    let staged_dx = match &args.output {
        Some(path) => Some(npy::stage(path, &dx)?),
        None => None,
    };
    let staged_dw = match (&args.grad_weight, &dw) {
        (Some(path), Some(dw)) => Some(npy::stage(path, dw)?),
        _ => None,
    };
    if let Some(f) = staged_dx {
        f.commit()?;
    } else {
        compute::print_array(&dx, out)?;
    }
    if let Some(f) = staged_dw {
        f.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("actfn").chain(args.iter().copied()))
    }

    #[test]
    fn negative_numbers_and_options_after_values() {
        let args = ["eval", "relu", "-1", "-INF", "-.5", "-1e-3", "2", "--dtype", "f32"];
        let args = spell_negative_numbers(args.iter().map(OsString::from).collect());
        let cli = Cli::try_parse_from(std::iter::once("actfn".into()).chain(args)).unwrap();
        match cli.command {
            Command::Eval(a) => {
                assert_eq!(a.values, ["-1", "-1e999", "-0.5", "-0.001", "2"]);
                assert_eq!(parse_value(&a.values[1]).unwrap(), f64::NEG_INFINITY);
                assert_eq!(a.dtype, Some(DtypeArg::F32));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn clap_errors_become_one_line() {
        let e = parse(&["eval", "relu", "--input", "x.npy"]).unwrap_err();
        let line = clap_one_line(&e.render().to_string());
        assert!(line.starts_with("error: "), "{line}");
        assert!(line.contains("--output"), "{line}");
        assert!(!line.contains('\n'));
        assert!(!line.contains("Usage"), "{line}");
    }

    #[test]
    fn split_specs_are_joined_back() {
        let values = ["threshold=10)".to_string(), "-1".to_string()];
        assert_eq!(
            join_spec("softplus(beta=2,", &values),
            ("softplus(beta=2, threshold=10)".to_string(), 1)
        );
        assert_eq!(join_spec("relu", &values), ("relu".to_string(), 0));
    }

    #[test]
    fn describe_falls_back_for_required_parameters() {
        assert!(describe("threshold").unwrap().contains("threshold(threshold, value)"));
        let e = describe("relu7").unwrap_err();
        assert_eq!(error::exit_code(&e), error::USAGE);
        assert!(e.to_string().contains("did you mean `relu`"));
    }
}
