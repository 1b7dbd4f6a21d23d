//! The generator and discriminator modules and their forward passes.

use burn::module::{Module, Param, ParamId};
use burn::nn::conv::{Conv2d, ConvTranspose2d};
use burn::tensor::activation::{leaky_relu, relu, sigmoid, tanh};
use burn::tensor::{Device, Tensor, TensorData};

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;

use super::norm::{BatchNorm2d, NormMode, norm_from, norm_tensors};
use super::spectral::SpectralNorm;
use super::subpixel::upsample;
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
    /// One spectral norm per layer when the run normalises D (`TrainConfig::spectral_norm`),
    /// else none.
    pub spectral: Vec<SpectralNorm>,
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
            x = relu(norm.forward(upsample(conv, x), mode));
        }
        let last = self.layers.last().expect("a generator has layers");
        tanh(upsample(last, x))
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
            if config.d_layer_norm(j, layers.len()) {
                norms.push(norm_from(&mut values, l.output, device));
            }
        }
        Ok(Discriminator {
            layers: convs,
            norms,
            spectral: Vec::new(),
        })
    }

    /// D with its layers spectrally normalised, from vectors in
    /// [`ModelConfig::spectral_tensors`] order (fresh ones: [`Discriminator::spectral_init`]).
    pub fn with_spectral(
        mut self,
        config: &ModelConfig,
        values: Vec<Vec<f32>>,
    ) -> Result<Self, ModelError> {
        let mut values = check_values(&config.spectral_tensors(), values)?.into_iter();
        let device = self.layers[0].weight.device();
        self.spectral = (0..self.layers.len())
            .map(|_| {
                let u = values.next().expect("count checked");
                let v = values.next().expect("count checked");
                SpectralNorm::from_values(u, v, &device)
            })
            .collect();
        Ok(self)
    }

    /// Fresh power-iteration vectors for [`Discriminator::with_spectral`], drawn from `seed`.
    pub fn spectral_init(config: &ModelConfig, seed: u64) -> Vec<Vec<f32>> {
        init_values(&config.spectral_tensors(), seed ^ 0x7370_6563_7472_616c)
    }

    /// One power iteration for every normalised layer (nothing recorded): a training step's.
    pub fn power_iteration(&self) {
        for (conv, sn) in self.layers.iter().zip(&self.spectral) {
            sn.power_iteration(conv.weight.val());
        }
    }

    /// The power-iteration vectors in [`ModelConfig::spectral_tensors`] order (none without).
    pub fn spectral_tensors(&self) -> Vec<Tensor<1>> {
        self.spectral
            .iter()
            .flat_map(SpectralNorm::tensors)
            .collect()
    }

    /// Layer `j`'s weight as the forward pass uses it: divided by σ when normalised.
    pub fn effective_weight(&self, j: usize) -> Tensor<4> {
        let weight = self.layers[j].weight.val();
        match self.spectral.get(j) {
            Some(sn) => sn.normalise(weight),
            None => weight,
        }
    }

    /// The same function with σ folded into the weights and no spectral norm: what D's own
    /// weights file holds, so it judges as the run's D without knowing of the norm.
    pub fn folded(self) -> Self {
        if self.spectral.is_empty() {
            return self;
        }
        let weights: Vec<Tensor<4>> = (0..self.layers.len())
            .map(|j| self.effective_weight(j).detach())
            .collect();
        let mut d = self;
        for (conv, w) in d.layers.iter_mut().zip(weights) {
            conv.weight = Param::from_tensor(w);
        }
        d.spectral = Vec::new();
        d
    }

    fn conv(&self, j: usize, x: Tensor<4>) -> Tensor<4> {
        let conv = &self.layers[j];
        if self.spectral.is_empty() {
            return conv.forward(x);
        }
        // As `Conv2d::forward`, with the normalised weight (D's padding is always explicit).
        let (top, left, bottom, right) = match conv.padding {
            burn::nn::PaddingConfig2d::Explicit(t, l, b, r) => (t, l, b, r),
            _ => (0, 0, 0, 0),
        };
        let options = ConvOptions::new_with_padding(
            conv.stride,
            [(top, bottom), (left, right)],
            conv.dilation,
            conv.groups,
        );
        conv2d(x, self.effective_weight(j), None, options)
    }

    /// D's logits `[B]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<1> {
        let mode = NormMode::for_device(&x.device());
        self.forward_with(x, mode)
    }

    pub fn forward_with(&self, x: Tensor<4>, mode: NormMode) -> Tensor<1> {
        let b = x.dims()[0];
        let n = self.layers.len();
        let mut x = leaky_relu(self.conv(0, x), LEAKY_SLOPE);
        for j in 1..n - 1 {
            let y = self.conv(j, x);
            // Norms follow the middle layers in order, or there are none (`DiscriminatorNorm`).
            let y = match self.norms.get(j - 1) {
                Some(norm) => norm.forward(y, mode),
                None => y,
            };
            x = leaky_relu(y, LEAKY_SLOPE);
        }
        self.conv(n - 1, x).reshape([b])
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
