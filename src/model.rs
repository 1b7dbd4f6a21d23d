//! The DCGAN generator and discriminator, built from a [`ModelConfig`].
//!
//! One family covers every size: G starts from a `k×k` map (k = 7 for 28-pixel images, 4
//! otherwise) and doubles it with stride-2 transposed convs; D mirrors it with stride-2 convs.
//! At 64×64 with no biases this is exactly the `Generator` / `Discriminator` of pytorch/examples
//! `dcgan/main.py`, and parameters are named after that model's `state_dict` (`main.N.weight`),
//! so its weights load unchanged.

use burn::module::{Module, Param, RunningState};
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::tensor::activation::{leaky_relu, relu, sigmoid, tanh};
use burn::tensor::module::{batch_norm, batch_norm_train};
use burn::tensor::{Device, Tensor, TensorData};
use rand::RngExt;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::latent;

const BN_EPSILON: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;
const LEAKY_SLOPE: f64 = 0.2;
const INIT_STD: f32 = 0.02;

/// Why a configuration or a set of weights was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("invalid model configuration: {0}")]
    Config(String),
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
        };
        config.validate()?;
        Ok(config)
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

    /// D's layers from image to logit; the first has no batch norm, the last no activation.
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
            if j > 0 && j + 1 < layers.len() {
                specs.extend(TensorSpec::norm(&format!("main.{}", index + 1), l.output));
            }
        }
        specs
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
            TensorRole::NormShift | TensorRole::RunningMean => vec![0.0; self.len()],
            TensorRole::RunningVar => vec![1.0; self.len()],
        }
    }
}

/// How batch norm treats a forward pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NormMode {
    /// Batch statistics, and the running statistics move towards them (training).
    Train,
    /// Batch statistics, running statistics untouched (measuring a training batch).
    BatchStats,
    /// Running statistics (inference).
    Eval,
}

impl NormMode {
    /// Burn's convention: a forward on an autodiff device is a training pass.
    fn for_device(device: &Device) -> Self {
        if device.is_autodiff() {
            NormMode::Train
        } else {
            NormMode::Eval
        }
    }
}

/// Batch norm over channels, as PyTorch's `BatchNorm2d`: the running variance is updated with
/// the unbiased batch variance (Burn's own `BatchNorm` uses the biased one), which the
/// PyTorch parity of a training step needs.
#[derive(Module, Debug)]
pub struct BatchNorm2d {
    pub gamma: Param<Tensor<1>>,
    pub beta: Param<Tensor<1>>,
    pub running_mean: RunningState<Tensor<1>>,
    pub running_var: RunningState<Tensor<1>>,
}

impl BatchNorm2d {
    pub fn forward(&self, x: Tensor<4>, mode: NormMode) -> Tensor<4> {
        if mode == NormMode::Eval {
            let device = x.device();
            let mean = self.running_mean.value_sync().to_device(&device);
            let var = self.running_var.value_sync().to_device(&device);
            return batch_norm(x, self.gamma.val(), self.beta.val(), mean, var, BN_EPSILON);
        }
        let [b, _, h, w] = x.dims();
        let result = batch_norm_train(x, self.gamma.val(), self.beta.val(), BN_EPSILON);
        if mode == NormMode::Train {
            let n = (b * h * w) as f64;
            let unbiased = result.variance.mul_scalar(n / (n - 1.0).max(1.0));
            let device = result.mean.device();
            let mean = self.running_mean.value_sync().to_device(&device);
            let var = self.running_var.value_sync().to_device(&device);
            let mean = mean
                .mul_scalar(1.0 - BN_MOMENTUM)
                .add(result.mean.mul_scalar(BN_MOMENTUM));
            let var = var
                .mul_scalar(1.0 - BN_MOMENTUM)
                .add(unbiased.mul_scalar(BN_MOMENTUM));
            self.running_mean.update(mean.detach());
            self.running_var.update(var.detach());
        }
        result.output
    }
}

/// G: z `[B, latent]` → image `[B, C, S, S]` in [−1, 1].
#[derive(Module, Debug)]
pub struct Generator {
    pub layers: Vec<ConvTranspose2d>,
    pub norms: Vec<BatchNorm2d>,
}

/// D: image `[B, C, S, S]` → logit `[B]`; `D(x) = σ(logit)`.
#[derive(Module, Debug)]
pub struct Discriminator {
    pub layers: Vec<Conv2d>,
    pub norms: Vec<BatchNorm2d>,
}

impl Generator {
    /// A freshly initialised generator; the same seed gives the same weights on every backend.
    pub fn init(config: &ModelConfig, seed: u64, device: &Device) -> Result<Self, ModelError> {
        let mut rng = latent::rng(seed ^ 0x6e6e_6765_6e65_7261);
        let specs = config.generator_tensors();
        let values: Vec<Vec<f32>> = specs.iter().map(|s| s.init(&mut rng)).collect();
        Generator::from_values(config, values, device)
    }

    /// Builds G from values in [`ModelConfig::generator_tensors`] order (already validated).
    pub fn from_values(
        config: &ModelConfig,
        values: Vec<Vec<f32>>,
        device: &Device,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        let mut values = check_values(&config.generator_tensors(), values)?.into_iter();
        let layers = config.generator_layers();
        let (mut convs, mut norms) = (Vec::new(), Vec::new());
        for (i, l) in layers.iter().enumerate() {
            let weight = tensor4(
                values.next(),
                [l.input, l.output, l.kernel, l.kernel],
                device,
            );
            convs.push(ConvTranspose2d {
                weight: Param::from_tensor(weight),
                bias: None,
                stride: [l.stride; 2],
                kernel_size: [l.kernel; 2],
                dilation: [1, 1],
                groups: 1,
                padding: [l.padding; 2],
                padding_out: [0, 0],
                channels: [l.input, l.output],
            });
            if i + 1 < layers.len() {
                norms.push(norm_from(&mut values, l.output, device));
            }
        }
        Ok(Generator {
            layers: convs,
            norms,
        })
    }

    /// Forward pass; batch norm trains on an autodiff device and uses running statistics otherwise.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<4> {
        let mode = NormMode::for_device(&z.device());
        self.forward_with(z, mode)
    }

    pub fn forward_with(&self, z: Tensor<2>, mode: NormMode) -> Tensor<4> {
        let [b, n] = z.dims();
        let mut x = z.reshape([b, n, 1, 1]);
        for (conv, norm) in self.layers.iter().zip(&self.norms) {
            x = relu(norm.forward(conv.forward(x), mode));
        }
        let last = self.layers.last().expect("a generator has layers");
        tanh(last.forward(x))
    }

    /// All tensors, flattened, in [`ModelConfig::generator_tensors`] order (read them with
    /// [`read_values`] or [`read_values_async`]).
    pub fn flat_tensors(&self) -> Vec<Tensor<1>> {
        let mut out = Vec::new();
        for (i, conv) in self.layers.iter().enumerate() {
            out.push(conv.weight.val().reshape([-1]));
            if let Some(norm) = self.norms.get(i) {
                out.extend(norm_tensors(norm));
            }
        }
        out
    }
}

impl Discriminator {
    pub fn init(config: &ModelConfig, seed: u64, device: &Device) -> Result<Self, ModelError> {
        let mut rng = latent::rng(seed ^ 0x6469_7363_7269_6d69);
        let specs = config.discriminator_tensors();
        let values: Vec<Vec<f32>> = specs.iter().map(|s| s.init(&mut rng)).collect();
        Discriminator::from_values(config, values, device)
    }

    pub fn from_values(
        config: &ModelConfig,
        values: Vec<Vec<f32>>,
        device: &Device,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        let mut values = check_values(&config.discriminator_tensors(), values)?.into_iter();
        let layers = config.discriminator_layers();
        let (mut convs, mut norms) = (Vec::new(), Vec::new());
        for (j, l) in layers.iter().enumerate() {
            let weight = tensor4(
                values.next(),
                [l.output, l.input, l.kernel, l.kernel],
                device,
            );
            convs.push(Conv2d {
                weight: Param::from_tensor(weight),
                bias: None,
                stride: [l.stride; 2],
                kernel_size: [l.kernel; 2],
                dilation: [1, 1],
                groups: 1,
                padding: burn::nn::PaddingConfig2d::Explicit(
                    l.padding, l.padding, l.padding, l.padding,
                ),
            });
            if j > 0 && j + 1 < layers.len() {
                norms.push(norm_from(&mut values, l.output, device));
            }
        }
        Ok(Discriminator {
            layers: convs,
            norms,
        })
    }

    /// D's logits `[B]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        let mode = NormMode::for_device(&x.device());
        self.forward_with(x, mode)
    }

    pub fn forward_with(&self, x: Tensor<4>, mode: NormMode) -> Tensor<1> {
        let b = x.dims()[0];
        let n = self.layers.len();
        let mut x = leaky_relu(self.layers[0].forward(x), LEAKY_SLOPE);
        for (conv, norm) in self.layers[1..n - 1].iter().zip(&self.norms) {
            x = leaky_relu(norm.forward(conv.forward(x), mode), LEAKY_SLOPE);
        }
        self.layers[n - 1].forward(x).reshape([b])
    }

    /// D(x) = σ(logit), the probability that x is real.
    pub fn probabilities(&self, x: Tensor<4>) -> Tensor<1> {
        sigmoid(self.forward(x))
    }

    pub fn flat_tensors(&self) -> Vec<Tensor<1>> {
        let mut out = Vec::new();
        for (j, conv) in self.layers.iter().enumerate() {
            out.push(conv.weight.val().reshape([-1]));
            if j > 0 {
                if let Some(norm) = self.norms.get(j - 1) {
                    out.extend(norm_tensors(norm));
                }
            }
        }
        out
    }
}

fn norm_tensors(norm: &BatchNorm2d) -> [Tensor<1>; 4] {
    [
        norm.gamma.val(),
        norm.beta.val(),
        norm.running_mean.value_sync(),
        norm.running_var.value_sync(),
    ]
}

fn tensor4(values: Option<Vec<f32>>, shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(values.expect("count checked"), shape),
        device,
    )
}

fn norm_from(
    values: &mut impl Iterator<Item = Vec<f32>>,
    features: usize,
    device: &Device,
) -> BatchNorm2d {
    let mut next = || {
        Tensor::<1>::from_data(
            TensorData::new(values.next().expect("count checked"), [features]),
            device,
        )
    };
    BatchNorm2d {
        gamma: Param::from_tensor(next()),
        beta: Param::from_tensor(next()),
        running_mean: RunningState::new(next()),
        running_var: RunningState::new(next()),
    }
}

/// Checks count, lengths and finiteness before anything is built.
fn check_values(specs: &[TensorSpec], values: Vec<Vec<f32>>) -> Result<Vec<Vec<f32>>, ModelError> {
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

/// Unused-import guard for `RngExt` on targets where init draws through `Distribution`.
#[allow(dead_code)]
fn _uses(rng: &mut rand::rngs::Xoshiro256PlusPlus) -> f32 {
    rng.random()
}
