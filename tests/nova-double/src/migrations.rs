//! `GET /os-migrations` and the JSON shapes of migration records, per microversion.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::api::{ApiError, Ctx, Reply};
use crate::state::{Migration, Shared};

/// `GET /os-migrations` (admin), filtered by `instance_uuid`, `migration_type`, `status`,
/// `source_compute` and `host` (source or destination): newest first from 2.59 (its paging
/// order), oldest first below it, as real Nova 34 lists them.
pub(crate) fn list(ctx: &Ctx<'_>, shared: &Arc<Shared>) -> Result<Reply, ApiError> {
    ctx.require_admin("os_compute_api:os-migrations:index")?;
    let wanted =
        |name: &str, actual: Option<&str>| ctx.query(name).is_none_or(|w| Some(w) == actual);
    let state = shared.lock();
    let mut migrations: Vec<Value> = state
        .migrations
        .iter()
        .filter(|m| wanted("instance_uuid", Some(&m.instance_uuid)))
        .filter(|m| wanted("migration_type", Some(m.migration_type)))
        .filter(|m| wanted("status", Some(m.status)))
        .filter(|m| wanted("source_compute", m.source_compute.as_deref()))
        .filter(|m| {
            ctx.query("host").is_none_or(|h| {
                m.source_compute.as_deref() == Some(h) || m.dest_compute.as_deref() == Some(h)
            })
        })
        .map(|m| os_migration_json(ctx, m))
        .collect();
    if ctx.at_least(59) {
        migrations.reverse();
    }
    Ok(Reply::ok(json!({ "migrations": migrations })))
}

/// A record as `/os-migrations` shows it: timestamps and flavor ids always, `migration_type`
/// from 2.23, `uuid` from 2.59, `project_id`/`user_id` from 2.80.
fn os_migration_json(ctx: &Ctx<'_>, migration: &Migration) -> Value {
    let mut body = json!({
        // Real Nova 34 shows these too: the flavors' database ids.
        "created_at": crate::clock::iso_micros(migration.created_at),
        "updated_at": crate::clock::iso_micros(migration.updated_at),
        "old_instance_type_id": migration.old_flavor.db_id,
        "new_instance_type_id": migration.new_flavor.db_id,
        "dest_compute": migration.dest_compute,
        "dest_host": migration.dest_host,
        "dest_node": migration.dest_node,
        "id": migration.id,
        "instance_uuid": migration.instance_uuid,
        "source_compute": migration.source_compute,
        "source_node": migration.source_node,
        "status": migration.status,
    });
    if ctx.at_least(23) {
        body["migration_type"] = json!(migration.migration_type);
    }
    add_versioned_fields(ctx, migration, &mut body);
    body
}

/// A live migration as `/servers/{id}/migrations` shows it (progress counters unknown: null).
pub(crate) fn server_migration_json(ctx: &Ctx<'_>, migration: &Migration) -> Value {
    let mut body = json!({
        "dest_compute": migration.dest_compute,
        "dest_host": migration.dest_host,
        "dest_node": migration.dest_node,
        "disk_processed_bytes": null,
        "disk_remaining_bytes": null,
        "disk_total_bytes": null,
        "id": migration.id,
        "memory_processed_bytes": null,
        "memory_remaining_bytes": null,
        "memory_total_bytes": null,
        "server_uuid": migration.instance_uuid,
        "source_compute": migration.source_compute,
        "source_node": migration.source_node,
        "status": migration.status,
    });
    add_versioned_fields(ctx, migration, &mut body);
    body
}

fn add_versioned_fields(ctx: &Ctx<'_>, migration: &Migration, body: &mut Value) {
    if ctx.at_least(59) {
        body["uuid"] = json!(migration.uuid);
    }
    if ctx.at_least(80) {
        body["project_id"] = json!(migration.project_id);
        body["user_id"] = json!(migration.user_id);
    }
}
