//! `.npy` decoding (the CLI's `--z` and `--images`): good files read, hostile headers are
//! refused quickly with a message.

use std::time::{Duration, Instant};

use gan_playground::npy::decode_f32;

fn npy(header: &str, data: &[u8]) -> Vec<u8> {
    let mut header = header.to_owned();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}

#[test]
fn a_float32_array_reads_with_its_shape() {
    let data: Vec<u8> = [0.5f32, -1.0, 2.0, 3.0, 4.0, 5.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let bytes = npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        &data,
    );
    let (shape, values) = decode_f32(&bytes).unwrap();
    assert_eq!(shape, [2, 3]);
    assert_eq!(values, [0.5, -1.0, 2.0, 3.0, 4.0, 5.0]);
}

#[test]
fn hostile_headers_are_refused_quickly_with_a_message() {
    // The input fuzz/npy found: nested braces made npyz's header parser run for minutes.
    let nested = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': (0, 100,0 ,) ,{} ), }}",
        "{".repeat(40)
    );
    let cases = [
        (npy(&nested, &[]), "not one flat dict"),
        (
            npy(
                "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                &[0; 4],
            ),
            "not one flat dict",
        ),
        (
            npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }",
                &[],
            ),
            "more values than a count holds",
        ),
        (
            npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                &[0; 8],
            ),
            "needs 4 float32 values",
        ),
        (
            npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                &[0; 8],
            ),
            "float32",
        ),
        (
            b"\x93NUMPY\x01\x00\xff\xff{".to_vec(),
            "header is longer than the file",
        ),
        (b"PK\x03\x04".to_vec(), "magic"),
    ];
    for (bytes, expected) in cases {
        let started = Instant::now();
        let error = format!("{:#}", decode_f32(&bytes).expect_err(expected));
        assert!(
            error.contains(expected),
            "{error:?} should say {expected:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "refused at once"
        );
    }
}
