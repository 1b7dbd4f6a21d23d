//! `gan-playground encoder`: trains the projection's first guess for a generator
//! (src/invert/encoder.rs) and writes it beside the generator's weights.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use burn::tensor::{Tensor, TensorData};
use clap::Args;
use gan_playground::checkpoint::{self, infer_generator_config};
use gan_playground::invert::Encoder;
use gan_playground::invert::encoder::{self, BATCH, EncoderTraining, STEPS, WIDTH, train_encoder};
use gan_playground::latent::{self, Prior};

use super::{Backend, device, in_range};

#[derive(Args)]
pub struct EncoderArgs {
    /// Generator weights (safetensors; sizes are read from the file).
    #[arg(long)]
    weights: PathBuf,
    /// Where to write the encoder (f16 safetensors), e.g. assets/weights/mnist-encoder.safetensors.
    #[arg(long)]
    out: PathBuf,
    /// The generator's prior (the z it was trained on).
    #[arg(long, default_value = "normal", value_parser = Prior::parse)]
    prior: Prior,
    #[arg(long, default_value_t = 3_000, value_parser = in_range(STEPS))]
    steps: usize,
    #[arg(long, default_value_t = 64, value_parser = in_range(BATCH))]
    batch: usize,
    /// Channels of the encoder's first layer, doubled per stride-2 layer (a `--from` encoder
    /// keeps its own).
    #[arg(long, default_value_t = 64, value_parser = in_range(WIDTH), conflicts_with = "from")]
    width: usize,
    /// Weight of the z error beside the pixel error.
    #[arg(long, default_value_t = 0.1)]
    z_weight: f64,
    /// Go on training this encoder (one made for the same generator) instead of a fresh one;
    /// its width is its own.
    #[arg(long)]
    from: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

/// Held-out z that measure the encoder: none of training's draws.
const HELD_OUT_SEED: u64 = 0x686f_6c64;
const HELD_OUT: usize = 256;

pub fn run(args: EncoderArgs) -> Result<()> {
    let bytes = fs::read(&args.weights)
        .with_context(|| format!("cannot read {}", args.weights.display()))?;
    let config = infer_generator_config(&bytes)
        .with_context(|| format!("{} is not a generator", args.weights.display()))?;
    let device = device(args.backend)?;
    // `--out` may replace only an encoder for this generator (an earlier one, or `--from`).
    if args.out.exists() {
        let old =
            fs::read(&args.out).with_context(|| format!("cannot read {}", args.out.display()))?;
        if Encoder::from_safetensors(&config, &old, &device).is_err() {
            bail!(
                "--out {} exists and is not an encoder for this generator; it is left as it is",
                args.out.display()
            );
        }
    }
    let generator = checkpoint::generator_from_safetensors(&config, &bytes, &device)?;
    let settings = EncoderTraining {
        width: args.width,
        steps: args.steps,
        batch: args.batch,
        z_weight: args.z_weight,
        ..EncoderTraining::new(args.prior, args.seed)
    };
    let start = match &args.from {
        Some(path) => {
            let bytes =
                fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            Some(
                Encoder::from_safetensors(&config, &bytes, &device).with_context(|| {
                    format!("{} is not an encoder for this generator", path.display())
                })?,
            )
        }
        None => None,
    };
    let progress = super::quality::bar(args.steps as u64)?;
    let model = train_encoder(
        &generator,
        &config,
        &settings,
        start,
        &device,
        |step, pixel, z| {
            progress.set_position(step as u64);
            progress.set_message(format!("pixel {pixel:.4}  z {z:.3}"));
        },
    )?;
    progress.finish_and_clear();
    let z = Tensor::from_data(
        TensorData::new(
            latent::sample(args.prior, HELD_OUT, config.latent, HELD_OUT_SEED),
            [HELD_OUT, config.latent],
        ),
        &device,
    );
    let (pixel, z_error) = encoder::errors(&model, &generator, z);
    let scalar = |t: Tensor<1>| -> Result<f32> {
        Ok(t.try_into_data()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .try_to_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?[0])
    };
    let file = model.to_safetensors(&config)?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    checkpoint::write_atomic(&args.out, &file)?;
    println!(
        "{}: {} bytes; on {HELD_OUT} held-out samples, pixel error {:.5} and z error {:.4} (mean squared)",
        args.out.display(),
        file.len(),
        scalar(pixel)?,
        scalar(z_error)?
    );
    Ok(())
}
