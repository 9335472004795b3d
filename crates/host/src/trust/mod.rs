//! Trusted plugins: which components this host agrees to load.
//!
//! A [`TrustPolicy`] holds pinned digests and trusted ed25519 public keys. A component is
//! trusted when the SHA-256 of its bytes is pinned, or when it carries a valid signature by one
//! of the keys. Without a policy (`Settings::trust` is `None`, the default) every component
//! loads; the components compiled into the program are exempt either way
//! (`Runtime::load_builtin`).
//!
//! - **Pins** are the lines `sha256sum` prints (`<64 hex>  <file name>`), so
//!   `sha256sum plugins/*.wasm > pins.sha256` writes a pins file. A pin trusts those exact
//!   bytes under any name; the file name is only a reminder.
//! - **Signatures** travel inside the component, as its last top-level custom section
//!   (`wasm-action-signature`, which wasmtime ignores): a key id and an ed25519 signature over
//!   the SHA-256 of every byte before that section ([`sign`]). Signing appends or replaces that
//!   section only, so the signed bytes are what the author built; changing any of them, or the
//!   signature, fails the check. Keys are PEM files: PKCS#8 private keys and SPKI public keys,
//!   as `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write them.

mod error;
mod keys;
mod pins;
mod signature;

pub use error::TrustError;
pub use keys::{KeyId, PublicKey, SigningKey};
pub use signature::{SECTION_NAME, sign, signed_by};

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Which components may load: pinned digests and trusted public keys. An empty policy trusts
/// nothing.
#[derive(Clone, Default)]
pub struct TrustPolicy {
    /// Pinned digest (lower-case hex) -> the file name its pin line gave.
    pins: HashMap<String, String>,
    keys: Vec<PublicKey>,
}

impl fmt::Debug for TrustPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<String> = self.keys.iter().map(|k| k.id().to_string()).collect();
        f.debug_struct("TrustPolicy")
            .field("pins", &self.pins.len())
            .field("keys", &keys)
            .finish()
    }
}

/// Why a component was trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trusted {
    /// Its digest is pinned.
    Pinned {
        /// The component's hex SHA-256.
        digest: String,
        /// The file name of its pin line.
        file: String,
    },
    /// It carries a valid signature by a trusted key.
    Signed {
        /// The component's hex SHA-256 (signature section included).
        digest: String,
        /// The key that signed it.
        key: KeyId,
    },
}

impl fmt::Display for Trusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trusted::Pinned { file, .. } => write!(f, "pinned (as {file} in the pins file)"),
            Trusted::Signed { key, .. } => write!(f, "signed by trusted key {key}"),
        }
    }
}

impl TrustPolicy {
    /// A policy that trusts nothing yet.
    pub fn new() -> TrustPolicy {
        TrustPolicy::default()
    }

    /// A policy from a pins file (`sha256sum`'s format) and public key files (PEM).
    pub fn from_files(pins: Option<&Path>, keys: &[PathBuf]) -> Result<TrustPolicy, TrustError> {
        let mut policy = TrustPolicy::new();
        if let Some(path) = pins {
            policy.read_pins(path)?;
        }
        for path in keys {
            policy.trust_key(PublicKey::read(path)?);
        }
        Ok(policy)
    }

    /// Adds every pin of a pins file. A line that is neither a pin, a `#` comment nor blank is
    /// an error: a policy is never half read.
    pub fn read_pins(&mut self, path: &Path) -> Result<(), TrustError> {
        let text = std::fs::read_to_string(path).map_err(|source| TrustError::ReadPins {
            path: path.to_path_buf(),
            source,
        })?;
        let pins = pins::parse(&text).map_err(|line| TrustError::BadPin {
            path: path.to_path_buf(),
            line,
        })?;
        self.pins.extend(pins);
        Ok(())
    }

    /// Pins one digest (64 hex digits); `file` is the name to show for it.
    pub fn pin(&mut self, digest: &str, file: &str) -> Result<(), TrustError> {
        let digest = pins::digest(digest).ok_or_else(|| TrustError::BadDigest(digest.into()))?;
        self.pins.insert(digest, file.into());
        Ok(())
    }

    /// Trusts components signed by `key`.
    pub fn trust_key(&mut self, key: PublicKey) {
        if !self.keys.contains(&key) {
            self.keys.push(key);
        }
    }

    /// How many digests are pinned.
    pub fn pinned(&self) -> usize {
        self.pins.len()
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// Whether `wasm` (a whole component file) may load, and why.
    pub fn check(&self, wasm: &[u8]) -> Result<Trusted, TrustError> {
        let digest = crate::cache::digest(wasm);
        if let Some(file) = self.pins.get(&digest) {
            return Ok(Trusted::Pinned {
                file: file.clone(),
                digest,
            });
        }
        let embedded = match signature::embedded(wasm) {
            Ok(Some(embedded)) => embedded,
            Ok(None) => return Err(TrustError::NotTrusted { digest }),
            Err(problem) => return Err(problem.into_error(digest)),
        };
        let key = embedded.key;
        let candidates: Vec<&PublicKey> = self.keys.iter().filter(|k| k.id() == key).collect();
        if candidates.is_empty() {
            return Err(TrustError::UnknownKey { digest, key });
        }
        if candidates.iter().any(|k| embedded.verify(k)) {
            Ok(Trusted::Signed { digest, key })
        } else {
            Err(TrustError::BadSignature { digest, key })
        }
    }
}

#[cfg(test)]
mod tests;
