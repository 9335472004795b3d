//! `wasm-action demo`: a whole migration against a built-in Nova stand-in, with live progress,
//! the resulting Nova migration record, and where the time went.

use crate::exit;
use crate::render::{Output, progress_printer, result_json, result_text};
use crate::stand_in::Speed;
use crate::trust::TrustArgs;
use clap::ValueEnum;
use nova_double::{Config, NovaDouble, ServerSpec};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;
use wasm_action_host::{Call, Phase, Plugin, Runtime, Settings, Source};

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// cold (Nova's migrate + confirmResize) or live (os-migrateLive).
    #[arg(long, value_enum, default_value_t = Kind::Cold)]
    pub migration_type: Kind,
    /// How long the stand-in's steps take: realistic (as measured on Nova 34) or fast.
    #[arg(long, value_enum, default_value_t = Speed::Realistic)]
    pub timings: Speed,
    /// A plugin component to use instead of the built-in migrate action.
    #[arg(long)]
    pub plugin: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// How to print the result on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Migration type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Cold migration.
    Cold,
    /// Live migration.
    Live,
}

/// Runs the demo and returns the exit code.
pub async fn demo(args: DemoArgs, settings: Settings) -> u8 {
    match run_demo(&args, settings).await {
        Ok(code) => code,
        Err(message) => {
            errln!("error: {message}");
            exit::HOST_ERROR
        }
    }
}

async fn run_demo(args: &DemoArgs, settings: Settings) -> Result<u8, String> {
    let timings = args.timings.timings();
    let nova = NovaDouble::start(Config {
        timings,
        ..Config::default()
    })
    .await
    .map_err(|e| format!("cannot start the Nova stand-in: {e}"))?;
    let server = nova.add_server(ServerSpec::active("compute1").named("demo-web-1"));
    let text = args.output == Output::Text;
    if text {
        outln!(
            "Nova stand-in (answers like Nova 34) at {}",
            nova.endpoint()
        );
        outln!(
            "  compute hosts compute1, compute2, compute3; server demo-web-1 {server} ACTIVE on compute1"
        );
    }
    let (runtime, plugin) = load(args, settings, text)?;
    let kind = match args.migration_type {
        Kind::Cold => "cold",
        Kind::Live => "live",
    };
    let params =
        json!({"resource_id": server, "resource_name": "demo-web-1", "migration_type": kind,
                        "source_node": "compute1", "destination_node": "compute3"})
        .to_string();
    let start = Instant::now();
    let mut call = Call::new(
        nova.endpoint(),
        Some(nova_double::client::ADMIN_TOKEN.into()),
    );
    call.observer = progress_printer(start, text);
    let mut results = Vec::new();
    let mut execute_secs = 0.0;
    for phase in [
        Phase::Description,
        Phase::PreCondition,
        Phase::Execute,
        Phase::PostCondition,
    ] {
        let phase_start = Instant::now();
        let result = runtime
            .call(&plugin, &call, phase, &params)
            .await
            .map_err(|e| wasm_action_host::chain(&e))?;
        if phase == Phase::Execute {
            execute_secs = phase_start.elapsed().as_secs_f64();
        }
        if text {
            outln!("{}", result_text(phase.as_str(), &result));
        }
        let stop = exit::stops_here(&result);
        results.push(result_json(phase, &result));
        if let Some(code) = stop {
            return Ok(code);
        }
    }
    let record = migration_record(&nova, &server).await?;
    let own = match args.migration_type {
        Kind::Cold => timings.migrate_to_verify() + timings.confirm,
        Kind::Live => timings.live_prepare + timings.live_copy,
    }
    .as_secs_f64();
    let calls = nova
        .requests()
        .iter()
        .filter(|r| r.path.contains(&server))
        .count();
    if text {
        outln!("\nNova's migration record (GET /os-migrations?instance_uuid={server}):");
        outln!(
            "{}",
            serde_json::to_string_pretty(&record).unwrap_or_default()
        );
        outln!(
            "\nexecute took {execute_secs:.2} s; the stand-in's own configured time is {own:.2} s; \
             overhead {:.2} s; {calls} requests about the server in all phases",
            execute_secs - own
        );
    } else {
        let summary = json!({"phases": results, "migrations": record, "execute_seconds": execute_secs,
                             "stand_in_seconds": own, "server_requests": calls});
        outln!("{summary}");
    }
    Ok(exit::SUCCESS)
}

fn load(args: &DemoArgs, mut settings: Settings, text: bool) -> Result<(Runtime, Plugin), String> {
    let wasm = match &args.plugin {
        Some(path) => Some(
            std::fs::read(path)
                .map_err(|e| format!("cannot read plugin {}: {e}", path.display()))?,
        ),
        None => None,
    };
    settings.trust = args.trust.policy()?;
    let runtime = Runtime::with_settings(settings).map_err(|e| wasm_action_host::chain(&e))?;
    let started = Instant::now();
    let plugin = match &wasm {
        Some(wasm) => runtime.load("migrate", wasm),
        None => runtime.load_builtin("migrate", builtin_plugins::MIGRATE),
    }
    .map_err(|e| wasm_action_host::chain(&e))?;
    if text {
        let how = match plugin.source() {
            Source::Compiled => "compiled",
            Source::Cache => "loaded from the compilation cache",
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        outln!(
            "plugin migrate: {} bytes, {how} in {ms:.0} ms\n",
            plugin.size()
        );
    }
    Ok((runtime, plugin))
}

/// Asks the stand-in over HTTP, as an admin would, so what is printed is what Nova shows.
async fn migration_record(nova: &NovaDouble, server: &str) -> Result<Value, String> {
    let url = format!("{}/os-migrations?instance_uuid={server}", nova.endpoint());
    let (_, body) = nova_double::client::admin_request("GET", &url, None)
        .await
        .map_err(|e| format!("reading the migration record: {e}"))?;
    serde_json::from_slice(&body).map_err(|e| format!("reading the migration record: {e}"))
}
