//! `actfn gallery`: one picture per activation in the registry and an `index.html`
//! that shows them all with their formula, derivative, range, properties, PyTorch
//! equivalent and differences from PyTorch. The page is self-contained (inline CSS, no
//! script, images by relative path), so any browser opens it offline.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use actfn::{Activation, Family, Kind, ParamKind};
use anyhow::{Context, Result};

use crate::plot::render::{self, Band, Chart, Line, Markers, Panel, GUIDE, MARK};
use crate::plot::{
    self, asymptotes, curves, jumps, kinks, locate_jump, range_bounds, Format, Reading, Side, XRange, SAMPLES,
};

/// Size of each picture, in pixels.
pub const SIZE: (u32, u32) = (640, 560);

/// The activation a picture shows for `kind`: its defaults, or for a kind with a
/// required parameter an example (`threshold(threshold=1, value=-1)`).
pub fn example(kind: Kind) -> Activation {
    if let Ok(act) = Activation::new(kind) {
        return act;
    }
    let info = kind.info();
    let spec = match kind {
        Kind::Threshold => "threshold(threshold=1, value=-1)".to_string(),
        _ => {
            let args: Vec<String> = info
                .params
                .iter()
                .filter(|p| p.default.is_none())
                .map(|p| format!("{}=1", p.name))
                .collect();
            format!("{}({})", info.name, args.join(", "))
        }
    };
    Activation::parse(&spec).unwrap_or_else(|e| panic!("example {spec}: {e}"))
}

/// The x range of `kind`'s picture when none is given: [-6, 6], but for sine, whose
/// default w0 = 30 makes a period 0.21 wide, [-0.25, 0.25].
pub fn default_range(kind: Kind) -> XRange {
    match kind {
        Kind::Sine => XRange { lo: -0.25, hi: 0.25 },
        _ => plot::DEFAULT_RANGE,
    }
}

/// The file name of `kind`'s picture: its registry name and the format's extension.
pub fn file_name(kind: Kind, format: Format) -> String {
    format!("{}.{}", kind.name(), format.extension())
}

/// The picture of `act`: the function above its derivative. The function's range is
/// shaded, its asymptotes dashed, its kinks circled and its jumps drawn as a filled dot
/// (the value taken) over an open one; the derivative panel shows as a dot the value
/// the library takes at each kink (PyTorch's choice).
pub fn chart(act: &Activation, x: XRange, size: (u32, u32)) -> Result<Chart> {
    let xs = x.grid(SAMPLES);
    let label = act.to_string();
    let curve = curves(act, &label, &xs)?.remove(0);
    let (ys, dys) = (&curve.ys, &curve.dys);
    let f_jumps = jumps(ys);
    let f_kinks = kinks(ys, &f_jumps);

    let mut top = Panel {
        title: "function".to_string(),
        y_desc: "f(x)".to_string(),
        ..Panel::default()
    };
    let (lo, hi) = range_bounds(act, ys)?;
    if lo.is_some() || hi.is_some() {
        top.band = Some(Band {
            lo,
            hi,
            label: format!("range {}", act.info().range),
        });
    }
    top.lines.push(render::curve_line(&curve, false, render::colour(0)));
    for a in asymptotes(act, &xs, ys)? {
        // Horizontal asymptotes span the chart; oblique ones the half they approach on.
        let from = if a.slope == 0.0 {
            match a.side {
                Side::NegInf => x.hi,
                Side::PosInf => x.lo,
            }
        } else if x.contains(0.0) {
            0.0
        } else {
            0.5 * (x.lo + x.hi)
        };
        let to = match a.side {
            Side::NegInf => x.lo,
            Side::PosInf => x.hi,
        };
        let mut line = Line::new(
            Some(format!("asymptote {}", a.equation())),
            GUIDE,
            vec![vec![(from, a.at(from)), (to, a.at(to))]],
        );
        line.dashed = true;
        line.width = 1;
        line.fit = false;
        top.lines.push(line);
    }
    if !f_kinks.is_empty() {
        top.markers.push(Markers {
            label: Some("kink".to_string()),
            colour: MARK,
            filled: false,
            points: f_kinks.iter().map(|&i| (xs[i], ys[i])).collect(),
        });
    }
    if !f_jumps.is_empty() {
        let located = f_jumps
            .iter()
            .map(|&i| locate_jump(act, &xs, ys, i))
            .collect::<Result<Vec<_>>>()?;
        top.markers.push(Markers {
            label: Some("jump: value taken".to_string()),
            colour: MARK,
            filled: true,
            points: located.iter().map(|j| (j.x, j.taken)).collect(),
        });
        top.markers.push(Markers {
            label: None,
            colour: MARK,
            filled: false,
            points: located.iter().map(|j| (j.x, j.limit)).collect(),
        });
    }

    let mut bottom = Panel {
        title: "derivative".to_string(),
        y_desc: "f′(x)".to_string(),
        ..Panel::default()
    };
    bottom.lines.push(render::curve_line(&curve, true, render::colour(1)));
    if !f_kinks.is_empty() {
        bottom.markers.push(Markers {
            label: Some("value at the kink".to_string()),
            colour: MARK,
            filled: true,
            points: f_kinks.iter().map(|&i| (xs[i], dys[i])).collect(),
        });
    }
    Ok(Chart {
        title: Some(curve.label.clone()),
        x,
        panels: vec![top, bottom],
        size,
    })
}

fn esc(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(c),
        }
    }
    s
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; margin: 2rem auto;
       max-width: 1400px; padding: 0 1rem; color: #222; background: #fafafa; }
h1 { margin-bottom: .2rem; }
nav a { margin-right: 1rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 1.2rem; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: .8rem 1rem; }
.card h3 { margin: .2rem 0 .1rem; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
.card img { width: 100%; height: auto; border: 1px solid #eee; }
.summary { color: #555; margin: .2rem 0 .6rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .8rem; margin: .6rem 0; }
dt { font-weight: 600; color: #444; }
dd { margin: 0; }
code { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: .92em; }
ul { margin: .2rem 0; padding-left: 1.2rem; }
.note { color: #666; font-size: .9em; }
";

/// The page: every kind of the registry, grouped by family, with its picture.
pub fn index_html(format: Format, x: Option<XRange>) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>actfn: every activation</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<h1>actfn: every activation</h1>\n");
    let _ = writeln!(
        h,
        "<p>{} activations, each drawn on {} from the library's own forward and backward \
         kernels (f64): the function above (its range shaded, asymptotes dashed, kinks circled) and \
         its derivative below (a dot marks the value taken at a kink, which is PyTorch's). \
         Generated by <code>actfn gallery</code>.</p>",
        Kind::ALL.len(),
        match x {
            Some(x) => format!("[{}, {}]", x.lo, x.hi),
            None => "[-6, 6] (sine on [-0.25, 0.25])".to_string(),
        }
    );
    h.push_str("<nav>");
    for f in Family::ALL {
        let _ = write!(h, "<a href=\"#{}\">{}</a>", f.key(), esc(f.title()));
    }
    h.push_str("</nav>\n");
    for family in Family::ALL {
        let kinds: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| k.info().family == family)
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let _ = writeln!(
            h,
            "<h2 id=\"{}\">{}</h2>\n<div class=\"grid\">",
            family.key(),
            esc(family.title())
        );
        for kind in kinds {
            card(&mut h, kind, format);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn card(h: &mut String, kind: Kind, format: Format) {
    let info = kind.info();
    let act = example(kind);
    let _ = writeln!(h, "<section class=\"card\" id=\"{}\">", info.name);
    let _ = writeln!(h, "<h3>{}</h3>", esc(info.name));
    let _ = writeln!(h, "<p class=\"summary\">{}</p>", esc(info.summary));
    let (w, ht) = SIZE;
    let _ = writeln!(
        h,
        "<img src=\"{}\" width=\"{w}\" height=\"{ht}\" loading=\"lazy\" alt=\"{} and its derivative\">",
        file_name(kind, format),
        esc(&act.to_string())
    );
    let reading = Reading::of(kind);
    if reading != Reading::Elementwise {
        let _ = writeln!(h, "<p class=\"note\">{}.</p>", esc(&capitalise(reading.explain())));
    }
    h.push_str("<dl>\n");
    let mut row = |label: &str, html: String| {
        let _ = writeln!(h, "<dt>{label}</dt><dd>{html}</dd>");
    };
    row("signature", format!("<code>{}</code>", esc(&info.signature())));
    if act.to_string() != info.name {
        row("drawn", format!("<code>{}</code>", esc(&act.to_string())));
    }
    if !info.aliases.is_empty() {
        row("aliases", esc(&info.aliases.join(", ")));
    }
    row("formula", format!("<code>{}</code>", esc(info.formula)));
    row("derivative", format!("<code>{}</code>", esc(info.derivative)));
    row("range", format!("<code>{}</code>", esc(info.range)));
    row("properties", esc(&info.properties.words().join(", ")));
    if !info.params.is_empty() {
        let items: Vec<String> = info
            .params
            .iter()
            .map(|p| {
                let default = match (p.default, p.kind) {
                    (None, _) => "required".to_string(),
                    (Some(d), ParamKind::Choice(c)) => {
                        format!("default {}; one of {}", p.format_value(d), c.join(", "))
                    }
                    (Some(d), _) => format!("default {}", p.format_value(d)),
                };
                format!(
                    "<li><code>{}</code> ({}): {}</li>",
                    esc(p.name),
                    esc(&default),
                    esc(p.doc)
                )
            })
            .collect();
        row("parameters", format!("<ul>{}</ul>", items.join("")));
    }
    row("PyTorch", format!("<code>{}</code>", esc(info.pytorch)));
    let diffs = if info.differences.is_empty() {
        "none: same values as PyTorch".to_string()
    } else {
        let items: Vec<String> = info
            .differences
            .iter()
            .map(|d| format!("<li>{}</li>", esc(d)))
            .collect();
        format!("<ul>{}</ul>", items.join(""))
    };
    row("differences from PyTorch", diffs);
    h.push_str("</dl>\n</section>\n");
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Writes one picture per registry kind and `index.html` into `dir` (created if
/// missing), each file atomically. Every picture spans `x`, or when it is `None` its
/// kind's [`default_range`]. Returns the pictures' paths, in registry order.
pub fn write(dir: &Path, format: Format, x: Option<XRange>) -> Result<Vec<PathBuf>> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!("cannot write the gallery into {}: it is not a directory", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the directory {}", dir.display()))?;
    let mut written = Vec::new();
    for &kind in Kind::ALL {
        let act = example(kind);
        let range = x.unwrap_or_else(|| default_range(kind));
        let bytes = render::encode(&chart(&act, range, SIZE)?, format).with_context(|| format!("drawing {act}"))?;
        let path = dir.join(file_name(kind, format));
        plot::write_atomic(&path, &bytes)?;
        written.push(path);
    }
    plot::write_atomic(&dir.join("index.html"), index_html(format, x).as_bytes())?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_an_example() {
        for &k in Kind::ALL {
            assert_eq!(example(k).kind(), k);
        }
        assert_eq!(example(Kind::Threshold).to_string(), "threshold(threshold=1, value=-1)");
    }

    #[test]
    fn charts_mark_what_they_should() {
        let x = plot::DEFAULT_RANGE;
        let relu = chart(&example(Kind::Relu), x, SIZE).unwrap();
        let kinks = &relu.panels[0].markers[0];
        assert_eq!(kinks.points, [(0.0, 0.0)]);
        assert_eq!(
            relu.panels[1].markers[0].points,
            [(0.0, 0.0)],
            "relu'(0) = 0 as in PyTorch"
        );
        let sigmoid = chart(&example(Kind::Sigmoid), x, SIZE).unwrap();
        let band = sigmoid.panels[0].band.as_ref().unwrap();
        assert_eq!((band.lo, band.hi), (Some(0.0), Some(1.0)));
        let dashed: Vec<_> = sigmoid.panels[0].lines.iter().filter(|l| l.dashed).collect();
        assert_eq!(dashed.len(), 2);
        let step = chart(&example(Kind::Step), x, SIZE).unwrap();
        assert_eq!(step.panels[0].markers[0].points, [(0.0, 0.0)]);
        assert_eq!(step.panels[0].markers[1].points, [(0.0, 1.0)]);
    }

    #[test]
    fn the_page_escapes_and_references_every_picture() {
        let html = index_html(Format::Png, None);
        for &k in Kind::ALL {
            assert!(html.contains(&format!("src=\"{}.png\"", k.name())), "{}", k.name());
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(!html.contains("<script"));
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
