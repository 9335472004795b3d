//! Installs the plugins of a directory and follows its changes: `NAME.wasm` or
//! `NAME@VERSION.wasm` is installed as `NAME`; a changed file is installed again once it has
//! stopped changing; a removed file removes the plugin (running calls finish).

use crate::registry::Registry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// What a file looked like at one scan.
type Stamp = (SystemTime, u64);

/// Watches a plugin directory until dropped.
#[derive(Debug)]
pub struct DirectoryWatch {
    task: tokio::task::JoinHandle<()>,
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
    /// Scans `dir` now (installing what it holds), then every `interval`.
    pub async fn start(
        registry: Arc<Registry>,
        dir: PathBuf,
        interval: Duration,
    ) -> DirectoryWatch {
        let mut watcher = Watcher {
            registry,
            dir,
            installed: HashMap::new(),
            seen: HashMap::new(),
        };
        watcher.scan(true).await;
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                watcher.scan(false).await;
            }
        });
        DirectoryWatch { task }
    }
}

struct Watcher {
    registry: Arc<Registry>,
    dir: PathBuf,
    /// What each installed (or rejected) file looked like when it was last read.
    installed: HashMap<PathBuf, Stamp>,
    /// What each file looked like at the previous scan.
    seen: HashMap<PathBuf, Stamp>,
}

impl Watcher {
    async fn scan(&mut self, first: bool) {
        let now = match stamps(&self.dir) {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(dir = %self.dir.display(), error = %e, "cannot read the plugin directory");
                return;
            }
        };
        for (path, stamp) in &now {
            let settled = first || self.seen.get(path) == Some(stamp);
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
        self.seen = now;
    }

    async fn install(&self, path: &Path) {
        let Some((name, label)) = plugin_name(path) else {
            return;
        };
        match std::fs::read(path) {
            Ok(wasm) => {
                if let Err(e) = self.registry.install(&name, label.as_deref(), wasm).await {
                    tracing::error!(file = %path.display(), error = %e, "plugin file rejected");
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
