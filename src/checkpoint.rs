//! Saving and loading G and D.
//!
//! Two formats:
//! - **safetensors** with the pytorch-dcgan `state_dict` names (`main.0.weight`, ...), f32 or
//!   f16: what the page ships and what PyTorch reads and writes;
//! - **Burn's record format** (burnpack), which also keeps parameter ids so the optimizer state
//!   ([`save_run`] / [`load_run`]) resumes exactly.
//!
//! Loading builds a new module and validates everything (names, shapes, dtypes, finiteness)
//! before building it; a corrupt, truncated or mismatched file is an `Err` and the model the
//! caller holds is untouched.

use std::collections::HashSet;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use half::{bf16, f16};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::model::{
    Discriminator, Generator, ModelConfig, ModelError, TensorRole, TensorSpec, read_values,
};

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("not a readable safetensors file: {0}")]
    Safetensors(String),
    #[error("not a readable Burn record: {0}")]
    Record(String),
    #[error("tensor {name:?} is {dtype}; expected F32, F16 or BF16")]
    Dtype { name: String, dtype: String },
    #[error(
        "file holds tensor {0:?}, which this model does not have (wrong architecture or widths?)"
    )]
    Unexpected(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("run state {path}: {message}")]
    RunState { path: String, message: String },
    #[error("not a usable run snapshot: {0}")]
    Snapshot(String),
}

/// A setting out of range in a checkpoint's run state is a model's refusal, as elsewhere.
impl From<crate::limits::SettingError> for CheckpointError {
    fn from(e: crate::limits::SettingError) -> Self {
        CheckpointError::Model(e.into())
    }
}

/// Storage precision for safetensors output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    F32,
    F16,
}

/// Serialises values in `specs` order with the `state_dict` names, plus PyTorch's
/// `num_batches_tracked` counters (0) so `load_state_dict(strict=True)` accepts the file.
pub fn to_safetensors(
    specs: &[TensorSpec],
    values: &[Vec<f32>],
    precision: Precision,
) -> Result<Vec<u8>, CheckpointError> {
    serialize(specs, values, precision, None)
}

/// [`to_safetensors`] with the file's metadata.
fn serialize(
    specs: &[TensorSpec],
    values: &[Vec<f32>],
    precision: Precision,
    metadata: Option<std::collections::HashMap<String, String>>,
) -> Result<Vec<u8>, CheckpointError> {
    let mut buffers: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (spec, v) in specs.iter().zip(values) {
        let (dtype, bytes) = match precision {
            Precision::F32 => (Dtype::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            Precision::F16 => (
                Dtype::F16,
                v.iter()
                    .flat_map(|x| f16::from_f32(*x).to_le_bytes())
                    .collect(),
            ),
        };
        buffers.push((spec.name.clone(), dtype, spec.shape.clone(), bytes));
        if spec.role == TensorRole::RunningVar {
            let counter = spec.name.replace("running_var", "num_batches_tracked");
            buffers.push((counter, Dtype::I64, vec![], 0i64.to_le_bytes().to_vec()));
        }
    }
    let views = buffers
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            TensorView::new(*dtype, shape.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| CheckpointError::Safetensors(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, metadata).map_err(|e| CheckpointError::Safetensors(e.to_string()))
}

/// Reads and validates the tensors `specs` names (each prefixed with `prefix`, e.g. `""` or
/// `"g."`) from a safetensors file. Tensors under `prefix` that the model lacks are an error;
/// PyTorch's `num_batches_tracked` counters are ignored.
pub fn from_safetensors(
    specs: &[TensorSpec],
    bytes: &[u8],
    prefix: &str,
) -> Result<Vec<Vec<f32>>, CheckpointError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::Safetensors(e.to_string()))?;
    let known: HashSet<String> = specs
        .iter()
        .map(|s| format!("{prefix}{}", s.name))
        .collect();
    for name in file.names() {
        if name.starts_with(prefix)
            && !known.contains(name)
            && !name.ends_with("num_batches_tracked")
        {
            return Err(CheckpointError::Unexpected(name.to_string()));
        }
    }
    specs
        .iter()
        .map(|spec| {
            let name = format!("{prefix}{}", spec.name);
            let view = file
                .tensor(&name)
                .map_err(|_| ModelError::Missing(name.clone()))?;
            if view.shape() != spec.shape.as_slice() {
                return Err(ModelError::Shape {
                    name,
                    got: view.shape().to_vec(),
                    expected: spec.shape.clone(),
                }
                .into());
            }
            let data = view.data();
            let values: Vec<f32> = match view.dtype() {
                Dtype::F32 => data
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
                Dtype::F16 => data
                    .chunks_exact(2)
                    .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect(),
                Dtype::BF16 => data
                    .chunks_exact(2)
                    .map(|c| bf16::from_le_bytes([c[0], c[1]]).to_f32())
                    .collect(),
                other => {
                    return Err(CheckpointError::Dtype {
                        name,
                        dtype: format!("{other:?}"),
                    });
                }
            };
            if values.iter().any(|v| !v.is_finite()) {
                return Err(ModelError::NotFinite(name).into());
            }
            Ok(values)
        })
        .collect()
}

/// The largest generator file the page opens (a run snapshot, G and D and their moments, is
/// allowed the same: `studio::LIMITS.checkpoint_bytes`).
pub const MAX_GENERATOR_BYTES: usize = 128 << 20;

/// Reads a generator's sizes from its safetensors file (pytorch-dcgan names), so a file can be
/// used without restating `--nz`, `--ngf`, `--nc` and the image size. The discriminator width
/// is not in a generator file; it is set to the generator's.
pub fn infer_generator_config(bytes: &[u8]) -> Result<ModelConfig, CheckpointError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::Safetensors(e.to_string()))?;
    let shape = |i: usize| {
        file.tensor(&format!("main.{}.weight", 3 * i))
            .ok()
            .map(|t| t.shape().to_vec())
    };
    let first = shape(0).ok_or_else(|| ModelError::Missing("main.0.weight".into()))?;
    let layers = (0..).take_while(|i| shape(*i).is_some()).count();
    let last = shape(layers - 1).expect("counted");
    let bad = || {
        ModelError::Config(format!(
            "not a DCGAN generator: main.0.weight is {first:?}, last layer {last:?}"
        ))
    };
    let ([nz, _, k, _], [ngf, nc, _, _]) = (first.as_slice(), last.as_slice()) else {
        return Err(bad().into());
    };
    // Extra stride-1 layers (3×3) follow the first; the rest are the stride-2 stages.
    let extra = (1..layers)
        .take_while(|i| shape(*i).is_some_and(|s| s.len() == 4 && s[2] == 3))
        .count();
    let size = match (*k, layers - extra) {
        (7, 3) => 28,
        (4, n) if (3..=5).contains(&n) => 4 << (n - 1),
        _ => return Err(bad().into()),
    };
    Ok(ModelConfig::new(size, *nc, *nz, *ngf, *ngf)?.with_generator_extra(extra)?)
}

/// A generator from pytorch-dcgan-named safetensors (f32, f16 or bf16).
pub fn generator_from_safetensors(
    config: &ModelConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<Generator, CheckpointError> {
    config.validate()?;
    let values = from_safetensors(&config.generator_tensors(), bytes, "")?;
    Ok(Generator::from_values(config, values, device)?)
}

pub fn discriminator_from_safetensors(
    config: &ModelConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<Discriminator, CheckpointError> {
    config.validate()?;
    let values = from_safetensors(&config.discriminator_tensors(), bytes, "")?;
    Ok(Discriminator::from_values(config, values, device)?)
}

/// Reads G's tensors (synchronously: native backends) and serialises them.
pub fn generator_to_safetensors(
    config: &ModelConfig,
    generator: &Generator,
    precision: Precision,
) -> Result<Vec<u8>, CheckpointError> {
    let specs = config.generator_tensors();
    let values = read_values(&specs, generator.valid().flat_tensors())?;
    to_safetensors(&specs, &values, precision)
}

/// D's weights; a spectrally normalised D's with σ folded in, so the file judges as D does.
pub fn discriminator_to_safetensors(
    config: &ModelConfig,
    discriminator: &Discriminator,
    precision: Precision,
) -> Result<Vec<u8>, CheckpointError> {
    let specs = config.discriminator_tensors();
    let values = read_values(&specs, discriminator.valid().folded().flat_tensors())?;
    to_safetensors(&specs, &values, precision)
}

/// Burn's record format (burnpack bytes) for any module; `valid()` first so batch-norm running
/// statistics are synchronised and no autodiff state is written.
pub fn to_burn_record<M: Module>(module: &M) -> Result<Vec<u8>, CheckpointError> {
    let bytes = module
        .valid()
        .into_record()
        .into_bytes()
        .map_err(|e| CheckpointError::Record(e.to_string()))?;
    Ok(bytes.to_vec())
}

/// Applies a Burn record to a freshly initialised module (never to the caller's), so a bad
/// file cannot leave a half-loaded model behind.
fn from_burn_record<M: Module>(fresh: M, bytes: &[u8]) -> Result<M, CheckpointError> {
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| CheckpointError::Record(e.to_string()))?;
    fresh
        .try_load_record(record)
        .map_err(|e| CheckpointError::Record(e.to_string()))
}

pub fn generator_from_burn(
    config: &ModelConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<Generator, CheckpointError> {
    let loaded = from_burn_record(Generator::init(config, 0, device)?, bytes)?;
    check_finite(&config.generator_tensors(), loaded.valid().flat_tensors())?;
    Ok(loaded)
}

pub fn discriminator_from_burn(
    config: &ModelConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<Discriminator, CheckpointError> {
    let loaded = from_burn_record(Discriminator::init(config, 0, device)?, bytes)?;
    check_finite(
        &config.discriminator_tensors(),
        loaded.valid().flat_tensors(),
    )?;
    Ok(loaded)
}

/// A quality classifier from a Burn record.
pub fn classifier_from_burn(
    config: &crate::metrics::ClassifierConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<crate::metrics::Classifier, CheckpointError> {
    from_burn_record(config.empty(device), bytes)
}

fn check_finite(
    specs: &[TensorSpec],
    tensors: Vec<burn::tensor::Tensor<1>>,
) -> Result<(), CheckpointError> {
    for (spec, values) in specs.iter().zip(read_values(specs, tensors)?) {
        if values.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NotFinite(spec.name.clone()).into());
        }
    }
    Ok(())
}

mod snapshot;
pub use snapshot::{PendingSnapshot, RunSnapshot, RunState};

#[cfg(not(target_arch = "wasm32"))]
mod run;
#[cfg(not(target_arch = "wasm32"))]
pub use run::{PREVIOUS_SNAPSHOT_FILE, has_run, load_run, save_run, write_atomic};
