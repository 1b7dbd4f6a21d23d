//! The last stretch of a projection: Gauss–Newton with Levenberg–Marquardt damping on the one
//! restart left. Adam finds the basin but settles slowly (the pixel error is badly conditioned
//! in z, and Adam's per-coordinate scaling does not see that); near a minimum the error is
//! close to quadratic, where a Gauss–Newton step goes most of the way at once. The Jacobian of
//! G at z comes from one batch: z and z moved by ε along each axis (forward differences), so
//! no second-order autodiff is needed. A step alternates: a Jacobian batch at the kept z, then
//! single tries of the solved step (a rejected try costs one image, not a Jacobian), with more
//! damping after each rejection.

use crate::directions::solve_spd;

/// The forward difference's step in z.
const EPSILON: f32 = 1e-2;
const START_DAMPING: f64 = 1e-2;

pub(super) struct Refine {
    latent: usize,
    /// The best z so far and its error, where the normal equations below were taken.
    accepted: Vec<f32>,
    accepted_error: f32,
    jtj: Vec<f64>,
    jtr: Vec<f64>,
    damping: f64,
    /// The z the next try evaluates.
    candidate: Vec<f32>,
    /// Whether the next batch is the Jacobian's at the kept z (else a try of the candidate).
    linearise: bool,
    /// Entries stay within ±bound (the uniform prior's box).
    bound: Option<f32>,
}

impl Refine {
    pub(super) fn new(z: Vec<f32>, bound: Option<f32>) -> Self {
        Refine {
            latent: z.len(),
            accepted: z.clone(),
            accepted_error: f32::INFINITY,
            jtj: Vec::new(),
            jtr: Vec::new(),
            damping: START_DAMPING,
            candidate: z,
            linearise: true,
            bound,
        }
    }

    /// The rows to evaluate, `latent` long each: the candidate alone (a try), or the kept z and
    /// the kept z moved by ε along each axis (the Jacobian's batch).
    pub(super) fn batch(&self) -> Vec<f32> {
        let n = self.latent;
        if !self.linearise {
            return self.candidate.clone();
        }
        let mut rows = Vec::with_capacity((n + 1) * n);
        rows.extend(&self.accepted);
        for i in 0..n {
            rows.extend(&self.accepted);
            rows[(i + 1) * n + i] += EPSILON;
        }
        rows
    }

    /// The z of the batch's first row.
    pub(super) fn first(&self) -> &[f32] {
        if self.linearise {
            &self.accepted
        } else {
            &self.candidate
        }
    }

    /// Takes the batch's images against `target`. A try is kept if it beats the kept z (then
    /// the next batch is the Jacobian's there), else the damping grows and the step is solved
    /// again; a Jacobian's batch gives the normal equations and the next try. Answers the first
    /// row's mean squared error.
    pub(super) fn observe(&mut self, images: &[f32], target: &[f32]) -> Result<f32, String> {
        let (n, d) = (self.latent, target.len());
        let rows = if self.linearise { n + 1 } else { 1 };
        if images.len() != rows * d {
            return Err(format!(
                "{} values are not {rows} images of {d}",
                images.len()
            ));
        }
        let base = &images[..d];
        let error = base
            .iter()
            .zip(target)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            / d as f32;
        if !self.linearise {
            if error.is_finite() && error < self.accepted_error {
                self.accepted = self.candidate.clone();
                self.accepted_error = error;
                self.damping = (self.damping / 3.0).max(1e-7);
                self.linearise = true;
            } else {
                self.damping = (self.damping * 4.0).min(1e6);
                self.solve()?;
            }
            return Ok(error);
        }
        self.accepted_error = error;
        // J's column i is (G(z + ε eᵢ) − G(z)) / ε; r = G(z) − target.
        let column = |i: usize| {
            let moved = &images[(i + 1) * d..(i + 2) * d];
            moved
                .iter()
                .zip(base)
                .map(|(m, b)| ((m - b) / EPSILON) as f64)
        };
        let columns: Vec<Vec<f64>> = (0..n).map(|i| column(i).collect()).collect();
        let r: Vec<f64> = base
            .iter()
            .zip(target)
            .map(|(a, b)| (a - b) as f64)
            .collect();
        self.jtj = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let dot: f64 = columns[i].iter().zip(&columns[j]).map(|(a, b)| a * b).sum();
                self.jtj[i * n + j] = dot;
                self.jtj[j * n + i] = dot;
            }
        }
        self.jtr = columns
            .iter()
            .map(|c| c.iter().zip(&r).map(|(a, b)| a * b).sum())
            .collect();
        self.linearise = false;
        self.solve()?;
        Ok(error)
    }

    /// The next try: the damped Gauss–Newton step from the kept z.
    fn solve(&mut self) -> Result<(), String> {
        let n = self.latent;
        // (JᵀJ + λ·(diag JᵀJ + δ)) step = −Jᵀr, from the last kept z.
        let mut a = self.jtj.clone();
        let floor = (0..n).map(|i| self.jtj[i * n + i]).sum::<f64>() / n as f64 * 1e-6;
        for i in 0..n {
            a[i * n + i] += self.damping * (self.jtj[i * n + i] + floor);
        }
        let minus: Vec<f64> = self.jtr.iter().map(|g| -g).collect();
        let step = solve_spd(&a, &minus, n, 1).ok_or("the Gauss–Newton system is singular")?;
        self.candidate = self
            .accepted
            .iter()
            .zip(&step)
            .map(|(z, s)| {
                let v = z + *s as f32;
                self.bound.map_or(v, |b| v.clamp(-b, b))
            })
            .collect();
        Ok(())
    }
}
