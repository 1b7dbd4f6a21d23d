//! What did G memorise? The training images nearest to a generated one: in the quality
//! classifier's features where the set has a classifier (what a person would call "the same
//! digit drawn the same way"), in pixels otherwise. Brute force: a few thousand images of a
//! few hundred values each is milliseconds per query.

use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::data::ImageSet;
use crate::metrics::{Classifier, ClassifierConfig, classify, to_size};
use crate::model::ModelError;

/// Images measured per call of [`NearestIndex::extend`] at most, so the page can show progress.
pub const MAX_CHUNK: usize = 2_000;
/// Most neighbours one query returns.
pub const MAX_NEIGHBOURS: usize = 64;

/// One training image and how far it is from the query.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Neighbour {
    /// Its place in the training set.
    pub index: usize,
    /// Euclidean distance, in the classifier's features or in pixels on [−1, 1].
    pub distance: f32,
}

/// A training set's images, measured once, to search.
pub struct NearestIndex {
    /// Shared with whoever decoded it (the page's worker keeps one decoded set per dataset).
    set: Rc<ImageSet>,
    classifier: Option<(Classifier, ClassifierConfig)>,
    features: Vec<f32>,
    dim: usize,
}

impl NearestIndex {
    /// An index of `set`, in `classifier`'s features when one is given (built for images like
    /// `set`), else in pixels. Nothing is measured until [`NearestIndex::extend`].
    pub fn new(set: Rc<ImageSet>, classifier: Option<Classifier>) -> Result<Self, ModelError> {
        if set.count == 0 {
            return Err(ModelError::Config("the training set has no images".into()));
        }
        let classifier = classifier.map(|c| (c, ClassifierConfig::for_images(&set)));
        let dim = match &classifier {
            Some((_, config)) => config.features,
            None => set.image_len(),
        };
        Ok(NearestIndex {
            features: Vec::with_capacity(set.count * dim),
            set,
            classifier,
            dim,
        })
    }

    /// Whether distances are in the classifier's features (else in pixels).
    pub fn by_features(&self) -> bool {
        self.classifier.is_some()
    }

    pub fn channels(&self) -> usize {
        self.set.channels
    }

    pub fn count(&self) -> usize {
        self.set.count
    }

    /// Images not yet measured.
    pub fn remaining(&self) -> usize {
        self.set.count - self.features.len() / self.dim
    }

    /// Measures up to `chunk` more images (at most [`MAX_CHUNK`]); returns how many remain.
    pub fn extend(&mut self, chunk: usize, device: &Device) -> Result<usize, ModelError> {
        let start = self.features.len() / self.dim;
        let end = (start + chunk.min(MAX_CHUNK)).min(self.set.count);
        let indices: Vec<usize> = (start..end).collect();
        match &self.classifier {
            Some((classifier, _)) => {
                let (_, f) = classify(classifier, &self.set.batch(&indices, device), 250)?;
                self.features.extend(f);
            }
            None => {
                let len = self.set.image_len();
                self.features.extend(
                    self.set.pixels[start * len..end * len]
                        .iter()
                        .map(|b| crate::data::normalise(*b)),
                );
            }
        }
        Ok(self.remaining())
    }

    /// The `k` measured images nearest to `image` (`[channels, size, size]` in [−1, 1], at the
    /// generator's size: brought to the set's as the quality meter does), nearest first.
    pub fn query(
        &self,
        image: &[f32],
        size: usize,
        k: usize,
        device: &Device,
    ) -> Result<Vec<Neighbour>, ModelError> {
        let channels = self.set.channels;
        if image.len() != channels * size * size {
            return Err(ModelError::Config(format!(
                "the image has {} values; a {size}-pixel image of {channels} channel(s) has {}",
                image.len(),
                channels * size * size
            )));
        }
        if !(1..=MAX_NEIGHBOURS).contains(&k) {
            return Err(ModelError::Config(format!(
                "from 1 to {MAX_NEIGHBOURS} neighbours; got {k}"
            )));
        }
        if image.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Config(
                "the image holds a value that is not finite".into(),
            ));
        }
        let tensor = Tensor::from_data(
            TensorData::new(image.to_vec(), [1, channels, size, size]),
            device,
        );
        let at_size = to_size(tensor, self.set.size)?;
        let query: Vec<f32> = match &self.classifier {
            Some((classifier, _)) => classify(classifier, &at_size, 1)?.1,
            None => at_size
                .into_data()
                .try_into_vec()
                .map_err(|e| ModelError::Other(format!("{e:?}")))?,
        };
        let mut found: Vec<Neighbour> = self
            .features
            .chunks_exact(self.dim)
            .enumerate()
            .map(|(index, f)| Neighbour {
                index,
                distance: f
                    .iter()
                    .zip(&query)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
                    .sqrt(),
            })
            .collect();
        found.sort_by(|a, b| a.distance.total_cmp(&b.distance));
        found.truncate(k);
        Ok(found)
    }

    /// Training image `index` as RGBA bytes.
    pub fn image(&self, index: usize) -> Result<Vec<u8>, ModelError> {
        if index >= self.set.count {
            return Err(ModelError::Config(format!(
                "image {index} is beyond the set's {}",
                self.set.count
            )));
        }
        let len = self.set.image_len();
        let values: Vec<f32> = self.set.pixels[index * len..(index + 1) * len]
            .iter()
            .map(|b| crate::data::normalise(*b))
            .collect();
        crate::data::to_rgba(&values, self.set.channels, self.set.size)
            .map_err(|e| ModelError::Other(e.to_string()))
    }
}
