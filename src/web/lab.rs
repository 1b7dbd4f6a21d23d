//! The loss lab's live run in the page: two `Trainer`s from `crate::lab`, stepped from JS.
//! Statistics and samples are read asynchronously (WebGPU-safe); the synchronous part of a
//! step only queues work, so no borrow of the lab outlives a call.

use std::rc::Rc;

use js_sys::{Array, Promise, Uint8ClampedArray};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::engine::{Engine, read_rgba};
use super::js_error;
use crate::data::ImageSet;
use crate::lab::{LabConfig, LossLab};
use crate::latent;

/// Samples per run in the lab's grids (4×4), from one fixed z.
const GRID: usize = 16;

/// A dataset decoded once (idx or idx.gz bytes) and shared by every lab reset.
#[wasm_bindgen]
pub struct LabData {
    images: Rc<ImageSet>,
}

#[wasm_bindgen]
impl LabData {
    pub fn decode(bytes: &[u8]) -> Result<LabData, JsError> {
        let images = ImageSet::from_idx_bytes(bytes, None).map_err(js_error)?;
        Ok(LabData {
            images: Rc::new(images),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.images.count
    }
}

/// What the page may set; anything left out keeps [`LabConfig::default`].
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LabOptions {
    lr: Option<f64>,
    d_steps: Option<usize>,
    g_steps: Option<usize>,
    head_start: Option<usize>,
    batch_size: Option<usize>,
    width: Option<usize>,
    seed: Option<u32>,
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

#[wasm_bindgen]
pub struct Lab {
    lab: LossLab,
    data: Rc<ImageSet>,
    z: Vec<f32>,
}

#[wasm_bindgen]
impl Lab {
    /// Two runs from the same start on `engine`'s device; bad options are an error. Call
    /// `headStart` until it returns 0 before stepping.
    pub fn create(engine: &Engine, data: &LabData, options: JsValue) -> Result<Lab, JsError> {
        let o: LabOptions = if options.is_undefined() || options.is_null() {
            LabOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(js_error)?
        };
        let mut config = LabConfig::default();
        let t = &mut config.train;
        if let Some(lr) = o.lr {
            (t.lr_d, t.lr_g) = (lr, lr);
        }
        t.d_steps = o.d_steps.unwrap_or(t.d_steps);
        t.g_steps = o.g_steps.unwrap_or(t.g_steps);
        t.batch_size = o.batch_size.unwrap_or(t.batch_size);
        t.seed = o.seed.map_or(t.seed, u64::from);
        config.head_start = o.head_start.unwrap_or(config.head_start);
        config.width = o.width.unwrap_or(config.width);
        // Tighter than the core's limits: a tab's wasm memory is small, and running out of it
        // aborts the module.
        if !(1..=256).contains(&config.train.batch_size)
            || !(1..=10).contains(&config.train.d_steps)
            || !(1..=10).contains(&config.train.g_steps)
        {
            return Err(JsError::new(
                "batch size must be 1 to 256, and D and G steps per iteration 1 to 10",
            ));
        }
        let lab = LossLab::prepare(config, &data.images, engine.device()).map_err(js_error)?;
        let z = latent::sample(lab.config.train.prior, GRID, 100, 0);
        Ok(Lab {
            lab,
            data: data.images.clone(),
            z,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn iteration(&self) -> f64 {
        self.lab.iteration() as f64
    }

    #[wasm_bindgen(getter, js_name = imageSize)]
    pub fn image_size(&self) -> usize {
        self.data.size
    }

    /// Up to `steps` more of the discriminator's head start; returns how many remain.
    #[wasm_bindgen(js_name = headStart)]
    pub fn head_start(&mut self, steps: usize) -> Result<usize, JsError> {
        self.lab
            .advance_head_start(&self.data, steps)
            .map_err(js_error)
    }

    /// One iteration of both runs; resolves `[saturating, non_saturating]` statistics.
    pub fn step(&mut self) -> Promise {
        let pending = match self.lab.step(&self.data) {
            Ok(p) => p,
            Err(e) => return Promise::reject(&JsError::new(&e.to_string()).into()),
        };
        future_to_promise(async move {
            let out = Array::new();
            for p in pending {
                let stats = p
                    .read_async()
                    .await
                    .map_err(|e| JsError::new(&e.to_string()))?;
                out.push(&serde_wasm_bindgen::to_value(&stats).map_err(js_error)?);
            }
            Ok(out.into())
        })
    }

    /// Each run's 16 samples from the fixed z, as RGBA: saturating first, then non-saturating.
    pub fn samples(&self) -> Promise {
        if self.lab.runs.len() < 2 {
            let e = JsError::new("the discriminator's head start is not finished");
            return Promise::reject(&e.into());
        }
        let images = self.lab.samples(&self.z);
        let (channels, size) = (self.data.channels, self.data.size);
        future_to_promise(async move {
            let mut rgba = Vec::new();
            for t in images {
                let run = read_rgba(t, channels, size).await;
                rgba.extend(run.map_err(|e| JsError::new(&e))?);
            }
            Ok(Uint8ClampedArray::from(rgba.as_slice()).into())
        })
    }
}
