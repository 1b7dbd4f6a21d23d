//! The explorer's tools that need more than one image's work: directions that sample (PCA,
//! classes), the nearest training images, and projecting a drawing into z. They run in the
//! page's tools worker on Burn's CPU backend whatever the page's backend is: each is a few
//! thousand small forward passes or one small batch stepped many times, which SwiftShader's
//! WebGPU runs 7–9× slower than the CPU, and whose targets (issue 30) are set on the CPU path.

use burn::tensor::Device;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::dataset::Dataset;
use super::{js_error, prior, to_js};
use gan_playground::checkpoint::{classifier_from_burn, infer_generator_config};
use gan_playground::data::from_rgba;
use gan_playground::directions::{self, Sampling};
use gan_playground::invert::{Encoder, InvertSettings, Projection};
use gan_playground::metrics::ClassifierConfig;
use gan_playground::nearest::NearestIndex;

/// z drawn for PCA and for class directions (fixed, so a link's direction is the same
/// direction in every browser).
const PCA_SAMPLES: usize = 1_000;
const CLASS_SAMPLES: usize = 2_000;
const SAMPLING_SEED: u64 = 0;

/// The `count` strongest directions of a generator's weights by `method` (`sefa`, `pca`),
/// strongest first: `{ vectors, strengths, names }`.
#[wasm_bindgen(js_name = latentDirections, unchecked_return_type = "Directions")]
pub fn latent_directions(
    weights: &[u8],
    method: &str,
    count: usize,
    prior_name: &str,
) -> Result<JsValue, JsError> {
    let found = match method {
        "sefa" => directions::sefa(weights, count).map_err(js_error)?,
        "pca" => directions::pca(
            weights,
            count,
            &Sampling {
                prior: prior(prior_name)?,
                samples: PCA_SAMPLES,
                seed: SAMPLING_SEED,
            },
        )
        .map_err(js_error)?,
        other => {
            return Err(JsError::new(&format!(
                "unknown direction method “{other}” (expected sefa, pca or classes)"
            )));
        }
    };
    to_js(&found)
}

/// The "toward" directions of a generator, one per class of the quality classifier (its Burn
/// record) that its samples fall in often enough; `names` names the classes.
#[wasm_bindgen(js_name = classDirections, unchecked_return_type = "Directions")]
pub fn class_directions(
    weights: &[u8],
    classifier: &[u8],
    names: Vec<String>,
    prior_name: &str,
) -> Result<JsValue, JsError> {
    let model = infer_generator_config(weights).map_err(js_error)?;
    let config = ClassifierConfig {
        channels: model.channels,
        ..ClassifierConfig::default()
    };
    let device = Device::flex();
    let classifier = classifier_from_burn(&config, classifier, &device).map_err(js_error)?;
    let sampling = Sampling {
        prior: prior(prior_name)?,
        samples: CLASS_SAMPLES,
        seed: SAMPLING_SEED,
    };
    to_js(
        &directions::classes(weights, &classifier, &config, &names, &sampling, &device)
            .map_err(js_error)?,
    )
}

/// A generator's training images, to search for those nearest the image on screen.
#[wasm_bindgen]
pub struct NearestImages {
    index: NearestIndex,
}

#[wasm_bindgen]
impl NearestImages {
    /// Over `data`, in the features of `classifier` (a Burn record) when given, else in pixels.
    pub fn create(data: &Dataset, classifier: Option<Vec<u8>>) -> Result<NearestImages, JsError> {
        let set = data.images();
        let classifier = match classifier {
            Some(bytes) => Some(
                classifier_from_burn(&ClassifierConfig::for_images(&set), &bytes, &Device::flex())
                    .map_err(js_error)?,
            ),
            None => None,
        };
        Ok(NearestImages {
            index: NearestIndex::new(set, classifier).map_err(js_error)?,
        })
    }

    /// Measures up to `chunk` more images; answers how many remain.
    pub fn extend(&mut self, chunk: usize) -> Result<usize, JsError> {
        self.index.extend(chunk, &Device::flex()).map_err(js_error)
    }

    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.index.count()
    }

    #[wasm_bindgen(getter, js_name = byFeatures)]
    pub fn by_features(&self) -> bool {
        self.index.by_features()
    }

    /// The `k` nearest to `rgba` (one `size`-pixel image's RGBA bytes), nearest first:
    /// `[{ index, distance }]`.
    #[wasm_bindgen(unchecked_return_type = "Neighbour[]")]
    pub fn query(&self, rgba: &[u8], size: usize, k: usize) -> Result<JsValue, JsError> {
        let image = from_rgba(rgba, self.index.channels(), size).map_err(js_error)?;
        to_js(
            &self
                .index
                .query(&image, size, k, &Device::flex())
                .map_err(js_error)?,
        )
    }

    /// Training image `index` as RGBA bytes.
    pub fn image(&self, index: usize) -> Result<Vec<u8>, JsError> {
        self.index.image(index).map_err(js_error)
    }
}

/// Checks an encoder file (the projection's first guess) whole against the generator in
/// `weights`: it throws with what is wrong, so a page can say so and search without it.
#[wasm_bindgen(js_name = checkEncoder)]
pub fn check_encoder(weights: &[u8], encoder: &[u8]) -> Result<(), JsError> {
    let config = infer_generator_config(weights).map_err(js_error)?;
    Encoder::from_safetensors(&config, encoder, &Device::flex())
        .map(|_| ())
        .map_err(js_error)
}

/// A drawing (or an image) being projected into a generator's z.
#[wasm_bindgen]
pub struct LatentProjection {
    projection: std::rc::Rc<std::cell::RefCell<Projection>>,
}

#[wasm_bindgen]
impl LatentProjection {
    /// Projects `rgba` (one image at the generator's size, RGBA bytes) through the generator in
    /// `weights`, from restarts drawn from the prior with `seed`; with `encoder` (a file that
    /// [`check_encoder`] accepted), the first restart is its guess and the search is the
    /// guided one.
    pub fn create(
        weights: &[u8],
        rgba: &[u8],
        prior_name: &str,
        seed: u32,
        encoder: Option<Vec<u8>>,
    ) -> Result<LatentProjection, JsError> {
        let config = infer_generator_config(weights).map_err(js_error)?;
        let target = from_rgba(rgba, config.channels, config.image_size).map_err(js_error)?;
        let (prior, device) = (prior(prior_name)?, Device::flex());
        let settings = match encoder {
            Some(_) => InvertSettings::guided(prior, seed.into()),
            None => InvertSettings::new(prior, seed.into()),
        };
        let mut projection =
            Projection::new(weights, &target, settings, &device).map_err(js_error)?;
        if let Some(bytes) = encoder {
            let encoder = Encoder::from_safetensors(&config, &bytes, &device).map_err(js_error)?;
            projection.start_from(&encoder).map_err(js_error)?;
        }
        Ok(LatentProjection {
            projection: std::rc::Rc::new(std::cell::RefCell::new(projection)),
        })
    }

    /// `steps` more steps; resolves the best so far (`{ iteration, error, z, improved }`).
    #[wasm_bindgen(unchecked_return_type = "Promise<Projected>")]
    pub fn step(&self, steps: usize) -> Promise {
        let projection = self.projection.clone();
        future_to_promise(async move {
            let pending = projection.borrow_mut().step(steps).map_err(js_error)?;
            let errors = pending.errors.into_data_async().await.map_err(read)?;
            let z = pending.z.into_data_async().await.map_err(read)?;
            let images = match pending.images {
                Some(images) => Some(
                    images
                        .into_data_async()
                        .await
                        .map_err(read)?
                        .try_into_vec::<f32>()
                        .map_err(read)?,
                ),
                None => None,
            };
            let (errors, z) = (
                errors.try_into_vec::<f32>().map_err(read)?,
                z.try_into_vec::<f32>().map_err(read)?,
            );
            let seen = projection
                .borrow_mut()
                .observe(&errors, &z, images.as_deref())
                .map_err(js_error)?;
            Ok(to_js(&seen)?)
        })
    }
}

fn read(e: impl std::fmt::Debug) -> JsValue {
    js_error(format!("reading the projection failed: {e:?}")).into()
}
