//! DiffAugment for D: each transform does what it says, the draws are a pure function of
//! (seed, stream), gradients pass through, and a run with it resumes exactly.

use crate::common;

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::RunSnapshot;
use gan_playground::train::{Augment, TrainConfig, Trainer};

fn values(t: Tensor<4>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap()
}

/// `[b, c, s, s]` with a distinct value at every pixel.
fn ramp(b: usize, c: usize, s: usize, device: &Device) -> Tensor<4> {
    let n = b * c * s * s;
    let v: Vec<f32> = (0..n).map(|i| (i % 97) as f32 / 97.0 - 0.4).collect();
    Tensor::from_data(TensorData::new(v, [b, c, s, s]), device)
}

#[test]
fn none_is_the_identity_and_the_policy_parses() {
    let device = Device::flex();
    let x = ramp(2, 1, 8, &device);
    assert_eq!(values(Augment::default().apply(x.clone(), 1, 0)), values(x));
    assert_eq!(
        Augment::parse("translation,cutout,colour").unwrap(),
        Augment::ALL
    );
    assert!(Augment::parse("color").unwrap().colour);
    assert_eq!(Augment::parse("none").unwrap(), Augment::default());
    assert!(Augment::parse("flip").unwrap_err().contains("flip"));
}

#[test]
fn draws_are_a_function_of_seed_and_stream() {
    let device = Device::flex();
    let x = ramp(4, 3, 16, &device);
    let a = |seed, stream| values(Augment::ALL.apply(x.clone(), seed, stream));
    assert_eq!(a(1, 5), a(1, 5));
    assert_ne!(a(1, 5), a(1, 6));
    assert_ne!(a(1, 5), a(2, 5));
}

#[test]
fn translation_moves_each_image_by_a_whole_number_of_pixels() {
    let device = Device::flex();
    let (b, s) = (8, 16);
    let x = ramp(b, 1, s, &device);
    let input = values(x.clone());
    let translation = Augment {
        translation: true,
        ..Augment::default()
    };
    let out = values(translation.apply(x, 3, 0));
    let mut moved = 0;
    for i in 0..b {
        let plane = |v: &[f32], y: i64, x: i64| v[i * s * s + y as usize * s + x as usize];
        // Find the shift that explains the output, and check every pixel with it.
        let reach = (s / 8) as i64;
        let found = (-reach..=reach)
            .flat_map(|dy| (-reach..=reach).map(move |dx| (dy, dx)))
            .find(|&(dy, dx)| {
                (0..s as i64).all(|y| {
                    (0..s as i64).all(|x| {
                        let (fy, fx) = (y - dy, x - dx);
                        let expected = if (0..s as i64).contains(&fy) && (0..s as i64).contains(&fx)
                        {
                            plane(&input, fy, fx)
                        } else {
                            0.0
                        };
                        (plane(&out, y, x) - expected).abs() < 1e-6
                    })
                })
            });
        let (dy, dx) = found.unwrap_or_else(|| panic!("image {i} is not a shift of its input"));
        moved += (dy != 0 || dx != 0) as usize;
    }
    assert!(moved > 0, "some image moved");
}

#[test]
fn cutout_zeroes_a_square_of_half_the_side_at_most() {
    let device = Device::flex();
    let (b, s) = (6, 16);
    let x = Tensor::<4>::ones([b, 2, s, s], &device);
    let cutout = Augment {
        cutout: true,
        ..Augment::default()
    };
    let out = values(cutout.apply(x, 9, 1));
    for i in 0..b {
        for c in 0..2 {
            let plane = &out[(i * 2 + c) * s * s..][..s * s];
            let zeros = plane.iter().filter(|v| **v == 0.0).count();
            assert!(
                zeros > 0 && zeros <= (s / 2) * (s / 2),
                "image {i}: {zeros} zeros"
            );
            assert!(plane.iter().all(|v| *v == 0.0 || *v == 1.0));
        }
        // The same square in every channel.
        assert_eq!(
            out[i * 2 * s * s..][..s * s],
            out[(i * 2 + 1) * s * s..][..s * s]
        );
    }
}

#[test]
fn colour_changes_brightness_saturation_and_contrast() {
    let device = Device::flex();
    let x = ramp(4, 3, 8, &device);
    let colour = Augment {
        colour: true,
        ..Augment::default()
    };
    let (before, after) = (values(x.clone()), values(colour.apply(x, 4, 2)));
    assert_ne!(before, after);
    assert!(after.iter().all(|v| v.is_finite()));
}

#[test]
fn gradients_pass_through_every_transform() {
    let device = Device::flex().autodiff();
    let x = ramp(4, 3, 16, &device).require_grad();
    let y = Augment::ALL.apply(x.clone(), 1, 0);
    let grads = y.sum().backward();
    let g: Vec<f32> = x.grad(&grads).unwrap().into_data().try_into_vec().unwrap();
    assert!(g.iter().any(|v| *v != 0.0), "no gradient reached the input");
    assert!(g.iter().all(|v| v.is_finite()));
}

#[test]
fn a_run_with_augmentation_resumes_exactly() {
    let device = Device::flex();
    let images = common::mnist_slice();
    let config = TrainConfig {
        batch_size: 8,
        augment: Augment::ALL,
        ..common::tiny_config(3)
    };
    let mut whole = Trainer::new(common::tiny_model(), config.clone(), &device).unwrap();
    let mut plain = Trainer::new(
        common::tiny_model(),
        TrainConfig {
            augment: Augment::default(),
            ..config
        },
        &device,
    )
    .unwrap();
    for _ in 0..2 {
        whole.iteration(&images).unwrap().read().unwrap();
        plain.iteration(&images).unwrap().read().unwrap();
    }
    let snapshot = RunSnapshot::of(&whole).unwrap();
    let mut resumed = snapshot.restore(&device).unwrap();
    assert_eq!(resumed.config.augment, Augment::ALL);
    let a = whole.iteration(&images).unwrap().read().unwrap();
    let b = resumed.iteration(&images).unwrap().read().unwrap();
    assert_eq!(a.d_loss, b.d_loss);
    assert_eq!(a.g_cost, b.g_cost);
    let c = plain.iteration(&images).unwrap().read().unwrap();
    assert_ne!(a.d_loss, c.d_loss, "the augmentation changes what D sees");
}
