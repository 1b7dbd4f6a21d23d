//! The page's model list: the shipped one reads, and each way of being wrong is named.

use gan_playground::latent::Prior;
use gan_playground::manifest::Manifest;

#[test]
fn the_shipped_manifest_reads_and_names_files_that_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/weights");
    let manifest =
        Manifest::parse(&std::fs::read_to_string(root.join("models.json")).unwrap()).unwrap();
    assert_eq!(manifest.default, "mnist");
    assert_eq!(manifest.models.len(), 3);
    for m in &manifest.models {
        assert!(root.join(&m.weights).is_file(), "{} is shipped", m.weights);
        assert_eq!(m.prior, Prior::Normal);
        if let Some(encoder) = &m.encoder {
            assert!(root.join(encoder).is_file(), "{encoder} is shipped");
        }
    }
}

#[test]
fn a_malformed_manifest_is_refused_with_what_is_wrong() {
    let good =
        r#"{ "id": "mnist", "name": "Digits", "weights": "m.safetensors", "prior": "normal" }"#;
    let cases = [
        ("not json", "is not valid JSON"),
        ("[]", "must be an object"),
        ("{}", "has no \"models\" list"),
        (
            r#"{ "models": {} }"#,
            "\"models\" must be a list, not an object",
        ),
        (r#"{ "default": "mnist", "models": [] }"#, "lists no models"),
        (
            &format!(r#"{{ "models": [{good}] }}"#),
            "has no \"default\"",
        ),
        (
            &format!(r#"{{ "default": "emoji", "models": [{good}] }}"#),
            "the default \"emoji\" names no model (it lists mnist)",
        ),
        (
            &format!(r#"{{ "default": "mnist", "models": [{good}, {good}] }}"#),
            "lists the model id \"mnist\" twice",
        ),
        (
            r#"{ "default": "a", "models": [3] }"#,
            "model 1 must be an object, not a number",
        ),
        (
            r#"{ "default": "a", "models": [{ "name": "A" }] }"#,
            "model 1 has no \"id\"",
        ),
        (
            r#"{ "default": "a", "models": [{ "id": "A B" }] }"#,
            "may hold only lower-case letters",
        ),
        (
            r#"{ "default": "a", "models": [{ "id": "a", "name": "A", "weights": "../x", "prior": "normal" }] }"#,
            "must be a file name in weights/",
        ),
        (
            r#"{ "default": "a", "models": [{ "id": "a", "name": "A", "weights": "x", "prior": "normal", "encoder": "/etc/passwd" }] }"#,
            "encoder \"/etc/passwd\" must be a file name in weights/",
        ),
        (
            r#"{ "default": "a", "models": [{ "id": "a", "name": "A", "weights": "x", "prior": "normal", "encoder": 1 }] }"#,
            "\"encoder\" must be a string, not a number",
        ),
        (
            r#"{ "default": "a", "models": [{ "id": "a", "name": "A", "weights": "x", "prior": "cauchy" }] }"#,
            "unknown prior",
        ),
        (
            r#"{ "default": "a", "models": [{ "id": "a", "name": 7, "weights": "x", "prior": "normal" }] }"#,
            "\"name\" must be a string, not a number",
        ),
    ];
    for (text, expected) in cases {
        let error = Manifest::parse(text).expect_err(text);
        assert!(
            error.contains(expected),
            "{text}: {error:?} should say {expected:?}"
        );
        assert!(
            error.contains("weights/models.json"),
            "{error:?} names the file"
        );
    }
}
