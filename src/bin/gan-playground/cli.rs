//! The command line: train, generate and discriminate natively, on Burn's CPU backend (flex)
//! by default or on wgpu (a GPU, or Vulkan such as Mesa lavapipe) with `--backend wgpu`.

mod bench;
mod encode;
mod files;
mod lab;
mod plane;
mod quality;
mod train;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::tensor::{Device, Tensor, TensorData};
use clap::{Args, Parser, Subcommand, ValueEnum};
use gan_playground::checkpoint;
use gan_playground::data::ImageSet;
use gan_playground::latent::{self, Prior};
use gan_playground::model::{Discriminator, DiscriminatorNorm, Generator, ModelConfig};

#[derive(Parser)]
#[command(
    name = "gan-playground",
    version,
    about = "Train and sample DCGANs with Burn"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
// Parsed once per run: the size of the train variant costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Train a DCGAN on an idx image file; writes sample grids and resumable checkpoints.
    Train(train::TrainArgs),
    /// Generate images from generator weights, as a `.npy` array or a PNG grid.
    Generate(GenerateArgs),
    /// Score images with discriminator weights: D's probabilities (after the sigmoid).
    Discriminate(DiscriminateArgs),
    /// Train the quality classifier of a dataset (assets/weights/classifier-<dataset>.bpk).
    Classifier(quality::ClassifierArgs),
    /// Train the projection's first guess for a generator (an encoder, image → z).
    Encoder(encode::EncoderArgs),
    /// Measure a generator: classifier score and Fréchet distance against the test set.
    Eval(quality::EvalArgs),
    /// Rewrite generator weights as float16 safetensors (what the page ships).
    Export(quality::ExportArgs),
    /// The loss lab: saturating vs non-saturating cost from the same start, measured.
    Lab(lab::LabArgs),
    /// The lab in data space: GANs on points in the plane, one run per generator cost.
    Plane(plane::PlaneArgs),
    /// Time the generator as the page's generate runs it (z in, RGBA out); prints JSON.
    BenchGenerate(bench::BenchArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Backend {
    /// Burn's CPU backend: works on any machine.
    Flex,
    /// wgpu: a GPU through Vulkan / Metal / DX12 (or a software Vulkan such as lavapipe).
    Wgpu,
}

/// A flag's parser for a whole number in `range`; the message names the range.
pub fn in_range(
    range: std::ops::RangeInclusive<usize>,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |text| match text.parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "{text:?} is not a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// Most images `generate` makes in one run (a 4,096-image 64×64 RGB array is 200 MB).
const MAX_COUNT: usize = 4096;
/// Images per forward pass when generating, so memory stays that of one batch.
const CHUNK: usize = 256;

pub fn device(backend: Backend) -> Result<Device> {
    Ok(match backend {
        Backend::Flex => Device::flex(),
        #[cfg(feature = "wgpu")]
        Backend::Wgpu => Device::wgpu_options()
            .init()
            .map_err(|e| anyhow::anyhow!("no wgpu device: {e:?}"))?,
        #[cfg(not(feature = "wgpu"))]
        Backend::Wgpu => {
            anyhow::bail!("this build has no wgpu backend (its `wgpu` feature is off)")
        }
    })
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Arch {
    /// pytorch/examples dcgan/main.py: 64x64, no biases; its state_dict loads as is.
    PytorchDcgan,
    /// The same recipe at 28, 32 or 64 pixels (`--image-size`).
    Dcgan,
}

/// The sizes that pick a model; names follow dcgan/main.py.
#[derive(Args, Clone)]
pub struct ModelArgs {
    #[arg(long, value_enum, default_value = "pytorch-dcgan")]
    pub arch: Arch,
    /// Image side for `--arch dcgan` (28, 32 or 64); pytorch-dcgan is always 64.
    #[arg(long)]
    pub image_size: Option<usize>,
    /// Latent size.
    #[arg(long, default_value_t = 100)]
    pub nz: usize,
    /// Generator width.
    #[arg(long, default_value_t = 64)]
    pub ngf: usize,
    /// Discriminator width.
    #[arg(long, default_value_t = 64)]
    pub ndf: usize,
    /// Image channels (1 grey, 3 RGB).
    #[arg(long, default_value_t = 1)]
    pub nc: usize,
    /// Extra stride-1 3x3 layers on G's first feature map (`--arch dcgan`; 0 = plain DCGAN).
    #[arg(long, default_value_t = 0)]
    pub g_extra: usize,
    /// What follows D's middle layers: batch (DCGAN) or none (SN-GAN's D, for
    /// `--spectral-norm on`; `--arch dcgan`).
    #[arg(long, default_value = "batch", value_parser = DiscriminatorNorm::parse)]
    pub d_norm: DiscriminatorNorm,
}

impl ModelArgs {
    pub fn config(&self, default_size: usize) -> Result<ModelConfig> {
        let size = match (self.arch, self.image_size) {
            (Arch::PytorchDcgan, Some(s)) if s != 64 => {
                bail!("--arch pytorch-dcgan is 64x64; use --arch dcgan for {s}")
            }
            (Arch::PytorchDcgan, _) => 64,
            (Arch::Dcgan, s) => s.unwrap_or(default_size),
        };
        if self.arch == Arch::PytorchDcgan && self.g_extra > 0 {
            bail!("--g-extra needs --arch dcgan (pytorch-dcgan is that example's exact model)");
        }
        if self.arch == Arch::PytorchDcgan && !self.d_norm.is_batch() {
            bail!("--d-norm none needs --arch dcgan (pytorch-dcgan is that example's exact model)");
        }
        Ok(
            ModelConfig::new(size, self.nc, self.nz, self.ngf, self.ndf)?
                .with_generator_extra(self.g_extra)?
                .with_discriminator_norm(self.d_norm),
        )
    }
}

#[derive(Args)]
struct GenerateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Generator weights: `.safetensors` (pytorch-dcgan names) or `.bpk` (Burn record).
    #[arg(long)]
    weights: PathBuf,
    /// float32 `.npy` of shape [B, nz] (or [B, nz, 1, 1]); otherwise z is drawn from --seed.
    #[arg(long)]
    z: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many samples to draw when no --z is given (at most 4,096).
    #[arg(long, default_value_t = 64, value_parser = in_range(1..=MAX_COUNT))]
    count: usize,
    #[arg(long, default_value = "normal", value_parser = Prior::parse)]
    prior: Prior,
    /// `.npy` (float32 NCHW in [−1, 1]) or `.png` (a grid).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

#[derive(Args)]
struct DiscriminateArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Discriminator weights: `.safetensors` or `.bpk`.
    #[arg(long)]
    weights: PathBuf,
    /// float32 `.npy` images [B, C, S, S] in [−1, 1], or an idx / idx.gz image file (as
    /// `train` reads, fitted to the model's size the same way).
    #[arg(long)]
    images: PathBuf,
    /// With an idx file: the images from this index on…
    #[arg(long, default_value_t = 0)]
    first: usize,
    /// … and this many of them (default: all the rest).
    #[arg(long)]
    count: Option<usize>,
    /// float32 `.npy` of D(x), shape [B]; their mean is also printed.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

pub fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train::run(args),
        Command::Generate(args) => generate(args),
        Command::Discriminate(args) => discriminate(args),
        Command::Classifier(args) => quality::train(args),
        Command::Encoder(args) => encode::run(args),
        Command::Eval(args) => quality::eval(args),
        Command::Export(args) => quality::export(args),
        Command::Lab(args) => lab::run(args),
        Command::Plane(args) => plane::run(args),
        Command::BenchGenerate(args) => bench::run(args),
    }
}

pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn is_burn_record(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "bpk")
}

pub fn load_generator(config: &ModelConfig, path: &Path, device: &Device) -> Result<Generator> {
    let bytes = read_file(path)?;
    let g = if is_burn_record(path) {
        checkpoint::generator_from_burn(config, &bytes, device)
    } else {
        checkpoint::generator_from_safetensors(config, &bytes, device)
    };
    g.with_context(|| format!("cannot load generator weights {}", path.display()))
}

fn generate(args: GenerateArgs) -> Result<()> {
    let config = args.model.config(28)?;
    let device = device(args.backend)?;
    let generator = load_generator(&config, &args.weights, &device)?;
    let z = match &args.z {
        Some(path) => {
            let (shape, values) = files::read_npy_f32(path)?;
            match shape.as_slice() {
                [b, _] | [b, _, 1, 1] if *b > MAX_COUNT => bail!(
                    "{} holds {b} latent vectors; generate makes at most {MAX_COUNT} at once",
                    path.display()
                ),
                [_, n] | [_, n, 1, 1] if *n == config.latent => values,
                _ => bail!(
                    "{} has shape {shape:?}; expected [B, {}]",
                    path.display(),
                    config.latent
                ),
            }
        }
        None => latent::sample(args.prior, args.count, config.latent, args.seed),
    };
    let mut values: Vec<f32> = Vec::new();
    let mut dims = [0, config.channels, config.image_size, config.image_size];
    for chunk in z.chunks(CHUNK * config.latent) {
        let images = generator.forward(latent::to_tensor(chunk.to_vec(), config.latent, &device)?);
        dims[0] += images.dims()[0];
        values.extend(
            images
                .into_data()
                .try_into_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        );
    }
    write_images(&args.out, dims, &values)
}

pub fn write_images(out: &Path, dims: [usize; 4], values: &[f32]) -> Result<()> {
    match out.extension().and_then(|e| e.to_str()) {
        Some("npy") => files::write_npy_f32(out, &dims, values),
        Some("png") => files::write_png_grid(out, dims, values),
        _ => bail!("--out must end in .npy or .png"),
    }
}

fn discriminate(args: DiscriminateArgs) -> Result<()> {
    let config = args.model.config(28)?;
    let device = device(args.backend)?;
    let bytes = read_file(&args.weights)?;
    let discriminator: Discriminator = if is_burn_record(&args.weights) {
        checkpoint::discriminator_from_burn(&config, &bytes, &device)
    } else {
        checkpoint::discriminator_from_safetensors(&config, &bytes, &device)
    }
    .with_context(|| {
        format!(
            "cannot load discriminator weights {}",
            args.weights.display()
        )
    })?;
    let s = config.image_size;
    let (shape, values) = if is_npy(&args.images) {
        files::read_npy_f32(&args.images)?
    } else {
        idx_images(&args, s)?
    };
    let b = match shape.as_slice() {
        [b, c, h, w] if *c == config.channels && *h == s && *w == s && *b > 0 => *b,
        _ => bail!(
            "{} has shape {shape:?}; expected [B, {}, {s}, {s}]",
            args.images.display(),
            config.channels
        ),
    };
    let x = Tensor::<4>::from_data(TensorData::new(values, [b, config.channels, s, s]), &device);
    let probs: Vec<f32> = discriminator
        .probabilities(x)
        .into_data()
        .try_into_vec()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mean = probs.iter().map(|p| *p as f64).sum::<f64>() / b as f64;
    eprintln!("mean D(x) over {b} images: {mean:.4}");
    files::write_npy_f32(&args.out, &[b], &probs)
}

fn is_npy(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "npy")
}

/// Images `first..first + count` of an idx file, fitted to `size`, as `[B, C, S, S]` values.
fn idx_images(args: &DiscriminateArgs, size: usize) -> Result<(Vec<usize>, Vec<f32>)> {
    let bytes = read_file(&args.images)?;
    let set = ImageSet::from_idx_bytes(&bytes, None).with_context(|| {
        format!(
            "{} is neither .npy nor an idx image file",
            args.images.display()
        )
    })?;
    let count = args.count.unwrap_or(set.count.saturating_sub(args.first));
    let end = args
        .first
        .checked_add(count)
        .filter(|&e| e <= set.count && count > 0);
    let Some(end) = end else {
        bail!(
            "{} holds {} images; --first {} --count {count} is not a range of them",
            args.images.display(),
            set.count,
            args.first
        );
    };
    let set = set.fit_to(size)?;
    let indices: Vec<usize> = (args.first..end).collect();
    let values = set
        .batch(&indices, &Device::flex())
        .into_data()
        .try_into_vec()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok((vec![count, set.channels, size, size], values))
}
