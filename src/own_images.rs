//! A person's own images for the studio: each file is checked from its header before anything
//! is decoded (format, dimensions, bytes), then fitted to the model's square size (crop or
//! pad), composited on white where it is transparent, and kept as one [`ImageSet`]: grey when
//! every image is grey, colour otherwise.
//!
//! Decoding itself is the browser's (`createImageBitmap` in the studio worker): it reads every
//! format here, costs the wasm module nothing, and scales with the browser's own filter. What
//! decides what is used, and how it is placed, is here, and tested natively.

use serde::{Deserialize, Serialize};

use crate::data::ImageSet;

/// The formats taken, as a person would name them.
pub const FORMATS: &str = "PNG, JPEG, WebP or GIF";

/// Bounds on what a person may bring, the one definition the page reads (and says).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnImageLimits {
    /// Files in one set (a thousand images at 64 px RGB are 12 MB decoded).
    pub files: usize,
    /// Bytes of one file.
    pub file_bytes: u64,
    /// Bytes of all files together.
    pub total_bytes: u64,
    /// The shorter side an image must have, in pixels.
    pub min_side: u32,
    /// Pixels of one image (width × height): a decoded image is held whole for a moment.
    pub max_pixels: u64,
}

pub const LIMITS: OwnImageLimits = OwnImageLimits {
    files: 5_000,
    file_bytes: 40 << 20,
    total_bytes: 1 << 30,
    min_side: 16,
    max_pixels: 40_000_000,
};

/// How an image that is not square becomes square.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// The centred square of the shorter side: no border, the edges are lost.
    Crop,
    /// The whole image, centred, the rest filled with the colour of its own border.
    Pad,
}

/// Why a file was not used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error("not an image (or not a {FORMATS} image)")]
    NotImage,
    #[error("a {0} image; the studio takes {FORMATS}")]
    Unsupported(String),
    #[error("too small: {width}×{height}; the shorter side must be at least {min} pixels")]
    TooSmall { width: u32, height: u32, min: u32 },
    #[error("too large: {width}×{height} is over {} megapixels", .max / 1_000_000)]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("too large: {} MB; a file may be at most {} MB", .bytes >> 20, .max >> 20)]
    FileTooLarge { bytes: u64, max: u64 },
    #[error("over the set's bound of {0} images")]
    TooManyFiles(usize),
    #[error("over the set's bound of {} MB in all", .0 >> 20)]
    TooManyBytes(u64),
    #[error("corrupt: {0}")]
    Corrupt(String),
}

/// What a file's header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub width: u32,
    pub height: u32,
}

/// Bytes of a file's start that [`probe`] reads (a JPEG's size may follow its metadata, e.g.
/// an embedded thumbnail).
pub const HEAD_BYTES: usize = 1 << 20;

/// Format and dimensions from a file's first bytes (`head`), before any decoding.
pub fn probe(head: &[u8]) -> Result<Probe, Rejection> {
    use imagesize::ImageType;
    let kind = imagesize::image_type(head).map_err(|_| Rejection::NotImage)?;
    let other = match kind {
        ImageType::Png | ImageType::Jpeg | ImageType::Gif | ImageType::Webp => None,
        ImageType::Bmp => Some("BMP"),
        ImageType::Tiff => Some("TIFF"),
        ImageType::Heif(_) => Some("HEIF, HEIC or AVIF"),
        ImageType::Ico => Some("ICO"),
        ImageType::Jxl => Some("JPEG XL"),
        _ => return Err(Rejection::NotImage),
    };
    if let Some(name) = other {
        return Err(Rejection::Unsupported(name.to_string()));
    }
    let size = imagesize::blob_size(head)
        .map_err(|e| Rejection::Corrupt(format!("its header cannot be read ({e})")))?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 || width > u32::MAX as u64 || height > u32::MAX as u64 {
        return Err(Rejection::Corrupt(format!(
            "its header gives a size of {width}×{height}"
        )));
    }
    let (width, height) = (width as u32, height as u32);
    if width.min(height) < LIMITS.min_side {
        return Err(Rejection::TooSmall {
            width,
            height,
            min: LIMITS.min_side,
        });
    }
    if width as u64 * height as u64 > LIMITS.max_pixels {
        return Err(Rejection::TooManyPixels {
            width,
            height,
            max: LIMITS.max_pixels,
        });
    }
    Ok(Probe { width, height })
}

/// Bytes of a file's end that [`complete`] reads.
pub const TAIL_BYTES: usize = 64 << 10;

/// Whether a file whose header [`probe`] took ends as its format ends: a browser decodes a
/// file cut off in its data without a word (the rest of the image grey, frames missing), so a
/// torn download is refused here instead. `head` is the file's start, `tail` its last bytes
/// (the whole file when it is no longer than `head`), `bytes` its length. Data after the end
/// (a phone's motion-photo video after a JPEG) is no tear; where the end cannot be told from
/// these bytes, the file is passed on.
pub fn complete(head: &[u8], tail: &[u8], bytes: u64) -> Result<(), Rejection> {
    use imagesize::ImageType;
    let whole = head.len() as u64 == bytes;
    let tail = &tail[tail.len().saturating_sub(TAIL_BYTES)..];
    let ends = match imagesize::image_type(head).map_err(|_| Rejection::NotImage)? {
        // The IEND chunk, always the same 12 bytes.
        ImageType::Png => tail
            .windows(12)
            .any(|w| w == b"\0\0\0\0IEND\xAE\x42\x60\x82"),
        ImageType::Jpeg if whole => jpeg_reaches_end(head) != Some(false),
        // Longer than its head: the tail cannot tell (a motion photo's video follows its EOI).
        ImageType::Jpeg => true,
        // The trailer byte (zero padding after it is common).
        ImageType::Gif => tail.iter().rev().find(|&&b| b != 0) == Some(&0x3B),
        // RIFF's own length: 8 bytes of header plus the size it gives.
        ImageType::Webp => head
            .get(4..8)
            .is_some_and(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]) as u64 + 8 <= bytes),
        _ => true,
    };
    if ends {
        Ok(())
    } else {
        Err(Rejection::Corrupt(
            "the file ends before its image does (cut off?)".into(),
        ))
    }
}

/// Walks a whole JPEG's segments and scans to its end-of-image marker: `Some(true)` when it
/// is reached, `Some(false)` when the bytes run out first (cut off), `None` when the structure
/// is not one this walk knows (then the browser decides).
fn jpeg_reaches_end(b: &[u8]) -> Option<bool> {
    let mut i = 2; // after SOI
    loop {
        let (Some(&ff), Some(&marker)) = (b.get(i), b.get(i + 1)) else {
            return Some(false);
        };
        if ff != 0xFF {
            return None;
        }
        match marker {
            0xFF => i += 1, // fill
            0xD9 => return Some(true),
            0x01 | 0xD0..=0xD7 => i += 2, // markers without a length
            _ => {
                let (Some(&hi), Some(&lo)) = (b.get(i + 2), b.get(i + 3)) else {
                    return Some(false);
                };
                i += 2 + u16::from_be_bytes([hi, lo]) as usize;
                if marker == 0xDA {
                    // Entropy-coded data, up to the next marker that is not stuffing or a restart.
                    while i + 1 < b.len()
                        && (b[i] != 0xFF || matches!(b[i + 1], 0x00 | 0xD0..=0xD7))
                    {
                        i += 1;
                    }
                    if i + 1 >= b.len() {
                        return Some(false);
                    }
                }
            }
        }
    }
}

/// A rectangle in pixels (what a canvas's `drawImage` takes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Where an image goes: `source` (in the image) is drawn, scaled, onto `dest` (in the
/// `size × size` square).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Placement {
    pub source: Rect,
    pub dest: Rect,
}

pub fn placement(width: u32, height: u32, size: u32, fit: Fit) -> Placement {
    let whole = Rect {
        x: 0,
        y: 0,
        w: width,
        h: height,
    };
    let square = Rect {
        x: 0,
        y: 0,
        w: size,
        h: size,
    };
    match fit {
        Fit::Crop => {
            let side = width.min(height);
            Placement {
                source: Rect {
                    x: (width - side) / 2,
                    y: (height - side) / 2,
                    w: side,
                    h: side,
                },
                dest: square,
            }
        }
        Fit::Pad => {
            let long = width.max(height) as u64;
            // Rounded to whole pixels, at least one.
            let scaled = |side: u32| ((side as u64 * size as u64 + long / 2) / long).max(1) as u32;
            let (w, h) = (scaled(width), scaled(height));
            Placement {
                source: whole,
                dest: Rect {
                    x: (size - w) / 2,
                    y: (size - h) / 2,
                    w,
                    h,
                },
            }
        }
    }
}

/// One rejected file, by name.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rejected {
    pub name: String,
    pub reason: String,
}

/// A set being gathered, file by file.
pub struct OwnImages {
    size: usize,
    fit: Fit,
    /// RGB, image after image, row-major.
    rgb: Vec<u8>,
    count: usize,
    all_grey: bool,
    bytes: u64,
    rejected: Vec<Rejected>,
}

impl OwnImages {
    pub fn new(size: usize, fit: Fit) -> Result<Self, String> {
        if !(8..=256).contains(&size) {
            return Err(format!("image size {size} is not in 8..=256"));
        }
        Ok(OwnImages {
            size,
            fit,
            rgb: Vec::new(),
            count: 0,
            all_grey: true,
            bytes: 0,
            rejected: Vec::new(),
        })
    }

    pub fn size(&self) -> usize {
        self.size
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    /// Whether the set has reached its bound (every further file is refused unread).
    pub fn is_full(&self) -> bool {
        self.count >= LIMITS.files
    }

    /// Whether the file `name` of `bytes` bytes, starting with `head` and ending with `tail`
    /// ([`complete`]), is to be decoded, and where it goes; a refusal is recorded with its
    /// reason.
    pub fn admit(&mut self, name: &str, bytes: u64, head: &[u8], tail: &[u8]) -> Option<Placement> {
        let checked = self
            .check(bytes, head)
            .and_then(|probe| complete(head, tail, bytes).map(|()| probe));
        match checked {
            Ok(probe) => {
                self.bytes += bytes;
                Some(placement(
                    probe.width,
                    probe.height,
                    self.size as u32,
                    self.fit,
                ))
            }
            Err(why) => {
                self.reject(name, &why.to_string());
                None
            }
        }
    }

    fn check(&self, bytes: u64, head: &[u8]) -> Result<Probe, Rejection> {
        if self.is_full() {
            return Err(Rejection::TooManyFiles(LIMITS.files));
        }
        if bytes > LIMITS.file_bytes {
            return Err(Rejection::FileTooLarge {
                bytes,
                max: LIMITS.file_bytes,
            });
        }
        if self.bytes + bytes > LIMITS.total_bytes {
            return Err(Rejection::TooManyBytes(LIMITS.total_bytes));
        }
        probe(head)
    }

    /// A file that could not be used (e.g. the browser could not decode it).
    pub fn reject(&mut self, name: &str, reason: &str) {
        self.rejected.push(Rejected {
            name: name.to_string(),
            reason: reason.to_string(),
        });
    }

    /// Adds one decoded image: `rgba` is the `size × size` square (straight alpha) with the
    /// image drawn onto `dest` and nothing elsewhere. Transparency is composited on white;
    /// outside `dest` (padding) is filled with the mean colour of the image's own border.
    pub fn add(&mut self, rgba: &[u8], dest: Rect) -> Result<(), String> {
        let s = self.size;
        if rgba.len() != s * s * 4 {
            return Err(format!("{} bytes are not a {s}×{s} RGBA image", rgba.len()));
        }
        let (x1, y1) = (dest.x as u64 + dest.w as u64, dest.y as u64 + dest.h as u64);
        if dest.w == 0 || dest.h == 0 || x1 > s as u64 || y1 > s as u64 {
            return Err(format!("{dest:?} is not inside the {s}×{s} square"));
        }
        let (x0, y0, x1, y1) = (dest.x as usize, dest.y as usize, x1 as usize, y1 as usize);
        let on_white = |p: &[u8]| -> [u8; 3] {
            let a = p[3] as u32;
            std::array::from_fn(|c| ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8)
        };
        let inside = |x: usize, y: usize| x >= x0 && x < x1 && y >= y0 && y < y1;
        let border = {
            let (mut sum, mut n) = ([0u64; 3], 0u64);
            for y in y0..y1 {
                for x in x0..x1 {
                    if y == y0 || y + 1 == y1 || x == x0 || x + 1 == x1 {
                        let px = on_white(&rgba[(y * s + x) * 4..][..4]);
                        for c in 0..3 {
                            sum[c] += px[c] as u64;
                        }
                        n += 1;
                    }
                }
            }
            sum.map(|v| ((v + n / 2) / n) as u8)
        };
        self.rgb.reserve(s * s * 3);
        for y in 0..s {
            for x in 0..s {
                let px = if inside(x, y) {
                    on_white(&rgba[(y * s + x) * 4..][..4])
                } else {
                    border
                };
                self.all_grey &= px[0] == px[1] && px[1] == px[2];
                self.rgb.extend_from_slice(&px);
            }
        }
        self.count += 1;
        Ok(())
    }

    /// The set: grey when every image is, colour otherwise. Refused when no image was usable.
    pub fn finish(self) -> Result<(ImageSet, Vec<Rejected>), String> {
        if self.count == 0 {
            return Err(match self.rejected.len() {
                0 => "no images were chosen".to_string(),
                n => format!("none of the {n} files is a usable image"),
            });
        }
        let (s, n) = (self.size, self.count);
        let plane = s * s;
        let channels = if self.all_grey { 1 } else { 3 };
        let mut pixels = vec![0u8; n * channels * plane];
        for (i, image) in self.rgb.chunks_exact(plane * 3).enumerate() {
            for (p, px) in image.chunks_exact(3).enumerate() {
                for c in 0..channels {
                    pixels[(i * channels + c) * plane + p] = px[c];
                }
            }
        }
        let set = ImageSet {
            count: n,
            channels,
            size: s,
            pixels,
            labels: None,
        };
        Ok((set, self.rejected))
    }
}
