//! What each run draws ([`PlaneLab::frame`]), what does not change ([`PlaneLab::info`]), and
//! the arrows at any points ([`PlaneLab::probe`]).

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;
use serde::Serialize;

use super::data::VIEW;
use super::divergence::{Divergences, Grid};
use super::{PlaneError, PlaneLab, PlaneSetup, Run, RunStats, Stage, logits, points, values};
use crate::latent::Prior;
use crate::loss::{GeneratorCost, generator_cost};

/// D(x) is drawn from this many cells a side (the page draws each as a square, not smoothed:
/// a cell's colour is D at its centre).
pub const HEAT: Grid = Grid {
    cells: 32,
    half: VIEW as f64,
};
/// G's manifold: this many noise values (1-D), or this many a side (2-D).
const MANIFOLD_1D: usize = 64;
const MANIFOLD_2D: usize = 17;
/// Samples of G each frame's divergences are measured on (fixed noise).
const METRIC_SAMPLES: usize = 512;
/// Points one probe may ask about: D through autodiff at the widest D keeps this in a few MB.
pub const PROBE_MAX: usize = 4096;
/// Fakes shown (and given arrows): a batch, at most this many.
const SHOWN_MAX: usize = 512;
/// What the page draws of one run, in data units; `fakes`, `arrows` and `manifold` are
/// `[x, y]` pairs flattened, `heat` is D(x) on [`HEAT`]'s cells row by row from the top.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFrame {
    pub cost: GeneratorCost,
    pub fakes: Vec<f32>,
    /// −∇ₓ j at each fake (j: G's per-sample cost).
    pub arrows: Vec<f32>,
    /// D(x) at each fake.
    pub d_fakes: Vec<f32>,
    pub heat: Vec<f32>,
    pub manifold: Vec<f32>,
    pub mean_arrow: f64,
    pub divergences: Divergences,
    pub stats: RunStats,
}

#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaneFrame {
    /// Iterations completed.
    pub iteration: u64,
    pub next: Stage,
    pub runs: Vec<RunFrame>,
}

/// What does not change during a lab: the data and the drawing's geometry.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaneInfo {
    pub real: Vec<f32>,
    pub centres: Vec<f32>,
    pub spread: f32,
    pub view: f32,
    pub heat_cells: usize,
    /// The manifold's shape: `[n]` for 1-D noise, `[n, n]` (row-major) for 2-D.
    pub manifold: Vec<usize>,
    pub costs: Vec<GeneratorCost>,
}

/// Arrows of one run at given points: D(x) and −∇ₓ j(x).
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaneProbe {
    pub d: Vec<f32>,
    pub logits: Vec<f32>,
    pub arrows: Vec<f32>,
}

impl PlaneLab {
    pub fn info(&self) -> PlaneInfo {
        PlaneInfo {
            real: self.real.iter().flatten().copied().collect(),
            centres: self
                .reference
                .mixture
                .centres
                .iter()
                .flatten()
                .copied()
                .collect(),
            spread: self.reference.mixture.spread,
            view: VIEW,
            heat_cells: HEAT.cells,
            manifold: match self.setup.noise_dim {
                1 => vec![MANIFOLD_1D],
                _ => vec![MANIFOLD_2D, MANIFOLD_2D],
            },
            costs: self.runs.iter().map(|r| r.cost).collect(),
        }
    }

    /// Run `run`'s D(x) and −∇ₓ j(x) at `xy` (`[x, y]` pairs flattened).
    pub fn probe(&self, run: usize, xy: &[f32]) -> Result<PlaneProbe, PlaneError> {
        let r = self
            .runs
            .get(run)
            .ok_or_else(|| PlaneError::Other(format!("there is no run {run}")))?;
        let count = xy.len() / 2;
        if !xy.len().is_multiple_of(2)
            || !(1..=PROBE_MAX).contains(&count)
            || xy.iter().any(|v| !v.is_finite())
        {
            return Err(PlaneError::Other(format!(
                "probe points must be finite [x, y] pairs, from 1 to {PROBE_MAX}"
            )));
        }
        let x = points(xy.to_vec(), 2, &self.device);
        let logits = values(logits(
            &r.d.valid(),
            x.clone().without_autodiff(),
            self.setup.d_activation,
        ));
        let (d, arrows) = arrows(r, x, &self.setup);
        Ok(PlaneProbe { d, logits, arrows })
    }

    /// What every run draws now.
    pub fn frame(&self) -> PlaneFrame {
        let s = &self.setup;
        let shown = self.noise(s.batch_size.min(SHOWN_MAX), s.seed ^ 0x5348_4f57);
        let metric = self.noise(METRIC_SAMPLES, s.seed ^ 0x4d45_5452);
        let manifold = self.manifold_noise();
        let heat = points(
            HEAT.centres()
                .into_iter()
                .flatten()
                .map(|v| v as f32)
                .collect(),
            2,
            &self.device,
        );
        let runs = self
            .runs
            .iter()
            .map(|r| {
                let g = r.g.valid();
                let fakes = g.forward(shown.clone().without_autodiff(), s.g_activation);
                let xy = values(fakes);
                let (d_fakes, arrows) = arrows(r, points(xy.clone(), 2, &self.device), s);
                let samples = values(g.forward(metric.clone().without_autodiff(), s.g_activation));
                let samples: Vec<[f32; 2]> = samples.chunks(2).map(|p| [p[0], p[1]]).collect();
                let mean_arrow = arrows
                    .chunks(2)
                    .map(|a| f64::from(a[0]).hypot(f64::from(a[1])))
                    .sum::<f64>()
                    / (arrows.len() / 2).max(1) as f64;
                RunFrame {
                    cost: r.cost,
                    fakes: xy,
                    arrows,
                    d_fakes,
                    heat: values(sigmoid(
                        r.d.valid()
                            .forward(heat.clone().without_autodiff(), s.d_activation),
                    )),
                    manifold: values(g.forward(manifold.clone(), s.g_activation)),
                    mean_arrow,
                    divergences: self.reference.measure(&samples),
                    stats: r.last,
                }
            })
            .collect();
        PlaneFrame {
            iteration: self.iteration,
            next: self.next,
            runs,
        }
    }

    /// The manifold's noise: evenly spaced over the prior's range (±1 uniform, ±2 normal, where
    /// 95% of its mass lies), row by row.
    fn manifold_noise(&self) -> Tensor<2> {
        let half = match self.setup.prior {
            Prior::Uniform => 1.0,
            Prior::Normal => 2.0,
        };
        let at = |i: usize, n: usize| -half + 2.0 * half * i as f32 / (n - 1) as f32;
        let z: Vec<f32> = match self.setup.noise_dim {
            1 => (0..MANIFOLD_1D).map(|i| at(i, MANIFOLD_1D)).collect(),
            _ => (0..MANIFOLD_2D * MANIFOLD_2D)
                .flat_map(|i| {
                    let (col, row) = (i % MANIFOLD_2D, i / MANIFOLD_2D);
                    [at(col, MANIFOLD_2D), at(MANIFOLD_2D - 1 - row, MANIFOLD_2D)]
                })
                .collect(),
        };
        points(
            z,
            self.setup.noise_dim,
            &self.device.clone().without_autodiff(),
        )
    }
}

/// D(x) and −∇ₓ j(x) at each row of `x`: G's per-sample cost (the batch cost times the batch
/// size, since the batch cost is a mean), differentiated with respect to the points.
fn arrows(r: &Run, x: Tensor<2>, setup: &PlaneSetup) -> (Vec<f32>, Vec<f32>) {
    let n = x.dims()[0];
    let x = x.detach().require_grad();
    let l = logits(&r.d, x.clone(), setup.d_activation);
    let cost = generator_cost(l.clone(), r.cost).mul_scalar(n as f32);
    let grads = cost.backward();
    let grad = x
        .grad(&grads)
        .map_or_else(|| vec![0.0; 2 * n], |g| values(g.neg()));
    (values(sigmoid(l)), grad)
}
