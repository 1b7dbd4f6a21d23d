//! Class directions: G's samples labelled by the quality classifier, and per class a linear
//! boundary in z (logistic regression, one class against the rest) whose normal points toward
//! the class: "toward 7".

use burn::tensor::{Device, Tensor, TensorData};

use super::{Directions, Sampling};
use crate::checkpoint::{generator_from_safetensors, infer_generator_config};
use crate::latent;
use crate::metrics::{Classifier, ClassifierConfig, classify, to_size};
use crate::model::ModelError;

/// A class needs this many samples on each side of its boundary to get a direction.
pub const MIN_MEMBERS: usize = 20;
/// Passes of accelerated gradient descent per boundary (the problem is small and, with z
/// isotropic, well conditioned).
const PASSES: usize = 200;
/// L2 weight: keeps a boundary finite when a class is separable.
const RIDGE: f64 = 1e-3;
/// Images per forward pass.
const BATCH: usize = 200;

/// One class's boundary: `normal · z + bias > 0` on the class's side, `normal` a unit vector.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassFit {
    pub class: usize,
    pub normal: Vec<f32>,
    pub bias: f64,
    /// Samples in the class.
    pub members: usize,
    /// Share of all samples the boundary puts on their right side.
    pub accuracy: f64,
}

/// The "toward" directions of the generator in `weights`: the z of `sampling`, generated and labelled by `classifier` (built for `config`) on `device`, then one boundary
/// per class with at least [`MIN_MEMBERS`] samples on each side. `names` names the classes.
pub fn classes(
    weights: &[u8],
    classifier: &Classifier,
    config: &ClassifierConfig,
    names: &[String],
    sampling: &Sampling,
    device: &Device,
) -> Result<Directions, ModelError> {
    let Sampling {
        prior,
        samples,
        seed,
    } = *sampling;
    if names.len() != config.classes {
        return Err(ModelError::Config(format!(
            "{} class names for a classifier of {} classes",
            names.len(),
            config.classes
        )));
    }
    if !(2 * MIN_MEMBERS..=20_000).contains(&samples) {
        return Err(ModelError::Config(format!(
            "class directions need from {} to 20000 samples; got {samples}",
            2 * MIN_MEMBERS
        )));
    }
    let model = infer_generator_config(weights).map_err(|e| ModelError::Other(e.to_string()))?;
    let generator = generator_from_safetensors(&model, weights, device)
        .map_err(|e| ModelError::Other(e.to_string()))?;
    let z = latent::sample(prior, samples, model.latent, seed);
    let mut labels = Vec::with_capacity(samples);
    for chunk in z.chunks(BATCH * model.latent) {
        let n = chunk.len() / model.latent;
        let zt = Tensor::from_data(TensorData::new(chunk.to_vec(), [n, model.latent]), device);
        let images = to_size(generator.forward(zt), config.image_size)?;
        let (probs, _) = classify(classifier, &images, BATCH)?;
        labels.extend(
            probs
                .chunks_exact(config.classes)
                .map(|p| (0..p.len()).fold(0, |best, k| if p[k] > p[best] { k } else { best })),
        );
    }
    let fits = fit_boundaries(&z, &labels, model.latent, config.classes)?;
    Ok(Directions {
        vectors: fits.iter().map(|f| f.normal.clone()).collect(),
        strengths: fits.iter().map(|f| f.accuracy).collect(),
        names: fits
            .iter()
            .map(|f| format!("toward {}", names[f.class]))
            .collect(),
    })
}

/// One-against-the-rest logistic boundaries in z for each class of `labels` (one per row of
/// `z`, rows `latent` long) that has at least [`MIN_MEMBERS`] rows on each side, in class order.
pub fn fit_boundaries(
    z: &[f32],
    labels: &[usize],
    latent: usize,
    classes: usize,
) -> Result<Vec<ClassFit>, ModelError> {
    let n = labels.len();
    if latent == 0 || z.len() != n * latent || labels.iter().any(|&c| c >= classes) {
        return Err(ModelError::Config(format!(
            "{} values and {n} labels (each below {classes}) are not rows of {latent}",
            z.len()
        )));
    }
    // The gradient's Lipschitz constant: ¼ λmax(AᵀA/n) for A = [z 1], plus the ridge.
    let p = latent + 1;
    let row = |i: usize| z[i * latent..(i + 1) * latent].iter().map(|v| *v as f64);
    let mut v = vec![1.0 / (p as f64).sqrt(); p];
    let mut top = 0.0;
    for _ in 0..50 {
        let mut next = vec![0f64; p];
        for i in 0..n {
            let a: Vec<f64> = row(i).chain([1.0]).collect();
            let dot: f64 = a.iter().zip(&v).map(|(x, y)| x * y).sum();
            next.iter_mut()
                .zip(&a)
                .for_each(|(o, x)| *o += dot * x / n as f64);
        }
        top = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        v = next
            .iter()
            .map(|x| x / top.max(f64::MIN_POSITIVE))
            .collect();
    }
    let step = 1.0 / (0.25 * top + RIDGE);
    let mut fits = Vec::new();
    for class in 0..classes {
        let members = labels.iter().filter(|&&c| c == class).count();
        if members < MIN_MEMBERS || n - members < MIN_MEMBERS {
            continue;
        }
        // Nesterov's accelerated gradient on the mean log-loss (labels ±1) plus the ridge.
        let (mut w, mut ahead) = (vec![0f64; p], vec![0f64; p]);
        for t in 0..PASSES {
            let mut grad: Vec<f64> = ahead.iter().map(|x| RIDGE * x).collect();
            for (i, &label) in labels.iter().enumerate() {
                let y = if label == class { 1.0 } else { -1.0 };
                let margin =
                    y * (row(i).zip(&ahead).map(|(a, b)| a * b).sum::<f64>() + ahead[latent]);
                // d/dm log(1 + e^(−m)) = −σ(−m)
                let s = -y / (1.0 + margin.exp()) / n as f64;
                grad.iter_mut()
                    .zip(row(i).chain([1.0]))
                    .for_each(|(g, a)| *g += s * a);
            }
            let next: Vec<f64> = ahead.iter().zip(&grad).map(|(a, g)| a - step * g).collect();
            let momentum = t as f64 / (t as f64 + 3.0);
            ahead = next
                .iter()
                .zip(&w)
                .map(|(x, old)| x + momentum * (x - old))
                .collect();
            w = next;
        }
        let norm = w[..latent].iter().map(|x| x * x).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(ModelError::Other(format!(
                "the boundary around class {class} did not converge"
            )));
        }
        let correct = (0..n)
            .filter(|&i| {
                let side = row(i).zip(&w).map(|(a, b)| a * b).sum::<f64>() + w[latent] > 0.0;
                side == (labels[i] == class)
            })
            .count();
        fits.push(ClassFit {
            class,
            normal: w[..latent].iter().map(|x| (x / norm) as f32).collect(),
            bias: w[latent] / norm,
            members,
            accuracy: correct as f64 / n as f64,
        });
    }
    if fits.is_empty() {
        return Err(ModelError::Other(format!(
            "no class has {MIN_MEMBERS} of the {n} samples on each side of it, so there is no class direction"
        )));
    }
    Ok(fits)
}
