//! File formats the CLI reads and writes: `.npy` arrays (npyz) and PNG grids (image).

use std::fs::{self, File};
use std::path::Path;

use anyhow::{Context, Result, bail};
use gan_playground::data::denormalise;
use npyz::WriterBuilder;

/// A float32 `.npy` file as `(shape, values)` in C order.
pub fn read_npy_f32(path: &Path) -> Result<(Vec<usize>, Vec<f32>)> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    check_npy_shape(&bytes)
        .with_context(|| format!("{} is not a usable .npy file", path.display()))?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .with_context(|| format!("{} is not a .npy file", path.display()))?;
    if npy.order() != npyz::Order::C {
        bail!(
            "{} is in Fortran order; save it C-contiguous",
            path.display()
        );
    }
    let shape: Vec<usize> = npy.shape().iter().map(|d| *d as usize).collect();
    let values = npy
        .into_vec::<f32>()
        .with_context(|| format!("{} must hold float32 values", path.display()))?;
    if values.is_empty() {
        bail!("{} holds no values (shape {shape:?})", path.display());
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        bail!(
            "{} holds a non-finite value at flat index {i}",
            path.display()
        );
    }
    Ok((shape, values))
}

/// The header's shape must describe no more float32 values than the file holds. npyz 0.8
/// multiplies the shape's dimensions unchecked when it reads the header (a hostile header
/// overflows: a panic, or a wrapped count in a release build), so the shape is read and
/// checked here first: the magic, the header length, and the `'shape': (…)` entry.
fn check_npy_shape(bytes: &[u8]) -> Result<()> {
    if !bytes.starts_with(b"\x93NUMPY") || bytes.len() < 10 {
        bail!("it does not start with the .npy magic bytes");
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => bail!("its format version {v} is not 1, 2 or 3"),
    };
    let header = bytes
        .get(start..start.saturating_add(len))
        .context("its header is longer than the file")?;
    let header = String::from_utf8_lossy(header);
    let shape = header
        .split_once("'shape'")
        .and_then(|(_, rest)| rest.split_once('(')?.1.split_once(')'))
        .map(|(dims, _)| dims)
        .context("its header has no 'shape' entry")?;
    let mut count: u64 = 1;
    for dim in shape.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let dim: u64 = dim.parse().with_context(|| {
            format!("its shape has a dimension {dim:?} that is not a whole number")
        })?;
        count = count
            .checked_mul(dim)
            .with_context(|| format!("its shape ({shape}) has more values than a count holds"))?;
    }
    let data = (bytes.len() - start - len) as u64;
    if count.checked_mul(4).is_none_or(|needed| needed > data) {
        bail!(
            "its header's shape ({shape}) needs {count} float32 values, more than the {data} bytes after the header hold"
        );
    }
    Ok(())
}

pub fn write_npy_f32(path: &Path, shape: &[usize], values: &[f32]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let shape: Vec<u64> = shape.iter().map(|d| *d as u64).collect();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(std::io::BufWriter::new(file))
        .begin_nd()?;
    writer.extend(values.iter().copied())?;
    writer.finish()?;
    Ok(())
}

/// Tiles `[n, c, s, s]` images in [−1, 1] into one PNG, 2-pixel gaps, `ceil(√n)` columns.
pub fn write_png_grid(path: &Path, dims: [usize; 4], values: &[f32]) -> Result<()> {
    let [n, c, s, _] = dims;
    let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
    let rows = n.div_ceil(cols);
    let gap = 2;
    let (w, h) = (cols * (s + gap) + gap, rows * (s + gap) + gap);
    let mut img = image::RgbImage::from_pixel(w as u32, h as u32, image::Rgb([32, 32, 32]));
    for i in 0..n {
        let (x0, y0) = (gap + (i % cols) * (s + gap), gap + (i / cols) * (s + gap));
        let base = i * c * s * s;
        for y in 0..s {
            for x in 0..s {
                let px = |ch: usize| denormalise(values[base + ch * s * s + y * s + x]);
                let rgb = if c == 1 {
                    [px(0); 3]
                } else {
                    [px(0), px(1), px(2)]
                };
                img.put_pixel((x0 + x) as u32, (y0 + y) as u32, image::Rgb(rgb));
            }
        }
    }
    img.save(path)
        .with_context(|| format!("cannot write {}", path.display()))
}
