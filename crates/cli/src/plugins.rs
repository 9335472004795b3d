//! The plugins the CLI offers: the built-in actions (`migrate`, `change_nova_service_state`,
//! `stop`, `resize`, `shelve`, `nop`, `sleep`), plus every `NAME.wasm` / `NAME@VERSION.wasm` of
//! `--plugin-dir` (which may also replace a built-in one).

use crate::trust::TrustArgs;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wasm_action_host::{DirectoryWatch, Registry, Runtime, Settings};

/// Plugin options shared by `apply` and `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct PluginArgs {
    /// A directory of plugin components (NAME.wasm or NAME@VERSION.wasm); watched by `serve`.
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// How long a plugin file must be quiet before it is installed.
const WATCH_QUIET: Duration = Duration::from_millis(500);

/// A registry with the built-in actions and the directory's, and the directory watch (kept
/// alive by the caller for as long as changes should be followed). With a trust policy, the
/// directory's untrusted files are refused (and logged); the built-in is part of the program.
pub async fn registry(
    mut settings: Settings,
    args: &PluginArgs,
) -> Result<(Arc<Registry>, Option<DirectoryWatch>), String> {
    settings.trust = args.trust.policy()?;
    let runtime = Runtime::with_settings(settings).map_err(|e| wasm_action_host::chain(&e))?;
    let registry = Arc::new(Registry::new(Arc::new(runtime)));
    for builtin in &builtin_plugins::ALL {
        registry
            .install_builtin(builtin.name, Some("builtin"), builtin.wasm)
            .await
            .map_err(|e| wasm_action_host::chain(&e))?;
    }
    let watch = match &args.plugin_dir {
        Some(dir) if !dir.is_dir() => {
            return Err(format!("--plugin-dir {} is not a directory", dir.display()));
        }
        Some(dir) => {
            let watch = DirectoryWatch::start(registry.clone(), dir.clone(), WATCH_QUIET).await;
            Some(watch.map_err(|e| wasm_action_host::chain(&e))?)
        }
        None => None,
    };
    Ok((registry, watch))
}

/// Examples shown by `wasm-action plugins --help`.
pub const EXAMPLES: &str =
    "Every plugin declares the Nova requests it needs (contract openstack:actions@0.2.0);
the host refuses anything else before adding its token. An operator narrows a plugin to part
of its declaration with `allow`, or grants beyond it with `override` (logged; the only way a
plugin built for openstack:actions@0.1.0, which declares nothing, may send anything):

  # /etc/wasm-action/grants: PLUGIN allow|override METHOD /path [ACTION ...]
  migrate  allow     GET  /servers/{id}
  migrate  allow     POST /servers/{id}/action confirmResize revertResize
  legacy   override  GET  /servers/{id}

Examples:
  wasm-action plugins
  wasm-action plugins --plugin-dir /var/lib/wasm-action/plugins --grants /etc/wasm-action/grants
  wasm-action plugins --plugin ./my-action.wasm --output json";

/// Arguments of `plugins`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A plugin component to show besides the built-in ones (NAME.wasm; repeatable).
    #[arg(long, value_name = "FILE")]
    pub plugin: Vec<PathBuf>,
    #[command(flatten)]
    pub plugins: PluginArgs,
    /// Human-readable text, or JSON for machines.
    #[arg(long, value_enum, default_value_t = crate::render::Output::Text)]
    pub output: crate::render::Output,
}

/// Prints every plugin's contract, digest and requests; returns the exit code.
pub async fn report(args: ReportArgs, settings: Settings) -> u8 {
    match installed(&args, settings).await {
        Ok(registry) => {
            print_report(&registry, args.output);
            crate::exit::SUCCESS
        }
        Err(message) => {
            errln!("error: {message}");
            crate::exit::HOST_ERROR
        }
    }
}

async fn installed(args: &ReportArgs, settings: Settings) -> Result<Arc<Registry>, String> {
    let (registry, _watch) = registry(settings, &args.plugins).await?;
    for file in &args.plugin {
        let name = wasm_action_host::plugin_name(file)
            .ok_or_else(|| format!("{} is not a NAME.wasm file", file.display()))?;
        let wasm = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
        registry
            .install(&name.0, name.1.as_deref(), wasm)
            .await
            .map_err(|e| format!("{}: {}", file.display(), wasm_action_host::chain(&e)))?;
    }
    Ok(registry)
}

fn print_report(registry: &Registry, output: crate::render::Output) {
    let report = registry.report();
    if output == crate::render::Output::Json {
        let plugins: Vec<serde_json::Value> = report
            .iter()
            .map(|p| serde_json::json!({"name": p.current.name, "current": wasm_action_host::json::version(&p.current)}))
            .collect();
        outln!("{}", serde_json::json!({ "plugins": plugins }));
        return;
    }
    for plugin in &report {
        let v = &plugin.current;
        outln!(
            "{} {} ({}, sha256 {})",
            v.name,
            v.label,
            v.contract,
            &v.digest[..16]
        );
        let list = |rules: &[String]| match rules {
            [] => "    (none)".to_string(),
            rules => rules
                .iter()
                .map(|r| format!("    {r}"))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        outln!("  trust: {}", v.trust);
        outln!("  declares:\n{}", list(&v.declared));
        if v.granted != v.declared {
            outln!("  may send, under the grants:\n{}", list(&v.granted));
        }
    }
}
