//! The wasm API in a real browser (wasm-bindgen-test in headless Chromium): what `www/` calls,
//! including its error paths, which must reject with a message rather than panic.
// Both backends are under test, so this runs with `--features webgpu` (scripts/test.sh).
#![cfg(all(target_arch = "wasm32", feature = "webgpu"))]

use gan_playground_web::{self as web, Engine};
use js_sys::{Uint8Array, Uint8ClampedArray};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "common/mod.rs"]
mod common;

const MNIST: &[u8] = include_bytes!("../assets/weights/mnist-generator.safetensors");
const EMOJI: &[u8] = include_bytes!("../assets/weights/emoji-generator.safetensors");

async fn generate(engine: &Engine, bytes: &[u8], z: Vec<f32>) -> Result<Vec<u8>, JsValue> {
    let generator = engine.load_generator(bytes).map_err(JsValue::from)?;
    let value = JsFuture::from(generator.generate(z)).await?;
    Ok(Uint8ClampedArray::from(value).to_vec())
}

fn message(error: JsValue) -> String {
    js_sys::Error::from(error).message().into()
}

fn z(count: usize) -> Vec<f32> {
    web::sample_latent("normal", count, 100, 7)
        .map_err(JsValue::from)
        .unwrap()
}

#[wasm_bindgen_test]
async fn cpu_generates_rgba_images() {
    web::start();
    let rgba = generate(&Engine::cpu(), MNIST, z(3)).await.unwrap();
    assert_eq!(rgba.len(), 3 * 28 * 28 * 4);
    assert!(
        rgba.chunks(4)
            .all(|p| p[3] == 255 && p[0] == p[1] && p[1] == p[2])
    );
    assert!(rgba.iter().any(|v| *v > 200) && rgba.iter().any(|v| *v < 50));
    let colour = generate(&Engine::cpu(), EMOJI, z(1)).await.unwrap();
    assert_eq!(colour.len(), 32 * 32 * 4);
    assert!(
        colour.chunks(4).any(|p| p[0] != p[2]),
        "emoji are in colour"
    );
}

#[wasm_bindgen_test]
async fn webgpu_matches_cpu() {
    web::start();
    // Chromium here has WebGPU only with --enable-unsafe-webgpu (src/web/webdriver.json passes it; the runner reads it from the package folder).
    let engine = Engine::webgpu().await.map_err(JsValue::from).unwrap();
    assert_eq!(engine.backend(), "webgpu");
    let gpu = generate(&engine, MNIST, z(2)).await.unwrap();
    let cpu = generate(&Engine::cpu(), MNIST, z(2)).await.unwrap();
    let worst = gpu
        .iter()
        .zip(&cpu)
        .map(|(a, b)| a.abs_diff(*b))
        .max()
        .unwrap();
    assert!(worst <= 2, "WebGPU and CPU differ by {worst}/255");
    // A second request for the WebGPU engine reuses the device instead of failing.
    assert!(Engine::webgpu().await.is_ok());
}

#[wasm_bindgen_test]
async fn bad_input_is_a_rejection_with_a_message() {
    web::start();
    let engine = Engine::cpu();
    let bad = engine.load_generator(b"not a safetensors file").map(|_| ());
    assert!(bad.is_err());
    let short = generate(&engine, MNIST, vec![0.0; 99]).await.unwrap_err();
    assert!(message(short).contains("latent vectors of 100 values"));
    let nan = generate(&engine, MNIST, vec![f32::NAN; 100])
        .await
        .unwrap_err();
    assert!(message(nan).contains("finite"));
    assert!(web::decode_latent("z1!!", 100).is_err());
    assert!(web::interpolate("cubic", vec![0.0; 3], vec![1.0; 3], 0.5).is_err());
    assert!(web::interpolate("slerp", vec![0.0; 3], vec![1.0; 4], 0.5).is_err());
    assert!(web::sample_latent("cauchy", 1, 100, 0).is_err());
}

#[wasm_bindgen_test]
fn latent_helpers_agree_with_the_core() {
    web::start();
    let a = z(1);
    let code = web::encode_latent(a.clone());
    let back = web::decode_latent(&code, 100)
        .map_err(JsValue::from)
        .unwrap();
    assert_eq!(back, web::quantize_latent(a.clone()));
    let b = web::sample_latent("normal", 1, 100, 8)
        .map_err(JsValue::from)
        .unwrap();
    let mid = web::interpolate("slerp", a.clone(), b.clone(), 0.5)
        .map_err(JsValue::from)
        .unwrap();
    let typical = web::typical_norm("normal", 100)
        .map_err(JsValue::from)
        .unwrap();
    assert!((web::latent_norm(mid) - typical).abs() < 0.2 * typical);
    let walked = web::random_walk_step(a.clone(), "normal", 0.1, 1)
        .map_err(JsValue::from)
        .unwrap();
    assert_ne!(walked, a);
}

fn lab_data() -> web::Dataset {
    let images = include_bytes!("fixtures/mnist/train-1k-images-idx3-ubyte.gz");
    web::Dataset::decode(images).map_err(JsValue::from).unwrap()
}

fn tiny_options(head_start: usize) -> JsValue {
    let json = format!(r#"{{"headStart": {head_start}, "batchSize": 4, "width": 4}}"#);
    js_sys::JSON::parse(&json).unwrap()
}

/// The head start on `engine`, then its hand-over's bytes.
async fn hand_over(engine: &Engine, data: &web::Dataset) -> Result<Vec<u8>, JsValue> {
    let mut head =
        web::LabHeadStart::create(engine, data, tiny_options(3)).map_err(JsValue::from)?;
    while head.advance(2).map_err(JsValue::from)? > 0 {}
    Ok(Uint8Array::from(JsFuture::from(head.hand_over()).await?).to_vec())
}

fn get(stats: &JsValue, key: &str) -> f64 {
    js_sys::Reflect::get(stats, &key.into())
        .unwrap()
        .as_f64()
        .unwrap()
}

/// One step of each run, each restored from the hand-over; `(dLoss, gGradNorm)` per run.
async fn lab_step(engine: &Engine) -> Result<Vec<(f64, f64)>, JsValue> {
    let data = lab_data();
    let bytes = hand_over(engine, &data).await?;
    let mut out = Vec::new();
    for cost in ["saturating", "non_saturating"] {
        let mut run =
            web::LabRun::restore(engine, &data, bytes.clone(), cost).map_err(JsValue::from)?;
        let stats = JsFuture::from(run.step()).await?;
        let samples = Uint8ClampedArray::from(JsFuture::from(run.samples()).await?);
        assert_eq!(samples.length(), 16 * 28 * 28 * 4);
        out.push((get(&stats, "dLoss"), get(&stats, "gGradNorm")));
    }
    Ok(out)
}

#[wasm_bindgen_test]
async fn loss_lab_steps_alike_on_webgpu_and_cpu() {
    web::start();
    let cpu = lab_step(&Engine::cpu()).await.unwrap();
    let gpu = lab_step(&Engine::webgpu().await.map_err(JsValue::from).unwrap())
        .await
        .unwrap();
    assert_eq!(cpu.len(), 2);
    // Same start: both runs' D loss agree; the costs differ, so the gradients do too.
    assert_eq!(cpu[0].0, cpu[1].0);
    assert_ne!(cpu[0].1, cpu[1].1);
    for (c, g) in cpu.iter().zip(&gpu) {
        assert!(
            (c.0 - g.0).abs() < 1e-3 * c.0.abs().max(1.0),
            "{c:?} vs {g:?}"
        );
        assert!(
            (c.1 - g.1).abs() < 1e-2 * c.1.abs().max(1.0),
            "{c:?} vs {g:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_run_snapshot_moves_between_backends_and_goes_on_alike() {
    // Taken on WebGPU (an asynchronous read), restored on the CPU and on WebGPU.
    web::start();
    let data = lab_data();
    let gpu = Engine::webgpu().await.map_err(JsValue::from).unwrap();
    let mut run = web::LabRun::restore(
        &gpu,
        &data,
        hand_over(&gpu, &data).await.unwrap(),
        "non_saturating",
    )
    .map_err(JsValue::from)
    .unwrap();
    JsFuture::from(run.step()).await.unwrap();
    let bytes = Uint8Array::from(JsFuture::from(run.snapshot()).await.unwrap()).to_vec();
    let mut next = Vec::new();
    for engine in [
        Engine::cpu(),
        Engine::webgpu().await.map_err(JsValue::from).unwrap(),
    ] {
        let mut again = web::LabRun::restore(&engine, &data, bytes.clone(), "non_saturating")
            .map_err(JsValue::from)
            .unwrap();
        assert_eq!(again.iteration(), 1.0);
        next.push(get(&JsFuture::from(again.step()).await.unwrap(), "dLoss"));
    }
    let direct = get(&JsFuture::from(run.step()).await.unwrap(), "dLoss");
    assert_eq!(next[1], direct, "the same backend goes on exactly");
    assert!(
        (next[0] - direct).abs() < 1e-3 * direct.abs().max(1.0),
        "{next:?} vs {direct}"
    );
}

#[wasm_bindgen_test]
fn lab_refuses_bad_options() {
    web::start();
    assert!(web::Dataset::decode(b"junk").is_err());
    let data = lab_data();
    for bad in [
        r#"{"lr": -1}"#,
        r#"{"lr": 0.5}"#,
        r#"{"width": 1000}"#,
        r#"{"batchSize": 0}"#,
        r#"{"batchSize": 4096}"#,
        r#"{"dSteps": 50}"#,
        r#"{"headStart": 5000}"#,
        r#"{"learningRate": 0.001}"#,
    ] {
        let options = js_sys::JSON::parse(bad).unwrap();
        assert!(web::validate_lab_options(options.clone()).is_err(), "{bad}");
        assert!(
            web::LabHeadStart::create(&Engine::cpu(), &data, options).is_err(),
            "{bad}"
        );
    }
    assert!(web::validate_lab_options(tiny_options(3)).is_ok());
    // What the page sends where a number belongs (a number, or the text typed) comes back
    // named, with its range and the value as given: NaN and ∞ included, which JSON cannot hold.
    let message = |key: &str, value: JsValue| {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &key.into(), &value).unwrap();
        let e = web::validate_lab_options(options.into())
            .map_err(JsValue::from)
            .unwrap_err();
        js_sys::Error::from(e).message().as_string().unwrap()
    };
    let range = "head start must be a whole number from 0 to 1000; got";
    for (value, got) in [
        (JsValue::from_f64(-1.0), "-1"),
        (JsValue::from_f64(2.5), "2.5"),
        (JsValue::from_f64(1e308), "1e308"),
        (JsValue::from_f64(f64::NAN), "“NaN”"),
        (JsValue::from_f64(f64::INFINITY), "“Infinity”"),
        (JsValue::from_str("abc"), "“abc”"),
        (JsValue::from_str(""), "nothing"),
    ] {
        assert_eq!(message("headStart", value), format!("{range} {got}"));
    }
    let limits = web::lab_limits().map_err(JsValue::from).unwrap();
    let lr = js_sys::Reflect::get(&limits, &"lr".into()).unwrap();
    assert_eq!(get(&lr, "max"), 0.1);
}

#[wasm_bindgen_test]
async fn lab_in_the_wrong_order_rejects_instead_of_panicking() {
    web::start();
    let data = lab_data();
    let engine = Engine::cpu();
    let mut head = web::LabHeadStart::create(&engine, &data, tiny_options(5))
        .map_err(JsValue::from)
        .unwrap();
    let early = JsFuture::from(head.hand_over()).await.unwrap_err();
    assert!(message(early).contains("head start"));
    assert_eq!(head.advance(100).map_err(JsValue::from).unwrap(), 0);
    let bytes = Uint8Array::from(JsFuture::from(head.hand_over()).await.unwrap()).to_vec();
    for (bytes, cost) in [
        (b"junk".to_vec(), "saturating"),
        (bytes[..bytes.len() / 2].to_vec(), "saturating"),
        (bytes.clone(), "maximum_likelihood"),
        (bytes.clone(), "cubic"),
    ] {
        assert!(
            web::LabRun::restore(&engine, &data, bytes, cost).is_err(),
            "{cost}"
        );
    }
    assert!(web::LabRun::restore(&engine, &data, bytes, "saturating").is_ok());
}

/// PyTorch parity on the CPU backend as the page runs it: wasm with SIMD kernels, which differ
/// from the native build's (simd128 against AVX2), so the native parity tests do not cover them.
#[wasm_bindgen_test]
fn the_cpu_backend_in_wasm_matches_pytorch() {
    use gan_playground::train::GeneratorCost;
    const NC1: &[u8] = include_bytes!("fixtures/parity/nc1.safetensors");
    const NC3: &[u8] = include_bytes!("fixtures/parity/nc3.safetensors");
    for (name, fixture) in [("nc1", NC1), ("nc3", NC3)] {
        common::parity::eval_parity(name, fixture);
        for cost in [GeneratorCost::Saturating, GeneratorCost::NonSaturating] {
            common::parity::step_parity(name, fixture, cost);
        }
    }
}
