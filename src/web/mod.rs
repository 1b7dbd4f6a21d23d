//! The wasm boundary: the only module that knows about JavaScript.
//!
//! Every export returns `Result`, so an error reaches the page as a rejected promise or a
//! thrown `Error` with a message instead of a panic that would kill the module.

use wasm_bindgen::prelude::*;

use crate::latent;
use crate::loss::{GeneratorCost, cost_curve};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// The theory curve of a generator cost: `points` samples over [0, 1] with value and slopes.
#[wasm_bindgen(js_name = costCurve)]
pub fn cost_curve_js(cost: &str, points: usize) -> Result<JsValue, JsError> {
    let cost = GeneratorCost::parse(cost).map_err(js_error)?;
    serde_wasm_bindgen::to_value(&cost_curve(cost, points.min(10_000))).map_err(js_error)
}

/// Decodes a latent code from a URL; a malformed one is a thrown error with the reason.
#[wasm_bindgen(js_name = decodeLatent)]
pub fn decode_latent(code: &str, dim: usize) -> Result<Vec<f32>, JsError> {
    latent::decode(code, Some(dim)).map_err(js_error)
}

#[wasm_bindgen(js_name = encodeLatent)]
pub fn encode_latent(z: Vec<f32>) -> String {
    latent::encode(&z)
}
