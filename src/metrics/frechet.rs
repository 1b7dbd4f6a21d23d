//! Gaussian statistics of feature vectors and the Fréchet distance between two of them,
//! in f64 on the host.
//!
//! FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½), with Tr (Σ₁ Σ₂)^½ computed as the trace of the
//! square root of the symmetric PSD matrix Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues as Σ₁ Σ₂).
//! The symmetric eigen-decomposition is a cyclic Jacobi iteration written here: the matrices
//! are at most a few hundred wide, it needs f64 (Burn's `linalg::svd` is f32), and pulling in
//! a linear-algebra crate for one routine would also re-feature Burn's num-traits dependency.

/// Mean and covariance (unbiased) of `n` feature vectors of length `dim`.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureStats {
    pub dim: usize,
    pub count: usize,
    pub mean: Vec<f64>,
    /// Row-major `dim × dim`.
    pub cov: Vec<f64>,
}

impl FeatureStats {
    /// From row-major features `[n, dim]`; needs at least two rows.
    pub fn from_features(features: &[f32], dim: usize) -> Result<Self, String> {
        if dim == 0 || !features.len().is_multiple_of(dim) {
            return Err(format!("{} values are not rows of {dim}", features.len()));
        }
        let n = features.len() / dim;
        if n < 2 {
            return Err("need at least two samples for a covariance".into());
        }
        let mut mean = vec![0.0; dim];
        for row in features.chunks_exact(dim) {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += *x as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut cov = vec![0.0; dim * dim];
        let mut centred = vec![0.0; dim];
        for row in features.chunks_exact(dim) {
            for ((c, x), m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = *x as f64 - m;
            }
            for i in 0..dim {
                let ci = centred[i];
                for j in i..dim {
                    cov[i * dim + j] += ci * centred[j];
                }
            }
        }
        for i in 0..dim {
            for j in i..dim {
                let v = cov[i * dim + j] / (n - 1) as f64;
                cov[i * dim + j] = v;
                cov[j * dim + i] = v;
            }
        }
        Ok(FeatureStats {
            dim,
            count: n,
            mean,
            cov,
        })
    }
}

/// Fréchet distance between two Gaussians fitted to features.
pub fn frechet_distance(a: &FeatureStats, b: &FeatureStats) -> Result<f64, String> {
    if a.dim != b.dim {
        return Err(format!("feature sizes differ: {} vs {}", a.dim, b.dim));
    }
    let d = a.dim;
    let mean_term: f64 = a
        .mean
        .iter()
        .zip(&b.mean)
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let trace = |m: &[f64]| (0..d).map(|i| m[i * d + i]).sum::<f64>();
    let root_a = psd_sqrt(&a.cov, d);
    let middle = matmul(&matmul(&root_a, &b.cov, d), &root_a, d);
    let (eigen, _) = symmetric_eigen(&middle, d);
    let cross: f64 = eigen.iter().map(|l| l.max(0.0).sqrt()).sum();
    Ok((mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * cross).max(0.0))
}

fn matmul(a: &[f64], b: &[f64], d: usize) -> Vec<f64> {
    let mut out = vec![0.0; d * d];
    for i in 0..d {
        for k in 0..d {
            let aik = a[i * d + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..d {
                out[i * d + j] += aik * b[k * d + j];
            }
        }
    }
    out
}

/// Square root of a symmetric positive semi-definite matrix (negative eigenvalues from
/// rounding are clipped to 0).
pub fn psd_sqrt(m: &[f64], d: usize) -> Vec<f64> {
    let (values, vectors) = symmetric_eigen(m, d);
    let mut out = vec![0.0; d * d];
    for (k, l) in values.iter().enumerate() {
        let s = l.max(0.0).sqrt();
        for i in 0..d {
            let vik = vectors[i * d + k] * s;
            for j in 0..d {
                out[i * d + j] += vik * vectors[j * d + k];
            }
        }
    }
    out
}

/// Eigenvalues and eigenvectors (columns of the row-major result) of a symmetric matrix, by
/// cyclic Jacobi rotations until the off-diagonal mass is negligible.
pub fn symmetric_eigen(m: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = m.to_vec();
    let mut v = vec![0.0; d * d];
    (0..d).for_each(|i| v[i * d + i] = 1.0);
    let total: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * d + j].powi(2))
            .sum();
        if off <= 1e-24 * total {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k * d + p], a[k * d + q]);
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p * d + k], a[q * d + k]);
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let (vkp, vkq) = (v[k * d + p], v[k * d + q]);
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|i| a[i * d + i]).collect(), v)
}

/// The classifier score (the Inception Score's recipe on our classifier):
/// exp(E_x KL(p(y|x) ‖ p(y))), between 1 and the number of classes. `probs` is row-major
/// `[n, classes]`.
pub fn classifier_score(probs: &[f32], classes: usize) -> Result<f64, String> {
    let marginal = marginal(probs, classes)?;
    let mut kl = 0.0;
    for row in probs.chunks_exact(classes) {
        for (p, m) in row.iter().zip(&marginal) {
            let p = *p as f64;
            if p > 0.0 {
                kl += p * (p.ln() - m.ln());
            }
        }
    }
    Ok((kl / (probs.len() / classes) as f64).exp())
}

/// p(y): the mean of the rows of `probs` (`[n, classes]`, row-major).
fn marginal(probs: &[f32], classes: usize) -> Result<Vec<f64>, String> {
    if classes == 0 || probs.is_empty() || !probs.len().is_multiple_of(classes) {
        return Err(format!(
            "{} probabilities are not rows of {classes}",
            probs.len()
        ));
    }
    let n = (probs.len() / classes) as f64;
    let mut marginal = vec![0.0f64; classes];
    for row in probs.chunks_exact(classes) {
        for (m, p) in marginal.iter_mut().zip(row) {
            *m += *p as f64 / n;
        }
    }
    Ok(marginal)
}

/// −Σ p ln p over a distribution's probabilities.
fn entropy(p: impl Iterator<Item = f64>) -> f64 {
    p.filter(|p| *p > 0.0).map(|p| -p * p.ln()).sum()
}

/// The classifier score's two factors: `score = effective_classes × sharpness`, where
/// `effective_classes = exp H(p(y))` (how evenly the samples spread over the classes, at most
/// the number of classes) and `sharpness = exp(−E_x H(p(y|x)))` (how confidently each sample
/// is one class, at most 1) — because E KL(p(y|x) ‖ p(y)) = H(p(y)) − E H(p(y|x)). Says *why*
/// a score is low: dropped modes or ambiguous samples.
pub fn score_factors(probs: &[f32], classes: usize) -> Result<(f64, f64), String> {
    let marginal = marginal(probs, classes)?;
    let rows = probs.chunks_exact(classes);
    let n = rows.len() as f64;
    let conditional: f64 = rows
        .map(|row| entropy(row.iter().map(|p| *p as f64)))
        .sum::<f64>()
        / n;
    Ok((entropy(marginal.into_iter()).exp(), (-conditional).exp()))
}

/// Index of the largest value (the first, on ties).
pub(crate) fn argmax(row: &[f32]) -> usize {
    (0..row.len()).fold(0, |b, k| if row[k] > row[b] { k } else { b })
}

/// Share of the samples whose most probable class is each class.
pub fn class_shares(probs: &[f32], classes: usize) -> Vec<f64> {
    if classes == 0 {
        return Vec::new();
    }
    let mut counts = vec![0usize; classes];
    let rows = probs.chunks_exact(classes);
    let n = rows.len().max(1) as f64;
    for row in rows {
        counts[argmax(row)] += 1;
    }
    counts.iter().map(|c| *c as f64 / n).collect()
}
