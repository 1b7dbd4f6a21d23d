//! Image datasets: idx / idx.gz decoding with validation, normalisation to [−1, 1] and
//! shuffled batches.
//!
//! Everything here takes bytes rather than paths so the page can hand over what it fetched;
//! a malformed file is always an `Err`, never a panic.

use std::io::Read;

use burn::tensor::{Device, Tensor, TensorData};
use flate2::read::MultiGzDecoder;
use rand::seq::SliceRandom;

use crate::latent;

/// Why an idx file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("idx file is {0} bytes, too short for a header")]
    TooShort(usize),
    #[error("not an idx file: magic bytes {0:02x?} (expected 00 00 08 <dims>)")]
    BadMagic([u8; 4]),
    #[error("idx element type 0x{0:02x} is not unsigned bytes (0x08)")]
    UnsupportedType(u8),
    #[error("idx file declares {0} dimensions; expected 1 to 4")]
    BadRank(u8),
    #[error("idx dimension {index} is zero")]
    ZeroDimension { index: usize },
    #[error("idx header says {expected} bytes of data but the file has {actual}")]
    WrongLength { expected: usize, actual: usize },
    #[error("gzip stream is corrupt: {0}")]
    Gzip(String),
    #[error("the idx data is over {} MiB, the most this reader takes", .0 >> 20)]
    TooLarge(usize),
    #[error("{0}")]
    Shape(String),
}

/// Enough for the full 60k-image sets at 64×64 RGB, and a bound on a gzip bomb.
pub const MAX_DECODED: usize = 1 << 30;

/// A decoded idx file of unsigned bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Idx {
    pub dims: Vec<usize>,
    pub data: Vec<u8>,
}

/// Decodes an idx file, gunzipping first when the bytes start with the gzip magic (every
/// member of a multi-member stream, as `cat a.gz b.gz`, pigz and bgzip write).
pub fn parse_idx(bytes: &[u8]) -> Result<Idx, DataError> {
    parse_idx_within(bytes, MAX_DECODED)
}

/// [`parse_idx`] with at most `max` bytes of data (the page's memory is smaller than a
/// process's): a larger file, or a gzip stream that inflates past it, is refused before
/// more than `max` bytes are held.
pub fn parse_idx_within(bytes: &[u8], max: usize) -> Result<Idx, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut raw = Vec::new();
        MultiGzDecoder::new(bytes)
            .take(max as u64 + 64)
            .read_to_end(&mut raw)
            .map_err(|e| DataError::Gzip(e.to_string()))?;
        if raw.len() > max + 4 + 4 * 4 {
            return Err(DataError::TooLarge(max));
        }
        return parse_raw_idx(&raw, max);
    }
    parse_raw_idx(bytes, max)
}

fn parse_raw_idx(bytes: &[u8], max: usize) -> Result<Idx, DataError> {
    if bytes.len() < 4 {
        return Err(DataError::TooShort(bytes.len()));
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if magic[0] != 0 || magic[1] != 0 {
        return Err(DataError::BadMagic(magic));
    }
    if magic[2] != 0x08 {
        return Err(DataError::UnsupportedType(magic[2]));
    }
    let rank = magic[3];
    if !(1..=4).contains(&rank) {
        return Err(DataError::BadRank(rank));
    }
    let header = 4 + 4 * rank as usize;
    if bytes.len() < header {
        return Err(DataError::TooShort(bytes.len()));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    if let Some(index) = dims.iter().position(|d| *d == 0) {
        return Err(DataError::ZeroDimension { index });
    }
    let expected = dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .filter(|n| *n <= max)
        .ok_or(DataError::TooLarge(max))?;
    let actual = bytes.len() - header;
    if actual != expected {
        return Err(DataError::WrongLength { expected, actual });
    }
    Ok(Idx {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Encodes bytes as an uncompressed idx file (used to write dataset subsets).
pub fn write_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&(*d as u32).to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// A set of same-sized images, stored as bytes in NCHW order, with optional labels.
#[derive(Clone, Debug)]
pub struct ImageSet {
    pub count: usize,
    pub channels: usize,
    pub size: usize,
    pub pixels: Vec<u8>,
    pub labels: Option<Vec<u8>>,
}

impl ImageSet {
    /// From an idx of `[n, h, w]` (grey) or `[n, h, w, c]` (colour, channels last as stored
    /// by the idx convention), square images only; labels, when given, must be `[n]`.
    pub fn from_idx(images: Idx, labels: Option<Idx>) -> Result<Self, DataError> {
        let (count, h, w, c) = match images.dims.as_slice() {
            [n, h, w] => (*n, *h, *w, 1),
            [n, h, w, c] if *c == 1 || *c == 3 => (*n, *h, *w, *c),
            dims => {
                return Err(DataError::Shape(format!(
                    "images must be [n, h, w] or [n, h, w, 1|3], got {dims:?}"
                )));
            }
        };
        if h != w {
            return Err(DataError::Shape(format!(
                "images must be square, got {h}x{w}"
            )));
        }
        let labels = match labels {
            None => None,
            Some(idx) if idx.dims == [count] => Some(idx.data),
            Some(idx) => {
                return Err(DataError::Shape(format!(
                    "labels must be [{count}] to match the images, got {:?}",
                    idx.dims
                )));
            }
        };
        let pixels = if c == 1 {
            images.data
        } else {
            // HWC → CHW per image.
            let mut out = vec![0u8; images.data.len()];
            let plane = h * w;
            for (i, img) in images.data.chunks_exact(plane * c).enumerate() {
                for (p, px) in img.chunks_exact(c).enumerate() {
                    for (ch, v) in px.iter().enumerate() {
                        out[i * plane * c + ch * plane + p] = *v;
                    }
                }
            }
            out
        };
        Ok(ImageSet {
            count,
            channels: c,
            size: h,
            pixels,
            labels,
        })
    }

    /// Decodes an images file and an optional labels file (each idx or idx.gz).
    pub fn from_idx_bytes(images: &[u8], labels: Option<&[u8]>) -> Result<Self, DataError> {
        ImageSet::from_idx(parse_idx(images)?, labels.map(parse_idx).transpose()?)
    }

    /// Images from idx bytes holding at most `max` bytes of pixels (see [`parse_idx_within`]).
    pub fn from_idx_bytes_within(images: &[u8], max: usize) -> Result<Self, DataError> {
        ImageSet::from_idx(parse_idx_within(images, max)?, None)
    }

    /// The images as an uncompressed idx file, `[n, h, w]` or `[n, h, w, 3]` (the inverse of
    /// [`ImageSet::from_idx`]; labels are not written).
    pub fn to_idx(&self) -> Vec<u8> {
        let (n, c, s) = (self.count, self.channels, self.size);
        if c == 1 {
            return write_idx(&[n, s, s], &self.pixels);
        }
        let plane = s * s;
        let mut hwc = vec![0u8; self.pixels.len()];
        for (i, image) in self.pixels.chunks_exact(plane * c).enumerate() {
            for (ch, values) in image.chunks_exact(plane).enumerate() {
                for (p, v) in values.iter().enumerate() {
                    hwc[(i * plane + p) * c + ch] = *v;
                }
            }
        }
        write_idx(&[n, s, s, c], &hwc)
    }

    /// The first `n` images (all if fewer).
    pub fn take(mut self, n: usize) -> Self {
        let n = n.min(self.count);
        self.pixels.truncate(n * self.image_len());
        if let Some(labels) = &mut self.labels {
            labels.truncate(n);
        }
        self.count = n;
        self
    }

    pub fn image_len(&self) -> usize {
        self.channels * self.size * self.size
    }

    /// Centres each image on a larger canvas filled with the background (byte 0), e.g. 28 → 32.
    pub fn pad_to(&self, size: usize) -> Result<Self, DataError> {
        if size < self.size {
            return Err(DataError::Shape(format!(
                "cannot pad {0}x{0} images down to {size}x{size}",
                self.size
            )));
        }
        let off = (size - self.size) / 2;
        let mut pixels = vec![0u8; self.count * self.channels * size * size];
        for (plane_index, plane) in self.pixels.chunks_exact(self.size * self.size).enumerate() {
            let base = plane_index * size * size;
            for (y, row) in plane.chunks_exact(self.size).enumerate() {
                let start = base + (y + off) * size + off;
                pixels[start..start + self.size].copy_from_slice(row);
            }
        }
        Ok(ImageSet {
            size,
            pixels,
            ..self.clone()
        })
    }

    /// The images at `size` pixels: as they are, centred on a 32-pixel canvas (28 → 32), and/or
    /// each pixel doubled (32 → 64), so every model size trains on every shipped set, in the
    /// CLI and the page alike.
    pub fn fit_to(&self, size: usize) -> Result<Self, DataError> {
        match (self.size, size) {
            (a, b) if a == b => Ok(self.clone()),
            (28, 32) => self.pad_to(32),
            (32, 64) => Ok(self.doubled()),
            (28, 64) => Ok(self.pad_to(32)?.doubled()),
            (a, b) => Err(DataError::Shape(format!(
                "{a}×{a} images cannot be fitted to {b}×{b} (only 28 → 32, 32 → 64 and 28 → 64)"
            ))),
        }
    }

    /// Each pixel as a 2×2 block.
    fn doubled(&self) -> Self {
        let s = self.size;
        let mut pixels = Vec::with_capacity(self.pixels.len() * 4);
        for row in self.pixels.chunks_exact(s) {
            let wide: Vec<u8> = row.iter().flat_map(|&p| [p, p]).collect();
            pixels.extend_from_slice(&wide);
            pixels.extend_from_slice(&wide);
        }
        ImageSet {
            size: 2 * s,
            pixels,
            ..self.clone()
        }
    }

    /// Images `indices` as a `[n, c, s, s]` tensor scaled from bytes to [−1, 1] (tanh's range).
    pub fn batch(&self, indices: &[usize], device: &Device) -> Tensor<4> {
        let len = self.image_len();
        let mut values = Vec::with_capacity(indices.len() * len);
        for &i in indices {
            values.extend(
                self.pixels[i * len..(i + 1) * len]
                    .iter()
                    .map(|b| normalise(*b)),
            );
        }
        Tensor::from_data(
            TensorData::new(values, [indices.len(), self.channels, self.size, self.size]),
            device,
        )
    }
}

/// Byte → [−1, 1].
pub fn normalise(byte: u8) -> f32 {
    byte as f32 / 127.5 - 1.0
}

/// [−1, 1] → byte, for writing images.
pub fn denormalise(value: f32) -> u8 {
    ((value.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8
}

/// Images `[count, channels, size, size]` in [−1, 1] → RGBA bytes, image after image, each
/// row-major `size × size × 4` (grey repeats into R, G and B; alpha is opaque). This is the
/// layout of a canvas `ImageData`.
pub fn to_rgba(values: &[f32], channels: usize, size: usize) -> Result<Vec<u8>, DataError> {
    let plane = size * size;
    if !(channels == 1 || channels == 3)
        || plane == 0
        || !values.len().is_multiple_of(channels * plane)
    {
        return Err(DataError::Shape(format!(
            "{} values are not whole {channels}×{size}×{size} images",
            values.len()
        )));
    }
    let count = values.len() / (channels * plane);
    let mut out = Vec::with_capacity(count * plane * 4);
    for image in values.chunks_exact(channels * plane) {
        for p in 0..plane {
            for c in 0..3 {
                out.push(denormalise(image[(c % channels) * plane + p]));
            }
            out.push(255);
        }
    }
    Ok(out)
}

/// RGBA bytes of one `size`×`size` image (a canvas's `ImageData`) → `[channels, size, size]` in
/// [−1, 1], the inverse of [`to_rgba`]: grey is the mean of R, G and B; alpha composites onto
/// black (an empty canvas is black, as the datasets' background is).
pub fn from_rgba(rgba: &[u8], channels: usize, size: usize) -> Result<Vec<f32>, DataError> {
    let plane = size * size;
    if !(channels == 1 || channels == 3) || plane == 0 || rgba.len() != plane * 4 {
        return Err(DataError::Shape(format!(
            "{} bytes are not one {size}×{size} RGBA image",
            rgba.len()
        )));
    }
    let mut out = vec![0.0; channels * plane];
    for (p, px) in rgba.chunks_exact(4).enumerate() {
        // A byte value composited onto black by the pixel's alpha, in [−1, 1].
        let on_black = |v: f32| -1.0 + v / 127.5 * (px[3] as f32 / 255.0);
        if channels == 1 {
            out[p] = on_black((px[0] as f32 + px[1] as f32 + px[2] as f32) / 3.0);
        } else {
            for c in 0..3 {
                out[c * plane + p] = on_black(px[c] as f32);
            }
        }
    }
    Ok(out)
}

/// Which images make up batch number `step` when a shuffled epoch of `count` images is cut
/// into batches of `batch_size` (the incomplete tail is dropped). A pure function of
/// `(seed, step)`, so a resumed run sees exactly the batches it would have seen.
pub fn batch_indices(count: usize, batch_size: usize, seed: u64, step: u64) -> Vec<usize> {
    let per_epoch = (count / batch_size.max(1)).max(1) as u64;
    let epoch = step / per_epoch;
    let within = (step % per_epoch) as usize;
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(&mut latent::rng(
        seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15),
    ));
    let start = within * batch_size;
    // With fewer images than a batch, the batch repeats the shuffled set.
    (0..batch_size)
        .map(|i| order[(start + i) % count])
        .collect()
}
