//! Latent vectors: seeded z for either prior, lerp, slerp, a random walk, and a compact
//! URL-safe encoding so a link can carry the exact z behind an image.
//!
//! Sampling is done here on the CPU with a fixed, documented generator (xoshiro256++) rather
//! than with backend RNG, so a seed gives the same z natively, in wasm and on every backend.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use burn::tensor::{Device, Tensor, TensorData};
use half::f16;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// The distribution z is drawn from.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prior {
    /// Uniform on [−1, 1] per dimension.
    Uniform,
    /// Standard normal per dimension.
    Normal,
}

impl Prior {
    pub const ALL: [Prior; 2] = [Prior::Uniform, Prior::Normal];

    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "uniform" => Ok(Prior::Uniform),
            "normal" | "gaussian" => Ok(Prior::Normal),
            _ => Err(format!(
                "unknown prior {name:?}: expected uniform or normal"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Prior::Uniform => "uniform",
            Prior::Normal => "normal",
        }
    }

    /// The range a slider for one dimension should span.
    pub fn slider_range(self) -> (f32, f32) {
        match self {
            Prior::Uniform => (-1.0, 1.0),
            Prior::Normal => (-3.0, 3.0),
        }
    }

    /// √E‖z‖² for `dim` dimensions: where almost all samples' norms sit in high dimension.
    /// Linear interpolation between two samples dips well below it; slerp does not.
    pub fn typical_norm(self, dim: usize) -> f32 {
        match self {
            Prior::Uniform => (dim as f32 / 3.0).sqrt(),
            Prior::Normal => (dim as f32).sqrt(),
        }
    }

    fn draw(self, rng: &mut Xoshiro256PlusPlus) -> f32 {
        match self {
            Prior::Uniform => rng.random_range(-1.0f32..=1.0),
            Prior::Normal => rng.sample(StandardNormal),
        }
    }
}

/// The random source for everything seeded in this crate.
pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// `count` latent vectors of `dim` values, row-major `[count, dim]`.
pub fn sample_with(
    prior: Prior,
    count: usize,
    dim: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f32> {
    (0..count * dim).map(|_| prior.draw(rng)).collect()
}

/// `count` latent vectors from a seed: the same seed gives the same z everywhere.
pub fn sample(prior: Prior, count: usize, dim: usize, seed: u64) -> Vec<f32> {
    sample_with(prior, count, dim, &mut rng(seed))
}

pub fn norm(z: &[f32]) -> f32 {
    z.iter().map(|v| v * v).sum::<f32>().sqrt()
}

/// The DCGAN paper's vector arithmetic: `a − b + c`, quantized as a link stores z. The three
/// must be as long as each other and finite.
pub fn arithmetic(a: &[f32], b: &[f32], c: &[f32]) -> Result<Vec<f32>, LatentError> {
    for v in [b, c] {
        if v.len() != a.len() {
            return Err(LatentError::WrongDimension {
                got: v.len(),
                expected: a.len(),
            });
        }
    }
    let z: Vec<f32> = (0..a.len()).map(|i| a[i] - b[i] + c[i]).collect();
    if let Some(index) = z.iter().position(|v| !v.is_finite()) {
        return Err(LatentError::NotFinite { index });
    }
    Ok(quantize(&z))
}

/// Straight-line interpolation, `t` in [0, 1].
pub fn lerp(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    a.iter().zip(b).map(|(a, b)| a + (b - a) * t).collect()
}

/// Spherical interpolation (Shoemake): follows the great circle between `a` and `b` and blends
/// their norms, so midpoints keep the norm of typical samples instead of cutting through the
/// low-density centre. Falls back to lerp when the vectors are (anti)parallel or zero.
pub fn slerp(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    let (na, nb) = (norm(a) as f64, norm(b) as f64);
    if na == 0.0 || nb == 0.0 {
        return lerp(a, b, t);
    }
    let cos = a
        .iter()
        .zip(b)
        .map(|(a, b)| (*a as f64) * (*b as f64))
        .sum::<f64>()
        / (na * nb);
    let omega = cos.clamp(-1.0, 1.0).acos();
    let sin = omega.sin();
    if sin.abs() < 1e-6 {
        return lerp(a, b, t);
    }
    let t = t as f64;
    let (wa, wb) = (((1.0 - t) * omega).sin() / sin, (t * omega).sin() / sin);
    a.iter()
        .zip(b)
        .map(|(a, b)| (wa * *a as f64 + wb * *b as f64) as f32)
        .collect()
}

/// One step of a random walk that leaves the prior where it is: for the normal prior
/// `z' = √(1−s²)·z + s·ε` (an AR(1) step whose stationary law is N(0, I)); for the uniform
/// prior a step of size `s` per dimension, reflected at ±1. `s` in (0, 1].
pub fn random_walk_step(
    z: &[f32],
    prior: Prior,
    step: f32,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f32> {
    let s = step.clamp(0.0, 1.0);
    match prior {
        Prior::Normal => {
            let keep = (1.0 - s * s).sqrt();
            z.iter()
                .map(|v| keep * v + s * rng.sample::<f32, _>(StandardNormal))
                .collect()
        }
        Prior::Uniform => z
            .iter()
            .map(|v| {
                let mut x = v + s * rng.random_range(-1.0f32..=1.0);
                if x > 1.0 {
                    x = 2.0 - x;
                }
                if x < -1.0 {
                    x = -2.0 - x;
                }
                x.clamp(-1.0, 1.0)
            })
            .collect(),
    }
}

/// Why a latent string was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LatentError {
    #[error("latent code is empty")]
    Empty,
    #[error("latent code must start with \"{PREFIX}\" (got {0:?})")]
    BadPrefix(String),
    #[error("latent code is not URL-safe base64: {0}")]
    BadBase64(String),
    #[error("latent code holds {0} bytes; it must be a whole number of 16-bit values")]
    OddLength(usize),
    #[error("latent code holds {got} values; expected {expected}")]
    WrongDimension { got: usize, expected: usize },
    #[error("latent code is longer than {MAX_DIM} values")]
    TooLong,
    #[error("latent value {index} is not a finite number")]
    NotFinite { index: usize },
    #[error(
        "expected a whole number of latent vectors of {dim} values (at least one), got {got} values"
    )]
    NotWholeVectors { got: usize, dim: usize },
}

const PREFIX: &str = "z1";
/// More than any model here needs, small enough that a hostile URL can't make us allocate much.
pub const MAX_DIM: usize = 1024;

/// `z1` + base64url (no padding) of little-endian f16 values: 2 bytes a dimension, so a z of
/// 100 fits in 269 characters. f16 keeps ~3 significant digits, far below what changes an image.
pub fn encode(z: &[f32]) -> String {
    let bytes: Vec<u8> = z
        .iter()
        .flat_map(|v| f16::from_f32(*v).to_le_bytes())
        .collect();
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// z as a link stores it (each value rounded to f16): the page shows exactly the z it can
/// share, so a copied link reproduces the very same pixels.
pub fn quantize(z: &[f32]) -> Vec<f32> {
    z.iter().map(|v| f16::from_f32(*v).to_f32()).collect()
}

/// Inverse of [`encode`]; every malformed string is an error, never a panic. With
/// `expected_dim`, the length must match the model's latent size.
pub fn decode(code: &str, expected_dim: Option<usize>) -> Result<Vec<f32>, LatentError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(LatentError::Empty);
    }
    let body = code
        .strip_prefix(PREFIX)
        .ok_or_else(|| LatentError::BadPrefix(code.chars().take(8).collect()))?;
    if body.len() > MAX_DIM * 3 {
        return Err(LatentError::TooLong);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|e| LatentError::BadBase64(e.to_string()))?;
    if bytes.is_empty() {
        return Err(LatentError::Empty);
    }
    if bytes.len() % 2 != 0 {
        return Err(LatentError::OddLength(bytes.len()));
    }
    if bytes.len() / 2 > MAX_DIM {
        return Err(LatentError::TooLong);
    }
    let z: Vec<f32> = bytes
        .chunks_exact(2)
        .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
        .collect();
    if let Some(index) = z.iter().position(|v| !v.is_finite()) {
        return Err(LatentError::NotFinite { index });
    }
    match expected_dim {
        Some(expected) if expected != z.len() => Err(LatentError::WrongDimension {
            got: z.len(),
            expected,
        }),
        _ => Ok(z),
    }
}

/// Latent vectors (row-major, `dim` values each) as a `[count, dim]` tensor on `device`: the one
/// place a latent becomes a tensor, for the trainer, the CLI and the page alike. The length must
/// be a whole, non-zero number of vectors and every value finite.
pub fn to_tensor(z: Vec<f32>, dim: usize, device: &Device) -> Result<Tensor<2>, LatentError> {
    if dim == 0 || z.is_empty() || !z.len().is_multiple_of(dim) {
        return Err(LatentError::NotWholeVectors { got: z.len(), dim });
    }
    if let Some(index) = z.iter().position(|v| !v.is_finite()) {
        return Err(LatentError::NotFinite { index });
    }
    let count = z.len() / dim;
    Ok(Tensor::from_data(TensorData::new(z, [count, dim]), device))
}
