//! `bench-generate`: the generator's forward pass timed natively, doing what the page's
//! `generate` does (z in, RGBA bytes out), so bench/browser-vs-native.mjs can set the page's
//! CPU module beside Burn's CPU backend on the same machine. One thread: RAYON_NUM_THREADS=1.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use burn::tensor::Device;
use clap::Args;
use gan_playground::checkpoint;
use gan_playground::data::to_rgba;
use gan_playground::latent::{self, Prior};
use gan_playground::model::Upsample;

use super::{Backend, device, in_range, read_file};

#[derive(Args)]
pub struct BenchArgs {
    /// Generator weights as the page ships them (`.safetensors`; the shape is read from them).
    #[arg(long)]
    weights: PathBuf,
    /// Batch sizes to time, e.g. 1,64 (each 1 to 256).
    #[arg(long, value_delimiter = ',', default_value = "1,64", value_parser = in_range(1..=256))]
    batches: Vec<usize>,
    /// Timed calls per batch size, after one warm-up.
    #[arg(long, default_value_t = 9, value_parser = in_range(1..=1000))]
    runs: usize,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
    /// How G's stride-2 layers upsample: transposed (Burn's) or sub-pixel (the same function).
    #[arg(long, default_value = "transposed", value_parser = Upsample::parse)]
    upsample: Upsample,
}

/// Prints one JSON object: per batch size, every call's milliseconds and their median.
pub fn run(args: BenchArgs) -> Result<()> {
    args.upsample.choose();
    let bytes = read_file(&args.weights)?;
    let config = checkpoint::infer_generator_config(&bytes)
        .with_context(|| format!("{} is not generator weights", args.weights.display()))?;
    let device: Device = device(args.backend)?;
    let generator = checkpoint::generator_from_safetensors(&config, &bytes, &device)
        .with_context(|| format!("cannot load generator weights {}", args.weights.display()))?;
    let mut rows = Vec::new();
    for &batch in &args.batches {
        let z = latent::sample(Prior::Normal, batch, config.latent, 0);
        let call = || -> Result<Vec<u8>> {
            let images = generator.forward(latent::to_tensor(z.clone(), config.latent, &device)?);
            let values = images
                .into_data()
                .try_into_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            Ok(to_rgba(&values, config.channels, config.image_size)?)
        };
        call()?; // warm-up
        let mut samples = Vec::with_capacity(args.runs);
        for _ in 0..args.runs {
            let start = Instant::now();
            std::hint::black_box(call()?);
            samples.push(start.elapsed().as_secs_f64() * 1e3);
        }
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let h = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[h]
        } else {
            (sorted[h - 1] + sorted[h]) / 2.0
        };
        rows.push(serde_json::json!({ "batch": batch, "medianMs": median, "samplesMs": samples }));
    }
    let threads = std::env::var("RAYON_NUM_THREADS").ok();
    println!(
        "{}",
        serde_json::json!({
            "weights": args.weights.display().to_string(),
            "rayonNumThreads": threads,
            "upsample": args.upsample.name(),
            "runs": args.runs,
            "results": rows,
        })
    );
    Ok(())
}
