//! The training studio in the page: one run ([`StudioRun`]) in a worker, made from the page's
//! settings or restored from a run snapshot (the studio's own autosave, or `run.safetensors`
//! from `gan-playground train`). Statistics, samples and snapshots are read asynchronously
//! (WebGPU-safe); the synchronous part of a call only queues work.

use std::rc::Rc;

use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::dataset::Dataset;
use super::engine::Engine;
use super::run;
use super::{js_error, to_js};
use gan_playground::checkpoint::{PendingSnapshot, RunSnapshot};
use gan_playground::data::ImageSet;
use gan_playground::latent;
use gan_playground::studio::{self, LIMITS, Preset, StudioConfig};
use gan_playground::train::Trainer;

/// Samples in the studio's grid (8×8), from the z the CLI's sample grids use, so a run's
/// grid in the tab and in `samples/` show the same samples.
const GRID: usize = 64;
const GRID_SEED: u64 = 0xf1ed;

fn config(options: JsValue) -> Result<StudioConfig, JsError> {
    let config: StudioConfig = serde_wasm_bindgen::from_value(options)
        .map_err(|e| JsError::new(&format!("studio settings: {e}")))?;
    config.validate().map_err(js_error)?;
    Ok(config)
}

/// The studio's default settings (`StudioConfig::default()`), for the page's controls.
#[wasm_bindgen(js_name = studioDefaults)]
pub fn studio_defaults() -> Result<JsValue, JsError> {
    to_js(&StudioConfig::default())
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
#[derive(Serialize)]
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
    pub fn step(&mut self) -> Promise {
        run::step(&mut self.run, &self.data)
    }

    /// The 64 samples from the fixed z, as RGBA.
    pub fn samples(&self) -> Promise {
        run::samples(&self.run, self.z.clone())
    }

    /// The run's exact state as snapshot bytes (`run.safetensors`). Rejects, naming the
    /// tensor, when a weight or a moment is NaN or ∞: a diverged run is never kept.
    pub fn snapshot(&self) -> Promise {
        self.read(|snapshot| Ok(snapshot.into_bytes()))
    }

    /// The generator alone (pytorch-dcgan safetensors, f32): what `gan-playground generate`
    /// and the page's explorer load.
    pub fn generator(&self) -> Promise {
        self.read(|snapshot| snapshot.generator_safetensors().map_err(js_error))
    }

    /// A snapshot's bytes made by `then`, once the core has found it finite.
    fn read(
        &self,
        then: impl FnOnce(RunSnapshot) -> Result<Vec<u8>, JsError> + 'static,
    ) -> Promise {
        run::read_snapshot(PendingSnapshot::of(&self.run), |snapshot| {
            snapshot
                .check()
                .map_err(|e| JsError::new(&format!("the run has diverged: {e}")))?;
            then(snapshot)
        })
    }
}
