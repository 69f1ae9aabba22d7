//! Charts drawn with plotters, into PNG (bitmap backend, encoded by `png`) or SVG.
//!
//! Text is drawn with an embedded DejaVu Sans (a subset: Latin, Greek, arrows and math
//! operators; `assets/`), registered with plotters' `ab_glyph` renderer, so that
//! charts look the same on every machine and need no system fonts.

use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::series::DashedLineSeries;

use super::{jumps, tick, y_bounds, Curve, Format, XRange};

/// The font every chart's text is drawn with.
const FONT: &str = "sans-serif";

/// Registers the embedded font with plotters, once.
pub fn ensure_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let font: &'static [u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");
        // The embedded font is valid (a test draws text with it).
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, font);
    });
}

/// Distinct colours (Tableau 10), in order.
pub fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 10] = [
        RGBColor(78, 121, 167),
        RGBColor(242, 142, 43),
        RGBColor(89, 161, 79),
        RGBColor(225, 87, 89),
        RGBColor(176, 122, 161),
        RGBColor(118, 183, 178),
        RGBColor(156, 117, 95),
        RGBColor(237, 201, 72),
        RGBColor(255, 157, 167),
        RGBColor(186, 176, 172),
    ];
    C[i % C.len()]
}

/// Grey for guides (asymptotes) and axes.
pub const GUIDE: RGBColor = RGBColor(120, 120, 120);
/// Red for kinks and jumps.
pub const MARK: RGBColor = RGBColor(200, 30, 30);

/// A polyline (possibly in pieces) with its legend entry.
#[derive(Clone, Debug)]
pub struct Line {
    pub label: Option<String>,
    pub colour: RGBColor,
    pub dashed: bool,
    pub width: u32,
    /// Whether the panel's y range is fitted to it (guides are not: they are clipped).
    pub fit: bool,
    pub segments: Vec<Vec<(f64, f64)>>,
}

impl Line {
    pub fn new(label: Option<String>, colour: RGBColor, segments: Vec<Vec<(f64, f64)>>) -> Line {
        Line {
            label,
            colour,
            dashed: false,
            width: 2,
            fit: true,
            segments,
        }
    }
}

/// Points marked with circles (kinks, the derivative's value at a kink).
#[derive(Clone, Debug)]
pub struct Markers {
    pub label: Option<String>,
    pub colour: RGBColor,
    pub filled: bool,
    pub points: Vec<(f64, f64)>,
}

/// A horizontal band between `lo` and `hi` (`None`: the panel's edge): the range.
#[derive(Clone, Debug)]
pub struct Band {
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub label: String,
}

/// One panel of a chart.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    pub title: String,
    pub y_desc: String,
    pub lines: Vec<Line>,
    pub markers: Vec<Markers>,
    pub band: Option<Band>,
}

impl Panel {
    /// The y interval shown: fitted to the lines that fit, the markers and the band's
    /// finite edges.
    pub fn y_range(&self) -> (f64, f64) {
        let lines = self
            .lines
            .iter()
            .filter(|l| l.fit)
            .flat_map(|l| l.segments.iter().flatten().map(|p| p.1));
        let marks = self.markers.iter().flat_map(|m| m.points.iter().map(|p| p.1));
        let band = self.band.iter().flat_map(|b| [b.lo, b.hi].into_iter().flatten());
        y_bounds(lines.chain(marks).chain(band))
    }
}

/// A chart: panels stacked vertically over one x range.
#[derive(Clone, Debug)]
pub struct Chart {
    pub title: Option<String>,
    pub x: XRange,
    pub panels: Vec<Panel>,
    pub size: (u32, u32),
}

/// The lines of a curve's function (`derivative` false) or derivative, split at jumps
/// and at non-finite values.
pub fn curve_line(curve: &Curve, derivative: bool, colour: RGBColor) -> Line {
    let ys = if derivative { &curve.dys } else { &curve.ys };
    let breaks = jumps(ys);
    let label = if derivative {
        format!("{}′", curve.label)
    } else {
        curve.label.clone()
    };
    Line::new(Some(label), colour, super::segments(&curve.xs, ys, &breaks))
}

/// `actfn plot`'s chart: every curve in the top panel, their derivatives (same colours)
/// in a second panel below when `derivative`.
pub fn comparison(curves: &[Curve], x: XRange, derivative: bool, size: (u32, u32)) -> Chart {
    let mut top = Panel {
        title: "activation f(x)".to_string(),
        y_desc: "f(x)".to_string(),
        ..Panel::default()
    };
    let mut bottom = Panel {
        title: "derivative f′(x)".to_string(),
        y_desc: "f′(x)".to_string(),
        ..Panel::default()
    };
    for (i, c) in curves.iter().enumerate() {
        top.lines.push(curve_line(c, false, colour(i)));
        bottom.lines.push(curve_line(c, true, colour(i)));
    }
    let mut panels = vec![top];
    if derivative {
        panels.push(bottom);
    }
    Chart {
        title: None,
        x,
        panels,
        size,
    }
}

/// The chart as the bytes of a PNG or SVG file.
pub fn encode(chart: &Chart, format: Format) -> Result<Vec<u8>> {
    ensure_font();
    let (w, h) = chart.size;
    match format {
        Format::Png => {
            let mut rgb = vec![255u8; w as usize * h as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                draw(&root, chart)?;
                root.present().map_err(err)?;
            }
            png_bytes(&rgb, w, h)
        }
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                draw(&root, chart)?;
                root.present().map_err(err)?;
            }
            Ok(svg.into_bytes())
        }
    }
}

/// An 8-bit RGB image as PNG bytes.
pub fn png_bytes(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e}")
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    let area = match &chart.title {
        Some(t) => root.titled(t, (FONT, 20)).map_err(err)?,
        None => root.clone(),
    };
    let areas = area.split_evenly((chart.panels.len().max(1), 1));
    for (panel, a) in chart.panels.iter().zip(&areas) {
        draw_panel(a, panel, chart.x)?;
    }
    Ok(())
}

/// The parts of a polyline inside the box `[x0, x1] × [y0, y1]` (Liang–Barsky on each
/// segment).
pub fn clip(points: &[(f64, f64)], (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let inside = |(x, y): (f64, f64)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y);
    if points.len() == 1 && inside(points[0]) {
        return vec![points.to_vec()];
    }
    for w in points.windows(2) {
        let ((ax, ay), (bx, by)) = (w[0], w[1]);
        let (dx, dy) = (bx - ax, by - ay);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut visible = true;
        for (p, q) in [(-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if !visible || t0 > t1 {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let a = (ax + t0 * dx, ay + t0 * dy);
        let b = (ax + t1 * dx, ay + t1 * dy);
        if cur.last() != Some(&a) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(a);
        }
        cur.push(b);
        if t1 < 1.0 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel, x: XRange) -> Result<()> {
    let (y0, y1) = panel.y_range();
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, 16))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(58)
        .build_cartesian_2d(x.lo..x.hi, y0..y1)
        .map_err(err)?;
    let (x_span, y_span) = (x.hi - x.lo, y1 - y0);
    let x_fmt = move |v: &f64| tick(*v, x_span);
    let y_fmt = move |v: &f64| tick(*v, y_span);
    chart
        .configure_mesh()
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(222, 222, 222))
        .x_labels(9)
        .y_labels(7)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .x_desc("x")
        .y_desc(panel.y_desc.as_str())
        .draw()
        .map_err(err)?;

    if let Some(band) = &panel.band {
        let lo = band.lo.unwrap_or(y0).max(y0);
        let hi = band.hi.unwrap_or(y1).min(y1);
        if lo < hi {
            let fill = RGBColor(78, 121, 167).mix(0.10).filled();
            chart
                .draw_series(std::iter::once(Rectangle::new([(x.lo, lo), (x.hi, hi)], fill)))
                .map_err(err)?
                .label(band.label.as_str())
                .legend(move |(px, py)| Rectangle::new([(px, py - 5), (px + 18, py + 5)], fill));
        }
    }

    // The axes through 0.
    let axis = GUIDE.mix(0.6).stroke_width(1);
    if y0 < 0.0 && 0.0 < y1 {
        chart
            .draw_series(LineSeries::new([(x.lo, 0.0), (x.hi, 0.0)], axis))
            .map_err(err)?;
    }
    if x.lo < 0.0 && 0.0 < x.hi {
        chart
            .draw_series(LineSeries::new([(0.0, y0), (0.0, y1)], axis))
            .map_err(err)?;
    }

    for line in &panel.lines {
        let style = line.colour.stroke_width(line.width);
        let mut labelled = false;
        for seg in &line.segments {
            for piece in clip(seg, (x.lo, x.hi), (y0, y1)) {
                let anno = if line.dashed {
                    chart.draw_series(DashedLineSeries::new(piece, 9, 6, style))
                } else {
                    chart.draw_series(LineSeries::new(piece, style))
                }
                .map_err(err)?;
                if let (Some(label), false) = (&line.label, labelled) {
                    labelled = true;
                    let dashed = line.dashed;
                    // Two strokes: with a gap when dashed, touching when solid.
                    let gap = if dashed { 5 } else { 0 };
                    anno.label(label.as_str()).legend(move |(px, py)| {
                        EmptyElement::at((px, py))
                            + PathElement::new(vec![(0, 0), (7, 0)], style)
                            + PathElement::new(vec![(7 + gap, 0), (18, 0)], style)
                    });
                }
            }
        }
    }

    for m in &panel.markers {
        let style = if m.filled {
            m.colour.filled()
        } else {
            m.colour.stroke_width(2)
        };
        let pts: Vec<(f64, f64)> = m
            .points
            .iter()
            .copied()
            .filter(|&(px, py)| x.contains(px) && (y0..=y1).contains(&py))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let anno = chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, 5, style)))
            .map_err(err)?;
        if let Some(label) = &m.label {
            anno.label(label.as_str())
                .legend(move |(px, py)| Circle::new((px + 9, py), 5, style));
        }
    }

    let any_label = panel.lines.iter().any(|l| l.label.is_some())
        || panel.markers.iter().any(|m| m.label.is_some())
        || panel.band.is_some();
    if any_label {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 13))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_the_inside() {
        let pts = [(0.0, 0.0), (2.0, 2.0), (4.0, 0.0)];
        let parts = clip(&pts, (0.0, 4.0), (0.0, 1.0));
        assert_eq!(parts, vec![vec![(0.0, 0.0), (1.0, 1.0)], vec![(3.0, 1.0), (4.0, 0.0)]]);
        let all = clip(&pts, (0.0, 4.0), (0.0, 2.0));
        assert_eq!(all, vec![pts.to_vec()]);
        assert!(clip(&[(0.0, 5.0), (1.0, 5.0)], (0.0, 1.0), (0.0, 1.0)).is_empty());
    }

    #[test]
    fn the_font_draws_pixels() {
        let chart = Chart {
            title: Some("Φ σ x·y".to_string()),
            x: XRange { lo: -1.0, hi: 1.0 },
            panels: vec![],
            size: (200, 80),
        };
        let bytes = encode(&chart, Format::Png).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).unwrap();
        let dark = buf.chunks(3).filter(|p| p.iter().all(|&c| c < 128)).count();
        assert!(dark > 30, "the title drew {dark} dark pixels");
    }
}
