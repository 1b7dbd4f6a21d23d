//! `.npy` bytes as the CLI's `--z` and `--images` read them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok((shape, values)) = gan_playground::npy::decode_f32(bytes) {
        assert_eq!(shape.iter().product::<usize>(), values.len());
    }
});
