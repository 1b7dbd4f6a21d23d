//! `.npy` arrays of float32 (what the CLI's `--z` and `--images` read), decoded with npyz once
//! the header has been checked: every malformed file is an error, never a panic.

use anyhow::{Context, Result, bail};

/// A float32 `.npy` file's bytes as `(shape, values)` in C order; every value finite.
pub fn decode_f32(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f32>)> {
    check_shape(bytes)?;
    let npy = npyz::NpyFile::new(bytes).context("it is not a .npy file")?;
    if npy.order() != npyz::Order::C {
        bail!("it is in Fortran order; save it C-contiguous");
    }
    let shape: Vec<usize> = npy.shape().iter().map(|d| *d as usize).collect();
    let values = npy
        .into_vec::<f32>()
        .context("it must hold float32 values")?;
    if values.is_empty() {
        bail!("it holds no values (shape {shape:?})");
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        bail!("it holds a non-finite value at flat index {i}");
    }
    Ok((shape, values))
}

/// The header's shape must describe no more float32 values than the file holds. npyz 0.8
/// multiplies the shape's dimensions unchecked when it reads the header (a hostile header
/// overflows: a panic, or a wrapped count in a release build), so the shape is read and
/// checked here first: the magic, the header length, and the `'shape': (…)` entry.
fn check_shape(bytes: &[u8]) -> Result<()> {
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
    // A float32 array's header is one flat dict ({'descr': '<f4', 'fortran_order': …,
    // 'shape': (…)}). npyz's parser takes exponential time on nested brackets (found by
    // fuzz/npy: 118 bytes of `{{{…` hung it), so anything else is refused before it parses.
    let count_of = |c: char| header.matches(c).count();
    if count_of('{') != 1
        || count_of('}') != 1
        || count_of('(') != 1
        || count_of(')') != 1
        || header.contains(['[', ']'])
    {
        bail!("its header is not one flat dict of descr, fortran_order and shape");
    }
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
