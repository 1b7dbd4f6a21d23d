//! The projection's first guess (iGAN's hybrid): an encoder E, image → z, trained on a fixed
//! generator's own samples so that G(E(G(z))) ≈ G(z). The search then starts its Gauss–Newton
//! phase from E's guess instead of from Adam on random restarts (src/invert.rs).
//!
//! E has D's geometry (strided 4×4 convs, LeakyReLU(0.2), no pooling) with `latent` outputs
//! instead of one logit, biases and no batch norm: it is a regression, and without batch norm
//! it computes the same function in training and in the page.

use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

use super::{InvertSettings, Projection};
use crate::checkpoint::{CheckpointError, Precision, from_safetensors, to_safetensors};
use crate::latent::{self, Prior};
use crate::model::{
    ConvSpec, Generator, ModelConfig, ModelError, NormMode, TensorRole, TensorSpec, read_values,
};

const LEAKY_SLOPE: f64 = 0.2;
/// The widest encoder a file may declare (its first layer's channels).
pub const MAX_WIDTH: usize = 256;

/// E: image `[B, C, S, S]` in [−1, 1] → z `[B, latent]`.
#[derive(Module, Debug)]
pub struct Encoder {
    pub layers: Vec<Conv2d>,
}

/// E's layers for generator sizes `config` and first-layer width `width`: D's, ending in z.
fn layers(config: &ModelConfig, width: usize) -> Result<Vec<ConvSpec>, ModelError> {
    if !WIDTH.contains(&width) {
        return Err(ModelError::Config(format!(
            "encoder width {width} is not in 1..={MAX_WIDTH}"
        )));
    }
    let sized = ModelConfig {
        d_width: width,
        ..config.clone()
    };
    sized.validate()?;
    let mut layers = sized.discriminator_layers();
    if let Some(last) = layers.last_mut() {
        last.output = config.latent;
    }
    Ok(layers)
}

/// E's tensors in file order: each layer's weight `[out, in, k, k]`, then its bias.
pub fn encoder_tensors(config: &ModelConfig, width: usize) -> Result<Vec<TensorSpec>, ModelError> {
    Ok(layers(config, width)?
        .iter()
        .enumerate()
        .flat_map(|(j, l)| {
            [
                TensorSpec {
                    name: format!("main.{j}.weight"),
                    shape: vec![l.output, l.input, l.kernel, l.kernel],
                    role: TensorRole::ConvWeight,
                },
                TensorSpec {
                    name: format!("main.{j}.bias"),
                    shape: vec![l.output],
                    role: TensorRole::Bias,
                },
            ]
        })
        .collect())
}

fn conv(l: &ConvSpec, weight: Tensor<4>, bias: Tensor<1>) -> Conv2d {
    Conv2d {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(bias)),
        stride: [l.stride; 2],
        kernel_size: [l.kernel; 2],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Explicit(l.padding, l.padding, l.padding, l.padding),
    }
}

impl Encoder {
    /// A fresh encoder to train (Burn's default initialisers, from `seed`).
    pub fn init(
        config: &ModelConfig,
        width: usize,
        seed: u64,
        device: &Device,
    ) -> Result<Self, ModelError> {
        device.seed(seed);
        let layers = layers(config, width)?
            .iter()
            .map(|l| {
                Conv2dConfig::new([l.input, l.output], [l.kernel; 2])
                    .with_stride([l.stride; 2])
                    .with_padding(PaddingConfig2d::Explicit(
                        l.padding, l.padding, l.padding, l.padding,
                    ))
                    .init(device)
            })
            .collect();
        Ok(Encoder { layers })
    }

    /// E from an encoder file, checked whole against the generator it guesses for (`config`:
    /// its image size, channels and latent length) before anything is built.
    pub fn from_safetensors(
        config: &ModelConfig,
        bytes: &[u8],
        device: &Device,
    ) -> Result<Self, CheckpointError> {
        let width = infer_width(bytes)?;
        let specs = encoder_tensors(config, width)?;
        let values = from_safetensors(&specs, bytes, "")?;
        let mut values = values.into_iter();
        let layers = layers(config, width)?
            .iter()
            .map(|l| {
                let (w, b) = (values.next(), values.next());
                let (Some(w), Some(b)) = (w, b) else {
                    unreachable!("from_safetensors answers one value per spec")
                };
                let weight = Tensor::from_data(
                    TensorData::new(w, [l.output, l.input, l.kernel, l.kernel]),
                    device,
                );
                let bias = Tensor::from_data(TensorData::new(b, [l.output]), device);
                conv(l, weight, bias)
            })
            .collect();
        Ok(Encoder { layers })
    }

    /// E's file (f16: the page fetches it beside G's).
    pub fn to_safetensors(&self, config: &ModelConfig) -> Result<Vec<u8>, CheckpointError> {
        let width = self.layers[0].weight.dims()[0];
        let specs = encoder_tensors(config, width)?;
        let tensors =
            self.layers
                .iter()
                .flat_map(|c| {
                    let bias =
                        c.bias.as_ref().map(|b| b.val()).unwrap_or_else(|| {
                            Tensor::zeros([c.weight.dims()[0]], &c.weight.device())
                        });
                    [c.weight.val().reshape([-1]), bias]
                })
                .collect();
        to_safetensors(&specs, &read_values(&specs, tensors)?, Precision::F16)
    }

    /// Whether E was made for generators of `config`'s sizes (its layers' shapes are those an
    /// encoder for them has): checked before E sees an image, so a mismatch is an error, not a
    /// panic inside a convolution.
    pub fn fits(&self, config: &ModelConfig) -> Result<(), ModelError> {
        let width = self.layers.first().map_or(0, |c| c.weight.dims()[0]);
        let wanted = layers(config, width)?;
        let shapes: Vec<[usize; 4]> = self.layers.iter().map(|c| c.weight.dims()).collect();
        let expected: Vec<[usize; 4]> = wanted
            .iter()
            .map(|l| [l.output, l.input, l.kernel, l.kernel])
            .collect();
        if shapes != expected {
            return Err(ModelError::Config(format!(
                "this encoder's layers are {shapes:?}; one for this generator's {}×{} images of \
                 {} channel(s) and z of {} has {expected:?}",
                config.image_size, config.image_size, config.channels, config.latent
            )));
        }
        Ok(())
    }

    /// z `[B, latent]` for images `[B, C, S, S]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let b = x.dims()[0];
        let n = self.layers.len();
        let mut x = x;
        for conv in &self.layers[..n - 1] {
            x = leaky_relu(conv.forward(x), LEAKY_SLOPE);
        }
        let z = self.layers[n - 1].forward(x);
        let latent = z.dims()[1];
        z.reshape([b, latent])
    }
}

/// An encoder file's width: the channels of its first layer (`main.0.weight` `[w, c, 4, 4]`).
fn infer_width(bytes: &[u8]) -> Result<usize, CheckpointError> {
    let file =
        SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::Safetensors(e.to_string()))?;
    let first = file
        .tensor("main.0.weight")
        .map_err(|_| ModelError::Missing("main.0.weight".into()))?;
    if !matches!(first.dtype(), Dtype::F32 | Dtype::F16 | Dtype::BF16) {
        return Err(CheckpointError::Dtype {
            name: "main.0.weight".into(),
            dtype: format!("{:?}", first.dtype()),
        });
    }
    match first.shape() {
        [w, _, 4, 4] => Ok(*w),
        other => Err(ModelError::Config(format!(
            "not an encoder: main.0.weight is {other:?}, expected [width, channels, 4, 4]"
        ))
        .into()),
    }
}

/// How an encoder is trained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EncoderTraining {
    pub prior: Prior,
    pub width: usize,
    pub steps: usize,
    pub batch: usize,
    /// Weight of the z error `mean (E(G(z)) − z)²` beside the pixel error
    /// `mean (G(E(G(z))) − G(z))²`: z alone wastes E on directions G ignores, pixels alone
    /// start slowly.
    pub z_weight: f64,
    pub learning_rate: f64,
    pub seed: u64,
}

/// The steps, batch and z weight a training may ask for (the CLI's flags read them).
pub const STEPS: std::ops::RangeInclusive<usize> = 1..=1_000_000;
pub const BATCH: std::ops::RangeInclusive<usize> = 2..=1_024;
pub const Z_WEIGHT: std::ops::RangeInclusive<f64> = 0.0..=10.0;
/// The widths a file or a flag may give: `1..=MAX_WIDTH`.
pub const WIDTH: std::ops::RangeInclusive<usize> = 1..=MAX_WIDTH;

impl EncoderTraining {
    pub fn new(prior: Prior, seed: u64) -> Self {
        EncoderTraining {
            prior,
            width: 64,
            steps: 3_000,
            batch: 64,
            z_weight: 0.1,
            learning_rate: 1e-3,
            seed,
        }
    }

    fn check(&self) -> Result<(), ModelError> {
        let fail = |m: String| Err(ModelError::Config(m));
        let span = |r: &std::ops::RangeInclusive<usize>| format!("{} to {}", r.start(), r.end());
        if !STEPS.contains(&self.steps) {
            return fail(format!("from {} steps; got {}", span(&STEPS), self.steps));
        }
        if !BATCH.contains(&self.batch) {
            return fail(format!("a batch of {}; got {}", span(&BATCH), self.batch));
        }
        if !self.z_weight.is_finite() || !Z_WEIGHT.contains(&self.z_weight) {
            return fail(format!(
                "the z weight must be from {} to {}; got {}",
                Z_WEIGHT.start(),
                Z_WEIGHT.end(),
                self.z_weight
            ));
        }
        if !self.learning_rate.is_finite() || !(0.0..=1.0).contains(&self.learning_rate) {
            return fail(format!(
                "the learning rate must be from 0 to 1; got {}",
                self.learning_rate
            ));
        }
        Ok(())
    }
}

/// The z of training step `step`: a pure function of (seed, step), as every draw here is.
pub fn training_latents(settings: &EncoderTraining, latent: usize, step: usize) -> Vec<f32> {
    let seed = settings.seed ^ (step as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    latent::sample(settings.prior, settings.batch, latent, seed)
}

/// The errors of E on one batch: `(pixel, z)` mean squared errors, as tensors.
pub fn errors(encoder: &Encoder, generator: &Generator, z: Tensor<2>) -> (Tensor<1>, Tensor<1>) {
    let images = generator.forward_with(z.clone(), NormMode::Eval).detach();
    let guess = encoder.forward(images.clone());
    let again = generator.forward_with(guess.clone(), NormMode::Eval);
    (
        (again - images).square().mean(),
        (guess - z).square().mean(),
    )
}

/// Trains E for `generator` (sizes `config`) on `device` (made autodiff here); G stays fixed.
/// From `start` when given (an encoder trained before: it goes on, with fresh Adam moments),
/// else from a fresh one of `settings.width`. `on_step(step, pixel error, z error)` hears
/// every 50th step.
pub fn train_encoder(
    generator: &Generator,
    config: &ModelConfig,
    settings: &EncoderTraining,
    start: Option<Encoder>,
    device: &Device,
    mut on_step: impl FnMut(usize, f32, f32),
) -> Result<Encoder, ModelError> {
    settings.check()?;
    let device = device.clone().without_autodiff().autodiff();
    let generator = generator.clone().to_device(&device).no_grad();
    if let Some(encoder) = &start {
        encoder.fits(config)?;
    }
    let mut encoder = match start {
        // As the trainer does: on the plain device, then made trainable (tracked).
        Some(encoder) => encoder
            .valid()
            .to_device(&device.clone().without_autodiff())
            .train(),
        None => Encoder::init(config, settings.width, settings.seed, &device)?,
    };
    let mut optim = AdamConfig::new().init();
    for step in 0..settings.steps {
        let z = Tensor::from_data(
            TensorData::new(
                training_latents(settings, config.latent, step),
                [settings.batch, config.latent],
            ),
            &device,
        );
        let (pixel, z_error) = errors(&encoder, &generator, z);
        let loss = pixel.clone() + z_error.clone().mul_scalar(settings.z_weight);
        let grads = GradientsParams::from_grads(loss.backward(), &encoder);
        // A tenth of the rate for the last fifth: the cheap step that settles a regression.
        let lr = if step * 5 < settings.steps * 4 {
            settings.learning_rate
        } else {
            settings.learning_rate / 10.0
        };
        encoder = optim.step(lr, encoder, grads);
        if step % 50 == 0 || step + 1 == settings.steps {
            let read = |t: Tensor<1>| {
                t.without_autodiff()
                    .try_into_data()
                    .ok()
                    .and_then(|d| d.try_to_vec::<f32>().ok())
                    .and_then(|v| v.first().copied())
                    .unwrap_or(f32::NAN)
            };
            on_step(step, read(pixel), read(z_error));
        }
    }
    Ok(encoder.valid())
}

impl InvertSettings {
    /// What the page uses with an encoder's first guess ([`Projection::start_from`]): the guess
    /// among a few draws from the prior, Adam on them for a few steps, then Gauss–Newton on the
    /// best ([`GUIDED`]; tests/native/invert.rs and bench/ measure it).
    pub fn guided(prior: Prior, seed: u64) -> Self {
        InvertSettings {
            restarts: GUIDED.0,
            narrow_after: GUIDED.1,
            narrow_to: 1,
            prune_after: GUIDED.1,
            refine_after: GUIDED.1,
            ..InvertSettings::new(prior, seed)
        }
    }
}

/// The guided search's restarts (the guess among them) and its Adam steps before Gauss–Newton
/// (measured against 2 steps and against the guess alone: docs/LATENT.md).
pub const GUIDED: (usize, usize) = (4, 10);

impl Projection {
    /// Starts the first restart from `encoder`'s guess for the target instead of a draw from
    /// the prior (iGAN's hybrid). Before the first step only; `encoder` must fit this
    /// generator ([`Encoder::fits`]).
    pub fn start_from(&mut self, encoder: &Encoder) -> Result<(), ModelError> {
        if self.iteration > 0 {
            return Err(ModelError::Other(
                "the projection has started; a guess comes first".into(),
            ));
        }
        encoder.fits(&self.config)?;
        let [r, _] = self.z.dims();
        let mut guess = encoder.forward(self.target.clone());
        if self.settings.prior == Prior::Uniform {
            guess = guess.clamp(-1.0, 1.0);
        }
        self.z = if r == 1 {
            guess
        } else {
            Tensor::cat(vec![guess, self.z.clone().slice(1..r)], 0)
        };
        Ok(())
    }
}
