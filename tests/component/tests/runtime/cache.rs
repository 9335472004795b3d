//! Compiled plugins survive a restart; a damaged cache entry is compiled again, never trusted.

use crate::logs_of;
use std::path::Path;
use wasm_action_host::{Runtime, Settings, Source};

fn runtime_with_cache(dir: &Path) -> Runtime {
    Runtime::with_settings(Settings {
        cache_dir: Some(dir.to_path_buf()),
        max_concurrent_calls: 4,
        ..Settings::default()
    })
    .expect("the engine starts")
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    entries
}

#[test]
fn a_restart_with_a_warm_cache_loads_without_compiling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (first, logs) = logs_of(|| {
        runtime_with_cache(dir.path())
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads")
    });
    assert_eq!(first.source(), Source::Compiled);
    assert!(logs.contains("plugin compiled"), "{logs}");
    assert_eq!(entries(dir.path()).len(), 1);
    // A new runtime is a restart: same directory, nothing shared in memory.
    let (second, logs) = logs_of(|| {
        runtime_with_cache(dir.path())
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads")
    });
    assert_eq!(second.source(), Source::Cache);
    assert!(logs.contains("plugin loaded from cache"), "{logs}");
    assert_eq!(second.digest(), first.digest());
}

#[test]
fn a_corrupt_cache_entry_is_compiled_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    runtime_with_cache(dir.path())
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    let entry = entries(dir.path()).remove(0);
    let mut bytes = std::fs::read(&entry).expect("entry");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&entry, &bytes).expect("corrupt it");
    let (plugin, logs) = logs_of(|| {
        runtime_with_cache(dir.path())
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads")
    });
    assert_eq!(plugin.source(), Source::Compiled);
    assert!(logs.contains("checksum mismatch"), "{logs}");
    let healed = runtime_with_cache(dir.path())
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    assert_eq!(healed.source(), Source::Cache, "the entry was rewritten");
}

#[test]
fn a_truncated_or_foreign_cache_entry_is_compiled_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    runtime_with_cache(dir.path())
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    let entry = entries(dir.path()).remove(0);
    for damage in [
        b"WACACHE1".to_vec(),
        b"not a cache entry at all".to_vec(),
        Vec::new(),
    ] {
        std::fs::write(&entry, &damage).expect("damage it");
        let plugin = runtime_with_cache(dir.path())
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads");
        assert_eq!(plugin.source(), Source::Compiled, "{damage:?}");
    }
}

#[test]
fn different_components_get_different_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = runtime_with_cache(dir.path());
    runtime
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    runtime
        .load("migrate", &crate::variant(builtin_plugins::MIGRATE, "v2"))
        .expect("loads");
    assert_eq!(entries(dir.path()).len(), 2);
}
