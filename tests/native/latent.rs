use gan_playground::latent::*;

#[test]
fn seeded_samples_are_reproducible_and_follow_the_prior() {
    let a = sample(Prior::Normal, 50, 100, 7);
    assert_eq!(a, sample(Prior::Normal, 50, 100, 7));
    assert_ne!(a, sample(Prior::Normal, 50, 100, 8));
    let mean = a.iter().sum::<f32>() / a.len() as f32;
    let var = a.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / a.len() as f32;
    assert!(
        mean.abs() < 0.05 && (var - 1.0).abs() < 0.1,
        "mean {mean} var {var}"
    );
    let u = sample(Prior::Uniform, 50, 100, 7);
    assert!(u.iter().all(|v| (-1.0..=1.0).contains(v)));
    let var_u = u.iter().map(|v| v * v).sum::<f32>() / u.len() as f32;
    assert!((var_u - 1.0 / 3.0).abs() < 0.03, "uniform var {var_u}");
}

#[test]
fn slerp_hits_endpoints_and_keeps_the_norm_lerp_loses() {
    let a = sample(Prior::Normal, 1, 100, 1);
    let b = sample(Prior::Normal, 1, 100, 2);
    for (x, y) in slerp(&a, &b, 0.0).iter().zip(&a) {
        assert!((x - y).abs() < 1e-5);
    }
    for (x, y) in slerp(&a, &b, 1.0).iter().zip(&b) {
        assert!((x - y).abs() < 1e-5);
    }
    assert_eq!(lerp(&a, &b, 0.0), a);
    let typical = Prior::Normal.typical_norm(100);
    let (na, nb) = (norm(&a), norm(&b));
    let mid_slerp = norm(&slerp(&a, &b, 0.5));
    let mid_lerp = norm(&lerp(&a, &b, 0.5));
    // Two independent samples are nearly orthogonal, so lerp's midpoint has ~1/√2 of the norm.
    assert!(
        mid_lerp < 0.8 * typical,
        "lerp midpoint {mid_lerp} vs typical {typical}"
    );
    assert!(
        (mid_slerp - (na + nb) / 2.0).abs() < 0.05 * typical,
        "slerp midpoint {mid_slerp} vs {na}, {nb}"
    );
    // Equal-norm endpoints: slerp stays on the sphere all the way.
    let b_scaled: Vec<f32> = b.iter().map(|v| v * na / nb).collect();
    for t in [0.1, 0.3, 0.5, 0.9] {
        assert!((norm(&slerp(&a, &b_scaled, t)) - na).abs() < 1e-3 * na);
    }
    // Degenerate inputs fall back to lerp rather than dividing by zero.
    assert_eq!(slerp(&a, &a, 0.5).len(), 100);
    assert!(
        slerp(&vec![0.0; 100], &b, 0.5)
            .iter()
            .all(|v| v.is_finite())
    );
}

#[test]
fn random_walk_stays_in_the_prior() {
    let mut r = rng(3);
    let mut z = sample(Prior::Uniform, 1, 100, 3);
    for _ in 0..200 {
        z = random_walk_step(&z, Prior::Uniform, 0.3, &mut r);
        assert!(z.iter().all(|v| (-1.0..=1.0).contains(v)));
    }
    let mut z = sample(Prior::Normal, 1, 100, 3);
    let before = z.clone();
    let mut norms = 0.0;
    for _ in 0..200 {
        z = random_walk_step(&z, Prior::Normal, 0.2, &mut r);
        norms += norm(&z);
    }
    assert_ne!(z, before);
    let mean_norm = norms / 200.0;
    assert!(
        (mean_norm - 10.0).abs() < 1.0,
        "walk drifted off the prior: mean norm {mean_norm}"
    );
}

#[test]
fn url_encoding_round_trips_compactly() {
    let z = sample(Prior::Normal, 1, 100, 11);
    let code = encode(&z);
    assert!(code.len() <= 270, "{} chars", code.len());
    assert!(
        code.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    );
    let back = decode(&code, Some(100)).unwrap();
    for (a, b) in z.iter().zip(&back) {
        assert!((a - b).abs() <= 2e-3 * a.abs().max(1.0), "{a} vs {b}");
    }
    // Decoding is idempotent on its own output.
    assert_eq!(decode(&encode(&back), Some(100)).unwrap(), back);
    // What the page shows (quantize) is exactly what the link brings back.
    assert_eq!(quantize(&z), back);
    assert_ne!(quantize(&z), z);
}

#[test]
fn malformed_codes_are_errors() {
    let good = encode(&[0.5, -0.25, 1.0]);
    type Case = (String, fn(&LatentError) -> bool);
    let cases: Vec<Case> = vec![
        (String::new(), |e| matches!(e, LatentError::Empty)),
        ("   ".into(), |e| matches!(e, LatentError::Empty)),
        ("z1".into(), |e| matches!(e, LatentError::Empty)),
        ("x1AAAA".into(), |e| matches!(e, LatentError::BadPrefix(_))),
        (format!("{good}!"), |e| {
            matches!(e, LatentError::BadBase64(_))
        }),
        ("z1A".into(), |e| matches!(e, LatentError::BadBase64(_))),
        ("z1AA".into(), |e| matches!(e, LatentError::OddLength(_))),
        (encode(&[f32::NAN, 0.0]), |e| {
            matches!(e, LatentError::NotFinite { index: 0 })
        }),
        (encode(&[0.0, f32::INFINITY]), |e| {
            matches!(e, LatentError::NotFinite { index: 1 })
        }),
        (encode(&vec![0.0; MAX_DIM + 1]), |e| {
            matches!(e, LatentError::TooLong)
        }),
        (format!("z1{}", "A".repeat(100_000)), |e| {
            matches!(e, LatentError::TooLong)
        }),
    ];
    for (code, check) in cases {
        let err = decode(&code, None).expect_err(&code);
        assert!(check(&err), "{code:?} gave {err:?}");
        assert!(!err.to_string().is_empty());
    }
    assert!(matches!(
        decode(&good, Some(100)),
        Err(LatentError::WrongDimension {
            got: 3,
            expected: 100
        })
    ));
    assert_eq!(decode(&good, Some(3)).unwrap(), vec![0.5, -0.25, 1.0]);
}

mod properties {
    use gan_playground::latent::{MAX_DIM, decode, encode, quantize};
    use proptest::prelude::*;

    /// A z as the page or a link could hold one, of any allowed length: values in and past
    /// f16's range (±65504), and any finite f32 at all (tiny, subnormal, zero of either sign).
    fn any_z() -> impl Strategy<Value = Vec<f32>> {
        let value = prop_oneof![
            4 => -70_000f32..70_000f32,
            1 => prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO,
        ];
        prop::collection::vec(value, 1..=MAX_DIM)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        // f16 overflows to ±∞ above 65504, so a finite z decodes as its quantisation or is refused.
        #[test]
        fn decode_of_encode_is_the_quantised_z(z in any_z()) {
            let q = quantize(&z);
            match decode(&encode(&z), Some(z.len())) {
                Ok(back) => prop_assert_eq!(
                    back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    q.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                ),
                Err(_) => prop_assert!(q.iter().any(|v| !v.is_finite())),
            }
        }

        // Any other string is refused: what decodes is exactly the code of what it decodes to.
        #[test]
        fn only_canonical_codes_decode(code in "[ \\t]?z1[A-Za-z0-9_-]{0,40}[ \\t\\n]?|\\PC{0,40}|z1[A-Za-z0-9_=+/.-]{0,300}") {
            if let Ok(z) = decode(&code, None) {
                prop_assert_eq!(encode(&z), code.trim());
            }
        }

        // A valid code with one character changed, dropped or added decodes to something else or not at all.
        #[test]
        fn a_changed_code_never_decodes_to_the_same_z(z in prop::collection::vec(-65_504f32..65_504f32, 1..=MAX_DIM).prop_map(|z| quantize(&z)), at in any::<prop::sample::Index>(), c in "[A-Za-z0-9_-]") {
            let code = encode(&z);
            let i = 2 + at.index(code.len() - 2);
            let mut changed = code.clone();
            changed.replace_range(i..i + 1, &c);
            prop_assume!(changed != code);
            if let Ok(other) = decode(&changed, None) {
                prop_assert_ne!(other.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), z.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
            }
        }
    }
}

#[test]
fn arithmetic_is_a_minus_b_plus_c_as_a_link_stores_it_and_refuses_what_it_cannot_add() {
    let a = sample(Prior::Normal, 1, 100, 1);
    let b = sample(Prior::Normal, 1, 100, 2);
    let c = sample(Prior::Normal, 1, 100, 3);
    let z = arithmetic(&a, &b, &c).unwrap();
    for i in 0..100 {
        assert!(
            (z[i] - (a[i] - b[i] + c[i])).abs() <= 1e-2 * (1.0 + z[i].abs()),
            "{i}"
        );
    }
    assert_eq!(quantize(&z), z, "already as a link stores it");
    // a − a + c is c itself (to f16).
    assert_eq!(arithmetic(&a, &a, &c).unwrap(), quantize(&c));
    assert!(matches!(
        arithmetic(&a, &b[..99], &c),
        Err(LatentError::WrongDimension {
            got: 99,
            expected: 100
        })
    ));
    let mut huge = c.clone();
    huge[5] = f32::INFINITY;
    assert!(matches!(
        arithmetic(&a, &b, &huge),
        Err(LatentError::NotFinite { index: 5 })
    ));
}
