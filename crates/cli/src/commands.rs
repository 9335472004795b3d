//! The command line: argument definitions and dispatch to one module per command.

use crate::{apply, demo, exit, migrate, plugins, run, serve, stand_in, trust};
use clap::{Parser, Subcommand, ValueEnum};

/// Run OpenStack Watcher actions as sandboxed WebAssembly components.
///
/// Each action is a WebAssembly component. Built in are Watcher's Nova actions: `migrate` (cold
/// through Nova's own `migrate` server action, live through `os-migrateLive`),
/// `change_nova_service_state`, `stop`, `resize`, `shelve`, `nop` and `sleep`. Each call runs in
/// a fresh sandbox: no files, no environment, outgoing HTTP only to the compute endpoint and only
/// the requests the action declares, with the token added by this host.
#[derive(Debug, Parser)]
#[command(
    name = "wasm-action",
    version,
    after_help = "Start with:  wasm-action demo"
)]
pub struct Args {
    /// Log format: human text, or JSON lines for machines.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More log output (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Where compiled plugins are kept between runs [default: ~/.cache/wasm-action].
    #[arg(long, global = true, env = "WASM_ACTION_CACHE_DIR")]
    pub cache_dir: Option<std::path::PathBuf>,
    /// Compile plugins at every start instead of using the cache.
    #[arg(long, global = true)]
    pub no_cache: bool,
    /// The operator's grants: narrow what plugins may ask of Nova, or grant beyond what they
    /// declare (one rule a line: PLUGIN allow|override METHOD /path [ACTION ...]; see
    /// `wasm-action plugins --help`).
    #[arg(long, global = true, value_name = "FILE", env = "WASM_ACTION_GRANTS")]
    pub grants: Option<std::path::PathBuf>,
    /// At most this many requests waiting on the compute endpoint at once, from every action
    /// this process runs.
    #[arg(long, global = true, value_name = "N", default_value_t = 32, env = "WASM_ACTION_NOVA_IN_FLIGHT",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub nova_in_flight: u32,
    /// At most this many requests a second to the compute endpoint, from every action this
    /// process runs (requests wait their turn, first come first served; 0: no limit).
    #[arg(
        long,
        global = true,
        value_name = "R",
        default_value_t = 50.0,
        env = "WASM_ACTION_NOVA_RATE"
    )]
    pub nova_rate: f64,
    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written (to stderr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate a server end to end against a built-in Nova stand-in (no cloud needed).
    #[command(
        after_help = "Examples:\n  wasm-action demo\n  wasm-action demo --migration-type live\n  wasm-action demo --timings fast"
    )]
    Demo(demo::DemoArgs),
    /// Run one phase of an action against a compute endpoint.
    #[command(after_help = run::EXAMPLES)]
    Run(run::RunArgs),
    /// Migrate a server as `openstack server migrate` would, in the sandbox: by name or id,
    /// cold (the default) or live, with live progress.
    #[command(after_help = migrate::EXAMPLES)]
    Migrate(migrate::MigrateArgs),
    /// Validate a Watcher action plan, then run it as a DAG.
    #[command(after_help = apply::EXAMPLES)]
    Apply(apply::ApplyArgs),
    /// Serve an HTTP API to submit actions and plans, follow and cancel them.
    #[command(after_help = serve::EXAMPLES)]
    Serve(serve::ServeArgs),
    /// Show each plugin's contract, digest, the Nova requests it declares and those it may send.
    #[command(after_help = plugins::EXAMPLES)]
    Plugins(plugins::ReportArgs),
    /// Serve the Nova stand-in on 127.0.0.1 (for plugin authors and other test suites).
    #[command(
        after_help = "Prints one JSON line when ready: {\"endpoint\": ..., \"hosts\": [...], \"servers\": [...]}\n\nExample:\n  wasm-action nova-stand-in --servers 3 --timings fast"
    )]
    NovaStandIn(stand_in::StandInArgs),
    /// Make an ed25519 key pair to sign plugins with.
    #[command(after_help = trust::KEYGEN_EXAMPLES)]
    Keygen(trust::KeygenArgs),
    /// Sign a plugin component, so that hosts trusting the key load it.
    #[command(after_help = trust::SIGN_EXAMPLES)]
    Sign(trust::SignArgs),
    /// Tell whether a plugin component is trusted: pinned, or signed by a trusted key.
    #[command(after_help = trust::VERIFY_EXAMPLES)]
    Verify(trust::VerifyArgs),
}

/// Runs the command and returns the process exit code.
pub async fn dispatch(args: Args) -> u8 {
    let settings = match settings(&args) {
        Ok(settings) => settings,
        Err(message) => {
            errln!("error: {message}");
            return exit::USAGE;
        }
    };
    match args.command {
        Command::Plugins(report_args) => plugins::report(report_args, settings).await,
        Command::Demo(demo_args) => demo::demo(demo_args, settings).await,
        Command::Run(run_args) => run::run(run_args, settings).await,
        Command::Migrate(migrate_args) => migrate::migrate(migrate_args, settings).await,
        Command::Apply(apply_args) => apply::apply(apply_args, settings).await,
        Command::Serve(serve_args) => serve::serve(serve_args, settings).await,
        Command::NovaStandIn(stand_in_args) => stand_in::stand_in(stand_in_args).await,
        Command::Keygen(keygen_args) => trust::keygen(keygen_args),
        Command::Sign(sign_args) => trust::sign_plugin(sign_args),
        Command::Verify(verify_args) => trust::verify(verify_args),
    }
}

/// The runtime settings the global options ask for.
fn settings(args: &Args) -> Result<wasm_action_host::Settings, String> {
    let cache_dir = match (args.no_cache, &args.cache_dir) {
        (true, _) => None,
        (false, Some(dir)) => Some(dir.clone()),
        (false, None) => wasm_action_host::ArtifactCache::default_dir(),
    };
    let grants = match &args.grants {
        Some(path) => wasm_action_host::sandbox::grants::Grants::from_file(path)
            .map_err(|e| format!("--grants: {e}"))?,
        None => Default::default(),
    };
    if !(args.nova_rate.is_finite() && args.nova_rate >= 0.0) {
        return Err(format!(
            "--nova-rate {} must be a number of requests a second, 0 for no limit",
            args.nova_rate
        ));
    }
    let nova_budget = wasm_action_host::RequestBudget {
        in_flight: args.nova_in_flight as usize,
        per_second: match args.nova_rate {
            0.0 => f64::INFINITY,
            rate => rate,
        },
    };
    Ok(wasm_action_host::Settings {
        cache_dir,
        grants,
        nova_budget,
        ..wasm_action_host::Settings::default()
    })
}
