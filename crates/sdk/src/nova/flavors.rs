//! Flavors, found by id or by name as Nova's own clients do.

use super::{Nova, text};
use crate::bindings::openstack::actions::types::ActionError;
use serde_json::Value;

/// A flavor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flavor {
    /// Its id (what `resize` takes as `flavorRef`).
    pub id: String,
    /// Its name (what a server shows as `flavor.original_name`).
    pub name: String,
}

impl Nova {
    /// The flavor whose id or, failing that, whose name is `id_or_name` (`GET /flavors/{id}`,
    /// then the list), as openstacksdk's `find_flavor` and Watcher's `get_flavor_id`.
    pub fn find_flavor(&self, id_or_name: &str) -> Result<Option<Flavor>, ActionError> {
        let what = format!("reading flavor {id_or_name}");
        let by_id = match id_or_name.contains(['/', '?', '#', '%']) {
            true => None,
            false => self.get_json(&what, &format!("/flavors/{id_or_name}"))?,
        };
        if let Some(flavor) = by_id.as_ref().and_then(|b| b.get("flavor")) {
            return Ok(Some(flavor_of(flavor)));
        }
        let list = self.get_json("listing flavors", "/flavors/detail?is_public=None")?;
        let flavors = list
            .as_ref()
            .and_then(|b| b.get("flavors"))
            .and_then(Value::as_array);
        Ok(flavors
            .into_iter()
            .flatten()
            .map(flavor_of)
            .find(|f| f.name == id_or_name))
    }
}

fn flavor_of(value: &Value) -> Flavor {
    Flavor {
        id: text(value, "id").unwrap_or_default(),
        name: text(value, "name").unwrap_or_default(),
    }
}
