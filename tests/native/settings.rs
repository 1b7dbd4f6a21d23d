//! Every setting a person types, as the page and links send it (JSON: a number, or the text
//! typed where a number belongs): each bad value is refused with a message that names the
//! setting, says what it must be (its range), and quotes what it got. The page shows these
//! messages as they are, so this is where their words are checked.

use gan_playground::lab::{self, LabConfig};
use gan_playground::limits::{self, Range, SettingError};
use gan_playground::studio::{self, StudioConfig};
use serde_json::{Value, json};

/// The bad values the issue names: empty, text, negative, 1e308, NaN (as the page sends what is
/// not a number: its text), and nothing at all; fractional only where a whole number belongs.
fn bad_values(whole: bool) -> Vec<(Value, &'static str)> {
    let mut values = vec![
        (json!(""), "nothing"),
        (json!("abc"), "“abc”"),
        (json!(-1), "-1"),
        (json!(1e308), "1e308"),
        (json!("NaN"), "“NaN”"),
        (json!(null), "nothing"),
        (json!(true), "true"),
    ];
    if whole {
        values.push((json!(2.5), "2.5"));
    }
    values
}

fn expect(e: SettingError, setting: &str, expected: &str, got: &str) {
    assert_eq!(e.setting, setting);
    assert_eq!(e.expected, expected, "{setting}");
    assert_eq!(e.got, got, "{setting}");
    assert_eq!(
        e.to_string(),
        format!("{setting} must be {expected}; got {got}")
    );
}

#[test]
fn ranges_say_what_they_take_in_the_words_people_write() {
    let lr = Range {
        min: 1e-6,
        max: 0.1,
    };
    assert_eq!(lr.expected(), "a number from 1e-6 to 0.1");
    assert_eq!(
        limits::SEED.expected(),
        "a whole number from 0 to 4294967295"
    );
    assert_eq!(studio::LIMITS.lr.expected(), "a number from 1e-6 to 1e30");
    assert_eq!(studio::LIMITS.beta_1.expected(), "a number from 0 to 0.99");
    assert_eq!(limits::number(2e-4), "0.0002");
    assert_eq!(limits::number(f64::NAN), "NaN");
    // A whole range reads a whole number given as a float (JSON's 3.0), not 3.5.
    let steps = Range {
        min: 1usize,
        max: 10,
    };
    assert_eq!(steps.read("k", &json!(3.0)), Ok(3));
    assert!(steps.read("k", &json!(3.5)).is_err());
    assert!(steps.check("k", 11).is_err());
}

#[test]
fn every_lab_setting_refuses_every_bad_value_by_name_and_range() {
    let l = &lab::LIMITS;
    let ranges = [
        ("lr", l.lr.expected()),
        ("dSteps", l.d_steps.expected()),
        ("gSteps", l.g_steps.expected()),
        ("headStart", l.head_start.expected()),
        ("batchSize", l.batch_size.expected()),
        ("width", l.width.expected()),
        ("seed", limits::SEED.expected()),
    ];
    assert_eq!(ranges.len(), lab::OPTIONS.len(), "every option is checked");
    for ((key, expected), (option, label)) in ranges.iter().zip(lab::OPTIONS) {
        assert_eq!(key, &option);
        for (value, got) in bad_values(*key != "lr") {
            let e = LabConfig::from_options(&json!({ *key: value })).unwrap_err();
            expect(e, label, expected, got);
        }
    }
    // Just inside each range is taken; left out keeps the default.
    let c = LabConfig::from_options(&json!({"headStart": 1000, "lr": 0.1, "seed": 4294967295u64}))
        .unwrap();
    assert_eq!(
        (c.head_start, c.train.lr_g, c.train.seed),
        (1000, 0.1, 4294967295)
    );
    assert_eq!(
        LabConfig::from_options(&json!(null)).unwrap(),
        LabConfig::default()
    );
    assert_eq!(
        LabConfig::from_options(&json!({})).unwrap(),
        LabConfig::default()
    );
}

#[test]
fn the_lab_names_an_unknown_setting_and_a_value_that_is_no_object() {
    let e = LabConfig::from_options(&json!({"learningRate": 0.001})).unwrap_err();
    assert_eq!(e.got, "an unknown setting “learningRate”");
    assert!(e.expected.contains("lr, dSteps"), "{e}");
    let e = LabConfig::from_options(&json!([1, 2])).unwrap_err();
    assert_eq!(e.to_string(), "lab options must be an object; got [1,2]");
}

fn studio_defaults() -> Value {
    serde_json::to_value(StudioConfig::default()).unwrap()
}

#[test]
fn every_studio_setting_refuses_every_bad_value_by_name_and_range() {
    let l = &studio::LIMITS;
    let numbers = [
        ("lrD", l.lr.expected(), false),
        ("lrG", l.lr.expected(), false),
        ("beta1", l.beta_1.expected(), false),
        ("beta2", l.beta_2.expected(), false),
        ("batchSize", l.batch_size.expected(), true),
        ("dSteps", l.d_steps.expected(), true),
        ("gSteps", l.g_steps.expected(), true),
        ("seed", l.seed.expected(), true),
        ("ema", l.ema.expected(), false),
    ];
    let label = |key: &str| studio::SETTINGS.iter().find(|(k, _)| *k == key).unwrap().1;
    for (key, expected, whole) in numbers {
        for (value, got) in bad_values(whole) {
            let mut options = studio_defaults();
            options[key] = value;
            let e = StudioConfig::from_options(&options).unwrap_err();
            expect(e, label(key), &expected, got);
        }
    }
    assert_eq!(
        StudioConfig::from_options(&studio_defaults()).unwrap(),
        StudioConfig::default()
    );
}

#[test]
fn the_studio_names_a_bad_choice_a_missing_setting_and_an_unknown_one() {
    let refused = |key: &str, value: Value| {
        let mut options = studio_defaults();
        options[key] = value;
        StudioConfig::from_options(&options)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused("preset", json!("huge-128")),
        "architecture must be one of tiny-28, small-28, tiny-32, small-32, pytorch-dcgan; got “huge-128”"
    );
    assert_eq!(
        refused("cost", json!(3)),
        "G cost must be one of saturating, non_saturating, maximum_likelihood; got 3"
    );
    assert_eq!(
        refused("prior", json!("<img src=x onerror=alert(1)>")),
        "prior must be one of uniform, normal; got “<img src=x onerror=alert(1)>”"
    );
    assert!(refused("augment", json!({"mixup": true})).starts_with("DiffAugment must be"));
    let mut options = studio_defaults();
    options.as_object_mut().unwrap().remove("batchSize");
    assert_eq!(
        StudioConfig::from_options(&options)
            .unwrap_err()
            .to_string(),
        "batch size must be a whole number from 2 to 256; got nothing"
    );
    options["wings"] = json!(2);
    let e = StudioConfig::from_options(&options).unwrap_err();
    assert_eq!(e.got, "an unknown setting “wings”");
    assert_eq!(
        StudioConfig::from_options(&json!(null))
            .unwrap_err()
            .to_string(),
        "studio settings must be an object; got nothing"
    );
}

#[test]
fn a_settings_error_is_its_own_kind_not_a_model_configuration() {
    let config = StudioConfig {
        batch_size: 1,
        ..StudioConfig::default()
    };
    let e = studio::new_run(
        &config,
        &crate::common::mnist_slice(),
        &burn::tensor::Device::flex(),
    )
    .err()
    .expect("refused");
    assert!(
        matches!(e, gan_playground::model::ModelError::Setting(_)),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "batch size must be a whole number from 2 to 256; got 1"
    );
    let train = gan_playground::TrainConfig {
        lr_d: 0.0,
        ..Default::default()
    };
    assert_eq!(
        train.validate().unwrap_err().to_string(),
        "discriminator learning rate must be a number above 0, at most 1e30; got 0"
    );
}
