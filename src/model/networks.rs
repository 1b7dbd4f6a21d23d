//! The generator and discriminator modules and their forward passes.

use burn::module::{Module, Param, ParamId};
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::tensor::activation::{leaky_relu, relu, sigmoid, tanh};
use burn::tensor::{Device, Tensor, TensorData};

use super::norm::{BatchNorm2d, NormMode, norm_from, norm_tensors};
use super::{ModelConfig, ModelError, check_values, init_values};

const LEAKY_SLOPE: f64 = 0.2;

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
        let values = init_values(&config.generator_tensors(), seed ^ 0x6e6e_6765_6e65_7261);
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

    /// The trained parameters' ids, in [`ModelConfig::generator_tensors`] order with the
    /// running statistics left out (what the optimizer's state is keyed by).
    pub fn trainable_ids(&self) -> Vec<ParamId> {
        let mut out = Vec::new();
        for (i, conv) in self.layers.iter().enumerate() {
            out.push(conv.weight.id);
            if let Some(norm) = self.norms.get(i) {
                out.extend([norm.gamma.id, norm.beta.id]);
            }
        }
        out
    }
}

impl Discriminator {
    pub fn init(config: &ModelConfig, seed: u64, device: &Device) -> Result<Self, ModelError> {
        let values = init_values(
            &config.discriminator_tensors(),
            seed ^ 0x6469_7363_7269_6d69,
        );
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
            // D has no batch norm after its first conv (DCGAN: not on D's input).
            if let Some(norm) = j.checked_sub(1).and_then(|i| self.norms.get(i)) {
                out.extend(norm_tensors(norm));
            }
        }
        out
    }

    /// As [`Generator::trainable_ids`], in [`ModelConfig::discriminator_tensors`] order.
    pub fn trainable_ids(&self) -> Vec<ParamId> {
        let mut out = Vec::new();
        for (j, conv) in self.layers.iter().enumerate() {
            out.push(conv.weight.id);
            if let Some(norm) = j.checked_sub(1).and_then(|i| self.norms.get(i)) {
                out.extend([norm.gamma.id, norm.beta.id]);
            }
        }
        out
    }
}

fn tensor4(values: Option<Vec<f32>>, shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(values.expect("count checked"), shape),
        device,
    )
}
