//! The hostile test plugins as component bytes, built by `build.rs` from `../<name>` for
//! `wasm32-wasip2`: a constant per plugin folder, named after it (`FORBIDDEN_HOST` for
//! `../forbidden-host`) and documented by the plugin's own crate doc, and [`ALL`]. Each misbehaves
//! in `execute` only (but `WELL_BEHAVED`, the normal twin); its other phases answer normally.
#![deny(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/plugins.rs"));
