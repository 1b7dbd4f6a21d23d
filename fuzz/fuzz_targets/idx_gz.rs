//! idx.gz: gzip is transparent. The input (after its first byte) is an idx file, hostile or
//! not; gzipped as two members split where the first byte says (what `cat a.gz b.gz`, pigz
//! and bgzip write), it must decode exactly as the raw bytes do, or fail as they do.
#![no_main]
use std::io::Write;

use flate2::{Compression, write::GzEncoder};
use gan_playground::data::parse_idx_within;
use libfuzzer_sys::fuzz_target;

const BOUND: usize = 1 << 20;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("to memory");
    encoder.finish().expect("to memory")
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&split, idx)) = bytes.split_first() else {
        return;
    };
    if idx.starts_with(&[0x1f, 0x8b]) {
        return; // raw bytes with the gzip magic are read as gzip
    }
    let at = split as usize * idx.len() / 255;
    let stream = [gzip(&idx[..at]), gzip(&idx[at..])].concat();
    match (
        parse_idx_within(idx, BOUND),
        parse_idx_within(&stream, BOUND),
    ) {
        (Ok(raw), Ok(gz)) => assert_eq!(raw, gz),
        (Err(_), Err(_)) => {}
        (raw, gz) => panic!("raw {raw:?} but gzipped {gz:?}"),
    }
});
