//! Devices and loaded generators for the page.
//!
//! Generation resolves a `Promise`: the tensor is read with `into_data_async`, the only read
//! that works on WebGPU. Modules are cheap to clone (shared parameters), so each promise owns
//! what it needs and no `&self` borrow outlives a call.

use std::cell::RefCell;

use burn::tensor::{Device, Tensor};
use js_sys::{Promise, Uint8ClampedArray};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::js_error;
use gan_playground::checkpoint::{generator_from_safetensors, infer_generator_config};
use gan_playground::data::to_rgba;
use gan_playground::latent;
use gan_playground::model::{Generator, ModelConfig};

/// Most images one call may ask for (an 8×8 grid is 64).
const MAX_BATCH: usize = 256;

thread_local! {
    // Burn registers one WebGPU runtime per page; a second `init_async` is an error.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// Where tensors live: the browser's WebGPU device or Burn's CPU backend (`flex`) in wasm.
#[wasm_bindgen]
pub struct Engine {
    device: Device,
    backend: &'static str,
}

#[wasm_bindgen]
impl Engine {
    /// Creates (once) and returns the WebGPU engine; rejects with the reason when the browser
    /// has no usable adapter.
    #[cfg(feature = "webgpu")]
    pub async fn webgpu() -> Result<Engine, JsError> {
        if let Some(device) = WEBGPU.with(|d| d.borrow().clone()) {
            return Ok(Engine {
                device,
                backend: "webgpu",
            });
        }
        let device = Device::wgpu_options()
            .init_async()
            .await
            .map_err(|e| JsError::new(&format!("WebGPU could not start: {e}")))?;
        WEBGPU.with(|d| *d.borrow_mut() = Some(device.clone()));
        Ok(Engine {
            device,
            backend: "webgpu",
        })
    }

    /// Burn's CPU backend, compiled into this module: always available.
    pub fn cpu() -> Engine {
        Engine {
            device: Device::flex(),
            backend: "cpu",
        }
    }

    pub(crate) fn device(&self) -> &Device {
        &self.device
    }

    /// `"webgpu"` or `"cpu"`.
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.backend.to_string()
    }

    /// Loads a generator from pytorch-dcgan safetensors bytes (f32 or f16); sizes are read
    /// from the file. A malformed file is an error and changes nothing.
    #[wasm_bindgen(js_name = loadGenerator)]
    pub fn load_generator(&self, bytes: &[u8]) -> Result<LoadedGenerator, JsError> {
        let config = infer_generator_config(bytes).map_err(js_error)?;
        let generator =
            generator_from_safetensors(&config, bytes, &self.device).map_err(js_error)?;
        Ok(LoadedGenerator {
            config,
            generator,
            device: self.device.clone(),
        })
    }
}

/// A generator on one engine's device (not autodiff, so batch norm uses running statistics).
#[wasm_bindgen]
pub struct LoadedGenerator {
    config: ModelConfig,
    generator: Generator,
    device: Device,
}

#[wasm_bindgen]
impl LoadedGenerator {
    #[wasm_bindgen(getter)]
    pub fn latent(&self) -> usize {
        self.config.latent
    }

    #[wasm_bindgen(getter, js_name = imageSize)]
    pub fn image_size(&self) -> usize {
        self.config.image_size
    }

    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> usize {
        self.config.channels
    }

    /// G(z) for `z.length / latent` latent vectors, resolved as RGBA bytes (image after image,
    /// each `imageSize² × 4`), ready for `ImageData`.
    pub fn generate(&self, z: Vec<f32>) -> Promise {
        let (generator, device, config) = (
            self.generator.clone(),
            self.device.clone(),
            self.config.clone(),
        );
        future_to_promise(async move {
            let rgba = generate_rgba(&generator, &config, z, &device)
                .await
                .map_err(|e| JsValue::from(JsError::new(&e)))?;
            Ok(Uint8ClampedArray::from(rgba.as_slice()).into())
        })
    }
}

async fn generate_rgba(
    generator: &Generator,
    config: &ModelConfig,
    z: Vec<f32>,
    device: &Device,
) -> Result<Vec<u8>, String> {
    if z.len() > MAX_BATCH * config.latent {
        return Err(format!(
            "at most {MAX_BATCH} latent vectors at once, got {} values",
            z.len()
        ));
    }
    let z = latent::to_tensor(z, config.latent, device).map_err(|e| e.to_string())?;
    read_rgba(generator.forward(z), config.channels, config.image_size).await
}

/// Reads images `[B, C, S, S]` in [−1, 1] back asynchronously (the only read WebGPU allows)
/// as RGBA bytes, image after image.
pub(super) async fn read_rgba(
    images: Tensor<4>,
    channels: usize,
    size: usize,
) -> Result<Vec<u8>, String> {
    let values = images
        .into_data_async()
        .await
        .map_err(|e| format!("reading the generated images failed: {e:?}"))?
        .try_into_vec::<f32>()
        .map_err(|e| format!("generated images are not f32: {e:?}"))?;
    to_rgba(&values, channels, size).map_err(|e| e.to_string())
}
