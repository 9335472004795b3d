//! ed25519 keys as PEM files: PKCS#8 private keys and SPKI public keys, the formats
//! `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.

use super::TrustError;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Write;
use std::path::Path;

/// A short name of a public key: the first 8 bytes of the SHA-256 of its 32 bytes, shown as
/// 16 hex digits. Signatures carry it so that a refusal can say which key signed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(super) [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A public key that components may be signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: ed25519_dalek::VerifyingKey,
    id: KeyId,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

impl PublicKey {
    fn new(key: ed25519_dalek::VerifyingKey) -> PublicKey {
        let hash = Sha256::digest(key.as_bytes());
        let mut id = [0; 8];
        id.copy_from_slice(&hash[..8]);
        PublicKey { key, id: KeyId(id) }
    }

    /// Reads an SPKI PEM file (`-----BEGIN PUBLIC KEY-----`).
    pub fn read(path: &Path) -> Result<PublicKey, TrustError> {
        let pem = read(path, "public")?;
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).map_err(|e| {
            TrustError::BadKey {
                path: path.to_path_buf(),
                kind: "public",
                reason: e.to_string(),
            }
        })?;
        Ok(PublicKey::new(key))
    }

    /// Its id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Writes it as an SPKI PEM file; an existing file is left alone and is an error.
    pub fn save(&self, path: &Path) -> Result<(), TrustError> {
        let pem = self
            .key
            .to_public_key_pem(LineEnding::LF)
            .expect("a 32-byte public key always encodes");
        write_new(path, pem.as_bytes(), 0o644)
    }

    pub(super) fn verify(&self, message: &[u8], signature: &ed25519_dalek::Signature) -> bool {
        self.key.verify_strict(message, signature).is_ok()
    }
}

/// A private key that signs components. Its `Debug` shows only its id.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, secret redacted)", self.public_key().id())
    }
}

impl SigningKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SigningKey, TrustError> {
        let mut secret = ed25519_dalek::SecretKey::default();
        getrandom::fill(&mut secret).map_err(|e| TrustError::Random(e.to_string()))?;
        let key = ed25519_dalek::SigningKey::from_bytes(&secret);
        secret.fill(0);
        Ok(SigningKey { key })
    }

    /// Reads a PKCS#8 PEM file (`-----BEGIN PRIVATE KEY-----`).
    pub fn read(path: &Path) -> Result<SigningKey, TrustError> {
        let pem = read(path, "private")?;
        let key =
            ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| TrustError::BadKey {
                path: path.to_path_buf(),
                kind: "private",
                reason: e.to_string(),
            })?;
        Ok(SigningKey { key })
    }

    /// Its public key, for the hosts that verify its signatures.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::new(self.key.verifying_key())
    }

    /// Writes it as a PKCS#8 PEM file readable by its owner only (mode 0600); an existing file
    /// is left alone and is an error.
    pub fn save(&self, path: &Path) -> Result<(), TrustError> {
        // PKCS#8 v1, the secret alone, as `openssl genpkey` writes it: OpenSSL 3.0 cannot read
        // the v2 form (with the public key) that ed25519-dalek writes by default.
        let secret = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        };
        let pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .expect("a 32-byte secret key always encodes");
        write_new(path, pem.as_bytes(), 0o600)
    }

    pub(super) fn sign(&self, message: &[u8]) -> ed25519_dalek::Signature {
        use ed25519_dalek::Signer;
        self.key.sign(message)
    }
}

/// The text of a key file; `kind` (`public` or `private`) says which key it should hold.
fn read(path: &Path, kind: &'static str) -> Result<String, TrustError> {
    let bytes = std::fs::read(path).map_err(|source| TrustError::ReadKey {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| TrustError::BadKey {
        path: path.to_path_buf(),
        kind,
        reason: "it is not text".into(),
    })
}

/// Creates `path` with `mode` (on Unix) and writes `bytes`; never replaces a file.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TrustError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let write_error = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::AlreadyExists => TrustError::KeyExists {
            path: path.to_path_buf(),
        },
        _ => TrustError::WriteKey {
            path: path.to_path_buf(),
            source,
        },
    };
    let mut file = options.open(path).map_err(write_error)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_key_pair_reads_back_with_the_same_id() {
        let dir = tempdir();
        let dir = dir.path();
        let key = SigningKey::generate().expect("random source");
        key.save(&dir.join("k.key")).expect("saved");
        key.public_key().save(&dir.join("k.pub")).expect("saved");
        let private = SigningKey::read(&dir.join("k.key")).expect("reads");
        let public = PublicKey::read(&dir.join("k.pub")).expect("reads");
        assert_eq!(private.public_key(), public);
        assert_eq!(public.id(), key.public_key().id());
        let pem = std::fs::read_to_string(dir.join("k.pub")).expect("reads");
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
        // PKCS#8 v1 (version 0, no public key), the form OpenSSL 3.0 reads.
        let pem = std::fs::read_to_string(dir.join("k.key")).expect("reads");
        assert!(pem.contains("\nMC4CAQAw"), "{pem}");
    }

    #[cfg(unix)]
    #[test]
    fn a_private_key_file_is_for_its_owner_only_and_never_overwritten() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempdir();
        let dir = dir.path();
        let path = dir.join("k.key");
        SigningKey::generate()
            .expect("key")
            .save(&path)
            .expect("saved");
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = SigningKey::generate().expect("key").save(&path);
        assert!(
            matches!(again, Err(TrustError::KeyExists { .. })),
            "{again:?}"
        );
    }

    #[test]
    fn a_public_key_is_not_a_private_key_and_the_error_says_which_was_expected() {
        let dir = tempdir();
        let dir = dir.path();
        let path = dir.join("k.pub");
        let key = SigningKey::generate().expect("key");
        key.public_key().save(&path).expect("saved");
        let error = SigningKey::read(&path).expect_err("not private");
        let message = error.to_string();
        assert!(message.contains("private key in PEM"), "{message}");
        assert!(message.contains("wasm-action keygen"), "{message}");
    }

    #[test]
    fn a_key_id_is_16_hex_digits_and_debug_hides_the_secret() {
        let key = SigningKey::generate().expect("key");
        let id = key.public_key().id().to_string();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_eq!(
            format!("{key:?}"),
            format!("SigningKey({id}, secret redacted)")
        );
    }

    #[test]
    fn keys_made_by_openssl_genpkey_are_read() {
        // A throwaway pair from `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`.
        let dir = tempdir();
        let (private, public) = (dir.path().join("o.key"), dir.path().join("o.pub"));
        let key = "-----BEGIN PRIVATE KEY-----\n\
                   MC4CAQAwBQYDK2VwBCIEIEL9zuQUKMIVnUXfirfrQ9+01Y5Z0d80BudtDCWTsCrn\n\
                   -----END PRIVATE KEY-----\n";
        let pubkey = "-----BEGIN PUBLIC KEY-----\n\
                      MCowBQYDK2VwAyEAZMNGszKWKlU4MbO9qzkZErMQu9VKV952ulP2zcnwRU4=\n\
                      -----END PUBLIC KEY-----\n";
        std::fs::write(&private, key).expect("written");
        std::fs::write(&public, pubkey).expect("written");
        let signing = SigningKey::read(&private).expect("a PKCS#8 key");
        assert_eq!(
            signing.public_key(),
            PublicKey::read(&public).expect("an SPKI key")
        );
    }

    fn tempdir() -> tempfile::TempDir {
        tempfile::tempdir().expect("a temp dir")
    }
}
