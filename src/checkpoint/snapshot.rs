//! A whole run as one safetensors file: G and D by their pytorch-dcgan names (`g.main.0.weight`,
//! `d.…`, running statistics included), both Adam states by parameter name
//! (`g_adam.main.0.weight.exp_avg`, `….exp_avg_sq`, the step counts in the metadata), G's
//! moving average when the run keeps one (`g_ema.main.0.weight`, …), D's spectral-norm vectors
//! when it has them (`d_sn.main.0.weight_u`, `….weight_v`, PyTorch's names), and where the run stands
//! (`run` in the metadata). Restoring it gives a trainer that goes on exactly as
//! the original would, on whichever device it is restored to.
//!
//! The tensors are read in one transfer, synchronously ([`RunSnapshot::of`], native and the
//! page's CPU backend) or asynchronously ([`PendingSnapshot::read_async`], WebGPU). The CLI's
//! checkpoint (`run.safetensors`) and the page's hand-over between workers are this one format.

use std::collections::HashMap;

use burn::module::ParamId;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use super::{CheckpointError, Precision, from_safetensors, serialize};
use crate::model::{
    Discriminator, Generator, ModelConfig, TensorSpec, read_values, read_values_async,
};
use crate::train::{Adam, GeneratorAverage, Moments, TrainConfig, Trainer, averaged_generator};

const FORMAT: &str = "gan-playground-run";
const VERSION: &str = "1";
const FIRST: &str = "exp_avg";
const SECOND: &str = "exp_avg_sq";
const AVERAGE: &str = "g_ema.";
const SPECTRAL: &str = "d_sn.";

/// What `run.json` holds: the sizes, the hyperparameters and the iterations done. Randomness
/// is a function of `(config.seed, iteration)`, so this is also where the run's randomness is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub model: ModelConfig,
    pub config: TrainConfig,
    pub iteration: u64,
}

/// A run as one buffer (see the module's documentation for its layout).
#[derive(Clone, Debug)]
pub struct RunSnapshot {
    pub state: RunState,
    bytes: Vec<u8>,
}

/// The network's tensors and its optimizer's, named, in one list to read in one transfer.
struct Layout {
    specs: Vec<TensorSpec>,
    tensors: Vec<Tensor<1>>,
    metadata: HashMap<String, String>,
}

/// One network's part of the file: its own tensors under `prefix` (`g.` / `d.`), its Adam
/// moments under `{prefix}adam.`-style names, its step counts in the metadata.
struct Part<'a> {
    prefix: &'static str,
    adam_prefix: &'static str,
    specs: Vec<TensorSpec>,
    tensors: Vec<Tensor<1>>,
    ids: Vec<ParamId>,
    adam: &'a Adam,
}

fn parts(trainer: &Trainer) -> [Part<'_>; 2] {
    [
        Part {
            prefix: "g.",
            adam_prefix: "g_adam.",
            specs: trainer.model.generator_tensors(),
            tensors: trainer.generator.flat_tensors(),
            ids: trainer.generator.trainable_ids(),
            adam: &trainer.opt_g,
        },
        Part {
            prefix: "d.",
            adam_prefix: "d_adam.",
            specs: trainer.model.discriminator_tensors(),
            tensors: trainer.discriminator.flat_tensors(),
            ids: trainer.discriminator.trainable_ids(),
            adam: &trainer.opt_d,
        },
    ]
}

fn named(spec: &TensorSpec, name: String) -> TensorSpec {
    TensorSpec {
        name,
        ..spec.clone()
    }
}

fn moment_names(adam_prefix: &str, name: &str) -> [String; 2] {
    [
        format!("{adam_prefix}{name}.{FIRST}"),
        format!("{adam_prefix}{name}.{SECOND}"),
    ]
}

fn layout(trainer: &Trainer) -> Result<Layout, CheckpointError> {
    let state = RunState {
        model: trainer.model.clone(),
        config: trainer.config.clone(),
        iteration: trainer.iteration,
    };
    let mut metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("version".to_string(), VERSION.to_string()),
        ("run".to_string(), json(&state)?),
    ]);
    let (mut specs, mut tensors) = (Vec::new(), Vec::new());
    for part in parts(trainer) {
        let mut steps = HashMap::new();
        for spec in &part.specs {
            specs.push(named(spec, format!("{}{}", part.prefix, spec.name)));
        }
        // Plain tensors (a training run's are on the autodiff device), read in one transfer.
        tensors.extend(part.tensors.into_iter().map(Tensor::without_autodiff));
        let trained = part.specs.iter().filter(|s| s.role.is_trained());
        for (spec, id) in trained.zip(&part.ids) {
            if let Some(m) = part.adam.moments(id) {
                let [first, second] = moment_names(part.adam_prefix, &spec.name);
                specs.extend([named(spec, first), named(spec, second)]);
                tensors.extend([m.first.clone(), m.second.clone()]);
                steps.insert(spec.name.clone(), m.time);
            }
        }
        metadata.insert(format!("{}steps", part.adam_prefix), json(&steps)?);
    }
    // The moving average of G (config.ema), by G's names under `g_ema.`.
    if let Some(average) = &trainer.average {
        for spec in trainer.model.generator_tensors() {
            specs.push(named(&spec, format!("{AVERAGE}{}", spec.name)));
        }
        tensors.extend(
            average
                .values()
                .iter()
                .cloned()
                .map(Tensor::without_autodiff),
        );
    }
    // D's power-iteration vectors (config.spectral_norm).
    if trainer.config.spectral_norm {
        for spec in trainer.model.spectral_tensors() {
            specs.push(named(&spec, format!("{SPECTRAL}{}", spec.name)));
        }
        let vectors = trainer.discriminator.spectral_tensors();
        tensors.extend(vectors.into_iter().map(Tensor::without_autodiff));
    }
    Ok(Layout {
        specs,
        tensors,
        metadata,
    })
}

fn json(value: &impl Serialize) -> Result<String, CheckpointError> {
    serde_json::to_string(value).map_err(|e| CheckpointError::Snapshot(e.to_string()))
}

/// A run's tensors gathered (still on the device, nothing read yet): it owns what it needs, so
/// the page can read it after the call that made it has returned.
pub struct PendingSnapshot(Layout);

impl PendingSnapshot {
    pub fn of(trainer: &Trainer) -> Result<Self, CheckpointError> {
        layout(trainer).map(PendingSnapshot)
    }

    /// One synchronous transfer (native backends and the CPU backend).
    pub fn read(self) -> Result<RunSnapshot, CheckpointError> {
        let Layout {
            specs,
            tensors,
            metadata,
        } = self.0;
        let values = read_values(&specs, tensors)?;
        RunSnapshot::from_values(specs, values, metadata)
    }

    /// One asynchronous transfer (the only read WebGPU allows).
    pub async fn read_async(self) -> Result<RunSnapshot, CheckpointError> {
        let Layout {
            specs,
            tensors,
            metadata,
        } = self.0;
        let values = read_values_async(&specs, tensors).await?;
        RunSnapshot::from_values(specs, values, metadata)
    }
}

impl RunSnapshot {
    /// The run's state, read synchronously (see [`PendingSnapshot`] for the asynchronous read).
    pub fn of(trainer: &Trainer) -> Result<Self, CheckpointError> {
        PendingSnapshot::of(trainer)?.read()
    }

    fn from_values(
        specs: Vec<TensorSpec>,
        values: Vec<Vec<f32>>,
        metadata: HashMap<String, String>,
    ) -> Result<Self, CheckpointError> {
        let bytes = serialize(&specs, &values, Precision::F32, Some(metadata))?;
        RunSnapshot::from_bytes(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Reads the header: the format, its version and the run state. The tensors are checked by
    /// [`RunSnapshot::restore`], before anything is built.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CheckpointError> {
        let meta = metadata(&bytes)?;
        if meta.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(CheckpointError::Snapshot(format!(
                "the file is not a {FORMAT} snapshot (its metadata has no format {FORMAT:?})"
            )));
        }
        if meta.get("version").map(String::as_str) != Some(VERSION) {
            return Err(CheckpointError::Snapshot(format!(
                "snapshot version {:?}; this build reads version {VERSION}",
                meta.get("version")
            )));
        }
        let state = serde_json::from_str(meta.get("run").map_or("", String::as_str))
            .map_err(|e| CheckpointError::Snapshot(format!("its run state: {e}")))?;
        Ok(RunSnapshot { state, bytes })
    }

    /// Checks every tensor (names, shapes, finiteness, the optimizer's moments) without
    /// building anything: a run whose weights or moments hold NaN or ∞ has diverged, and this
    /// names the first such tensor.
    pub fn check(&self) -> Result<(), CheckpointError> {
        self.contents().map(|_| ())
    }

    /// The sizes and hyperparameters, then every tensor, validated: what [`RunSnapshot::check`]
    /// checks and [`RunSnapshot::restore`] builds from.
    fn contents(&self) -> Result<Contents, CheckpointError> {
        let RunState { model, config, .. } = &self.state;
        model.validate()?;
        config.validate()?;
        let meta = metadata(&self.bytes)?;
        let g_specs = model.generator_tensors();
        let d_specs = model.discriminator_tensors();
        Ok(Contents {
            g: from_safetensors(&g_specs, &self.bytes, "g.")?,
            d: from_safetensors(&d_specs, &self.bytes, "d.")?,
            g_moments: read_moments(&g_specs, &self.bytes, &meta, "g_adam.")?,
            d_moments: read_moments(&d_specs, &self.bytes, &meta, "d_adam.")?,
            average: match config.ema {
                Some(_) => Some(from_safetensors(&g_specs, &self.bytes, AVERAGE)?),
                None => None,
            },
            spectral: match config.spectral_norm {
                true => Some(unit_vectors(
                    &model.spectral_tensors(),
                    from_safetensors(&model.spectral_tensors(), &self.bytes, SPECTRAL)?,
                )?),
                false => None,
            },
        })
    }

    /// The generator alone, as `gan-playground generate` and the page's explorer read it
    /// (pytorch-dcgan names, f32): no device, so it is the same on every backend.
    pub fn generator_safetensors(&self) -> Result<Vec<u8>, CheckpointError> {
        let specs = self.state.model.generator_tensors();
        let values = from_safetensors(&specs, &self.bytes, "g.")?;
        serialize(&specs, &values, Precision::F32, None)
    }

    /// The generator a run ships: its moving average (batch norm recalibrated on `device`, from
    /// a prior batch drawn from the run's seed and iteration) when it keeps one, else G itself.
    pub fn shipped_generator_safetensors(
        &self,
        device: &Device,
    ) -> Result<Vec<u8>, CheckpointError> {
        let RunState {
            model,
            config,
            iteration,
        } = &self.state;
        if config.ema.is_none() {
            return self.generator_safetensors();
        }
        let specs = model.generator_tensors();
        let values = from_safetensors(&specs, &self.bytes, AVERAGE)?;
        let plain = device.clone().without_autodiff();
        let seed = config.seed ^ iteration;
        let g = averaged_generator(model, values, config.prior, seed, &plain)?;
        super::generator_to_safetensors(model, &g, Precision::F32)
    }

    /// A new trainer on `device`. Every tensor is validated (names, shapes, finiteness, the
    /// optimizer's moments against the network they belong to) before anything is built, so a
    /// bad snapshot is an error and changes nothing.
    pub fn restore(&self, device: &Device) -> Result<Trainer, CheckpointError> {
        let RunState {
            model,
            config,
            iteration,
        } = self.state.clone();
        let Contents {
            g,
            d,
            g_moments,
            d_moments,
            average,
            spectral,
        } = self.contents()?;
        let plain = device.clone().without_autodiff();
        let generator = Generator::from_values(&model, g, &plain)?;
        let mut discriminator = Discriminator::from_values(&model, d, &plain)?;
        if let Some(vectors) = spectral {
            discriminator = discriminator.with_spectral(&model, vectors)?;
        }
        let mut trainer = Trainer::from_parts(model, config, generator, discriminator, &plain)?;
        let g_ids = trainer.generator.trainable_ids();
        let d_ids = trainer.discriminator.trainable_ids();
        trainer
            .opt_g
            .set_moments(to_moments(g_moments, &g_ids, &plain));
        trainer
            .opt_d
            .set_moments(to_moments(d_moments, &d_ids, &plain));
        if let (Some(values), Some(decay)) = (average, trainer.config.ema) {
            let tensors = values
                .into_iter()
                .map(|v| {
                    let n = v.len();
                    Tensor::<1>::from_data(TensorData::new(v, [n]), &plain)
                })
                .collect();
            trainer.average = Some(GeneratorAverage::from_values(decay, tensors));
        }
        trainer.iteration = iteration;
        Ok(trainer)
    }
}

/// The power-iteration vectors, each a unit vector (a zero one would divide D's weights by 0).
fn unit_vectors(
    specs: &[TensorSpec],
    values: Vec<Vec<f32>>,
) -> Result<Vec<Vec<f32>>, CheckpointError> {
    for (spec, v) in specs.iter().zip(&values) {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if (norm - 1.0).abs() > 1e-3 {
            return Err(CheckpointError::Snapshot(format!(
                "{SPECTRAL}{} has length {norm}; a power-iteration vector has length 1",
                spec.name
            )));
        }
    }
    Ok(values)
}

fn metadata(bytes: &[u8]) -> Result<HashMap<String, String>, CheckpointError> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| CheckpointError::Safetensors(e.to_string()))?;
    Ok(header.metadata().clone().unwrap_or_default())
}

/// A snapshot's tensors, read and validated, before anything is built from them.
struct Contents {
    g: Vec<Vec<f32>>,
    d: Vec<Vec<f32>>,
    g_moments: Vec<ReadMoments>,
    d_moments: Vec<ReadMoments>,
    /// `g_ema.*`, present exactly when the run keeps an average.
    average: Option<Vec<Vec<f32>>>,
    /// `d_sn.*`, present exactly when D is spectrally normalised.
    spectral: Option<Vec<Vec<f32>>>,
}

/// One trained parameter's moments as read: its index among the trained parameters.
struct ReadMoments {
    index: usize,
    time: usize,
    first: Vec<f32>,
    second: Vec<f32>,
}

/// The moments under `prefix`, each for a trained parameter of `specs` with its shape, every
/// step count at least 1, and nothing else under `prefix`.
fn read_moments(
    specs: &[TensorSpec],
    bytes: &[u8],
    meta: &HashMap<String, String>,
    prefix: &str,
) -> Result<Vec<ReadMoments>, CheckpointError> {
    let key = format!("{prefix}steps");
    let steps: HashMap<String, usize> =
        serde_json::from_str(meta.get(&key).map_or("", String::as_str))
            .map_err(|e| CheckpointError::Snapshot(format!("its {key}: {e}")))?;
    let trained: Vec<&TensorSpec> = specs.iter().filter(|s| s.role.is_trained()).collect();
    let mut wanted = Vec::new();
    let mut found = Vec::new();
    for (name, &time) in &steps {
        let Some(index) = trained.iter().position(|s| &s.name == name) else {
            return Err(CheckpointError::Snapshot(format!(
                "{key} names {name:?}, which this network does not train"
            )));
        };
        if time == 0 {
            return Err(CheckpointError::Snapshot(format!(
                "{key} gives {name:?} 0 steps"
            )));
        }
        let [first, second] = moment_names("", name);
        wanted.extend([named(trained[index], first), named(trained[index], second)]);
        found.push((index, time));
    }
    let mut values = from_safetensors(&wanted, bytes, prefix)?.into_iter();
    Ok(found
        .into_iter()
        .map(|(index, time)| ReadMoments {
            index,
            time,
            first: values.next().unwrap_or_default(),
            second: values.next().unwrap_or_default(),
        })
        .collect())
}

fn to_moments(
    read: Vec<ReadMoments>,
    ids: &[ParamId],
    device: &Device,
) -> HashMap<ParamId, Moments> {
    let tensor = |v: Vec<f32>| {
        let n = v.len();
        Tensor::<1>::from_data(TensorData::new(v, [n]), device)
    };
    read.into_iter()
        .filter_map(|m| {
            let id = *ids.get(m.index)?;
            Some((
                id,
                Moments {
                    time: m.time,
                    first: tensor(m.first),
                    second: tensor(m.second),
                },
            ))
        })
        .collect()
}
