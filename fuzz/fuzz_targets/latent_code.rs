//! The z code in a link (`#z=z1…`): what decodes is exactly the code of what it decodes to.
#![no_main]
use gan_playground::latent::{decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(code) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(z) = decode(code, None) {
        assert_eq!(encode(&z), code.trim());
    }
});
