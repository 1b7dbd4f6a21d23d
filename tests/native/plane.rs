//! The plane lab: its arrows are the gradients of each cost, the saturating ones vanish where D
//! rejects the fakes, its divergences are right on densities whose divergence is known, and a
//! bad set-up or a diverging run changes nothing.

use burn::tensor::Device;
use gan_playground::loss::{GeneratorCost, cost_of_logit};
use gan_playground::plane::data::{Mixture, Shape};
use gan_playground::plane::divergence::{self, Grid, js, kl};
use gan_playground::plane::{PlaneError, PlaneLab, PlaneSetup, Stage};
use serde_json::json;

fn small() -> PlaneSetup {
    PlaneSetup {
        batch_size: 64,
        samples: 256,
        g_width: 16,
        d_width: 16,
        head_start: 30,
        third: true,
        ..PlaneSetup::default()
    }
}

#[test]
fn arrows_are_the_gradient_of_each_cost_against_finite_differences() {
    let mut lab = PlaneLab::new(small(), &Device::flex()).unwrap();
    lab.step(5).unwrap();
    let frame = lab.frame();
    assert_eq!(frame.runs.len(), 3);
    // Probes the page cannot make anyway are refused, not run: none, too many, NaN, no such run.
    let too_many = vec![0.0; 2 * (gan_playground::plane::PROBE_MAX + 1)];
    for (run, xy) in [
        (0, &[][..]),
        (0, &too_many[..]),
        (0, &[f32::NAN, 0.0][..]),
        (3, &[0.0, 0.0][..]),
    ] {
        assert!(lab.probe(run, xy).is_err());
    }
    let h = 1e-3f32;
    for (run, f) in frame.runs.iter().enumerate() {
        let xy: Vec<f32> = f.fakes[..16].to_vec();
        let probe = lab.probe(run, &xy).unwrap();
        // The frame's arrows are the probe's at the same points.
        for (a, b) in probe.arrows.iter().zip(&f.arrows[..16]) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
        for (i, p) in xy.chunks(2).enumerate() {
            // Central differences of the per-sample cost j(l(x)) along each axis.
            let around = [
                p[0] + h,
                p[1],
                p[0] - h,
                p[1],
                p[0],
                p[1] + h,
                p[0],
                p[1] - h,
            ];
            let l = lab.probe(run, &around).unwrap().logits;
            let j = |k: usize| cost_of_logit(f.cost, f64::from(l[k]));
            let grad = [
                (j(0) - j(1)) / (2.0 * f64::from(h)),
                (j(2) - j(3)) / (2.0 * f64::from(h)),
            ];
            for axis in 0..2 {
                let arrow = f64::from(probe.arrows[2 * i + axis]);
                let expected = -grad[axis];
                let scale = grad[0].hypot(grad[1]);
                assert!(
                    (arrow - expected).abs() <= 0.02 * scale + 1e-4,
                    "{:?} point {i} axis {axis}: arrow {arrow}, finite differences {expected}",
                    f.cost
                );
            }
        }
    }
}

#[test]
fn saturating_arrows_vanish_where_d_rejects_the_fakes() {
    let setup = PlaneSetup {
        head_start: 300,
        lr_d: 3e-3,
        ..small()
    };
    let lab = PlaneLab::new(setup, &Device::flex()).unwrap();
    let frame = lab.frame();
    let (sat, ns) = (&frame.runs[0], &frame.runs[1]);
    assert_eq!(sat.cost, GeneratorCost::Saturating);
    assert_eq!(ns.cost, GeneratorCost::NonSaturating);
    // Before the first step the runs are one run: same fakes, same D.
    assert_eq!(sat.fakes, ns.fakes);
    assert_eq!(sat.d_fakes, ns.d_fakes);
    let length = |a: &[f32], i: usize| a[2 * i].hypot(a[2 * i + 1]);
    let mut rejected = 0;
    for (i, &d) in sat.d_fakes.iter().enumerate() {
        let (s, n) = (length(&sat.arrows, i), length(&ns.arrows, i));
        // The closed forms: |j'(l)| is σ(l) = D against 1 − σ(l) = 1 − D, along the same ∇l.
        let ratio = f64::from(d) / (1.0 - f64::from(d));
        assert!(
            (f64::from(s) - ratio * f64::from(n)).abs() <= 1e-3 * f64::from(n) + 1e-7,
            "point {i}: D {d}, saturating {s}, non-saturating {n}"
        );
        if d < 0.05 {
            rejected += 1;
            assert!(
                s <= 0.1 * n,
                "point {i}: D {d}, saturating {s}, non-saturating {n}"
            );
        }
    }
    assert!(
        rejected >= 10,
        "only {rejected} fakes with D < 0.05: the test shows nothing"
    );
    assert!(sat.mean_arrow < 0.2 * ns.mean_arrow);
}

#[test]
fn kl_and_js_match_their_closed_forms() {
    let grid = Grid {
        cells: 240,
        half: 3.0,
    };
    let gaussian = |mx: f64, s: f64| {
        move |p: [f64; 2]| {
            (-((p[0] - mx).powi(2) + p[1].powi(2)) / (2.0 * s * s)).exp()
                / (2.0 * std::f64::consts::PI * s * s)
        }
    };
    // Equal covariances σ²I: KL = |μ1 − μ2|² / (2σ²), both ways.
    let (p, q) = (
        grid.masses(gaussian(-0.2, 0.4)),
        grid.masses(gaussian(0.2, 0.4)),
    );
    let expected = 0.4f64.powi(2) / (2.0 * 0.16);
    assert!(
        (kl(&p, &q) - expected).abs() < 2e-3 * expected,
        "{}",
        kl(&p, &q)
    );
    assert!((kl(&q, &p) - expected).abs() < 2e-3 * expected);
    // Different widths, same centre: KL(N(0, a²I) ‖ N(0, b²I)) = 2 ln(b/a) + a²/b² − 1 in 2-D.
    let (a, b) = (0.3f64, 0.5f64);
    let (pa, pb) = (grid.masses(gaussian(0.0, a)), grid.masses(gaussian(0.0, b)));
    let expected = 2.0 * (b / a).ln() + a * a / (b * b) - 1.0;
    assert!((kl(&pa, &pb) - expected).abs() < 2e-3 * expected);
    // JS: 0 for equal densities, ln 2 for disjoint ones, ½ ln 2 for squares overlapping by half.
    assert!(js(&p, &p).abs() < 1e-12);
    let square = |x0: f64| {
        move |p: [f64; 2]| {
            f64::from(u8::from(
                (x0..x0 + 1.0).contains(&p[0]) && (0.0..1.0).contains(&p[1]),
            ))
        }
    };
    let (s0, s1, s2) = (
        grid.masses(square(-1.0)),
        grid.masses(square(0.5)),
        grid.masses(square(-0.5)),
    );
    assert!((js(&s0, &s1) - 2f64.ln()).abs() < 1e-3, "{}", js(&s0, &s1));
    assert!(
        (js(&s0, &s2) - 0.5 * 2f64.ln()).abs() < 1e-3,
        "{}",
        js(&s0, &s2)
    );
    // Mass where the other has none: KL is as large as the floor lets it be; JS stays ln 2.
    assert!(kl(&s0, &s1) > 10.0);
    assert_eq!(kl(&[0.5, 0.5], &[1.0, 0.0]), f64::INFINITY);
}

#[test]
fn the_real_data_measured_against_itself_covers_every_mode() {
    for shape in [Shape::Ring, Shape::Grid] {
        let mixture = Mixture {
            centres: shape.centres(),
            spread: shape.default_spread(),
        };
        let reference = divergence::Reference::of(mixture.clone());
        let d = reference.measure(&mixture.sample(4096, 7));
        assert_eq!(d.modes_covered, d.modes, "{shape:?}");
        assert!(d.js < 0.02 && d.kl < 0.05, "{shape:?}: {d:?}");
        assert!(d.near_a_mode > 0.98);
        // All samples on one mode: one mode covered, and a large divergence.
        let one = Mixture {
            centres: vec![mixture.centres[0]],
            ..mixture.clone()
        };
        let d = reference.measure(&one.sample(512, 7));
        assert_eq!(d.modes_covered, 1);
        assert!(d.js > 0.4, "{shape:?}: {d:?}");
    }
}

#[test]
fn runs_are_deterministic_and_take_their_stages_in_order() {
    let mut a = PlaneLab::new(small(), &Device::flex()).unwrap();
    let mut b = PlaneLab::new(small(), &Device::flex()).unwrap();
    a.step(3).unwrap();
    assert_eq!(b.stage().unwrap(), Stage::Discriminator);
    assert_eq!(b.next_stage(), Stage::Generator);
    // D's stage moved D (the heatmap), not G (the points).
    let (before, after_d) = (a.frame(), b.frame());
    assert_eq!(b.iteration(), 0);
    b.step(3).unwrap();
    assert_eq!(a.frame(), b.frame());
    let c = PlaneLab::new(small(), &Device::flex()).unwrap().frame();
    assert_eq!(after_d.runs[0].fakes, c.runs[0].fakes);
    assert_ne!(after_d.runs[0].heat, c.runs[0].heat);
    assert_ne!(before.runs[0].fakes, c.runs[0].fakes);
}

#[test]
fn runs_split_between_labs_are_the_runs_of_one_lab_and_undo_in_step() {
    let mut whole = PlaneLab::new(small(), &Device::flex()).unwrap();
    let mut parts =
        [0usize, 1, 2].map(|i| PlaneLab::with_runs(small(), &Device::flex(), Some(&[i])).unwrap());
    let before: Vec<_> = parts.iter().map(|p| p.frame()).collect();
    whole.step(4).unwrap();
    for part in &mut parts {
        part.step(4).unwrap();
    }
    let frame = whole.frame();
    for (i, part) in parts.iter_mut().enumerate() {
        let mine = part.frame();
        assert_eq!(mine.runs.len(), 1);
        assert!(mine.runs[0] == frame.runs[i], "run {i} differs when apart");
        // What the page asks of a worker whose partner's run diverged in the same request.
        assert!(part.undo());
        assert_eq!(
            format!("{:?}", part.frame()),
            format!("{:?}", before[i]),
            "NaN stats compare as text"
        );
        assert_eq!(part.iteration(), 0);
        assert!(!part.undo(), "one request is taken back, once");
    }
    assert!(PlaneLab::with_runs(small(), &Device::flex(), Some(&[3])).is_err());
}

#[test]
fn a_diverging_run_is_undone_and_said() {
    let setup = PlaneSetup {
        optimizer: gan_playground::plane::Optimizer::Sgd,
        lr_d: 1.0,
        lr_g: 1.0,
        head_start: 0,
        g_layers: 6,
        g_width: 128,
        ..small()
    };
    let mut lab = PlaneLab::new(setup, &Device::flex()).unwrap();
    let mut diverged = None;
    for _ in 0..200 {
        let before = lab.frame();
        match lab.step(1) {
            Ok(_) => {}
            Err(e) => {
                diverged = Some((e, before));
                break;
            }
        }
    }
    let (error, before) = diverged.expect("SGD at rate 1 through six wide layers diverges");
    assert!(matches!(error, PlaneError::Diverged { .. }), "{error}");
    assert!(error.to_string().contains("back where it was"));
    let PlaneError::Diverged { back_to, .. } = error else {
        unreachable!()
    };
    assert_eq!(back_to, before.iteration);
    // Every run is as it was before the step.
    assert!(lab.frame() == before, "the lab changed");
}

#[test]
fn bad_setups_are_refused_by_name() {
    let refused =
        |options: serde_json::Value| PlaneSetup::from_options(&options).unwrap_err().to_string();
    assert!(refused(json!({ "shape": "drawn", "points": [] })).starts_with("drawn points must be"));
    assert!(refused(json!({ "shape": "drawn", "points": [[0.1, 0.2]] })).contains("got 1"));
    assert!(refused(json!({ "lrD": "NaN" })).starts_with("D learning rate must be a number from"));
    assert!(refused(json!({ "lrG": "Infinity" })).contains("got “Infinity”"));
    assert!(refused(json!({ "lrG": 1e300 })).contains("got 1e300"));
    assert!(
        refused(json!({ "shape": "moon" })).starts_with("data must be one of line, two_gaussians")
    );
    assert!(
        refused(json!({ "shape": "drawn", "points": [[0.1, 9.0], [0.0, 0.0]] }))
            .contains("drawn point 1's y")
    );
    assert!(refused(json!({ "gLayers": 2.5 })).contains("G layers"));
    assert!(refused(json!({ "wdith": 3 })).contains("unknown setting “wdith”"));
    for link in ["%%%", "bm90IGpzb24", "WzEsMl0"] {
        assert!(
            PlaneSetup::from_link(link)
                .unwrap_err()
                .to_string()
                .starts_with("the link's set-up")
        );
    }
}

#[test]
fn a_link_carries_the_whole_setup() {
    let drawn = PlaneSetup {
        shape: Shape::Drawn,
        points: vec![[0.25, -0.5], [-0.125, 0.75], [1.0, 1.0]],
        spread: 0.07,
        lr_g: 3e-4,
        seed: 42,
        third: true,
        ..PlaneSetup::default()
    };
    for setup in [PlaneSetup::default(), drawn] {
        assert_eq!(PlaneSetup::from_link(&setup.to_link()).unwrap(), setup);
    }
    // A preset without a spread given takes its own.
    let grid = PlaneSetup::from_options(&json!({ "shape": "grid" })).unwrap();
    assert_eq!(grid.spread, Shape::Grid.default_spread());
}
