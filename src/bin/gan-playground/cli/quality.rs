//! `gan-playground classifier` and `gan-playground eval`: the numbers behind quality claims.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::tensor::{Device, Tensor};
use clap::Args;
use gan_playground::checkpoint::{self, infer_generator_config};
use gan_playground::data::ImageSet;
use gan_playground::latent::{self, Prior};
use gan_playground::metrics::{
    Classifier, ClassifierConfig, accuracy, quality, reference_stats, train_classifier,
};
use gan_playground::model::Generator;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Backend, device, in_range};

#[derive(Args)]
pub struct ClassifierArgs {
    #[arg(long, value_parser = ["mnist", "fashion"])]
    dataset: String,
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to write the Burn record (default assets/weights/classifier-<dataset>.bpk).
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

#[derive(Args)]
pub struct EvalArgs {
    /// Generator weights (safetensors, pytorch-dcgan names; sizes are read from the file).
    #[arg(long, required_unless_present = "real")]
    weights: Option<PathBuf>,
    #[arg(long, value_parser = ["mnist", "fashion"])]
    dataset: String,
    /// Images scored (2 to 60,000: a Fréchet distance needs a covariance).
    #[arg(long, default_value_t = 10_000, value_parser = in_range(2..=60_000))]
    samples: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value = "normal", value_parser = Prior::parse)]
    prior: Prior,
    /// Score the first --samples images of the training set instead (the ceiling).
    #[arg(long)]
    real: bool,
    /// Score a freshly initialised generator of the same sizes as --weights (the floor).
    #[arg(long)]
    untrained: bool,
    /// Reference images (idx / idx.gz) instead of the dataset's 10k test set, e.g. the
    /// committed subset assets/data/mnist/train-10k-images-idx3-ubyte.gz the tests use.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Classifier weights (default assets/weights/classifier-<dataset>.bpk).
    #[arg(long)]
    classifier: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

fn load_set(dataset: &str, split: &str) -> Result<ImageSet> {
    let path = |kind: &str| PathBuf::from(format!("data/{dataset}/{split}-{kind}-ubyte.gz"));
    let read = |p: PathBuf| {
        fs::read(&p)
            .with_context(|| format!("cannot read {} (run scripts/fetch-data.sh)", p.display()))
    };
    let images = read(path("images-idx3"))?;
    let labels = read(path("labels-idx1"))?;
    Ok(ImageSet::from_idx_bytes(&images, Some(&labels))?)
}

fn default_classifier(dataset: &str) -> PathBuf {
    PathBuf::from(format!("assets/weights/classifier-{dataset}.bpk"))
}

/// The CLI's progress bar over `len` steps.
pub(super) fn bar(len: u64) -> Result<ProgressBar> {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len}  eta {eta}  {msg}")?
            .progress_chars("=> "),
    );
    Ok(bar)
}

pub fn train(args: ClassifierArgs) -> Result<()> {
    let device = device(args.backend)?;
    let (train, test) = (
        load_set(&args.dataset, "train")?,
        load_set(&args.dataset, "t10k")?,
    );
    let config = ClassifierConfig::for_images(&train);
    let progress = bar((args.epochs * (train.count / 128)) as u64)?;
    let model = train_classifier(
        &config,
        &train,
        args.epochs,
        128,
        args.seed,
        &device,
        |step, _, loss| {
            progress.set_position(step as u64);
            progress.set_message(format!("loss {loss:.4}"));
        },
    )?;
    progress.finish_and_clear();
    let acc = accuracy(&model, &test, &device)?;
    let out = args
        .out
        .unwrap_or_else(|| default_classifier(&args.dataset));
    if let Some(dir) = out.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(&out, checkpoint::to_burn_record(&model)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "{} classifier: test accuracy {:.2}% ({} images); saved {}",
        args.dataset,
        100.0 * acc,
        test.count,
        out.display()
    );
    Ok(())
}

#[derive(Args)]
pub struct ExportArgs {
    /// Generator weights (safetensors; sizes are read from the file).
    #[arg(long)]
    weights: PathBuf,
    /// Output safetensors, stored as float16 (half the size).
    #[arg(long)]
    out: PathBuf,
}

/// Rewrites generator weights as f16, the form the page ships.
pub fn export(args: ExportArgs) -> Result<()> {
    let bytes = fs::read(&args.weights)
        .with_context(|| format!("cannot read {}", args.weights.display()))?;
    let model = infer_generator_config(&bytes)
        .with_context(|| format!("{} is not a generator", args.weights.display()))?;
    let generator = checkpoint::generator_from_safetensors(&model, &bytes, &Device::flex())?;
    let half =
        checkpoint::generator_to_safetensors(&model, &generator, checkpoint::Precision::F16)?;
    fs::write(&args.out, &half).with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "{}: {} → {} bytes (f16), {model:?}",
        args.out.display(),
        bytes.len(),
        half.len()
    );
    Ok(())
}

pub fn load_classifier(
    path: &Path,
    config: &ClassifierConfig,
    device: &Device,
) -> Result<Classifier> {
    let bytes = fs::read(path).with_context(|| {
        format!(
            "cannot read classifier {} (train one with `gan-playground classifier`)",
            path.display()
        )
    })?;
    Ok(checkpoint::classifier_from_burn(config, &bytes, device)?)
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let device = device(args.backend)?;
    let test = match &args.reference {
        Some(path) => {
            let bytes =
                fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            ImageSet::from_idx_bytes(&bytes, None)
                .with_context(|| format!("{} is not an idx image file", path.display()))?
        }
        None => load_set(&args.dataset, "t10k")?,
    };
    let config = ClassifierConfig::for_images(&test);
    let classifier = load_classifier(
        &args
            .classifier
            .clone()
            .unwrap_or_else(|| default_classifier(&args.dataset)),
        &config,
        &device,
    )?;
    // The reference: the classifier's features of the whole test set.
    let all: Vec<usize> = (0..test.count).collect();
    let reference = reference_stats(&classifier, &config, &test, &all, &device)?;

    let (what, images) = if args.real {
        let train = load_set(&args.dataset, "train")?;
        let n = args.samples.min(train.count);
        (
            "real training images".to_string(),
            train.batch(&(0..n).collect::<Vec<_>>(), &device),
        )
    } else {
        let path = args.weights.as_ref().expect("clap requires --weights");
        let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let model = infer_generator_config(&bytes)
            .with_context(|| format!("{} is not a generator", path.display()))?;
        if (model.image_size, model.channels) != (test.size, test.channels) {
            bail!(
                "{} makes {}x{}x{} images; {} is {}x{}x{}",
                path.display(),
                model.channels,
                model.image_size,
                model.image_size,
                args.dataset,
                test.channels,
                test.size,
                test.size
            );
        }
        let generator = if args.untrained {
            Generator::init(&model, args.seed, &device)?
        } else {
            checkpoint::generator_from_safetensors(&model, &bytes, &device)?
        };
        let z = latent::sample(args.prior, args.samples, model.latent, args.seed);
        let mut chunks = Vec::new();
        for z in z.chunks(500 * model.latent) {
            chunks.push(generator.forward(latent::to_tensor(z.to_vec(), model.latent, &device)?));
        }
        let label = if args.untrained {
            "untrained generator"
        } else {
            "generator"
        };
        (
            format!("{label} {}", path.display()),
            Tensor::cat(chunks, 0),
        )
    };
    let q = quality(&classifier, &config, &images, &reference)?;
    println!(
        "{what}: classifier score {:.3}  Fréchet distance {:.3}  ({} samples, seed {}, against {} reference images)",
        q.classifier_score, q.frechet_distance, q.samples, args.seed, test.count
    );
    let shares: Vec<String> = q
        .class_shares
        .iter()
        .enumerate()
        .map(|(k, s)| format!("{k}:{:.1}%", 100.0 * s))
        .collect();
    println!(
        "  score = {:.3} effective classes × {:.3} sharpness; classes (argmax) {}",
        q.effective_classes,
        q.sharpness,
        shares.join(" ")
    );
    Ok(())
}
