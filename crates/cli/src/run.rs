//! `wasm-action run`: one phase of one action against a compute endpoint.

use crate::cloud::{self, CloudArgs};
use crate::exit;
use crate::render::{Output, progress_printer, result_json, result_text};
use crate::trust::TrustArgs;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use wasm_action_host::{Call, Phase, Runtime, Settings};

/// Examples shown by `wasm-action run --help`.
pub const EXAMPLES: &str = "Examples:
  wasm-action run --os-cloud prod --phase pre-condition --params-file action.json
  export OS_COMPUTE_ENDPOINT=https://nova.example:8774/v2.1 OS_TOKEN=$(openstack token issue -f value -c id)
  wasm-action run --phase pre-condition --params '{\"resource_id\": \"b9bab5bb-a8c3-4dd8-ae57-218338e27cd3\", \"migration_type\": \"cold\", \"source_node\": \"compute1\", \"destination_node\": \"compute3\"}'
  wasm-action run --params-file action.json --output json
  wasm-action run --action stop --params '{\"resource_id\": \"b9bab5bb-a8c3-4dd8-ae57-218338e27cd3\"}'
  wasm-action run --action change_nova_service_state --phase schema
  wasm-action run --plugin my-action.wasm --trust-key ops.pub --params-file action.json   # signed only

Built-in actions (Watcher 17's types and parameters): migrate, change_nova_service_state, stop,
resize, shelve, nop, sleep; `--phase schema` shows each one's input_parameters.

Exit codes: 0 success, 2 usage error, 3 skipped by the pre-condition, 4 action error,
5 host error (the cloud, the plugin or the sandbox).";

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The phase to run: schema, description, validate, pre-condition, execute, revert, abort, post-condition.
    #[arg(long, default_value = "execute")]
    pub phase: Phase,
    /// The action's input_parameters, as a JSON object.
    #[arg(long, conflicts_with = "params_file")]
    pub params: Option<String>,
    /// A file holding the input_parameters JSON object.
    #[arg(long)]
    pub params_file: Option<PathBuf>,
    /// The built-in action to run, by its Watcher action type.
    #[arg(long, value_name = "TYPE", default_value = "migrate", value_parser = builtin_names(), conflicts_with = "plugin")]
    pub action: String,
    /// A plugin component (.wasm) to run instead of a built-in action.
    #[arg(long)]
    pub plugin: Option<PathBuf>,
    /// Give up after this many seconds (default: the action's own, 900 for migrate).
    #[arg(long)]
    pub deadline: Option<u64>,
    /// How to print the result on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub cloud: CloudArgs,
}

/// Runs the phase and returns the exit code.
pub async fn run(args: RunArgs, settings: Settings) -> u8 {
    match run_checked(args, settings).await {
        Ok(code) => code,
        Err((code, message)) => {
            errln!("error: {message}");
            code
        }
    }
}

async fn run_checked(args: RunArgs, mut settings: Settings) -> Result<u8, (u8, String)> {
    let params = read_params(&args)?;
    settings.trust = args.trust.policy().map_err(|e| (exit::USAGE, e))?;
    let wasm = match &args.plugin {
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            (
                exit::USAGE,
                format!("cannot read plugin {}: {e}", path.display()),
            )
        })?),
        None => None,
    };
    let needs_nova = !matches!(
        args.phase,
        Phase::Schema | Phase::Description | Phase::Validate
    );
    // Schema, description and validate never reach a service: no cloud needed for them.
    let connection = match needs_nova {
        true => Some(
            cloud::connect(&args.cloud)
                .await
                .map_err(|e| (exit::HOST_ERROR, e))?,
        ),
        false => None,
    };
    let host_error =
        |e: wasm_action_host::HostError| (exit::HOST_ERROR, wasm_action_host::chain(&e));
    let runtime = Runtime::with_settings(settings).map_err(host_error)?;
    let plugin = match (&wasm, &args.plugin) {
        (Some(wasm), Some(path)) => {
            let name = path
                .file_stem()
                .map_or("plugin".into(), |s| s.to_string_lossy().into_owned());
            runtime.load(&name, wasm)
        }
        _ => {
            let builtin = builtin_plugins::get(&args.action)
                .ok_or_else(|| (exit::USAGE, format!("no built-in action {:?}", args.action)))?;
            runtime.load_builtin(builtin.name, builtin.wasm)
        }
    }
    .map_err(host_error)?;
    let mut call = match connection {
        Some(connection) => connection.call(),
        None => Call::new("http://127.0.0.1:9", None),
    };
    call.deadline = args.deadline.map(Duration::from_secs);
    call.observer = progress_printer(Instant::now(), false);
    let result = runtime
        .call(&plugin, &call, args.phase, &params)
        .await
        .map_err(host_error)?;
    match args.output {
        Output::Text => outln!("{}", result_text(args.phase.as_str(), &result)),
        Output::Json => outln!("{}", result_json(args.phase, &result)),
    }
    Ok(exit::stops_here(&result).unwrap_or(exit::SUCCESS))
}

/// `--action`'s choices.
fn builtin_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(builtin_plugins::names())
}

fn read_params(args: &RunArgs) -> Result<String, (u8, String)> {
    match (&args.params, &args.params_file) {
        (Some(text), _) => Ok(text.clone()),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|e| (exit::USAGE, format!("cannot read {}: {e}", path.display()))),
        (None, None) if matches!(args.phase, Phase::Schema) => Ok("{}".into()),
        (None, None) => Err((
            exit::USAGE,
            "give the action's parameters with --params '{...}' or --params-file FILE".into(),
        )),
    }
}
