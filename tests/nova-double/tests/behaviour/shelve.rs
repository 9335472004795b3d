//! Shelve and unshelve with Nova's `shelved_offload_time = 0`, and what a shelved server refuses
//! (`recordings/server-actions-34.md`, sections 7, 8, E and 11).

use std::time::Duration;

use nova_double::{DriverStep, FailureKind, Fault, ServerSpec, Timings};

use crate::common::{
    action, action_as, get, newest_action_events, start, start_with, trace, wait_for,
};

const V280: &str = "compute 2.80";

fn slow_shelving(timings: &mut Timings) {
    let step = Duration::from_millis(150);
    timings.shelve = step;
    timings.shelve_offload = step;
    timings.unshelve = step;
    timings.unshelve_spawn = step;
}

fn step(status: &str, task: Option<&str>, host: &str) -> (String, Option<String>, String) {
    (
        status.to_string(),
        task.map(str::to_string),
        host.to_string(),
    )
}

fn offloaded(server: &nova_double::ServerView) -> bool {
    server.status == "SHELVED_OFFLOADED" && server.host.is_empty()
}

#[tokio::test]
async fn shelve_offloads_at_once_and_the_server_loses_its_host() {
    let nova = start_with(slow_shelving).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    let seen = trace(&nova, &id, offloaded).await;
    let expected = [
        step("ACTIVE", Some("shelving"), "compute1"),
        step("SHELVED", Some("shelving_offloading"), "compute1"),
        step("SHELVED_OFFLOADED", None, "compute1"),
        step("SHELVED_OFFLOADED", None, ""),
    ];
    assert_eq!(seen, expected);
    let server = nova.server(&id).expect("the server");
    assert_eq!(
        (server.vm_state.as_str(), server.power_state),
        ("shelved_offloaded", 4)
    );
    assert!(nova.migrations().is_empty(), "shelving is no migration");
}

#[tokio::test]
async fn an_offloaded_server_shows_no_host_no_host_id_and_no_zone() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    let body = get(&nova, &format!("/servers/{id}"), V280).await.json();
    let server = &body["server"];
    assert_eq!(server["status"], "SHELVED_OFFLOADED");
    assert_eq!(server["OS-EXT-STS:vm_state"], "shelved_offloaded");
    assert!(server["OS-EXT-STS:task_state"].is_null());
    assert!(server["OS-EXT-SRV-ATTR:host"].is_null());
    assert!(server["OS-EXT-SRV-ATTR:hypervisor_hostname"].is_null());
    assert_eq!(server["hostId"], "");
    assert_eq!(server["host_status"], "");
    assert_eq!(server["OS-EXT-AZ:availability_zone"], "");
}

#[tokio::test]
async fn a_shutoff_server_shelves_from_shutoff() {
    let nova = start_with(slow_shelving).await;
    let id = nova.add_server(ServerSpec::shutoff("compute2"));
    let answer = action(&nova, &id, V280, r#"{"shelve": {"any": "value"}}"#).await;
    assert_eq!(answer.status, 202);
    let seen = trace(&nova, &id, offloaded).await;
    assert_eq!(seen[0], step("SHUTOFF", Some("shelving"), "compute2"));
    assert_eq!(
        seen[1],
        step("SHELVED", Some("shelving_offloading"), "compute2")
    );
}

#[tokio::test]
async fn unshelve_schedules_then_spawns_and_ends_active() {
    let nova = start_with(slow_shelving).await;
    let id = nova.add_server(ServerSpec::shutoff("compute1"));
    nova.add_server(ServerSpec::active("compute1"));
    nova.add_server(ServerSpec::active("compute2"));
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    let answer = action(&nova, &id, V280, r#"{"unshelve": null}"#).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    let seen = trace(&nova, &id, |s| s.status == "ACTIVE").await;
    let expected = [
        step("SHELVED_OFFLOADED", Some("unshelving"), ""),
        step("SHELVED_OFFLOADED", Some("spawning"), ""),
        step("SHELVED_OFFLOADED", Some("spawning"), "compute3"),
        step("ACTIVE", None, "compute3"),
    ];
    assert_eq!(seen, expected);
    let server = nova.server(&id).expect("the server");
    assert_eq!(
        (server.vm_state.as_str(), server.power_state),
        ("active", 1)
    );
    let events = newest_action_events(&nova, &id).await;
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names,
        [
            "compute_unshelve_instance",
            "schedule_instances",
            "get_image_info"
        ]
    );
}

#[tokio::test]
async fn unshelve_to_a_named_host_from_2_91() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    let body = r#"{"unshelve": {"host": "compute2"}}"#;
    let old = action(&nova, &id, V280, body).await;
    assert_eq!(
        (old.status, old.message()),
        (
            400,
            "Invalid input for field/attribute unshelve. Value: {'host': 'compute2'}. 'availability_zone' is a required property".to_string()
        )
    );
    let answer = action(&nova, &id, "compute 2.91", body).await;
    assert_eq!(answer.status, 202);
    let server = wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    assert_eq!(server.host, "compute2");
}

#[tokio::test]
async fn unshelve_bodies_follow_the_microversion() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    let empty = action(&nova, &id, V280, r#"{"unshelve": {}}"#).await;
    assert_eq!(
        empty.message(),
        "Invalid input for field/attribute unshelve. Value: {}. 'availability_zone' is a required property"
    );
    let zone = r#"{"unshelve": {"availability_zone": "nova"}}"#;
    assert_eq!(action(&nova, &id, "compute 2.77", zone).await.status, 202);
    wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    // Below 2.77 the body is not looked at.
    let old = action(&nova, &id, "compute 2.76", r#"{"unshelve": {"x": 1}}"#).await;
    assert_eq!(old.status, 202);
}

#[tokio::test]
async fn shelving_or_unshelving_in_the_wrong_state_is_409() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let unshelve = action(&nova, &id, V280, r#"{"unshelve": null}"#).await;
    assert_eq!(
        unshelve.text,
        format!(
            r#"{{"conflictingRequest": {{"code": 409, "message": "Cannot 'unshelve' instance {id} while it is in vm_state active"}}}}"#
        )
    );
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    let busy = action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    assert_eq!(
        busy.message(),
        format!("Cannot 'shelve' instance {id} while it is in task_state shelving")
    );
    wait_for(&nova, &id, offloaded).await;
    let again = action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    assert_eq!(
        again.message(),
        format!("Cannot 'shelve' instance {id} while it is in vm_state shelved_offloaded")
    );
}

#[tokio::test]
async fn an_offloaded_server_cannot_stop_start_resize_or_migrate() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    for power in ["os-stop", "os-start"] {
        let answer = action(&nova, &id, V280, &format!(r#"{{"{power}": null}}"#)).await;
        assert_eq!(
            (answer.status, answer.message()),
            (409, format!("Instance {id} is not ready"))
        );
    }
    let cases = [
        ("resize", r#"{"resize": {"flavorRef": "2"}}"#),
        ("migrate", r#"{"migrate": null}"#),
        ("shelveOffload", r#"{"shelveOffload": null}"#),
    ];
    for (name, body) in cases {
        let answer = action(&nova, &id, V280, body).await;
        assert_eq!(
            answer.message(),
            format!("Cannot '{name}' instance {id} while it is in vm_state shelved_offloaded")
        );
    }
}

#[tokio::test]
async fn project_members_may_shelve_and_other_projects_get_404() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let foreign = action_as(&nova, "other:other", &id, V280, r#"{"shelve": null}"#).await;
    assert_eq!(
        (foreign.status, foreign.message()),
        (404, format!("Instance {id} could not be found."))
    );
    let reader = action_as(&nova, "demo:demo:reader", &id, V280, r#"{"shelve": null}"#).await;
    assert_eq!(reader.status, 202);
    assert_eq!(nova.instance_actions(&id)[0].action, "shelve");
}

#[tokio::test]
async fn a_failed_snapshot_puts_the_server_back_and_marks_the_shelve_action_error() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    nova.inject(Fault::DriverFailure {
        step: DriverStep::Snapshot,
        kind: FailureKind::Error,
    });
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    let server = wait_for(&nova, &id, |s| s.task_state.is_none()).await;
    assert_eq!(
        (
            server.status.as_str(),
            server.host.as_str(),
            server.power_state
        ),
        ("ACTIVE", "compute1", 1)
    );
    assert_eq!(server.fault, None);
    let action_view = &nova.instance_actions(&id)[0];
    assert_eq!(
        (action_view.action.as_str(), action_view.message.as_deref()),
        ("shelve", Some("Error"))
    );
    let events = newest_action_events(&nova, &id).await;
    assert_eq!(
        events,
        [(
            "compute_shelve_instance".to_string(),
            Some("Error".to_string())
        )]
    );
    // Used once: the next shelve works.
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
}

#[tokio::test]
async fn stop_and_start_in_the_wrong_state_answer_as_nova() {
    let nova = start().await;
    let stopped = nova.add_server(ServerSpec::shutoff("compute1"));
    let running = nova.add_server(ServerSpec::active("compute1"));
    let stop = action(&nova, &stopped, V280, r#"{"os-stop": null}"#).await;
    assert_eq!(
        stop.text,
        format!(
            r#"{{"conflictingRequest": {{"code": 409, "message": "Cannot 'stop' instance {stopped} while it is in vm_state stopped"}}}}"#
        )
    );
    let start_answer = action(&nova, &running, V280, r#"{"os-start": null}"#).await;
    assert_eq!(
        start_answer.text,
        format!(
            r#"{{"conflictingRequest": {{"code": 409, "message": "Cannot 'start' instance {running} while it is in vm_state active"}}}}"#
        )
    );
}

#[tokio::test]
async fn unshelve_with_no_host_available_stays_offloaded_and_says_error() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, offloaded).await;
    let unknown = action(
        &nova,
        &id,
        "compute 2.91",
        r#"{"unshelve": {"host": "nohost"}}"#,
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.message()),
        (400, "Compute host nohost could not be found.".to_string())
    );
    for host in nova.hosts() {
        nova.set_service_status(&host, false);
    }
    assert_eq!(
        action(&nova, &id, V280, r#"{"unshelve": null}"#)
            .await
            .status,
        202
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let action_view = loop {
        let newest = nova
            .instance_actions(&id)
            .into_iter()
            .next()
            .expect("an action");
        if newest.message.is_some() {
            break newest;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: {newest:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    assert_eq!(action_view.action, "unshelve");
    let server = nova.server(&id).expect("the server");
    assert_eq!(
        (
            server.status.as_str(),
            server.task_state,
            server.host.as_str()
        ),
        ("SHELVED_OFFLOADED", None, "")
    );
    let events = newest_action_events(&nova, &id).await;
    assert_eq!(
        events,
        [
            ("schedule_instances".to_string(), Some("Error".to_string())),
            ("get_image_info".to_string(), Some("Success".to_string()))
        ]
    );
}
