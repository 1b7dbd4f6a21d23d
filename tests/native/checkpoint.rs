use crate::common;

use burn::tensor::{Device, Tensor, TensorData};
use common::{max_abs_diff, tiny_model};
use gan_playground::checkpoint::*;
use gan_playground::latent::{Prior, sample};
use gan_playground::model::{Discriminator, Generator, ModelConfig};

fn images(g: &Generator, config: &ModelConfig, device: &Device) -> Vec<f32> {
    let z = sample(Prior::Normal, 4, config.latent, 1);
    g.forward(Tensor::from_data(
        TensorData::new(z, [4, config.latent]),
        device,
    ))
    .into_data()
    .try_into_vec()
    .unwrap()
}

#[test]
fn safetensors_round_trip_f32_exactly_and_f16_closely() {
    let device = Device::flex();
    let config = tiny_model();
    let g = Generator::init(&config, 3, &device).unwrap();
    let bytes = generator_to_safetensors(&config, &g, Precision::F32).unwrap();
    let back = generator_from_safetensors(&config, &bytes, &device).unwrap();
    assert_eq!(
        images(&g, &config, &device),
        images(&back, &config, &device)
    );

    let half = generator_to_safetensors(&config, &g, Precision::F16).unwrap();
    assert!(half.len() < bytes.len() * 6 / 10);
    let back = generator_from_safetensors(&config, &half, &device).unwrap();
    let (a, b) = (
        images(&g, &config, &device),
        images(&back, &config, &device),
    );
    let err = max_abs_diff(&a, &b);
    assert!(err < 1e-2, "f16 weights changed images by {err}");

    let d = Discriminator::init(&config, 3, &device).unwrap();
    let bytes = discriminator_to_safetensors(&config, &d, Precision::F32).unwrap();
    assert!(discriminator_from_safetensors(&config, &bytes, &device).is_ok());
    // G's file is not a D.
    assert!(
        discriminator_from_safetensors(
            &config,
            &generator_to_safetensors(&config, &g, Precision::F32).unwrap(),
            &device
        )
        .is_err()
    );
}

#[test]
fn pytorch_names_are_used() {
    let config = ModelConfig::pytorch_dcgan(100, 64, 64, 3).unwrap();
    let g: Vec<String> = config
        .generator_tensors()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(g[0], "main.0.weight");
    assert_eq!(
        g[1..5],
        [
            "main.1.weight",
            "main.1.bias",
            "main.1.running_mean",
            "main.1.running_var"
        ]
    );
    assert_eq!(g.last().unwrap(), "main.12.weight");
    let d: Vec<String> = config
        .discriminator_tensors()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(d[..2], ["main.0.weight", "main.2.weight"]);
    assert_eq!(d.last().unwrap(), "main.11.weight");
    assert_eq!(config.generator_tensors()[0].shape, vec![100, 512, 4, 4]);
}

#[test]
fn burn_records_round_trip() {
    let device = Device::flex();
    let config = tiny_model();
    let g = Generator::init(&config, 4, &device).unwrap();
    let bytes = to_burn_record(&g).unwrap();
    let back = generator_from_burn(&config, &bytes, &device).unwrap();
    assert_eq!(
        images(&g, &config, &device),
        images(&back, &config, &device)
    );
    let d = Discriminator::init(&config, 4, &device).unwrap();
    assert!(discriminator_from_burn(&config, &to_burn_record(&d).unwrap(), &device).is_ok());
}

#[test]
fn every_bad_weights_file_is_an_error_and_changes_nothing() {
    let device = Device::flex();
    let config = tiny_model();
    let g = Generator::init(&config, 5, &device).unwrap();
    let before = images(&g, &config, &device);
    let good = generator_to_safetensors(&config, &g, Precision::F32).unwrap();

    let specs = config.generator_tensors();
    let mut values: Vec<Vec<f32>> =
        gan_playground::model::read_values(&specs, g.flat_tensors()).unwrap();
    values[0][3] = f32::NAN;
    let with_nan = to_safetensors(&specs, &values, Precision::F32).unwrap();
    let wider = ModelConfig {
        g_width: 32,
        ..config.clone()
    };
    let other_width = generator_to_safetensors(
        &wider,
        &Generator::init(&wider, 0, &device).unwrap(),
        Precision::F32,
    )
    .unwrap();
    let bigger = ModelConfig::new(32, 1, 32, 16, 16).unwrap();
    let other_arch = generator_to_safetensors(
        &bigger,
        &Generator::init(&bigger, 0, &device).unwrap(),
        Precision::F32,
    )
    .unwrap();
    let missing = to_safetensors(&specs[1..], &values[1..], Precision::F32).unwrap();
    let mut bad_header = good.clone();
    bad_header[8] = b'['; // the JSON header no longer parses

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("garbage", b"not a tensor file at all".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("header only", good[..64].to_vec()),
        ("broken header", bad_header),
        ("nan", with_nan),
        ("other width", other_width),
        ("other architecture", other_arch),
        ("missing tensor", missing),
        ("burn record", to_burn_record(&g).unwrap()),
    ];
    for (name, bytes) in &cases {
        let err = generator_from_safetensors(&config, bytes, &device)
            .err()
            .unwrap_or_else(|| panic!("{name} loaded"));
        assert!(!err.to_string().is_empty());
    }
    for (name, bytes) in &cases[..4] {
        assert!(
            generator_from_burn(&config, bytes, &device).is_err(),
            "burn loader took {name}"
        );
    }
    let wide_record = to_burn_record(&Generator::init(&wider, 0, &device).unwrap()).unwrap();
    assert!(generator_from_burn(&config, &wide_record, &device).is_err());
    let record = to_burn_record(&g).unwrap();
    assert!(generator_from_burn(&config, &record[..record.len() - 100], &device).is_err());
    // The model we held throughout is untouched.
    assert_eq!(images(&g, &config, &device), before);
}

#[test]
fn a_broken_run_directory_is_an_error() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    assert!(load_run(dir.path(), &device).is_err());
    let trainer =
        gan_playground::train::Trainer::new(tiny_model(), common::tiny_config(0), &device).unwrap();
    save_run(&trainer, dir.path()).unwrap();
    assert!(load_run(dir.path(), &device).is_ok());
    std::fs::write(dir.path().join("run.json"), b"{\"model\": 3}").unwrap();
    assert!(load_run(dir.path(), &device).is_err());
    save_run(&trainer, dir.path()).unwrap();
    std::fs::write(dir.path().join("run.safetensors"), b"junk").unwrap();
    assert!(load_run(dir.path(), &device).is_err());
}

#[test]
fn a_save_stopped_before_its_run_json_resumes_from_the_snapshot_run_json_names() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let trainer = |seed| {
        gan_playground::train::Trainer::new(tiny_model(), common::tiny_config(seed), &device)
            .unwrap()
    };
    let (older, newer) = (trainer(1), trainer(2));
    save_run(&older, dir.path()).unwrap();
    let (current, previous) = (
        dir.path().join("run.safetensors"),
        dir.path().join(PREVIOUS_SNAPSHOT_FILE),
    );
    // A save of `newer` stopped after it moved the old snapshot aside, then after it wrote the
    // new one: each time run.json still names `older`, and the resume takes that.
    std::fs::rename(&current, &previous).unwrap();
    assert_eq!(load_run(dir.path(), &device).unwrap().config.seed, 1);
    let snapshot = RunSnapshot::of(&newer).unwrap();
    std::fs::write(&current, snapshot.as_bytes()).unwrap();
    assert_eq!(load_run(dir.path(), &device).unwrap().config.seed, 1);
    // A whole save resumes the newer run.
    save_run(&newer, dir.path()).unwrap();
    assert_eq!(load_run(dir.path(), &device).unwrap().config.seed, 2);
    // A snapshot that neither file holds is still refused.
    save_run(&older, dir.path()).unwrap();
    std::fs::write(
        dir.path().join("run.json"),
        serde_json::to_vec(&snapshot.state).unwrap(),
    )
    .unwrap();
    std::fs::copy(&current, &previous).unwrap();
    let error = load_run(dir.path(), &device).err().unwrap().to_string();
    assert!(error.contains("does not match"), "{error}");
}

#[test]
fn a_generator_file_says_its_sizes_and_extra_layers() {
    let device = Device::flex();
    let plain = ModelConfig::new(28, 1, 12, 8, 8).unwrap();
    for config in [
        plain.clone(),
        plain.clone().with_generator_extra(2).unwrap(),
        ModelConfig::new(32, 3, 10, 4, 4)
            .unwrap()
            .with_generator_extra(1)
            .unwrap(),
        ModelConfig::pytorch_dcgan(16, 4, 4, 1).unwrap(),
    ] {
        let g = Generator::init(&config, 2, &device).unwrap();
        let bytes = generator_to_safetensors(&config, &g, Precision::F32).unwrap();
        assert_eq!(infer_generator_config(&bytes).unwrap(), config);
        let back = generator_from_safetensors(&config, &bytes, &device).unwrap();
        let (a, b) = (
            images(&g, &config, &device),
            images(&back, &config, &device),
        );
        let side = config.image_size;
        assert_eq!(a.len(), 4 * config.channels * side * side);
        assert_eq!(a, b);
    }
    // Each extra layer is one 3×3 stride-1 conv (and its norm) on the first feature map.
    let deeper = plain.clone().with_generator_extra(1).unwrap();
    let layers = deeper.generator_layers();
    assert_eq!(layers.len(), plain.generator_layers().len() + 1);
    assert_eq!((layers[1].kernel, layers[1].stride), (3, 1));
    assert_eq!(layers[1].input, layers[0].output);
    // Weights of a plain generator do not load into a deeper one, nor the reverse.
    let g = Generator::init(&plain, 0, &device).unwrap();
    let bytes = generator_to_safetensors(&plain, &g, Precision::F32).unwrap();
    assert!(generator_from_safetensors(&deeper, &bytes, &device).is_err());
    assert!(plain.with_generator_extra(5).is_err());
}

#[test]
fn a_bad_run_snapshot_is_refused_whole() {
    use gan_playground::checkpoint::RunSnapshot;
    let device = Device::flex();
    let data = common::mnist_slice();
    let mut trainer =
        gan_playground::train::Trainer::new(tiny_model(), common::tiny_config(0), &device).unwrap();
    trainer.iteration(&data).unwrap().read().unwrap();
    let bytes = RunSnapshot::of(&trainer).unwrap().into_bytes();
    assert!(
        RunSnapshot::from_bytes(bytes.clone())
            .unwrap()
            .restore(&device)
            .is_ok()
    );
    for (what, bad) in [
        ("junk", b"junk".to_vec()),
        ("truncated", bytes[..bytes.len() - 10].to_vec()),
        ("a weights file", {
            let g = &trainer.generator;
            generator_to_safetensors(&trainer.model, g, Precision::F32).unwrap()
        }),
    ] {
        let refused = RunSnapshot::from_bytes(bad).and_then(|s| s.restore(&device).map(|_| ()));
        assert!(refused.is_err(), "{what} was accepted");
    }
    // G's optimizer state under D's name (swapped files) does not fit D's shapes.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.contains("g_adam.main.0.weight.exp_avg"));
    let swapped = swap(&bytes, b"g_adam.", b"d_adam.");
    let e = RunSnapshot::from_bytes(swapped)
        .unwrap()
        .restore(&device)
        .err()
        .expect("refused");
    assert!(
        e.to_string().contains("shape") || e.to_string().contains("main."),
        "{e}"
    );
}

/// `bytes` with every `a` and `b` (same length) exchanged.
fn swap(bytes: &[u8], a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + a.len() <= out.len() {
        if &out[i..i + a.len()] == a {
            out[i..i + a.len()].copy_from_slice(b);
            i += a.len();
        } else if &out[i..i + b.len()] == b {
            out[i..i + b.len()].copy_from_slice(a);
            i += b.len();
        } else {
            i += 1;
        }
    }
    out
}
