//! The training studio's core: its settings and limits, fitting a dataset to a preset, and a
//! run moving between the CLI's checkpoint and the page's (one format, resumed exactly).

use crate::common;

use std::path::Path;

use burn::tensor::Device;
use gan_playground::checkpoint::{PendingSnapshot, RunSnapshot, save_run};
use gan_playground::data::ImageSet;
use gan_playground::studio::{self, LIMITS, Preset, StudioConfig};

fn tiny(seed: u64) -> StudioConfig {
    StudioConfig {
        batch_size: 8,
        seed,
        ..StudioConfig::default()
    }
}

/// A fresh tiny run on the MNIST slice after `steps` iterations, and its data.
fn trained(seed: u64, steps: usize) -> (gan_playground::Trainer, ImageSet) {
    let (mut run, images) =
        studio::new_run(&tiny(seed), &common::mnist_slice(), &Device::flex()).unwrap();
    for _ in 0..steps {
        run.iteration(&images).unwrap().read().unwrap();
    }
    (run, images)
}

/// `gan-playground train --from-run FILE` on the MNIST slice up to `iterations`, into `out`.
fn train_from(file: &Path, out: &Path, iterations: u64) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gan-playground"))
        .args(["train", "--images", common::MNIST_IMAGES])
        .args(["--iterations", &iterations.to_string()])
        .args([
            "--sample-every",
            "0",
            "--checkpoint-every",
            "0",
            "--from-run",
        ])
        .arg(file)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    (output.status.success(), stderr)
}

fn snapshot_bytes(run: &gan_playground::Trainer) -> Vec<u8> {
    PendingSnapshot::of(run)
        .unwrap()
        .read()
        .unwrap()
        .into_bytes()
}

#[test]
fn every_preset_builds_for_grey_and_colour_images() {
    for preset in Preset::ALL {
        for channels in [1, 3] {
            let model = preset.model(channels).unwrap();
            assert_eq!(model.image_size, preset.image_size());
            assert_eq!((model.channels, model.latent), (channels, studio::LATENT));
        }
    }
    let dcgan = Preset::PytorchDcgan.model(3).unwrap();
    assert_eq!(
        (dcgan.image_size, dcgan.g_width, dcgan.d_width),
        (64, 64, 64)
    );
    StudioConfig::default().validate().unwrap();
}

#[test]
fn a_setting_out_of_range_is_refused_and_named() {
    type Change = fn(&mut StudioConfig);
    let bad: [(&str, Change); 11] = [
        ("D learning rate", |c| c.lr_d = 0.0),
        ("G learning rate", |c| c.lr_g = f64::NAN),
        ("G learning rate", |c| c.lr_g = LIMITS.lr.max * 2.0),
        ("Adam β1", |c| c.beta_1 = 1.0),
        ("Adam β2", |c| c.beta_2 = -0.1),
        ("batch size", |c| c.batch_size = 1),
        ("D steps", |c| c.d_steps = 0),
        ("G steps", |c| c.g_steps = 11),
        ("seed", |c| c.seed = 1 << 40),
        ("average decay", |c| c.ema = 1.0),
        ("average decay", |c| c.ema = -0.5),
    ];
    for (name, change) in bad {
        let mut config = StudioConfig::default();
        change(&mut config);
        let e = config.validate().unwrap_err().to_string();
        assert!(e.contains(name), "{name}: {e}");
    }
}

#[test]
fn the_page_settings_are_camel_case_and_an_unknown_one_is_refused() {
    let mut json = serde_json::to_value(StudioConfig::default()).unwrap();
    assert_eq!(json["preset"], "tiny-28");
    assert_eq!(json["cost"], "non_saturating");
    assert!(json.get("lrD").is_some() && json.get("batchSize").is_some());
    assert_eq!(json["ema"], 0.0);
    assert_eq!(json["augment"]["colour"], false);
    assert_eq!(
        StudioConfig::from_options(&json),
        Ok(StudioConfig::default())
    );
    json["learningRate"] = 0.1.into();
    let e = StudioConfig::from_options(&json).unwrap_err().to_string();
    assert!(e.contains("an unknown setting “learningRate”"), "{e}");
}

#[test]
fn a_cli_checkpoint_goes_on_in_the_studio_exactly_as_it_would_have() {
    let data = common::mnist_slice();
    let device = Device::flex();
    let (mut cli, images) = trained(3, 3);
    let dir = tempfile::tempdir().unwrap();
    save_run(&cli, dir.path()).unwrap();
    let bytes = std::fs::read(dir.path().join("run.safetensors")).unwrap();
    let (mut page, page_images) = studio::restore_run(bytes, &data, &device).unwrap();
    assert_eq!(page.iteration, 3);
    for _ in 0..2 {
        let a = cli.iteration(&images).unwrap().read().unwrap();
        let b = page.iteration(&page_images).unwrap().read().unwrap();
        assert_eq!(a, b);
    }
    // The same networks and moments (the snapshot's metadata maps are unordered, so compare
    // what they hold).
    let both = [&cli, &page].map(|r| RunSnapshot::from_bytes(snapshot_bytes(r)).unwrap());
    assert_eq!(both[0].state, both[1].state);
    assert!(both[0].generator_safetensors().unwrap() == both[1].generator_safetensors().unwrap());
    let z = gan_playground::latent::sample(cli.config.prior, 4, studio::LATENT, 9);
    let [a, b] = [&cli, &page].map(|r| {
        r.sample(z.clone())
            .unwrap()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap()
    });
    assert!(a == b, "the two runs' samples differ");
}

#[test]
fn a_run_is_refused_when_its_images_are_not_the_datasets_kind_or_it_is_not_a_run() {
    let grey = common::mnist_slice();
    let device = Device::flex();
    let (run, _) = studio::new_run(&tiny(1), &grey, &device).unwrap();
    let colour = gan_playground::data::ImageSet {
        channels: 3,
        pixels: grey.pixels.repeat(3),
        ..grey.clone()
    };
    let e = studio::restore_run(snapshot_bytes(&run), &colour, &device)
        .err()
        .unwrap();
    assert!(e.to_string().contains("grey"), "{e}");
    let mut torn = snapshot_bytes(&run);
    torn.truncate(torn.len() / 2);
    assert!(studio::restore_run(torn, &grey, &device).is_err());
    let too_big = vec![0u8; LIMITS.checkpoint_bytes.max + 1];
    let e = studio::restore_run(too_big, &grey, &device).err().unwrap();
    assert!(e.to_string().contains("MB"), "{e}");
}

#[test]
fn the_generator_alone_comes_out_of_a_snapshot_as_generate_reads_it() {
    let (run, _) = trained(2, 1);
    let snapshot = RunSnapshot::from_bytes(snapshot_bytes(&run)).unwrap();
    snapshot.check().unwrap();
    let bytes = snapshot.generator_safetensors().unwrap();
    let direct = gan_playground::checkpoint::generator_to_safetensors(
        &run.model,
        &run.generator,
        gan_playground::checkpoint::Precision::F32,
    )
    .unwrap();
    assert_eq!(bytes, direct);
}

#[test]
fn the_largest_learning_rate_diverges_and_the_snapshot_check_names_it() {
    let data = common::mnist_slice();
    let device = Device::flex();
    let config = StudioConfig {
        lr_d: LIMITS.lr.max,
        lr_g: LIMITS.lr.max,
        ..tiny(1)
    };
    let (mut run, images) = studio::new_run(&config, &data, &device).unwrap();
    let mut diverged = None;
    for i in 0..5 {
        let stats = run.iteration(&images).unwrap().read().unwrap();
        if !stats.is_finite() {
            diverged = Some(i);
            break;
        }
    }
    assert!(
        diverged.is_some(),
        "lr {} did not diverge in 5 steps",
        LIMITS.lr.max
    );
    let snapshot = RunSnapshot::from_bytes(snapshot_bytes(&run)).unwrap();
    let e = snapshot.check().unwrap_err().to_string();
    assert!(e.contains("not finite"), "{e}");
}

#[test]
fn a_studio_checkpoint_goes_on_in_the_cli_exactly_as_it_would_have() {
    let (mut page, images) = trained(4, 2);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("downloaded-run.safetensors");
    let downloaded = snapshot_bytes(&page);
    std::fs::write(&file, &downloaded).unwrap();
    let out = dir.path().join("cli");
    let (ok, stderr) = train_from(&file, &out, 4);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("at iteration 2"), "{stderr}");
    for _ in 0..2 {
        page.iteration(&images).unwrap().read().unwrap();
    }
    let cli = std::fs::read(out.join("checkpoint/generator.safetensors")).unwrap();
    let ours = RunSnapshot::from_bytes(snapshot_bytes(&page))
        .unwrap()
        .generator_safetensors()
        .unwrap();
    assert!(
        cli == ours,
        "the CLI's generator differs from the page's run continued"
    );
    // Going on from a run already past the end is refused, and the file is left as it was.
    let (ok, stderr) = train_from(&file, &dir.path().join("other"), 1);
    assert!(!ok && stderr.contains("at iteration 2 already"), "{stderr}");
    assert!(
        std::fs::read(&file).unwrap() == downloaded,
        "the downloaded run was changed"
    );
}

#[test]
fn augmentation_and_the_average_travel_with_a_studio_run_to_the_cli() {
    use gan_playground::train::Augment;
    let config = StudioConfig {
        augment: Augment {
            translation: true,
            ..Augment::default()
        },
        ema: 0.9,
        ..tiny(2)
    };
    let train = config.train();
    assert_eq!((train.augment, train.ema), (config.augment, Some(0.9)));
    let (preset, back) = StudioConfig::of_run(&Preset::Tiny28.model(1).unwrap(), &train);
    assert_eq!((preset, back), (Some(Preset::Tiny28), config.clone()));
    let (mut run, images) =
        studio::new_run(&config, &common::mnist_slice(), &Device::flex()).unwrap();
    run.iteration(&images).unwrap().read().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.safetensors");
    std::fs::write(&file, snapshot_bytes(&run)).unwrap();
    let out = dir.path().join("cli");
    let (ok, stderr) = train_from(&file, &out, 2);
    assert!(ok, "{stderr}");
    let saved =
        RunSnapshot::from_bytes(std::fs::read(out.join("checkpoint/run.safetensors")).unwrap())
            .unwrap();
    assert_eq!(saved.state.config.augment, config.augment);
    assert_eq!(saved.state.config.ema, Some(0.9));
    assert!(out.join("checkpoint/generator-ema.safetensors").is_file());
}

#[test]
fn sn_gans_discriminator_is_a_studio_setting_that_a_run_and_a_recipe_keep() {
    use gan_playground::model::DiscriminatorNorm;
    use gan_playground::train::Recipe;
    let config = StudioConfig {
        spectral_norm: true,
        d_norm: DiscriminatorNorm::None,
        ..tiny(3)
    };
    let (mut run, images) =
        studio::new_run(&config, &common::mnist_slice(), &Device::flex()).unwrap();
    assert_eq!(run.model.d_norm, DiscriminatorNorm::None);
    assert!(run.discriminator.norms.is_empty());
    run.iteration(&images).unwrap().read().unwrap();
    // Restored from its checkpoint, the run reads back as the same preset and set-up.
    let (restored, _) =
        studio::restore_run(snapshot_bytes(&run), &images, &Device::flex()).unwrap();
    let (preset, back) = StudioConfig::of_run(&restored.model, &restored.config);
    assert_eq!((preset, back), (Some(Preset::Tiny28), config.clone()));
    // A recipe changes the levers, not the architecture.
    assert_eq!(
        config.with_recipe(Recipe::Dcgan).d_norm,
        DiscriminatorNorm::None
    );
    // The page's name for it, and a value it does not know refused by name.
    let mut json = serde_json::to_value(&config).unwrap();
    assert_eq!(json["dNorm"], "none");
    assert_eq!(StudioConfig::from_options(&json), Ok(config));
    json["dNorm"] = "layer".into();
    let e = StudioConfig::from_options(&json).unwrap_err().to_string();
    assert!(
        e.contains("D's norm must be one of batch, none; got “layer”"),
        "{e}"
    );
}
