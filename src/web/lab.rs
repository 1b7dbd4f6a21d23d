//! The loss lab in the page, in two pieces so its runs can live in different workers:
//! [`LabHeadStart`] (one run, D's head start, then `handOver`: the run's exact state as bytes)
//! and [`LabRun`] (one cost's run restored from those bytes: step, samples, snapshot).
//! Statistics, samples and snapshots are read asynchronously (WebGPU-safe); the synchronous
//! part of a call only queues work, so no borrow outlives a call.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::dataset::Dataset;
use super::engine::Engine;
use super::run;
use super::{js_error, to_js};
use gan_playground::checkpoint::{PendingSnapshot, RunSnapshot};
use gan_playground::data::ImageSet;
use gan_playground::lab::{self, HeadStart, LIMITS, LabConfig};
use gan_playground::latent;
use gan_playground::loss::GeneratorCost;
use gan_playground::train::Trainer;

/// Samples per run in the lab's grids (4×4), from one fixed z.
const GRID: usize = 16;

/// The lab's set-up from the page's options, read and checked whole by the core
/// ([`LabConfig::from_options`]: each value by its name, against [`LIMITS`]).
fn config(options: JsValue) -> Result<LabConfig, JsError> {
    LabConfig::from_options(&super::json(options)?).map_err(js_error)
}

/// The lab's default set-up (`LabConfig::default()`, the one docs/LOSS_LAB.md measures), so
/// the page's controls start from the core's values instead of a copy.
#[wasm_bindgen(js_name = labDefaults)]
pub fn lab_defaults() -> Result<JsValue, JsError> {
    let c = LabConfig::default();
    let out = js_sys::Object::new();
    for (key, value) in [
        ("lr", c.train.lr_g),
        ("dSteps", c.train.d_steps as f64),
        ("gSteps", c.train.g_steps as f64),
        ("headStart", c.head_start as f64),
        ("batchSize", c.train.batch_size as f64),
        ("width", c.width as f64),
        ("seed", c.train.seed as f64),
    ] {
        js_sys::Reflect::set(&out, &key.into(), &value.into())
            .map_err(|_| JsError::new("could not build the defaults"))?;
    }
    Ok(out.into())
}

/// What the lab accepts, `{ lr: { min, max }, headStart: …, dSteps, gSteps, batchSize,
/// width }`: the page's controls take their bounds from here.
#[wasm_bindgen(js_name = labLimits, unchecked_return_type = "LabLimits")]
pub fn lab_limits() -> Result<JsValue, JsError> {
    to_js(&LIMITS)
}

/// Throws the reason when `options` would be refused, so the page can refuse a bad value
/// before it changes anything.
#[wasm_bindgen(js_name = validateLabOptions)]
pub fn validate_lab_options(options: JsValue) -> Result<(), JsError> {
    config(options).map(|_| ())
}

/// The first run, before and during the discriminator's head start.
#[wasm_bindgen]
pub struct LabHeadStart {
    head: HeadStart,
    data: Rc<ImageSet>,
}

#[wasm_bindgen]
impl LabHeadStart {
    /// One run on `engine`'s device, initialised from the options' seed; bad options are an
    /// error.
    pub fn create(
        engine: &Engine,
        data: &Dataset,
        options: JsValue,
    ) -> Result<LabHeadStart, JsError> {
        let head =
            HeadStart::new(config(options)?, &data.images(), engine.device()).map_err(js_error)?;
        Ok(LabHeadStart {
            head,
            data: data.images(),
        })
    }

    /// Up to `steps` more head-start steps; returns how many remain.
    pub fn advance(&mut self, steps: usize) -> Result<usize, JsError> {
        self.head.advance(&self.data, steps).map_err(js_error)
    }

    /// The state both runs start from (a run snapshot's bytes); rejects until the head start
    /// is done.
    #[wasm_bindgen(js_name = handOver)]
    pub fn hand_over(&self) -> Promise {
        run::read_snapshot(self.head.hand_over(), |s| Ok(s.into_bytes()))
    }
}

/// One of the lab's two runs.
#[wasm_bindgen]
pub struct LabRun {
    run: Trainer,
    data: Rc<ImageSet>,
    z: Vec<f32>,
}

#[wasm_bindgen]
impl LabRun {
    /// The run for `cost` (`saturating` or `non_saturating`) from a snapshot's bytes (the
    /// head start's hand-over, or a run's own snapshot). A bad snapshot is an error.
    pub fn restore(
        engine: &Engine,
        data: &Dataset,
        snapshot: Vec<u8>,
        cost: &str,
    ) -> Result<LabRun, JsError> {
        let cost = GeneratorCost::parse(cost).map_err(|e| JsError::new(&e))?;
        if !lab::COSTS.contains(&cost) {
            return Err(JsError::new(&format!(
                "the lab compares the saturating and non-saturating costs, not {}",
                cost.name()
            )));
        }
        let snapshot = RunSnapshot::from_bytes(snapshot).map_err(js_error)?;
        let run = lab::restore_run(&snapshot, cost, engine.device()).map_err(js_error)?;
        let prior = run.config.prior;
        Ok(LabRun {
            run,
            data: data.images(),
            z: latent::sample(prior, GRID, 100, 0),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn iteration(&self) -> f64 {
        self.run.iteration as f64
    }

    #[wasm_bindgen(getter, js_name = imageSize)]
    pub fn image_size(&self) -> usize {
        self.data.size
    }

    /// One iteration; resolves its statistics (`{ iteration, dLoss, gCost, dReal,
    /// dFakeBefore, dFakeAfter: null, gGradNorm, dFakeBatch }`: see `run::step`).
    #[wasm_bindgen(unchecked_return_type = "Promise<IterationStats>")]
    pub fn step(&mut self) -> Promise {
        run::step(&mut self.run, &self.data)
    }

    /// The run's 16 samples from the fixed z, as RGBA.
    pub fn samples(&self) -> Promise {
        run::samples(&self.run, self.z.clone())
    }

    /// The run's exact state as snapshot bytes (restore it with [`LabRun::restore`]).
    pub fn snapshot(&self) -> Promise {
        run::read_snapshot(PendingSnapshot::of(&self.run), |s| Ok(s.into_bytes()))
    }
}
