//! A person's own images: which files are refused and why, where an image is placed (crop or
//! pad), and what the gathered set looks like.

use std::io::Cursor;

use gan_playground::data::ImageSet;
use gan_playground::own_images::*;

fn rect(x: u32, y: u32, w: u32, h: u32) -> Rect {
    Rect { x, y, w, h }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 20, 30, 255]));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn gif(width: u16, height: u16) -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&width.to_le_bytes());
    b.extend_from_slice(&height.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0]);
    b.push(0x3B); // the trailer: a whole file, as far as `complete` can tell
    b
}

/// A baseline JPEG's start: SOI, then a frame header (SOF0) with the size.
fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.extend_from_slice(&[0xFF, 0xD9]); // EOI
    b
}

/// An extended WebP's start: RIFF, WEBP, a VP8X chunk with the size (minus one, 24 bits).
fn webp(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00".to_vec();
    b.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    b.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    b
}

#[test]
fn the_four_formats_are_read_from_their_headers() {
    let files = [png(40, 30), gif(64, 48), jpeg(640, 480), webp(300, 200)];
    let sizes = [(40, 30), (64, 48), (640, 480), (300, 200)];
    for (file, (width, height)) in files.iter().zip(sizes) {
        assert_eq!(probe(file), Ok(Probe { width, height }));
    }
}

#[test]
fn files_that_cannot_be_used_are_refused_with_their_reason() {
    assert_eq!(
        probe(b"hello, this is a text file"),
        Err(Rejection::NotImage)
    );
    assert_eq!(probe(&[]), Err(Rejection::NotImage));
    let mut bmp = b"BM".to_vec();
    bmp.extend_from_slice(&[0; 24]);
    assert_eq!(probe(&bmp), Err(Rejection::Unsupported("BMP".into())));
    assert!(
        probe(&png(40, 30)[..12]).is_err(),
        "a torn header is refused"
    );
    assert_eq!(
        probe(&gif(8, 100)),
        Err(Rejection::TooSmall {
            width: 8,
            height: 100,
            min: LIMITS.min_side
        })
    );
    let huge = probe(&jpeg(10_000, 10_000)).unwrap_err();
    assert!(matches!(huge, Rejection::TooManyPixels { .. }), "{huge:?}");
    assert!(huge.to_string().contains("megapixels"));
    let zero = probe(&gif(0, 20)).unwrap_err();
    assert!(
        matches!(zero, Rejection::Corrupt(_) | Rejection::TooSmall { .. }),
        "{zero:?}"
    );
}

#[test]
fn crop_takes_the_centred_square_and_pad_keeps_the_whole_image() {
    let p = placement(200, 100, 32, Fit::Crop);
    assert_eq!(p.source, rect(50, 0, 100, 100));
    assert_eq!(p.dest, rect(0, 0, 32, 32));
    let p = placement(200, 100, 32, Fit::Pad);
    assert_eq!(p.source, rect(0, 0, 200, 100));
    assert_eq!(p.dest, rect(0, 8, 32, 16));
    let p = placement(30, 1000, 28, Fit::Pad);
    assert_eq!(p.dest, rect(13, 0, 1, 28), "never narrower than a pixel");
    let square = placement(64, 64, 64, Fit::Pad);
    assert_eq!(square.dest, rect(0, 0, 64, 64));
}

/// A `size`² RGBA square with `fill` on `dest` and transparent elsewhere.
fn drawn(size: usize, dest: Rect, fill: [u8; 4]) -> Vec<u8> {
    let mut v = vec![0u8; size * size * 4];
    for y in dest.y..dest.y + dest.h {
        for x in dest.x..dest.x + dest.w {
            let i = (y as usize * size + x as usize) * 4;
            v[i..i + 4].copy_from_slice(&fill);
        }
    }
    v
}

#[test]
fn padding_takes_the_border_colour_and_transparency_becomes_white() {
    let mut set = OwnImages::new(8, Fit::Pad).unwrap();
    let dest = rect(0, 2, 8, 4);
    set.add(&drawn(8, dest, [200, 10, 10, 255]), dest).unwrap();
    // Half-transparent black on white is mid grey.
    let all = rect(0, 0, 8, 8);
    set.add(&drawn(8, all, [0, 0, 0, 128]), all).unwrap();
    let (images, rejected) = set.finish().unwrap();
    assert!(rejected.is_empty());
    assert_eq!((images.count, images.channels, images.size), (2, 3, 8));
    // Image 0's red plane, padding rows included: the border colour.
    let red = &images.pixels[0..64];
    assert!(red.iter().all(|&v| v == 200), "{red:?}");
    let green = &images.pixels[64..128];
    assert!(green.iter().all(|&v| v == 10), "{green:?}");
    let grey = &images.pixels[3 * 64..4 * 64];
    assert!(grey.iter().all(|&v| v == 127), "{grey:?}");
}

#[test]
fn a_set_of_grey_images_is_grey_and_round_trips_through_idx() {
    let mut set = OwnImages::new(8, Fit::Crop).unwrap();
    let all = rect(0, 0, 8, 8);
    let mut rgba = drawn(8, all, [90, 90, 90, 255]);
    rgba[0..4].copy_from_slice(&[255, 255, 255, 255]);
    set.add(&rgba, all).unwrap();
    set.add(&drawn(8, all, [0, 0, 0, 255]), all).unwrap();
    let (images, _) = set.finish().unwrap();
    assert_eq!((images.count, images.channels), (2, 1));
    assert_eq!(images.pixels[0], 255);
    assert_eq!(images.pixels[1], 90);
    let back = ImageSet::from_idx_bytes(&images.to_idx(), None).unwrap();
    assert_eq!(back.pixels, images.pixels);

    let mut colour = OwnImages::new(8, Fit::Crop).unwrap();
    colour.add(&drawn(8, all, [1, 2, 3, 255]), all).unwrap();
    let (images, _) = colour.finish().unwrap();
    let back = ImageSet::from_idx_bytes(&images.to_idx(), None).unwrap();
    assert_eq!((back.channels, back.pixels.clone()), (3, images.pixels));
}

#[test]
fn bad_files_are_listed_and_the_rest_are_kept() {
    let mut set = OwnImages::new(32, Fit::Crop).unwrap();
    let ok = png(64, 48);
    let placed = set.admit("cat.png", ok.len() as u64, &ok, &ok).unwrap();
    assert_eq!(placed.source, rect(8, 0, 48, 48));
    assert!(set.admit("notes.txt", 5, b"hello", b"hello").is_none());
    assert!(set.admit("icon.gif", 14, &gif(8, 8), &gif(8, 8)).is_none());
    assert!(
        set.admit("big.jpg", LIMITS.file_bytes + 1, &jpeg(100, 100), &[])
            .is_none()
    );
    set.reject("broken.png", "corrupt: the browser could not decode it");
    set.add(&drawn(32, placed.dest, [5, 5, 5, 255]), placed.dest)
        .unwrap();
    let (images, rejected) = set.finish().unwrap();
    assert_eq!(images.count, 1);
    let names: Vec<_> = rejected.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["notes.txt", "icon.gif", "big.jpg", "broken.png"]);
    assert!(rejected[0].reason.starts_with("not an image"));
    assert!(rejected[1].reason.starts_with("too small"));
    assert!(rejected[2].reason.starts_with("too large"));
}

#[test]
fn an_empty_or_all_bad_set_is_refused_and_bad_input_is_an_error() {
    assert_eq!(
        OwnImages::new(28, Fit::Pad).unwrap().finish().unwrap_err(),
        "no images were chosen"
    );
    let mut set = OwnImages::new(28, Fit::Pad).unwrap();
    set.admit("a.txt", 3, b"abc", b"abc");
    assert_eq!(
        set.finish().unwrap_err(),
        "none of the 1 files is a usable image"
    );
    assert!(OwnImages::new(0, Fit::Pad).is_err());
    let mut set = OwnImages::new(8, Fit::Pad).unwrap();
    assert!(set.add(&[0; 10], rect(0, 0, 8, 8)).is_err(), "not 8×8 RGBA");
    assert!(
        set.add(&[0; 256], rect(4, 0, 8, 8)).is_err(),
        "past the square"
    );
    assert!(
        set.add(&[0; 256], rect(u32::MAX, 0, 2, 8)).is_err(),
        "no overflow past the square"
    );
    assert_eq!(set.count(), 0, "a refused image adds nothing");
}

#[test]
fn the_set_is_bounded_in_files() {
    let mut set = OwnImages::new(8, Fit::Crop).unwrap();
    let all = rect(0, 0, 8, 8);
    let one = drawn(8, all, [1, 1, 1, 255]);
    let head = gif(20, 20);
    for _ in 0..LIMITS.files {
        set.admit("x.gif", 100, &head, &head).unwrap();
        set.add(&one, all).unwrap();
    }
    assert!(set.admit("one-too-many.gif", 100, &head, &head).is_none());
    assert!(set.rejected()[0].reason.contains(&LIMITS.files.to_string()));
}

/// The hostile files the studio's browser test drops (tests/fixtures/hostile): what their
/// headers alone decide, before the browser decodes anything.
#[test]
fn hostile_files_are_refused_from_their_headers_or_passed_on_to_decode() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    let head = |name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in ["empty.png", "notes.png", "archive.zip"] {
        assert_eq!(probe(&head(name)), Err(Rejection::NotImage), "{name}");
    }
    assert!(matches!(
        probe(&head("dot.png")),
        Err(Rejection::TooSmall {
            width: 1,
            height: 1,
            ..
        })
    ));
    assert!(matches!(
        probe(&head("vast.png")),
        Err(Rejection::TooManyPixels {
            width: 50_000,
            height: 50_000,
            ..
        })
    ));
    // Storage a decoder may trip on, but which a browser reads: passed on, at their size.
    for name in [
        "cmyk.jpg",
        "deep.png",
        "grey-alpha.png",
        "animated.gif",
        "plain.png",
        "plain.jpg",
    ] {
        let bytes = head(name);
        assert_eq!(
            probe(&bytes),
            Ok(Probe {
                width: 40,
                height: 30
            }),
            "{name}"
        );
        assert_eq!(
            complete(&bytes, &bytes, bytes.len() as u64),
            Ok(()),
            "{name}"
        );
    }
    // Cut off in their data: the header is whole, the end is not.
    for name in ["torn.png", "torn.jpg"] {
        let bytes = head(name);
        assert!(probe(&bytes).is_ok(), "{name}");
        let e = complete(&bytes, &bytes, bytes.len() as u64)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e, "corrupt: the file ends before its image does (cut off?)",
            "{name}"
        );
    }
}
