//! Runs OpenStack Watcher actions as sandboxed WebAssembly components.
//!
//! An applier engine embeds a [`Runtime`], loads a plugin once and runs its phases:
//!
//! ```no_run
//! # async fn demo(wasm: &[u8]) -> Result<(), wasm_action_host::HostError> {
//! use wasm_action_host::{Call, Phase, PhaseOutput, Runtime};
//! let runtime = Runtime::new()?;
//! let plugin = runtime.load("migrate", wasm)?;
//! let call = Call::new("https://nova.example:8774/v2.1", Some("gAAAA...".into()));
//! let params = r#"{"resource_id": "b9bab5bb-a8c3-4dd8-ae57-218338e27cd3",
//!                  "migration_type": "cold", "source_node": "compute1", "destination_node": "compute3"}"#;
//! match runtime.call(&plugin, &call, Phase::Execute, params).await? {
//!     Ok(PhaseOutput::Outcome(outcome)) => println!("{}", outcome.summary),
//!     Ok(other) => println!("{other:?}"),
//!     Err(error) => eprintln!("{}", wasm_action_host::Explain(&error)),
//! }
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod bindings;
mod cache;
mod call;
mod engine;
mod error;
mod events;
pub mod json;
mod metrics;
mod phase;
mod plan_runner;
mod registry;
mod runtime;
pub mod sandbox;
pub mod trust;
mod watch;

pub use bindings::{
    ActionError, ApiFault, Context, FieldError, Level, MigrationFailure, Outcome, Problem,
    Readiness,
};
pub use cache::{ArtifactCache, Source, digest};
pub use call::Call;
pub use engine::Settings;
pub use error::{Explain, HostError, LoadProblem, chain, kind};
pub use events::{Observer, PluginEvent, ignore};
/// What [`Credentials`] return (futures-core's, the same type as `action_plan::BoxFuture`).
pub use futures_core::future::BoxFuture;
pub use metrics::Metrics;
pub use phase::{Phase, PhaseOutput, PhaseResult};
pub use plan_runner::{ActionObserver, PluginRunner, PluginValidator};
pub use registry::{Answer, Lease, PluginReport, Registry, VersionInfo};
pub use runtime::{Plugin, Runtime};
pub use sandbox::allowlist::{AllowList, Origin, OriginError};
pub use sandbox::budget::RequestBudget;
pub use sandbox::credentials::{Credentials, CredentialsError, StaticToken};
pub use sandbox::limits::{Limit, Limits};
pub use trust::{TrustError, TrustPolicy, Trusted};
pub use watch::{DirectoryWatch, WatchError, plugin_name};
