//! `gan-playground lab`: the loss lab natively, the measurement behind docs/LOSS_LAB.md.
//! Same core (`gan_playground::lab`) as the page's live run.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use gan_playground::data::ImageSet;
use gan_playground::lab::{COSTS, LabConfig, LossLab};
use gan_playground::latent;
use gan_playground::metrics::{ClassifierConfig, quality, reference_stats};

use super::quality::load_classifier;
use super::{Backend, device, in_range};

#[derive(Args)]
pub struct LabArgs {
    /// The committed subset the page trains on: assets/data/<dataset>/…
    #[arg(long, value_parser = ["mnist", "fashion"], default_value = "mnist")]
    dataset: String,
    #[arg(long, default_value_t = 200, value_parser = in_range(1..=1_000_000))]
    steps: usize,
    /// Report mean ‖∇G‖ over the first this many steps.
    #[arg(long, default_value_t = 20, value_parser = in_range(1..=1_000_000))]
    window: usize,
    #[arg(long, default_value_t = LabConfig::default().head_start)]
    head_start: usize,
    #[arg(long, default_value_t = LabConfig::default().width)]
    width: usize,
    #[arg(long, default_value_t = LabConfig::default().train.batch_size)]
    batch_size: usize,
    #[arg(long, default_value_t = LabConfig::default().train.lr_g)]
    lr: f64,
    #[arg(long, default_value_t = 1)]
    d_steps: usize,
    #[arg(long, default_value_t = 1)]
    g_steps: usize,
    #[arg(long, default_value_t = LabConfig::default().train.seed)]
    seed: u64,
    /// Samples per run for the classifier score and Fréchet distance at the end.
    #[arg(long, default_value_t = 1000, value_parser = in_range(2..=60_000))]
    samples: usize,
    /// Per-step statistics of both runs as CSV.
    #[arg(long)]
    csv: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

fn subset(dataset: &str) -> PathBuf {
    let name = if dataset == "mnist" {
        "train-10k"
    } else {
        "train-5k"
    };
    PathBuf::from(format!("assets/data/{dataset}/{name}-images-idx3-ubyte.gz"))
}

pub fn run(args: LabArgs) -> Result<()> {
    if args.window > args.steps {
        anyhow::bail!(
            "--window {} is longer than the run (--steps {})",
            args.window,
            args.steps
        );
    }
    let device = device(args.backend)?;
    let path = subset(&args.dataset);
    let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let data = ImageSet::from_idx_bytes(&bytes, None)?;
    let mut config = LabConfig {
        width: args.width,
        head_start: args.head_start,
        ..LabConfig::default()
    };
    config.train.batch_size = args.batch_size;
    (config.train.lr_d, config.train.lr_g) = (args.lr, args.lr);
    (config.train.d_steps, config.train.g_steps) = (args.d_steps, args.g_steps);
    config.train.seed = args.seed;
    let mut lab = LossLab::new(config, &data, &device)?;

    let mut csv = String::from("cost,iteration,d_loss,g_cost,d_real,d_fake,g_grad_norm\n");
    let mut grad = [0.0f64; 2];
    let mut last = Vec::new();
    for step in 0..args.steps {
        last = lab
            .step(&data)?
            .into_iter()
            .map(|p| p.read())
            .collect::<Result<Vec<_>, _>>()?;
        for (i, s) in last.iter().enumerate() {
            if step < args.window {
                grad[i] += s.g_grad_norm as f64 / args.window as f64;
            }
            csv += &format!(
                "{},{},{},{},{},{},{}\n",
                COSTS[i].name(),
                s.iteration,
                s.d_loss,
                s.g_cost,
                s.d_real,
                s.d_fake_before,
                s.g_grad_norm
            );
        }
    }
    if let Some(out) = &args.csv {
        fs::write(out, &csv).with_context(|| format!("cannot write {}", out.display()))?;
    }

    let classifier_config = ClassifierConfig::default();
    let classifier = load_classifier(
        &PathBuf::from(format!("assets/weights/classifier-{}.bpk", args.dataset)),
        &classifier_config,
        &device,
    )?;
    let all: Vec<usize> = (0..data.count).collect();
    let reference = reference_stats(&classifier, &classifier_config, &data, &all, &device)?;
    let z = latent::sample(lab.config.train.prior, args.samples, 100, 0);
    println!(
        "{} steps on {} (head start {}, width {}, batch {}, lr {}, k {}, m {}, seed {})",
        args.steps,
        path.display(),
        args.head_start,
        args.width,
        args.batch_size,
        args.lr,
        args.d_steps,
        args.g_steps,
        args.seed
    );
    println!(
        "cost            mean‖∇G‖(first {:>3})  final D(G(z))  score   FD",
        args.window
    );
    for (i, images) in lab.samples(&z)?.into_iter().enumerate() {
        let q = quality(&classifier, &classifier_config, &images, &reference)?;
        println!(
            "{:<15} {:>21.3}  {:>13.4}  {:>5.3}  {:>7.2}",
            COSTS[i].name(),
            grad[i],
            last.get(i).map_or(f32::NAN, |s| s.d_fake_before),
            q.classifier_score,
            q.frechet_distance
        );
    }
    println!(
        "ratio of mean ‖∇G‖ (non-saturating / saturating): {:.2}",
        grad[1] / grad[0]
    );
    Ok(())
}
