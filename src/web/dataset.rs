//! Training images in the page: a dataset decoded once in a worker and shared by every run
//! there (the loss lab's and the studio's).

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::js_error;
use gan_playground::data::ImageSet;

/// The most pixel bytes a dataset may inflate to in the page (the committed subsets are at
/// most 12 MiB); a tab's memory is far smaller than a process's.
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
