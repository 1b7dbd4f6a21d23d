//! The quality metric on real data, and the shipped generators against their recorded figures
//! (docs/QUALITY.md). Everything here uses committed files: assets/weights and assets/data.

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::{
    classifier_from_burn, generator_from_safetensors, infer_generator_config,
};
use gan_playground::data::ImageSet;
use gan_playground::latent::{Prior, sample};
use gan_playground::metrics::{
    Classifier, ClassifierConfig, FeatureStats, Quality, quality, reference_stats,
};

fn asset(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/assets/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

struct Setup {
    device: Device,
    config: ClassifierConfig,
    classifier: Classifier,
    set: ImageSet,
}

fn setup(dataset: &str, subset: &str) -> Setup {
    let device = Device::flex();
    let config = ClassifierConfig::default();
    let classifier = classifier_from_burn(
        &config,
        &asset(&format!("weights/classifier-{dataset}.bpk")),
        &device,
    )
    .unwrap();
    let set = ImageSet::from_idx_bytes(
        &asset(&format!("data/{dataset}/{subset}-images-idx3-ubyte.gz")),
        None,
    )
    .unwrap();
    Setup {
        device,
        config,
        classifier,
        set,
    }
}

impl Setup {
    fn reference(&self, range: std::ops::Range<usize>) -> FeatureStats {
        let idx: Vec<usize> = range.collect();
        reference_stats(
            &self.classifier,
            &self.config,
            &self.set,
            &idx,
            &self.device,
        )
        .unwrap()
    }

    /// The recorded recipe: 500 samples from seed 0 (normal prior) against the whole subset.
    fn generator_quality(&self, weights: &str) -> Quality {
        let bytes = asset(weights);
        let model = infer_generator_config(&bytes).unwrap();
        let g = generator_from_safetensors(&model, &bytes, &self.device).unwrap();
        let z = sample(Prior::Normal, 500, model.latent, 0);
        let images = g.forward(Tensor::from_data(
            TensorData::new(z, [500, model.latent]),
            &self.device,
        ));
        quality(
            &self.classifier,
            &self.config,
            &images,
            &self.reference(0..self.set.count),
        )
        .unwrap()
    }
}

fn noise(n: usize, device: &Device) -> Tensor<4> {
    let v = sample(Prior::Uniform, n, 28 * 28, 5);
    Tensor::from_data(TensorData::new(v, [n, 1, 28, 28]), device)
}

#[test]
fn the_metric_scores_real_images_high_and_noise_low() {
    for (dataset, subset, half) in [("mnist", "train-10k", 5000), ("fashion", "train-5k", 2500)] {
        let s = setup(dataset, subset);
        let reference = s.reference(0..half);
        let held_out: Vec<usize> = (half..2 * half).collect();
        let real = quality(
            &s.classifier,
            &s.config,
            &s.set.batch(&held_out, &s.device),
            &reference,
        )
        .unwrap();
        let fake = quality(
            &s.classifier,
            &s.config,
            &noise(half, &s.device),
            &reference,
        )
        .unwrap();
        assert!(real.classifier_score > 8.0, "{dataset} real: {real:?}");
        assert!(real.frechet_distance < 20.0, "{dataset} real: {real:?}");
        assert!(fake.classifier_score < 2.0, "{dataset} noise: {fake:?}");
        assert!(
            fake.frechet_distance > 100.0 * real.frechet_distance,
            "{dataset}: real {real:?} noise {fake:?}"
        );
    }
}

/// Recorded in docs/QUALITY.md ("test figures"); the tolerance covers float differences
/// between machines, not a change of weights or recipe.
fn assert_recorded(q: &Quality, score: f64, fd: f64) {
    assert!(
        (q.classifier_score - score).abs() <= 0.02 * score,
        "classifier score {} vs recorded {score}",
        q.classifier_score
    );
    assert!(
        (q.frechet_distance - fd).abs() <= 0.02 * fd + 0.01,
        "Fréchet distance {} vs recorded {fd}",
        q.frechet_distance
    );
}

#[test]
fn shipped_mnist_generator_matches_its_recorded_figures() {
    let q = setup("mnist", "train-10k").generator_quality("weights/mnist-generator.safetensors");
    assert_recorded(&q, RECORDED_MNIST.0, RECORDED_MNIST.1);
}

#[test]
fn shipped_fashion_generator_matches_its_recorded_figures() {
    let q = setup("fashion", "train-5k").generator_quality("weights/fashion-generator.safetensors");
    assert_recorded(&q, RECORDED_FASHION.0, RECORDED_FASHION.1);
}

#[test]
fn shipped_emoji_generator_makes_varied_colour_images() {
    let device = Device::flex();
    let bytes = asset("weights/emoji-generator.safetensors");
    let model = infer_generator_config(&bytes).unwrap();
    assert_eq!((model.image_size, model.channels), (32, 3));
    let g = generator_from_safetensors(&model, &bytes, &device).unwrap();
    let z = sample(Prior::Normal, 64, model.latent, 0);
    let v: Vec<f32> = g
        .forward(Tensor::from_data(
            TensorData::new(z, [64, model.latent]),
            &device,
        ))
        .into_data()
        .try_into_vec()
        .unwrap();
    assert!(v.iter().all(|x| x.is_finite() && (-1.0..=1.0).contains(x)));
    // Mostly white background (emoji sit on white), and samples differ from one another.
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    assert!(mean > 0.0, "mean {mean}");
    let per = 3 * 32 * 32;
    let spread = (0..per).map(|i| {
        let col: Vec<f32> = (0..64).map(|s| v[s * per + i]).collect();
        let m = col.iter().sum::<f32>() / 64.0;
        col.iter().map(|x| (x - m).powi(2)).sum::<f32>() / 64.0
    });
    let mean_var = spread.sum::<f32>() / per as f32;
    assert!(
        mean_var > 0.02,
        "samples barely differ: per-pixel variance {mean_var}"
    );
}

const RECORDED_MNIST: (f64, f64) = (8.571, 51.499);
const RECORDED_FASHION: (f64, f64) = (6.636, 28.564);
