//! `clouds.yaml`: where it is looked for, reading one cloud's entry, and the `secure.yaml` next
//! to it (whose values win, as in openstacksdk).

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use crate::error::AuthError;
use crate::settings::Settings;

/// The cloud that was read, for messages that say where to fix a setting.
#[derive(Debug, Clone)]
pub(crate) struct CloudSource {
    pub(crate) name: String,
    pub(crate) file: PathBuf,
}

/// Reads cloud `name` from the first `clouds.yaml` on the search path, with `secure.yaml` merged.
pub(crate) fn load(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Settings, CloudSource), AuthError> {
    let searched = search_path(env);
    let Some(file) = searched.iter().find(|p| p.is_file()).cloned() else {
        return Err(AuthError::NoCloudsFile {
            cloud: name.to_string(),
            searched,
        });
    };
    let clouds = read_clouds(&file)?;
    let Some(entry) = find_cloud(&clouds, name) else {
        return Err(AuthError::CloudNotFound {
            cloud: name.to_string(),
            file,
            available: cloud_names(&clouds),
        });
    };
    let mut settings = Settings::from_cloud(&|path| scalar_at(entry, path));
    if let Some(secure) = secure_file(&file, env) {
        let secure_clouds = read_clouds(&secure)?;
        if let Some(entry) = find_cloud(&secure_clouds, name) {
            settings = settings.overlay(Settings::from_cloud(&|path| scalar_at(entry, path)));
        }
    }
    let source = CloudSource {
        name: name.to_string(),
        file,
    };
    Ok((settings, source))
}

/// `OS_CLIENT_CONFIG_FILE` alone when set; otherwise `./clouds.yaml`,
/// `$XDG_CONFIG_HOME/openstack/`, `~/.config/openstack/`, `/etc/openstack/` (each `.yaml`,
/// then `.yml`).
pub(crate) fn search_path(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    if let Some(file) = env("OS_CLIENT_CONFIG_FILE").filter(|f| !f.is_empty()) {
        return vec![PathBuf::from(file)];
    }
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(xdg) = env("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        dirs.push(Path::new(&xdg).join("openstack"));
    }
    if let Some(home) = env("HOME").filter(|d| !d.is_empty()) {
        dirs.push(Path::new(&home).join(".config").join("openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    dirs.dedup();
    let names = ["clouds.yaml", "clouds.yml"];
    dirs.iter()
        .flat_map(|dir| names.map(|name| dir.join(name)))
        .collect()
}

/// `OS_CLIENT_SECURE_FILE`, or `secure.yaml`/`secure.yml` beside the clouds file, if it exists.
fn secure_file(clouds: &Path, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(file) = env("OS_CLIENT_SECURE_FILE").filter(|f| !f.is_empty()) {
        return Some(PathBuf::from(file)).filter(|p| p.is_file());
    }
    let dir = clouds.parent().unwrap_or(Path::new("."));
    ["secure.yaml", "secure.yml"]
        .map(|name| dir.join(name))
        .into_iter()
        .find(|p| p.is_file())
}

/// The `clouds` mapping of a file.
fn read_clouds(path: &Path) -> Result<Yaml, AuthError> {
    let unusable = |reason: String| AuthError::ConfigFile {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| unusable(e.to_string()))?;
    // The parser's message names the position, never the content (which may hold secrets).
    let documents = YamlLoader::load_from_str(&text).map_err(|e| unusable(e.to_string()))?;
    let clouds = documents
        .into_iter()
        .next()
        .and_then(|doc| match doc {
            Yaml::Hash(mut top) => top.remove(&Yaml::String("clouds".into())),
            _ => None,
        })
        .filter(|clouds| matches!(clouds, Yaml::Hash(_)));
    clouds.ok_or_else(|| unusable("it has no 'clouds' mapping".to_string()))
}

fn find_cloud<'a>(clouds: &'a Yaml, name: &str) -> Option<&'a Yaml> {
    let Yaml::Hash(map) = clouds else { return None };
    map.iter()
        .find(|(key, _)| scalar(key).as_deref() == Some(name))
        .map(|(_, entry)| entry)
}

fn cloud_names(clouds: &Yaml) -> Vec<String> {
    let Yaml::Hash(map) = clouds else {
        return Vec::new();
    };
    map.keys().filter_map(scalar).collect()
}

/// The scalar at a dotted path (`auth.username`) as text; numbers and booleans too, since a
/// password like `12345` is written unquoted.
fn scalar_at(entry: &Yaml, path: &str) -> Option<String> {
    let mut node = entry;
    for part in path.split('.') {
        let Yaml::Hash(map) = node else { return None };
        node = map.get(&Yaml::String(part.to_string()))?;
    }
    scalar(node)
}

fn scalar(node: &Yaml) -> Option<String> {
    match node {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Yaml {
        YamlLoader::load_from_str(text)
            .ok()
            .and_then(|mut docs| docs.pop())
            .unwrap_or(Yaml::Null)
    }

    #[test]
    fn unquoted_numbers_are_read_as_text() {
        let entry = parse("auth:\n  password: 12345\n  username: admin\nverify: false\n");
        assert_eq!(scalar_at(&entry, "auth.password").as_deref(), Some("12345"));
        assert_eq!(scalar_at(&entry, "verify").as_deref(), Some("false"));
        assert_eq!(scalar_at(&entry, "auth.missing"), None);
    }

    #[test]
    fn config_file_variable_replaces_the_search_path() {
        let env = |name: &str| (name == "OS_CLIENT_CONFIG_FILE").then(|| "/x/c.yaml".to_string());
        assert_eq!(search_path(&env), vec![PathBuf::from("/x/c.yaml")]);
    }

    #[test]
    fn search_path_follows_openstacksdk_order() {
        let env = |name: &str| match name {
            "XDG_CONFIG_HOME" => Some("/xdg".to_string()),
            "HOME" => Some("/home/op".to_string()),
            _ => None,
        };
        let yaml: Vec<PathBuf> = search_path(&env).into_iter().step_by(2).collect();
        let expected = [
            "./clouds.yaml",
            "/xdg/openstack/clouds.yaml",
            "/home/op/.config/openstack/clouds.yaml",
            "/etc/openstack/clouds.yaml",
        ];
        assert_eq!(yaml, expected.map(PathBuf::from));
    }
}
