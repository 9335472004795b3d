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

mod applier;
pub mod bindings;
mod cache;
mod call;
mod credentials;
mod engine;
mod error;
mod events;
mod limits;
mod outbound;
mod phase;
pub mod policy;
mod registry;
mod runtime;
mod state;
mod tls;
mod watch;

pub use applier::{ActionObserver, PluginRunner, PluginValidator};
pub use bindings::{ActionError, Outcome, Readiness};
pub use cache::{ArtifactCache, Source, digest};
pub use call::Call;
pub use credentials::{BoxFuture, Credentials, StaticToken};
pub use engine::Settings;
pub use error::{Explain, HostError, kind};
pub use events::{Observer, PluginEvent, ignore};
pub use limits::{Limit, Limits};
pub use phase::{Phase, PhaseOutput, PhaseResult};
pub use registry::{Answer, Lease, PluginReport, Registry, VersionInfo};
pub use runtime::{Plugin, Runtime};
pub use watch::{DirectoryWatch, plugin_name};
