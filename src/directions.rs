//! Directions in z that mean something, for any DCGAN generator, by three methods:
//! - **SeFa** (Shen & Zhou, "Closed-Form Factorization of Latent Semantics in GANs", CVPR 2021).
//!   G's first layer is linear in z (a transposed convolution from a 1×1 z): seen as a matrix A
//!   from z to its output, the directions that change that output most are the top
//!   eigenvectors of AᵀA. No sampling, no training: the weights alone.
//! - **Feature-space PCA** (GANSpace, Härkönen et al. 2020, [`pca`]): the principal components of
//!   G's first feature map (after batch norm and ReLU) over sampled z, carried back to z by least
//!   squares. (PCA of the first layer's *linear* output would be SeFa again: its covariance
//!   under an isotropic z is AᵀA's counterpart. The ReLU is what makes it differ.)
//! - **Class directions** ([`classes`]): where a classifier exists, the normal of a linear
//!   boundary in z around each class of G's samples: "toward 7".

mod classes;
mod pca;

pub use classes::{ClassFit, classes, fit_boundaries};
pub use pca::{least_squares, pca, solve_spd};

use serde::Serialize;

use crate::checkpoint::{CheckpointError, from_safetensors, infer_generator_config};
use crate::model::ModelError;

/// The top directions of a generator, strongest first.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Directions {
    /// Unit vectors in z, each `latent` long.
    pub vectors: Vec<Vec<f32>>,
    /// How much each direction counts, by its method: SeFa, its eigenvalue of AᵀA (how much a
    /// unit step moves the first layer's output, squared); PCA, the variance of the first
    /// feature map along its component; a class, the share of samples its boundary puts on the
    /// right side.
    pub strengths: Vec<f64>,
    /// What the page calls each one: "SeFa 1", "PCA 3", "toward 7".
    pub names: Vec<String>,
}

/// Which z a method that samples draws: `samples` of them from `prior` with `seed`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    pub prior: crate::latent::Prior,
    pub samples: usize,
    pub seed: u64,
}

/// The most directions any method gives at once.
pub const MAX_COUNT: usize = 20;

fn check_count(count: usize, latent: usize) -> Result<(), ModelError> {
    let most = latent.min(MAX_COUNT);
    if !(1..=most).contains(&count) {
        return Err(ModelError::Config(format!(
            "the number of directions must be from 1 to {most}; got {count}"
        )));
    }
    Ok(())
}

/// The `count` SeFa directions of the generator in `weights` (pytorch-dcgan safetensors, the
/// file the explorer loads), validated whole first.
pub fn sefa(weights: &[u8], count: usize) -> Result<Directions, CheckpointError> {
    let config = infer_generator_config(weights)?;
    check_count(count, config.latent)?;
    let tensors = from_safetensors(&config.generator_tensors(), weights, "")?;
    // main.0.weight is [latent, out, k, k]: row i is what z_i adds to the first layer's output.
    let first = &tensors[0];
    let gram = gram(first, config.latent);
    let (values, vectors) = symmetric_eigen(&gram, config.latent);
    let mut order: Vec<usize> = (0..config.latent).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    Ok(Directions {
        vectors: order[..count]
            .iter()
            .map(|&j| oriented((0..config.latent).map(|i| vectors[i * config.latent + j])))
            .collect(),
        strengths: order[..count].iter().map(|&j| values[j]).collect(),
        names: (1..=count).map(|i| format!("SeFa {i}")).collect(),
    })
}

/// AᵀA for A = Wᵀ, with `w` row-major of `rows` rows: entry (i, j) is row i · row j.
fn gram(w: &[f32], rows: usize) -> Vec<f64> {
    let width = w.len() / rows;
    let row = |i: usize| &w[i * width..(i + 1) * width];
    let mut g = vec![0.0; rows * rows];
    for i in 0..rows {
        for j in i..rows {
            let dot: f64 = row(i)
                .iter()
                .zip(row(j))
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            g[i * rows + j] = dot;
            g[j * rows + i] = dot;
        }
    }
    g
}

/// A unit vector whose largest entry is positive: an eigenvector's sign is arbitrary, and
/// this makes each direction the same on every run and backend.
pub(crate) fn oriented(v: impl Iterator<Item = f64>) -> Vec<f32> {
    let v: Vec<f64> = v.collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let largest = v
        .iter()
        .copied()
        .fold(0.0, |m: f64, x| if x.abs() > m.abs() { x } else { m });
    let sign = if largest < 0.0 { -1.0 } else { 1.0 };
    v.iter().map(|x| (sign * x / norm) as f32).collect()
}

/// Eigenvalues and eigenvectors (column j of the row-major `n`×`n` result) of the symmetric
/// `a`, by cyclic Jacobi rotations: small (the latent size, ~100), exact to rounding, and no
/// linear-algebra dependency for one 100×100 matrix.
pub fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-14 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= f64::MIN_POSITIVE {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Golub & Van Loan, 8.5.2).
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}
