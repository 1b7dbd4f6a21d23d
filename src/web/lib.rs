//! The wasm boundary: the only code that knows about JavaScript.
//!
//! Every export returns `Result` (or a `Promise` that rejects), so an error reaches the page
//! as an `Error` with a message instead of a panic that would kill the module.
// Empty on any other target, so that `cargo build --workspace` natively still works.
#![cfg(target_arch = "wasm32")]

mod dataset;
mod engine;
mod lab;
mod plane;
mod run;
mod studio;
mod tools;

use gan_playground::model::Upsample;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use gan_playground::latent::{self, Prior};
use gan_playground::limits;
use gan_playground::loss::{GeneratorCost, cost_curve};

pub use dataset::{Dataset, OwnImageGatherer, own_image_limits};
pub use engine::{Engine, LoadedGenerator};
pub use lab::{LabHeadStart, LabRun, lab_defaults, lab_limits, validate_lab_options};
pub use plane::{
    PlaneRuns, plane_defaults, plane_from_link, plane_limits, plane_link, read_plane_setup,
};
pub use studio::{
    QualityMeter, StudioRun, studio_defaults, studio_limits, validate_studio_options,
};
pub use tools::{LatentProjection, NearestImages, class_directions, latent_directions};

unsafe extern "C" {
    /// Synthesised by wasm-ld: runs the static constructors (`inventory` registrations).
    fn __wasm_call_ctors();
}

/// Runs once when the module loads (and is safe to call again: a test harness that does not
/// run the start function calls it first).
#[wasm_bindgen(start)]
pub fn start() {
    // Unless the module calls the constructors itself, wasm-ld wraps every export so that it
    // re-runs them on each call: ~1 ms per call into the module, seconds per plot redraw.
    // Referencing them here turns the wrapping off, so they must run here, exactly once.
    static CONSTRUCTORS: std::sync::Once = std::sync::Once::new();
    CONSTRUCTORS.call_once(|| unsafe { __wasm_call_ctors() });
    console_error_panic_hook::set_once();
}

fn js_error(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// What the page tells apart by kind (an Error's `name`, which the worker passes on), never by
/// the words of its message. `www/protocol.js` lists the same names as `ErrorKind`.
#[derive(Clone, Copy)]
enum ErrorKind {
    /// A snapshot was refused because a weight or a moment is NaN or ∞: the run diverged
    /// (the message says which tensor), and the studio rolls back.
    RunDiverged,
}

/// An Error of `kind` whose message is `e`.
fn kind_error(kind: ErrorKind, e: impl std::fmt::Display) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    error.set_name(match kind {
        ErrorKind::RunDiverged => "RunDiverged",
    });
    error.into()
}

/// A plain JS object (camelCase keys, as every object crossing this boundary has); maps (and
/// flattened structs) become objects too, not `Map`s.
fn to_js(value: &impl Serialize) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(js_error)
}

/// A settings object from the page as JSON, for the core to read by name. A number that JSON
/// cannot hold (NaN, ±∞) is kept as its text, so the message quotes what was given.
fn json(value: JsValue) -> Result<serde_json::Value, JsError> {
    fn convert(value: &JsValue, depth: usize) -> Result<serde_json::Value, JsError> {
        use serde_json::Value;
        if depth > 4 {
            return Err(JsError::new("the settings are nested too deeply"));
        }
        Ok(if value.is_undefined() || value.is_null() {
            Value::Null
        } else if let Some(b) = value.as_bool() {
            Value::Bool(b)
        } else if let Some(n) = value.as_f64() {
            let text = || match n {
                _ if n.is_nan() => "NaN",
                _ if n > 0.0 => "Infinity",
                _ => "-Infinity",
            };
            serde_json::Number::from_f64(n)
                .map_or_else(|| Value::String(text().into()), Value::Number)
        } else if let Some(s) = value.as_string() {
            Value::String(s)
        } else if let Some(array) = value.dyn_ref::<js_sys::Array>() {
            Value::Array(
                array
                    .iter()
                    .map(|v| convert(&v, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        } else if let Some(object) = value.dyn_ref::<js_sys::Object>() {
            let mut map = serde_json::Map::new();
            for entry in js_sys::Object::entries(object).iter() {
                let pair = js_sys::Array::from(&entry);
                let key = pair.get(0).as_string().unwrap_or_default();
                map.insert(key, convert(&pair.get(1), depth + 1)?);
            }
            Value::Object(map)
        } else {
            Value::String(format!("{value:?}")) // a symbol, a BigInt: quoted as such
        })
    }
    convert(&value, 0)
}

fn prior(name: &str) -> Result<Prior, JsError> {
    Prior::parse(name).map_err(|e| JsError::new(&e))
}

fn same_length(a: &[f32], b: &[f32]) -> Result<(), JsError> {
    if a.len() == b.len() && !a.is_empty() && a.len() <= latent::MAX_DIM {
        Ok(())
    } else {
        Err(JsError::new(&format!(
            "latent vectors must have the same length (1 to {}): got {} and {}",
            latent::MAX_DIM,
            a.len(),
            b.len()
        )))
    }
}

/// How this instance's generators upsample (`transposed` or `sub-pixel`: the same function,
/// a kernel choice the page's `?upsample=` makes for timing; see bench/RESULTS.md).
#[wasm_bindgen(js_name = chooseUpsample)]
pub fn choose_upsample(name: &str) -> Result<(), JsError> {
    Upsample::parse(name)
        .map(Upsample::choose)
        .map_err(|e| JsError::new(&e))
}

/// `name` if it names a way to upsample, else the reason it does not (the page checks its
/// URL's `?upsample=` with this before any worker starts).
#[wasm_bindgen(js_name = readUpsample)]
pub fn read_upsample(name: &str) -> Result<String, JsError> {
    Upsample::parse(name)
        .map(|u| u.name().to_string())
        .map_err(|e| JsError::new(&e))
}

/// The theory curve of a generator cost: `points` samples over [0, 1] with value and slopes.
#[wasm_bindgen(js_name = costCurve)]
pub fn cost_curve_js(cost: &str, points: usize) -> Result<JsValue, JsError> {
    let cost = GeneratorCost::parse(cost).map_err(js_error)?;
    to_js(&cost_curve(cost, points.min(10_000)))
}

/// A cost's closed form at one D(G(z)) = `d` in [0, 1]: `{ d, logit, cost, slopeD, slopeLogit }`.
#[wasm_bindgen(js_name = costAt)]
pub fn cost_at(cost: &str, d: f64) -> Result<JsValue, JsError> {
    let cost = GeneratorCost::parse(cost).map_err(js_error)?;
    if !(0.0..=1.0).contains(&d) {
        return Err(JsError::new(&format!("D(G(z)) must be in [0, 1], got {d}")));
    }
    to_js(&gan_playground::loss::curve_point(cost, d))
}

/// The page's list of models, validated whole: `{ default, models: [{ id, name, weights, prior }] }`,
/// or an error that names what is wrong with the file.
#[wasm_bindgen(js_name = readManifest)]
pub fn read_manifest(text: &str) -> Result<JsValue, JsError> {
    to_js(&gan_playground::manifest::Manifest::parse(text).map_err(|e| JsError::new(&e))?)
}

/// The largest generator file the page opens, in bytes (checked before a file is read).
#[wasm_bindgen(js_name = generatorFileLimit)]
pub fn generator_file_limit() -> usize {
    gan_playground::checkpoint::MAX_GENERATOR_BYTES
}

/// Sizes of a generator file (`{ latent, imageSize, channels }`), read from its header;
/// a file that is not a DCGAN generator is an error.
#[wasm_bindgen(js_name = describeGenerator)]
pub fn describe_generator(bytes: &[u8]) -> Result<JsValue, JsError> {
    let max = gan_playground::checkpoint::MAX_GENERATOR_BYTES;
    if bytes.len() > max {
        return Err(JsError::new(&format!(
            "the file is {} bytes; a generator file may be up to {max} bytes ({} MB)",
            bytes.len(),
            max >> 20
        )));
    }
    let config = gan_playground::checkpoint::infer_generator_config(bytes).map_err(js_error)?;
    let out = js_sys::Object::new();
    for (key, value) in [
        ("latent", config.latent),
        ("imageSize", config.image_size),
        ("channels", config.channels),
    ] {
        js_sys::Reflect::set(&out, &key.into(), &(value as f64).into())
            .map_err(|_| JsError::new("could not build the description"))?;
    }
    Ok(out.into())
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

/// z rounded to what a link holds (f16), so the image on screen is the one a link reproduces.
#[wasm_bindgen(js_name = quantizeLatent)]
pub fn quantize_latent(z: Vec<f32>) -> Vec<f32> {
    latent::quantize(&z)
}

/// `count` latent vectors `[count, dim]` from the prior; the same seed gives the same z as
/// the CLI. Seeds are u32 on this side so JavaScript numbers hold them exactly.
#[wasm_bindgen(js_name = sampleLatent)]
pub fn sample_latent(
    prior_name: &str,
    count: usize,
    dim: usize,
    seed: u32,
) -> Result<Vec<f32>, JsError> {
    if count == 0 || count > 1024 || dim == 0 || dim > latent::MAX_DIM {
        return Err(JsError::new(&format!(
            "asked for {count} latent vectors of {dim} values (1 to 1024 of 1 to {})",
            latent::MAX_DIM
        )));
    }
    Ok(latent::sample(prior(prior_name)?, count, dim, seed.into()))
}

/// A seed as a seed box or a link holds it (a number, or the text typed there), read against
/// the one seed range ([`limits::SEED`]); the error says what a seed must be.
#[wasm_bindgen(js_name = readSeed)]
pub fn read_seed(value: JsValue) -> Result<u32, JsError> {
    let seed = limits::SEED.read("seed", &json(value)?).map_err(js_error)?;
    u32::try_from(seed).map_err(js_error)
}

/// `[low, high]` a slider for one dimension spans.
#[wasm_bindgen(js_name = sliderRange)]
pub fn slider_range(prior_name: &str) -> Result<Vec<f32>, JsError> {
    let (low, high) = prior(prior_name)?.slider_range();
    Ok(vec![low, high])
}

/// √E‖z‖²: where samples' norms concentrate.
#[wasm_bindgen(js_name = typicalNorm)]
pub fn typical_norm(prior_name: &str, dim: usize) -> Result<f32, JsError> {
    Ok(prior(prior_name)?.typical_norm(dim))
}

#[wasm_bindgen(js_name = latentNorm)]
pub fn latent_norm(z: Vec<f32>) -> f32 {
    latent::norm(&z)
}

/// `a − b + c`, quantized as a link stores z (`latent::arithmetic`).
#[wasm_bindgen(js_name = latentArithmetic)]
pub fn latent_arithmetic(a: Vec<f32>, b: Vec<f32>, c: Vec<f32>) -> Result<Vec<f32>, JsError> {
    latent::arithmetic(&a, &b, &c).map_err(js_error)
}

/// Interpolates from `a` to `b` at `t` in [0, 1]; `mode` is `lerp` or `slerp`.
#[wasm_bindgen]
pub fn interpolate(mode: &str, a: Vec<f32>, b: Vec<f32>, t: f32) -> Result<Vec<f32>, JsError> {
    same_length(&a, &b)?;
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    match mode {
        "lerp" => Ok(latent::lerp(&a, &b, t)),
        "slerp" => Ok(latent::slerp(&a, &b, t)),
        _ => Err(JsError::new(&format!(
            "unknown interpolation {mode:?}: expected lerp or slerp"
        ))),
    }
}

/// One step of the prior-preserving random walk, seeded so a walk can be replayed.
#[wasm_bindgen(js_name = randomWalkStep)]
pub fn random_walk_step(
    z: Vec<f32>,
    prior_name: &str,
    step: f32,
    seed: u32,
) -> Result<Vec<f32>, JsError> {
    same_length(&z, &z)?;
    let step = if step.is_finite() { step } else { 0.0 };
    Ok(latent::random_walk_step(
        &z,
        prior(prior_name)?,
        step,
        &mut latent::rng(seed.into()),
    ))
}
