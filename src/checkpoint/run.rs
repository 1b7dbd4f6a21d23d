//! A training run on disk, so `train` resumes exactly where it stopped: `run.safetensors` (the
//! whole run, a [`RunSnapshot`]), `generator.safetensors` and `discriminator.safetensors` (the
//! networks alone, for PyTorch and `generate`), and `run.json` (where the run stands, readable;
//! written last, it marks a whole checkpoint).

use std::fs;
use std::path::Path;

use burn::tensor::Device;

use super::{CheckpointError, Precision, RunSnapshot, RunState};
use crate::train::Trainer;

const RUN_FILE: &str = "run.json";
const SNAPSHOT_FILE: &str = "run.safetensors";

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
    let snapshot = RunSnapshot::of(trainer)?;
    write_atomic(&dir.join(SNAPSHOT_FILE), snapshot.as_bytes())?;
    let g = super::generator_to_safetensors(&trainer.model, &trainer.generator, Precision::F32)?;
    write_atomic(&dir.join("generator.safetensors"), &g)?;
    let d = super::discriminator_to_safetensors(
        &trainer.model,
        &trainer.discriminator,
        Precision::F32,
    )?;
    write_atomic(&dir.join("discriminator.safetensors"), &d)?;
    let json = serde_json::to_vec_pretty(&snapshot.state).expect("run state serialises");
    write_atomic(&dir.join(RUN_FILE), &json)
}

/// Whether `dir` holds a saved run.
pub fn has_run(dir: &Path) -> bool {
    dir.join(RUN_FILE).is_file()
}

/// Loads a run saved by [`save_run`]; `run.json` must agree with the snapshot it marks.
pub fn load_run(dir: &Path, device: &Device) -> Result<Trainer, CheckpointError> {
    let path = dir.join(RUN_FILE);
    let json = fs::read(&path).map_err(io(&path))?;
    let run_state = |message: String| CheckpointError::RunState {
        path: path.display().to_string(),
        message,
    };
    let state: RunState = serde_json::from_slice(&json).map_err(|e| run_state(e.to_string()))?;
    let file = dir.join(SNAPSHOT_FILE);
    if !file.is_file() && dir.join("generator.bpk").is_file() {
        return Err(run_state(format!(
            "this checkpoint is in the format of an earlier gan-playground (Burn records, no \
             {SNAPSHOT_FILE}), which cannot be resumed; train into a new --out"
        )));
    }
    let snapshot = RunSnapshot::from_bytes(fs::read(&file).map_err(io(&file))?)?;
    if snapshot.state != state {
        return Err(run_state(format!(
            "it does not match {} (iteration {} against {})",
            file.display(),
            state.iteration,
            snapshot.state.iteration
        )));
    }
    snapshot.restore(device)
}
