use burn::tensor::Device;
use gan_playground::data::*;

fn mnist_slice() -> ImageSet {
    let images = include_bytes!("../fixtures/mnist/train-1k-images-idx3-ubyte.gz");
    let labels = include_bytes!("../fixtures/mnist/train-1k-labels-idx1-ubyte.gz");
    ImageSet::from_idx_bytes(images, Some(labels)).unwrap()
}

#[test]
fn real_mnist_slice_decodes() {
    let set = mnist_slice();
    assert_eq!((set.count, set.channels, set.size), (1000, 1, 28));
    let labels = set.labels.as_ref().unwrap();
    assert_eq!(&labels[..5], &[5, 0, 4, 1, 9]); // MNIST's first training labels
    // MNIST's pixel mean is 0.1307 of full scale (over the whole set; a slice is close).
    let mean = set.pixels.iter().map(|p| *p as f64 / 255.0).sum::<f64>() / set.pixels.len() as f64;
    assert!((mean - 0.1307).abs() < 0.01, "mean {mean}");
}

#[test]
fn batches_are_normalised_shuffled_and_deterministic() {
    let set = mnist_slice();
    let device = Device::flex();
    let idx = batch_indices(set.count, 64, 5, 0);
    assert_eq!(idx.len(), 64);
    assert_eq!(idx, batch_indices(set.count, 64, 5, 0));
    assert_ne!(idx, batch_indices(set.count, 64, 6, 0));
    assert_ne!(idx, (0..64).collect::<Vec<_>>());
    // One epoch visits each image at most once.
    let mut seen: Vec<usize> = (0..15)
        .flat_map(|s| batch_indices(set.count, 64, 5, s))
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 15 * 64);
    let batch = set.batch(&idx, &device);
    assert_eq!(batch.dims(), [64, 1, 28, 28]);
    let v: Vec<f32> = batch.into_data().try_into_vec().unwrap();
    let (min, max) = v
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    assert_eq!((min, max), (-1.0, 1.0));
    assert_eq!((normalise(0), normalise(255)), (-1.0, 1.0));
    assert_eq!(denormalise(normalise(77)), 77);
}

#[test]
fn padding_centres_images() {
    let set = mnist_slice().take(3);
    let padded = set.pad_to(32).unwrap();
    assert_eq!((padded.count, padded.size), (3, 32));
    assert_eq!(padded.pixels.len(), 3 * 32 * 32);
    assert_eq!(padded.pixels[2 * 32 + 2..2 * 32 + 30], set.pixels[..28]);
    assert!(set.pad_to(16).is_err());
}

#[test]
fn fitting_pads_28_to_32_and_doubles_32_to_64() {
    let set = mnist_slice().take(2);
    assert_eq!(set.fit_to(28).unwrap().pixels, set.pixels);
    assert_eq!(
        set.fit_to(32).unwrap().pixels,
        set.pad_to(32).unwrap().pixels
    );
    let big = set.fit_to(64).unwrap();
    let padded = set.pad_to(32).unwrap();
    assert_eq!(
        (big.count, big.size, big.pixels.len()),
        (2, 64, 2 * 64 * 64)
    );
    for (y, x) in [(0, 0), (10, 17), (31, 31), (45, 3), (63, 63)] {
        let plane = 64 * 64;
        assert_eq!(
            big.pixels[plane + y * 64 + x],
            padded.pixels[32 * 32 + (y / 2) * 32 + x / 2],
            "pixel {y},{x} of the second image"
        );
    }
    assert!(big.fit_to(28).is_err());
    assert!(set.fit_to(48).is_err());
}

#[test]
fn colour_idx_is_converted_to_channels_first() {
    // Two 2x2 RGB images, stored HWC.
    let data: Vec<u8> = (0..24).collect();
    let set =
        ImageSet::from_idx(parse_idx(&write_idx(&[2, 2, 2, 3], &data)).unwrap(), None).unwrap();
    assert_eq!((set.channels, set.size), (3, 2));
    assert_eq!(&set.pixels[..4], &[0, 3, 6, 9]); // red plane of image 0
    assert_eq!(&set.pixels[4..8], &[1, 4, 7, 10]);
}

#[test]
fn every_malformed_idx_is_an_error() {
    let good = write_idx(&[2, 3, 3], &[7u8; 18]);
    assert!(parse_idx(&good).is_ok());
    let mut bad_magic = good.clone();
    bad_magic[0] = 1;
    let mut bad_type = good.clone();
    bad_type[2] = 0x0d; // float32 idx
    let mut bad_rank = good.clone();
    bad_rank[3] = 0;
    let mut zero_dim = good.clone();
    zero_dim[4..8].copy_from_slice(&0u32.to_be_bytes());
    let mut huge = good.clone();
    huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    type Case = (&'static str, Vec<u8>, fn(&DataError) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", vec![], |e| matches!(e, DataError::TooShort(0))),
        ("header cut", good[..10].to_vec(), |e| {
            matches!(e, DataError::TooShort(10))
        }),
        ("bad magic", bad_magic, |e| {
            matches!(e, DataError::BadMagic(_))
        }),
        ("float type", bad_type, |e| {
            matches!(e, DataError::UnsupportedType(0x0d))
        }),
        ("rank 0", bad_rank, |e| matches!(e, DataError::BadRank(0))),
        ("zero dim", zero_dim, |e| {
            matches!(e, DataError::ZeroDimension { index: 0 })
        }),
        ("huge dims", huge, |e| {
            matches!(e, DataError::TooLarge(_) | DataError::WrongLength { .. })
        }),
        ("truncated", good[..good.len() - 1].to_vec(), |e| {
            matches!(
                e,
                DataError::WrongLength {
                    expected: 18,
                    actual: 17
                }
            )
        }),
        ("trailing", [good.clone(), vec![0]].concat(), |e| {
            matches!(
                e,
                DataError::WrongLength {
                    expected: 18,
                    actual: 19
                }
            )
        }),
        ("corrupt gzip", vec![0x1f, 0x8b, 8, 0, 1, 2, 3], |e| {
            matches!(e, DataError::Gzip(_))
        }),
    ];
    for (name, bytes, check) in cases {
        let err = parse_idx(&bytes).expect_err(name);
        assert!(check(&err), "{name}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    // A truncated gzip of a real file is an error, not a panic.
    let gz = include_bytes!("../fixtures/mnist/train-1k-images-idx3-ubyte.gz");
    assert!(parse_idx(&gz[..gz.len() / 2]).is_err());
    // Shape mismatches between images and labels.
    let labels = write_idx(&[3], &[1, 2, 3]);
    assert!(matches!(
        ImageSet::from_idx_bytes(&good, Some(&labels)),
        Err(DataError::Shape(_))
    ));
    let not_square = write_idx(&[1, 2, 3], &[0; 6]);
    assert!(matches!(
        ImageSet::from_idx_bytes(&not_square, None),
        Err(DataError::Shape(_))
    ));
    let four_channels = write_idx(&[1, 2, 2, 4], &[0; 16]);
    assert!(matches!(
        ImageSet::from_idx_bytes(&four_channels, None),
        Err(DataError::Shape(_))
    ));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_multi_member_gzip_reads_whole() {
    // What `cat a.gz b.gz`, pigz and bgzip write: the members' bytes follow one another.
    let raw = write_idx(&[4, 3, 3], &(0..36).collect::<Vec<u8>>());
    let (a, b) = raw.split_at(11);
    let two = [gzip(a), gzip(b)].concat();
    assert_eq!(parse_idx(&two).unwrap(), parse_idx(&raw).unwrap());
}

#[test]
fn a_gzip_bomb_is_refused_at_the_bound_it_names() {
    // 16 MiB of zeros behind a valid header inflate from a few kB; a 1 MiB bound refuses them
    // without holding more than that, and says what the bound is.
    let header = write_idx(&[4096, 64, 64], &[]);
    let mut raw = header[..16].to_vec();
    raw.resize(16 + 4096 * 64 * 64, 0);
    let bomb = gzip(&raw);
    assert!(bomb.len() < 100_000);
    let err = parse_idx_within(&bomb, 1 << 20).unwrap_err();
    assert!(matches!(err, DataError::TooLarge(_)), "{err:?}");
    assert!(err.to_string().contains("over 1 MiB"), "{err}");
    assert!(parse_idx_within(&bomb, 32 << 20).is_ok());
}
