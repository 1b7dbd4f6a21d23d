//! The nearest training images: a training image finds itself first, at distance 0, in the
//! classifier's features and in pixels; bad queries are refused.

use burn::tensor::Device;
use gan_playground::checkpoint::classifier_from_burn;
use gan_playground::data::{ImageSet, from_rgba, normalise};
use gan_playground::metrics::ClassifierConfig;
use gan_playground::nearest::NearestIndex;

fn asset(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/assets/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn a_training_image_is_its_own_nearest() {
    let device = Device::flex();
    let set = ImageSet::from_idx_bytes(&asset("data/mnist/train-10k-images-idx3-ubyte.gz"), None)
        .unwrap()
        .take(600);
    let classifier = classifier_from_burn(
        &ClassifierConfig::default(),
        &asset("weights/classifier-mnist.bpk"),
        &device,
    )
    .unwrap();
    for by_features in [true, false] {
        let c = by_features.then(|| classifier.clone());
        let mut index = NearestIndex::new(std::rc::Rc::new(set.clone()), c).unwrap();
        assert_eq!(index.by_features(), by_features);
        assert_eq!(index.extend(250, &device).unwrap(), 350);
        while index.extend(250, &device).unwrap() > 0 {}
        let len = set.image_len();
        for i in [0, 123, 599] {
            let image: Vec<f32> = set.pixels[i * len..(i + 1) * len]
                .iter()
                .map(|b| normalise(*b))
                .collect();
            let found = index.query(&image, 28, 8, &device).unwrap();
            assert_eq!(found.len(), 8);
            assert_eq!(found[0].index, i);
            assert!(found[0].distance < 1e-3, "{}", found[0].distance);
            assert!(found.windows(2).all(|w| w[0].distance <= w[1].distance));
            // Through RGBA and back, as the page sends it: the same image.
            let rgba = index.image(i).unwrap();
            assert_eq!(from_rgba(&rgba, 1, 28).unwrap(), image);
        }
        assert!(index.query(&[0.0; 10], 28, 8, &device).is_err());
        assert!(index.query(&vec![f32::NAN; 784], 28, 8, &device).is_err());
        assert!(index.query(&vec![0.0; 784], 28, 0, &device).is_err());
        assert!(index.query(&vec![0.0; 784 * 4], 56, 8, &device).is_err());
        assert!(index.image(600).is_err());
    }
}
