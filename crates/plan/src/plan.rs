//! The action plan as Watcher writes it: actions with a type, input parameters and parents.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::PlanError;

/// One action of a plan, with Watcher's own field names; other Watcher fields (`state`,
/// `description`, `created_at`, ...) are accepted and ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The action's uuid; parents refer to actions by it.
    pub uuid: String,
    /// The kind of action, e.g. `migrate`: it names the plugin that runs it.
    pub action_type: String,
    /// The action's parameters; missing or `null` reads as `{}`.
    #[serde(default = "empty_object", deserialize_with = "null_as_empty_object")]
    pub input_parameters: Value,
    /// Uuids of the actions that must end (SUCCEEDED or SKIPPED) before this one starts;
    /// missing or `null` reads as none.
    #[serde(default, deserialize_with = "null_as_empty_list")]
    pub parents: Vec<String>,
}

impl Action {
    /// An action of `action_type` with no parameters and no parents.
    pub fn new(uuid: impl Into<String>, action_type: impl Into<String>) -> Self {
        Self {
            uuid: uuid.into(),
            action_type: action_type.into(),
            input_parameters: empty_object(),
            parents: Vec::new(),
        }
    }

    /// The same action with these parameters.
    pub fn with_parameters(mut self, input_parameters: Value) -> Self {
        self.input_parameters = input_parameters;
        self
    }

    /// The same action with these parents.
    pub fn with_parents<S: Into<String>>(mut self, parents: impl IntoIterator<Item = S>) -> Self {
        self.parents = parents.into_iter().map(Into::into).collect();
        self
    }
}

/// A whole action plan as read from a file, not yet validated.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// The plan's uuid, when the file names one.
    #[serde(default)]
    pub uuid: Option<String>,
    /// The plan's name, when the file names one.
    #[serde(default)]
    pub name: Option<String>,
    /// The actions, in the file's order.
    pub actions: Vec<Action>,
}

impl Plan {
    /// A plan of these actions, without uuid or name.
    pub fn new(actions: Vec<Action>) -> Self {
        Self {
            uuid: None,
            name: None,
            actions,
        }
    }

    /// Reads a plan from JSON: either `{"uuid"?, "name"?, "actions": [...]}` (what
    /// `GET /v1/actions?action_plan_uuid=...` answers) or a bare array of actions.
    pub fn from_json_str(text: &str) -> Result<Self, PlanError> {
        // Decided on the first character rather than with an untagged enum, so a mistake deep in
        // the file is reported with its own line and column.
        if text.trim_start().starts_with('[') {
            let actions =
                serde_json::from_str(text).map_err(|source| PlanError::Parse { source })?;
            Ok(Self::new(actions))
        } else {
            serde_json::from_str(text).map_err(|source| PlanError::Parse { source })
        }
    }

    /// Reads a plan from a JSON file (see [`Plan::from_json_str`]).
    pub fn from_path(path: &Path) -> Result<Self, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json_str(&text)
    }
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn null_as_empty_object<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(if value.is_null() {
        empty_object()
    } else {
        value
    })
}

fn null_as_empty_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}
