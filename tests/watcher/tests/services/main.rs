//! Watcher's own services run the component: real `watcher-api`, `watcher-decision-engine` and
//! two `watcher-applier` processes from python-watcher 17.0.0, on a real RabbitMQ and a real
//! MariaDB (a vhost and a database of their own per run), against real Nova 34 and Placement
//! (the `tests/real-nova` harness) behind its real Keystone 30. Plans are made and run through
//! Watcher's REST API as the `watcher` CLI does; each scenario is judged by asking Nova.
//!
//! `REAL_WATCHER=0` or `REAL_NOVA=0` skips the suite; so does a machine without RabbitMQ or
//! MariaDB (loudly, saying how to provide them), except under `CI`, where that fails.

use real_nova_tests::harness;
use serde_json::{Value, json};
use watcher_tests::RealCloud;
use watcher_tests::services::{Backends, Services};
use watcher_tests::venv;

/// Real Nova with `active` more ACTIVE and `shutoff` SHUTOFF servers on compute1 (besides the
/// one server the harness boots on each host), and Watcher deployed against it with `engine`;
/// `None` when skipped. Returns compute1's servers with the status each must keep.
type Deployed = (RealCloud, Services, Vec<(String, &'static str)>);

fn deploy(engine: &str, active: usize, shutoff: usize) -> Option<Deployed> {
    if harness::disabled() || venv::disabled() {
        return None;
    }
    let backends = Backends::from_env()?;
    let cloud = RealCloud::start();
    let mut servers = vec![(cloud.nova.server_on("compute1"), "ACTIVE")];
    for _ in 0..active {
        servers.push((cloud.boot_on("compute1"), "ACTIVE"));
    }
    for _ in 0..shutoff {
        let id = cloud.boot_on("compute1");
        cloud.stop(&id);
        servers.push((id, "SHUTOFF"));
    }
    let services = Services::start(&cloud, &backends, engine);
    eprintln!(
        "watcher services ({engine}) started: {}",
        services.ready["started"]
    );
    Some((cloud, services, servers))
}

/// `(host, status)` of a server, as Nova shows it.
fn placement(cloud: &RealCloud, id: &str) -> (String, String) {
    let server = cloud.server(id);
    let text = |key: &str| server[key].as_str().unwrap_or_default().to_string();
    (text("OS-EXT-SRV-ATTR:host"), text("status"))
}

fn action_types(plan: &Value) -> Vec<String> {
    let actions = plan["actions"].as_array().cloned().unwrap_or_default();
    actions
        .iter()
        .map(|a| a["action_type"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Scenario 1 with either engine: host maintenance of compute1, holding 3 ACTIVE and 1 SHUTOFF
/// server. Returns the plan's final view and the services, for engine-specific checks.
fn host_maintenance(engine: &str) -> Option<(RealCloud, Services, Value, Vec<String>)> {
    let (cloud, mut services, servers) = deploy(engine, 2, 1)?;
    let (plan, ended) = services.maintain("compute1");
    let types = action_types(&plan);
    assert!(
        types.iter().any(|t| t == "change_nova_service_state"),
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| *t == "migrate").count(),
        4,
        "{plan}"
    );
    assert_eq!(
        ended["state"],
        "SUCCEEDED",
        "{ended}\n{}",
        services.log_tail("applier-a")
    );
    for action in ended["actions"].as_array().expect("actions") {
        assert_eq!(action["state"], "SUCCEEDED", "{action}");
    }
    // What Nova shows: compute1 disabled and empty; the SHUTOFF server still SHUTOFF elsewhere.
    let services_on = cloud.compute_service("compute1");
    assert_eq!(services_on["status"], "disabled", "{services_on}");
    for (id, expected) in &servers {
        let (host, status) = placement(&cloud, id);
        assert_ne!(host, "compute1", "server {id} left compute1");
        assert_eq!(status, *expected, "server {id}");
        let migrations = cloud.migrations_of(id);
        assert_eq!(migrations.len(), 1, "{migrations:?}");
        let (kind, done) = match *expected {
            "SHUTOFF" => ("migration", "confirmed"),
            _ => ("live-migration", "completed"),
        };
        assert_eq!(migrations[0]["migration_type"], kind, "server {id}");
        assert_eq!(migrations[0]["status"], done, "server {id}");
    }
    let ids = servers.into_iter().map(|(id, _)| id).collect();
    Some((cloud, services, ended, ids))
}

#[test]
fn host_maintenance_runs_every_migrate_in_the_sandbox_under_the_wasm_engine() {
    let Some((cloud, services, plan, servers)) = host_maintenance("wasm") else {
        return;
    };
    let applier = plan["hostname"].as_str().unwrap_or("applier-a");
    let log = services.log(applier);
    for id in &servers {
        assert!(
            log.contains(&format!("Nova accepted live migration of {id}"))
                || log.contains(&format!("Nova accepted migrate of {id}")),
            "the component's own log line for {id} is in {applier}'s log"
        );
    }
    let versions = cloud.request_versions("/action");
    assert!(!versions.is_empty(), "Nova logged the server actions");
    assert!(
        versions.iter().all(|v| v == "compute 2.80"),
        "every server action named microversion 2.80: {versions:?}"
    );
}

#[test]
fn host_maintenance_with_watchers_own_taskflow_engine_for_comparison() {
    let Some((cloud, services, plan, _)) = host_maintenance("taskflow") else {
        return;
    };
    let applier = plan["hostname"].as_str().unwrap_or("applier-a");
    assert!(
        !services.log(applier).contains("Nova accepted"),
        "Watcher's own migrate ran, not the component"
    );
    drop(cloud);
}

#[test]
fn a_migrate_to_a_destination_disabled_after_the_audit_fails_with_the_components_reason() {
    let Some((cloud, mut services, _)) = deploy("wasm", 0, 0) else {
        return;
    };
    let id = cloud.nova.server_on("compute2");
    let actions = json!({"actions": [{
        "action_type": "migrate",
        "resource_id": id,
        "input_parameters": {"migration_type": "cold", "source_node": "compute2",
                             "destination_node": "compute3"},
    }]});
    let audit = services.audit("unclassified", "actuator", actions);
    let uuid = audit["plans"][0]["uuid"]
        .as_str()
        .expect("a plan")
        .to_string();
    cloud.disable_compute("compute3");
    services.start_plan(&uuid);
    let ended = services.wait(&[&uuid]).remove(0);
    assert_eq!(ended["state"], "FAILED", "{ended}");
    let action = &ended["actions"][0];
    assert_eq!(action["state"], "FAILED", "{action}");
    let message = action["status_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("compute3") && message.contains("(conflict)"),
        "the component's typed reason: {message}"
    );
    assert!(
        ended["seconds"].as_f64() < Some(120.0),
        "reported in seconds, not at Watcher's 900 s budget: {ended}"
    );
    assert_eq!(placement(&cloud, &id), ("compute2".into(), "ACTIVE".into()));
}

#[test]
fn two_plans_started_at_once_run_on_the_two_appliers() {
    let Some((cloud, mut services, _)) = deploy("wasm", 0, 0) else {
        return;
    };
    let mut plans = Vec::new();
    for (source, destination) in [("compute2", "compute1"), ("compute3", "compute1")] {
        let id = cloud.nova.server_on(source);
        let actions = json!({"actions": [{
            "action_type": "migrate",
            "resource_id": id,
            "input_parameters": {"migration_type": "live", "source_node": source,
                                 "destination_node": destination},
        }]});
        let audit = services.audit("unclassified", "actuator", actions);
        plans.push((
            id,
            audit["plans"][0]["uuid"]
                .as_str()
                .expect("a plan")
                .to_string(),
        ));
    }
    for (_, uuid) in &plans {
        services.start_plan(uuid);
    }
    let uuids: Vec<&str> = plans.iter().map(|(_, u)| u.as_str()).collect();
    let ended = services.wait(&uuids);
    let mut hosts: Vec<String> = ended
        .iter()
        .map(|plan| {
            assert_eq!(plan["state"], "SUCCEEDED", "{plan}");
            plan["hostname"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    hosts.sort();
    assert_eq!(
        hosts,
        vec!["applier-a", "applier-b"],
        "one plan on each applier"
    );
    for (id, _) in &plans {
        assert_eq!(placement(&cloud, id), ("compute1".into(), "ACTIVE".into()));
    }
}
