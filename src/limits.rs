//! The ranges of the settings a person gives (the loss lab's, the studio's, a training run's),
//! and the one error that refuses a setting: it names the setting, what it must be and what it
//! got, so a message says what was wrong and what is allowed, whatever typed it (a control, a
//! link, the CLI).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A seed: u32 everywhere, so a JavaScript number holds it exactly.
pub const SEED: Range<u64> = Range {
    min: 0,
    max: u32::MAX as u64,
};

/// Why a setting was refused: "{setting} must be {expected}; got {got}".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{setting} must be {expected}; got {got}")]
pub struct SettingError {
    /// The setting as a person reads it ("head start", "D learning rate").
    pub setting: String,
    /// What it may be ("a whole number from 0 to 1000").
    pub expected: String,
    /// What it was, as given ("2.5", "“abc”", "nothing").
    pub got: String,
}

impl SettingError {
    pub fn new(setting: &str, expected: impl Into<String>, got: impl Into<String>) -> Self {
        SettingError {
            setting: setting.into(),
            expected: expected.into(),
            got: got.into(),
        }
    }
}

/// A value a setting may hold: a whole number or not, written as people write it.
pub trait Bound: Copy + PartialOrd + fmt::Display {
    const WHOLE: bool;
    fn to_f64(self) -> f64;
    /// Only called on a value already checked to lie within a range of `Self`.
    fn from_f64(v: f64) -> Self;
}

macro_rules! bound {
    ($($t:ty => $whole:expr),*) => {$(
        impl Bound for $t {
            const WHOLE: bool = $whole;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}
bound!(usize => true, u64 => true, u32 => true, f32 => false, f64 => false);

/// A number as a person writes it: 0.001, 1e-6, 1e30, 2.5, NaN.
pub fn number(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && a.is_finite() && !(1e-4..1e6).contains(&a) {
        format!("{v:e}")
    } else {
        // Shortest form that reads back as the same f32 or f64 (0.99f32 → 0.99).
        format!("{v}")
    }
}

/// A setting's value as a person writes it: f32's own shortest form, not its f64 widening.
pub fn written<T: Bound>(v: T) -> String {
    if T::WHOLE {
        v.to_string()
    } else {
        // f32's own shortest form, so 0.99f32 is not 0.9900000095367432.
        let text = v.to_string();
        match text.parse::<f64>() {
            Ok(f) => number(f),
            Err(_) => text,
        }
    }
}

/// What a value given where a number belongs was, as the message quotes it.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::String(s) if s.is_empty() => "nothing".into(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        Value::String(s) => format!("“{s}”"),
        other => other.to_string(),
    }
}

/// The one of `all` that `name_of` calls `name` (a flag's value), or a message that names
/// `what` and lists the names.
pub fn by_name<T: Copy>(
    what: &str,
    name: &str,
    all: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|t| name_of(*t) == name)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|t| name_of(*t)).collect();
            format!("unknown {what} {name:?}: expected {}", names.join(" or "))
        })
}

/// An inclusive range a setting must lie in.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Range<T> {
    pub min: T,
    pub max: T,
}

impl<T: Bound> Range<T> {
    /// "a whole number from 0 to 1000", "a number from 1e-6 to 0.1".
    pub fn expected(&self) -> String {
        let kind = if T::WHOLE {
            "a whole number"
        } else {
            "a number"
        };
        format!("{kind} from {} to {}", written(self.min), written(self.max))
    }

    /// `value` within the range, or the error that names `setting`.
    pub fn check(&self, setting: &str, value: T) -> Result<(), SettingError> {
        if value >= self.min && value <= self.max {
            Ok(())
        } else {
            Err(SettingError::new(setting, self.expected(), written(value)))
        }
    }

    /// A number as the page or a link gives it (JSON: a number, or the text typed where one
    /// belongs), checked whole: finite, whole where it must be, within the range.
    pub fn read(&self, setting: &str, value: &Value) -> Result<T, SettingError> {
        let refuse = || SettingError::new(setting, self.expected(), describe(value));
        let v = value.as_f64().ok_or_else(refuse)?;
        let whole = !T::WHOLE || v.fract() == 0.0;
        if whole && v >= self.min.to_f64() && v <= self.max.to_f64() {
            Ok(T::from_f64(v))
        } else {
            Err(refuse())
        }
    }
}

/// The settings object the page sends: a JSON object (or nothing, for every default) whose
/// keys are all among `known`.
pub fn options<'a>(
    what: &str,
    value: &'a Value,
    known: &[&str],
) -> Result<Option<&'a serde_json::Map<String, Value>>, SettingError> {
    let object = match value {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        other => return Err(SettingError::new(what, "an object", describe(other))),
    };
    if let Some(key) = object.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(SettingError::new(
            what,
            format!("made of {}", known.join(", ")),
            format!("an unknown setting “{key}”"),
        ));
    }
    Ok(Some(object))
}

/// One of a setting's named choices (`all`, as serde names them).
pub fn choice<T: Serialize + DeserializeOwned>(
    setting: &str,
    value: &Value,
    all: &[T],
) -> Result<T, SettingError> {
    serde_json::from_value(value.clone()).map_err(|_| {
        let names: Vec<String> = all
            .iter()
            .filter_map(|t| serde_json::to_value(t).ok()?.as_str().map(String::from))
            .collect();
        SettingError::new(
            setting,
            format!("one of {}", names.join(", ")),
            describe(value),
        )
    })
}
