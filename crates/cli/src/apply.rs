//! `wasm-action apply`: a Watcher action plan, validated as a whole, then run as a DAG.

use crate::cloud::{self, CloudArgs};
use crate::exit;
use crate::plugins::{self, PluginArgs};
use crate::render::Output;
use action_plan::{
    CancellationToken, ExecutionReport, Executor, Plan, PlanState, StateChange, validate,
};
use std::io::{IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasm_action_host::{PluginEvent, PluginRunner, PluginValidator, Settings};

/// Examples shown by `wasm-action apply --help`.
pub const EXAMPLES: &str = "The plan is Watcher's: {\"actions\": [{\"uuid\": \"a1\", \"action_type\": \"migrate\",
  \"input_parameters\": {\"resource_id\": \"...\", \"migration_type\": \"cold\", \"source_node\": \"compute1\",
  \"destination_node\": \"compute2\"}, \"parents\": []}, ...]}

Everything is validated first (action types, parameters by each plugin's own validate, missing
parents, cycles): any problem is reported at once and nothing runs. Then actions run as a DAG,
at most --max-parallel at a time; a pre-condition skip marks an action SKIPPED; a failure
CANCELs its descendants while its siblings go on; Ctrl-C (or SIGTERM) starts nothing more and
aborts the running actions through their plugin's abort.

Examples:
  wasm-action apply plan.json --os-cloud prod
  wasm-action apply plan.json --max-parallel 8 --output json > report.json
  wasm-action apply plan.json --plugin-dir plugins --trust-key ops.pub   # signed plugins only

Exit codes: 0 all succeeded or skipped, 2 invalid plan or usage, 4 an action failed,
5 the cloud or the plugins could not be set up, 130 cancelled.";

/// Arguments of `apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The action plan (JSON: {"actions": [...]} or a list of actions).
    pub plan: PathBuf,
    /// How many actions may run at once.
    #[arg(long, default_value = "4")]
    pub max_parallel: NonZeroUsize,
    /// Give each phase of each action at most this many seconds (default: the plugin's own).
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<u64>,
    /// How to print the final report on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    #[command(flatten)]
    pub cloud: CloudArgs,
    #[command(flatten)]
    pub plugins: PluginArgs,
}

/// Exit code of a cancelled plan (as for a process ended by SIGINT).
const CANCELLED: u8 = 130;

/// Validates and runs the plan; returns the exit code.
pub async fn apply(args: ApplyArgs, settings: Settings) -> u8 {
    match run_plan(&args, settings).await {
        Ok(code) => code,
        Err((code, message)) => {
            errln!("error: {message}");
            code
        }
    }
}

async fn run_plan(args: &ApplyArgs, settings: Settings) -> Result<u8, (u8, String)> {
    let plan = Plan::from_path(&args.plan).map_err(|e| (exit::USAGE, e.to_string()))?;
    let (registry, _watch) = plugins::registry(settings, &args.plugins)
        .await
        .map_err(|e| (exit::HOST_ERROR, e))?;
    let known: Vec<String> = registry
        .report()
        .into_iter()
        .map(|p| p.current.name)
        .collect();
    let validated = match validate(plan, &known, &PluginValidator::new(registry.clone())).await {
        Ok(validated) => validated,
        Err(report) => {
            match args.output {
                // The report says it all ("the action plan has N problems; nothing was executed").
                Output::Text => errln!("{report}"),
                Output::Json => outln!(
                    "{}",
                    serde_json::json!({"state": "INVALID", "problems": report})
                ),
            }
            return Ok(exit::USAGE);
        }
    };
    let connection = cloud::connect(&args.cloud)
        .await
        .map_err(|e| (exit::HOST_ERROR, e))?;
    let started = Instant::now();
    let human = std::io::stderr().is_terminal();
    let runner = PluginRunner::new(registry, connection.endpoint, Some(connection.credentials))
        .with_tls(connection.tls)
        .with_deadline(args.deadline.map(Duration::from_secs))
        .with_observer(Arc::new(move |uuid: &str, event: &PluginEvent| {
            plugin_event(started, human, uuid, event)
        }));
    let executor = Executor::new(Arc::new(runner))
        .with_max_parallel(args.max_parallel)
        .with_observer(move |change: &StateChange| state_change(started, human, change));
    let cancel = CancellationToken::new();
    // Listening before the first action starts: Ctrl-C must never find the default handler.
    let signals = crate::stop::StopSignals::listen();
    let stop = tokio::spawn(cancel_on_signal(signals, cancel.clone()));
    let report = executor.run(&validated, &cancel).await;
    stop.abort();
    print_report(&report, args.output);
    Ok(match report.state {
        PlanState::Succeeded => exit::SUCCESS,
        PlanState::Failed => exit::ACTION_ERROR,
        PlanState::Cancelled => CANCELLED,
    })
}

fn print_report(report: &ExecutionReport, output: Output) {
    match output {
        Output::Text => outln!("{report}"),
        Output::Json => outln!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        ),
    }
}

/// Ctrl-C or SIGTERM: no new actions; the executor aborts the running ones.
async fn cancel_on_signal(mut signals: crate::stop::StopSignals, cancel: CancellationToken) {
    signals.recv().await;
    errln!(
        "stopping: no new actions will start; aborting the running ones (Ctrl-C again to quit at once)"
    );
    cancel.cancel();
    signals.recv().await;
    std::process::exit(i32::from(CANCELLED));
}

fn state_change(started: Instant, human: bool, change: &StateChange) {
    tracing::info!(action = %change.uuid, action_type = %change.action_type, from = %change.from, to = %change.to, "action state");
    if human {
        let at = started.elapsed().as_secs_f64();
        let _ = writeln!(
            std::io::stderr(),
            "{at:7.2}s  {:<12} {:<8} {} → {}",
            short(&change.uuid),
            change.action_type,
            change.from,
            change.to
        );
    }
}

fn plugin_event(started: Instant, human: bool, uuid: &str, event: &PluginEvent) {
    if let (true, PluginEvent::Progress { phase, message, .. }) = (human, event) {
        let at = started.elapsed().as_secs_f64();
        let _ = writeln!(
            std::io::stderr(),
            "{at:7.2}s  {:<12} {phase:<8} {message}",
            short(uuid)
        );
    }
}

fn short(uuid: &str) -> &str {
    uuid.get(..12).unwrap_or(uuid)
}
