//! The signature a component carries: its last top-level custom section.
//!
//! A custom section is id 0, its size (LEB128 u32), its name (a LEB128 length and UTF-8), then
//! its payload; wasmtime skips custom sections it does not know. Ours is named
//! [`SECTION_NAME`] and its payload is a format byte (1), the signing key's [`KeyId`] (8 bytes)
//! and an ed25519 signature (64 bytes) over `CONTEXT` followed by the SHA-256 of every byte
//! before the section. The context string keeps these signatures from meaning anything else
//! a key might sign.

use super::TrustError;
use super::keys::{KeyId, PublicKey, SigningKey};
use sha2::{Digest, Sha256};

/// The name of the custom section that carries a component's signature.
pub const SECTION_NAME: &str = "wasm-action-signature";
const FORMAT: u8 = 1;
const CONTEXT: &[u8] = b"wasm-action component signature v1\0";
const PAYLOAD_LEN: usize = 1 + 8 + 64;

/// Why a component's signature cannot even be checked.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Problem {
    NotWasm(&'static str),
    Malformed(&'static str),
    Misplaced,
}

impl Problem {
    pub(super) fn into_error(self, digest: String) -> TrustError {
        match self {
            Problem::NotWasm(reason) => TrustError::NotWasm(reason),
            Problem::Malformed(reason) => TrustError::MalformedSignature { digest, reason },
            Problem::Misplaced => TrustError::MisplacedSignature { digest },
        }
    }
}

/// A signature found in a component, not yet checked.
pub(super) struct Embedded<'a> {
    pub(super) key: KeyId,
    signature: ed25519_dalek::Signature,
    signed: &'a [u8],
}

impl Embedded<'_> {
    /// Whether `key` made this signature over these bytes.
    pub(super) fn verify(&self, key: &PublicKey) -> bool {
        key.verify(&message(self.signed), &self.signature)
    }
}

/// The component's signature, if it has one.
pub(super) fn embedded(wasm: &[u8]) -> Result<Option<Embedded<'_>>, Problem> {
    let (signed, payload) = split(wasm)?;
    let Some(payload) = payload else {
        return Ok(None);
    };
    if payload.len() != PAYLOAD_LEN {
        return Err(Problem::Malformed("it is not 73 bytes long"));
    }
    if payload[0] != FORMAT {
        return Err(Problem::Malformed("its format is not 1"));
    }
    let key = KeyId(
        payload[1..9]
            .try_into()
            .expect("8 bytes of a 73-byte payload"),
    );
    let bytes: &[u8; 64] = payload[9..]
        .try_into()
        .expect("64 bytes of a 73-byte payload");
    Ok(Some(Embedded {
        key,
        signature: ed25519_dalek::Signature::from_bytes(bytes),
        signed,
    }))
}

/// `wasm` signed by `key`: any signature it had is replaced, nothing else changes.
pub fn sign(wasm: &[u8], key: &SigningKey) -> Result<Vec<u8>, TrustError> {
    // A damaged signature of ours is replaced like a good one: `split` does not read it.
    let (signed, _) = split(wasm).map_err(|p| p.into_error(crate::cache::digest(wasm)))?;
    let mut payload = Vec::with_capacity(PAYLOAD_LEN);
    payload.push(FORMAT);
    payload.extend_from_slice(&key.public_key().id().0);
    payload.extend_from_slice(&key.sign(&message(signed)).to_bytes());
    let mut out = signed.to_vec();
    out.extend_from_slice(&custom_section(SECTION_NAME, &payload));
    Ok(out)
}

/// The key id of the signature `wasm` carries, without checking it.
pub fn signed_by(wasm: &[u8]) -> Option<KeyId> {
    embedded(wasm).ok().flatten().map(|e| e.key)
}

fn message(signed: &[u8]) -> Vec<u8> {
    let mut message = CONTEXT.to_vec();
    message.extend_from_slice(&Sha256::digest(signed));
    message
}

/// The bytes before the signature section, and its payload; all of `wasm` and `None` when it
/// has none.
fn split(wasm: &[u8]) -> Result<(&[u8], Option<&[u8]>), Problem> {
    let sections = sections(wasm).map_err(Problem::NotWasm)?;
    let ours: Vec<usize> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.id == 0 && custom_name(&wasm[s.content.clone()]) == Some(SECTION_NAME))
        .map(|(i, _)| i)
        .collect();
    match ours.as_slice() {
        [] => Ok((wasm, None)),
        [last] if *last + 1 == sections.len() => {
            let section = &sections[*last];
            let content = &wasm[section.content.clone()];
            let payload = custom_payload(content).ok_or(Problem::NotWasm("bad custom section"))?;
            Ok((&wasm[..section.start], Some(payload)))
        }
        _ => Err(Problem::Misplaced),
    }
}

/// One top-level section: its id, where it starts and where its content lies.
struct Section {
    id: u8,
    start: usize,
    content: std::ops::Range<usize>,
}

fn sections(wasm: &[u8]) -> Result<Vec<Section>, &'static str> {
    if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
        return Err("it does not start with the \\0asm header");
    }
    let mut sections = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let (size, length) = leb128(&wasm[at + 1..]).ok_or("a section size is unreadable")?;
        let begin = at + 1 + length;
        let end = begin
            .checked_add(size as usize)
            .filter(|end| *end <= wasm.len())
            .ok_or("a section runs past the end of the file (truncated?)")?;
        sections.push(Section {
            id: wasm[at],
            start: at,
            content: begin..end,
        });
        at = end;
    }
    Ok(sections)
}

/// A custom section's name, when it is UTF-8.
fn custom_name(content: &[u8]) -> Option<&str> {
    let (length, read) = leb128(content)?;
    let name = content.get(read..read.checked_add(length as usize)?)?;
    std::str::from_utf8(name).ok()
}

fn custom_payload(content: &[u8]) -> Option<&[u8]> {
    let (length, read) = leb128(content)?;
    content.get(read.checked_add(length as usize)?..)
}

/// A LEB128 u32 and how many bytes it took.
fn leb128(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

fn custom_section(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut content = leb128_bytes(name.len() as u32);
    content.extend_from_slice(name.as_bytes());
    content.extend_from_slice(payload);
    let mut section = vec![0];
    section.extend(leb128_bytes(content.len() as u32));
    section.extend(content);
    section
}

fn leb128_bytes(mut value: u32) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A minimal component: the header and one custom section.
    pub(in crate::trust) fn component() -> Vec<u8> {
        let mut wasm = b"\0asm\x0d\0\x01\0".to_vec();
        wasm.extend(custom_section("producers", b"made by hand"));
        wasm
    }

    #[test]
    fn leb128_round_trips_and_rejects_overlong_values() {
        for value in [0, 1, 127, 128, 300, 16_384, u32::MAX] {
            let bytes = leb128_bytes(value);
            assert_eq!(leb128(&bytes), Some((value, bytes.len())));
        }
        assert_eq!(leb128(&[0x80, 0x80]), None, "unterminated");
        assert_eq!(leb128(&[0xff, 0xff, 0xff, 0xff, 0x7f]), None, "above u32");
    }

    #[test]
    fn signing_appends_one_last_section_and_keeps_every_byte_before_it() {
        let wasm = component();
        let key = SigningKey::generate().expect("key");
        let signed = sign(&wasm, &key).expect("signs");
        assert_eq!(&signed[..wasm.len()], wasm.as_slice());
        let (before, payload) = split(&signed).expect("readable");
        assert_eq!(before, wasm.as_slice());
        assert_eq!(payload.map(<[u8]>::len), Some(PAYLOAD_LEN));
        assert_eq!(signed_by(&signed), Some(key.public_key().id()));
    }

    #[test]
    fn signing_again_replaces_the_signature_instead_of_adding_one() {
        let wasm = component();
        let (first, second) = (SigningKey::generate(), SigningKey::generate());
        let once = sign(&wasm, &first.expect("key")).expect("signs");
        let second = second.expect("key");
        let twice = sign(&once, &second).expect("signs again");
        assert_eq!(twice.len(), once.len());
        assert_eq!(split(&twice).expect("readable").0, wasm.as_slice());
        assert_eq!(signed_by(&twice), Some(second.public_key().id()));
    }

    #[test]
    fn an_unsigned_component_has_no_signature_and_garbage_is_not_wasm() {
        assert!(embedded(&component()).expect("readable").is_none());
        assert!(matches!(embedded(b"garbage!"), Err(Problem::NotWasm(_))));
        let mut truncated = component();
        truncated.pop();
        assert!(matches!(embedded(&truncated), Err(Problem::NotWasm(_))));
    }

    #[test]
    fn a_section_appended_after_the_signature_makes_it_misplaced() {
        let key = SigningKey::generate().expect("key");
        let mut signed = sign(&component(), &key).expect("signs");
        signed.extend(custom_section("extra", b"added later"));
        assert_eq!(embedded(&signed).err(), Some(Problem::Misplaced));
        let error = sign(&signed, &key).expect_err("not signed over a misplaced signature");
        assert!(
            matches!(error, TrustError::MisplacedSignature { .. }),
            "{error}"
        );
    }

    #[test]
    fn a_signature_section_of_the_wrong_size_is_malformed() {
        let mut wasm = component();
        wasm.extend(custom_section(SECTION_NAME, &[FORMAT; 10]));
        assert!(matches!(embedded(&wasm), Err(Problem::Malformed(_))));
    }
}
