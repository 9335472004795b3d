//! `GET /os-hypervisors/detail`, as openstacksdk asks for it (Watcher's pre-condition looks up its
//! destination with `?hypervisor_hostname_pattern=HOST` at 2.88). Expected answers are real
//! Nova 34's, recorded on the tests/real-nova harness.

use nova_double::ServerSpec;
use serde_json::Value;

use crate::common::{get, send, start};

fn keys(hypervisor: &Value) -> String {
    let object = hypervisor.as_object().expect("a hypervisor object");
    object.keys().cloned().collect::<Vec<_>>().join(",")
}

fn is_uuid(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

#[tokio::test]
async fn detail_at_2_88_has_the_service_and_uptime_but_no_resources() {
    let nova = start().await;
    let found = get(
        &nova,
        "/os-hypervisors/detail?hypervisor_hostname_pattern=compute2",
        "compute 2.88",
    )
    .await;
    assert_eq!(found.status, 200);
    let body = found.json();
    let list = body["hypervisors"].as_array().expect("a list");
    assert_eq!(list.len(), 1);
    let hypervisor = &list[0];
    assert_eq!(
        keys(hypervisor),
        "host_ip,hypervisor_hostname,hypervisor_type,hypervisor_version,id,service,state,status,uptime"
    );
    assert_eq!(hypervisor["hypervisor_hostname"], "compute2");
    assert_eq!(hypervisor["hypervisor_type"], "fake");
    assert_eq!(hypervisor["uptime"], Value::Null);
    assert!(is_uuid(&hypervisor["id"]));
    let service = &hypervisor["service"];
    assert_eq!(keys(service), "disabled_reason,host,id");
    assert_eq!(service["host"], "compute2");
    assert!(is_uuid(&service["id"]));
}

#[tokio::test]
async fn detail_at_2_53_shows_resources_counting_the_servers_on_the_host() {
    let nova = start().await;
    nova.add_server(ServerSpec::active("compute1"));
    let body = get(
        &nova,
        "/os-hypervisors/detail?hypervisor_hostname_pattern=compute1",
        "compute 2.53",
    )
    .await
    .json();
    let hypervisor = &body["hypervisors"][0];
    assert_eq!(
        keys(hypervisor),
        "cpu_info,current_workload,disk_available_least,free_disk_gb,free_ram_mb,host_ip,hypervisor_hostname,hypervisor_type,hypervisor_version,id,local_gb,local_gb_used,memory_mb,memory_mb_used,running_vms,service,state,status,vcpus,vcpus_used"
    );
    let figures = [
        "vcpus_used",
        "memory_mb_used",
        "local_gb_used",
        "running_vms",
    ]
    .map(|k| hypervisor[k].as_u64().expect("a number"));
    assert_eq!(figures, [1, 1024, 1, 1]);
    assert_eq!(hypervisor["cpu_info"]["model"], "Nehalem");
}

#[tokio::test]
async fn detail_shows_a_disabled_service_and_its_reason() {
    let nova = start().await;
    let services = get(&nova, "/os-services?host=compute3", "compute 2.53")
        .await
        .json();
    let service_id = services["services"][0]["id"]
        .as_str()
        .expect("a uuid")
        .to_string();
    let headers = [
        ("x-auth-token", "admin:admin"),
        ("openstack-api-version", "compute 2.53"),
    ];
    let path = format!("/v2.1/os-services/{service_id}");
    let body = r#"{"status": "disabled", "disabled_reason": "maintenance"}"#;
    assert_eq!(send(&nova, "PUT", &path, &headers, body).await.status, 200);
    let body = get(
        &nova,
        "/os-hypervisors/detail?hypervisor_hostname_pattern=compute3",
        "compute 2.88",
    )
    .await
    .json();
    let hypervisor = &body["hypervisors"][0];
    assert_eq!(hypervisor["status"], "disabled");
    assert_eq!(hypervisor["service"]["disabled_reason"], "maintenance");
    assert_eq!(
        hypervisor["service"]["id"].as_str(),
        Some(service_id.as_str())
    );
}

#[tokio::test]
async fn detail_pattern_matches_substrings_and_a_miss_is_404() {
    let nova = start().await;
    let all = get(
        &nova,
        "/os-hypervisors/detail?hypervisor_hostname_pattern=compute",
        "compute 2.88",
    )
    .await
    .json();
    assert_eq!(all["hypervisors"].as_array().map(Vec::len), Some(3));
    let missing = get(
        &nova,
        "/os-hypervisors/detail?hypervisor_hostname_pattern=nope",
        "compute 2.88",
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.message(),
        "No hypervisor matching 'nope' could be found."
    );
}

#[tokio::test]
async fn with_servers_lists_instance_names_and_an_empty_host_from_2_75() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let path = "/os-hypervisors/detail?hypervisor_hostname_pattern=compute&with_servers=true";
    let body = get(&nova, path, "compute 2.88").await.json();
    let servers = &body["hypervisors"][0]["servers"];
    assert_eq!(servers[0]["uuid"].as_str(), Some(id.as_str()));
    assert!(
        servers[0]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("instance-"))
    );
    assert_eq!(body["hypervisors"][1]["servers"], serde_json::json!([]));
    let before = get(&nova, path, "compute 2.74").await.json();
    assert!(before["hypervisors"][1].get("servers").is_none());
    let without = "/os-hypervisors/detail?hypervisor_hostname_pattern=compute1&with_servers=False";
    let body = get(&nova, without, "compute 2.88").await.json();
    assert!(body["hypervisors"][0].get("servers").is_none());
}

#[tokio::test]
async fn detail_before_2_53_has_integer_ids_and_cpu_info_as_text_before_2_28() {
    let nova = start().await;
    let body = get(&nova, "/os-hypervisors/detail", "").await.json();
    let hypervisor = &body["hypervisors"][0];
    assert!(hypervisor["id"].is_u64() && hypervisor["service"]["id"].is_u64());
    assert!(
        hypervisor["cpu_info"]
            .as_str()
            .is_some_and(|t| t.contains("Nehalem"))
    );
    let ignored = get(
        &nova,
        "/os-hypervisors/detail?hypervisor_hostname_pattern=compute2",
        "compute 2.52",
    )
    .await
    .json();
    assert_eq!(ignored["hypervisors"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn detail_is_admin_only_and_checks_with_servers() {
    let nova = start().await;
    let headers = [
        ("x-auth-token", "demo:demo"),
        ("openstack-api-version", "compute 2.88"),
    ];
    let denied = send(&nova, "GET", "/v2.1/os-hypervisors/detail", &headers, "").await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.message(),
        "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed."
    );
    let wrong = get(
        &nova,
        "/os-hypervisors/detail?with_servers=maybe",
        "compute 2.88",
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.message().starts_with(
        "Invalid input for query parameters with_servers. Value: maybe. 'maybe' is not one of"
    ));
}
