//! The sub-pixel form of G's stride-2 transposed convolution is the same function of the same
//! weights: equal outputs and equal gradients (for the input and the weight) on every stride-2
//! layer shape of the studio's presets, and a whole generator gives the same images either way.

use burn::module::Module;
use burn::tensor::module::conv_transpose2d;
use burn::tensor::ops::ConvTransposeOptions;
use burn::tensor::{Device, Distribution, Tensor};
use gan_playground::latent::{self, Prior};
use gan_playground::model::{Generator, Upsample, conv_transpose_stride2};
use gan_playground::studio::Preset;

use crate::common::max_abs_diff;

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap()
}

/// Within float32 rounding: relative to the largest value compared (a weight's gradient sums
/// thousands of products).
const TOL: f32 = 1e-5;

fn close(a: &[f32], b: &[f32]) -> Result<(), f32> {
    let scale = b.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let err = max_abs_diff(a, b);
    if err <= TOL * scale {
        Ok(())
    } else {
        Err(err / scale)
    }
}

#[test]
fn sub_pixel_equals_the_transposed_convolution_forward_and_backward() {
    let device = Device::flex().autodiff();
    let mut shapes = Vec::new();
    for preset in Preset::ALL {
        for channels in [1, 3] {
            let model = preset.model(channels).unwrap();
            let mut size = model.generator_layers()[0].kernel; // G's first map
            for l in model.generator_layers().iter().skip(1) {
                if l.stride == 2 {
                    assert_eq!((l.kernel, l.padding), (4, 1), "{preset:?}");
                    shapes.push((l.input, l.output, size));
                    size *= 2;
                }
            }
        }
    }
    shapes.dedup();
    assert!(shapes.len() >= 8, "{shapes:?}");
    for (cin, cout, s) in shapes {
        let x0 = Tensor::<4>::random([2, cin, s, s], Distribution::Normal(0.0, 1.0), &device);
        let w0 = Tensor::<4>::random([cin, cout, 4, 4], Distribution::Normal(0.0, 0.02), &device);
        // A weighting of the output, so the gradient differs from pixel to pixel.
        let r = Tensor::<4>::random(
            [2, cout, 2 * s, 2 * s],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let run = |sub_pixel: bool| {
            let (x, w) = (x0.clone().require_grad(), w0.clone().require_grad());
            let y = match sub_pixel {
                true => conv_transpose_stride2(x.clone(), w.clone()),
                false => conv_transpose2d(
                    x.clone(),
                    w.clone(),
                    None,
                    ConvTransposeOptions::new([2, 2], [1, 1], [0, 0], [1, 1], 1),
                ),
            };
            let grads = (y.clone() * r.clone()).sum().backward();
            let (gx, gw) = (x.grad(&grads).unwrap(), w.grad(&grads).unwrap());
            (values(y.inner()), values(gx), values(gw))
        };
        let (y, gx, gw) = run(false);
        let (ys, gxs, gws) = run(true);
        let what = format!("{cin}→{cout} at {s}×{s}");
        assert_eq!(ys.len(), y.len(), "{what}: output size");
        for (name, ours, theirs) in [
            ("outputs", &ys, &y),
            ("input gradients", &gxs, &gx),
            ("weight gradients", &gws, &gw),
        ] {
            if let Err(relative) = close(ours, theirs) {
                panic!("{what}: {name} differ by {relative:e} of their largest");
            }
        }
        assert!(
            y.iter().any(|v| v.abs() > 100.0 * TOL),
            "{what}: the check is not vacuous"
        );
    }
}

#[test]
fn a_generator_draws_the_same_images_either_way() {
    let device = Device::flex();
    for preset in [Preset::Tiny28, Preset::Small32] {
        let model = preset.model(3).unwrap();
        let g = Generator::init(&model, 5, &device).unwrap();
        let z = latent::sample(Prior::Normal, 4, model.latent, 1);
        let draw = || {
            values(
                g.valid()
                    .forward(latent::to_tensor(z.clone(), model.latent, &device).unwrap()),
            )
        };
        let plain = draw();
        Upsample::SubPixel.choose();
        let sub_pixel = draw();
        Upsample::Transposed.choose();
        assert_eq!(Upsample::current(), Upsample::Transposed);
        assert!(max_abs_diff(&plain, &sub_pixel) < TOL, "{preset:?}");
    }
    assert_eq!(Upsample::parse("sub-pixel"), Ok(Upsample::SubPixel));
    assert!(
        Upsample::parse("bilinear")
            .unwrap_err()
            .contains("transposed or sub-pixel")
    );
}
