//! Trusted plugins: with a trust policy, only pinned components and components signed by a
//! trusted key load, through every way in (`Runtime::load`, `Registry::install`, a watched
//! directory); a refused new version leaves the old one serving. Built-ins are exempt.

use crate::{logs_of, variant};
use std::sync::Arc;
use std::time::Duration;
use wasm_action_host::trust::{SigningKey, TrustError, sign};
use wasm_action_host::{
    Call, DirectoryWatch, HostError, Phase, PhaseOutput, Registry, Runtime, Settings, TrustPolicy,
    digest,
};

fn runtime(policy: TrustPolicy) -> Runtime {
    Runtime::with_settings(Settings {
        max_concurrent_calls: 4,
        trust: Some(Arc::new(policy)),
        ..Settings::default()
    })
    .expect("the engine starts")
}

fn trusting(key: &SigningKey) -> TrustPolicy {
    let mut policy = TrustPolicy::new();
    policy.trust_key(key.public_key());
    policy
}

fn key() -> SigningKey {
    SigningKey::generate().expect("the random source works")
}

fn signed_migrate(key: &SigningKey) -> Vec<u8> {
    sign(builtin_plugins::MIGRATE, key).expect("the migrate component can be signed")
}

/// The reason a load was refused; panics when it was not refused for trust.
fn refusal(result: Result<wasm_action_host::Plugin, HostError>) -> TrustError {
    match result {
        Err(HostError::Untrusted { reason, .. }) => reason,
        other => panic!("expected an untrusted refusal, got {other:?}"),
    }
}

#[test]
fn with_pins_only_an_unpinned_component_is_refused() {
    let mut policy = TrustPolicy::new();
    policy.pin(&"0".repeat(64), "other.wasm").expect("a digest");
    let error = runtime(policy).load("migrate", builtin_plugins::MIGRATE);
    let message = wasm_action_host::chain(error.as_ref().expect_err("refused"));
    assert!(message.contains("plugin 'migrate'"), "{message}");
    assert!(message.contains("neither pinned nor signed"), "{message}");
    assert!(matches!(refusal(error), TrustError::NotTrusted { .. }));
}

#[test]
fn with_keys_only_an_unsigned_component_is_refused() {
    let error = refusal(runtime(trusting(&key())).load("migrate", builtin_plugins::MIGRATE));
    assert!(
        matches!(&error, TrustError::NotTrusted { digest: d } if *d == digest(builtin_plugins::MIGRATE)),
        "{error}"
    );
}

#[test]
fn a_signed_component_with_one_flipped_byte_is_refused() {
    let key = key();
    let mut tampered = signed_migrate(&key);
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let error = refusal(runtime(trusting(&key)).load("migrate", &tampered));
    assert!(matches!(error, TrustError::BadSignature { .. }), "{error}");
}

#[test]
fn a_component_signed_by_another_key_is_refused() {
    let (trusted, other) = (key(), key());
    let error = refusal(runtime(trusting(&trusted)).load("migrate", &signed_migrate(&other)));
    let TrustError::UnknownKey { key, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*key, other.public_key().id());
}

#[test]
fn a_pinned_component_loads() {
    let mut policy = TrustPolicy::new();
    let pin = digest(builtin_plugins::MIGRATE);
    policy.pin(&pin, "migrate.wasm").expect("a digest");
    let plugin = runtime(policy)
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("pinned, so it loads");
    assert_eq!(plugin.digest(), pin);
}

#[tokio::test]
async fn a_component_signed_by_a_trusted_key_loads_and_runs() {
    let key = key();
    let runtime = runtime(trusting(&key));
    let plugin = runtime
        .load("migrate", &signed_migrate(&key))
        .expect("signed by a trusted key, so it loads");
    let id = key.public_key().id();
    assert_eq!(plugin.trust(), format!("signed by trusted key {id}"));
    let call = Call::new("http://127.0.0.1:9/v2.1", None);
    let answer = runtime
        .call(&plugin, &call, Phase::Schema, "{}")
        .await
        .expect("runs");
    assert!(matches!(answer, Ok(PhaseOutput::Schema(_))), "{answer:?}");
}

#[test]
fn a_builtin_loads_without_a_trust_check_and_says_so() {
    let runtime = runtime(TrustPolicy::new());
    let (loaded, logs) = logs_of(|| runtime.load_builtin("migrate", builtin_plugins::MIGRATE));
    let plugin = loaded.expect("built-ins are part of the program");
    assert!(plugin.trust().starts_with("built in"), "{}", plugin.trust());
    assert!(
        logs.contains("built in") && logs.contains("not checked"),
        "{logs}"
    );
}

#[tokio::test]
async fn an_untrusted_new_version_is_refused_and_the_old_one_keeps_serving() {
    let key = key();
    let registry = Registry::new(Arc::new(runtime(trusting(&key))));
    let v1 = registry
        .install("migrate", Some("1"), signed_migrate(&key))
        .await
        .expect("a signed version installs");
    assert!(
        v1.trust.starts_with("signed by trusted key"),
        "{}",
        v1.trust
    );
    let unsigned = variant(builtin_plugins::MIGRATE, "2");
    let error = registry
        .install("migrate", Some("2"), unsigned)
        .await
        .expect_err("an unsigned version is refused");
    assert!(matches!(error, HostError::Untrusted { .. }), "{error:?}");
    assert_eq!(
        registry.current("migrate").expect("installed").digest,
        v1.digest
    );
    let call = Call::new("http://127.0.0.1:9/v2.1", None);
    let answer = registry
        .call("migrate", &call, Phase::Schema, "{}")
        .await
        .expect("the old version serves");
    assert_eq!(answer.version.label, "1");
}

#[tokio::test]
async fn a_watched_directory_installs_only_trusted_files() {
    const TICK: Duration = Duration::from_millis(20);
    let key = key();
    let registry = Arc::new(Registry::new(Arc::new(runtime(trusting(&key)))));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("migrate@1.wasm"), signed_migrate(&key)).expect("write");
    std::fs::write(path("unsigned.wasm"), builtin_plugins::MIGRATE).expect("write");
    let _watch = DirectoryWatch::start(registry.clone(), dir.path().to_path_buf(), TICK)
        .await
        .expect("the directory can be watched");
    let first = registry
        .current("migrate")
        .expect("the signed file is installed");
    assert!(
        registry.current("unsigned").is_none(),
        "the unsigned file is refused"
    );

    let mut tampered = signed_migrate(&key);
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    std::fs::write(path("migrate@1.wasm"), tampered).expect("write");
    // A trusted file written after it: once that one is in, the tampered one was looked at.
    std::fs::write(
        path("late.wasm"),
        sign(&variant(builtin_plugins::MIGRATE, "late"), &key).expect("signs"),
    )
    .expect("write");
    for _ in 0..500 {
        if registry.current("late").is_some() {
            break;
        }
        tokio::time::sleep(TICK).await;
    }
    assert!(
        registry.current("late").is_some(),
        "the later trusted file is installed"
    );
    let current = registry.current("migrate").expect("still installed");
    assert_eq!(current.digest, first.digest, "the tampered file is refused");
}
