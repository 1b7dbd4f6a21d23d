//! Weights files: a generator as the page and `generate` load it, and a run snapshot (the CLI's
//! `run.safetensors`, the page's hand-over) as a resume restores it.
#![no_main]
use burn::tensor::Device;
use gan_playground::checkpoint::{RunSnapshot, generator_from_safetensors, infer_generator_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let device = Device::flex();
    if let Ok(config) = infer_generator_config(bytes) {
        let _ = generator_from_safetensors(&config, bytes, &device);
    }
    if let Ok(snapshot) = RunSnapshot::from_bytes(bytes.to_vec()) {
        let _ = snapshot.restore(&device);
    }
});
