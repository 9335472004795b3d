//! Rust bindings of the `openstack:actions` contract (see `wit/actions.wit`), generated into a
//! private module; the rest of the crate uses them through the items re-exported here, and the
//! crate's root re-exports the contract's types that embedders see.

mod generated {
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
}

pub(crate) use generated::openstack::actions::host;
pub use generated::openstack::actions::host::Level;
pub(crate) use generated::openstack::actions::types;
pub use generated::openstack::actions::types::{
    ActionError, ApiFault, Context, FieldError, MigrationFailure, Outcome, Problem, Readiness,
};
pub(crate) use generated::{ActionPlugin, ActionPluginPre};
