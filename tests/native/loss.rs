//! Both generator costs and D's loss: closed forms against analytic values and finite
//! differences, and the tensor versions (with autodiff gradients) against the closed forms,
//! including extreme logits.

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::loss::*;

const COSTS: [GeneratorCost; 3] = GeneratorCost::ALL;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn closed_forms_match_their_definitions() {
    for d in [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
        assert!(close(
            cost_of_d(GeneratorCost::Saturating, d),
            (1.0f64 - d).ln(),
            1e-12
        ));
        assert!(close(
            cost_of_d(GeneratorCost::NonSaturating, d),
            -d.ln(),
            1e-12
        ));
        let l = logit_f64(d);
        assert!(close(sigmoid_f64(l), d, 1e-12));
        for cost in COSTS {
            // The same cost written in d and in the logit agree.
            assert!(
                close(cost_of_logit(cost, l), cost_of_d(cost, d), 1e-9),
                "{cost:?} at d={d}"
            );
        }
    }
}

#[test]
fn slopes_match_finite_differences() {
    let h = 1e-6;
    for cost in COSTS {
        for d in [0.02, 0.2, 0.5, 0.8, 0.98] {
            let fd = (cost_of_d(cost, d + h) - cost_of_d(cost, d - h)) / (2.0 * h);
            assert!(
                close(slope_wrt_d(cost, d), fd, 1e-5),
                "{cost:?} dJ/dd at {d}: {} vs {fd}",
                slope_wrt_d(cost, d)
            );
        }
        for l in [-30.0, -8.0, -1.0, 0.0, 0.5, 4.0, 12.0] {
            let fd = (cost_of_logit(cost, l + h) - cost_of_logit(cost, l - h)) / (2.0 * h);
            assert!(
                close(slope_wrt_logit(cost, l), fd, 1e-5),
                "{cost:?} dJ/dl at {l}: {} vs {fd}",
                slope_wrt_logit(cost, l)
            );
        }
    }
}

#[test]
fn the_true_picture_at_the_ends() {
    use GeneratorCost::*;
    // The minimax cost is not flat at D(G(z)) = 0: its slope there is −1 ...
    assert_eq!(slope_wrt_d(Saturating, 0.0), -1.0);
    assert_eq!(cost_of_d(Saturating, 0.0), 0.0);
    // ... but with respect to D's logit, its gradient really does vanish as D rejects samples,
    assert!(slope_wrt_logit(Saturating, -30.0).abs() < 1e-12);
    assert!(slope_wrt_logit(Saturating, -100.0).abs() < 1e-40);
    // while the non-saturating one tends to −1.
    assert!(close(slope_wrt_logit(NonSaturating, -30.0), -1.0, 1e-12));
    assert_eq!(slope_wrt_logit(NonSaturating, -100.0), -1.0);
    // Both are stable for huge logits (no log of a rounded sigmoid).
    assert!(close(cost_of_logit(NonSaturating, -100.0), 100.0, 1e-12));
    assert!(close(cost_of_logit(Saturating, 100.0), -100.0, 1e-12));
    assert!(cost_of_logit(NonSaturating, 100.0) > 0.0);
    assert!(cost_of_logit(Saturating, -100.0) < 0.0);

    let curve = cost_curve(Saturating, 101);
    assert_eq!(curve.len(), 101);
    assert_eq!((curve[0].d, curve[100].d), (0.0, 1.0));
    assert_eq!(curve[0].slope_d, -1.0);
    assert_eq!(curve[0].slope_logit, 0.0);
    assert_eq!(curve[100].cost, f64::NEG_INFINITY);
    let ns = cost_curve(NonSaturating, 101);
    assert_eq!(ns[0].cost, f64::INFINITY);
    assert_eq!(ns[0].slope_logit, -1.0);
    assert!(close(ns[50].slope_d, -2.0, 1e-12));
}

/// Cost and gradient w.r.t. each logit, through Burn's autodiff.
fn tensor_cost_and_grad(logits: &[f32], f: impl Fn(Tensor<1>) -> Tensor<1>) -> (f32, Vec<f32>) {
    let device = Device::flex().autodiff();
    let x = Tensor::<1>::from_data(TensorData::new(logits.to_vec(), [logits.len()]), &device)
        .require_grad();
    let y = f(x.clone());
    let grads = y.backward();
    let g = x
        .grad(&grads)
        .expect("gradient")
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    let v = y.into_data().try_into_vec::<f32>().unwrap()[0];
    (v, g)
}

#[test]
fn tensor_costs_match_closed_forms_and_gradients_for_extreme_logits() {
    let logits = [-100.0f32, -20.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 100.0];
    let n = logits.len() as f64;
    for cost in [GeneratorCost::Saturating, GeneratorCost::NonSaturating] {
        let (v, g) = tensor_cost_and_grad(&logits, |x| generator_cost(x, cost));
        let expected: f64 = logits
            .iter()
            .map(|l| cost_of_logit(cost, *l as f64))
            .sum::<f64>()
            / n;
        assert!(
            v.is_finite() && close(v as f64, expected, 1e-5),
            "{cost:?}: {v} vs {expected}"
        );
        for (l, g) in logits.iter().zip(&g) {
            let want = slope_wrt_logit(cost, *l as f64) / n;
            assert!(
                g.is_finite() && (*g as f64 - want).abs() < 1e-6,
                "{cost:?} grad at {l}: {g} vs {want}"
            );
        }
    }
    // Saturating at l = −100: gradient ~e^−100 ≈ 0, non-saturating ≈ −1/n: the whole story.
    let (_, sat) = tensor_cost_and_grad(&[-100.0, -100.0], |x| {
        generator_cost(x, GeneratorCost::Saturating)
    });
    let (_, ns) = tensor_cost_and_grad(&[-100.0, -100.0], |x| {
        generator_cost(x, GeneratorCost::NonSaturating)
    });
    assert!(sat[0].abs() < 1e-30);
    assert!((ns[0] + 0.5).abs() < 1e-6);
}

#[test]
fn discriminator_loss_is_binary_cross_entropy() {
    let device = Device::flex();
    let t = |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [v.len()]), &device);
    let real = [2.0f32, -1.0, 100.0, -100.0];
    let fake = [-3.0f32, 0.5, -100.0, 100.0];
    let loss = discriminator_loss(t(real.to_vec()), t(fake.to_vec()))
        .into_data()
        .try_into_vec::<f32>()
        .unwrap()[0];
    let bce = |p: f64, label: f64| -(label * p.ln() + (1.0 - label) * (1.0 - p).ln());
    // Closed form from logits: −log σ(l) = softplus(−l), −log(1 − σ(l)) = softplus(l).
    let expected = real.iter().map(|l| softplus_f64(-*l as f64)).sum::<f64>() / 4.0
        + fake.iter().map(|l| softplus_f64(*l as f64)).sum::<f64>() / 4.0;
    assert!(close(loss as f64, expected, 1e-5), "{loss} vs {expected}");
    // And it is BCE where probabilities are representable.
    assert!(close(softplus_f64(-2.0), bce(sigmoid_f64(2.0), 1.0), 1e-12));
    assert!(close(softplus_f64(0.5), bce(sigmoid_f64(0.5), 0.0), 1e-12));
    assert!(loss.is_finite());
}

#[test]
fn cost_names_parse() {
    for cost in COSTS {
        assert_eq!(GeneratorCost::parse(cost.name()), Ok(cost));
    }
    assert_eq!(
        GeneratorCost::parse("minimax"),
        Ok(GeneratorCost::Saturating)
    );
    assert_eq!(
        GeneratorCost::parse("non-saturating"),
        Ok(GeneratorCost::NonSaturating)
    );
    assert!(GeneratorCost::parse("wasserstein").is_err());
}
