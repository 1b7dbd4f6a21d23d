//! How far the generated distribution is from the real one, on a grid over the plane.
//!
//! Both densities are smoothed by the same Gaussian kernel before they are compared: the real
//! one exactly (a Gaussian mixture convolved with a Gaussian is one), the generated one by a
//! kernel density estimate from G's samples. A perfect generator then scores 0 up to sampling
//! noise, which comparing a KDE against the unsmoothed density would not. Each density is
//! evaluated at the cell centres and normalised over the grid; KL and JS are those of the two
//! discrete distributions, in nats.

use serde::Serialize;

use super::data::Mixture;

/// A square grid of `cells × cells` over `[-half, half]²`, row by row from the top (y = half)
/// down, as an image is stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub cells: usize,
    pub half: f64,
}

impl Grid {
    pub fn step(&self) -> f64 {
        2.0 * self.half / self.cells as f64
    }

    /// The centre of cell `(col, row)`.
    pub fn centre(&self, col: usize, row: usize) -> [f64; 2] {
        let s = self.step();
        [
            -self.half + (col as f64 + 0.5) * s,
            self.half - (row as f64 + 0.5) * s,
        ]
    }

    /// Every cell centre, row by row.
    pub fn centres(&self) -> Vec<[f64; 2]> {
        (0..self.cells * self.cells)
            .map(|i| self.centre(i % self.cells, i / self.cells))
            .collect()
    }

    /// A density as masses: each cell's is the density at its centre times its area, and one
    /// more entry, last, holds the mass off the grid (what the cells miss of 1). Divergences
    /// are then taken on a partition of the whole plane: a generator whose points leave the
    /// grid is as far from the data as it really is, not renormalised onto the grid.
    pub fn masses(&self, density: impl Fn([f64; 2]) -> f64) -> Vec<f64> {
        let area = self.step() * self.step();
        with_outside(
            self.centres()
                .into_iter()
                .map(|c| density(c) * area)
                .collect(),
        )
    }

    /// A Gaussian kernel density estimate from `points` with width `bandwidth`, as masses. The
    /// kernel is separable, so each point costs two small tables; a point that is NaN or
    /// infinite is all off the grid.
    pub fn kde(&self, points: &[[f32; 2]], bandwidth: f64) -> Vec<f64> {
        let n = self.cells;
        let norm = self.step() / ((2.0 * std::f64::consts::PI).sqrt() * bandwidth);
        let kernel = |d: f64| norm * (-(d * d) / (2.0 * bandwidth * bandwidth)).exp();
        let mut mass = vec![0.0; n * n];
        let (mut kx, mut ky) = (vec![0.0; n], vec![0.0; n]);
        let share = 1.0 / points.len().max(1) as f64;
        for p in points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
        {
            for i in 0..n {
                let c = self.centre(i, i);
                kx[i] = share * kernel(c[0] - f64::from(p[0]));
                ky[i] = kernel(c[1] - f64::from(p[1]));
            }
            for (row, &y) in ky.iter().enumerate() {
                if y < 1e-300 {
                    continue;
                }
                for (col, &x) in kx.iter().enumerate() {
                    mass[row * n + col] += x * y;
                }
            }
        }
        with_outside(mass)
    }
}

/// Added to every mass before the masses are normalised again: a kernel's far tail underflows
/// f64 long before the density it stands for is 0, and the mixture's does not (its variance
/// is larger), which would make KL infinite over mass no estimate can see. A generator that
/// misses a mode entirely still costs KL ≈ its mass × ln(mass / 10⁻¹⁰): large, and finite.
pub const FLOOR: f64 = 1e-10;

/// `cells` and, last, the mass they miss of 1 (none where rounding overshoots), floored.
fn with_outside(mut cells: Vec<f64>) -> Vec<f64> {
    let inside: f64 = cells.iter().sum();
    cells.push((1.0 - inside).max(0.0));
    let total = inside.max(1.0) + FLOOR * cells.len() as f64;
    cells.iter_mut().for_each(|v| *v = (*v + FLOOR) / total);
    cells
}

/// KL(p ‖ q) in nats between two distributions on the same cells (infinite where p has mass
/// that q has not; masses from [`Grid::masses`] and [`Grid::kde`] are floored, so never).
pub fn kl(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .filter(|&(&pi, _)| pi > 0.0)
        .map(|(&pi, &qi)| {
            if qi > 0.0 {
                pi * (pi / qi).ln()
            } else {
                f64::INFINITY
            }
        })
        .sum()
}

/// Jensen–Shannon divergence in nats: ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q) / 2; from 0
/// (equal) to ln 2 (disjoint). Always finite.
pub fn js(p: &[f64], q: &[f64]) -> f64 {
    let m: Vec<f64> = p.iter().zip(q).map(|(a, b)| 0.5 * (a + b)).collect();
    0.5 * kl(p, &m) + 0.5 * kl(q, &m)
}

/// The divergences of a generator's samples from the real mixture.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Divergences {
    /// KL(real ‖ generated): large where G misses real mass (mode dropping).
    pub kl: f64,
    /// KL(generated ‖ real): large where G puts mass where there is no data.
    pub kl_reverse: f64,
    pub js: f64,
    /// Modes (mixture components) with at least a fifth of their fair share of samples, a
    /// sample counting for its nearest centre when it is within three spreads of it.
    pub modes_covered: usize,
    pub modes: usize,
    /// The share of samples within three spreads of some centre (the "high-quality" share of
    /// Srivastava et al. 2017).
    pub near_a_mode: f64,
}

/// The grid and kernel the divergences are taken on: about a cell per kernel width.
pub const METRIC_GRID: Grid = Grid {
    cells: 48,
    half: super::data::VIEW as f64,
};
pub const BANDWIDTH: f64 = 0.05;

/// The real data as the divergences compare against it: its smoothed masses on
/// [`METRIC_GRID`] depend only on the data, so they are computed once, not every frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub mixture: Mixture,
    masses: Vec<f64>,
}

impl Reference {
    pub fn of(mixture: Mixture) -> Reference {
        let masses = METRIC_GRID.masses(|x| mixture.density(x, BANDWIDTH));
        Reference { mixture, masses }
    }

    /// How `samples` of G compare with the real data.
    pub fn measure(&self, samples: &[[f32; 2]]) -> Divergences {
        measure(&self.mixture, &self.masses, samples)
    }
}

fn measure(real: &Mixture, p: &[f64], samples: &[[f32; 2]]) -> Divergences {
    let q = METRIC_GRID.kde(samples, BANDWIDTH);
    let radius = 3.0 * real.spread;
    // Each sample counts for its nearest centre only, when it lies within three spreads of
    // it (the spiral's and the line's centres are closer than that to each other).
    let mut counts = vec![0usize; real.centres.len()];
    let mut near = 0;
    for s in samples {
        let nearest = real
            .centres
            .iter()
            .map(|c| (s[0] - c[0]).hypot(s[1] - c[1]))
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((k, d)) = nearest
            && d <= radius
        {
            counts[k] += 1;
            near += 1;
        }
    }
    let fair = samples.len() as f64 / real.centres.len() as f64;
    Divergences {
        kl: kl(p, &q),
        kl_reverse: kl(&q, p),
        js: js(p, &q),
        modes_covered: counts.iter().filter(|&&c| c as f64 >= 0.2 * fair).count(),
        modes: real.centres.len(),
        near_a_mode: near as f64 / samples.len().max(1) as f64,
    }
}
