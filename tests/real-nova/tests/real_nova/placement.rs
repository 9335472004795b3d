//! Placement on its own socket (`RealNova::placement`): the fixture's app, the state Nova's
//! services write (providers, inventories, usages, allocations), behind keystonemiddleware with
//! the same real Keystone tokens as nova-api.

use crate::nova::*;
use crate::real_nova;
use serde_json::Value;
use std::collections::BTreeMap;
use wasm_action_host::Phase;

/// Provider name → uuid, from `GET /resource_providers`.
async fn providers(cloud: &RealBench) -> BTreeMap<String, String> {
    let body = cloud.nova.placement_get("/resource_providers").await;
    body["resource_providers"]
        .as_array()
        .unwrap_or_else(|| panic!("resource providers: {body}"))
        .iter()
        .map(|rp| {
            let text = |key: &str| rp[key].as_str().unwrap_or_default().to_string();
            (text("name"), text("uuid"))
        })
        .collect()
}

/// The providers (by uuid) holding the server's allocations, with what each holds.
async fn allocations_of(cloud: &RealBench, server: &str) -> BTreeMap<String, Value> {
    let path = format!("/allocations/{server}");
    let body = cloud.nova.placement_get(&path).await;
    let allocations = body["allocations"].as_object().cloned().unwrap_or_default();
    allocations
        .into_iter()
        .map(|(rp, a)| (rp, a["resources"].clone()))
        .collect()
}

#[tokio::test]
async fn placement_shows_compute1_to_3_with_inventories_usages_and_the_booted_servers() {
    let Some(cloud) = real_nova() else { return };
    let providers = providers(&cloud).await;
    let names: Vec<&str> = providers.keys().map(String::as_str).collect();
    assert_eq!(names, ["compute1", "compute2", "compute3"]);

    // Each provider is the compute node Nova lists (hypervisor ids are uuids from 2.53).
    let hypervisors = cloud
        .request("GET", "/v2.1/os-hypervisors/detail", None)
        .await;
    for hypervisor in hypervisors.body["hypervisors"].as_array().expect("list") {
        let name = hypervisor["hypervisor_hostname"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(
            hypervisor["id"].as_str(),
            providers.get(name).map(String::as_str)
        );
    }

    for (name, uuid) in &providers {
        let inventories = cloud
            .nova
            .placement_get(&format!("/resource_providers/{uuid}/inventories"))
            .await;
        for class in ["VCPU", "MEMORY_MB", "DISK_GB"] {
            let inventory = &inventories["inventories"][class];
            assert!(
                inventory["total"].as_u64() > Some(0),
                "{name}: {inventories}"
            );
            assert!(
                inventory["allocation_ratio"].is_number(),
                "{name}: {inventories}"
            );
        }
        // One server per host: the usages are its allocation, on its host's provider only.
        let server = cloud.nova.server_on(name);
        let allocations = allocations_of(&cloud, &server).await;
        assert_eq!(allocations.keys().collect::<Vec<_>>(), [uuid], "{server}");
        let usages = cloud
            .nova
            .placement_get(&format!("/resource_providers/{uuid}/usages"))
            .await;
        assert_eq!(usages["usages"], allocations[uuid], "{name}");
        assert!(usages["usages"]["VCPU"].as_u64() > Some(0), "{usages}");
    }
}

#[tokio::test]
async fn placement_follows_a_cold_migration_that_nova_makes() {
    let Some(cloud) = real_nova() else { return };
    let providers = providers(&cloud).await;
    let id = cloud.nova.server_on("compute1");
    let before = allocations_of(&cloud, &id).await;
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    // Confirmed: the allocation moved to compute3's provider; compute1's is empty.
    let after = allocations_of(&cloud, &id).await;
    assert_eq!(after.keys().collect::<Vec<_>>(), [&providers["compute3"]]);
    assert_eq!(
        after[&providers["compute3"]],
        before[&providers["compute1"]]
    );
    let path = format!("/resource_providers/{}/usages", providers["compute1"]);
    let usages = cloud.nova.placement_get(&path).await;
    let used: Vec<u64> = usages["usages"]
        .as_object()
        .expect("usages")
        .values()
        .filter_map(Value::as_u64)
        .collect();
    assert!(used.iter().all(|&n| n == 0), "compute1 after: {usages}");
}

#[tokio::test]
async fn placement_takes_the_same_keystone_tokens_as_nova_and_its_own_policy_decides() {
    let Some(cloud) = real_nova() else { return };
    let nova = &cloud.nova;
    let status = |token: String| async move {
        nova.placement_as(&token, "/resource_providers")
            .await
            .status
    };
    // Real Keystone tokens, validated by keystonemiddleware: the admin, a token from the admin's
    // application credential, a member and a reader of the servers' project, a token Keystone
    // never issued, no token at all.
    let from_app_credential = nova
        .issue_app_credential_token()
        .expect("a token from the application credential");
    assert_eq!(status(nova.admin_token().into()).await, 200);
    assert_eq!(status(from_app_credential.id).await, 200);
    assert_eq!(status(nova.demo_token().into()).await, 403);
    assert_eq!(status(nova.reader_token().into()).await, 403);
    assert_eq!(status("admin:admin:admin".into()).await, 401);
    assert_eq!(status(String::new()).await, 401);
    // Version discovery needs no token.
    let root = cloud.nova.placement_as("", "/").await;
    assert_eq!(root.status, 200, "{root:?}");
    assert_eq!(root.body["versions"][0]["id"], "v1.0", "{root:?}");
}
