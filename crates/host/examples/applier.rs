//! How an applier engine embeds the host: load the migrate plugin once, then run an action's
//! phases the way Watcher's applier does (pre-condition, execute, post-condition).
//!
//! Run it with `cargo run --example applier`: it starts the Nova stand-in to have a cloud.

use wasm_action_host::{Call, Phase, PhaseOutput, Readiness, Registry, Runtime, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let nova = nova_double::NovaDouble::start(nova_double::Config::default()).await?;
    let server = nova.add_server(nova_double::ServerSpec::active("compute1"));
    let params = format!(
        r#"{{"resource_id": "{server}", "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}}"#
    );

    // --- the embedding: about ten lines ---
    let registry = Registry::new(Runtime::with_settings(Settings::default())?.into());
    registry
        .install("migrate", None, builtin_plugins::MIGRATE.to_vec())
        .await?;
    let call = Call::new(nova.endpoint(), Some("admin:admin".into()));
    for phase in [Phase::PreCondition, Phase::Execute, Phase::PostCondition] {
        match registry
            .call("migrate", &call, phase, &params)
            .await?
            .result
        {
            Ok(PhaseOutput::Readiness(Readiness::Skip(why))) => {
                println!("skipped: {why}");
                return Ok(());
            }
            Ok(PhaseOutput::Outcome(outcome)) => println!("{phase}: {}", outcome.summary),
            Ok(_) => println!("{phase}: ok"),
            Err(error) => return Err(wasm_action_host::Explain(&error).to_string().into()),
        }
    }
    Ok(())
}
