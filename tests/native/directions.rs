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

/// What a unit step along each direction does to the images, for each shipped generator:
/// the mean absolute change per pixel (images in [−1, 1]) over 64 z from the prior, for the
/// five SeFa directions and for five random unit directions. Printed (docs/LATENT.md quotes
/// `cargo test --tests --no-default-features directions -- --nocapture`), and checked: the
/// first SeFa direction changes the images more than a random direction does on average.
#[test]
fn a_unit_step_along_sefa_changes_the_images_more_than_a_random_one() {
    use burn::tensor::{Device, Tensor, TensorData};
    use gan_playground::checkpoint::{generator_from_safetensors, infer_generator_config};
    use gan_playground::latent::{Prior, sample};
    let device = Device::flex();
    for file in [
        "mnist-generator.safetensors",
        "fashion-generator.safetensors",
        "emoji-generator.safetensors",
    ] {
        let bytes = weights(file);
        let config = infer_generator_config(&bytes).unwrap();
        let g = generator_from_safetensors(&config, &bytes, &device).unwrap();
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
        let at = images(&z);
        let change = |v: &[f32]| {
            let moved: Vec<f32> = z
                .iter()
                .enumerate()
                .map(|(i, x)| x + v[i % config.latent])
                .collect();
            let after = images(&moved);
            at.iter()
                .zip(&after)
                .map(|(a, b)| (a - b).abs() as f64)
                .sum::<f64>()
                / at.len() as f64
        };
        let sefa = sefa(&bytes, 5).unwrap();
        let along: Vec<f64> = sefa.vectors.iter().map(|v| change(v)).collect();
        let random: Vec<f64> = (0..5)
            .map(|k| {
                let r = sample(Prior::Normal, 1, config.latent, 1000 + k);
                let norm = r.iter().map(|x| x * x).sum::<f32>().sqrt();
                change(&r.iter().map(|x| x / norm).collect::<Vec<_>>())
            })
            .collect();
        let mean_random = random.iter().sum::<f64>() / random.len() as f64;
        println!(
            "{file}: SeFa 1–5 {:.4?}; random {:.4?} (mean {mean_random:.4})",
            along, random
        );
        assert!(
            along[0] > mean_random,
            "{file}: SeFa 1 {} against random {mean_random}",
            along[0]
        );
    }
}
