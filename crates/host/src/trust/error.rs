//! What can go wrong with a trust policy, its files and the components it judges.

use super::keys::KeyId;
use std::path::PathBuf;

/// A trust policy that cannot be read, a key that cannot be used, or a component the policy
/// refuses. Each message says what is wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The pins file cannot be read.
    #[error("cannot read the pins file {}", path.display())]
    ReadPins {
        /// The pins file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A line of the pins file is not a pin.
    #[error(
        "{} line {line} is not a pin: expected `<64 hex digits>  <file name>` as sha256sum \
         prints it (fix the line, or make it a `#` comment)",
        path.display()
    )]
    BadPin {
        /// The pins file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
    },
    /// A digest given to pin is not 64 hex digits.
    #[error("'{0}' is not a SHA-256 digest: expected 64 hex digits, as sha256sum prints")]
    BadDigest(String),
    /// A key file cannot be read.
    #[error("cannot read the key file {}", path.display())]
    ReadKey {
        /// The key file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A key file does not hold the key it should.
    #[error(
        "{} is not an ed25519 {kind} key in PEM ({reason}): make a key pair with \
         `wasm-action keygen` or `openssl genpkey -algorithm ed25519`",
        path.display()
    )]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// `public` (SPKI PEM expected) or `private` (PKCS#8 PEM expected).
        kind: &'static str,
        /// What the PEM decoder said.
        reason: String,
    },
    /// A key file to write exists already; keys are never overwritten.
    #[error(
        "{} already exists: a key is never overwritten; choose another name or move the old \
         key away first",
        path.display()
    )]
    KeyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// A key file cannot be written.
    #[error("cannot write the key file {}", path.display())]
    WriteKey {
        /// The key file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The operating system gave no randomness for a new key.
    #[error("cannot make a key: the operating system's random source failed ({0})")]
    Random(String),
    /// The bytes are not a WebAssembly component whose sections can be read.
    #[error("not a WebAssembly component: {0}")]
    NotWasm(&'static str),
    /// The component is neither pinned nor signed.
    #[error(
        "component sha256 {digest} is neither pinned nor signed: pin it (add the line \
         `sha256sum` prints for it to the pins file) or sign it with a trusted key \
         (`wasm-action sign --key KEY FILE`)"
    )]
    NotTrusted {
        /// The component's hex SHA-256.
        digest: String,
    },
    /// The component is signed, by a key the policy does not list.
    #[error(
        "component sha256 {digest} is signed by key {key}, which is not a trusted key: trust \
         that key's public key file, sign the component with a trusted key, or pin it"
    )]
    UnknownKey {
        /// The component's hex SHA-256.
        digest: String,
        /// The key id its signature names.
        key: KeyId,
    },
    /// The signature does not match the component: it was changed after it was signed.
    #[error(
        "the signature of component sha256 {digest} by key {key} does not match its bytes: \
         the component was changed after it was signed (tampered with or damaged); do not run \
         it, get a good copy and sign that"
    )]
    BadSignature {
        /// The component's hex SHA-256.
        digest: String,
        /// The key id its signature names.
        key: KeyId,
    },
    /// The signature section cannot be read.
    #[error(
        "component sha256 {digest} has a malformed signature section ({reason}): sign it again"
    )]
    MalformedSignature {
        /// The component's hex SHA-256.
        digest: String,
        /// What is wrong with the section.
        reason: &'static str,
    },
    /// A signature section is there, but not last: something was appended after signing.
    #[error(
        "component sha256 {digest} has a signature section that is not its last section: \
         something was added after it was signed; sign it again"
    )]
    MisplacedSignature {
        /// The component's hex SHA-256.
        digest: String,
    },
}
