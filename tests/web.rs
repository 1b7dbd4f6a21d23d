//! The wasm API in a real browser (wasm-bindgen-test in headless Chromium): what `www/` calls,
//! including its error paths, which must reject with a message rather than panic.
#![cfg(target_arch = "wasm32")]

use gan_playground::web::{self, Engine};
use js_sys::Uint8ClampedArray;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
    // Chromium here has WebGPU only with --enable-unsafe-webgpu (webdriver.json passes it).
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

async fn lab_step(engine: &Engine) -> Result<Vec<(f64, f64)>, JsValue> {
    let images = include_bytes!("fixtures/mnist/train-1k-images-idx3-ubyte.gz");
    let data = web::LabData::decode(images).map_err(JsValue::from)?;
    let options = js_sys::JSON::parse(r#"{"headStart": 3, "batchSize": 4, "width": 4}"#)?;
    let mut lab = web::Lab::create(engine, &data, options).map_err(JsValue::from)?;
    while lab.head_start(2).map_err(JsValue::from)? > 0 {}
    let stats = js_sys::Array::from(&JsFuture::from(lab.step()).await?);
    let samples = Uint8ClampedArray::from(JsFuture::from(lab.samples()).await?);
    assert_eq!(samples.length(), 2 * 16 * 28 * 28 * 4);
    stats
        .iter()
        .map(|s| {
            let get = |k: &str| js_sys::Reflect::get(&s, &k.into()).map(|v| v.as_f64().unwrap());
            Ok((get("d_loss")?, get("g_grad_norm")?))
        })
        .collect()
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
fn lab_refuses_bad_options() {
    web::start();
    let data = web::LabData::decode(b"junk");
    assert!(data.is_err());
    let images = include_bytes!("fixtures/mnist/train-1k-images-idx3-ubyte.gz");
    let data = web::LabData::decode(images).map_err(JsValue::from).unwrap();
    for bad in [
        r#"{"lr": -1}"#,
        r#"{"width": 1000}"#,
        r#"{"batchSize": 0}"#,
        r#"{"batchSize": 4096}"#,
        r#"{"dSteps": 50}"#,
    ] {
        let options = js_sys::JSON::parse(bad).unwrap();
        assert!(
            web::Lab::create(&Engine::cpu(), &data, options).is_err(),
            "{bad}"
        );
    }
}

#[wasm_bindgen_test]
async fn lab_in_the_wrong_order_rejects_instead_of_panicking() {
    web::start();
    let images = include_bytes!("fixtures/mnist/train-1k-images-idx3-ubyte.gz");
    let data = web::LabData::decode(images).map_err(JsValue::from).unwrap();
    let options = js_sys::JSON::parse(r#"{"headStart": 5, "batchSize": 4, "width": 4}"#).unwrap();
    let mut lab = web::Lab::create(&Engine::cpu(), &data, options)
        .map_err(JsValue::from)
        .unwrap();
    let early = JsFuture::from(lab.samples()).await.unwrap_err();
    assert!(message(early).contains("head start"));
    let early = JsFuture::from(lab.step()).await.unwrap_err();
    assert!(message(early).contains("head start"));
    assert_eq!(lab.head_start(100).map_err(JsValue::from).unwrap(), 0);
    assert!(JsFuture::from(lab.step()).await.is_ok());
}
