//! Rust bindings of the `openstack:actions` contract, one private module per version the host
//! runs (as Zed keeps `since_v0_1_0`, ...): `latest` is `wit/actions.wit` (0.2.0), `v0_1_0` the
//! previous contract kept in `wit/v0.1.0`. The rest of the crate uses them
//! through the items re-exported here, and the crate's root re-exports the contract's types that
//! embedders see.
//!
//! 0.1.0's records and variants are the latest's, field for field: its bindings use the latest
//! Rust types (wasmtime checks component types structurally at instantiation), so its answers
//! need no conversion. Only its `host` import has a type of its own (`level`).

/// The contract versions this host loads, newest first.
pub(crate) const CONTRACTS: [&str; 2] = ["openstack:actions@0.2.0", "openstack:actions@0.1.0"];

mod latest {
    #![allow(missing_docs)]

    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "openstack:actions/action-plugin@0.2.0",
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
        },
        additional_derives: [PartialEq, Eq],
        require_store_data_send: true,
    });
}

pub(crate) mod v0_1_0 {
    #![allow(missing_docs)]

    wasmtime::component::bindgen!({
        path: "../../wit/v0.1.0",
        world: "openstack:actions/action-plugin@0.1.0",
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "openstack:actions/types@0.1.0": crate::bindings::latest::openstack::actions::types,
        },
        require_store_data_send: true,
    });

    pub(crate) use openstack::actions::host;
}

pub(crate) use latest::openstack::actions::host;
pub use latest::openstack::actions::host::Level;
pub(crate) use latest::openstack::actions::types;
pub use latest::openstack::actions::types::{
    ActionError, ApiFault, Context, FieldError, MigrationFailure, Outcome, Problem, Readiness,
};
pub(crate) use latest::{ActionPlugin, ActionPluginPre};
