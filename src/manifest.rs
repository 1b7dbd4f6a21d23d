//! The page's list of models (`assets/weights/models.json`), validated whole before the page
//! builds anything from it: a served file that is not what the page expects is named, with what
//! is wrong, instead of surfacing later as a JS TypeError.

use serde::Serialize;
use serde_json::Value;

use crate::latent::Prior;

/// The most models a manifest may list (a picker, not a catalogue).
pub const MAX_MODELS: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelEntry {
    /// What links name (`#model=<id>`): lower-case letters, digits, `-` and `_`.
    pub id: String,
    /// What the picker shows.
    pub name: String,
    /// A file name in `weights/` (no folders).
    pub weights: String,
    pub prior: Prior,
    /// The projection's first guess for this generator (`src/invert/encoder.rs`): a file name
    /// in `weights/`, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoder: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The id of the model shown when a link names none.
    pub default: String,
    pub models: Vec<ModelEntry>,
}

const WHAT: &str = "weights/models.json";

fn field<'a>(
    object: &'a serde_json::Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a str, String> {
    match object.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(format!("{WHAT}: {at} has an empty \"{key}\"")),
        Some(other) => Err(format!(
            "{WHAT}: {at}'s \"{key}\" must be a string, not {}",
            kind(other)
        )),
        None => Err(format!("{WHAT}: {at} has no \"{key}\"")),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn model(value: &Value, index: usize) -> Result<ModelEntry, String> {
    let at = format!("model {}", index + 1);
    let Value::Object(object) = value else {
        return Err(format!(
            "{WHAT}: {at} must be an object, not {}",
            kind(value)
        ));
    };
    let id = field(object, "id", &at)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(format!(
            "{WHAT}: {at}'s id {id:?} may hold only lower-case letters, digits, - and _"
        ));
    }
    let at = format!("model {id:?}");
    let file_name = |key: &str| -> Result<&str, String> {
        let name = field(object, key, &at)?;
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!(
                "{WHAT}: {at}'s {key} {name:?} must be a file name in weights/, not a path"
            ));
        }
        Ok(name)
    };
    let weights = file_name("weights")?;
    let encoder = match object.get("encoder") {
        None => None,
        Some(_) => Some(file_name("encoder")?.to_owned()),
    };
    let prior =
        Prior::parse(field(object, "prior", &at)?).map_err(|e| format!("{WHAT}: {at}: {e}"))?;
    Ok(ModelEntry {
        id: id.to_owned(),
        name: field(object, "name", &at)?.to_owned(),
        weights: weights.to_owned(),
        prior,
        encoder,
    })
}

impl Manifest {
    /// Reads and validates the whole manifest; the error names the file and what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("{WHAT} is not valid JSON ({e})"))?;
        let Value::Object(object) = &value else {
            return Err(format!(
                "{WHAT} must be an object with \"default\" and \"models\", not {}",
                kind(&value)
            ));
        };
        let list = match object.get("models") {
            Some(Value::Array(list)) => list,
            Some(other) => {
                return Err(format!(
                    "{WHAT}: \"models\" must be a list, not {}",
                    kind(other)
                ));
            }
            None => return Err(format!("{WHAT} has no \"models\" list")),
        };
        if list.is_empty() {
            return Err(format!("{WHAT} lists no models"));
        }
        if list.len() > MAX_MODELS {
            return Err(format!(
                "{WHAT} lists {} models; at most {MAX_MODELS}",
                list.len()
            ));
        }
        let models = list
            .iter()
            .enumerate()
            .map(|(i, m)| model(m, i))
            .collect::<Result<Vec<_>, _>>()?;
        for (i, m) in models.iter().enumerate() {
            if models[..i].iter().any(|other| other.id == m.id) {
                return Err(format!("{WHAT} lists the model id {:?} twice", m.id));
            }
        }
        let default = field(object, "default", "the manifest")?;
        if !models.iter().any(|m| m.id == default) {
            let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
            return Err(format!(
                "{WHAT}: the default {default:?} names no model (it lists {})",
                ids.join(", ")
            ));
        }
        Ok(Manifest {
            default: default.to_owned(),
            models,
        })
    }
}
