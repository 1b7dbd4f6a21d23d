//! idx and idx.gz bytes as the page and the CLI read them (the decoder looks at the magic; the
//! corpus has both, so mutations land in the gzip layer too).
#![no_main]
use gan_playground::data::{ImageSet, parse_idx_within};
use libfuzzer_sys::fuzz_target;

/// Small, so an input that claims or inflates to more is refused quickly, as a larger one is.
const BOUND: usize = 1 << 20;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(idx) = parse_idx_within(bytes, BOUND) {
        let _ = ImageSet::from_idx(idx, None);
    }
    let _ = ImageSet::from_idx_bytes_within(bytes, BOUND);
});
