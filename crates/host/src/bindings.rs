//! Rust bindings of the `openstack:actions` contract (see `wit/actions.wit`).
//! Everything else uses the generated types through this module.

#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "openstack:actions/action-plugin",
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
    additional_derives: [PartialEq, Eq],
    require_store_data_send: true,
});

pub use openstack::actions::host::Level;
pub use openstack::actions::types::{
    ActionError, ApiFault, Context, FieldError, MigrationFailure, Outcome, Problem, Readiness,
};
