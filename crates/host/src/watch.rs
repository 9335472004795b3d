//! Installs the plugins of a directory and follows its changes: `NAME.wasm` or
//! `NAME@VERSION.wasm` is installed as `NAME`; a changed file is installed again once it has
//! been quiet for the watch's quiet time; a removed file removes the plugin (running calls
//! finish).
//!
//! Changes come from the operating system's file events (`notify`: inotify on Linux), through a
//! debouncer that reports a file once it has stopped changing; each report reconciles the
//! directory with what is installed, so a missed or merged event cannot leave them apart.

use crate::registry::Registry;
use notify_debouncer_mini::notify::{self, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, DebouncedEventKind, Debouncer, new_debouncer};
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What a file looked like when it was last read.
type Stamp = (SystemTime, u64);

/// The plugin directory cannot be watched.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch the plugin directory {}", dir.display())]
pub struct WatchError {
    dir: PathBuf,
    #[source]
    source: notify::Error,
}

/// Watches a plugin directory until dropped.
pub struct DirectoryWatch {
    task: tokio::task::JoinHandle<()>,
    _events: Debouncer<notify::RecommendedWatcher>,
}

impl std::fmt::Debug for DirectoryWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryWatch").finish_non_exhaustive()
    }
}

impl Drop for DirectoryWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The plugin name and version label of a file name, e.g. `migrate@1.2.0.wasm`.
pub fn plugin_name(path: &Path) -> Option<(String, Option<String>)> {
    if path.extension()? != "wasm" {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    match stem.split_once('@') {
        Some((name, version)) if !name.is_empty() && !version.is_empty() => {
            Some((name.into(), Some(version.into())))
        }
        Some(_) => None,
        None if !stem.is_empty() => Some((stem.into(), None)),
        None => None,
    }
}

impl DirectoryWatch {
    /// Installs what `dir` holds now, then follows it: a file is (re)installed once it has been
    /// quiet for `quiet`.
    pub async fn start(
        registry: Arc<Registry>,
        dir: PathBuf,
        quiet: Duration,
    ) -> Result<DirectoryWatch, WatchError> {
        let watch_error = |source| WatchError {
            dir: dir.clone(),
            source,
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Option<HashSet<OsString>>>();
        let mut events = new_debouncer(quiet, move |result: DebounceEventResult| match result {
            // Files still being written come back as `Any` once they are quiet.
            Ok(events) => {
                let quiet = events
                    .into_iter()
                    .filter(|e| e.kind == DebouncedEventKind::Any)
                    .filter_map(|e| e.path.file_name().map(OsString::from))
                    .collect::<HashSet<_>>();
                let _ = tx.send(Some(quiet));
            }
            Err(error) => {
                tracing::warn!(%error, "plugin directory events lost; rescanning it");
                let _ = tx.send(None);
            }
        })
        .map_err(watch_error)?;
        events
            .watcher()
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(watch_error)?;
        let mut watcher = Watcher {
            registry,
            dir,
            installed: HashMap::new(),
        };
        watcher.scan(None).await;
        let task = tokio::spawn(async move {
            while let Some(quiet) = rx.recv().await {
                watcher.scan(quiet.as_ref()).await;
            }
        });
        Ok(DirectoryWatch {
            task,
            _events: events,
        })
    }
}

struct Watcher {
    registry: Arc<Registry>,
    dir: PathBuf,
    /// What each installed (or rejected) file looked like when it was last read.
    installed: HashMap<PathBuf, Stamp>,
}

impl Watcher {
    /// Installs the plugin files that changed and are quiet (`None`: all of them, at start) and
    /// uninstalls those whose file is gone.
    async fn scan(&mut self, quiet: Option<&HashSet<OsString>>) {
        let now = match stamps(&self.dir) {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(dir = %self.dir.display(), error = %e, "cannot read the plugin directory");
                return;
            }
        };
        for (path, stamp) in &now {
            let settled = quiet.is_none_or(|q| path.file_name().is_some_and(|n| q.contains(n)));
            if settled && self.installed.get(path) != Some(stamp) {
                self.installed.insert(path.clone(), *stamp);
                self.install(path).await;
            }
        }
        for gone in self
            .installed
            .keys()
            .filter(|p| !now.contains_key(*p))
            .cloned()
            .collect::<Vec<_>>()
        {
            self.installed.remove(&gone);
            if let Some((name, _)) = plugin_name(&gone)
                && self.registry.remove(&name)
            {
                tracing::info!(plugin = %name, file = %gone.display(), "plugin file removed: plugin uninstalled");
            }
        }
    }

    async fn install(&self, path: &Path) {
        let Some((name, label)) = plugin_name(path) else {
            return;
        };
        match std::fs::read(path) {
            Ok(wasm) => {
                if let Err(e) = self.registry.install(&name, label.as_deref(), wasm).await {
                    let error = crate::error::chain(&e);
                    tracing::error!(file = %path.display(), %error, "plugin file rejected");
                }
            }
            Err(e) => {
                tracing::error!(file = %path.display(), error = %e, "cannot read plugin file")
            }
        }
    }
}

fn stamps(dir: &Path) -> std::io::Result<HashMap<PathBuf, Stamp>> {
    let mut stamps = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if plugin_name(&path).is_none() {
            continue;
        }
        let meta = entry.metadata()?;
        if meta.is_file() {
            stamps.insert(path, (meta.modified()?, meta.len()));
        }
    }
    Ok(stamps)
}

#[cfg(test)]
mod tests {
    use super::plugin_name;
    use std::path::Path;

    #[test]
    fn names_and_versions_come_from_file_names() {
        assert_eq!(
            plugin_name(Path::new("/p/migrate.wasm")),
            Some(("migrate".into(), None))
        );
        assert_eq!(
            plugin_name(Path::new("/p/migrate@1.2.0.wasm")),
            Some(("migrate".into(), Some("1.2.0".into())))
        );
    }

    #[test]
    fn other_files_are_ignored() {
        assert_eq!(plugin_name(Path::new("/p/migrate.wasm.tmp")), None);
        assert_eq!(plugin_name(Path::new("/p/README")), None);
        assert_eq!(plugin_name(Path::new("/p/@1.wasm")), None);
        assert_eq!(plugin_name(Path::new("/p/migrate@.wasm")), None);
    }
}
