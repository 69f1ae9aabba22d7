//! The lab's charts: line charts (optionally log-scaled, in a grid of panels) and
//! histograms, rendered with plotters into PNG files written atomically.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use crate::plot::render::{colour as color, ensure_font, png_bytes};

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Dashed (reference lines, derivatives, baselines).
    pub dashed: bool,
}

impl Series {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            dashed: false,
        }
    }
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// One panel: a title, axis labels and its series.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub log_y: bool,
    /// Names for the integer x positions 0, 1, … (a categorical axis), if any.
    pub x_names: Option<Vec<String>>,
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

/// Finite bounds of the points (with a margin); positive-only for log scales.
fn bounds(series: &[Series], log_y: bool) -> ((f64, f64), (f64, f64)) {
    let pts = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite() && (!log_y || *y > 0.0));
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        return ((0.0, 1.0), if log_y { (0.1, 1.0) } else { (0.0, 1.0) });
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if log_y {
        if y1 <= y0 {
            y1 = y0 * 10.0;
        }
        ((x0, x1), (y0 / 2.0, y1 * 2.0))
    } else {
        if y1 <= y0 {
            y0 -= 0.5;
            y1 += 0.5;
        }
        let pad = 0.05 * (y1 - y0);
        ((x0, x1), (y0 - pad, y1 + pad))
    }
}

/// A tick label: integers as integers, otherwise 3 significant digits (scientific far
/// from 1).
fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        return s.replace(".0e", "e");
    }
    if (v - v.round()).abs() < 1e-9 * a.max(1.0) {
        return format!("{}", v.round() as i64);
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, panel: &Panel) -> Result<()> {
    let ((x0, x1), (y0, y1)) = bounds(&panel.series, panel.log_y);
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&panel.title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(72);
    macro_rules! body {
        ($chart:ident) => {{
            $chart
                .configure_mesh()
                .x_desc(panel.x_label.as_str())
                .y_desc(panel.y_label.as_str())
                .label_style(("sans-serif", 13))
                .x_label_formatter(&|v| match &panel.x_names {
                    Some(names) if (v - v.round()).abs() < 1e-9 && *v >= 0.0 => {
                        names.get(v.round() as usize).cloned().unwrap_or_default()
                    }
                    Some(_) => String::new(),
                    None => tick(*v),
                })
                .x_labels(panel.x_names.as_ref().map_or(10, |n| n.len()))
                .y_label_formatter(&|v| tick(*v))
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .map_err(err)?;
            for (i, s) in panel.series.iter().enumerate() {
                let c = color(i);
                let pts: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|(x, y)| x.is_finite() && y.is_finite() && (!panel.log_y || *y > 0.0))
                    .collect();
                let style = c.stroke_width(2);
                let anno = if s.dashed {
                    $chart
                        .draw_series(DashedLineSeries::new(pts, 6, 4, style))
                        .map_err(err)?
                } else {
                    $chart.draw_series(LineSeries::new(pts, style)).map_err(err)?
                };
                if !s.label.is_empty() {
                    anno.label(s.label.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
                }
            }
            if panel.series.iter().any(|s| !s.label.is_empty()) {
                $chart
                    .configure_series_labels()
                    .label_font(("sans-serif", 13))
                    .background_style(WHITE.mix(0.85))
                    .border_style(RGBColor(180, 180, 180))
                    .position(SeriesLabelPosition::UpperRight)
                    .draw()
                    .map_err(err)?;
            }
        }};
    }
    if panel.log_y {
        let mut chart = builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale()).map_err(err)?;
        body!(chart);
    } else {
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        body!(chart);
    }
    Ok(())
}

/// Renders `panels` in a grid of `cols` columns into a PNG at `path` (atomically).
pub fn panels_png(path: &Path, panels: &[Panel], cols: usize, panel_size: (u32, u32)) -> Result<()> {
    ensure_font();
    let cols = cols.max(1).min(panels.len().max(1));
    let rows = panels.len().div_ceil(cols).max(1);
    let (w, h) = (panel_size.0 * cols as u32, panel_size.1 * rows as u32);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((rows, cols));
        for (area, panel) in areas.iter().zip(panels) {
            draw_panel(area, panel)?;
        }
        root.present().map_err(err)?;
    }
    write_png(path, w, h, buf)
}

/// One panel as a PNG.
pub fn line_png(path: &Path, panel: &Panel, size: (u32, u32)) -> Result<()> {
    panels_png(path, std::slice::from_ref(panel), 1, size)
}

/// Histograms (as outlined step lines) of several samples, over `range` in `bins` bins,
/// normalised to densities.
pub fn histogram_series(label: &str, values: &[f64], range: (f64, f64), bins: usize) -> Series {
    let mut counts = vec![0usize; bins];
    let width = (range.1 - range.0) / bins as f64;
    for &v in values {
        if v.is_finite() && v >= range.0 && v < range.1 {
            counts[((v - range.0) / width) as usize] += 1;
        }
    }
    let total = values.len().max(1) as f64;
    let mut points = Vec::with_capacity(2 * bins + 2);
    for (i, &c) in counts.iter().enumerate() {
        let d = c as f64 / total / width;
        points.push((range.0 + i as f64 * width, d));
        points.push((range.0 + (i + 1) as f64 * width, d));
    }
    Series::new(label, points)
}

/// Encodes an RGB buffer as PNG and writes it atomically.
pub fn write_png(path: &Path, w: u32, h: u32, rgb: Vec<u8>) -> Result<()> {
    super::write_atomic(path, &png_bytes(&rgb, w, h)?)
}
