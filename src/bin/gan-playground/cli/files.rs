//! File formats the CLI reads and writes: `.npy` arrays (npyz) and PNG grids (image).

use std::fs::{self, File};
use std::path::Path;

use anyhow::{Context, Result};
use gan_playground::data::denormalise;
use npyz::WriterBuilder;

/// A float32 `.npy` file as `(shape, values)` in C order.
pub fn read_npy_f32(path: &Path) -> Result<(Vec<usize>, Vec<f32>)> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    gan_playground::npy::decode_f32(&bytes)
        .with_context(|| format!("{} is not a usable float32 .npy file", path.display()))
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
