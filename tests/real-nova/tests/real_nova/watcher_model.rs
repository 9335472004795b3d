//! Watcher 17's own compute model collection against this harness: `watcher_model_check.py`, run
//! with the Watcher venv's python, builds the model as a strategy gets it
//! (`NovaClusterDataModelCollector` → `NovaModelBuilder` → `NovaHelper` and `PlacementHelper`,
//! openstacksdk through keystoneauth) with password auth against the harness's real Keystone,
//! whose catalog has compute at the harness's nova-api (RegionOne and RegionTwo) and placement
//! at its Placement (RegionOne); both validate Watcher's token with keystonemiddleware.
//!
//! The Watcher venv is what `tests/watcher/setup.sh` prepares (at `WATCHER_VENV`, or
//! `target/watcher-venv`, with the Watcher suite's wasm-action wheel). `REAL_WATCHER=0` skips
//! this test, loudly; so does `REAL_NOVA=0`.

use crate::real_nova;
use real_nova_tests::harness::RealNova;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Watcher venv's python (see the module doc); prepared once per test binary.
fn watcher_python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| real_nova_tests::venv::WATCHER.python())
        .clone()
}

/// Runs `watcher_model_check.py` as the harness's Keystone admin; its report (the JSON line).
fn watcher_report(nova: &RealNova) -> Value {
    let python = watcher_python().unwrap_or_else(|why| panic!("{why}"));
    let tmp = tempfile::tempdir().expect("a temp dir");
    let cloud = json!({
        "auth_url": nova.keystone,
        "username": nova.admin.username,
        "password": nova.admin.password,
        "project_name": nova.admin.project,
        "region_name": "RegionOne",
    });
    let output = Command::new(&python)
        .arg(crate_dir().join("watcher_model_check.py"))
        .arg(cloud.to_string())
        .env("TMPDIR", tmp.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "watcher_model_check.py failed ({}):\n{stderr}\n--- harness ---\n{}",
        output.status,
        nova.stderr_tail()
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("its report is not JSON ({e}): {stdout}\n{stderr}"))
}

#[test]
fn watchers_compute_model_has_compute1_to_3_with_placement_inventories_and_the_servers() {
    if std::env::var("REAL_WATCHER").is_ok_and(|v| v == "0") {
        eprintln!("WATCHER MODEL CHECK DISABLED by REAL_WATCHER=0");
        return;
    }
    let Some(cloud) = real_nova() else { return };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the Placement requests");
    let report = watcher_report(&cloud.nova);
    eprintln!("watcher_model_check: {report}");

    // What Placement itself says (through the harness, as admin), to compare with.
    let providers = runtime.block_on(cloud.nova.placement_get("/resource_providers"));
    let rp_uuid = |host: &str| {
        providers["resource_providers"]
            .as_array()
            .and_then(|list| list.iter().find(|rp| rp["name"] == host))
            .and_then(|rp| rp["uuid"].as_str())
            .unwrap_or_else(|| panic!("no provider {host}: {providers}"))
            .to_string()
    };
    let hosts = ["compute1", "compute2", "compute3"];

    // The model: three compute nodes, each the Placement provider of its host, with Placement's
    // numbers, each holding the one server the harness booted there. (Without Placement's
    // inventories the builder would take the hypervisor's vcpus/memory_mb/local_gb, which Nova
    // no longer shows at the microversion openstacksdk picks (2.88); building the node then
    // fails and the builder logs and leaves it out: with no placement endpoint in the catalog
    // the model is empty.)
    let nodes = report["model"]["compute_nodes"].as_array().expect("nodes");
    let names: Vec<&str> = nodes
        .iter()
        .filter_map(|n| n["hostname"].as_str())
        .collect();
    assert_eq!(names, hosts, "{report}");
    for node in nodes {
        let host = node["hostname"].as_str().unwrap_or_default();
        let uuid = rp_uuid(host);
        assert_eq!(node["uuid"], uuid.as_str(), "{node}");
        let path = format!("/resource_providers/{uuid}/inventories");
        let inventories = runtime.block_on(cloud.nova.placement_get(&path))["inventories"].clone();
        assert_eq!(node["vcpus"], inventories["VCPU"]["total"], "{node}");
        assert_eq!(
            node["vcpu_ratio"], inventories["VCPU"]["allocation_ratio"],
            "{node}"
        );
        assert_eq!(node["memory"], inventories["MEMORY_MB"]["total"], "{node}");
        assert_eq!(
            node["memory_mb_reserved"], inventories["MEMORY_MB"]["reserved"],
            "{node}"
        );
        assert_eq!(node["disk"], inventories["DISK_GB"]["total"], "{node}");
        // Placement's own numbers, not the defaults of the fallback (ratio 1.0, none reserved).
        assert_ne!(node["vcpu_ratio"], json!(1.0), "{node}");
        assert_ne!(node["memory_mb_reserved"], json!(0), "{node}");
        assert_eq!(node["state"], "up", "{node}");
        assert_eq!(node["status"], "enabled", "{node}");
        assert_eq!(
            node["instances"],
            json!([cloud.nova.server_on(host)]),
            "{node}"
        );
    }
    let instances = report["model"]["instances"].as_array().expect("instances");
    assert_eq!(instances.len(), cloud.nova.servers.len(), "{report}");
    for server in &cloud.nova.servers {
        let instance = instances
            .iter()
            .find(|i| i["uuid"] == server.id.as_str())
            .unwrap_or_else(|| panic!("{} is not in Watcher's model: {report}", server.id));
        assert_eq!(instance["host"], server.host.as_str(), "{instance}");
        assert_eq!(instance["state"], "active", "{instance}");
        assert_eq!(
            instance["project_id"],
            cloud.nova.demo_project_id.as_str(),
            "{instance}"
        );
        assert!(instance["vcpus"].as_u64() > Some(0), "{instance}");
    }

    // The helpers' calls on their own: Nova's hypervisors, services and servers; Placement's
    // providers, usages (what the server on each host holds) and each server's allocation.
    let nova = &report["nova"];
    let hostnames = |key: &str, field: &str| -> Vec<String> {
        let list = nova[key].as_array().expect("a list");
        list.iter()
            .filter_map(|h| h[field].as_str().map(String::from))
            .collect()
    };
    assert_eq!(hostnames("hypervisors", "hostname"), hosts);
    assert_eq!(hostnames("services", "host"), hosts);
    assert_eq!(hostnames("servers", "host"), hosts);
    let placement = &report["placement"];
    for host in hosts {
        let provider = &placement["resource_providers"][host];
        assert_eq!(provider["uuid"], rp_uuid(host).as_str(), "{provider}");
        let server = cloud.nova.server_on(host);
        let allocation = &placement["allocations"][&server];
        assert_eq!(provider["usages"], allocation[rp_uuid(host)], "{placement}");
        assert_eq!(
            allocation.as_object().map(|a| a.len()),
            Some(1),
            "{allocation}"
        );
    }
}
