//! Putting a number on sample quality: a small classifier trained on the real data, the
//! **classifier score** (exp E KL(p(y|x) ‖ p(y)), at most the number of classes) and the
//! **Fréchet distance** between Gaussians fitted to its penultimate features for generated
//! and real images — the Inception Score and FID recipes with a classifier of the domain.

mod frechet;
mod meter;

pub use meter::{Measured, Meter, to_size};

pub use frechet::{
    FeatureStats, class_shares, classifier_score, frechet_distance, psd_sqrt, score_factors,
    symmetric_eigen,
};

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::data::{ImageSet, batch_indices};
use crate::model::ModelError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassifierConfig {
    pub image_size: usize,
    pub channels: usize,
    pub classes: usize,
    /// Channels of the first conv; doubled twice.
    pub width: usize,
    /// Size of the penultimate layer: the features the Fréchet distance is taken on.
    pub features: usize,
}

impl ClassifierConfig {
    /// The default classifier for images like `set` (its size and channels).
    pub fn for_images(set: &ImageSet) -> ClassifierConfig {
        ClassifierConfig {
            image_size: set.size,
            channels: set.channels,
            ..ClassifierConfig::default()
        }
    }
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        ClassifierConfig {
            image_size: 28,
            channels: 1,
            classes: 10,
            width: 16,
            features: 128,
        }
    }
}

/// Three convs (the last two strided, no pooling), a hidden layer (the features) and logits.
#[derive(Module, Debug)]
pub struct Classifier {
    pub convs: Vec<Conv2d>,
    pub hidden: Linear,
    pub output: Linear,
}

impl ClassifierConfig {
    /// The convs as `(in, out, kernel, stride, padding)`, then the two linear layers' sizes.
    fn layers(&self) -> ([[usize; 5]; 3], [[usize; 2]; 2]) {
        let w = self.width;
        let side = self.image_size / 4;
        (
            [
                [self.channels, w, 3, 1, 1],
                [w, 2 * w, 4, 2, 1],
                [2 * w, 4 * w, 4, 2, 1],
            ],
            [
                [4 * w * side * side, self.features],
                [self.features, self.classes],
            ],
        )
    }

    /// A classifier to train, initialised by Burn's defaults from `seed`.
    pub fn init(&self, seed: u64, device: &Device) -> Classifier {
        device.seed(seed);
        let (convs, [hidden, output]) = self.layers();
        Classifier {
            convs: convs
                .iter()
                .map(|&[i, o, k, s, p]| {
                    Conv2dConfig::new([i, o], [k, k])
                        .with_stride([s, s])
                        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                        .init(device)
                })
                .collect(),
            hidden: LinearConfig::new(hidden[0], hidden[1]).init(device),
            output: LinearConfig::new(output[0], output[1]).init(device),
        }
    }

    /// A classifier of zeros, to read a record into. Built without Burn's initialisers: their
    /// lazy closure keeps every initialiser reachable, the orthogonal one's QR with it, and
    /// that links CubeCL's matrix-product kernels (about 2.6 MB) into the page's WebGPU module.
    pub fn empty(&self, device: &Device) -> Classifier {
        let (convs, [hidden, output]) = self.layers();
        Classifier {
            convs: convs
                .iter()
                .map(|&[i, o, k, s, p]| Conv2d {
                    weight: zeros([o, i, k, k], device),
                    bias: Some(zeros([o], device)),
                    stride: [s, s],
                    kernel_size: [k, k],
                    dilation: [1, 1],
                    groups: 1,
                    padding: PaddingConfig2d::Explicit(p, p, p, p),
                })
                .collect(),
            hidden: Linear {
                weight: zeros(hidden, device),
                bias: Some(zeros([hidden[1]], device)),
            },
            output: Linear {
                weight: zeros(output, device),
                bias: Some(zeros([output[1]], device)),
            },
        }
    }
}

fn zeros<const D: usize>(shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::zeros(shape, device))
}

impl Classifier {
    /// `(logits [B, classes], features [B, features])` for images in [−1, 1].
    ///
    /// The two linear layers run as convolutions whose kernel covers their whole input (the
    /// same sums, their weights reshaped): the page's WebGPU module then links no matrix-product
    /// kernels, which the networks themselves never need (about 2 MB of CubeCL's).
    pub fn forward(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let mut x = x;
        for conv in &self.convs {
            x = relu(conv.forward(x));
        }
        let b = x.dims()[0];
        let features = relu(as_conv(&self.hidden, x));
        let logits = as_conv(&self.output, features.clone());
        let [f, k] = [self.hidden.weight.dims()[1], self.output.weight.dims()[1]];
        (logits.reshape([b, k]), features.reshape([b, f]))
    }
}

/// `linear` (weight `[in, out]`) on `x` `[B, C, H, W]` with `in = C·H·W` (flattened channel
/// first, as `reshape` flattens), as one convolution: `[B, out, 1, 1]`.
fn as_conv(linear: &Linear, x: Tensor<4>) -> Tensor<4> {
    let [_, c, h, w] = x.dims();
    let [_, out] = linear.weight.dims();
    let weight = linear.weight.val().transpose().reshape([out, c, h, w]);
    let bias = linear.bias.as_ref().map(|b| b.val());
    conv2d(x, weight, bias, ConvOptions::new([1, 1], [0, 0], [1, 1], 1))
}

/// Probabilities and features of `images` (row-major), in batches, read synchronously.
pub fn classify(
    classifier: &Classifier,
    images: &Tensor<4>,
    batch: usize,
) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
    let n = images.dims()[0];
    let (mut probs, mut feats) = (Vec::new(), Vec::new());
    for start in (0..n).step_by(batch.max(1)) {
        let end = (start + batch).min(n);
        let (logits, f) = classifier.forward(images.clone().slice(start..end));
        let read = |t: Tensor<2>| -> Result<Vec<f32>, ModelError> {
            t.try_into_data()
                .map_err(|e| ModelError::Other(format!("{e:?}")))?
                .try_into_vec()
                .map_err(|e| ModelError::Other(format!("{e:?}")))
        };
        probs.extend(read(softmax(logits, 1))?);
        feats.extend(read(f)?);
    }
    Ok((probs, feats))
}

/// Gaussian statistics of the classifier's features over images `indices` of `set` (the
/// reference a Fréchet distance is taken against), in batches so no more than a thousand
/// images are on the device at once.
pub fn reference_stats(
    classifier: &Classifier,
    config: &ClassifierConfig,
    set: &ImageSet,
    indices: &[usize],
    device: &Device,
) -> Result<FeatureStats, ModelError> {
    let mut feats = Vec::new();
    for chunk in indices.chunks(1000) {
        feats.extend(classify(classifier, &set.batch(chunk, device), 1000)?.1);
    }
    FeatureStats::from_features(&feats, config.features).map_err(ModelError::Other)
}

/// The two numbers for a set of images.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quality {
    pub classifier_score: f64,
    pub frechet_distance: f64,
    pub samples: usize,
    /// `classifier_score = effective_classes × sharpness` (see [`score_factors`]).
    pub effective_classes: f64,
    pub sharpness: f64,
    /// Share of samples the classifier puts in each class (argmax).
    pub class_shares: Vec<f64>,
}

/// Scores `images` against the real feature statistics `reference`.
pub fn quality(
    classifier: &Classifier,
    config: &ClassifierConfig,
    images: &Tensor<4>,
    reference: &FeatureStats,
) -> Result<Quality, ModelError> {
    let (probs, feats) = classify(classifier, images, 256)?;
    let score = classifier_score(&probs, config.classes).map_err(ModelError::Other)?;
    let (effective_classes, sharpness) =
        score_factors(&probs, config.classes).map_err(ModelError::Other)?;
    let stats = FeatureStats::from_features(&feats, config.features).map_err(ModelError::Other)?;
    let fd = frechet_distance(&stats, reference).map_err(ModelError::Other)?;
    Ok(Quality {
        classifier_score: score,
        frechet_distance: fd,
        samples: images.dims()[0],
        effective_classes,
        sharpness,
        class_shares: class_shares(&probs, config.classes),
    })
}

/// Share of `set` (which must have labels) that the classifier gets right.
pub fn accuracy(
    classifier: &Classifier,
    set: &ImageSet,
    device: &Device,
) -> Result<f64, ModelError> {
    let labels = set
        .labels
        .as_ref()
        .ok_or_else(|| ModelError::Other("the test set has no labels".into()))?;
    let all: Vec<usize> = (0..set.count).collect();
    let mut right = 0;
    for chunk in all.chunks(500) {
        let (probs, _) = classify(classifier, &set.batch(chunk, device), 500)?;
        let classes = probs.len() / chunk.len();
        for (row, i) in probs.chunks_exact(classes).zip(chunk) {
            right += (frechet::argmax(row) == labels[*i] as usize) as usize;
        }
    }
    Ok(right as f64 / set.count as f64)
}

/// Trains a classifier with Adam (lr 1e-3, then 1e-4 for the last third) and cross-entropy;
/// `on_step(step, total, loss)` reports progress. `device` should be an autodiff device.
pub fn train_classifier(
    config: &ClassifierConfig,
    train: &ImageSet,
    epochs: usize,
    batch: usize,
    seed: u64,
    device: &Device,
    mut on_step: impl FnMut(usize, usize, f32),
) -> Result<Classifier, ModelError> {
    let labels = train
        .labels
        .as_ref()
        .ok_or_else(|| ModelError::Other("training images have no labels".into()))?;
    let device = if device.is_autodiff() {
        device.clone()
    } else {
        device.clone().autodiff()
    };
    let mut model = config.init(seed, &device);
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let per_epoch = train.count / batch;
    for step in 0..(epochs * per_epoch) as u64 {
        let idx = batch_indices(train.count, batch, seed, step);
        let targets: Vec<i64> = idx.iter().map(|i| labels[*i] as i64).collect();
        let x = train.batch(&idx, &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(targets, [idx.len()]), &device);
        let (logits, _) = model.forward(x);
        let loss = loss_fn.forward(logits, y);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        // A tenth of the rate for the last third: the cheap step that takes a small CNN past 99%.
        let lr = if step * 3 < (epochs * per_epoch * 2) as u64 {
            1e-3
        } else {
            1e-4
        };
        model = optim.step(lr, model, grads);
        if step % 50 == 0 {
            let l = loss.into_scalar::<f32>();
            on_step(step as usize, epochs * per_epoch, l);
        }
    }
    Ok(model.valid())
}
