//! Quality while a run trains (the studio's score and Fréchet distance every N steps): a few
//! hundred samples against as many real images, so a measurement is cheap enough to take often.
//!
//! A Fréchet distance on a few hundred samples reads higher than on ten thousand, even for real
//! images. So each meter also gives its **floor**: the distance between two disjoint sets of
//! real images of that size. That is what a perfect generator would read here. The CLI's
//! `eval` (10,000 samples against the test set) stays the number a run is judged by.

use burn::tensor::{Device, Tensor};

use super::{Classifier, ClassifierConfig, FeatureStats, Quality, classify, quality};
use crate::data::{ImageSet, batch_indices};
use crate::model::ModelError;

/// Real images for the reference, and for the floor another set of as many.
pub struct Meter {
    classifier: Classifier,
    config: ClassifierConfig,
    reference: FeatureStats,
    /// The Fréchet distance between two disjoint sets of `samples` real images.
    pub floor: f64,
    pub samples: usize,
}

/// A measurement, with the meter's floor.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Measured {
    #[serde(flatten)]
    pub quality: Quality,
    pub floor: f64,
}

impl Meter {
    /// A meter of `samples` images (at least 2, at most half of `real`) for images like
    /// `real` (the classifier's own size: 28 px), with a classifier already built for them
    /// ([`ClassifierConfig::for_images`]; `checkpoint::classifier_from_burn` reads one).
    pub fn new(
        classifier: Classifier,
        real: &ImageSet,
        samples: usize,
        seed: u64,
        device: &Device,
    ) -> Result<Meter, ModelError> {
        if !(2..=real.count / 2).contains(&samples) {
            return Err(ModelError::Config(format!(
                "a meter of {samples} samples needs 2 to {} (half of the {} real images)",
                real.count / 2,
                real.count
            )));
        }
        let config = ClassifierConfig::for_images(real);
        // Two disjoint random sets of real images: the first shuffled 2 × samples.
        let order = batch_indices(real.count, 2 * samples, seed, 0);
        let stats = |indices: &[usize]| -> Result<FeatureStats, ModelError> {
            let (_, features) = classify(&classifier, &real.batch(indices, device), 250)?;
            FeatureStats::from_features(&features, config.features).map_err(ModelError::Other)
        };
        let reference = stats(&order[..samples])?;
        let other = stats(&order[samples..])?;
        let floor = super::frechet_distance(&other, &reference).map_err(ModelError::Other)?;
        Ok(Meter {
            classifier,
            config,
            reference,
            floor,
            samples,
        })
    }

    /// Scores generated images (`[samples, C, S, S]` in [−1, 1], at the model's size: a 32- or
    /// 64-pixel model's images are brought back to the classifier's 28 pixels, undoing how the
    /// 28-pixel data was fitted to them).
    pub fn measure(&self, images: Tensor<4>) -> Result<Measured, ModelError> {
        let images = to_size(images, self.config.image_size)?;
        Ok(Measured {
            quality: quality(&self.classifier, &self.config, &images, &self.reference)?,
            floor: self.floor,
        })
    }
}

/// The inverse of `ImageSet::fit_to` from 28 pixels: 64 → 32 by 2×2 means (pixel doubling
/// undone), 32 → 28 by the centre crop (padding undone).
pub fn to_size(images: Tensor<4>, size: usize) -> Result<Tensor<4>, ModelError> {
    let [n, c, s, _] = images.dims();
    match (s, size) {
        (a, b) if a == b => Ok(images),
        (64, _) => to_size(
            images
                .reshape([n, c, 32, 2, 32, 2])
                .mean_dim(5)
                .mean_dim(3)
                .reshape([n, c, 32, 32]),
            size,
        ),
        (32, 28) => Ok(images.slice([0..n, 0..c, 2..30, 2..30])),
        (a, b) => Err(ModelError::Config(format!(
            "{a}-pixel images cannot be measured by a {b}-pixel classifier"
        ))),
    }
}
