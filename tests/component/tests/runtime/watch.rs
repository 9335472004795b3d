//! A watched plugin directory: files in, plugins installed; changed, swapped; broken, rejected.

use crate::variant;
use std::sync::Arc;
use std::time::Duration;
use wasm_action_host::{DirectoryWatch, Registry, Runtime, Settings};

const TICK: Duration = Duration::from_millis(20);

async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(TICK).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test]
async fn the_directory_is_installed_then_followed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = Runtime::with_settings(Settings {
        max_concurrent_calls: 4,
        ..Settings::default()
    })
    .expect("engine");
    let registry = Arc::new(Registry::new(Arc::new(runtime)));
    std::fs::write(
        dir.path().join("migrate@1.0.0.wasm"),
        builtin_plugins::MIGRATE,
    )
    .expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a plugin").expect("write");
    let _watch = DirectoryWatch::start(registry.clone(), dir.path().to_path_buf(), TICK)
        .await
        .expect("the directory can be watched");
    let first = registry.current("migrate").expect("installed at start");
    assert_eq!(first.label, "1.0.0");
    assert_eq!(registry.report().len(), 1, "only .wasm files are plugins");

    std::fs::write(
        dir.path().join("migrate@1.0.0.wasm"),
        variant(builtin_plugins::MIGRATE, "b"),
    )
    .expect("write");
    eventually("the changed file is swapped in", || {
        registry
            .current("migrate")
            .is_some_and(|v| v.number > first.number)
    })
    .await;
    let second = registry.current("migrate").expect("installed");
    assert_ne!(second.digest, first.digest);

    std::fs::write(dir.path().join("migrate@1.0.0.wasm"), b"broken").expect("write");
    tokio::time::sleep(TICK * 10).await;
    assert_eq!(
        registry.current("migrate").expect("still installed").digest,
        second.digest,
        "the broken file is rejected"
    );

    std::fs::remove_file(dir.path().join("migrate@1.0.0.wasm")).expect("remove");
    eventually("the removed plugin is uninstalled", || {
        registry.current("migrate").is_none()
    })
    .await;
}
