//! The policy's decisions: pinned or signed by a trusted key loads, anything else is refused
//! with the reason.

use super::signature::tests::component;
use super::*;

fn key() -> SigningKey {
    SigningKey::generate().expect("the random source works")
}

fn trusting(key: &SigningKey) -> TrustPolicy {
    let mut policy = TrustPolicy::new();
    policy.trust_key(key.public_key());
    policy
}

#[test]
fn a_component_signed_by_a_trusted_key_is_trusted_and_names_the_key() {
    let key = key();
    let signed = sign(&component(), &key).expect("signs");
    let trusted = trusting(&key).check(&signed).expect("trusted");
    assert_eq!(
        trusted,
        Trusted::Signed {
            digest: crate::cache::digest(&signed),
            key: key.public_key().id()
        }
    );
    assert!(
        trusted
            .to_string()
            .contains(&key.public_key().id().to_string())
    );
}

#[test]
fn an_unsigned_unpinned_component_is_refused_with_its_digest() {
    let wasm = component();
    let error = trusting(&key()).check(&wasm).expect_err("refused");
    assert!(
        matches!(&error, TrustError::NotTrusted { digest } if *digest == crate::cache::digest(&wasm))
    );
    let message = error.to_string();
    assert!(message.contains("neither pinned nor signed"), "{message}");
    assert!(
        message.contains("sha256sum") && message.contains("wasm-action sign"),
        "{message}"
    );
}

#[test]
fn a_pinned_component_is_trusted_without_a_signature() {
    let wasm = component();
    let mut policy = TrustPolicy::new();
    policy
        .pin(&crate::cache::digest(&wasm), "plugin.wasm")
        .expect("a digest");
    let trusted = policy.check(&wasm).expect("trusted");
    assert!(matches!(trusted, Trusted::Pinned { ref file, .. } if file == "plugin.wasm"));
}

#[test]
fn a_flipped_byte_in_the_signed_code_is_a_bad_signature() {
    let key = key();
    let signed = sign(&component(), &key).expect("signs");
    // A byte of the producers section's payload, well before the signature.
    let mut tampered = signed.clone();
    tampered[20] ^= 0x01;
    let error = trusting(&key).check(&tampered).expect_err("refused");
    assert!(matches!(error, TrustError::BadSignature { .. }), "{error}");
    assert!(
        error.to_string().contains("changed after it was signed"),
        "{error}"
    );
}

#[test]
fn a_flipped_byte_in_the_signature_is_a_bad_signature() {
    let key = key();
    let mut tampered = sign(&component(), &key).expect("signs");
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    let error = trusting(&key).check(&tampered).expect_err("refused");
    assert!(matches!(error, TrustError::BadSignature { .. }), "{error}");
}

#[test]
fn every_single_flipped_byte_of_a_signed_component_is_refused() {
    let key = key();
    let policy = trusting(&key);
    let signed = sign(&component(), &key).expect("signs");
    for at in 0..signed.len() {
        let mut tampered = signed.clone();
        tampered[at] ^= 0x01;
        assert!(
            policy.check(&tampered).is_err(),
            "byte {at} flipped and still trusted"
        );
    }
}

#[test]
fn a_signature_by_another_key_is_refused_and_names_that_key() {
    let (trusted, other) = (key(), key());
    let signed = sign(&component(), &other).expect("signs");
    let error = trusting(&trusted).check(&signed).expect_err("refused");
    let TrustError::UnknownKey { key, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*key, other.public_key().id());
    assert!(error.to_string().contains(&key.to_string()), "{error}");
}

#[test]
fn re_signing_with_a_trusted_key_makes_a_component_signed_by_another_trusted() {
    let (trusted, other) = (key(), key());
    let by_other = sign(&component(), &other).expect("signs");
    let resigned = sign(&by_other, &trusted).expect("signs again");
    let policy = trusting(&trusted);
    assert!(policy.check(&by_other).is_err());
    assert!(matches!(
        policy.check(&resigned),
        Ok(Trusted::Signed { .. })
    ));
}

#[test]
fn an_empty_policy_trusts_nothing() {
    let key = key();
    let signed = sign(&component(), &key).expect("signs");
    assert!(TrustPolicy::new().check(&signed).is_err());
    assert!(TrustPolicy::new().check(&component()).is_err());
}

#[test]
fn a_policy_reads_its_pins_and_keys_from_files() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let key = key();
    let public = dir.path().join("ops.pub");
    key.public_key().save(&public).expect("saved");
    let wasm = component();
    let pins = dir.path().join("pins.sha256");
    let line = format!("# reviewed\n{}  plugin.wasm\n", crate::cache::digest(&wasm));
    std::fs::write(&pins, line).expect("written");
    let policy = TrustPolicy::from_files(Some(&pins), &[public]).expect("reads");
    assert_eq!((policy.pinned(), policy.keys().len()), (1, 1));
    assert!(matches!(policy.check(&wasm), Ok(Trusted::Pinned { .. })));
    let signed = sign(&wasm, &key).expect("signs");
    assert!(matches!(policy.check(&signed), Ok(Trusted::Signed { .. })));
}

#[test]
fn a_bad_pins_file_names_the_file_and_the_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let pins = dir.path().join("pins.sha256");
    std::fs::write(&pins, "# ok\n\nnot a pin\n").expect("written");
    let error = TrustPolicy::from_files(Some(&pins), &[]).expect_err("refused");
    assert!(
        matches!(error, TrustError::BadPin { line: 3, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("pins.sha256 line 3"), "{error}");
    let missing = dir.path().join("missing.sha256");
    let error = TrustPolicy::from_files(Some(&missing), &[]).expect_err("refused");
    assert!(matches!(error, TrustError::ReadPins { .. }), "{error:?}");
}
