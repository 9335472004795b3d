//! Admin views: `/os-migrations`, `/os-services`, `/os-hypervisors`, instance actions.

use nova_double::{NovaDouble, ServerSpec};

use crate::common::{Answer, action, get, send, settled, start, wait_for, wait_for_migration};

#[tokio::test]
async fn os_migrations_fields_follow_the_microversion() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(
        &nova,
        &id,
        "compute 2.56",
        r#"{"migrate": {"host": "compute3"}}"#,
    )
    .await;
    wait_for_migration(&nova, &id, "finished").await;
    let path = format!("/os-migrations?instance_uuid={id}");
    let keys = |version: &'static str| {
        let nova = &nova;
        let path = path.clone();
        async move {
            let body = get(nova, &path, version).await.json();
            let record = body["migrations"][0]
                .as_object()
                .expect("one migration")
                .clone();
            record.keys().cloned().collect::<Vec<_>>().join(",")
        }
    };
    // The recorded session shows a trimmed view; real Nova 34 also returns the timestamps and
    // flavor ids (seen by the real-Nova suite).
    let base = "created_at,dest_compute,dest_host,dest_node,id,instance_uuid,migration_type,new_instance_type_id,old_instance_type_id,source_compute,source_node,status,updated_at";
    assert_eq!(keys("compute 2.56").await, base);
    assert_eq!(keys("compute 2.59").await, format!("{base},uuid"));
    let v280 = "created_at,dest_compute,dest_host,dest_node,id,instance_uuid,migration_type,new_instance_type_id,old_instance_type_id,project_id,source_compute,source_node,status,updated_at,user_id,uuid";
    assert_eq!(keys("compute 2.80").await, v280);
    let body = get(&nova, &path, "compute 2.80").await.json();
    assert_eq!(body["migrations"][0]["dest_host"], "192.168.0.1");
}

#[tokio::test]
async fn os_migrations_are_newest_first_and_filter_by_type() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(
        &nova,
        &id,
        "compute 2.56",
        r#"{"migrate": {"host": "compute2"}}"#,
    )
    .await;
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    action(&nova, &id, "compute 2.56", r#"{"confirmResize": null}"#).await;
    wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    action(
        &nova,
        &id,
        "compute 2.30",
        r#"{"os-migrateLive": {"host": null, "block_migration": "auto"}}"#,
    )
    .await;
    wait_for_migration(&nova, &id, "completed").await;
    let all = get(&nova, "/os-migrations", "compute 2.80").await.json();
    let ids: Vec<u64> = all["migrations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["id"].as_u64())
        .collect();
    assert_eq!(ids, vec![2, 1]);
    // Below 2.59, real Nova 34 lists them oldest first.
    let old = get(&nova, "/os-migrations", "compute 2.23").await.json();
    let old_ids: Vec<u64> = old["migrations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["id"].as_u64())
        .collect();
    assert_eq!(old_ids, vec![1, 2]);
    let cold = get(
        &nova,
        "/os-migrations?migration_type=migration",
        "compute 2.80",
    )
    .await
    .json();
    assert_eq!(cold["migrations"].as_array().map(Vec::len), Some(1));
    assert_eq!(cold["migrations"][0]["status"], "confirmed");
}

#[tokio::test]
async fn non_admin_may_not_list_migrations() {
    let nova = start().await;
    let headers = [("x-auth-token", "demo:demo")];
    let answer = send(&nova, "GET", "/v2.1/os-migrations", &headers, "").await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.message(),
        "Policy doesn't allow os_compute_api:os-migrations:index to be performed."
    );
}

/// `PUT /os-services/{uuid}` (2.53) with `body` for `host`'s service.
async fn update_service(nova: &NovaDouble, host: &str, body: &str) -> Answer {
    let path = format!("/os-services?binary=nova-compute&host={host}");
    let list = get(nova, &path, "compute 2.53").await.json();
    let uuid = list["services"][0]["id"]
        .as_str()
        .expect("a uuid id from 2.53")
        .to_string();
    let headers = [
        ("x-auth-token", "admin:admin"),
        ("openstack-api-version", "compute 2.53"),
        ("content-type", "application/json"),
    ];
    send(
        nova,
        "PUT",
        &format!("/v2.1/os-services/{uuid}"),
        &headers,
        body,
    )
    .await
}

#[tokio::test]
async fn put_disables_a_service_with_its_reason() {
    let nova = start().await;
    let body = r#"{"status": "disabled", "disabled_reason": "maintenance"}"#;
    let answer = update_service(&nova, "compute1", body).await;
    assert_eq!(answer.status, 200);
    let service = &answer.json()["service"];
    assert_eq!(service["status"], "disabled");
    assert_eq!(service["disabled_reason"], "maintenance");
    assert_eq!(
        (service["state"].as_str(), service["zone"].as_str()),
        (Some("up"), Some("nova"))
    );
    assert_eq!(service["forced_down"], false);
    let listed = get(&nova, "/os-services?host=compute1", "compute 2.53")
        .await
        .json();
    assert_eq!(listed["services"][0]["status"], "disabled");
}

#[tokio::test]
async fn disabling_again_without_a_reason_clears_it_and_enabling_keeps_none() {
    // As recorded in server-actions-34.md, section 10.
    let nova = start().await;
    let reason = r#"{"status": "disabled", "disabled_reason": "maintenance"}"#;
    update_service(&nova, "compute3", reason).await;
    let again = update_service(&nova, "compute3", r#"{"status": "disabled"}"#).await;
    let service = &again.json()["service"];
    assert_eq!(service["status"], "disabled");
    assert!(service["disabled_reason"].is_null());
    let enabled = update_service(&nova, "compute3", r#"{"status": "enabled"}"#).await;
    assert_eq!(enabled.json()["service"]["status"], "enabled");
    assert!(enabled.json()["service"]["disabled_reason"].is_null());
    let listed = get(
        &nova,
        "/os-services?binary=nova-compute&host=compute3",
        "compute 2.53",
    )
    .await
    .json();
    assert_eq!(listed["services"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["services"][0]["host"], "compute3");
}

#[tokio::test]
async fn scheduler_avoids_a_service_disabled_with_put() {
    let nova = start().await;
    update_service(&nova, "compute1", r#"{"status": "disabled"}"#).await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    action(
        &nova,
        &id,
        "compute 2.56",
        r#"{"migrate": {"host": "compute1"}}"#,
    )
    .await;
    wait_for(&nova, &id, settled).await;
    wait_for_migration(&nova, &id, "error").await;
}

#[tokio::test]
async fn enabling_a_service_with_a_reason_is_400() {
    let nova = start().await;
    let body = r#"{"status": "enabled", "disabled_reason": "why"}"#;
    let answer = update_service(&nova, "compute1", body).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "Specifying 'disabled_reason' with status 'enabled' is invalid."
    );
}

#[tokio::test]
async fn services_have_integer_ids_before_2_53() {
    let nova = start().await;
    // Real Nova 34 numbers the conductor 1, the scheduler 2, then compute1 3 (os-hypervisors.md).
    let list = get(&nova, "/os-services?host=compute2", "compute 2.52")
        .await
        .json();
    assert_eq!(list["services"][0]["id"], 4);
}

#[tokio::test]
async fn the_conductor_and_the_scheduler_come_first_in_the_whole_list() {
    // As recorded in server-actions-34.md, section I.
    let nova = start().await;
    let list = get(&nova, "/os-services", "compute 2.53").await.json();
    let services = list["services"].as_array().expect("services");
    let rows: Vec<(&str, &str, &str)> = services
        .iter()
        .map(|s| {
            let text = |key: &str| s[key].as_str().expect("a string");
            (text("binary"), text("host"), text("zone"))
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("nova-conductor", "conductor", "internal"),
            ("nova-scheduler", "scheduler", "internal"),
            ("nova-compute", "compute1", "nova"),
            ("nova-compute", "compute2", "nova"),
            ("nova-compute", "compute3", "nova"),
        ]
    );
    let conductor = get(&nova, "/os-services?binary=nova-conductor", "compute 2.53")
        .await
        .json();
    assert_eq!(conductor["services"].as_array().map(Vec::len), Some(1));
    let old = get(&nova, "/os-services?binary=nova-scheduler", "compute 2.1")
        .await
        .json();
    assert_eq!(old["services"][0]["id"], 2);
}

#[tokio::test]
async fn hypervisor_pattern_finds_hosts_and_misses_are_404() {
    let nova = start().await;
    nova.set_service_up("compute2", false);
    let found = get(
        &nova,
        "/os-hypervisors?hypervisor_hostname_pattern=compute2",
        "compute 2.53",
    )
    .await
    .json();
    let hypervisor = &found["hypervisors"][0];
    assert_eq!(
        (
            hypervisor["hypervisor_hostname"].as_str(),
            hypervisor["state"].as_str()
        ),
        (Some("compute2"), Some("down"))
    );
    let missing = get(
        &nova,
        "/os-hypervisors?hypervisor_hostname_pattern=nope",
        "compute 2.53",
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.message(),
        "No hypervisor matching 'nope' could be found."
    );
}

#[tokio::test]
async fn instance_action_of_a_failed_migration_says_error_with_its_events() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    nova.set_service_status("compute1", false);
    let answer = action(
        &nova,
        &id,
        "compute 2.56",
        r#"{"migrate": {"host": "compute1"}}"#,
    )
    .await;
    let request_id = answer
        .header("x-openstack-request-id")
        .expect("request id")
        .to_string();
    wait_for_migration(&nova, &id, "error").await;
    // The conductor's event fails last, once the server is back (as in Nova's conductor).
    crate::common::wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    let list = get(
        &nova,
        &format!("/servers/{id}/os-instance-actions"),
        "compute 2.84",
    )
    .await
    .json();
    let newest = &list["instanceActions"][0];
    assert_eq!(
        (newest["action"].as_str(), newest["message"].as_str()),
        (Some("migrate"), Some("Error"))
    );
    assert_eq!(newest["request_id"], request_id.as_str());
    let path = format!("/servers/{id}/os-instance-actions/{request_id}");
    let shown = get(&nova, &path, "compute 2.84").await.json();
    // Newest first, as Nova lists them: the conductor's task inside its migrate_server.
    let events: Vec<(Option<&str>, Option<&str>)> = shown["instanceAction"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| (e["event"].as_str(), e["result"].as_str()))
        .collect();
    assert_eq!(
        events,
        [
            (Some("cold_migrate"), Some("Error")),
            (Some("conductor_migrate_server"), Some("Error"))
        ]
    );
}

#[tokio::test]
async fn unknown_instance_action_is_404() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    let answer = get(
        &nova,
        &format!("/servers/{id}/os-instance-actions/req-nope"),
        "compute 2.84",
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.message(),
        format!("Action for request_id req-nope on instance {id} not found")
    );
}

#[tokio::test]
async fn error_bodies_name_their_charset_as_real_nova_does() {
    let nova = start().await;
    let missing = get(
        &nova,
        "/servers/00000000-0000-4000-8000-000000000000",
        "compute 2.80",
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    let id = nova.add_server(ServerSpec::active("compute1"));
    let found = get(&nova, &format!("/servers/{id}"), "compute 2.80").await;
    assert_eq!(found.header("content-type"), Some("application/json"));
}
