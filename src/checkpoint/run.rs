//! A training run on disk, so `train` resumes exactly where it stopped: `run.safetensors` (the
//! whole run, a [`RunSnapshot`]), `generator.safetensors` and `discriminator.safetensors` (the
//! networks alone, for PyTorch and `generate`), and `run.json` (where the run stands, readable;
//! written last, it marks a whole checkpoint). A save first moves the snapshot it replaces to
//! `run.previous.safetensors`: a save killed before its `run.json` leaves that older snapshot,
//! which `run.json` still names, and a resume takes it.

use std::fs;
use std::path::Path;

use burn::tensor::Device;

use super::{CheckpointError, Precision, RunSnapshot, RunState};
use crate::train::Trainer;

const RUN_FILE: &str = "run.json";
const SNAPSHOT_FILE: &str = "run.safetensors";
/// The snapshot before the newest save, kept until that save's `run.json` is written.
pub const PREVIOUS_SNAPSHOT_FILE: &str = "run.previous.safetensors";

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
    let (current, previous) = (dir.join(SNAPSHOT_FILE), dir.join(PREVIOUS_SNAPSHOT_FILE));
    if current.is_file() {
        // Until the new run.json is written, the old one names this snapshot: keep it.
        fs::rename(&current, &previous).map_err(io(&previous))?;
    }
    write_atomic(&current, snapshot.as_bytes())?;
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
    // The snapshot run.json names: the newest, or the one before it when a save was stopped
    // between its snapshot and its run.json.
    let previous = dir.join(PREVIOUS_SNAPSHOT_FILE);
    let read = |path: &Path| RunSnapshot::from_bytes(fs::read(path).map_err(io(path))?);
    let newest = (file.is_file() || !previous.is_file())
        .then(|| read(&file))
        .transpose()?;
    if let Some(snapshot) = newest.as_ref().filter(|s| s.state == state) {
        return snapshot.restore(device);
    }
    if previous.is_file() {
        let older = read(&previous)?;
        if older.state == state {
            return older.restore(device);
        }
    }
    let found = newest.map_or("none".to_string(), |s| s.state.iteration.to_string());
    Err(run_state(format!(
        "it does not match {} (iteration {} against {found})",
        file.display(),
        state.iteration
    )))
}
