//! `wasm-action migrate SERVER`: `openstack server migrate`'s words, mapped onto the migrate
//! component's parameters and run through its pre-condition, execute and post-condition.

use crate::cloud::{self, CloudArgs, Connection};
use crate::exit;
use crate::nova::{self, Server};
use crate::render::progress_printer;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use wasm_action_host::{
    Call, Explain, Phase, PhaseOutput, PhaseResult, Plugin, Readiness, Runtime, Settings,
};

/// Examples shown by `wasm-action migrate --help`.
pub const EXAMPLES: &str =
    "The flags mean what they mean to `openstack server migrate`: without --live-migration the
migration is cold (Nova's migrate, then confirmResize; the server keeps its status). SERVER is
an id or an exact name, looked up in every project; the source host is the one Nova shows.

Examples:
  wasm-action migrate --os-cloud prod web-1 --host compute3
  wasm-action migrate --os-cloud prod --live-migration b9bab5bb-a8c3-4dd8-ae57-218338e27cd3
  wasm-action migrate --os-cloud prod --live-migration --host compute2 --dry-run web-1

Exit codes: 0 migrated (or, with --dry-run, it would be), 2 usage error or SERVER names no
single server, 3 nothing to do (the pre-condition says why), 4 the migration failed (the
action's error), 5 host error (the cloud, the plugin or the sandbox).";

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// The server to migrate: its id, or its name (which must name exactly one server).
    #[arg(value_name = "SERVER")]
    pub server: String,
    /// Live-migrate: the server keeps running (os-migrateLive).
    #[arg(long, conflicts_with = "cold")]
    pub live_migration: bool,
    /// Cold-migrate (the default): Nova's migrate, then confirmResize.
    #[arg(long)]
    pub cold: bool,
    /// The compute host to move the server to [default: Nova's scheduler picks one].
    #[arg(long, value_name = "DEST")]
    pub host: Option<String>,
    /// Copy the disks with the live migration. Accepted for compatibility: the migrate component
    /// always asks Nova for block_migration "auto", which copies the disks whenever they are not
    /// on shared storage.
    #[arg(long, requires = "live_migration")]
    pub block_migration: bool,
    /// Accepted for compatibility: this command always waits until the migration has ended.
    #[arg(long)]
    pub wait: bool,
    /// Run the pre-condition only, and say what would happen.
    #[arg(long)]
    pub dry_run: bool,
    /// Give up after this many seconds [default: the action's own, 900].
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<u64>,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

/// Finds the server, migrates it, and returns the exit code.
pub async fn migrate(args: MigrateArgs, settings: Settings) -> u8 {
    match migrate_checked(&args, settings).await {
        Ok(code) => code,
        Err((code, message)) => {
            errln!("error: {message}");
            code
        }
    }
}

/// A failure before or around the phases: the exit code and what to tell the operator.
type Failure = (u8, String);

async fn migrate_checked(args: &MigrateArgs, settings: Settings) -> Result<u8, Failure> {
    let connection = cloud::connect(&args.cloud)
        .await
        .map_err(|e| (exit::HOST_ERROR, e))?;
    let server = find(&connection, &args.server).await?;
    let intent = Intent::new(args, server)?;
    let runtime = Runtime::with_settings(settings).map_err(host_error)?;
    let plugin = runtime
        .load_builtin("migrate", builtin_plugins::MIGRATE)
        .map_err(host_error)?;
    let mut call = connection.call();
    call.deadline = args.deadline.map(Duration::from_secs);
    call.observer = progress_printer(Instant::now(), false);
    let phases = Phases {
        runtime: &runtime,
        plugin: &plugin,
        call: &call,
        params: intent.params().to_string(),
    };
    let pre = phases.run(Phase::PreCondition).await?;
    if let Some(code) = exit::stops_here(&pre) {
        return Ok(code);
    }
    if args.dry_run {
        outln!("would {}", intent.describe());
        return Ok(exit::SUCCESS);
    }
    for phase in [Phase::Execute, Phase::PostCondition] {
        if let Some(code) = exit::stops_here(&phases.run(phase).await?) {
            return Ok(code);
        }
    }
    let now = nova::show_server(&connection.session, &connection.endpoint, &intent.server.id)
        .await
        .map_err(|e| (e.exit_code(), e.to_string()))?;
    outln!("{}", where_now(&intent.server, now.as_ref()));
    Ok(exit::SUCCESS)
}

async fn find(connection: &Connection, name_or_id: &str) -> Result<Server, Failure> {
    nova::find_server(&connection.session, &connection.endpoint, name_or_id)
        .await
        .map_err(|e| (e.exit_code(), e.to_string()))
}

fn host_error(e: wasm_action_host::HostError) -> Failure {
    (exit::HOST_ERROR, wasm_action_host::chain(&e))
}

/// The operator's request in the component's terms.
struct Intent {
    server: Server,
    source: String,
    live: bool,
    destination: Option<String>,
}

impl Intent {
    fn new(args: &MigrateArgs, server: Server) -> Result<Intent, Failure> {
        let source = server.host.clone().ok_or_else(|| {
            let why = format!(
                "Nova shows no host for server {} ({}): it is not on a compute host, or the \
                 token is not an admin's (OS-EXT-SRV-ATTR:host is admin-only)",
                server.id, server.name
            );
            (exit::HOST_ERROR, why)
        })?;
        Ok(Intent {
            server,
            source,
            live: args.live_migration,
            destination: args.host.clone(),
        })
    }

    /// The migrate component's `input_parameters`.
    fn params(&self) -> Value {
        json!({
            "resource_id": self.server.id,
            "resource_name": self.server.name,
            "migration_type": if self.live { "live" } else { "cold" },
            "source_node": self.source,
            "destination_node": self.destination,
        })
    }

    /// E.g. "cold-migrate server 5c1b... (web-1) from compute1 to compute3".
    fn describe(&self) -> String {
        let kind = if self.live { "live" } else { "cold" };
        let to = match &self.destination {
            Some(host) => host.clone(),
            None => "a host Nova's scheduler picks".to_string(),
        };
        format!(
            "{kind}-migrate server {} ({}) from {} to {to}",
            self.server.id, self.server.name, self.source
        )
    }
}

/// The component's phases against one server, with the same call each time.
struct Phases<'a> {
    runtime: &'a Runtime,
    plugin: &'a Plugin,
    call: &'a Call,
    params: String,
}

impl Phases<'_> {
    /// Runs `phase` and prints one line about its result.
    async fn run(&self, phase: Phase) -> Result<PhaseResult, Failure> {
        let result = self
            .runtime
            .call(self.plugin, self.call, phase, &self.params)
            .await
            .map_err(host_error)?;
        outln!("{}", brief(phase, &result));
        Ok(result)
    }
}

/// One line per phase: the progress printer tells the details as they happen.
fn brief(phase: Phase, result: &PhaseResult) -> String {
    let phase = phase.as_str();
    match result {
        Ok(PhaseOutput::Readiness(Readiness::Skip(reason))) => {
            format!("{phase}: nothing to do — {reason}")
        }
        Ok(PhaseOutput::Readiness(Readiness::Proceed)) => format!("{phase}: proceed"),
        Ok(PhaseOutput::Outcome(outcome)) => format!("{phase}: {}", outcome.summary),
        Ok(_) => format!("{phase}: ok"),
        Err(error) => format!("{phase} failed: {}", Explain(error)),
    }
}

/// The final line: where Nova shows the server now.
fn where_now(before: &Server, now: Option<&Server>) -> String {
    match now {
        Some(Server {
            host: Some(host),
            status,
            ..
        }) => format!(
            "server {} ({}) is now on {host}, {status}",
            before.id, before.name
        ),
        _ => format!(
            "server {} ({}): Nova no longer shows where it is",
            before.id, before.name
        ),
    }
}
