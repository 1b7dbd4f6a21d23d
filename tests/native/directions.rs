//! SeFa's directions: the eigen-decomposition against its definition, and the shipped
//! generators' directions orthonormal and sorted.

use gan_playground::directions::{sefa, symmetric_eigen};

fn weights(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/assets/weights/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn jacobi_gives_each_eigenpair_of_a_symmetric_matrix() {
    // B Bᵀ for a fixed B: symmetric, positive semi-definite, with distinct eigenvalues.
    let n = 12;
    let b: Vec<f64> = (0..n * n)
        .map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0)
        .collect();
    let a: Vec<f64> = (0..n * n)
        .map(|ij| {
            (0..n)
                .map(|k| b[(ij / n) * n + k] * b[(ij % n) * n + k])
                .sum()
        })
        .collect();
    let (values, vectors) = symmetric_eigen(&a, n);
    for j in 0..n {
        let v: Vec<f64> = (0..n).map(|i| vectors[i * n + j]).collect();
        // A v = λ v, and ‖v‖ = 1.
        for i in 0..n {
            let av: f64 = (0..n).map(|k| a[i * n + k] * v[k]).sum();
            assert!((av - values[j] * v[i]).abs() < 1e-9, "column {j}, row {i}");
        }
        assert!((v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-12);
    }
    // The largest eigenvalue, found another way: power iteration.
    let mut x = vec![1.0; n];
    let mut lambda = 0.0;
    for _ in 0..2000 {
        let y: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|k| a[i * n + k] * x[k]).sum())
            .collect();
        let norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        lambda = norm / x.iter().map(|v| v * v).sum::<f64>().sqrt();
        x = y.iter().map(|v| v / norm).collect();
    }
    let top = values.iter().copied().fold(f64::MIN, f64::max);
    assert!(
        (top - lambda).abs() < 1e-6 * lambda,
        "{top} against {lambda}"
    );
}

#[test]
fn the_shipped_generators_directions_are_orthonormal_and_strongest_first() {
    for file in [
        "mnist-generator.safetensors",
        "fashion-generator.safetensors",
        "emoji-generator.safetensors",
    ] {
        let d = sefa(&weights(file), 8).unwrap();
        assert_eq!(d.vectors.len(), 8);
        assert!(
            d.strengths.windows(2).all(|w| w[0] >= w[1]),
            "{file}: {:?}",
            d.strengths
        );
        assert!(d.strengths[0] > 0.0);
        for (i, u) in d.vectors.iter().enumerate() {
            assert_eq!(u.len(), 100);
            for (j, v) in d.vectors.iter().enumerate() {
                let dot: f64 = u.iter().zip(v).map(|(a, b)| *a as f64 * *b as f64).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((dot - want).abs() < 1e-5, "{file}: {i}·{j} = {dot}");
            }
        }
        // The same file gives the same directions (the sign is fixed: largest entry positive).
        assert_eq!(sefa(&weights(file), 8).unwrap(), d);
    }
}

#[test]
fn a_bad_file_or_count_is_an_error() {
    assert!(sefa(b"not safetensors", 3).is_err());
    let w = weights("mnist-generator.safetensors");
    assert!(sefa(&w, 0).is_err());
    assert!(sefa(&w, 101).is_err());
    assert!(sefa(&w[..w.len() / 2], 3).is_err());
}

/// What a unit step along each direction does, for each shipped generator and method: the
/// mean absolute change per pixel (images in [−1, 1]) and, where a classifier exists, the share
/// of samples whose predicted class changes, over 64 z from the prior; against five random
/// unit directions. Printed (docs/LATENT.md quotes
/// `cargo test --test native what_a_unit_step -- --nocapture`), and checked: every method's
/// first direction changes the images more than a random direction does on average, and a
/// class direction changes the predicted class more often.
#[test]
fn what_a_unit_step_does_along_each_method() {
    use burn::tensor::{Device, Tensor, TensorData};
    use gan_playground::checkpoint::{
        classifier_from_burn, generator_from_safetensors, infer_generator_config,
    };
    use gan_playground::directions::{Sampling, classes, pca};
    use gan_playground::latent::{Prior, sample};
    use gan_playground::metrics::{ClassifierConfig, classify};
    let device = Device::flex();
    let sampling = Sampling {
        prior: Prior::Normal,
        samples: 1000,
        seed: 0,
    };
    for (model, labelled) in [("mnist", true), ("fashion", true), ("emoji", false)] {
        let bytes = weights(&format!("{model}-generator.safetensors"));
        let config = infer_generator_config(&bytes).unwrap();
        let g = generator_from_safetensors(&config, &bytes, &device).unwrap();
        let cconfig = ClassifierConfig::default();
        let classifier = labelled.then(|| {
            classifier_from_burn(
                &cconfig,
                &asset(&format!("weights/classifier-{model}.bpk")),
                &device,
            )
            .unwrap()
        });
        let n = 64;
        let z = sample(Prior::Normal, n, config.latent, 7);
        let images = |z: &[f32]| -> Vec<f32> {
            g.forward(Tensor::from_data(
                TensorData::new(z.to_vec(), [n, config.latent]),
                &device,
            ))
            .into_data()
            .try_into_vec()
            .unwrap()
        };
        let labels = |x: &[f32]| -> Option<Vec<usize>> {
            let c = classifier.as_ref()?;
            let t = Tensor::from_data(TensorData::new(x.to_vec(), [n, 1, 28, 28]), &device);
            let (p, _) = classify(c, &t, 64).unwrap();
            Some(
                p.chunks(10)
                    .map(|p| (0..10).fold(0, |b, k| if p[k] > p[b] { k } else { b }))
                    .collect(),
            )
        };
        let at = images(&z);
        let at_labels = labels(&at);
        // (pixel change, share of predicted classes changed) for a unit step along v.
        let change = |v: &[f32]| -> (f64, Option<f64>) {
            let moved: Vec<f32> = z
                .iter()
                .enumerate()
                .map(|(i, x)| x + v[i % config.latent])
                .collect();
            let after = images(&moved);
            let pixels = at
                .iter()
                .zip(&after)
                .map(|(a, b)| (a - b).abs() as f64)
                .sum::<f64>()
                / at.len() as f64;
            let classes = labels(&after)
                .zip(at_labels.as_ref())
                .map(|(b, a)| a.iter().zip(&b).filter(|(x, y)| x != y).count() as f64 / n as f64);
            (pixels, classes)
        };
        let mean = |xs: &[(f64, Option<f64>)]| -> (f64, Option<f64>) {
            let p = xs.iter().map(|x| x.0).sum::<f64>() / xs.len() as f64;
            let c = xs
                .iter()
                .map(|x| x.1)
                .collect::<Option<Vec<f64>>>()
                .map(|c| c.iter().sum::<f64>() / c.len() as f64);
            (p, c)
        };
        let random: Vec<_> = (0..5)
            .map(|k| {
                let r = sample(Prior::Normal, 1, config.latent, 1000 + k);
                let norm = r.iter().map(|x| x * x).sum::<f32>().sqrt();
                change(&r.iter().map(|x| x / norm).collect::<Vec<_>>())
            })
            .collect();
        let random = mean(&random);
        let show = |xs: &[(f64, Option<f64>)]| {
            xs.iter()
                .map(|(p, c)| match c {
                    Some(c) => format!("{p:.3} ({:.0}%)", 100.0 * c),
                    None => format!("{p:.3}"),
                })
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let mut methods = vec![
            ("SeFa", sefa(&bytes, 5).unwrap().vectors),
            ("PCA", pca(&bytes, 5, &sampling).unwrap().vectors),
        ];
        if let Some(c) = &classifier {
            let names: Vec<String> = (0..10).map(|k| k.to_string()).collect();
            let found = classes(
                &bytes,
                c,
                &cconfig,
                &names,
                &Sampling {
                    samples: 2000,
                    ..sampling
                },
                &device,
            )
            .unwrap();
            methods.push(("toward a class", found.vectors));
        }
        println!("{model}: random (mean of 5) {}", show(&[random]));
        for (method, vectors) in methods {
            let along: Vec<_> = vectors.iter().map(|v| change(v)).collect();
            println!(
                "{model}: {method}: {} (mean {})",
                show(&along),
                show(&[mean(&along)])
            );
            assert!(
                along[0].0 > random.0,
                "{model}, {method} 1: {:?} against random {random:?}",
                along[0]
            );
            if method == "toward a class" {
                assert!(
                    mean(&along).1 > random.1,
                    "{model}: {:?} against {random:?}",
                    mean(&along)
                );
            }
        }
    }
}

fn asset(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/assets/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn least_squares_recovers_a_known_linear_map_exactly() {
    use gan_playground::directions::least_squares;
    use gan_playground::latent::{Prior, sample};
    let (n, p, q) = (300, 5, 7);
    let x: Vec<f64> = sample(Prior::Normal, n, p, 1)
        .iter()
        .map(|v| *v as f64)
        .collect();
    let b: Vec<f64> = sample(Prior::Uniform, p, q, 2)
        .iter()
        .map(|v| *v as f64)
        .collect();
    let y: Vec<f64> = (0..n * q)
        .map(|iq| {
            (0..p)
                .map(|k| x[(iq / q) * p + k] * b[k * q + iq % q])
                .sum()
        })
        .collect();
    let found = least_squares(&x, &y, n, p, q).unwrap();
    for (f, want) in found.iter().zip(&b) {
        assert!((f - want).abs() < 1e-9, "{f} against {want}");
    }
    // Dependent columns, and sizes that do not agree, are refused.
    let twice: Vec<f64> = (0..n * 2).map(|i| x[(i / 2) * p]).collect();
    assert!(least_squares(&twice, &y[..n], n, 2, 1).is_err());
    assert!(least_squares(&x, &y, n, p, q + 1).is_err());
}

#[test]
fn feature_space_pca_gives_unit_directions_of_falling_variance() {
    use gan_playground::directions::{Sampling, pca};
    use gan_playground::latent::Prior;
    let sampling = Sampling {
        prior: Prior::Normal,
        samples: 1000,
        seed: 3,
    };
    for file in ["mnist-generator.safetensors", "emoji-generator.safetensors"] {
        let w = weights(file);
        let d = pca(&w, 5, &sampling).unwrap();
        assert_eq!(d.names, ["PCA 1", "PCA 2", "PCA 3", "PCA 4", "PCA 5"]);
        assert!(
            d.strengths.windows(2).all(|s| s[0] >= s[1]),
            "{:?}",
            d.strengths
        );
        for v in &d.vectors {
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        // The top component is found: a longer, wider run agrees with it (up to sign).
        let again = pca(&w, 12, &sampling).unwrap();
        let dot: f32 = d.vectors[0]
            .iter()
            .zip(&again.vectors[0])
            .map(|(a, b)| a * b)
            .sum();
        assert!(dot.abs() > 0.99, "{file}: PCA 1 moved ({dot})");
        assert!((d.strengths[0] / again.strengths[0] - 1.0).abs() < 1e-3);
        // It is not SeFa's: the ReLU after the first layer makes it differ.
        let s = sefa(&w, 1).unwrap();
        let dot: f32 = d.vectors[0]
            .iter()
            .zip(&s.vectors[0])
            .map(|(a, b)| a * b)
            .sum();
        assert!(dot.abs() < 0.999, "{file}: PCA 1 is SeFa 1");
        // Bad counts and sample sizes are refused.
        assert!(pca(&w, 0, &sampling).is_err());
        assert!(
            pca(
                &w,
                5,
                &Sampling {
                    samples: 4,
                    ..sampling
                }
            )
            .is_err()
        );
    }
}

#[test]
fn class_boundaries_separate_the_set_they_were_fit_on() {
    use gan_playground::directions::fit_boundaries;
    use gan_playground::latent::{Prior, sample};
    // Three classes cut out of z by known directions: class 1 beyond +0.5 along e0, class 2
    // beyond +0.5 along e1 (and not class 1), the rest class 0.
    let (n, latent) = (1500, 10);
    let z = sample(Prior::Normal, n, latent, 9);
    let labels: Vec<usize> = z
        .chunks(latent)
        .map(|r| {
            if r[0] > 0.5 {
                1
            } else if r[1] > 0.5 {
                2
            } else {
                0
            }
        })
        .collect();
    let fits = fit_boundaries(&z, &labels, latent, 4).unwrap();
    assert_eq!(fits.iter().map(|f| f.class).collect::<Vec<_>>(), [0, 1, 2]); // class 3 is empty
    // Class 1 is a half-space: its boundary is exact but for the ridge. Classes 0 and 2 are
    // corners (two half-spaces each), which one boundary can only approximate.
    assert!(fits[1].accuracy > 0.98, "{}", fits[1].accuracy);
    for f in &fits {
        assert!(f.accuracy > 0.75, "class {}: {}", f.class, f.accuracy);
    }
    // Class 1's normal points along +e0.
    assert!(fits[1].normal[0] > 0.9, "{:?}", fits[1].normal);
    // Class 2's leans toward +e1 and away from e0.
    assert!(
        fits[2].normal[1] > 0.5 && fits[2].normal[0] < 0.0,
        "{:?}",
        fits[2].normal
    );
    // Labels that do not fit are refused; one class alone has no boundary.
    assert!(fit_boundaries(&z, &labels[1..], latent, 4).is_err());
    assert!(fit_boundaries(&z, &vec![0; n], latent, 4).is_err());
}

/// The MNIST generator's "toward" directions, from its samples and the quality classifier;
/// what a unit step does to the predicted class is measured (docs/LATENT.md quotes it).
#[test]
fn a_step_toward_a_class_makes_more_of_it() {
    use burn::tensor::{Device, Tensor, TensorData};
    use gan_playground::checkpoint::{
        classifier_from_burn, generator_from_safetensors, infer_generator_config,
    };
    use gan_playground::directions::{Sampling, classes};
    use gan_playground::latent::{Prior, sample};
    use gan_playground::metrics::{ClassifierConfig, classify};
    let device = Device::flex();
    for (model, classes_named) in [("mnist", 10), ("fashion", 10)] {
        let w = asset(&format!("weights/{model}-generator.safetensors"));
        let config = ClassifierConfig::default();
        let classifier = classifier_from_burn(
            &config,
            &asset(&format!("weights/classifier-{model}.bpk")),
            &device,
        )
        .unwrap();
        let names: Vec<String> = (0..classes_named).map(|c| c.to_string()).collect();
        let sampling = Sampling {
            prior: Prior::Normal,
            samples: 2000,
            seed: 5,
        };
        let d = classes(&w, &classifier, &config, &names, &sampling, &device).unwrap();
        assert!(d.vectors.len() >= 8, "{model}: {:?}", d.names);
        let gconfig = infer_generator_config(&w).unwrap();
        let g = generator_from_safetensors(&gconfig, &w, &device).unwrap();
        let n = 200;
        let z = sample(Prior::Normal, n, 100, 77);
        let labels = |z: &[f32]| -> Vec<usize> {
            let images = g.forward(Tensor::from_data(
                TensorData::new(z.to_vec(), [n, 100]),
                &device,
            ));
            let (p, _) = classify(&classifier, &images, 200).unwrap();
            p.chunks(10)
                .map(|p| (0..10).fold(0, |b, k| if p[k] > p[b] { k } else { b }))
                .collect()
        };
        let before = labels(&z);
        let mut line = Vec::new();
        for (v, name) in d.vectors.iter().zip(&d.names) {
            let class: usize = name.trim_start_matches("toward ").parse().unwrap();
            let share = |l: &[usize]| l.iter().filter(|&&c| c == class).count() as f64 / n as f64;
            let moved: Vec<f32> = z
                .iter()
                .enumerate()
                .map(|(i, x)| x + 2.0 * v[i % 100])
                .collect();
            let after = labels(&moved);
            let changed =
                before.iter().zip(&after).filter(|(a, b)| a != b).count() as f64 / n as f64;
            line.push(format!(
                "{class}: {:.2}→{:.2} (changed {:.2})",
                share(&before),
                share(&after),
                changed
            ));
            assert!(
                share(&after) > share(&before),
                "{model} toward {class}: {}",
                line.last().unwrap()
            );
        }
        println!(
            "{model}, two unit steps toward each class, share of it before→after: {}",
            line.join("; ")
        );
    }
}
