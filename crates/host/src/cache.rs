//! Compiled plugins kept on disk, one file per (plugin digest, engine configuration), so that a
//! restart loads a plugin in milliseconds instead of compiling it again.
//!
//! An entry is trusted only if its length and CRC-32 match and wasmtime accepts its header for
//! this engine; anything else (truncated, corrupt, from another wasmtime or configuration) is
//! removed and the plugin is compiled again. A CRC, not a cryptographic hash, guards the entry:
//! it catches damage, and a cryptographic hash would not stop anyone who can write the cache
//! directory anyway (they could write a matching hash too); it keeps a warm load under 1 ms.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 8] = b"WACACHE2";
/// Magic, CRC-32 of the artifact, artifact length.
const HEADER: usize = MAGIC.len() + 4 + 8;

/// The hex SHA-256 of `bytes`: a plugin's identity in the cache and in reports.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A directory of compiled plugins.
#[derive(Clone, Debug)]
pub struct ArtifactCache {
    dir: PathBuf,
}

/// Where a component came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Compiled now.
    Compiled,
    /// Loaded from the cache directory.
    Cache,
}

impl ArtifactCache {
    /// A cache in `dir`, created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<ArtifactCache> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(ArtifactCache { dir })
    }

    /// `$XDG_CACHE_HOME/wasm-action` or `~/.cache/wasm-action`.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("wasm-action"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry's path for a plugin digest under this engine's configuration.
    pub fn entry(&self, engine: &Engine, digest: &str) -> PathBuf {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        self.dir
            .join(format!("{digest}-{:016x}.cwasm", hasher.finish()))
    }

    /// The component for `wasm` (whose digest is `digest`): from the cache when a valid entry
    /// exists, otherwise compiled and stored.
    pub fn component(
        &self,
        engine: &Engine,
        digest: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, Source)> {
        let path = self.entry(engine, digest);
        match self.read(engine, &path) {
            Ok(Some(component)) => return Ok((component, Source::Cache)),
            Ok(None) => {}
            Err(reason) => {
                tracing::warn!(path = %path.display(), %reason, "discarding cache entry; compiling again");
                let _ = std::fs::remove_file(&path);
            }
        }
        let component = Component::new(engine, wasm)?;
        if let Err(e) = self.write(&path, &component.serialize()?) {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the cache entry");
        }
        Ok((component, Source::Compiled))
    }

    fn read(&self, engine: &Engine, path: &Path) -> Result<Option<Component>, String> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("unreadable: {e}")),
        };
        if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
            return Err("not a cache entry".into());
        }
        let (header, artifact) = bytes.split_at(HEADER);
        let crc = u32::from_le_bytes(header[8..12].try_into().expect("4 header bytes"));
        let length = u64::from_le_bytes(header[12..20].try_into().expect("8 header bytes"));
        if length != artifact.len() as u64 {
            return Err(format!(
                "truncated entry ({} of {length} bytes)",
                artifact.len()
            ));
        }
        if crc32fast::hash(artifact) != crc {
            return Err("checksum mismatch (corrupt entry)".into());
        }
        deserialize(engine, artifact)
            .map(Some)
            .map_err(|e| format!("rejected by wasmtime: {e:#}"))
    }

    /// Writes atomically: a reader never sees half an entry.
    fn write(&self, path: &Path, artifact: &[u8]) -> std::io::Result<()> {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(MAGIC)?;
        file.write_all(&crc32fast::hash(artifact).to_le_bytes())?;
        file.write_all(&(artifact.len() as u64).to_le_bytes())?;
        file.write_all(artifact)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, artifact: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: the bytes are exactly what `Component::serialize` wrote into our own cache directory
    // (the length and CRC-32 written with them match), and wasmtime checks that the artifact was produced
    // by this wasmtime version with a compatible configuration before using it.
    unsafe { Component::deserialize(engine, artifact) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_hex_sha256() {
        assert_eq!(
            digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
