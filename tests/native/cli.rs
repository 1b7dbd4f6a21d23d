//! The `gan-playground` binary, run as a user would.

use crate::common;

use std::path::Path;
use std::process::Command;

use burn::tensor::{Device, Tensor, TensorData};
use gan_playground::checkpoint::{
    Precision, discriminator_to_safetensors, from_safetensors, generator_to_safetensors,
};
use gan_playground::latent::{Prior, sample};
use gan_playground::model::{Discriminator, Generator, ModelConfig};
use npyz::WriterBuilder;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gan-playground"))
}

fn write_npy(path: &Path, shape: &[u64], values: &[f32]) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(file)
        .begin_nd()
        .unwrap();
    w.extend(values.iter().copied()).unwrap();
    w.finish().unwrap();
}

fn read_npy(path: &Path) -> (Vec<u64>, Vec<f32>) {
    let npy = npyz::NpyFile::new(std::fs::File::open(path).unwrap()).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec().unwrap())
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{cmd:?} failed: {stderr}");
    stderr
}

#[test]
fn generate_and_discriminate_pytorch_dcgan_from_npy() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let config = ModelConfig::pytorch_dcgan(100, 8, 8, 3).unwrap();
    let g = Generator::init(&config, 1, &device).unwrap();
    let d = Discriminator::init(&config, 1, &device).unwrap();
    let (gw, dw) = (
        dir.path().join("generator.safetensors"),
        dir.path().join("discriminator.safetensors"),
    );
    std::fs::write(
        &gw,
        generator_to_safetensors(&config, &g, Precision::F32).unwrap(),
    )
    .unwrap();
    std::fs::write(
        &dw,
        discriminator_to_safetensors(&config, &d, Precision::F32).unwrap(),
    )
    .unwrap();
    let z = sample(Prior::Normal, 3, 100, 2);
    let (zp, ip, pp) = (
        dir.path().join("z.npy"),
        dir.path().join("image.npy"),
        dir.path().join("prob.npy"),
    );
    write_npy(&zp, &[3, 100], &z);

    run_ok(
        bin()
            .args([
                "generate",
                "--arch",
                "pytorch-dcgan",
                "--nz",
                "100",
                "--ngf",
                "8",
                "--nc",
                "3",
            ])
            .arg("--weights")
            .arg(&gw)
            .arg("--z")
            .arg(&zp)
            .arg("--out")
            .arg(&ip),
    );
    let (shape, images) = read_npy(&ip);
    assert_eq!(shape, vec![3, 3, 64, 64]);
    let expected: Vec<f32> = g
        .forward(Tensor::from_data(TensorData::new(z, [3, 100]), &device))
        .into_data()
        .try_into_vec()
        .unwrap();
    assert_eq!(images, expected);

    run_ok(
        bin()
            .args([
                "discriminate",
                "--arch",
                "pytorch-dcgan",
                "--ndf",
                "8",
                "--nc",
                "3",
            ])
            .arg("--weights")
            .arg(&dw)
            .arg("--images")
            .arg(&ip)
            .arg("--out")
            .arg(&pp),
    );
    let (shape, probs) = read_npy(&pp);
    assert_eq!(shape, vec![3]);
    let x = Tensor::<4>::from_data(TensorData::new(images, [3, 3, 64, 64]), &device);
    let expected: Vec<f32> = d.probabilities(x).into_data().try_into_vec().unwrap();
    assert_eq!(probs, expected);
    assert!(probs.iter().all(|p| (0.0..=1.0).contains(p)));

    // A PNG grid from a seed.
    let png = dir.path().join("grid.png");
    run_ok(
        bin()
            .args([
                "generate", "--ngf", "8", "--nc", "3", "--seed", "4", "--count", "9",
            ])
            .arg("--weights")
            .arg(&gw)
            .arg("--out")
            .arg(&png),
    );
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (3 * 66 + 2, 3 * 66 + 2));
}

#[test]
fn bad_inputs_give_a_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.safetensors");
    std::fs::write(&junk, b"junk").unwrap();
    let z = dir.path().join("z.npy");
    write_npy(&z, &[2, 7], &[0.0; 14]);
    // `train` on the committed MNIST fixture with `flags`, into dir/`out`.
    let train = |flags: &[&str], out: &str| -> Vec<String> {
        let mut args = vec!["train", "--images", common::MNIST_IMAGES];
        args.extend(flags);
        let mut args: Vec<String> = args.into_iter().map(String::from).collect();
        args.extend(["--out".into(), dir.path().join(out).display().to_string()]);
        args
    };
    let mut cases: Vec<Vec<String>> = vec![
        vec![
            "generate".into(),
            "--weights".into(),
            junk.display().to_string(),
            "--out".into(),
            "x.npy".into(),
        ],
        vec![
            "generate".into(),
            "--weights".into(),
            "/nonexistent".into(),
            "--out".into(),
            "x.npy".into(),
        ],
        vec![
            "generate".into(),
            "--arch".into(),
            "pytorch-dcgan".into(),
            "--image-size".into(),
            "28".into(),
            "--weights".into(),
            junk.display().to_string(),
            "--out".into(),
            "x.npy".into(),
        ],
        vec![
            "generate".into(),
            "--nc".into(),
            "2".into(),
            "--weights".into(),
            junk.display().to_string(),
            "--out".into(),
            "x.npy".into(),
        ],
        vec![
            "discriminate".into(),
            "--weights".into(),
            junk.display().to_string(),
            "--images".into(),
            z.display().to_string(),
            "--out".into(),
            "p.npy".into(),
        ],
        vec![
            "train".into(),
            "--images".into(),
            junk.display().to_string(),
            "--out".into(),
            dir.path().join("run").display().to_string(),
        ],
    ];
    // Extra generator layers are not part of pytorch/examples' model, and are capped.
    cases.push(train(
        &["--arch", "pytorch-dcgan", "--g-extra", "1"],
        "run-extra",
    ));
    cases.push(train(
        &["--arch", "dcgan", "--image-size", "28", "--g-extra", "5"],
        "run-extra",
    ));
    // So is a D without batch norm.
    cases.push(train(
        &["--arch", "pytorch-dcgan", "--d-norm", "none"],
        "run-extra",
    ));
    // Weights to start G from must be a generator of the sizes given.
    cases.push(train(
        &["--init-generator", junk.to_str().unwrap()],
        "run-init",
    ));
    // The learning rate cannot start falling at or after the run's end.
    cases.push(train(
        &["--iterations", "3", "--lr-decay-from", "3"],
        "run-decay",
    ));
    for args in cases {
        let out = bin().args(&args).current_dir(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    for run in ["run-decay", "run-extra", "run-init"] {
        assert!(
            !dir.path().join(run).exists(),
            "a refused {run} wrote files"
        );
    }
}

#[test]
fn train_writes_samples_and_checkpoints_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let train = |iterations: &str, extra: &[&str]| {
        let mut cmd = bin();
        cmd.args([
            "train",
            "--arch",
            "dcgan",
            "--nz",
            "16",
            "--ngf",
            "8",
            "--ndf",
            "8",
            "--batch-size",
            "16",
            "--limit",
            "256",
        ])
        .args([
            "--sample-every",
            "2",
            "--checkpoint-every",
            "2",
            "--iterations",
            iterations,
        ])
        .args(extra)
        .arg("--images")
        .arg(common::MNIST_IMAGES)
        .arg("--out")
        .arg(&out);
        run_ok(&mut cmd)
    };
    train("3", &[]);
    assert!(out.join("samples/iter-0000002.png").is_file());
    assert!(out.join("samples/iter-0000003.png").is_file());
    for f in [
        "run.json",
        "generator.safetensors",
        "discriminator.safetensors",
        "run.safetensors",
    ] {
        assert!(out.join("checkpoint").join(f).is_file(), "{f}");
    }
    // Resumed with a weight average and a learning rate falling over the last two iterations.
    let stderr = train("5", &["--ema", "0.9", "--lr-decay-from", "3"]);
    assert!(stderr.contains("resuming"), "{stderr}");
    assert!(out.join("checkpoint/generator-ema.safetensors").is_file());
    assert!(!out.join("checkpoint/generator-ema.partial").exists());
    let log = std::fs::read_to_string(out.join("log.csv")).unwrap();
    let iterations: Vec<&str> = log
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(iterations, ["1", "2", "3", "4", "5"]);
    // The trained generator's weights and their average load back through `generate`.
    for weights in ["generator.safetensors", "generator-ema.safetensors"] {
        let png = dir.path().join("g.png");
        run_ok(
            bin()
                .args([
                    "generate",
                    "--arch",
                    "dcgan",
                    "--image-size",
                    "28",
                    "--nz",
                    "16",
                    "--ngf",
                    "8",
                    "--count",
                    "4",
                ])
                .arg("--weights")
                .arg(out.join("checkpoint").join(weights))
                .arg("--out")
                .arg(&png),
        );
        assert!(png.is_file());
    }
}

#[test]
fn train_goes_on_from_given_generator_weights() {
    let dir = tempfile::tempdir().unwrap();
    let config = ModelConfig::new(28, 1, 16, 8, 8).unwrap();
    let g = Generator::init(&config, 7, &Device::flex()).unwrap();
    let start = dir.path().join("g.safetensors");
    let bytes = generator_to_safetensors(&config, &g, Precision::F16).unwrap();
    std::fs::write(&start, bytes).unwrap();
    let train = |ngf: &str, out: &str, iterations: &str| {
        let mut cmd = bin();
        cmd.args(["train", "--arch", "dcgan", "--nz", "16", "--ngf", ngf])
            .args(["--ndf", "8", "--batch-size", "8", "--limit", "64"])
            .args([
                "--iterations",
                iterations,
                "--lr-g",
                "1e-12",
                "--d-head-start",
                "2",
            ])
            .arg("--images")
            .arg(common::MNIST_IMAGES)
            .arg("--init-generator")
            .arg(&start)
            .arg("--out")
            .arg(dir.path().join(out));
        cmd.output().unwrap()
    };
    let out = train("8", "run", "1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("fresh discriminator"), "{stderr}");
    assert!(stderr.contains("2 discriminator-only steps"), "{stderr}");
    // With a vanishing G rate, the trained G still holds the weights it started from (the
    // first layer's; batch-norm running statistics do move).
    let read = |path: &Path| {
        let bytes = std::fs::read(path).unwrap();
        from_safetensors(&config.generator_tensors(), &bytes, "").unwrap()[0].clone()
    };
    let (before, after) = (
        read(&start),
        read(&dir.path().join("run/checkpoint/generator.safetensors")),
    );
    let moved = common::max_abs_diff(&before, &after);
    assert!(moved < 1e-6, "G moved by {moved}");
    assert!(before.iter().any(|v| *v != 0.0));
    // Resuming takes G and D from the checkpoint and says the flags are not used.
    let out = train("8", "run", "2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("resuming") && stderr.contains("ignored"),
        "{stderr}"
    );
    assert!(!stderr.contains("fresh discriminator"), "{stderr}");
    // A file of other sizes is refused with a message, not a panic.
    let out = train("12", "run-wide", "1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("does not fit this model"), "{stderr}");
}

/// A `.npy` header claiming `shape` (a Python tuple's inside) over a few bytes of data.
fn hostile_npy(path: &Path, shape: &str) {
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend([0u8; 16]);
    std::fs::write(path, bytes).unwrap();
}

/// Runs the binary with `args` in `dir`; it must fail with a message (no panic) that
/// contains `needle`.
fn refused(dir: &Path, args: &[&str], needle: &str) {
    let out = bin().args(args).current_dir(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(1 | 2)),
        "{args:?} exited {:?}: {stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: expected {needle:?} in {stderr}"
    );
}

fn as_str(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Every file under `dir` with its bytes, to show nothing was touched.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_of(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn hostile_files_and_nonsense_flags_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let device = Device::flex();
    let config = ModelConfig::new(28, 1, 100, 4, 4).unwrap();
    let g = Generator::init(&config, 1, &device).unwrap();
    let weights = d.join("g.safetensors");
    std::fs::write(
        &weights,
        generator_to_safetensors(&config, &g, Precision::F32).unwrap(),
    )
    .unwrap();
    let disc = Discriminator::init(&config, 1, &device).unwrap();
    let d_weights = d.join("d.safetensors");
    std::fs::write(
        &d_weights,
        discriminator_to_safetensors(&config, &disc, Precision::F32).unwrap(),
    )
    .unwrap();
    let w = weights.to_str().unwrap();
    let tiny = |w: &str| -> Vec<String> {
        [
            "--arch",
            "dcgan",
            "--image-size",
            "28",
            "--ngf",
            "4",
            "--ndf",
            "4",
            "--weights",
            w,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let with = |extra: &[&'static str]| -> Vec<String> {
        let mut v = tiny(w);
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };

    // A .npy whose header's shape overflows a count, or outgrows the file.
    hostile_npy(
        &d.join("huge.npy"),
        "18446744073709551615, 18446744073709551615",
    );
    hostile_npy(&d.join("long.npy"), "1000, 100");
    for file in ["huge.npy", "long.npy"] {
        let mut args = vec!["generate".to_string()];
        args.extend(with(&["--z", file, "--out", "x.npy"]));
        refused(d, &as_str(&args), "shape");
        let mut args = vec!["discriminate".to_string()];
        args.extend(tiny(d_weights.to_str().unwrap()));
        args.extend(["--images", file, "--out", "p.npy"].map(String::from));
        refused(d, &as_str(&args), "shape");
    }
    // Counts with no bound, or none at all.
    let mut args = vec!["generate".to_string()];
    args.extend(with(&["--count", "1000000000", "--out", "x.npy"]));
    refused(d, &as_str(&args), "from 1 to 4096");
    refused(
        d,
        &[
            "eval",
            "--dataset",
            "mnist",
            "--weights",
            w,
            "--samples",
            "0",
        ],
        "from 2 to 60000",
    );
    refused(
        d,
        &["eval", "--dataset", "mnist", "--real", "--samples", "0"],
        "from 2 to 60000",
    );
    refused(d, &["lab", "--samples", "0"], "from 2 to 60000");
    refused(
        d,
        &["lab", "--steps", "5", "--window", "20"],
        "longer than the run",
    );
    assert!(!d.join("x.npy").exists() && !d.join("p.npy").exists());

    // Training that would train nothing.
    let train = |extra: &[&str], out: &str| -> Vec<String> {
        let mut v: Vec<String> = [
            "train",
            "--images",
            common::MNIST_IMAGES,
            "--arch",
            "dcgan",
            "--image-size",
            "28",
            "--ngf",
            "4",
            "--ndf",
            "4",
            "--batch-size",
            "8",
            "--limit",
            "64",
            "--sample-every",
            "0",
            "--checkpoint-every",
            "0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.extend(["--out".to_string(), d.join(out).display().to_string()]);
        v
    };
    refused(
        d,
        &as_str(&train(&["--iterations", "0"], "r0")),
        "--iterations must be at least 1",
    );
    refused(
        d,
        &as_str(&train(&["--epochs=-1"], "r0")),
        "--epochs must be a positive number",
    );
    refused(
        d,
        &as_str(&train(&["--epochs", "NaN"], "r0")),
        "--epochs must be a positive number",
    );
    assert!(
        !d.join("r0").exists(),
        "nothing was written for a refused run"
    );
    std::fs::write(d.join("a-file"), b"keep").unwrap();
    refused(
        d,
        &as_str(&train(&["--iterations", "1"], "a-file")),
        &d.join("a-file").display().to_string(),
    );
    assert_eq!(std::fs::read(d.join("a-file")).unwrap(), b"keep");

    // A run to resume, then ways to lose it that are refused, each leaving every file as it was.
    run_ok(bin().args(as_str(&train(&["--iterations", "2"], "run"))));
    let run = d.join("run");
    let before = files_of(&run);
    refused(
        d,
        &as_str(&train(&["--iterations", "1"], "run")),
        "at iteration 2 already",
    );
    assert_eq!(files_of(&run), before);
    let marker = run.join("checkpoint/run.json");
    let json = std::fs::read(&marker).unwrap();
    std::fs::remove_file(&marker).unwrap();
    let without = files_of(&run);
    refused(
        d,
        &as_str(&train(&["--iterations", "4"], "run")),
        "--fresh starts over",
    );
    assert_eq!(files_of(&run), without);
    std::fs::create_dir(&marker).unwrap();
    for fresh in [&[][..], &["--fresh"][..]] {
        let mut flags = vec!["--iterations", "4"];
        flags.extend(fresh);
        refused(d, &as_str(&train(&flags, "run")), "is not a file");
    }
    assert!(!run.join("checkpoint/run.partial").exists());
    std::fs::remove_dir(&marker).unwrap();
    // A run.json that names sizes no model has (image size 30) is refused, not a panic.
    let text = String::from_utf8(json.clone())
        .unwrap()
        .replace("\"image_size\": 28", "\"image_size\": 30");
    assert!(text.contains("30"));
    std::fs::write(&marker, text).unwrap();
    let broken = files_of(&run);
    refused(
        d,
        &as_str(&train(&["--iterations", "4"], "run")),
        "cannot resume",
    );
    assert_eq!(files_of(&run), broken);
    // Put back, it resumes; --fresh starts over.
    std::fs::write(&marker, &json).unwrap();
    assert!(run_ok(bin().args(as_str(&train(&["--iterations", "3"], "run")))).contains("resuming"));
    run_ok(bin().args(as_str(&train(&["--iterations", "1", "--fresh"], "run"))));
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&marker).unwrap()).unwrap();
    assert_eq!(state["iteration"], 1);
}

/// `kill -9` at three moments while a run checkpoints every iteration: each time the next
/// `train` resumes from a whole checkpoint and the log has every iteration once, in order.
#[test]
fn a_run_killed_while_checkpointing_resumes_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let train = |iterations: &str| {
        let mut cmd = bin();
        cmd.args([
            "train", "--arch", "dcgan", "--nz", "16", "--ngf", "8", "--ndf", "8",
        ])
        .args([
            "--batch-size",
            "16",
            "--limit",
            "256",
            "--sample-every",
            "0",
        ])
        .args(["--checkpoint-every", "1", "--iterations", iterations])
        .arg("--images")
        .arg(common::MNIST_IMAGES)
        .arg("--out")
        .arg(&out);
        cmd
    };
    // A first checkpoint, so that there is a run to resume.
    run_ok(&mut train("1"));
    for (round, delay_ms) in [(1, 50u64), (2, 180), (3, 400)] {
        let mut child = train("1000")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL: no destructor, no flush
        child.wait().unwrap();
        // Three iterations past the checkpoint it left (run.json names where the run stands).
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("checkpoint/run.json")).unwrap())
                .unwrap();
        let saved = state["iteration"].as_u64().unwrap();
        let stderr = run_ok(&mut train(&(saved + 3).to_string()));
        assert!(stderr.contains("resuming"), "round {round}: {stderr}");
        let log = std::fs::read_to_string(out.join("log.csv")).unwrap();
        let iterations: Vec<usize> = log
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(
            iterations,
            (1..=saved as usize + 3).collect::<Vec<_>>(),
            "round {round}"
        );
    }
}

#[test]
fn bench_generate_times_the_shipped_generator_and_refuses_bad_flags() {
    let weights = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/weights/mnist-generator.safetensors"
    );
    let out = bin()
        .args(["bench-generate", "--weights", weights])
        .args(["--batches", "1,3", "--runs", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (row, batch) in results.iter().zip([1, 3]) {
        assert_eq!(row["batch"], batch);
        assert_eq!(row["samplesMs"].as_array().unwrap().len(), 2);
        assert!(row["medianMs"].as_f64().unwrap() > 0.0);
    }

    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.safetensors");
    std::fs::write(&junk, b"not weights").unwrap();
    for (args, message) in [
        (
            vec!["--weights", weights, "--batches", "0"],
            "not a whole number from 1 to 256",
        ),
        (
            vec!["--weights", weights, "--runs", "0"],
            "not a whole number from 1 to 1000",
        ),
        (
            vec!["--weights", junk.to_str().unwrap()],
            "is not generator weights",
        ),
    ] {
        let out = bin().arg("bench-generate").args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(message),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn plane_measures_the_runs_and_refuses_bad_setups_and_an_existing_csv() {
    let dir = tempfile::tempdir().unwrap();
    let setup = r#"{"shape":"grid","batchSize":32,"gWidth":8,"dWidth":8,"headStart":5}"#;
    let csv = dir.path().join("plane.csv");
    let args = [
        "plane", "--setup", setup, "--steps", "4", "--every", "2", "--csv",
    ];
    let stderr = run_ok(bin().args(args).arg(&csv).current_dir(dir.path()));
    assert!(stderr.contains("iterations/s"), "{stderr}");
    let written = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    // A header, then both runs at iterations 0, 2 and 4.
    assert_eq!(lines.len(), 1 + 2 * 3, "{written}");
    assert!(lines[6].starts_with("non_saturating,4,"), "{written}");
    assert!(
        lines[1].contains(",25,"),
        "the grid has 25 modes: {}",
        lines[1]
    );
    // The CSV is never overwritten; bad set-ups and links are said.
    refused(
        dir.path(),
        &args
            .iter()
            .copied()
            .chain([csv.to_str().unwrap()])
            .collect::<Vec<_>>(),
        "exists",
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), written);
    refused(
        dir.path(),
        &["plane", "--setup", r#"{"lrD":"NaN"}"#],
        "D learning rate must be",
    );
    refused(
        dir.path(),
        &["plane", "--setup", r#"{"shape":"drawn"}"#],
        "drawn points must be",
    );
    refused(
        dir.path(),
        &["plane", "--setup", "{not json"],
        "--setup is not a JSON object",
    );
    refused(
        dir.path(),
        &["plane", "--setup", "%%%"],
        "the link's set-up must be",
    );
    refused(dir.path(), &["plane", "--steps", "0"], "not a whole number");
}

#[test]
fn train_takes_the_modern_recipe_and_its_levers_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let base = |out: &Path| -> Vec<String> {
        let mut args: Vec<String> = [
            "train",
            "--arch",
            "dcgan",
            "--nz",
            "16",
            "--ngf",
            "8",
            "--ndf",
            "8",
            "--batch-size",
            "8",
            "--limit",
            "64",
            "--iterations",
            "2",
            "--sample-every",
            "0",
            "--checkpoint-every",
            "0",
            "--images",
        ]
        .map(String::from)
        .to_vec();
        args.push(common::MNIST_IMAGES.into());
        args.extend(["--out".into(), out.display().to_string()]);
        args
    };
    // The modern recipe, with one lever turned off and two added.
    let out = dir.path().join("modern");
    let mut args = base(&out);
    args.extend(
        [
            "--recipe",
            "modern",
            "--lr",
            "1e-3",
            "--ema",
            "0",
            "--spectral-norm",
            "on",
            "--instance-noise",
            "0.2",
            "--instance-noise-span",
            "50",
        ]
        .map(String::from),
    );
    run_ok(bin().args(as_str(&args)));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("checkpoint/run.json")).unwrap())
            .unwrap();
    let config = &run["config"];
    assert_eq!(config["loss"], "hinge");
    assert_eq!(
        config["spectral_norm"], true,
        "--spectral-norm on over the recipe"
    );
    assert!(config["lr_d"].as_f64().unwrap() > config["lr_g"].as_f64().unwrap());
    assert!(
        config.get("ema").is_none(),
        "--ema 0 turns the recipe's average off"
    );
    assert_eq!(config["instance_noise"]["std"], 0.2);
    assert_eq!(config["instance_noise"]["span"], 50);
    // The run snapshot keeps D's power-iteration vectors (D's own file has σ folded in:
    // recipe.rs checks that it judges as D does).
    let snapshot = std::fs::read(out.join("checkpoint/run.safetensors")).unwrap();
    let names = safetensors::SafeTensors::deserialize(&snapshot)
        .unwrap()
        .names()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    assert!(
        names.iter().any(|n| n == "d_sn.main.0.weight_u"),
        "{names:?}"
    );

    // SN-GAN's D: spectral norm and no batch norm after D's middle layers, saved with the run.
    let out = dir.path().join("no-bn");
    let mut args = base(&out);
    args.extend(["--spectral-norm", "on", "--d-norm", "none"].map(String::from));
    run_ok(bin().args(as_str(&args)));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("checkpoint/run.json")).unwrap())
            .unwrap();
    assert_eq!(run["model"]["d_norm"], "none", "{run}");
    let snapshot = std::fs::read(out.join("checkpoint/run.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&snapshot).unwrap();
    let names = file.names();
    assert!(names.iter().any(|n| n.starts_with("d.")), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("d.") && n.ends_with("running_mean")),
        "D has no batch norm: {names:?}"
    );

    // Bad levers: a message, no panic, nothing written.
    let before = files_of(dir.path());
    for (lever, needle) in [
        (
            &["--loss", "wasserstein"][..],
            "expected cross_entropy or hinge",
        ),
        (&["--spectral-norm", "maybe"], "is not on or off"),
        (&["--recipe", "fancy"], "expected dcgan or modern"),
        (
            &["--instance-noise", "5"],
            "instance noise must be a number from 0 to 2",
        ),
        (
            &["--instance-noise", "0.1", "--instance-noise-span", "0"],
            "instance noise span must be a whole number from 1",
        ),
        (&["--upsample", "bilinear"], "transposed or sub-pixel"),
        (&["--ema=-0.5"], "average decay must be"),
        (
            &["--instance-noise=-1"],
            "instance noise must be a number from 0 to 2",
        ),
        (&["--instance-noise-span", "10"], "--instance-noise"),
        (
            &["--d-norm", "layer"],
            "unknown discriminator norm \"layer\" (batch or none)",
        ),
    ] {
        let mut args = base(&dir.path().join("refused"));
        args.extend(lever.iter().map(|s| s.to_string()));
        refused(dir.path(), &as_str(&args), needle);
    }
    assert_eq!(files_of(dir.path()), before, "a refused run writes nothing");
}

#[test]
fn encoder_trains_a_guess_the_projection_reads_and_refuses_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let config = ModelConfig::new(28, 1, 16, 8, 8).unwrap();
    let g = Generator::init(&config, 1, &device).unwrap();
    std::fs::write(
        dir.path().join("g.safetensors"),
        generator_to_safetensors(&config, &g, Precision::F32).unwrap(),
    )
    .unwrap();
    let args = |rest: &[&str]| -> Vec<String> {
        ["encoder", "--weights", "g.safetensors"]
            .iter()
            .chain(rest)
            .map(|s| s.to_string())
            .collect()
    };
    let small = ["--steps", "2", "--batch", "4", "--width", "4"];
    let good = args(&[&["--out", "e.safetensors"], &small[..]].concat());
    run_ok(bin().args(as_str(&good)).current_dir(dir.path()));
    let file = std::fs::read(dir.path().join("e.safetensors")).unwrap();
    gan_playground::invert::Encoder::from_safetensors(&config, &file, &device).unwrap();

    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let before = files_of(dir.path());
    let cases: [(&[&str], &str); 8] = [
        (
            &["--out", "g.safetensors"],
            "exists and is not an encoder for this generator",
        ),
        (
            &["--out", "notes.txt"],
            "exists and is not an encoder for this generator",
        ),
        (
            &[
                "--out",
                "x.safetensors",
                "--from",
                "e.safetensors",
                "--width",
                "8",
            ],
            "cannot be used with",
        ),
        (
            &["--out", "x.safetensors", "--steps", "0"],
            "not a whole number from 1",
        ),
        (
            &["--out", "x.safetensors", "--width", "999"],
            "not a whole number from 1 to 256",
        ),
        (
            &["--out", "x.safetensors", "--z-weight=-1"],
            "z weight must be from 0 to 10",
        ),
        (
            &["--out", "x.safetensors", "--prior", "cauchy"],
            "unknown prior",
        ),
        (
            &["--out", "x.safetensors", "--z-weight", "NaN"],
            "z weight must be from 0 to 10",
        ),
    ];
    for (rest, needle) in cases {
        refused(dir.path(), &as_str(&args(rest)), needle);
    }
    // Going on from an encoder: its own file; one that is not an encoder is refused.
    let more = args(&[
        "--out",
        "e2.safetensors",
        "--from",
        "e.safetensors",
        "--steps",
        "2",
        "--batch",
        "4",
    ]);
    run_ok(bin().args(as_str(&more)).current_dir(dir.path()));
    std::fs::remove_file(dir.path().join("e2.safetensors")).unwrap();
    refused(
        dir.path(),
        &as_str(&args(&[
            "--out",
            "x.safetensors",
            "--from",
            "g.safetensors",
        ])),
        "g.safetensors is not an encoder for this generator",
    );
    // An encoder is not a generator to train one for.
    refused(
        dir.path(),
        &[
            "encoder",
            "--weights",
            "e.safetensors",
            "--out",
            "x.safetensors",
        ],
        "is not a generator",
    );
    assert_eq!(files_of(dir.path()), before, "a refusal writes nothing");
}
