//! Every hostile plugin was built as a component; what each one does is the host tests' concern.

use std::collections::HashSet;
use std::path::Path;
use test_plugins::ALL;

/// `\0asm`, then the component layer's version (`0d 00`) and layer (`01 00`).
const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/// Folders of `tests/plugins` that are not plugins.
const NOT_PLUGINS: [&str; 2] = ["common", "artifacts"];

#[test]
fn every_plugin_is_a_non_empty_component() {
    for (name, bytes) in ALL {
        assert!(bytes.len() > COMPONENT_HEADER.len(), "{name} is empty");
        assert!(
            bytes.starts_with(&COMPONENT_HEADER),
            "{name} is not a component: it starts with {:02x?}",
            &bytes[..COMPONENT_HEADER.len()]
        );
    }
}

#[test]
fn every_plugin_folder_is_listed_once_under_its_name() {
    let listed: Vec<&str> = ALL.iter().map(|(name, _)| *name).collect();
    let unique: HashSet<&str> = listed.iter().copied().collect();
    assert_eq!(unique.len(), listed.len(), "a name appears twice in ALL");

    let plugins = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let entries = std::fs::read_dir(&plugins).expect("tests/plugins is readable");
    let mut folders: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !NOT_PLUGINS.contains(&name.as_str()))
        .collect();
    folders.sort();
    let mut listed = listed;
    listed.sort_unstable();
    assert_eq!(
        listed, folders,
        "ALL and the plugin folders of tests/plugins differ"
    );
}
