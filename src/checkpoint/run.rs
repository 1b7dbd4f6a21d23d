//! A training run on disk: both networks (Burn records and pytorch-dcgan safetensors), both
//! optimizers and where the run stands, so `train` resumes exactly where it stopped.

use std::fs;
use std::path::Path;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{
    CheckpointError, Precision, discriminator_from_burn, generator_from_burn, to_burn_record,
};
use crate::model::ModelConfig;
use crate::train::{TrainConfig, Trainer};

const RUN_FILE: &str = "run.json";

#[derive(Serialize, Deserialize)]
struct RunState {
    model: ModelConfig,
    config: TrainConfig,
    iteration: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes each file beside its final name first, then renames, so an interrupted save never
/// leaves a torn checkpoint under the real name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let tmp = path.with_extension("partial");
    fs::write(&tmp, bytes).map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))
}

/// Saves the run into `dir` (created if needed). `run.json` is written last: a directory
/// without it is not a checkpoint.
pub fn save_run(trainer: &Trainer, dir: &Path) -> Result<(), CheckpointError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    write_atomic(
        &dir.join("generator.bpk"),
        &to_burn_record(&trainer.generator)?,
    )?;
    write_atomic(
        &dir.join("discriminator.bpk"),
        &to_burn_record(&trainer.discriminator)?,
    )?;
    let g = super::generator_to_safetensors(&trainer.model, &trainer.generator, Precision::F32)?;
    write_atomic(&dir.join("generator.safetensors"), &g)?;
    let d = super::discriminator_to_safetensors(
        &trainer.model,
        &trainer.discriminator,
        Precision::F32,
    )?;
    write_atomic(&dir.join("discriminator.safetensors"), &d)?;
    for (name, opt) in [
        ("optimizer_g.bpk", &trainer.opt_g),
        ("optimizer_d.bpk", &trainer.opt_d),
    ] {
        let bytes = opt
            .into_bytes()
            .map_err(|e| CheckpointError::Record(e.to_string()))?;
        write_atomic(&dir.join(name), &bytes)?;
    }
    let state = RunState {
        model: trainer.model.clone(),
        config: trainer.config.clone(),
        iteration: trainer.iteration,
    };
    let json = serde_json::to_vec_pretty(&state).expect("run state serialises");
    write_atomic(&dir.join(RUN_FILE), &json)
}

/// Whether `dir` holds a saved run.
pub fn has_run(dir: &Path) -> bool {
    dir.join(RUN_FILE).is_file()
}

/// Loads a run saved by [`save_run`].
pub fn load_run(dir: &Path, device: &Device) -> Result<Trainer, CheckpointError> {
    let path = dir.join(RUN_FILE);
    let json = fs::read(&path).map_err(io(&path))?;
    let state: RunState = serde_json::from_slice(&json).map_err(|e| CheckpointError::RunState {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let read = |name: &str| {
        let p = dir.join(name);
        fs::read(&p).map_err(io(&p))
    };
    let device = device.clone().without_autodiff();
    let generator = generator_from_burn(&state.model, &read("generator.bpk")?, &device)?;
    let discriminator =
        discriminator_from_burn(&state.model, &read("discriminator.bpk")?, &device)?;
    let mut trainer =
        Trainer::from_parts(state.model, state.config, generator, discriminator, &device)?;
    let load_opt = |opt: burn::optim::ModuleOptimizer, name: &str| -> Result<_, CheckpointError> {
        let bytes = burn::tensor::Bytes::from_bytes_vec(read(name)?);
        opt.from_bytes(bytes)
            .map_err(|e| CheckpointError::Record(format!("{name}: {e}")))
    };
    trainer.opt_g = load_opt(trainer.opt_g, "optimizer_g.bpk")?;
    trainer.opt_d = load_opt(trainer.opt_d, "optimizer_d.bpk")?;
    trainer.iteration = state.iteration;
    Ok(trainer)
}
