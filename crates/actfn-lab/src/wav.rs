//! WAV files for the lab's audio fitting (`actfn lab siren-audio --wav PATH`): reading
//! RIFF/WAVE with integer PCM (8, 16, 24, 32 bits) or IEEE float (32, 64 bits), plain or
//! `WAVE_FORMAT_EXTENSIBLE`, any number of channels (averaged to mono); writing mono
//! 16-bit PCM.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};

/// A mono signal: samples (in `[-1, 1]` for integer PCM) at `rate` samples per second.
#[derive(Clone, Debug, PartialEq)]
pub struct Audio {
    pub rate: u32,
    pub samples: Vec<f32>,
}

/// The most samples (per channel) a file may hold: 2^26 (about 25 minutes at 44.1 kHz).
pub const MAX_SAMPLES: usize = 1 << 26;

impl Audio {
    /// Reads a WAV file, channels averaged to mono.
    pub fn open(path: &Path) -> Result<Audio> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read WAV file {}", path.display()))?;
        Audio::decode(&bytes).with_context(|| format!("cannot decode WAV file {}", path.display()))
    }

    /// Decodes WAV bytes, channels averaged to mono.
    pub fn decode(bytes: &[u8]) -> Result<Audio> {
        ensure!(
            bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
            "not a RIFF/WAVE file"
        );
        let mut pos = 12;
        let mut format: Option<(u16, u16, u32, u16)> = None; // (tag, channels, rate, bits)
        let mut data: Option<&[u8]> = None;
        while pos + 8 <= bytes.len() {
            let id = &bytes[pos..pos + 4];
            let len = u32::from_le_bytes([bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]]) as usize;
            let body = &bytes[pos + 8..(pos + 8).saturating_add(len).min(bytes.len())];
            match id {
                b"fmt " => {
                    ensure!(body.len() >= 16, "the fmt chunk is {} bytes, too short", body.len());
                    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
                    let mut tag = u16_at(0);
                    if tag == 0xFFFE {
                        ensure!(body.len() >= 26, "WAVE_FORMAT_EXTENSIBLE without its sub-format");
                        tag = u16_at(24);
                    }
                    let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
                    format = Some((tag, u16_at(2), rate, u16_at(14)));
                }
                b"data" => data = Some(body),
                _ => {}
            }
            pos = pos + 8 + len + (len & 1);
        }
        let (tag, channels, rate, bits) = format.context("no fmt chunk")?;
        let data = data.context("no data chunk")?;
        ensure!(channels > 0, "the file has no channels");
        ensure!(rate > 0, "the sample rate is 0");
        let width = match (tag, bits) {
            (1, 8 | 16 | 24 | 32) | (3, 32 | 64) => bits as usize / 8,
            (1 | 3, _) => bail!("{bits}-bit samples are not supported"),
            _ => bail!("format tag {tag} is not supported (only integer PCM and IEEE float)"),
        };
        let frame = width * channels as usize;
        let frames = data.len() / frame;
        ensure!(frames > 0, "the data chunk holds no samples");
        ensure!(
            frames <= MAX_SAMPLES,
            "the file holds {frames} samples; at most {MAX_SAMPLES} are accepted"
        );
        let sample = |b: &[u8]| -> f64 {
            match (tag, width) {
                (1, 1) => (b[0] as f64 - 128.0) / 128.0,
                (1, 2) => i16::from_le_bytes([b[0], b[1]]) as f64 / 32768.0,
                (1, 3) => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f64 / 8_388_608.0,
                (1, _) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64 / 2_147_483_648.0,
                (_, 4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
                _ => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
            }
        };
        let samples = data
            .chunks_exact(frame)
            .map(|f| (f.chunks_exact(width).map(sample).sum::<f64>() / channels as f64) as f32)
            .collect();
        Ok(Audio { rate, samples })
    }

    /// Mono 16-bit PCM WAV bytes (samples clamped to `[-1, 1]`).
    pub fn to_wav(&self) -> Vec<u8> {
        let n = self.samples.len();
        let mut out = Vec::with_capacity(44 + 2 * n);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&((36 + 2 * n) as u32).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&self.rate.to_le_bytes());
        out.extend_from_slice(&(self.rate * 2).to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&((2 * n) as u32).to_le_bytes());
        for &s in &self.samples {
            out.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_16_bit() {
        let a = Audio {
            rate: 8000,
            samples: vec![0.0, 0.5, -0.5, 1.0, -1.0],
        };
        let b = Audio::decode(&a.to_wav()).unwrap();
        assert_eq!(b.rate, 8000);
        for (x, y) in a.samples.iter().zip(&b.samples) {
            assert!((x - y).abs() < 1e-4, "{x} {y}");
        }
    }

    #[test]
    fn stereo_float_is_averaged() {
        let mut w = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        w.extend_from_slice(&16u32.to_le_bytes());
        w.extend_from_slice(&3u16.to_le_bytes());
        w.extend_from_slice(&2u16.to_le_bytes());
        w.extend_from_slice(&44100u32.to_le_bytes());
        w.extend_from_slice(&(44100u32 * 8).to_le_bytes());
        w.extend_from_slice(&8u16.to_le_bytes());
        w.extend_from_slice(&32u16.to_le_bytes());
        w.extend_from_slice(b"data");
        w.extend_from_slice(&16u32.to_le_bytes());
        for v in [0.5f32, 0.25, -1.0, 0.0] {
            w.extend_from_slice(&v.to_le_bytes());
        }
        let a = Audio::decode(&w).unwrap();
        assert_eq!(a.samples, vec![0.375, -0.5]);
        assert!(Audio::decode(b"RIFF....WAVX").is_err());
    }
}
