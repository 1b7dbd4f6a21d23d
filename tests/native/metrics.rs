use crate::common;

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::metrics::*;

#[test]
fn classifier_score_spans_one_to_the_number_of_classes() {
    // Confident and evenly spread over 10 classes: the maximum, 10.
    let mut confident = vec![0.0f32; 100 * 10];
    (0..100).for_each(|i| confident[i * 10 + i % 10] = 1.0);
    assert!((classifier_score(&confident, 10).unwrap() - 10.0).abs() < 1e-9);
    // Confident but always the same class (mode collapse): 1.
    let mut collapsed = vec![0.0f32; 100 * 10];
    (0..100).for_each(|i| collapsed[i * 10 + 3] = 1.0);
    assert!((classifier_score(&collapsed, 10).unwrap() - 1.0).abs() < 1e-9);
    // Unsure about everything: 1.
    assert!((classifier_score(&vec![0.1f32; 1000], 10).unwrap() - 1.0).abs() < 1e-6);
    // Confident over two classes only: 2.
    let mut two = vec![0.0f32; 100 * 10];
    (0..100).for_each(|i| two[i * 10 + i % 2] = 1.0);
    assert!((classifier_score(&two, 10).unwrap() - 2.0).abs() < 1e-9);
    assert!(classifier_score(&[0.5; 7], 10).is_err());
}

#[test]
fn score_factors_split_the_score_into_spread_and_sharpness() {
    // Confident over two classes: two effective classes, perfectly sharp.
    let mut two = vec![0.0f32; 100 * 10];
    (0..100).for_each(|i| two[i * 10 + i % 2] = 1.0);
    let (classes, sharp) = score_factors(&two, 10).unwrap();
    assert!((classes - 2.0).abs() < 1e-9 && (sharp - 1.0).abs() < 1e-9);
    assert_eq!(class_shares(&two, 10)[..3], [0.5, 0.5, 0.0]);
    // Every sample torn between a pair of classes, pairs spread evenly: ten effective classes,
    // sharpness 1/2 (exp of −ln 2), score 5.
    let mut torn = vec![0.0f32; 100 * 10];
    (0..100).for_each(|i| {
        torn[i * 10 + i % 10] = 0.5;
        torn[i * 10 + (i + 1) % 10] = 0.5;
    });
    let (classes, sharp) = score_factors(&torn, 10).unwrap();
    assert!((classes - 10.0).abs() < 1e-6, "{classes}");
    assert!((sharp - 0.5).abs() < 1e-6, "{sharp}");
    assert!((classifier_score(&torn, 10).unwrap() - 5.0).abs() < 1e-6);
}

#[test]
fn symmetric_eigen_reconstructs_and_psd_sqrt_squares_back() {
    let d = 6;
    let mut rng = gan_playground::latent::rng(1);
    let x =
        gan_playground::latent::sample_with(gan_playground::latent::Prior::Normal, 40, d, &mut rng);
    let m = FeatureStats::from_features(&x, d).unwrap().cov;
    let (values, vectors) = symmetric_eigen(&m, d);
    for i in 0..d {
        for j in 0..d {
            let r: f64 = (0..d)
                .map(|k| vectors[i * d + k] * values[k] * vectors[j * d + k])
                .sum();
            assert!(
                (r - m[i * d + j]).abs() < 1e-10,
                "({i},{j}) {r} vs {}",
                m[i * d + j]
            );
        }
    }
    let root = psd_sqrt(&m, d);
    for i in 0..d {
        for j in 0..d {
            let sq: f64 = (0..d).map(|k| root[i * d + k] * root[k * d + j]).sum();
            assert!((sq - m[i * d + j]).abs() < 1e-10);
        }
    }
}

#[test]
fn frechet_distance_of_known_gaussians() {
    let d = 4;
    let n = 4000;
    let a = gan_playground::latent::sample(gan_playground::latent::Prior::Normal, n, d, 1);
    let b = gan_playground::latent::sample(gan_playground::latent::Prior::Normal, n, d, 2);
    let sa = FeatureStats::from_features(&a, d).unwrap();
    let sb = FeatureStats::from_features(&b, d).unwrap();
    assert!(frechet_distance(&sa, &sa).unwrap() < 1e-9);
    assert!(frechet_distance(&sa, &sb).unwrap() < 0.05);
    // Shift every dimension by 1: distance ‖Δμ‖² = d.
    let shifted: Vec<f32> = b.iter().map(|v| v + 1.0).collect();
    let fd = frechet_distance(&sa, &FeatureStats::from_features(&shifted, d).unwrap()).unwrap();
    assert!((fd - d as f64).abs() < 0.1, "{fd}");
    // Scale by 2: covariance 4I vs I: Tr(I + 4I − 2·2I) = d.
    let scaled: Vec<f32> = b.iter().map(|v| v * 2.0).collect();
    let fd = frechet_distance(&sa, &FeatureStats::from_features(&scaled, d).unwrap()).unwrap();
    assert!((fd - d as f64).abs() < 0.2, "{fd}");
    assert!(FeatureStats::from_features(&a[..d], d).is_err());
}

#[test]
fn a_briefly_trained_classifier_separates_real_digits_from_noise() {
    let device = Device::flex();
    let mut set = common::mnist_slice();
    set.labels = Some(
        gan_playground::data::ImageSet::from_idx_bytes(
            &std::fs::read(common::MNIST_IMAGES).unwrap(),
            Some(
                &std::fs::read(common::MNIST_IMAGES.replace("images-idx3", "labels-idx1")).unwrap(),
            ),
        )
        .unwrap()
        .labels
        .unwrap(),
    );
    let config = ClassifierConfig::default();
    let classifier = train_classifier(&config, &set, 3, 50, 0, &device, |_, _, _| {}).unwrap();
    let acc = accuracy(&classifier, &set, &device).unwrap();
    assert!(acc > 0.8, "training accuracy {acc}");
    let all: Vec<usize> = (0..500).collect();
    let real = set.batch(&all, &device);
    let (_, feats) = classify(&classifier, &real, 100).unwrap();
    let reference = FeatureStats::from_features(&feats, config.features).unwrap();
    let other: Vec<usize> = (500..1000).collect();
    let real_q = quality(
        &classifier,
        &config,
        &set.batch(&other, &device),
        &reference,
    )
    .unwrap();
    let noise =
        gan_playground::latent::sample(gan_playground::latent::Prior::Uniform, 500, 28 * 28, 3);
    let noise = Tensor::<4>::from_data(TensorData::new(noise, [500, 1, 28, 28]), &device);
    let noise_q = quality(&classifier, &config, &noise, &reference).unwrap();
    // Real digits: confident and varied; noise: one confused guess, far away in features.
    assert!(real_q.classifier_score > 5.0, "{real_q:?}");
    assert!(noise_q.classifier_score < 2.0, "{noise_q:?}");
    assert!(
        noise_q.frechet_distance > 10.0 * real_q.frechet_distance,
        "{real_q:?} {noise_q:?}"
    );
}

#[test]
fn a_meter_reads_real_digits_near_its_floor_and_noise_far_from_it() {
    use burn::tensor::{Distribution, Tensor};
    use gan_playground::metrics::Meter;
    let device = burn::tensor::Device::flex();
    let real = crate::common::mnist_slice();
    let classifier = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/weights/classifier-mnist.bpk"
    ))
    .unwrap();
    let config = gan_playground::metrics::ClassifierConfig::for_images(&real);
    let built =
        || gan_playground::checkpoint::classifier_from_burn(&config, &classifier, &device).unwrap();
    assert!(
        Meter::new(built(), &real, 600, 1, &device).is_err(),
        "more than half the set"
    );
    assert!(
        gan_playground::checkpoint::classifier_from_burn(&config, b"not a record", &device)
            .is_err()
    );
    let meter = Meter::new(built(), &real, 200, 1, &device).unwrap();
    assert!(meter.floor > 0.0);
    let digits = real.batch(&(800..1000).collect::<Vec<_>>(), &device);
    let on_real = meter.measure(digits.clone()).unwrap();
    assert!(on_real.quality.classifier_score > 8.0, "{on_real:?}");
    let noise = Tensor::<4>::random([200, 1, 28, 28], Distribution::Uniform(-1.0, 1.0), &device);
    let on_noise = meter.measure(noise).unwrap();
    assert!(
        on_noise.quality.frechet_distance > 10.0 * on_real.quality.frechet_distance,
        "{on_noise:?} vs {on_real:?}"
    );
    // A 32- or 64-pixel model's images are brought back to 28 pixels: padded digits read as digits.
    let padded = real.take(1000).fit_to(64).unwrap();
    let big = padded.batch(&(800..1000).collect::<Vec<_>>(), &device);
    let on_big = meter.measure(big).unwrap();
    assert!(
        (on_big.quality.frechet_distance - on_real.quality.frechet_distance).abs()
            < 1e-3 * on_real.quality.frechet_distance.max(1.0)
    );
    let odd = Tensor::<4>::zeros([4, 1, 20, 20], &device);
    assert!(meter.measure(odd).is_err());
}

#[test]
fn a_classifier_read_from_its_record_computes_what_the_trained_one_does() {
    // The record is read into ClassifierConfig::empty (zeros, no Burn initialisers), and the
    // linear layers run as convolutions: the same logits and features as the module that was
    // written, and as reshape + Linear::forward.
    let device = Device::flex();
    let config = ClassifierConfig::default();
    let trained = config.init(3, &device);
    let bytes = gan_playground::checkpoint::to_burn_record(&trained).unwrap();
    let read = gan_playground::checkpoint::classifier_from_burn(&config, &bytes, &device).unwrap();
    let x = Tensor::<4>::random(
        [5, 1, 28, 28],
        burn::tensor::Distribution::Uniform(-1.0, 1.0),
        &device,
    );
    let (logits, features) = read.forward(x.clone());
    let (want_logits, want_features) = trained.forward(x.clone());
    let values = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(values(logits.clone()), values(want_logits));
    assert_eq!(values(features.clone()), values(want_features));

    let mut h = x;
    for conv in &trained.convs {
        h = burn::tensor::activation::relu(conv.forward(h));
    }
    let [b, c, s, _] = h.dims();
    let by_linear =
        burn::tensor::activation::relu(trained.hidden.forward(h.reshape([b, c * s * s])));
    let by_linear_logits = trained.output.forward(by_linear.clone());
    for (got, want) in [(features, by_linear), (logits, by_linear_logits)] {
        let biggest = values(want.clone())
            .iter()
            .fold(0f32, |m, v| m.max(v.abs()));
        let gap = values(got)
            .iter()
            .zip(values(want))
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            gap <= 1e-5 * biggest.max(1.0),
            "as a convolution: {gap} away (values up to {biggest})"
        );
    }
}

#[test]
fn a_classifier_record_of_another_shape_is_refused() {
    let device = Device::flex();
    let wide = ClassifierConfig {
        width: 8,
        ..ClassifierConfig::default()
    };
    let bytes = gan_playground::checkpoint::to_burn_record(&wide.init(1, &device)).unwrap();
    assert!(
        gan_playground::checkpoint::classifier_from_burn(
            &ClassifierConfig::default(),
            &bytes,
            &device
        )
        .is_err()
    );
}
