//! A plane lab's whole set-up: the data, both networks, the optimiser, the rates and steps, the
//! seed. The page's controls, a link and the CLI all give it as one JSON object read here by
//! name against [`LIMITS`] (one definition of what is allowed), and a link carries it back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::data::{Mixture, Shape, VIEW};
use super::mlp::Activation;
use crate::latent::Prior;
use crate::limits::{self, Range, SettingError};

/// How each network's weights move.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    /// β1 0.5, β2 0.999, as the DCGAN recipe.
    Adam,
    Sgd,
}

#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaneSetup {
    pub shape: Shape,
    /// The centres a person drew (only with `shape` = drawn).
    pub points: Vec<[f32; 2]>,
    pub spread: f32,
    /// Real samples drawn once from the mixture: the training set.
    pub samples: usize,
    /// G's noise: 1-D or 2-D.
    pub noise_dim: usize,
    pub prior: Prior,
    /// Hidden layers and their width.
    pub g_layers: usize,
    pub g_width: usize,
    pub g_activation: Activation,
    pub d_layers: usize,
    pub d_width: usize,
    pub d_activation: Activation,
    pub optimizer: Optimizer,
    pub lr_d: f64,
    pub lr_g: f64,
    pub d_steps: usize,
    pub g_steps: usize,
    pub batch_size: usize,
    /// D-only steps before the runs split (D ahead, so D(G(z)) starts low, where the costs differ).
    pub head_start: usize,
    pub seed: u64,
    /// A third run with the maximum-likelihood cost.
    pub third: bool,
}

impl Default for PlaneSetup {
    /// GAN Lab's scale of problem (3 hidden layers of 64, batch 256) on the ring; the measured
    /// behaviour of this default is in docs/LOSS_LAB.md.
    fn default() -> Self {
        PlaneSetup {
            shape: Shape::Ring,
            points: Vec::new(),
            spread: Shape::Ring.default_spread(),
            samples: 1024,
            noise_dim: 2,
            prior: Prior::Normal,
            g_layers: 3,
            g_width: 64,
            g_activation: Activation::Relu,
            d_layers: 3,
            d_width: 64,
            d_activation: Activation::LeakyRelu,
            optimizer: Optimizer::Adam,
            lr_d: 1e-3,
            lr_g: 1e-3,
            d_steps: 1,
            g_steps: 1,
            batch_size: 256,
            head_start: 100,
            seed: 1,
            third: false,
        }
    }
}

/// What a set-up may hold; the page's inputs take their bounds from here.
#[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaneLimits {
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub points: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub spread: Range<f32>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub samples: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub noise_dim: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub layers: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub width: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub lr: Range<f64>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub steps: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub batch_size: Range<usize>,
    #[cfg_attr(feature = "typescript", tsify(type = "Range<number>"))]
    pub head_start: Range<usize>,
    /// Where a drawn point may lie, on each axis.
    pub view: f32,
}

pub const LIMITS: PlaneLimits = PlaneLimits {
    // One point is one Gaussian: a drawing is a distribution of at least two.
    points: Range { min: 2, max: 500 },
    spread: Range {
        min: 0.005,
        max: 0.5,
    },
    samples: Range { min: 16, max: 4096 },
    noise_dim: Range { min: 1, max: 2 },
    layers: Range { min: 1, max: 6 },
    width: Range { min: 2, max: 128 },
    lr: Range {
        min: 1e-6,
        max: 1.0,
    },
    steps: Range { min: 1, max: 10 },
    batch_size: Range { min: 2, max: 1024 },
    head_start: Range { min: 0, max: 1000 },
    view: VIEW,
};

/// The set-up's keys as the page names them, and as a message names each.
const KEYS: [(&str, &str); 22] = [
    ("shape", "data"),
    ("points", "drawn points"),
    ("spread", "spread"),
    ("samples", "sample count"),
    ("noiseDim", "noise dimensions"),
    ("prior", "noise prior"),
    ("gLayers", "G layers"),
    ("gWidth", "G width"),
    ("gActivation", "G activation"),
    ("dLayers", "D layers"),
    ("dWidth", "D width"),
    ("dActivation", "D activation"),
    ("optimizer", "optimizer"),
    ("lrD", "D learning rate"),
    ("lrG", "G learning rate"),
    ("dSteps", "D steps per iteration"),
    ("gSteps", "G steps per iteration"),
    ("batchSize", "batch size"),
    ("headStart", "D head start"),
    ("seed", "seed"),
    ("third", "third run"),
    ("version", "link version"),
];

/// Links carry this; a later format would read older ones by it.
const VERSION: u64 = 1;

impl PlaneSetup {
    /// The real data's mixture.
    pub fn mixture(&self) -> Mixture {
        let centres = match self.shape {
            Shape::Drawn => self.points.clone(),
            preset => preset.centres(),
        };
        Mixture {
            centres,
            spread: self.spread,
        }
    }

    /// A set-up from the page's object (missing keys keep [`PlaneSetup::default`]), each value
    /// read against [`LIMITS`]: a value that is not what its setting allows, or a key the lab
    /// does not know, is refused by name.
    pub fn from_options(options: &Value) -> Result<PlaneSetup, SettingError> {
        let mut s = PlaneSetup::default();
        let names: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
        let Some(object) = limits::options("plane set-up", options, &names)? else {
            return Ok(s);
        };
        let l = &LIMITS;
        let mut spread_given = false;
        for (key, v) in object {
            let name = KEYS.iter().find(|(k, _)| k == key).map_or("", |(_, n)| n);
            match key.as_str() {
                "shape" => s.shape = limits::choice(name, v, &Shape::ALL)?,
                "points" => s.points = read_points(v)?,
                "spread" => {
                    s.spread = l.spread.read(name, v)?;
                    spread_given = true;
                }
                "samples" => s.samples = l.samples.read(name, v)?,
                "noiseDim" => s.noise_dim = l.noise_dim.read(name, v)?,
                "prior" => s.prior = limits::choice(name, v, &Prior::ALL)?,
                "gLayers" => s.g_layers = l.layers.read(name, v)?,
                "gWidth" => s.g_width = l.width.read(name, v)?,
                "gActivation" => s.g_activation = limits::choice(name, v, &Activation::ALL)?,
                "dLayers" => s.d_layers = l.layers.read(name, v)?,
                "dWidth" => s.d_width = l.width.read(name, v)?,
                "dActivation" => s.d_activation = limits::choice(name, v, &Activation::ALL)?,
                "optimizer" => {
                    s.optimizer = limits::choice(name, v, &[Optimizer::Adam, Optimizer::Sgd])?
                }
                "lrD" => s.lr_d = l.lr.read(name, v)?,
                "lrG" => s.lr_g = l.lr.read(name, v)?,
                "dSteps" => s.d_steps = l.steps.read(name, v)?,
                "gSteps" => s.g_steps = l.steps.read(name, v)?,
                "batchSize" => s.batch_size = l.batch_size.read(name, v)?,
                "headStart" => s.head_start = l.head_start.read(name, v)?,
                "seed" => s.seed = limits::SEED.read(name, v)?,
                "third" => {
                    s.third = v.as_bool().ok_or_else(|| {
                        SettingError::new(name, "true or false", limits::describe(v))
                    })?
                }
                _ => {
                    let version = v.as_u64();
                    if version != Some(VERSION) {
                        let expected = format!("{VERSION} (a link from this page)");
                        return Err(SettingError::new(name, expected, limits::describe(v)));
                    }
                }
            }
        }
        if !spread_given {
            s.spread = s.shape.default_spread();
        }
        if s.shape == Shape::Drawn {
            l.points
                .check("drawn points", s.points.len())
                .map_err(|e| SettingError {
                    expected: format!("{} (click or drag on the plane)", e.expected),
                    ..e
                })?;
        } else {
            s.points.clear();
        }
        Ok(s)
    }

    /// The set-up as a link's value: its JSON, base64url (points to three decimals).
    pub fn to_link(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("version".into(), VERSION.into());
            let points: Vec<[f64; 2]> = self
                .points
                .iter()
                .map(|p| p.map(|v| (f64::from(v) * 1000.0).round() / 1000.0))
                .collect();
            map.insert("points".into(), serde_json::json!(points));
        }
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    /// A link's value read back: every setting checked as the controls' are.
    pub fn from_link(text: &str) -> Result<PlaneSetup, SettingError> {
        let refuse = |why: &str| SettingError::new("the link's set-up", "one this page wrote", why);
        if text.len() > 64 * 1024 {
            return Err(refuse("text too long to be one"));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|_| refuse("text that is not base64url"))?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|_| refuse("bytes that are not JSON"))?;
        if !value.is_object() {
            return Err(refuse("JSON that is not an object"));
        }
        PlaneSetup::from_options(&value)
    }
}

/// Drawn points: `[[x, y], …]`, each inside the view, at most [`LIMITS`]`.points.max`.
fn read_points(v: &Value) -> Result<Vec<[f32; 2]>, SettingError> {
    let name = "drawn points";
    let list = v
        .as_array()
        .ok_or_else(|| SettingError::new(name, "a list of [x, y] pairs", limits::describe(v)))?;
    LIMITS.points.check(name, list.len()).or_else(|e| {
        // Too few is said once the shape is known (a preset ignores its points).
        if list.len() < LIMITS.points.min {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    let inside = Range {
        min: -VIEW,
        max: VIEW,
    };
    list.iter()
        .enumerate()
        .map(|(i, p)| {
            let pair = p.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                SettingError::new(
                    &format!("drawn point {}", i + 1),
                    "an [x, y] pair",
                    limits::describe(p),
                )
            })?;
            let x = inside.read(&format!("drawn point {}'s x", i + 1), &pair[0])?;
            let y = inside.read(&format!("drawn point {}'s y", i + 1), &pair[1])?;
            Ok([x, y])
        })
        .collect()
}
