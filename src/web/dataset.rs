//! Training images in the page: a dataset decoded once in a worker and shared by every run
//! there (the loss lab's and the studio's), and a person's own images gathered file by file
//! (the worker decodes each with the browser; what is used, and how, is decided here).

use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{js_error, to_js};
use gan_playground::data::ImageSet;
use gan_playground::own_images::{self, Fit, OwnImages, Rect};

/// The most pixel bytes a dataset may inflate to in the page (the committed subsets are at
/// most 12 MiB, a set of one's own images at most 5,000 × 64² × 3 = 61 MiB); a tab's memory
/// is far smaller than a process's.
const MAX_DATASET_BYTES: usize = 64 << 20;

/// A dataset decoded once (idx or idx.gz bytes).
#[wasm_bindgen]
pub struct Dataset {
    images: Rc<ImageSet>,
}

#[wasm_bindgen]
impl Dataset {
    pub fn decode(bytes: &[u8]) -> Result<Dataset, JsError> {
        let images = ImageSet::from_idx_bytes_within(bytes, MAX_DATASET_BYTES).map_err(js_error)?;
        Ok(Dataset {
            images: Rc::new(images),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.images.count
    }
}

impl Dataset {
    pub(crate) fn images(&self) -> Rc<ImageSet> {
        self.images.clone()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Limits {
    #[serde(flatten)]
    limits: own_images::OwnImageLimits,
    head_bytes: usize,
    tail_bytes: usize,
    formats: &'static str,
}

/// The bounds on one's own images (`{ files, fileBytes, totalBytes, minSide, maxPixels,
/// headBytes, tailBytes, formats }`): the page says them and the gatherer enforces them.
#[wasm_bindgen(js_name = ownImageLimits)]
pub fn own_image_limits() -> Result<JsValue, JsError> {
    to_js(&Limits {
        limits: own_images::LIMITS,
        head_bytes: own_images::HEAD_BYTES,
        tail_bytes: own_images::TAIL_BYTES,
        formats: own_images::FORMATS,
    })
}

#[derive(tsify::Tsify, Serialize)]
#[serde(rename_all = "camelCase")]
struct GatheredSet {
    count: usize,
    channels: usize,
    size: usize,
    rejected: Vec<own_images::Rejected>,
}

/// A set of one's own images being gathered, file by file.
#[wasm_bindgen]
pub struct OwnImageGatherer {
    images: Option<OwnImages>,
    /// The finished set, as idx bytes.
    idx: Vec<u8>,
}

#[wasm_bindgen]
impl OwnImageGatherer {
    /// A set of `size`-pixel square images; `fit` is `crop` or `pad`.
    #[wasm_bindgen(constructor)]
    pub fn new(size: usize, fit: &str) -> Result<OwnImageGatherer, JsError> {
        let fit = match fit {
            "crop" => Fit::Crop,
            "pad" => Fit::Pad,
            other => return Err(JsError::new(&format!("fit “{other}” is not crop or pad"))),
        };
        Ok(OwnImageGatherer {
            images: Some(OwnImages::new(size, fit).map_err(|e| JsError::new(&e))?),
            idx: Vec::new(),
        })
    }

    fn images(&mut self) -> Result<&mut OwnImages, JsError> {
        self.images
            .as_mut()
            .ok_or_else(|| JsError::new("this set is finished"))
    }

    /// Whether to decode the file `name` of `bytes` bytes starting with `head` and ending with
    /// `tail` (its last `tailBytes`): its placement (`{ source: { x, y, w, h }, dest }`), or
    /// null when it is refused (and listed).
    pub fn admit(
        &mut self,
        name: &str,
        bytes: f64,
        head: &[u8],
        tail: &[u8],
    ) -> Result<JsValue, JsError> {
        let bytes = if bytes.is_finite() && bytes >= 0.0 {
            bytes as u64
        } else {
            u64::MAX
        };
        match self.images()?.admit(name, bytes, head, tail) {
            Some(placement) => to_js(&placement),
            None => Ok(JsValue::NULL),
        }
    }

    /// Whether the set is at its bound: a further file is refused without reading it.
    #[wasm_bindgen(js_name = isFull)]
    pub fn is_full(&self) -> bool {
        self.images.as_ref().is_none_or(OwnImages::is_full)
    }

    /// A file that could not be used after all (the browser could not decode it).
    pub fn reject(&mut self, name: &str, reason: &str) -> Result<(), JsError> {
        self.images()?.reject(name, reason);
        Ok(())
    }

    /// One decoded image: the `size × size` RGBA square with the image on `dest`.
    pub fn add(&mut self, rgba: &[u8], dest: JsValue) -> Result<(), JsError> {
        let dest: Rect = serde_wasm_bindgen::from_value(dest)
            .map_err(|e| JsError::new(&format!("placement: {e}")))?;
        self.images()?.add(rgba, dest).map_err(|e| JsError::new(&e))
    }

    /// Ends the set: `{ count, channels, size, rejected: [{ name, reason }] }`; its images are
    /// then [`OwnImageGatherer::idx`]. An empty or all-bad set is an error.
    #[wasm_bindgen(unchecked_return_type = "GatheredSet")]
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let images = self
            .images
            .take()
            .ok_or_else(|| JsError::new("this set is finished"))?;
        let (set, rejected) = images.finish().map_err(|e| JsError::new(&e))?;
        self.idx = set.to_idx();
        to_js(&GatheredSet {
            count: set.count,
            channels: set.channels,
            size: set.size,
            rejected,
        })
    }

    /// The finished set as an idx file (what `Dataset.decode` reads).
    pub fn idx(&self) -> Vec<u8> {
        self.idx.clone()
    }

    /// Files refused so far (`[{ name, reason }]`).
    pub fn rejected(&self) -> Result<JsValue, JsError> {
        match &self.images {
            Some(images) => to_js(&images.rejected()),
            None => to_js(&Vec::<own_images::Rejected>::new()),
        }
    }
}
