//! The loss lab in data space: GANs on points in the plane, one run per generator cost, all
//! from the same weights, data and noise, stepped in lockstep, so they differ only in G's cost
//! (GAN Lab's view, which hard-codes the non-saturating cost, with the costs side by side).
//!
//! Each run draws: its fakes, and on each the arrow −∇ₓ j(x), the direction and size in which
//! G's per-sample cost `j` (the same [`crate::loss`] costs as every other run) pushes that
//! point; D(x) over the plane; G's manifold (a grid of noise carried through G); and how far
//! its samples are from the data ([`divergence`]): `frame.rs`. The page's workers and the CLI run
//! this.

use burn::optim::GradientsParams;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::data::batch_indices;
use crate::latent;
use crate::loss::{GeneratorCost, discriminator_loss, generator_cost};
use crate::train::Adam;

pub mod data;
pub mod divergence;
mod frame;
pub mod mlp;
pub mod setup;

use divergence::Reference;
pub use frame::{HEAT, PROBE_MAX, PlaneFrame, PlaneInfo, PlaneProbe, RunFrame};
use mlp::Mlp;
pub use setup::{LIMITS, Optimizer, PlaneLimits, PlaneSetup};

/// A fake this far out, or a loss this large, counts as diverged (far past anything a run
/// that learns reaches).
const FAR: f32 = 1e6;

/// Why a plane lab refused a step.
#[derive(Debug, thiserror::Error)]
pub enum PlaneError {
    #[error(transparent)]
    Setting(#[from] crate::limits::SettingError),
    /// A loss or a fake became NaN, ∞ or absurdly large in iteration `iteration + 1`; every
    /// run is back where it was before the request, at iteration `back_to`.
    #[error(
        "the {cost} run diverged in iteration {} (a loss or a point became NaN, ∞ or larger \
         than 10⁶): every run is back where it was, at iteration {back_to}. Lower the learning \
         rates, or reset.", iteration + 1
    )]
    Diverged {
        cost: &'static str,
        iteration: u64,
        back_to: u64,
    },
    #[error("{0}")]
    Other(String),
}

/// Which half of an iteration comes next: D's k steps (the heatmap moves), or G's m steps
/// (the points move along their arrows).
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Discriminator,
    Generator,
}

#[derive(Clone)]
enum Optim {
    Adam(Adam),
    Sgd,
}

impl Optim {
    fn new(kind: Optimizer) -> Self {
        match kind {
            Optimizer::Adam => Optim::Adam(Adam::new(0.5, 0.999, 1e-8)),
            Optimizer::Sgd => Optim::Sgd,
        }
    }

    fn step(&mut self, lr: f64, module: Mlp, grads: GradientsParams) -> Mlp {
        match self {
            Optim::Adam(adam) => adam.step(lr, module, grads),
            Optim::Sgd => mlp::sgd_step(lr, module, grads),
        }
    }
}

/// One run's networks and optimisers. A clone is cheap (tensors are shared until written) and
/// independent (an MLP has no running state), which is how a request is undone.
#[derive(Clone)]
struct Run {
    cost: GeneratorCost,
    g: Mlp,
    d: Mlp,
    opt_g: Optim,
    opt_d: Optim,
    last: RunStats,
}

/// One run's last losses (NaN before its first step of that kind).
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStats {
    pub d_loss: f32,
    pub g_cost: f32,
    /// Mean D(x) on the real batch, and D(G(z)) on the fakes of G's step.
    pub d_real: f32,
    pub d_fake: f32,
}

pub struct PlaneLab {
    pub setup: PlaneSetup,
    reference: Reference,
    real: Vec<[f32; 2]>,
    runs: Vec<Run>,
    iteration: u64,
    next: Stage,
    device: Device,
    /// Where the runs were before the last request that changed them ([`PlaneLab::undo`]).
    before: Option<Saved>,
}

/// The runs and where they stood.
struct Saved {
    runs: Vec<Run>,
    next: Stage,
    iteration: u64,
}

/// Streams of the seeded draws (xor'ed with the seed, the iteration and the step).
const NOISE_D: u64 = 0x0044_5354_4550;
const NOISE_G: u64 = 0x0047_5354_4550;
const HEAD: u64 = 0x4845_4144;

impl PlaneLab {
    /// A lab from a checked set-up on `device` (trained on its autodiff form): the runs start
    /// from one initialisation and one head start, copied.
    pub fn new(setup: PlaneSetup, device: &Device) -> Result<PlaneLab, PlaneError> {
        PlaneLab::with_runs(setup, device, None)
    }

    /// The lab with only the runs at `keep` (indices into its costs), all when `None`: each of
    /// the page's workers holds some runs of one set-up, built identically, and the page steps
    /// them in lockstep.
    pub fn with_runs(
        setup: PlaneSetup,
        device: &Device,
        keep: Option<&[usize]>,
    ) -> Result<PlaneLab, PlaneError> {
        let setup = PlaneSetup::from_options(
            &serde_json::to_value(&setup).map_err(|e| PlaneError::Other(e.to_string()))?,
        )?;
        // The loss lab's two costs, and the third on request; a run asked for is checked before
        // any work is done.
        let mut costs = crate::lab::COSTS.to_vec();
        if setup.third {
            costs.push(GeneratorCost::MaximumLikelihood);
        }
        if let Some(&bad) = keep.unwrap_or(&[]).iter().find(|&&i| i >= costs.len()) {
            return Err(PlaneError::Other(format!(
                "there is no run {bad}: this set-up has {}",
                costs.len()
            )));
        }
        let device = device.clone().without_autodiff().autodiff();
        let mixture = setup.mixture();
        let real = mixture.sample(setup.samples, setup.seed);
        let sizes = |input: usize, layers: usize, width: usize, output: usize| {
            let mut s = vec![input];
            s.extend(std::iter::repeat_n(width, layers));
            s.push(output);
            s
        };
        let g_sizes = sizes(setup.noise_dim, setup.g_layers, setup.g_width, 2);
        let d_sizes = sizes(2, setup.d_layers, setup.d_width, 1);
        let first = Run {
            cost: GeneratorCost::Saturating,
            g: Mlp::init(&g_sizes, setup.seed ^ 0x6765_6e65, &device),
            d: Mlp::init(&d_sizes, setup.seed ^ 0x6469_7363, &device),
            opt_g: Optim::new(setup.optimizer),
            opt_d: Optim::new(setup.optimizer),
            last: RunStats {
                d_loss: f32::NAN,
                g_cost: f32::NAN,
                d_real: f32::NAN,
                d_fake: f32::NAN,
            },
        };
        let mut lab = PlaneLab {
            reference: Reference::of(mixture),
            real,
            runs: vec![first],
            iteration: 0,
            next: Stage::Discriminator,
            device,
            setup,
            before: None,
        };
        for step in 0..lab.setup.head_start as u64 {
            let (real, z) = lab.discriminator_batch(HEAD, step);
            lab.discriminator_step(0, real, z)?;
        }
        let base = lab.runs.pop().expect("one run");
        lab.runs = costs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.is_none_or(|k| k.contains(i)))
            .map(|(_, cost)| Run {
                cost,
                ..base.clone()
            })
            .collect();
        Ok(lab)
    }

    pub fn iteration(&self) -> u64 {
        self.iteration
    }

    pub fn next_stage(&self) -> Stage {
        self.next
    }

    fn noise(&self, count: usize, seed: u64) -> Tensor<2> {
        let mut rng = latent::rng(seed);
        let z = latent::sample_with(self.setup.prior, count, self.setup.noise_dim, &mut rng);
        points(z, self.setup.noise_dim, &self.device)
    }

    /// The real batch and D's noise for D step `step` of `stream`.
    fn discriminator_batch(&self, stream: u64, step: u64) -> (Tensor<2>, Tensor<2>) {
        let s = &self.setup;
        let indices = batch_indices(self.real.len(), s.batch_size, s.seed ^ stream, step);
        let real = indices.iter().flat_map(|&i| self.real[i]).collect();
        let seed = s.seed ^ stream ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (
            points(real, 2, &self.device),
            self.noise(s.batch_size, seed ^ NOISE_D),
        )
    }

    fn discriminator_step(
        &mut self,
        run: usize,
        real: Tensor<2>,
        z: Tensor<2>,
    ) -> Result<(), PlaneError> {
        let (s, r) = (&self.setup, &mut self.runs[run]);
        let fake = r.g.forward(z, s.g_activation).detach();
        let real_logits = logits(&r.d, real, s.d_activation);
        let fake_logits = logits(&r.d, fake, s.d_activation);
        let loss = discriminator_loss(real_logits.clone(), fake_logits);
        let grads = GradientsParams::from_grads(loss.backward(), &r.d);
        r.d = r.opt_d.step(s.lr_d, r.d.clone(), grads);
        let [loss, d_real] = read([loss, sigmoid(real_logits).mean()]);
        r.last.d_loss = loss;
        r.last.d_real = d_real;
        finite(loss, r.cost, self.iteration)
    }

    fn generator_step(&mut self, run: usize, z: Tensor<2>) -> Result<(), PlaneError> {
        let (s, r) = (&self.setup, &mut self.runs[run]);
        let fake = r.g.forward(z, s.g_activation);
        let fake_logits = logits(&r.d, fake.clone(), s.d_activation);
        let cost = generator_cost(fake_logits.clone(), r.cost);
        let grads = GradientsParams::from_grads(cost.backward(), &r.g);
        r.g = r.opt_g.step(s.lr_g, r.g.clone(), grads);
        let far = fake.detach().abs().max().reshape([1]);
        let [cost, d_fake, far] = read([cost, sigmoid(fake_logits).mean(), far]);
        r.last.g_cost = cost;
        r.last.d_fake = d_fake;
        finite(cost, r.cost, self.iteration)?;
        finite(far, r.cost, self.iteration)
    }

    /// The next stage of the current iteration for every run: D's `k` steps, or G's `m`
    /// steps (which complete it). All or nothing: a run that diverges undoes the stage.
    pub fn stage(&mut self) -> Result<Stage, PlaneError> {
        self.request(|lab| lab.next_stage_once())
    }

    fn next_stage_once(&mut self) -> Result<Stage, PlaneError> {
        let done = self.next;
        match done {
            Stage::Discriminator => self.discriminator_stage()?,
            Stage::Generator => self.generator_stage()?,
        }
        match done {
            Stage::Discriminator => self.next = Stage::Generator,
            Stage::Generator => {
                self.next = Stage::Discriminator;
                self.iteration += 1;
            }
        }
        Ok(done)
    }

    /// Runs `work` as one request: kept whole, or, when a run diverges, undone whole (the
    /// error then says where the runs are back at).
    fn request<T>(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<T, PlaneError>,
    ) -> Result<T, PlaneError> {
        let saved = self.save();
        match work(self) {
            Ok(value) => {
                self.before = Some(saved);
                Ok(value)
            }
            Err(e) => {
                self.restore(saved);
                Err(match e {
                    PlaneError::Diverged {
                        cost, iteration, ..
                    } => PlaneError::Diverged {
                        cost,
                        iteration,
                        back_to: self.iteration,
                    },
                    other => other,
                })
            }
        }
    }

    fn save(&self) -> Saved {
        Saved {
            runs: self.runs.iter().map(Run::clone).collect(),
            next: self.next,
            iteration: self.iteration,
        }
    }

    fn restore(&mut self, saved: Saved) {
        (self.runs, self.next, self.iteration) = (saved.runs, saved.next, saved.iteration);
    }

    /// Takes back the last request that changed the runs (a step or a stage): what the page
    /// asks of one worker when another's runs diverged in the same request, so that every run
    /// stays in lockstep. False when there is nothing to take back.
    pub fn undo(&mut self) -> bool {
        match self.before.take() {
            Some(saved) => {
                self.restore(saved);
                true
            }
            None => false,
        }
    }

    fn discriminator_stage(&mut self) -> Result<(), PlaneError> {
        let k = self.setup.d_steps as u64;
        for i in 0..k {
            let (real, z) = self.discriminator_batch(0, self.iteration * k + i);
            for run in 0..self.runs.len() {
                self.discriminator_step(run, real.clone(), z.clone())?;
            }
        }
        Ok(())
    }

    fn generator_stage(&mut self) -> Result<(), PlaneError> {
        let m = self.setup.g_steps as u64;
        for j in 0..m {
            let step = self.iteration * m + j;
            let seed = self.setup.seed ^ NOISE_G ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let z = self.noise(self.setup.batch_size, seed);
            for run in 0..self.runs.len() {
                self.generator_step(run, z.clone())?;
            }
        }
        Ok(())
    }

    /// Finishes the current iteration (both stages, or G's when D's was taken alone), then
    /// takes `iterations − 1` more. All or nothing, as [`PlaneLab::stage`].
    pub fn step(&mut self, iterations: usize) -> Result<u64, PlaneError> {
        self.request(|lab| {
            for _ in 0..iterations {
                if lab.next_stage_once()? == Stage::Discriminator {
                    lab.next_stage_once()?;
                }
            }
            Ok(lab.iteration)
        })
    }
}

/// `[n, dim]` from flattened values.
fn points(values: Vec<f32>, dim: usize, device: &Device) -> Tensor<2> {
    let n = values.len() / dim;
    Tensor::from_data(TensorData::new(values, [n, dim]), device)
}

fn logits(d: &Mlp, x: Tensor<2>, activation: mlp::Activation) -> Tensor<1> {
    let n = x.dims()[0];
    d.forward(x, activation).reshape([n])
}

/// A tensor's values (Burn's CPU backend: a synchronous read is allowed).
fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap_or_default()
}

fn read<const N: usize>(parts: [Tensor<1>; N]) -> [f32; N] {
    let all = values(Tensor::cat(
        parts.into_iter().map(|t| t.detach()).collect(),
        0,
    ));
    std::array::from_fn(|i| all.get(i).copied().unwrap_or(f32::NAN))
}

/// A loss that is NaN, infinite or past [`FAR`] is a run that diverged.
fn finite(v: f32, cost: GeneratorCost, iteration: u64) -> Result<(), PlaneError> {
    if v.abs() < FAR {
        Ok(())
    } else {
        Err(PlaneError::Diverged {
            cost: cost.name(),
            iteration,
            back_to: iteration,
        })
    }
}
