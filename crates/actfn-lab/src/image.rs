//! Images for the lab's implicit neural representations (`actfn lab siren`): PNG and
//! JPEG decoding (grey, grey + alpha, RGB, RGBA, palette; 8 or 16 bits), conversion to
//! grey, a centred square crop, resizing (area average when shrinking, bilinear when
//! enlarging), PNG encoding, and the CC0 "camera" photograph shipped in the binary.
//!
//! An [`Image`] holds `f32` samples in `[0, 1]`, row-major, channels interleaved (1 for
//! grey, 3 for RGB; alpha is dropped).

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};

/// The CC0 "camera" photograph (Lav Varshney; scikit-image ≥ 0.18), 256×256 grey,
/// area-averaged from the 512×512 original. Notice: `crates/actfn-lab/data/camera/README.md`.
pub const CAMERA_PNG: &[u8] = include_bytes!("../data/camera/camera.png");

/// The largest width or height the decoders accept (larger files are refused before
/// their pixels are allocated).
pub const MAX_SIDE: usize = 16_384;

/// A picture: `height` rows of `width` pixels of `channels` samples in `[0, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Row-major, channels interleaved.
    pub data: Vec<f32>,
}

impl Image {
    /// An image from its samples (checked: `channels` is 1 or 3, the length fits).
    pub fn new(width: usize, height: usize, channels: usize, data: Vec<f32>) -> Result<Image> {
        ensure!(
            channels == 1 || channels == 3,
            "an image has 1 or 3 channels, not {channels}"
        );
        ensure!(
            data.len() == width * height * channels,
            "{} samples for a {width}×{height} image of {channels} channel(s)",
            data.len()
        );
        Ok(Image {
            width,
            height,
            channels,
            data,
        })
    }

    /// The shipped camera photograph (256×256, grey).
    pub fn camera() -> Image {
        // The embedded file is a valid PNG (the tests decode it).
        Image::decode(CAMERA_PNG).expect("the embedded camera image decodes")
    }

    /// Reads a PNG or JPEG file (recognised by its first bytes, not its name).
    pub fn open(path: &Path) -> Result<Image> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read image {}", path.display()))?;
        Image::decode(&bytes).with_context(|| format!("cannot decode image {}", path.display()))
    }

    /// Decodes PNG or JPEG bytes.
    pub fn decode(bytes: &[u8]) -> Result<Image> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            decode_png(bytes)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            decode_jpeg(bytes)
        } else if bytes.is_empty() {
            bail!("the file is empty")
        } else {
            bail!("not a PNG or JPEG image")
        }
    }

    /// Number of pixels.
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    /// Grey levels (scikit-image's `rgb2gray` weights 0.2125 R + 0.7154 G + 0.0721 B for
    /// colour images).
    pub fn to_grey(&self) -> Image {
        if self.channels == 1 {
            return self.clone();
        }
        let data = self
            .data
            .chunks_exact(3)
            .map(|p| 0.2125 * p[0] + 0.7154 * p[1] + 0.0721 * p[2])
            .collect();
        Image {
            width: self.width,
            height: self.height,
            channels: 1,
            data,
        }
    }

    /// The largest centred square.
    pub fn square_crop(&self) -> Image {
        let side = self.width.min(self.height);
        let (x0, y0) = ((self.width - side) / 2, (self.height - side) / 2);
        let c = self.channels;
        let mut data = Vec::with_capacity(side * side * c);
        for y in y0..y0 + side {
            let row = (y * self.width + x0) * c;
            data.extend_from_slice(&self.data[row..row + side * c]);
        }
        Image {
            width: side,
            height: side,
            channels: c,
            data,
        }
    }

    /// Resized to `width × height`: each axis by area averaging when it shrinks (a box
    /// filter with fractional coverage) and bilinear interpolation between pixel centres
    /// when it grows.
    pub fn resize(&self, width: usize, height: usize) -> Result<Image> {
        ensure!(width > 0 && height > 0, "cannot resize to {width}×{height}");
        ensure!(self.width > 0 && self.height > 0, "cannot resize an empty image");
        let c = self.channels;
        let wx = weights_1d(self.width, width);
        let wy = weights_1d(self.height, height);
        // Rows first: height × width (new) × c.
        let mut rows = vec![0f32; self.height * width * c];
        for y in 0..self.height {
            for (x, taps) in wx.iter().enumerate() {
                for ch in 0..c {
                    let mut acc = 0f64;
                    for &(i, w) in taps {
                        acc += w * self.data[(y * self.width + i) * c + ch] as f64;
                    }
                    rows[(y * width + x) * c + ch] = acc as f32;
                }
            }
        }
        let mut data = vec![0f32; height * width * c];
        for (y, taps) in wy.iter().enumerate() {
            for x in 0..width {
                for ch in 0..c {
                    let mut acc = 0f64;
                    for &(i, w) in taps {
                        acc += w * rows[(i * width + x) * c + ch] as f64;
                    }
                    data[(y * width + x) * c + ch] = acc.clamp(0.0, 1.0) as f32;
                }
            }
        }
        Ok(Image {
            width,
            height,
            channels: c,
            data,
        })
    }

    /// 8-bit PNG bytes (grey or RGB).
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bytes, self.width as u32, self.height as u32);
            enc.set_color(if self.channels == 1 {
                png::ColorType::Grayscale
            } else {
                png::ColorType::Rgb
            });
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header()?;
            let pixels: Vec<u8> = self
                .data
                .iter()
                .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
                .collect();
            writer.write_image_data(&pixels)?;
        }
        Ok(bytes)
    }
}

/// For each of `n_out` output positions, the input positions and weights that make it.
fn weights_1d(n_in: usize, n_out: usize) -> Vec<Vec<(usize, f64)>> {
    let scale = n_in as f64 / n_out as f64;
    (0..n_out)
        .map(|o| {
            if n_out <= n_in {
                // Box [o·s, (o+1)·s) with fractional coverage of the end pixels.
                let (a, b) = (o as f64 * scale, (o + 1) as f64 * scale);
                let mut taps = Vec::new();
                let mut i = a.floor() as usize;
                while (i as f64) < b && i < n_in {
                    let overlap = (b.min((i + 1) as f64) - a.max(i as f64)).max(0.0);
                    if overlap > 0.0 {
                        taps.push((i, overlap / scale));
                    }
                    i += 1;
                }
                taps
            } else {
                let src = ((o as f64 + 0.5) * scale - 0.5).clamp(0.0, (n_in - 1) as f64);
                let lo = src.floor() as usize;
                let hi = (lo + 1).min(n_in - 1);
                let f = src - lo as f64;
                if hi == lo || f == 0.0 {
                    vec![(lo, 1.0)]
                } else {
                    vec![(lo, 1.0 - f), (hi, f)]
                }
            }
        })
        .collect()
}

fn check_side(width: usize, height: usize) -> Result<()> {
    ensure!(width > 0 && height > 0, "the image has no pixels ({width}×{height})");
    ensure!(
        width <= MAX_SIDE && height <= MAX_SIDE,
        "the image is {width}×{height}; at most {MAX_SIDE} pixels a side are accepted"
    );
    Ok(())
}

fn decode_png(bytes: &[u8]) -> Result<Image> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(|e| anyhow::anyhow!("PNG: {e}"))?;
    let (width, height) = (reader.info().width as usize, reader.info().height as usize);
    check_side(width, height)?;
    let mut buf = vec![0u8; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(|e| anyhow::anyhow!("PNG: {e}"))?;
    let (color, depth) = reader.output_color_type();
    let samples = color.samples();
    let values: Vec<f32> = match depth {
        png::BitDepth::Sixteen => buf[..frame.buffer_size()]
            .chunks_exact(2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as f32 / 65535.0)
            .collect(),
        png::BitDepth::Eight => buf[..frame.buffer_size()].iter().map(|&b| b as f32 / 255.0).collect(),
        other => bail!("PNG: unexpected bit depth {other:?} after expansion"),
    };
    let line = frame.line_size / if depth == png::BitDepth::Sixteen { 2 } else { 1 };
    let keep = match color {
        png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => 1,
        png::ColorType::Rgb | png::ColorType::Rgba => 3,
        png::ColorType::Indexed => bail!("PNG: palette not expanded"),
    };
    let mut data = Vec::with_capacity(width * height * keep);
    for y in 0..height {
        let row = &values[y * line..y * line + width * samples];
        for px in row.chunks_exact(samples) {
            data.extend_from_slice(&px[..keep]);
        }
    }
    Image::new(width, height, keep, data)
}

fn decode_jpeg(bytes: &[u8]) -> Result<Image> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| anyhow::anyhow!("JPEG: {e:?}"))?;
    let (width, height) = decoder.dimensions().context("JPEG: no dimensions")?;
    check_side(width, height)?;
    let grey_source = decoder.info().is_some_and(|i| i.components == 1);
    let pixels = decoder.decode().map_err(|e| anyhow::anyhow!("JPEG: {e:?}"))?;
    let channels = match decoder.output_colorspace() {
        Some(ColorSpace::Luma) => 1,
        Some(ColorSpace::RGB) => 3,
        other => bail!("JPEG: unexpected output colour space {other:?}"),
    };
    ensure!(pixels.len() == width * height * channels, "JPEG: truncated pixel data");
    let data: Vec<f32> = pixels.iter().map(|&b| b as f32 / 255.0).collect();
    let image = Image::new(width, height, channels, data)?;
    // A grey JPEG comes back as three equal channels: keep one.
    Ok(if grey_source && channels == 3 {
        image.to_grey()
    } else {
        image
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one() {
        for (a, b) in [(512, 256), (256, 64), (100, 33), (7, 3), (3, 7), (16, 64), (5, 5)] {
            for taps in weights_1d(a, b) {
                let s: f64 = taps.iter().map(|t| t.1).sum();
                assert!((s - 1.0).abs() < 1e-12, "{a}→{b}: {s}");
            }
        }
    }

    #[test]
    fn resize_averages_blocks() {
        let img = Image::new(4, 2, 1, vec![0.0, 1.0, 0.5, 0.5, 1.0, 0.0, 0.25, 0.75]).unwrap();
        let small = img.resize(2, 1).unwrap();
        assert_eq!(small.data, vec![0.5, 0.5]);
        let same = img.resize(4, 2).unwrap();
        assert_eq!(same.data, img.data);
    }

    #[test]
    fn png_round_trip_and_crop() {
        let data: Vec<f32> = (0..6 * 4 * 3).map(|i| (i % 256) as f32 / 255.0).collect();
        let img = Image::new(6, 4, 3, data).unwrap();
        let back = Image::decode(&img.to_png().unwrap()).unwrap();
        assert_eq!((back.width, back.height, back.channels), (6, 4, 3));
        for (a, b) in back.data.iter().zip(&img.data) {
            assert!((a - b).abs() < 0.5 / 255.0);
        }
        let sq = img.square_crop();
        assert_eq!((sq.width, sq.height), (4, 4));
        assert_eq!(sq.data[..3], img.data[3..6]);
    }
}
