//! GANSpace's directions for an isotropic z: principal components of G's first feature map
//! (batch norm with its running statistics, then ReLU) over sampled z, each carried back to z
//! by least squares. Plain f32/f64 arithmetic on the weights, no device: the first layer is a
//! matrix product, and the rest is a few passes over the features.

use super::{Directions, Sampling, check_count, oriented, symmetric_eigen};
use crate::checkpoint::{CheckpointError, from_safetensors, infer_generator_config};
use crate::latent::{self, Prior};
use crate::model::ModelError;

/// Extra components the subspace iteration carries beyond those asked for: the top ones
/// converge faster when the subspace is wider than they are.
const OVERSAMPLE: usize = 6;
/// Passes of the subspace iteration: the top few components of these feature maps settle
/// within a handful (tests/native/directions.rs checks them against a wider, longer run).
const PASSES: usize = 6;
/// Matches `model::norm`'s epsilon.
const BN_EPSILON: f32 = 1e-5;

/// The `count` strongest feature-space PCA directions of the generator in `weights`, from
/// the z of `sampling`.
pub fn pca(
    weights: &[u8],
    count: usize,
    sampling: &Sampling,
) -> Result<Directions, CheckpointError> {
    let Sampling {
        prior,
        samples,
        seed,
    } = *sampling;
    let config = infer_generator_config(weights)?;
    check_count(count, config.latent)?;
    if !(2 * count..=100_000).contains(&samples) {
        return Err(ModelError::Config(format!(
            "feature-space PCA needs from {} to 100000 samples; got {samples}",
            2 * count
        ))
        .into());
    }
    let tensors = from_safetensors(&config.generator_tensors(), weights, "")?;
    let latent = config.latent;
    let (w, gamma, beta, mean, var) = (
        &tensors[0],
        &tensors[1],
        &tensors[2],
        &tensors[3],
        &tensors[4],
    );
    let width = w.len() / latent; // channels × k × k of the first feature map
    let plane = width / gamma.len();
    let z = latent::sample(prior, samples, latent, seed);

    // The features, one row per sample, centred.
    let mut y = vec![0f32; samples * width];
    for (row, zi) in y.chunks_exact_mut(width).zip(z.chunks_exact(latent)) {
        for (l, &zl) in zi.iter().enumerate() {
            for (o, &wl) in row.iter_mut().zip(&w[l * width..(l + 1) * width]) {
                *o += zl * wl;
            }
        }
        for (c, channel) in row.chunks_exact_mut(plane).enumerate() {
            let scale = gamma[c] / (var[c] + BN_EPSILON).sqrt();
            for v in channel {
                *v = ((*v - mean[c]) * scale + beta[c]).max(0.0);
            }
        }
    }
    let mut centre = vec![0f64; width];
    for row in y.chunks_exact(width) {
        for (c, v) in centre.iter_mut().zip(row) {
            *c += *v as f64;
        }
    }
    let centre: Vec<f32> = centre.iter().map(|c| (c / samples as f64) as f32).collect();
    for row in y.chunks_exact_mut(width) {
        for (v, c) in row.iter_mut().zip(&centre) {
            *v -= c;
        }
    }

    // Block power iteration on YᵀY, then Rayleigh–Ritz within the subspace it found.
    let rank = (count + OVERSAMPLE).min(width).min(samples);
    let start = latent::sample(Prior::Normal, rank, width, seed ^ 0x5043_4121);
    let mut q: Vec<Vec<f32>> = start.chunks_exact(width).map(<[f32]>::to_vec).collect();
    orthonormalize(&mut q);
    for _ in 0..PASSES {
        let p = project(&y, width, &q);
        q = (0..rank)
            .map(|j| {
                let mut col = vec![0f32; width];
                for (row, pi) in y.chunks_exact(width).zip(&p) {
                    let a = pi[j] as f32;
                    for (o, v) in col.iter_mut().zip(row) {
                        *o += a * v;
                    }
                }
                col
            })
            .collect();
        orthonormalize(&mut q);
    }
    let p = project(&y, width, &q); // samples × rank: the scores in the basis q
    let mut b = vec![0f64; rank * rank];
    for pi in &p {
        for i in 0..rank {
            for j in 0..rank {
                b[i * rank + j] += pi[i] * pi[j];
            }
        }
    }
    let (values, s) = symmetric_eigen(&b, rank);
    let mut order: Vec<usize> = (0..rank).collect();
    order.sort_by(|&a, &c| values[c].total_cmp(&values[a]));
    let order = &order[..count];

    // Each sample's score on each component (the PCA coordinates x), and z centred: the map U
    // with z ≈ U x, fitted by least squares, carries each component back into z.
    let s = &s;
    let x: Vec<f64> = p
        .iter()
        .flat_map(|pi| {
            order
                .iter()
                .map(move |&j| (0..rank).map(|k| pi[k] * s[k * rank + j]).sum::<f64>())
        })
        .collect();
    let z_mean: Vec<f64> = (0..latent)
        .map(|l| {
            z.iter()
                .skip(l)
                .step_by(latent)
                .map(|v| *v as f64)
                .sum::<f64>()
                / samples as f64
        })
        .collect();
    let zc: Vec<f64> = z
        .iter()
        .enumerate()
        .map(|(i, v)| *v as f64 - z_mean[i % latent])
        .collect();
    let u = least_squares(&x, &zc, samples, count, latent).map_err(ModelError::Other)?;
    Ok(Directions {
        vectors: (0..count)
            .map(|j| oriented(u[j * latent..(j + 1) * latent].iter().copied()))
            .collect(),
        strengths: order
            .iter()
            .map(|&j| values[j] / (samples - 1) as f64)
            .collect(),
        names: (1..=count).map(|i| format!("PCA {i}")).collect(),
    })
}

/// Each row of `y` (`width` long) projected on each vector of `q`.
fn project(y: &[f32], width: usize, q: &[Vec<f32>]) -> Vec<Vec<f64>> {
    y.chunks_exact(width)
        .map(|row| {
            q.iter()
                .map(|col| row.iter().zip(col).map(|(a, b)| a * b).sum::<f32>() as f64)
                .collect()
        })
        .collect()
}

/// Modified Gram–Schmidt, in place.
fn orthonormalize(q: &mut [Vec<f32>]) {
    for j in 0..q.len() {
        let (done, rest) = q.split_at_mut(j);
        let v = &mut rest[0];
        for u in done.iter() {
            let dot: f64 = u
                .iter()
                .zip(v.iter())
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            for (x, a) in v.iter_mut().zip(u) {
                *x -= (dot as f32) * a;
            }
        }
        let norm = v.iter().map(|x| *x as f64 * *x as f64).sum::<f64>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        v.iter_mut().for_each(|x| *x = (*x as f64 / norm) as f32);
    }
}

/// The `p`×`q` matrix B (row-major) that minimises ‖X B − Y‖ for X `n`×`p` and Y `n`×`q`
/// (row-major): the normal equations XᵀX B = XᵀY, solved by Cholesky. X must have full column
/// rank; otherwise an error says so.
pub fn least_squares(
    x: &[f64],
    y: &[f64],
    n: usize,
    p: usize,
    q: usize,
) -> Result<Vec<f64>, String> {
    if x.len() != n * p || y.len() != n * q || n < p {
        return Err(format!(
            "least squares needs X {n}×{p} and Y {n}×{q} with n ≥ p; got {} and {} values",
            x.len(),
            y.len()
        ));
    }
    let mut a = vec![0f64; p * p];
    let mut b = vec![0f64; p * q];
    for i in 0..n {
        let (xi, yi) = (&x[i * p..(i + 1) * p], &y[i * q..(i + 1) * q]);
        for r in 0..p {
            for c in 0..p {
                a[r * p + c] += xi[r] * xi[c];
            }
            for c in 0..q {
                b[r * q + c] += xi[r] * yi[c];
            }
        }
    }
    solve_spd(&a, &b, p, q)
        .ok_or_else(|| "least squares: the columns of X are not independent".into())
}

/// The `p`×`q` solution X of A X = B for a symmetric positive definite `p`×`p` A (row-major),
/// by Cholesky; None when A is not (numerically) positive definite.
pub fn solve_spd(a: &[f64], b: &[f64], p: usize, q: usize) -> Option<Vec<f64>> {
    // A = L Lᵀ, then L Lᵀ X = B by two triangular solves per column.
    let mut l = vec![0f64; p * p];
    let scale = (0..p).map(|i| a[i * p + i]).fold(0.0, f64::max);
    for r in 0..p {
        for c in 0..=r {
            let sum: f64 = a[r * p + c] - (0..c).map(|k| l[r * p + k] * l[c * p + k]).sum::<f64>();
            if r == c {
                // NaN too: a matrix that is not positive definite has no factor.
                if sum.is_nan() || sum <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[r * p + r] = sum.sqrt();
            } else {
                l[r * p + c] = sum / l[c * p + c];
            }
        }
    }
    let mut out = vec![0f64; p * q];
    for c in 0..q {
        let mut t = vec![0f64; p];
        for r in 0..p {
            t[r] = (b[r * q + c] - (0..r).map(|k| l[r * p + k] * t[k]).sum::<f64>()) / l[r * p + r];
        }
        for r in (0..p).rev() {
            t[r] = (t[r] - (r + 1..p).map(|k| l[k * p + r] * t[k]).sum::<f64>()) / l[r * p + r];
        }
        for r in 0..p {
            out[r * q + c] = t[r];
        }
    }
    Some(out)
}
