//! The lab in data space (`gan_playground::plane`) in the page: one object holds every run, in
//! the plane worker, on Burn's CPU backend whatever the page's backend is. Its tensors are a
//! few thousand numbers, where a GPU's per-dispatch cost dominates and SwiftShader's WebGPU is
//! many times slower; reads are synchronous there, which the CPU backend allows.

use burn::tensor::Device;
use wasm_bindgen::prelude::*;

use super::{ErrorKind, js_error, json, kind_error, to_js};
use gan_playground::plane::{self, PlaneError, PlaneSetup};

fn setup(options: JsValue) -> Result<PlaneSetup, JsError> {
    PlaneSetup::from_options(&json(options)?).map_err(js_error)
}

/// A refusal as the page tells it apart: a diverged run by its kind (the page pauses and says
/// so; the runs are already back where they were), anything else by its message.
fn refusal(e: PlaneError) -> JsValue {
    match e {
        PlaneError::Diverged { .. } => kind_error(ErrorKind::RunDiverged, e),
        other => js_error(other).into(),
    }
}

/// The default set-up, whole (the page's controls start from it).
#[wasm_bindgen(js_name = planeDefaults, unchecked_return_type = "PlaneSetup")]
pub fn plane_defaults() -> Result<JsValue, JsError> {
    to_js(&PlaneSetup::default())
}

/// What a set-up may hold: the controls' bounds.
#[wasm_bindgen(js_name = planeLimits, unchecked_return_type = "PlaneLimits")]
pub fn plane_limits() -> Result<JsValue, JsError> {
    to_js(&plane::LIMITS)
}

/// `options` read whole as a set-up (missing keys at their defaults), or the reason it is refused.
#[wasm_bindgen(js_name = readPlaneSetup, unchecked_return_type = "PlaneSetup")]
pub fn read_plane_setup(options: JsValue) -> Result<JsValue, JsError> {
    to_js(&setup(options)?)
}

/// The set-up as a link's `plane=` value.
#[wasm_bindgen(js_name = planeLink)]
pub fn plane_link(options: JsValue) -> Result<String, JsError> {
    Ok(setup(options)?.to_link())
}

/// A link's `plane=` value read back and checked, or the reason it is refused.
#[wasm_bindgen(js_name = planeFromLink, unchecked_return_type = "PlaneSetup")]
pub fn plane_from_link(text: &str) -> Result<JsValue, JsError> {
    to_js(&PlaneSetup::from_link(text).map_err(js_error)?)
}

/// Every run of one set-up, stepped in lockstep.
#[wasm_bindgen(js_name = PlaneLab)]
pub struct PlaneRuns {
    lab: plane::PlaneLab,
}

#[wasm_bindgen(js_class = PlaneLab)]
impl PlaneRuns {
    /// The runs at `keep` (indices into the set-up's costs; all when absent) of `options`.
    pub fn create(options: JsValue, keep: Option<Vec<usize>>) -> Result<PlaneRuns, JsError> {
        let lab = plane::PlaneLab::with_runs(setup(options)?, &Device::flex(), keep.as_deref())
            .map_err(js_error)?;
        Ok(PlaneRuns { lab })
    }

    /// Takes back the last step or stage (when another worker's run diverged in it), then
    /// the frame.
    #[wasm_bindgen(unchecked_return_type = "PlaneFrame")]
    pub fn undo(&mut self) -> Result<JsValue, JsError> {
        self.lab.undo();
        to_js(&self.lab.frame())
    }

    #[wasm_bindgen(unchecked_return_type = "PlaneInfo")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&self.lab.info())
    }

    #[wasm_bindgen(getter)]
    pub fn iteration(&self) -> f64 {
        self.lab.iteration() as f64
    }

    /// `iterations` more (the first finishes one whose D stage was taken alone), then the
    /// frame. Rejects with a `RunDiverged` error when a run diverges: every run is then back
    /// where it was before this request.
    #[wasm_bindgen(unchecked_return_type = "PlaneFrame")]
    pub fn step(&mut self, iterations: usize) -> Result<JsValue, JsValue> {
        if !(1..=1000).contains(&iterations) {
            return Err(JsError::new("iterations per request must be from 1 to 1000").into());
        }
        self.lab.step(iterations).map_err(refusal)?;
        Ok(to_js(&self.lab.frame())?)
    }

    /// The next half of an iteration alone (D's steps, or G's), then the frame: the slow step.
    #[wasm_bindgen(unchecked_return_type = "PlaneFrame")]
    pub fn stage(&mut self) -> Result<JsValue, JsValue> {
        self.lab.stage().map_err(refusal)?;
        Ok(to_js(&self.lab.frame())?)
    }

    #[wasm_bindgen(unchecked_return_type = "PlaneFrame")]
    pub fn frame(&self) -> Result<JsValue, JsError> {
        to_js(&self.lab.frame())
    }

    /// Run `run`'s D(x), logit and arrow at `xy` (`[x, y]` pairs flattened).
    #[wasm_bindgen(unchecked_return_type = "PlaneProbe")]
    pub fn probe(&self, run: usize, xy: &[f32]) -> Result<JsValue, JsError> {
        to_js(&self.lab.probe(run, xy).map_err(js_error)?)
    }
}
