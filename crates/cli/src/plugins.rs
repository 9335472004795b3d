//! The plugins the CLI offers: the built-in `migrate`, plus every `NAME.wasm` /
//! `NAME@VERSION.wasm` of `--plugin-dir` (which may also replace `migrate`).

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

/// A registry with the built-in plugin and the directory's, and the directory watch (kept
/// alive by the caller for as long as changes should be followed). With a trust policy, the
/// directory's untrusted files are refused (and logged); the built-in is part of the program.
pub async fn registry(
    mut settings: Settings,
    args: &PluginArgs,
) -> Result<(Arc<Registry>, Option<DirectoryWatch>), String> {
    settings.trust = args.trust.policy()?;
    let runtime = Runtime::with_settings(settings).map_err(|e| wasm_action_host::chain(&e))?;
    let registry = Arc::new(Registry::new(Arc::new(runtime)));
    registry
        .install_builtin("migrate", Some("builtin"), builtin_plugins::MIGRATE)
        .await
        .map_err(|e| wasm_action_host::chain(&e))?;
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
