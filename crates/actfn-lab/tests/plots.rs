//! `actfn plot`, `actfn gallery` and the terminal plot of `actfn describe`: files are
//! produced, are valid PNG/SVG of the requested size, the plotted samples are the
//! library's values, and bad input is refused with one line.

use std::path::Path;

use actfn::{Activation, Kind};
use actfn_lab::plot::{self, render, XRange, DEFAULT_RANGE, SAMPLES};
use assert_cmd::Command;
use tempfile::TempDir;

fn actfn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_actfn"))
}

/// Runs `actfn args`, expects exit code `code`, one stderr line `error: ...` and no
/// stdout; returns the line.
fn fails(args: &[&str], code: i32) -> String {
    let out = actfn().args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: not one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "{args:?}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr.trim_end().to_string()
}

fn stdout_of(args: &[&str]) -> String {
    let out = actfn().args(args).assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// Decodes a PNG file: (width, height, RGB pixels).
fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: no PNG signature",
        path.display()
    );
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn count_colour(rgb: &[u8], c: plotters::style::RGBColor) -> usize {
    rgb.chunks(3)
        .filter(|p| p[0] == c.0 && p[1] == c.1 && p[2] == c.2)
        .count()
}

/// The value of attribute `name` in the `<svg ...>` tag.
fn svg_attr(svg: &str, name: &str) -> String {
    let start = svg.find("<svg").expect("an <svg> tag");
    let tag = &svg[start..start + svg[start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let at = tag.find(&key).unwrap_or_else(|| panic!("no {name} in {tag}")) + key.len();
    tag[at..at + tag[at..].find('"').unwrap()].to_string()
}

/// No file is left in `dir` but `keep`.
fn only_files(dir: &Path, keep: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = keep.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
}

#[test]
fn plot_writes_a_png_of_the_requested_size_with_every_curve() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("gelu.png");
    let p = path.to_str().unwrap();
    let out = actfn()
        .args([
            "plot",
            "gelu",
            "silu",
            "mish",
            "--derivative",
            "--out",
            p,
            "--size",
            "640x480",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "--out alone draws nothing in the terminal");
    let (w, h, rgb) = read_png(&path);
    assert_eq!((w, h), (640, 480));
    // Each curve in its own colour, drawn in both panels.
    for i in 0..3 {
        let n = count_colour(&rgb, render::colour(i));
        assert!(n > 500, "curve {i}: {n} pixels of its colour");
    }
    assert_eq!(count_colour(&rgb, render::colour(3)), 0);
    // Text (axis labels, legend) drew dark pixels.
    let dark = rgb.chunks(3).filter(|p| p.iter().all(|&c| c < 90)).count();
    assert!(dark > 500, "{dark} dark pixels");
    only_files(dir.path(), &["gelu.png"]);
}

#[test]
fn plot_writes_an_svg_of_the_requested_size() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("leaky.svg");
    actfn()
        .args(["plot", "leaky_relu(0.2)", "leaky_relu(0.01)", "--range", "-3,3"])
        .args(["--out", path.to_str().unwrap(), "--size", "900x500"])
        .assert()
        .success();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.trim_start().starts_with("<svg") || svg.trim_start().starts_with("<?xml"));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg_attr(&svg, "width"), "900");
    assert_eq!(svg_attr(&svg, "height"), "500");
    // The legend shows each spec with its parameters.
    assert!(svg.contains("leaky_relu(negative_slope=0.2)"), "legend");
    assert!(svg.contains("leaky_relu(negative_slope=0.01)"), "legend");
    assert!(svg.contains("<polyline") || svg.contains("<path"));
}

/// The chart's points are the library's forward and backward values at the samples.
#[test]
fn plotted_samples_equal_the_library_values() {
    let specs: Vec<String> = ["gelu", "leaky_relu(0.2)", "softplus(beta=2)", "hardswish", "step"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let acts = plot::parse_specs(&specs).unwrap();
    let range = XRange { lo: -4.0, hi: 5.0 };
    let curves = plot::sample_all(&acts, range).unwrap();
    let chart = render::comparison(&curves, range, true, (800, 600));
    assert_eq!(chart.panels.len(), 2);
    for (k, (act, label)) in acts.iter().enumerate() {
        let xs = range.grid(SAMPLES);
        let mut y = vec![0.0; xs.len()];
        act.forward(&xs, &mut y).unwrap();
        let mut dy = vec![0.0; xs.len()];
        act.backward(&xs, &vec![1.0; xs.len()], &mut dy).unwrap();
        assert_eq!(curves[k].label, *label);
        assert_eq!(curves[k].xs, xs);
        assert_eq!(curves[k].ys, y, "{label}");
        assert_eq!(curves[k].dys, dy, "{label}");
        // What the chart draws: every sample, in order, split only at jumps.
        for (panel, want) in [(0, &y), (1, &dy)] {
            let drawn: Vec<(f64, f64)> = chart.panels[panel].lines[k].segments.concat();
            let expected: Vec<(f64, f64)> = xs.iter().copied().zip(want.iter().copied()).collect();
            assert_eq!(drawn, expected, "{label} panel {panel}");
        }
    }
    // leaky_relu(0.2)' breaks at its kink; step breaks at its jump.
    assert_eq!(chart.panels[1].lines[1].segments.len(), 2);
    assert_eq!(chart.panels[0].lines[4].segments.len(), 2);
    assert_eq!(
        chart.panels[0].lines[1].label.as_deref(),
        Some("leaky_relu(negative_slope=0.2)")
    );
}

#[test]
fn row_wise_and_gated_kinds_are_read_on_one_x() {
    let xs = DEFAULT_RANGE.grid(SAMPLES);
    let softmax = Activation::parse("softmax").unwrap();
    let sigmoid = Activation::parse("sigmoid").unwrap();
    let c = &plot::curves(&softmax, "softmax", &xs).unwrap()[0];
    let mut want = vec![0.0; xs.len()];
    sigmoid.forward(&xs, &mut want).unwrap();
    for (a, b) in c.ys.iter().zip(&want) {
        assert!((a - b).abs() <= 2.0 * f64::EPSILON, "{a} {b}");
    }
    // glu of [x, x] is x·sigmoid(x) = silu(x).
    let glu = Activation::parse("glu").unwrap();
    let silu = Activation::parse("silu").unwrap();
    let c = &plot::curves(&glu, "glu", &xs).unwrap()[0];
    let mut want = vec![0.0; xs.len()];
    silu.forward(&xs, &mut want).unwrap();
    for (a, b) in c.ys.iter().zip(&want) {
        assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0), "{a} {b}");
    }
    assert_eq!(c.label, "glu of [x, x]");
}

#[test]
fn bad_input_is_refused_with_one_line() {
    let dir = TempDir::new().unwrap();
    let png = dir.path().join("x.png");
    let p = png.to_str().unwrap();
    let line = fails(&["plot", "relu", "--range", "5,1", "--out", p], 2);
    assert!(line.contains("--range 5,1") && line.contains("below the end"), "{line}");
    let line = fails(&["plot", "relu", "--range=nan,1"], 2);
    assert!(line.contains("not a finite number"), "{line}");
    let line = fails(&["plot", "relu", "--range", "-6"], 2);
    assert!(line.contains("LO,HI"), "{line}");
    let line = fails(&["plot", "gelu", "gleu", "--out", p], 2);
    assert!(
        line.contains("unknown activation `gleu`") && line.contains("did you mean `gelu`"),
        "{line}"
    );
    let line = fails(&["plot", "leaky_relu(slope=2)"], 2);
    assert!(line.contains("negative_slope"), "{line}");
    let jpg = dir.path().join("x.jpg");
    let line = fails(&["plot", "relu", "--out", jpg.to_str().unwrap()], 2);
    assert!(line.contains(".jpg") && line.contains(".png or .svg"), "{line}");
    let line = fails(&["plot", "relu", "--size", "800"], 2);
    assert!(line.contains("WIDTHxHEIGHT"), "{line}");
    let missing = dir.path().join("no/such/dir/x.png");
    let line = fails(&["plot", "relu", "--out", missing.to_str().unwrap()], 1);
    assert!(line.contains("cannot write"), "{line}");
    let line = fails(&["plot", "relu", "--out", dir.path().to_str().unwrap()], 2);
    assert!(line.contains("cannot write"), "{line}");
    fails(&["plot"], 2);
    // Nothing was written, not even a temporary file.
    only_files(dir.path(), &[]);
}

#[test]
fn ascii_plots_draw_in_the_terminal() {
    let text = stdout_of(&["plot", "relu", "tanh", "--ascii", "--derivative"]);
    assert!(text.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c)), "{text}");
    assert!(text.contains("1 relu   2 tanh"), "{text}");
    assert!(text.contains("1 relu′   2 tanh′"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    // Without --out, plot draws in the terminal.
    assert_eq!(stdout_of(&["plot", "relu", "tanh", "--derivative"]), text);
    // Split specs are joined back.
    let split = stdout_of(&["plot", "softplus(beta=2,", "threshold=10)", "--ascii"]);
    assert!(split.contains("softplus(beta=2, threshold=10)"), "{split}");
}

#[test]
fn describe_draws_the_function_and_its_derivative() {
    let text = stdout_of(&["describe", "relu"]);
    let at = text.find("Plot on [-6, 6]").expect(&text);
    let plot = &text[at..];
    assert!(plot.contains("f(x)") && plot.contains("f′(x)"), "{plot}");
    assert!(
        plot.chars().filter(|c| ('\u{2801}'..='\u{28ff}').contains(c)).count() > 40,
        "{plot}"
    );
    let text = stdout_of(&["describe", "softmax"]);
    assert!(text.contains("first output of the row [x, 0]"), "{text}");
}

#[test]
fn gallery_has_a_picture_per_kind_and_a_page_that_shows_them() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("gallery");
    let text = stdout_of(&["gallery", "--out", out.to_str().unwrap()]);
    assert!(text.contains(&format!("wrote {} pictures", Kind::ALL.len())), "{text}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let mut expected = vec!["index.html".to_string()];
    for &k in Kind::ALL {
        let name = format!("{}.png", k.name());
        let (w, h, rgb) = read_png(&out.join(&name));
        assert_eq!((w, h), actfn_lab::gallery::SIZE, "{name}");
        assert!(count_colour(&rgb, render::colour(0)) > 200, "{name}: no function drawn");
        assert!(
            count_colour(&rgb, render::colour(1)) > 200,
            "{name}: no derivative drawn"
        );
        assert!(html.contains(&format!("src=\"{name}\"")), "{name} not on the page");
        let info = k.info();
        let formula = info
            .formula
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(html.contains(&formula), "{}: formula missing", info.name);
        expected.push(name);
    }
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    only_files(&out, &expected);
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing"
    );
    // A file where the directory should be is refused.
    let line = fails(&["gallery", "--out", out.join("index.html").to_str().unwrap()], 1);
    assert!(line.contains("not a directory"), "{line}");
}
