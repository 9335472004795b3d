//! Resize: `resize`, then `confirmResize` or `revertResize`, and how they fail
//! (`recordings/server-actions-34.md`, sections 3–6, 11, A–C and F).

use std::time::{Duration, Instant};

use nova_double::{DriverStep, FailureKind, Fault, NovaDouble, ServerSpec};

use crate::common::{
    action, action_as, get, newest_action_events, observable, start, start_with, wait_for,
    wait_for_migration,
};

const V280: &str = "compute 2.80";

/// Every distinct (status, task_state, host, flavor id) until `done`.
async fn trace(
    nova: &NovaDouble,
    id: &str,
    done: impl Fn(&nova_double::ServerView) -> bool,
) -> Vec<(String, Option<String>, String, String)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    loop {
        let s = nova.server(id).expect("the server");
        let step = (
            s.status.clone(),
            s.task_state.clone(),
            s.host.clone(),
            s.flavor_id.clone(),
        );
        if seen.last() != Some(&step) {
            seen.push(step);
        }
        if done(&s) {
            return seen;
        }
        assert!(Instant::now() < deadline, "timed out; seen {seen:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn step(
    status: &str,
    task: Option<&str>,
    host: &str,
    flavor: &str,
) -> (String, Option<String>, String, String) {
    (
        status.to_string(),
        task.map(str::to_string),
        host.to_string(),
        flavor.to_string(),
    )
}

fn resize_to(flavor: &str) -> String {
    format!(r#"{{"resize": {{"flavorRef": "{flavor}"}}}}"#)
}

/// A server on compute1 (compute2 holds another one, so the scheduler picks compute3).
async fn resized(nova: &NovaDouble, spec: ServerSpec) -> String {
    let id = nova.add_server(spec);
    nova.add_server(ServerSpec::active("compute2"));
    let answer = action(nova, &id, V280, &resize_to("2")).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    wait_for(nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    id
}

#[tokio::test]
async fn resize_goes_to_another_host_through_the_resize_states_and_shows_the_new_flavor_from_resize_finish()
 {
    let nova = start_with(observable).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    nova.add_server(ServerSpec::active("compute2"));
    let answer = action(&nova, &id, V280, &resize_to("2")).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    let seen = trace(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let expected = [
        step("RESIZE", Some("resize_prep"), "compute1", "1"),
        step("RESIZE", Some("resize_migrating"), "compute1", "1"),
        step("RESIZE", Some("resize_migrated"), "compute3", "1"),
        step("RESIZE", Some("resize_finish"), "compute3", "2"),
        step("VERIFY_RESIZE", None, "compute3", "2"),
    ];
    assert_eq!(seen, expected);
    let server = nova.server(&id).expect("the server");
    assert_eq!(
        (server.vm_state.as_str(), server.power_state),
        ("resized", 1)
    );
}

#[tokio::test]
async fn the_migration_record_is_a_resize_with_the_flavors_database_ids() {
    let nova = start().await;
    let id = resized(&nova, ServerSpec::active("compute1")).await;
    let migration = wait_for_migration(&nova, &id, "finished").await;
    assert_eq!(migration.migration_type, "resize");
    let path = format!("/os-migrations?instance_uuid={id}");
    let body = get(&nova, &path, V280).await.json();
    let record = &body["migrations"][0];
    assert_eq!(record["migration_type"], "resize");
    assert_eq!(
        (
            record["old_instance_type_id"].as_u64(),
            record["new_instance_type_id"].as_u64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(
        (
            record["source_compute"].as_str(),
            record["dest_compute"].as_str()
        ),
        (Some("compute1"), Some("compute3"))
    );
    let filtered = get(&nova, "/os-migrations?migration_type=resize", V280).await;
    assert_eq!(
        filtered.json()["migrations"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn confirm_keeps_the_new_flavor_on_the_destination() {
    let nova = start().await;
    let id = resized(&nova, ServerSpec::active("compute1")).await;
    let answer = action(&nova, &id, V280, r#"{"confirmResize": null}"#).await;
    assert_eq!((answer.status, answer.text.as_str()), (204, ""));
    let server = wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    assert_eq!(
        (server.host.as_str(), server.flavor_id.as_str()),
        ("compute3", "2")
    );
    wait_for_migration(&nova, &id, "confirmed").await;
    let body = get(&nova, &format!("/servers/{id}"), V280).await.json();
    assert_eq!(body["server"]["flavor"]["original_name"], "m1.small");
}

#[tokio::test]
async fn revert_goes_back_to_the_old_flavor_on_the_source() {
    let nova = start_with(observable).await;
    let id = resized(&nova, ServerSpec::active("compute1")).await;
    let answer = action(&nova, &id, V280, r#"{"revertResize": null}"#).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    let seen = trace(&nova, &id, |s| s.status == "ACTIVE").await;
    let expected = [
        step("REVERT_RESIZE", Some("resize_reverting"), "compute3", "2"),
        step("REVERT_RESIZE", Some("resize_reverting"), "compute1", "1"),
        step("ACTIVE", None, "compute1", "1"),
    ];
    assert_eq!(seen, expected);
    wait_for_migration(&nova, &id, "reverted").await;
}

#[tokio::test]
async fn a_shutoff_server_is_resized_stopped_and_confirmed_back_to_shutoff() {
    let nova = start().await;
    let id = resized(&nova, ServerSpec::shutoff("compute1")).await;
    let server = nova.server(&id).expect("the server");
    assert_eq!(
        (server.vm_state.as_str(), server.power_state),
        ("resized", 4)
    );
    action(&nova, &id, V280, r#"{"confirmResize": null}"#).await;
    let server = wait_for(&nova, &id, |s| s.status == "SHUTOFF").await;
    assert_eq!(server.flavor_id, "2");
}

#[tokio::test]
async fn resize_records_a_resize_action_with_nova_s_events_newest_first() {
    let nova = start().await;
    let id = resized(&nova, ServerSpec::active("compute1")).await;
    let actions = nova.instance_actions(&id);
    assert_eq!(actions[0].action, "resize");
    let events = newest_action_events(&nova, &id).await;
    let success = Some("Success".to_string());
    let expected = [
        "compute_finish_resize",
        "compute_resize_instance",
        "compute_prep_resize",
        "cold_migrate",
        "conductor_migrate_server",
    ]
    .map(|e| (e.to_string(), success.clone()));
    assert_eq!(events, expected);
}

#[tokio::test]
async fn resize_to_the_same_flavor_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V280, &resize_to("1")).await;
    assert_eq!(
        answer.text,
        r#"{"badRequest": {"code": 400, "message": "When resizing, instances must change flavor!"}}"#
    );
}

#[tokio::test]
async fn an_unknown_flavor_a_name_or_a_link_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    for flavor in ["999", "m1.small", "http://nova/flavors/3"] {
        let answer = action(&nova, &id, V280, &resize_to(flavor)).await;
        assert_eq!(answer.status, 400);
        assert_eq!(
            answer.message(),
            format!("Flavor {flavor} could not be found.")
        );
    }
}

#[tokio::test]
async fn an_integer_flavor_ref_is_accepted() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V280, r#"{"resize": {"flavorRef": 3}}"#).await;
    assert_eq!(answer.status, 202);
    let server = wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    assert_eq!(server.flavor_id, "3");
}

#[tokio::test]
async fn the_state_is_checked_before_the_flavor() {
    let nova = start_with(observable).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V280, &resize_to("2")).await;
    let answer = action(&nova, &id, V280, &resize_to("999")).await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.message(),
        format!("Cannot 'resize' instance {id} while it is in task_state resize_prep")
    );
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let again = action(&nova, &id, V280, &resize_to("3")).await;
    assert_eq!(
        again.message(),
        format!("Cannot 'resize' instance {id} while it is in vm_state resized")
    );
}

#[tokio::test]
async fn malformed_resize_bodies_are_400_in_nova_words() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let cases = [
        (
            r#"{"resize": {}}"#,
            "Invalid input for field/attribute resize. Value: {}. 'flavorRef' is a required property",
        ),
        (
            r#"{"resize": null}"#,
            "Invalid input for field/attribute resize. Value: None. None is not of type 'object'",
        ),
        (
            r#"{"resize": {"flavorRef": ""}}"#,
            "Invalid input for field/attribute flavorRef. Value: . '' should be non-empty",
        ),
        (
            r#"{"resize": {"flavorRef": "2", "foo": 1}}"#,
            "Invalid input for field/attribute resize. Value: {'flavorRef': '2', 'foo': 1}. Additional properties are not allowed ('foo' was unexpected)",
        ),
    ];
    for (body, message) in cases {
        let answer = action(&nova, &id, V280, body).await;
        assert_eq!(
            (answer.status, answer.message()),
            (400, message.to_string()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn unknown_or_foreign_servers_are_404_and_project_members_may_resize() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let unknown = "00000000-0000-0000-0000-000000000000";
    let answer = action(&nova, unknown, V280, &resize_to("2")).await;
    assert_eq!(
        answer.text,
        format!(
            r#"{{"itemNotFound": {{"code": 404, "message": "Instance {unknown} could not be found."}}}}"#
        )
    );
    let foreign = action_as(&nova, "other:other", &id, V280, &resize_to("2")).await;
    assert_eq!(foreign.status, 404);
    // The harness's policy defaults let any token of the project resize, a reader too.
    let reader = action_as(&nova, "demo:demo:reader", &id, V280, &resize_to("2")).await;
    assert_eq!(reader.status, 202);
}

#[tokio::test]
async fn a_finish_failure_leaves_the_server_in_error_on_the_destination_with_its_old_flavor() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    nova.add_server(ServerSpec::active("compute2"));
    nova.inject(Fault::DriverFailure {
        step: DriverStep::FinishMigration,
        kind: FailureKind::Error,
    });
    action(&nova, &id, V280, &resize_to("3")).await;
    let server = wait_for(&nova, &id, |s| s.fault.is_some()).await;
    assert_eq!(
        (
            server.status.as_str(),
            server.host.as_str(),
            server.flavor_id.as_str()
        ),
        ("ERROR", "compute3", "1")
    );
    assert_eq!(
        server.fault.as_deref(),
        Some("Migration error: injected driver failure in finish_migration on compute3")
    );
    wait_for_migration(&nova, &id, "error").await;
    assert_eq!(
        nova.instance_actions(&id)[0].message.as_deref(),
        Some("Error")
    );
    let events = newest_action_events(&nova, &id).await;
    assert_eq!(
        events[0],
        (
            "compute_finish_resize".to_string(),
            Some("Error".to_string())
        )
    );
    let again = action(&nova, &id, V280, &resize_to("2")).await;
    assert_eq!(
        again.message(),
        format!("Cannot 'resize' instance {id} while it is in vm_state error")
    );
}

#[tokio::test]
async fn a_rolled_back_disk_copy_leaves_the_server_on_the_source_with_its_old_flavor() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    nova.inject(Fault::DriverFailure {
        step: DriverStep::MigrateDiskAndPowerOff,
        kind: FailureKind::Rollback,
    });
    action(&nova, &id, V280, &resize_to("2")).await;
    wait_for_migration(&nova, &id, "error").await;
    let server = wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    assert_eq!(
        (server.host.as_str(), server.flavor_id.as_str()),
        ("compute1", "1")
    );
}

#[tokio::test]
async fn hypervisors_count_the_resized_server_with_its_new_flavor() {
    let nova = start().await;
    let id = resized(&nova, ServerSpec::active("compute1")).await;
    action(&nova, &id, V280, r#"{"confirmResize": null}"#).await;
    wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    let body = get(&nova, "/os-hypervisors/detail", "compute 2.87")
        .await
        .json();
    let compute3 = body["hypervisors"]
        .as_array()
        .expect("hypervisors")
        .iter()
        .find(|h| h["hypervisor_hostname"] == "compute3")
        .expect("compute3")
        .clone();
    let figures = [
        "vcpus_used",
        "memory_mb_used",
        "local_gb_used",
        "free_ram_mb",
        "running_vms",
    ]
    .map(|k| compute3[k].as_i64().expect("a number"));
    // m1.small: 1 vCPU, 2048 MB, 20 GB; 512 MB are reserved for the host.
    assert_eq!(figures, [1, 2560, 20, 8192 - 2560, 1]);
}

#[tokio::test]
async fn a_flavor_no_host_has_room_for_fails_scheduling_and_the_server_stays() {
    // m1.large (8192 MB) cannot fit a host of 8192 MB with 512 MB reserved (session 3, G).
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V280, &resize_to("4")).await;
    assert_eq!(answer.status, 202);
    let migration = wait_for_migration(&nova, &id, "error").await;
    assert_eq!(
        (migration.migration_type.as_str(), migration.dest_compute),
        ("resize", None)
    );
    let server = wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    assert_eq!(
        (server.host.as_str(), server.flavor_id.as_str()),
        ("compute1", "1")
    );
    assert_eq!(
        nova.instance_actions(&id)[0].message.as_deref(),
        Some("Error")
    );
    let error = Some("Error".to_string());
    assert_eq!(
        newest_action_events(&nova, &id).await,
        [
            ("cold_migrate".to_string(), error.clone()),
            ("conductor_migrate_server".to_string(), error)
        ]
    );
}
