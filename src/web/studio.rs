//! The training studio in the page: one run ([`StudioRun`]) in a worker, made from the page's
//! settings or restored from a run snapshot (the studio's own autosave, or `run.safetensors`
//! from `gan-playground train`). Statistics, samples and snapshots are read asynchronously
//! (WebGPU-safe); the synchronous part of a call only queues work.

use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::dataset::Dataset;
use super::engine::Engine;
use super::run;
use super::{ErrorKind, js_error, kind_error, to_js};
use gan_playground::checkpoint::{
    CheckpointError, PendingSnapshot, RunSnapshot, classifier_from_burn,
};
use gan_playground::data::ImageSet;
use gan_playground::latent;
use gan_playground::metrics::{ClassifierConfig, Meter};
use gan_playground::model::ModelError;
use gan_playground::model::read_values_async;
use gan_playground::studio::{self, LIMITS, Preset, StudioConfig};
use gan_playground::train::{Recipe, Trainer, averaged_generator};

/// Samples in the studio's grid (8×8), from the z the CLI's sample grids use, so a run's
/// grid in the tab and in `samples/` show the same samples.
const GRID: usize = 64;
const GRID_SEED: u64 = 0xf1ed;
/// The z of the quality samples, and the draw of the meter's real images.
const QUALITY_SEED: u64 = 0x5c0e;

/// The studio's settings from the page, read and checked whole by the core
/// ([`StudioConfig::from_options`]: each value by its name, against [`LIMITS`]).
fn config(options: JsValue) -> Result<StudioConfig, JsError> {
    StudioConfig::from_options(&super::json(options)?).map_err(js_error)
}

/// One of the page's cadences (`targetSteps`, `historyEvery`, `measureEvery`) as a control
/// holds it, read by the core against the studio's limits; the error names it and its range.
#[wasm_bindgen(js_name = readStudioCadence)]
pub fn read_studio_cadence(key: &str, value: JsValue) -> Result<f64, JsError> {
    let steps = studio::read_cadence(key, &super::json(value)?).map_err(js_error)?;
    Ok(steps as f64)
}

/// The studio's default settings (`StudioConfig::default()`), for the page's controls.
#[wasm_bindgen(js_name = studioDefaults)]
pub fn studio_defaults() -> Result<JsValue, JsError> {
    to_js(&StudioConfig::default())
}

/// `options` (the studio's settings) with the levers of the recipe named `name` (`dcgan` or
/// `modern`) at the studio's rate; the sizes, seed and batch stay.
#[wasm_bindgen(js_name = studioRecipe)]
pub fn studio_recipe(name: &str, options: JsValue) -> Result<JsValue, JsError> {
    let recipe = Recipe::parse(name).map_err(|e| JsError::new(&e))?;
    let current = config(options)?;
    to_js(&current.with_recipe(recipe))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PresetInfo {
    id: Preset,
    image_size: usize,
    width: usize,
}

/// What the studio accepts (`{ lr: { min, max }, …, presets: [{ id, imageSize, width }] }`):
/// the page's controls take their bounds and choices from here.
#[wasm_bindgen(js_name = studioLimits)]
pub fn studio_limits() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Limits {
        #[serde(flatten)]
        limits: studio::StudioLimits,
        presets: Vec<PresetInfo>,
    }
    let presets = Preset::ALL
        .into_iter()
        .map(|id| {
            let m = id.model(1).map_err(js_error)?;
            Ok(PresetInfo {
                id,
                image_size: m.image_size,
                width: m.g_width,
            })
        })
        .collect::<Result<_, JsError>>()?;
    to_js(&Limits {
        limits: LIMITS,
        presets,
    })
}

/// Throws the reason when `options` would be refused, so the page refuses a bad value
/// before it changes anything.
#[wasm_bindgen(js_name = validateStudioOptions)]
pub fn validate_studio_options(options: JsValue) -> Result<(), JsError> {
    config(options).map(|_| ())
}

/// What a run is: its settings (as the controls show them), its preset when its architecture
/// is one (a CLI run may have another), its sizes and how far it is.
#[derive(tsify::Tsify, Serialize)]
#[serde(rename_all = "camelCase")]
struct RunInfo {
    iteration: u64,
    preset: Option<Preset>,
    config: StudioConfig,
    image_size: usize,
    channels: usize,
    g_width: usize,
    d_width: usize,
}

/// The studio's run.
#[wasm_bindgen]
pub struct StudioRun {
    run: Trainer,
    data: Rc<ImageSet>,
    z: Vec<f32>,
}

#[wasm_bindgen]
impl StudioRun {
    /// A fresh run of `options` on `data`, initialised from the options' seed.
    pub fn create(engine: &Engine, data: &Dataset, options: JsValue) -> Result<StudioRun, JsError> {
        let (run, images) = studio::new_run(&config(options)?, &data.images(), engine.device())
            .map_err(js_error)?;
        Ok(StudioRun::of(run, images))
    }

    /// The run a snapshot holds, on `data`. A bad, mismatched or oversized snapshot is an
    /// error and builds nothing.
    pub fn restore(
        engine: &Engine,
        data: &Dataset,
        snapshot: Vec<u8>,
    ) -> Result<StudioRun, JsError> {
        let (run, images) =
            studio::restore_run(snapshot, &data.images(), engine.device()).map_err(js_error)?;
        Ok(StudioRun::of(run, images))
    }

    fn of(run: Trainer, images: ImageSet) -> StudioRun {
        let z = latent::sample(
            run.config.prior,
            GRID,
            run.model.latent,
            run.config.seed ^ GRID_SEED,
        );
        StudioRun {
            run,
            data: Rc::new(images),
            z,
        }
    }

    /// `{ iteration, preset, config, imageSize, channels, gWidth, dWidth }`.
    #[wasm_bindgen(unchecked_return_type = "RunInfo")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        let (preset, config) = StudioConfig::of_run(&self.run.model, &self.run.config);
        let m = &self.run.model;
        to_js(&RunInfo {
            iteration: self.run.iteration,
            preset,
            config,
            image_size: m.image_size,
            channels: m.channels,
            g_width: m.g_width,
            d_width: m.d_width,
        })
    }

    /// One iteration (k D steps, m G steps); resolves its statistics.
    #[wasm_bindgen(unchecked_return_type = "Promise<IterationStats>")]
    pub fn step(&mut self) -> Promise {
        run::step(&mut self.run, &self.data)
    }

    /// The 64 samples from the fixed z, as RGBA.
    pub fn samples(&self) -> Promise {
        run::samples(&self.run, self.z.clone())
    }

    /// The run's exact state as snapshot bytes (`run.safetensors`). Rejects with a
    /// `RunDiverged` error, naming the tensor, when a weight or a moment is NaN or ∞: a
    /// diverged run is never kept.
    pub fn snapshot(&self) -> Promise {
        self.read(|snapshot| Ok(snapshot.into_bytes()))
    }

    /// The generator the run ships (pytorch-dcgan safetensors, f32): G's moving average when
    /// the run keeps one, else G. What `gan-playground generate` and the page's explorer load.
    pub fn generator(&self) -> Promise {
        self.read(|snapshot| {
            snapshot
                .shipped_generator_safetensors(&Device::flex())
                .map_err(js_error)
        })
    }

    /// The quality of the generator the run ships, now: `meter.samples` samples from a fixed z,
    /// scored on the CPU (`{ classifierScore, frechetDistance, floor, samples, … }`).
    #[wasm_bindgen(unchecked_return_type = "Promise<Measured>")]
    pub fn quality(&self, meter: &QualityMeter) -> Promise {
        let run = &self.run;
        let (model, prior) = (run.model.clone(), run.config.prior);
        let meter = meter.meter.clone();
        let n = meter.samples;
        let z = latent::sample(prior, n, model.latent, run.config.seed ^ QUALITY_SEED);
        let seed = run.config.seed ^ run.iteration;
        // With an average, its weights (read once) make a generator on the CPU; without, G
        // draws on the run's own device and only the images are read.
        let source = match &run.average {
            Some(average) => Err(average.values().to_vec()),
            None => match run.sample(z.clone()) {
                Ok(images) => Ok(images),
                Err(e) => return Promise::reject(&js_error(e).into()),
            },
        };
        future_to_promise(async move {
            let fail = |e: String| JsValue::from(JsError::new(&e));
            let cpu = Device::flex();
            let images = match source {
                Ok(images) => {
                    let dims = images.dims();
                    let data = images
                        .into_data_async()
                        .await
                        .map_err(|e| fail(format!("reading the samples failed: {e:?}")))?;
                    let values = data
                        .try_into_vec::<f32>()
                        .map_err(|e| fail(format!("{e:?}")))?;
                    Tensor::<4>::from_data(TensorData::new(values, dims), &cpu)
                }
                Err(average) => {
                    let specs = model.generator_tensors();
                    let values = read_values_async(&specs, average)
                        .await
                        .map_err(|e| fail(e.to_string()))?;
                    let g = averaged_generator(&model, values, prior, seed, &cpu)
                        .map_err(|e| fail(e.to_string()))?;
                    let z = latent::to_tensor(z, model.latent, &cpu)
                        .map_err(|e| fail(e.to_string()))?;
                    g.forward(z)
                }
            };
            let measured = meter.measure(images).map_err(|e| fail(e.to_string()))?;
            to_js(&measured).map_err(JsValue::from)
        })
    }

    /// A snapshot's bytes made by `then`, once the core has found it finite.
    fn read(
        &self,
        then: impl FnOnce(RunSnapshot) -> Result<Vec<u8>, JsError> + 'static,
    ) -> Promise {
        run::read_snapshot(PendingSnapshot::of(&self.run), |snapshot| {
            snapshot.check().map_err(|e| match e {
                CheckpointError::Model(ModelError::NotFinite(_)) => {
                    kind_error(ErrorKind::RunDiverged, e)
                }
                other => js_error(other).into(),
            })?;
            then(snapshot).map_err(JsValue::from)
        })
    }
}

/// What a studio run's quality is measured with: the dataset's classifier and the statistics
/// of as many real images as samples (MNIST and Fashion-MNIST, at 28 pixels).
#[wasm_bindgen]
pub struct QualityMeter {
    meter: Rc<Meter>,
}

#[wasm_bindgen]
impl QualityMeter {
    /// From the classifier's Burn record and the dataset's real images; `samples` per
    /// measurement (the real ones are drawn once, here).
    pub fn create(
        classifier: &[u8],
        data: &Dataset,
        samples: usize,
    ) -> Result<QualityMeter, JsError> {
        let (images, device) = (data.images(), Device::flex());
        let classifier =
            classifier_from_burn(&ClassifierConfig::for_images(&images), classifier, &device)
                .map_err(js_error)?;
        let meter =
            Meter::new(classifier, &images, samples, QUALITY_SEED, &device).map_err(js_error)?;
        Ok(QualityMeter {
            meter: Rc::new(meter),
        })
    }

    /// The Fréchet distance between two disjoint sets of `samples` real images: what a perfect
    /// generator reads with this meter.
    #[wasm_bindgen(getter)]
    pub fn floor(&self) -> f64 {
        self.meter.floor
    }

    #[wasm_bindgen(getter)]
    pub fn samples(&self) -> usize {
        self.meter.samples
    }
}
