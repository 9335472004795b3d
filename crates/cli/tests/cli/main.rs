//! End-to-end tests of the `wasm-action` binary: `run`, `apply` and `serve` against the
//! Keystone and Nova doubles, configured through clouds.yaml as an operator would; trusted
//! plugins (`keygen`, `sign`, `verify`, `run --trust-key`); `migrate SERVER`; the terminal's manners.

mod apply;
mod bench;
mod grants;
mod migrate;
mod real_cloud;
mod run;
mod secrets;
mod serve;
mod serve_auth;
mod service;
mod stand_in;
mod terminal;
mod trust;
