//! What the lab's runs and the studio's run share: an iteration, samples and a snapshot, each
//! queued synchronously and resolved by a promise that reads asynchronously (the only read
//! WebGPU allows), so no borrow outlives a call.

use js_sys::{Promise, Uint8Array, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::engine::read_rgba;
use super::{js_error, to_js};
use gan_playground::checkpoint::{CheckpointError, PendingSnapshot, RunSnapshot};
use gan_playground::data::ImageSet;
use gan_playground::train::{Measure, Trainer};

/// One iteration of `run` on `data`; resolves its statistics (`{ iteration, dLoss, gCost,
/// dReal, dFakeBefore, dFakeAfter: null, gGradNorm, dFakeBatch }`). The page shows no
/// D(G(z)) after G's step, so it is not measured (`Measure::WithoutAfter`: the same training,
/// one forward pass of G and D less).
pub(super) fn step(run: &mut Trainer, data: &ImageSet) -> Promise {
    let pending = match run.iteration_with(data, Measure::WithoutAfter) {
        Ok(p) => p,
        Err(e) => return Promise::reject(&js_error(e).into()),
    };
    future_to_promise(async move {
        let stats = pending
            .read_async()
            .await
            .map_err(|e| JsValue::from(js_error(e)))?;
        to_js(&stats).map_err(JsValue::from)
    })
}

/// `run`'s samples from `z`, resolved as RGBA.
pub(super) fn samples(run: &Trainer, z: Vec<f32>) -> Promise {
    let images = match run.sample(z) {
        Ok(t) => t,
        Err(e) => return Promise::reject(&js_error(e).into()),
    };
    let (channels, size) = (run.model.channels, run.model.image_size);
    future_to_promise(async move {
        let rgba = read_rgba(images, channels, size)
            .await
            .map_err(|e| JsValue::from(JsError::new(&e)))?;
        Ok(Uint8ClampedArray::from(rgba.as_slice()).into())
    })
}

/// Resolves the bytes `then` makes of a snapshot once it is read.
pub(super) fn read_snapshot(
    pending: Result<PendingSnapshot, CheckpointError>,
    then: impl FnOnce(RunSnapshot) -> Result<Vec<u8>, JsValue> + 'static,
) -> Promise {
    let pending = match pending {
        Ok(p) => p,
        Err(e) => return Promise::reject(&js_error(e).into()),
    };
    future_to_promise(async move {
        let snapshot = pending
            .read_async()
            .await
            .map_err(|e| JsValue::from(js_error(e)))?;
        Ok(Uint8Array::from(then(snapshot)?.as_slice()).into())
    })
}
