//! `gan-playground plane`: the page's data-space lab natively, the measurement behind
//! docs/LOSS_LAB.md ("In data space"). Same core (`gan_playground::plane`) as the page's worker.

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use gan_playground::plane::{PlaneLab, PlaneSetup};

use super::{Backend, device, in_range};

#[derive(Args)]
pub struct PlaneArgs {
    /// The set-up as the page gives it: a JSON object (missing keys keep the page's defaults),
    /// or the value of a link's `plane=`.
    #[arg(long, default_value = "{}")]
    setup: String,
    #[arg(long, default_value_t = 2000, value_parser = in_range(1..=1_000_000))]
    steps: usize,
    /// Measure (divergences, modes, mean arrow) every this many iterations.
    #[arg(long, default_value_t = 100, value_parser = in_range(1..=1_000_000))]
    every: usize,
    /// The measurements as CSV (refused if the file exists).
    #[arg(long)]
    csv: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "flex")]
    backend: Backend,
}

pub fn run(args: PlaneArgs) -> Result<()> {
    let setup = if args.setup.trim_start().starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(&args.setup).context("--setup is not a JSON object")?;
        PlaneSetup::from_options(&value)?
    } else {
        PlaneSetup::from_link(args.setup.trim())?
    };
    if let Some(out) = &args.csv
        && out.exists()
    {
        anyhow::bail!("{} exists: give a new file for the CSV", out.display());
    }
    let mut lab = PlaneLab::new(setup, &device(args.backend)?)?;
    let mut csv = String::from(
        "cost,iteration,js,kl,kl_reverse,modes_covered,modes,near_a_mode,mean_arrow,d_loss,g_cost\n",
    );
    let (mut stepping, mut framing, mut frames, mut done) = (0.0, 0.0, 0, 0);
    while done <= args.steps {
        let start = Instant::now();
        let frame = lab.frame();
        framing += start.elapsed().as_secs_f64();
        frames += 1;
        for r in frame.runs {
            let d = r.divergences;
            let line = format!(
                "{},{},{:.5},{:.5},{:.5},{},{},{:.4},{:.6},{:.5},{:.5}",
                r.cost.name(),
                done,
                d.js,
                d.kl,
                d.kl_reverse,
                d.modes_covered,
                d.modes,
                d.near_a_mode,
                r.mean_arrow,
                r.stats.d_loss,
                r.stats.g_cost
            );
            println!("{line}");
            csv += &line;
            csv.push('\n');
        }
        if done == args.steps {
            break;
        }
        let n = args.every.min(args.steps - done);
        let start = Instant::now();
        lab.step(n)?;
        stepping += start.elapsed().as_secs_f64();
        done += n;
    }
    eprintln!(
        "{} iterations of {} runs in lockstep: {:.1} iterations/s (training only); a frame of every run: {:.1} ms",
        args.steps,
        lab.info().costs.len(),
        args.steps as f64 / stepping,
        1000.0 * framing / frames as f64
    );
    if let Some(out) = &args.csv {
        fs::write(out, &csv).with_context(|| format!("cannot write {}", out.display()))?;
    }
    Ok(())
}
