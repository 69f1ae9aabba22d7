//! Figures of images for the SIREN experiments: fields (values, gradient norms,
//! Laplacians) rendered as tiles with colour maps, laid out in a titled grid and written
//! as one PNG.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use crate::lab::chart;

/// One picture of the grid, RGB, with its title.
#[derive(Clone, Debug)]
pub struct Tile {
    pub title: String,
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

fn byte(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Grey levels: `lo` black, `hi` white (`channels` 1, or 3 for colour values).
pub fn grey(
    title: impl Into<String>,
    values: &[f32],
    width: usize,
    height: usize,
    channels: usize,
    lo: f64,
    hi: f64,
) -> Tile {
    let scale = |v: f32| byte((v as f64 - lo) / (hi - lo));
    let rgb = if channels == 3 {
        values.iter().map(|&v| scale(v)).collect()
    } else {
        values.iter().flat_map(|&v| [scale(v); 3]).collect()
    };
    Tile {
        title: title.into(),
        width,
        height,
        rgb,
    }
}

/// A magnitude (≥ 0) from black (0) through purple and orange to light yellow (`vmax`):
/// an inferno-like map.
pub fn magnitude(title: impl Into<String>, values: &[f32], width: usize, height: usize, vmax: f64) -> Tile {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [0.0, 0.0, 0.02]),
        (0.25, [0.34, 0.06, 0.43]),
        (0.5, [0.73, 0.21, 0.33]),
        (0.75, [0.98, 0.55, 0.04]),
        (1.0, [0.99, 1.0, 0.64]),
    ];
    let rgb = values
        .iter()
        .flat_map(|&v| {
            let t = (v as f64 / vmax.max(1e-30)).clamp(0.0, 1.0);
            let k = STOPS.iter().position(|s| s.0 >= t).unwrap_or(4).max(1);
            let ((t0, c0), (t1, c1)) = (STOPS[k - 1], STOPS[k]);
            let f = (t - t0) / (t1 - t0);
            [0, 1, 2].map(|i| byte(c0[i] + f * (c1[i] - c0[i])))
        })
        .collect();
    Tile {
        title: title.into(),
        width,
        height,
        rgb,
    }
}

/// A signed field: blue (−`vmax`), white (0), red (+`vmax`).
pub fn diverging(title: impl Into<String>, values: &[f32], width: usize, height: usize, vmax: f64) -> Tile {
    let rgb = values
        .iter()
        .flat_map(|&v| {
            let t = (v as f64 / vmax.max(1e-30)).clamp(-1.0, 1.0);
            let (blue, red) = ([0.02, 0.19, 0.38], [0.40, 0.0, 0.05]);
            let c = if t >= 0.0 { red } else { blue };
            let a = t.abs();
            [0, 1, 2].map(|i| byte(1.0 + a * (c[i] - 1.0)))
        })
        .collect();
    Tile {
        title: title.into(),
        width,
        height,
        rgb,
    }
}

/// The `q`-quantile (0..1) of `|v|`.
pub fn abs_quantile(values: &[f32], q: f64) -> f64 {
    let mut a: Vec<f32> = values.iter().map(|v| v.abs()).filter(|v| v.is_finite()).collect();
    if a.is_empty() {
        return 1.0;
    }
    a.sort_by(|x, y| x.total_cmp(y));
    a[((a.len() - 1) as f64 * q).round() as usize] as f64
}

/// Lays `tiles` out in rows of `cols`, each enlarged `zoom` times (nearest neighbour)
/// under its title, and writes the PNG at `path`.
pub fn tiles_png(path: &Path, tiles: &[Tile], cols: usize, zoom: usize) -> Result<()> {
    crate::plot::render::ensure_font();
    let cols = cols.max(1).min(tiles.len().max(1));
    let rows = tiles.len().div_ceil(cols).max(1);
    let zoom = zoom.max(1);
    let cell_w = tiles.iter().map(|t| t.width * zoom).max().unwrap_or(1).max(120);
    let cell_h = tiles.iter().map(|t| t.height * zoom).max().unwrap_or(1);
    let (pad, title_h) = (8usize, 24usize);
    let (w, h) = (cols * (cell_w + pad) + pad, rows * (cell_h + title_h + pad) + pad);
    let mut buf = vec![255u8; w * h * 3];
    let mut origins = Vec::new();
    for (i, t) in tiles.iter().enumerate() {
        let (col, row) = (i % cols, i / cols);
        let x0 = pad + col * (cell_w + pad) + (cell_w - t.width * zoom) / 2;
        let y0 = pad + row * (cell_h + title_h + pad) + title_h;
        for y in 0..t.height * zoom {
            for x in 0..t.width * zoom {
                let src = ((y / zoom) * t.width + x / zoom) * 3;
                let dst = ((y0 + y) * w + x0 + x) * 3;
                buf[dst..dst + 3].copy_from_slice(&t.rgb[src..src + 3]);
            }
        }
        origins.push((pad + col * (cell_w + pad), y0 - title_h));
    }
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w as u32, h as u32)).into_drawing_area();
        let style = TextStyle::from(("sans-serif", 15).into_font()).color(&BLACK);
        for (t, &(x, y)) in tiles.iter().zip(&origins) {
            root.draw_text(&t.title, &style, (x as i32 + 2, y as i32 + 4))
                .map_err(|e| anyhow!("drawing a title: {e}"))?;
        }
        root.present().map_err(|e| anyhow!("drawing a figure: {e}"))?;
    }
    chart::write_png(path, w as u32, h as u32, buf)
}
