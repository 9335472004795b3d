//! Writes `generated-wit/`: the workspace's `wit/` with the package line of `actions.wit` at
//! version [`WRONG`] instead of [`OURS`], every other line and every dep as they are.
//!
//! wit-bindgen's `generate!` takes only a literal path inside the crate, so the tree goes here and
//! not to `OUT_DIR` (it is gitignored). A file is written only when its content changes, and a
//! file the workspace's `wit/` no longer has is removed, so the tree is always the same for the
//! same `wit/` and an unchanged one does not rebuild the plugin.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Our contract's package line, as `wit/actions.wit` has it.
const OURS: &str = "package openstack:actions@0.2.0;";

/// The package line this plugin exports instead: a version the host does not know.
const WRONG: &str = "package openstack:actions@0.9.0;";

/// The file of `wit/` with the package line.
const CONTRACT: &str = "actions.wit";

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let ours = manifest_dir.join("../../../wit");
    let generated = manifest_dir.join("generated-wit");
    // The generated tree too, so that a deleted or edited copy is written again.
    for watched in [&ours, &generated] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }

    let mut files = read_tree(&ours);
    let contract = files
        .get_mut(Path::new(CONTRACT))
        .unwrap_or_else(|| panic!("{} has no {CONTRACT}", ours.display()));
    *contract = with_wrong_version(contract, &ours.join(CONTRACT));
    write_tree(&generated, &files);
}

/// Every file below `dir`, by its path relative to `dir`.
fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let (files, _) = walk(dir);
    files
        .into_iter()
        .map(|relative| {
            let path = dir.join(&relative);
            let bytes =
                fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            (relative, bytes)
        })
        .collect()
}

/// The files and the folders below `dir`, by their paths relative to `dir`; a folder comes after
/// the one it is in.
fn walk(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut files, mut folders) = (Vec::new(), Vec::new());
    let mut unread = vec![PathBuf::new()];
    while let Some(folder) = unread.pop() {
        let path = dir.join(&folder);
        let entries = fs::read_dir(&path).and_then(Iterator::collect::<Result<Vec<_>, _>>);
        for entry in entries.unwrap_or_else(|e| panic!("reading {}: {e}", path.display())) {
            let relative = folder.join(entry.file_name());
            if dir.join(&relative).is_dir() {
                unread.push(relative.clone());
                folders.push(relative);
            } else {
                files.push(relative);
            }
        }
    }
    (files, folders)
}

/// `source` (the file at `path`) with its one line [`OURS`] made [`WRONG`]; any other number of
/// such lines is an error, since the plugin would then not be the one contract version off.
fn with_wrong_version(source: &[u8], path: &Path) -> Vec<u8> {
    let source = std::str::from_utf8(source)
        .unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()));
    let mut found = 0;
    let mut changed = String::with_capacity(source.len());
    for line in source.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim() == OURS {
            found += 1;
            changed.push_str(&text.replacen(OURS, WRONG, 1));
            changed.push_str(&line[text.len()..]);
        } else {
            changed.push_str(line);
        }
    }
    assert!(
        found == 1,
        "{} has {found} lines `{OURS}`, not one: if the contract's version moved, make OURS the \
         new one and WRONG one the host does not know (tests/plugins/wrong-contract/build.rs)",
        path.display()
    );
    changed.into_bytes()
}

/// Makes the tree at `dir` hold exactly `files`, writing only what differs: what is not in
/// `files` is removed, then any folder left empty.
fn write_tree(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) {
    if dir.exists() {
        let (present, folders) = walk(dir);
        for relative in present.iter().filter(|f| !files.contains_key(*f)) {
            let stale = dir.join(relative);
            fs::remove_file(&stale).unwrap_or_else(|e| panic!("removing {}: {e}", stale.display()));
        }
        for folder in folders.iter().rev().map(|f| dir.join(f)) {
            let empty = fs::read_dir(&folder).is_ok_and(|mut entries| entries.next().is_none());
            if empty {
                fs::remove_dir(&folder)
                    .unwrap_or_else(|e| panic!("removing {}: {e}", folder.display()));
            }
        }
    }
    for (relative, bytes) in files {
        let path = dir.join(relative);
        if fs::read(&path).is_ok_and(|old| old == *bytes) {
            continue;
        }
        let parent = path.parent().expect("a file below the tree");
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}
