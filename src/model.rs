//! The DCGAN generator and discriminator, built from a [`ModelConfig`].
//!
//! One family covers every size: G starts from a `k×k` map (k = 7 for 28-pixel images, 4
//! otherwise), optionally refines it with `g_extra` stride-1 3×3 transposed convs, and doubles
//! it with stride-2 transposed convs; D mirrors the stride-2 part with stride-2 convs.
//! At 64×64 with no biases this is exactly the `Generator` / `Discriminator` of pytorch/examples
//! `dcgan/main.py`, and parameters are named after that model's `state_dict` (`main.N.weight`),
//! so its weights load unchanged.

mod networks;
mod norm;
mod spectral;
mod subpixel;

pub use networks::{Discriminator, Generator};
pub use norm::{BatchNorm2d, NormMode};
pub use spectral::SpectralNorm;
pub use subpixel::{Upsample, conv_transpose_stride2};

use burn::tensor::Tensor;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::latent;

const INIT_STD: f32 = 0.02;
/// Most extra stride-1 layers G may have.
pub const MAX_G_EXTRA: usize = 4;

/// Why a configuration or a set of weights was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("invalid model configuration: {0}")]
    Config(String),
    /// A setting a person gave (a rate, a batch size…), named with its range.
    #[error(transparent)]
    Setting(#[from] crate::limits::SettingError),
    #[error("weights are missing tensor {0:?}")]
    Missing(String),
    #[error("tensor {name:?} has shape {got:?}; this model needs {expected:?}")]
    Shape {
        name: String,
        got: Vec<usize>,
        expected: Vec<usize>,
    },
    #[error("tensor {0:?} holds a value that is not finite")]
    NotFinite(String),
    #[error(transparent)]
    Latent(#[from] crate::latent::LatentError),
    #[error("{0}")]
    Other(String),
}

/// Sizes of a generator / discriminator pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Image side in pixels: 28, 32 or 64.
    pub image_size: usize,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Length of z (`nz`).
    pub latent: usize,
    /// Generator width (`ngf`): channels of G's last hidden layer, doubled towards z.
    pub g_width: usize,
    /// Discriminator width (`ndf`): channels of D's first layer, doubled towards the logit.
    pub d_width: usize,
    /// Extra stride-1 3×3 transposed convs (batch norm, ReLU) on G's first feature map: depth
    /// where the image's layout is decided, for little size. 0 is the plain DCGAN.
    #[serde(default)]
    pub g_extra: usize,
    /// Batch norm after D's middle layers (DCGAN), or none (SN-GAN's D, which leaves the
    /// scaling to spectral norm). Left out of a saved config when it is DCGAN's.
    #[serde(default, skip_serializing_if = "DiscriminatorNorm::is_batch")]
    pub d_norm: DiscriminatorNorm,
}

/// What follows D's middle convolutions.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiscriminatorNorm {
    /// Batch norm, as DCGAN has it.
    #[default]
    Batch,
    /// Nothing: LeakyReLU straight after the convolution.
    None,
}

impl DiscriminatorNorm {
    pub const ALL: [DiscriminatorNorm; 2] = [DiscriminatorNorm::Batch, DiscriminatorNorm::None];

    pub fn is_batch(&self) -> bool {
        *self == DiscriminatorNorm::Batch
    }

    /// Its name in flags, links and saved configs.
    pub fn name(self) -> &'static str {
        match self {
            DiscriminatorNorm::Batch => "batch",
            DiscriminatorNorm::None => "none",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        DiscriminatorNorm::ALL
            .into_iter()
            .find(|n| n.name() == s)
            .ok_or_else(|| format!("unknown discriminator norm {s:?} (batch or none)"))
    }
}

/// One (transposed) convolution: `(in, out, kernel, stride, padding)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvSpec {
    pub input: usize,
    pub output: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl ModelConfig {
    pub fn new(
        image_size: usize,
        channels: usize,
        latent: usize,
        g_width: usize,
        d_width: usize,
    ) -> Result<Self, ModelError> {
        let config = ModelConfig {
            image_size,
            channels,
            latent,
            g_width,
            d_width,
            g_extra: 0,
            d_norm: DiscriminatorNorm::Batch,
        };
        config.validate()?;
        Ok(config)
    }

    /// The same pair with `extra` stride-1 layers in G (see [`ModelConfig::g_extra`]).
    pub fn with_generator_extra(self, extra: usize) -> Result<Self, ModelError> {
        let config = ModelConfig {
            g_extra: extra,
            ..self
        };
        config.validate()?;
        Ok(config)
    }

    /// The same pair with `norm` after D's middle layers (see [`ModelConfig::d_norm`]).
    pub fn with_discriminator_norm(self, norm: DiscriminatorNorm) -> Self {
        ModelConfig {
            d_norm: norm,
            ..self
        }
    }

    /// Whether D's middle layer `j` (1 ≤ j < last) is followed by batch norm.
    pub(crate) fn d_layer_norm(&self, j: usize, layers: usize) -> bool {
        self.d_norm.is_batch() && j > 0 && j + 1 < layers
    }

    /// pytorch/examples `dcgan/main.py`: 64×64, `nz`, `ngf`, `ndf`, `nc`.
    pub fn pytorch_dcgan(nz: usize, ngf: usize, ndf: usize, nc: usize) -> Result<Self, ModelError> {
        ModelConfig::new(64, nc, nz, ngf, ndf)
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |m: String| Err(ModelError::Config(m));
        if ![28, 32, 64].contains(&self.image_size) {
            return fail(format!(
                "image size {} is not 28, 32 or 64",
                self.image_size
            ));
        }
        if ![1, 3].contains(&self.channels) {
            return fail(format!("{} channels; expected 1 or 3", self.channels));
        }
        if !(1..=latent::MAX_DIM).contains(&self.latent) {
            return fail(format!(
                "latent size {} is not in 1..={}",
                self.latent,
                latent::MAX_DIM
            ));
        }
        for (name, w) in [("generator", self.g_width), ("discriminator", self.d_width)] {
            if !(1..=512).contains(&w) {
                return fail(format!("{name} width {w} is not in 1..=512"));
            }
        }
        if self.g_extra > MAX_G_EXTRA {
            return fail(format!(
                "{} extra generator layers; at most {MAX_G_EXTRA}",
                self.g_extra
            ));
        }
        Ok(())
    }

    /// Side of G's first feature map.
    fn start_size(&self) -> usize {
        if self.image_size == 28 { 7 } else { 4 }
    }

    /// Number of stride-2 layers on each side (28: 2, 32: 3, 64: 4).
    pub fn stages(&self) -> usize {
        (self.image_size / self.start_size()).trailing_zeros() as usize
    }

    /// G's layers from z to image; every one but the last is followed by batch norm and ReLU.
    pub fn generator_layers(&self) -> Vec<ConvSpec> {
        let n = self.stages();
        let width = |i: usize| self.g_width << (n - 1 - i); // hidden layer i's channels
        let mut layers = vec![ConvSpec {
            input: self.latent,
            output: width(0),
            kernel: self.start_size(),
            stride: 1,
            padding: 0,
        }];
        layers.extend((0..self.g_extra).map(|_| ConvSpec {
            input: width(0),
            output: width(0),
            kernel: 3,
            stride: 1,
            padding: 1,
        }));
        for i in 1..n {
            layers.push(ConvSpec {
                input: width(i - 1),
                output: width(i),
                kernel: 4,
                stride: 2,
                padding: 1,
            });
        }
        layers.push(ConvSpec {
            input: width(n - 1),
            output: self.channels,
            kernel: 4,
            stride: 2,
            padding: 1,
        });
        layers
    }

    /// D's layers from image to logit; the first has no batch norm, the last no activation
    /// (the others have it unless [`ModelConfig::d_norm`] says none).
    pub fn discriminator_layers(&self) -> Vec<ConvSpec> {
        let n = self.stages();
        let width = |i: usize| self.d_width << i;
        let mut layers = vec![ConvSpec {
            input: self.channels,
            output: width(0),
            kernel: 4,
            stride: 2,
            padding: 1,
        }];
        for i in 1..n {
            layers.push(ConvSpec {
                input: width(i - 1),
                output: width(i),
                kernel: 4,
                stride: 2,
                padding: 1,
            });
        }
        layers.push(ConvSpec {
            input: width(n - 1),
            output: 1,
            kernel: self.start_size(),
            stride: 1,
            padding: 0,
        });
        layers
    }

    /// The generator's tensors in `state_dict` order: `(name, shape, role)`.
    pub fn generator_tensors(&self) -> Vec<TensorSpec> {
        let layers = self.generator_layers();
        let mut specs = Vec::new();
        for (i, l) in layers.iter().enumerate() {
            specs.push(TensorSpec::weight(
                format!("main.{}.weight", 3 * i),
                vec![l.input, l.output, l.kernel, l.kernel],
            ));
            if i + 1 < layers.len() {
                specs.extend(TensorSpec::norm(&format!("main.{}", 3 * i + 1), l.output));
            }
        }
        specs
    }

    /// The discriminator's tensors in `state_dict` order.
    pub fn discriminator_tensors(&self) -> Vec<TensorSpec> {
        let layers = self.discriminator_layers();
        let mut specs = Vec::new();
        for (j, l) in layers.iter().enumerate() {
            let index = if j == 0 { 0 } else { 3 * j - 1 };
            specs.push(TensorSpec::weight(
                format!("main.{index}.weight"),
                vec![l.output, l.input, l.kernel, l.kernel],
            ));
            if self.d_layer_norm(j, layers.len()) {
                specs.extend(TensorSpec::norm(&format!("main.{}", index + 1), l.output));
            }
        }
        specs
    }

    /// The power-iteration vectors of D's spectral norm, by PyTorch's names
    /// (`main.N.weight_u` `[out]`, `main.N.weight_v` `[in·k·k]`), for D's layers in order.
    pub fn spectral_tensors(&self) -> Vec<TensorSpec> {
        let weights = self.discriminator_tensors();
        let weights = weights.iter().filter(|s| s.role == TensorRole::ConvWeight);
        weights
            .flat_map(|w| {
                let prefix = w.name.trim_end_matches("weight");
                let vector = |suffix: &str, n: usize| TensorSpec {
                    name: format!("{prefix}weight_{suffix}"),
                    shape: vec![n],
                    role: TensorRole::PowerVector,
                };
                [
                    vector("u", w.shape[0]),
                    vector("v", w.shape[1..].iter().product()),
                ]
            })
            .collect()
    }
}

/// What a named tensor is, which decides how it is initialised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorRole {
    ConvWeight,
    NormScale,
    NormShift,
    RunningMean,
    RunningVar,
    /// A convolution's bias (the projection's encoder has them; G and D do not).
    Bias,
    /// A spectral norm's power-iteration vector (`u` or `v`): a unit vector, measured, not
    /// trained.
    PowerVector,
}

impl TensorRole {
    /// Whether the optimizer trains it (the running statistics are measured, not trained).
    pub fn is_trained(self) -> bool {
        !matches!(
            self,
            TensorRole::RunningMean | TensorRole::RunningVar | TensorRole::PowerVector
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<usize>,
    pub role: TensorRole,
}

impl TensorSpec {
    fn weight(name: String, shape: Vec<usize>) -> Self {
        TensorSpec {
            name,
            shape,
            role: TensorRole::ConvWeight,
        }
    }

    fn norm(prefix: &str, features: usize) -> Vec<Self> {
        [
            ("weight", TensorRole::NormScale),
            ("bias", TensorRole::NormShift),
            ("running_mean", TensorRole::RunningMean),
            ("running_var", TensorRole::RunningVar),
        ]
        .into_iter()
        .map(|(n, role)| TensorSpec {
            name: format!("{prefix}.{n}"),
            shape: vec![features],
            role,
        })
        .collect()
    }

    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// DCGAN init: conv weights N(0, 0.02), batch-norm scale N(1, 0.02), shift 0.
    fn init(&self, rng: &mut rand::rngs::Xoshiro256PlusPlus) -> Vec<f32> {
        let normal = |mean: f32, rng: &mut rand::rngs::Xoshiro256PlusPlus| {
            let d = Normal::new(mean, INIT_STD).expect("valid normal");
            (0..self.len()).map(|_| d.sample(rng)).collect()
        };
        match self.role {
            TensorRole::ConvWeight => normal(0.0, rng),
            TensorRole::NormScale => normal(1.0, rng),
            TensorRole::NormShift | TensorRole::Bias | TensorRole::RunningMean => {
                vec![0.0; self.len()]
            }
            TensorRole::RunningVar => vec![1.0; self.len()],
            // As PyTorch's spectral_norm starts: normalize(randn).
            TensorRole::PowerVector => {
                let x: Vec<f32> = (0..self.len())
                    .map(|_| rand_distr::StandardNormal.sample(rng))
                    .collect();
                let norm = x.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                x.into_iter().map(|v| v / norm).collect()
            }
        }
    }
}

/// DCGAN-initialised values for `specs` from one seeded stream (G and D salt the seed apart).
pub(crate) fn init_values(specs: &[TensorSpec], seed: u64) -> Vec<Vec<f32>> {
    let mut rng = latent::rng(seed);
    specs.iter().map(|s| s.init(&mut rng)).collect()
}

/// Checks count, lengths and finiteness before anything is built.
pub(crate) fn check_values(
    specs: &[TensorSpec],
    values: Vec<Vec<f32>>,
) -> Result<Vec<Vec<f32>>, ModelError> {
    if values.len() != specs.len() {
        return Err(ModelError::Other(format!(
            "{} tensors given; this model has {}",
            values.len(),
            specs.len()
        )));
    }
    for (spec, v) in specs.iter().zip(&values) {
        if v.len() != spec.len() {
            return Err(ModelError::Shape {
                name: spec.name.clone(),
                got: vec![v.len()],
                expected: spec.shape.clone(),
            });
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err(ModelError::NotFinite(spec.name.clone()));
        }
    }
    Ok(values)
}

/// Splits flat values read back from [`Generator::flat_tensors`] / [`Discriminator::flat_tensors`].
fn split_values(specs: &[TensorSpec], all: Vec<f32>) -> Vec<Vec<f32>> {
    let mut rest = all.as_slice();
    specs
        .iter()
        .map(|s| {
            let (head, tail) = rest.split_at(s.len());
            rest = tail;
            head.to_vec()
        })
        .collect()
}

/// Reads module tensors synchronously (native backends only; WebGPU needs the async form).
pub fn read_values(
    specs: &[TensorSpec],
    tensors: Vec<Tensor<1>>,
) -> Result<Vec<Vec<f32>>, ModelError> {
    let data = Tensor::cat(tensors, 0)
        .without_autodiff()
        .try_into_data()
        .map_err(|e| ModelError::Other(format!("{e:?}")))?;
    Ok(split_values(
        specs,
        data.try_into_vec::<f32>()
            .map_err(|e| ModelError::Other(format!("{e:?}")))?,
    ))
}

/// Reads module tensors with one asynchronous transfer (safe on WebGPU).
pub async fn read_values_async(
    specs: &[TensorSpec],
    tensors: Vec<Tensor<1>>,
) -> Result<Vec<Vec<f32>>, ModelError> {
    let data = Tensor::cat(tensors, 0)
        .without_autodiff()
        .into_data_async()
        .await
        .map_err(|e| ModelError::Other(format!("{e:?}")))?;
    Ok(split_values(
        specs,
        data.try_into_vec::<f32>()
            .map_err(|e| ModelError::Other(format!("{e:?}")))?,
    ))
}
