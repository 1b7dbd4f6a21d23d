//! `gan-playground train`: the training loop around the core `Trainer`, with a progress bar,
//! a CSV log, sample grids from a fixed z and resumable checkpoints.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use clap::Args;
use gan_playground::checkpoint::{self, Precision, RunSnapshot, has_run, load_run, save_run};
use gan_playground::data::ImageSet;
use gan_playground::latent::{self, Prior};
use gan_playground::loss::GeneratorCost;
use gan_playground::model::{Discriminator, Upsample};
use gan_playground::train::{
    Augment, InstanceNoise, LinearDecay, Loss, Recipe, TrainConfig, Trainer, noise,
};
use indicatif::{ProgressBar, ProgressStyle};

use super::{Backend, ModelArgs, device, read_file, write_images};

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Training images: an idx or idx.gz file ([n, h, w] grey or [n, h, w, 3] RGB).
    #[arg(long, required_unless_present = "dataset")]
    images: Option<PathBuf>,
    /// Shortcut for `--images data/<name>/train-images-idx3-ubyte.gz` (see scripts/fetch-data.sh).
    #[arg(long, value_parser = ["mnist", "fashion", "emoji"])]
    dataset: Option<String>,
    /// Use only the first N images.
    #[arg(long)]
    limit: Option<usize>,
    /// Output directory: samples/, checkpoint/, log.csv. An existing checkpoint is resumed.
    #[arg(long)]
    out: PathBuf,
    /// Start again even though --out holds a checkpoint (or the remains of one), replacing it.
    #[arg(long)]
    fresh: bool,
    /// Stop after this many iterations in total (default: one epoch unless --epochs).
    #[arg(long, conflicts_with = "epochs")]
    iterations: Option<u64>,
    /// Stop after this many passes over the data.
    #[arg(long)]
    epochs: Option<f64>,
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// The levers to start from: dcgan (the paper's) or modern (hinge loss, D's rate twice
    /// G's, G's average; docs/QUALITY.md). The flags below override it.
    #[arg(long, default_value = "dcgan", value_parser = Recipe::parse)]
    recipe: Recipe,
    /// Base learning rate (the recipe scales it for D and G; see --lr-d / --lr-g).
    #[arg(long, default_value_t = 2e-4)]
    lr: f64,
    #[arg(long)]
    lr_d: Option<f64>,
    #[arg(long)]
    lr_g: Option<f64>,
    #[arg(long, default_value_t = 0.5)]
    beta1: f32,
    #[arg(long, default_value_t = 0.999)]
    beta2: f32,
    #[arg(long, default_value_t = 1e-8)]
    eps: f32,
    /// Discriminator steps per iteration (k).
    #[arg(long, default_value_t = 1)]
    d_steps: usize,
    /// Generator steps per iteration (m).
    #[arg(long, default_value_t = 1)]
    g_steps: usize,
    /// saturating (minimax), non-saturating or maximum-likelihood (under --loss cross-entropy).
    #[arg(long, default_value = "non-saturating", value_parser = GeneratorCost::parse)]
    cost: GeneratorCost,
    /// D's loss and G's matching cost: cross-entropy (with --cost) or hinge.
    #[arg(long, value_parser = Loss::parse)]
    loss: Option<Loss>,
    /// Spectral normalisation of D's layers (one power iteration per D step): on or off.
    #[arg(long, value_parser = on_off)]
    spectral_norm: Option<bool>,
    /// Gaussian noise of this standard deviation on D's inputs, falling linearly to 0 over
    /// --instance-noise-span iterations (0: none).
    #[arg(long)]
    instance_noise: Option<f64>,
    /// (Default: 1,000.)
    #[arg(long, requires = "instance_noise")]
    instance_noise_span: Option<u64>,
    #[arg(long, default_value = "normal", value_parser = Prior::parse)]
    prior: Prior,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write a sample grid every N iterations (0: only at the end).
    #[arg(long, default_value_t = 200)]
    sample_every: u64,
    /// Save a checkpoint every N iterations (0: only at the end).
    #[arg(long, default_value_t = 1000)]
    checkpoint_every: u64,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
    /// Also keep an exponential moving average of G's weights with this decay (e.g. 0.999),
    /// saved with each checkpoint as checkpoint/generator-ema.safetensors (batch norm
    /// recalibrated) and in run.safetensors. Training is unchanged; a resumed run continues
    /// the saved average.
    /// `--ema 0`: none, whatever the recipe says.
    #[arg(long)]
    ema: Option<f64>,
    /// Differentiable augmentation of D's inputs, real and generated (DiffAugment, Zhao et al.
    /// 2020): any of translation, cutout, colour, comma-separated; for small sets, where D
    /// memorises. See docs/QUALITY.md.
    /// (Default: the recipe's.)
    #[arg(long, value_parser = Augment::parse)]
    augment: Option<Augment>,
    /// From this iteration to the last, both learning rates fall linearly towards zero (e.g.
    /// the last quarter of the run). A function of the iteration, so resuming keeps it.
    #[arg(long)]
    lr_decay_from: Option<u64>,
    /// Start G from these weights (pytorch-dcgan-named safetensors, f32 or f16, e.g. a shipped
    /// generator) instead of a fresh init; D starts fresh. The sizes given must be the file's.
    /// For going on from weights whose run checkpoint is gone; ignored when resuming.
    #[arg(long, conflicts_with = "from_run")]
    init_generator: Option<PathBuf>,
    /// Go on from this run snapshot (a `run.safetensors`: the page's studio download, or
    /// another run's checkpoint) with its saved hyperparameters, exactly as that run would
    /// have. For a new --out; ignored when resuming.
    #[arg(long)]
    from_run: Option<PathBuf>,
    /// How G's stride-2 layers upsample: transposed (Burn's) or sub-pixel (the same function,
    /// a kernel choice for timing; see bench/RESULTS.md).
    #[arg(long, default_value = "transposed", value_parser = Upsample::parse)]
    upsample: Upsample,
    /// Discriminator-only steps before the first iteration, so a fresh D catches up with a
    /// trained G (`--init-generator`) before G learns from it. Ignored when resuming.
    #[arg(long, default_value_t = 0)]
    d_head_start: usize,
}

fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        _ => Err(format!("{text:?} is not on or off")),
    }
}

/// A new run's hyperparameters: the recipe's levers, then each flag given.
fn train_config(args: &TrainArgs) -> Result<TrainConfig> {
    let base = TrainConfig {
        d_steps: args.d_steps,
        g_steps: args.g_steps,
        beta_1: args.beta1,
        beta_2: args.beta2,
        epsilon: args.eps,
        cost: args.cost,
        prior: args.prior,
        batch_size: args.batch_size,
        seed: args.seed,
        ..TrainConfig::default()
    };
    let mut config = args.recipe.apply(base, args.lr);
    config.lr_d = args.lr_d.unwrap_or(config.lr_d);
    config.lr_g = args.lr_g.unwrap_or(config.lr_g);
    config.loss = args.loss.unwrap_or(config.loss);
    config.spectral_norm = args.spectral_norm.unwrap_or(config.spectral_norm);
    config.augment = args.augment.unwrap_or(config.augment);
    // 0 (exactly) turns a lever off; anything else is checked by `validate`.
    if let Some(decay) = args.ema {
        config.ema = (decay != 0.0).then_some(decay);
    }
    if let Some(std) = args.instance_noise {
        config.instance_noise = (std != 0.0).then_some(InstanceNoise {
            std,
            span: args.instance_noise_span.unwrap_or(noise::DEFAULT_SPAN),
        });
    }
    config.validate()?;
    Ok(config)
}

/// The averaged generator's file in a checkpoint directory.
const EMA_FILE: &str = "generator-ema.safetensors";

fn load_images(args: &TrainArgs) -> Result<ImageSet> {
    let path = match (&args.images, &args.dataset) {
        (Some(p), _) => p.clone(),
        (None, Some(name)) => PathBuf::from(format!("data/{name}/train-images-idx3-ubyte.gz")),
        (None, None) => bail!("give --images or --dataset"),
    };
    let bytes = fs::read(&path).with_context(|| {
        format!(
            "cannot read {} (for --dataset, run scripts/fetch-data.sh first)",
            path.display()
        )
    })?;
    let set = ImageSet::from_idx_bytes(&bytes, None)
        .with_context(|| format!("{} is not a valid idx image file", path.display()))?;
    Ok(match args.limit {
        Some(n) => set.take(n),
        None => set,
    })
}

/// What a checkpoint directory may hold besides `run.json`; any of them without it is the
/// remains of a run, which only --fresh may replace.
const RUN_FILES: [&str; 9] = [
    "run.safetensors",
    gan_playground::checkpoint::PREVIOUS_SNAPSHOT_FILE,
    "generator.safetensors",
    "discriminator.safetensors",
    EMA_FILE,
    "generator.bpk",
    "discriminator.bpk",
    "optimizer_g.bpk",
    "optimizer_d.bpk",
];

/// Refuses, before anything is read or written, what would train nothing or replace a run's
/// files without --fresh.
fn check_flags(args: &TrainArgs, checkpoint_dir: &Path) -> Result<()> {
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out {} is a file; give a directory (it is created if missing)",
            args.out.display()
        );
    }
    if args.iterations == Some(0) {
        bail!("--iterations must be at least 1");
    }
    if let Some(e) = args.epochs
        && !(e.is_finite() && e > 0.0)
    {
        bail!("--epochs must be a positive number, got {e}");
    }
    let marker = checkpoint_dir.join("run.json");
    if marker.exists() && !marker.is_file() {
        bail!(
            "{} is not a file, so this checkpoint can be neither resumed nor replaced; move it away",
            marker.display()
        );
    }
    if !marker.exists() && !args.fresh {
        let remains: Vec<String> = RUN_FILES
            .iter()
            .map(|f| checkpoint_dir.join(f))
            .chain([args.out.join("log.csv")])
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !remains.is_empty() {
            bail!(
                "there is no whole checkpoint to resume ({} is missing) but a run's files are \
                 there: {}; --fresh starts over and replaces them, or give another --out",
                marker.display(),
                remains.join(", ")
            );
        }
    }
    Ok(())
}

pub fn run(args: TrainArgs) -> Result<()> {
    args.upsample.choose();
    let checkpoint_dir = args.out.join("checkpoint");
    check_flags(&args, &checkpoint_dir)?;
    let device = device(args.backend)?;
    let mut images = load_images(&args)?;
    let resuming = has_run(&checkpoint_dir) && !args.fresh;
    let mut trainer = if resuming {
        let t = load_run(&checkpoint_dir, &device)
            .context("cannot resume the checkpoint (use --fresh to start over)")?;
        eprintln!(
            "resuming {} at iteration {} (its saved hyperparameters apply)",
            checkpoint_dir.display(),
            t.iteration
        );
        if args.init_generator.is_some() || args.from_run.is_some() || args.d_head_start > 0 {
            eprintln!(
                "--init-generator, --from-run and --d-head-start apply only to a new run: ignored"
            );
        }
        t
    } else if let Some(path) = &args.from_run {
        let t = RunSnapshot::from_bytes(read_file(path)?)
            .and_then(|s| s.restore(&device))
            .with_context(|| format!("cannot go on from {}", path.display()))?;
        eprintln!(
            "going on from {} at iteration {} (its saved hyperparameters apply)",
            path.display(),
            t.iteration
        );
        t
    } else {
        let mut model = args.model.clone();
        model.nc = images.channels;
        let model = model.config(images.size)?;
        let config = train_config(&args)?;
        match &args.init_generator {
            None => Trainer::new(model, config, &device)?,
            Some(path) => {
                let bytes = read_file(path)?;
                let g = checkpoint::generator_from_safetensors(&model, &bytes, &device)
                    .with_context(|| {
                        format!(
                            "{} does not fit this model (give its --nz, --ngf and --g-extra)",
                            path.display()
                        )
                    })?;
                let d = Discriminator::init(&model, config.seed, &device)?;
                eprintln!("generator from {}, fresh discriminator", path.display());
                Trainer::from_parts(model, config, g, d, &device)?
            }
        }
    };
    if images.size != trainer.model.image_size {
        images = images.fit_to(trainer.model.image_size).with_context(|| {
            format!(
                "the model is {0}x{0}; use --arch dcgan --image-size {1}",
                trainer.model.image_size, images.size
            )
        })?;
    }
    let per_epoch =
        (images.count / (trainer.config.batch_size * trainer.config.d_steps)).max(1) as u64;
    let total = match (args.iterations, args.epochs) {
        (Some(n), _) => n,
        (None, Some(e)) => (e * per_epoch as f64).ceil() as u64,
        (None, None) => per_epoch,
    };
    if trainer.iteration > 0 && total <= trainer.iteration {
        let from = match &args.from_run {
            Some(path) if !resuming => path.display(),
            _ => checkpoint_dir.display(),
        };
        bail!(
            "{from} is at iteration {} already, so a run of {total} would train nothing; give \
             more --iterations or --epochs, or --fresh to start over",
            trainer.iteration
        );
    }
    let decay = args
        .lr_decay_from
        .map(|from| LinearDecay::new(from, total))
        .transpose()?;
    // A new run only: a resumed D already had its head start.
    if !resuming && args.from_run.is_none() && args.d_head_start > 0 {
        eprintln!("{} discriminator-only steps first", args.d_head_start);
        trainer.discriminator_head_start(&images, 0, args.d_head_start)?;
    }
    fs::create_dir_all(args.out.join("samples"))?;
    let log_path = args.out.join("log.csv");
    // Keep the rows up to the checkpoint: later ones belong to iterations about to be redone.
    let kept: Vec<String> = fs::read_to_string(&log_path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter(|row| {
            row.split(',')
                .next()
                .and_then(|i| i.parse::<u64>().ok())
                .is_some_and(|i| i <= trainer.iteration)
        })
        .map(str::to_string)
        .collect();
    let mut log = fs::File::create(&log_path)
        .with_context(|| format!("cannot write {}", log_path.display()))?;
    writeln!(
        log,
        "iteration,d_loss,g_cost,d_real,d_fake_before,d_fake_after,g_grad_norm"
    )?;
    for row in kept {
        writeln!(log, "{row}")?;
    }
    // One fixed z for every grid, so grids over time show the same samples improving.
    let fixed_z = latent::sample(
        trainer.config.prior,
        64,
        trainer.model.latent,
        trainer.config.seed ^ 0xf1ed,
    );

    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} it  {per_sec}  eta {eta}  {msg}",
        )?
        .progress_chars("=> "),
    );
    if let Some(decay) = args.ema
        && decay != 0.0
        && trainer.average.is_none()
    {
        start_average(&mut trainer, &checkpoint_dir, decay, &device)?;
    }
    bar.set_position(trainer.iteration.min(total));
    while trainer.iteration < total {
        if let Some(decay) = decay {
            trainer.set_lr_scale(decay.scale(trainer.iteration))?;
        }
        let stats = trainer.iteration(&images)?.read()?;
        if !stats.is_finite() {
            bail!(
                "training diverged at iteration {}: {stats:?}",
                stats.iteration
            );
        }
        writeln!(
            log,
            "{},{},{},{},{},{},{}",
            stats.iteration,
            stats.d_loss,
            stats.g_cost,
            stats.d_real,
            stats.d_fake_before,
            stats.d_fake_after.map_or(String::new(), |v| v.to_string()),
            stats.g_grad_norm
        )?;
        bar.set_position(stats.iteration);
        bar.set_message(format!(
            "D {:.3}  G {:.3}  D(x) {:.2}  D(G(z)) {:.2}",
            stats.d_loss, stats.g_cost, stats.d_real, stats.d_fake_before
        ));
        let it = stats.iteration;
        if (args.sample_every > 0 && it % args.sample_every == 0) || it == total {
            write_samples(
                &trainer,
                &fixed_z,
                &args.out.join("samples").join(format!("iter-{it:07}.png")),
            )?;
        }
        if (args.checkpoint_every > 0 && it % args.checkpoint_every == 0) || it == total {
            // The average first: run.json, written last by save_run, marks a whole checkpoint.
            if trainer.average.is_some() {
                save_average(&trainer, &checkpoint_dir)?;
            }
            save_run(&trainer, &checkpoint_dir)?;
        }
    }
    bar.finish();
    eprintln!(
        "done: {} iterations; weights in {} (generator.safetensors, discriminator.safetensors)",
        trainer.iteration,
        checkpoint_dir.display()
    );
    Ok(())
}

/// An average asked for in a run that keeps none (a new run has one from its config, and a
/// resumed one from its snapshot): continued from generator-ema.safetensors where an earlier
/// run left one, else started from the current generator.
fn start_average(trainer: &mut Trainer, dir: &Path, decay: f64, device: &Device) -> Result<()> {
    let path = dir.join(EMA_FILE);
    let from = if path.is_file() && trainer.iteration > 0 {
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let g = checkpoint::generator_from_safetensors(&trainer.model, &bytes, device)
            .with_context(|| format!("{} does not fit this run", path.display()))?;
        eprintln!("continuing the weight average in {}", path.display());
        Some(g)
    } else {
        None
    };
    Ok(trainer.start_average(decay, from.as_ref())?)
}

fn save_average(trainer: &Trainer, dir: &Path) -> Result<()> {
    let Some(average) = &trainer.average else {
        return Ok(());
    };
    let device = trainer.device().clone().without_autodiff();
    let seed = trainer.config.seed ^ trainer.iteration;
    let g = average.generator(&trainer.model, trainer.config.prior, seed, &device)?;
    let bytes = checkpoint::generator_to_safetensors(&trainer.model, &g, Precision::F32)?;
    // Written before save_run, which creates the directory, so a fresh run needs it here.
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(checkpoint::write_atomic(&dir.join(EMA_FILE), &bytes)?)
}

fn write_samples(trainer: &Trainer, z: &[f32], path: &std::path::Path) -> Result<()> {
    let images = trainer.sample(z.to_vec())?;
    let dims = images.dims();
    let values: Vec<f32> = images
        .into_data()
        .try_into_vec()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    write_images(path, dims, &values)
}
