//! Cold migration: `migrate`, `confirmResize`, `revertResize`, and how they fail.

use std::time::Duration;

use nova_double::{DriverStep, FailureKind, Fault, ServerSpec};

use crate::common::{
    action, action_as, get, observable, settled, start, start_with, trace, wait_for,
    wait_for_migration,
};

const V256: &str = "compute 2.56";

fn status_task_host(
    status: &str,
    task: Option<&str>,
    host: &str,
) -> (String, Option<String>, String) {
    (
        status.to_string(),
        task.map(str::to_string),
        host.to_string(),
    )
}

#[tokio::test]
async fn migrate_to_named_host_passes_through_resize_states_to_verify_resize() {
    let nova = start_with(observable).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V256, r#"{"migrate": {"host": "compute3"}}"#).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    let request_id = answer
        .header("x-openstack-request-id")
        .expect("request id")
        .to_string();
    let seen = trace(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let expected = [
        status_task_host("RESIZE", Some("resize_prep"), "compute1"),
        status_task_host("RESIZE", Some("resize_migrating"), "compute1"),
        status_task_host("RESIZE", Some("resize_migrated"), "compute3"),
        status_task_host("RESIZE", Some("resize_finish"), "compute3"),
        status_task_host("VERIFY_RESIZE", None, "compute3"),
    ];
    assert_eq!(seen, expected);
    let migration = wait_for_migration(&nova, &id, "finished").await;
    assert_eq!(migration.migration_type, "migration");
    assert_eq!(migration.dest_compute.as_deref(), Some("compute3"));
    let actions = nova.instance_actions(&id);
    assert_eq!(
        (actions[0].action.as_str(), &actions[0].request_id),
        ("migrate", &request_id)
    );
}

#[tokio::test]
async fn migrate_without_version_header_ignores_host() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    nova.add_server(ServerSpec::active("compute2"));
    // compute3 is the emptier host, so the scheduler must pick it rather than the named one.
    let answer = action(&nova, &id, "", r#"{"migrate": {"host": "compute2"}}"#).await;
    assert_eq!(answer.status, 202);
    let server = wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    assert_eq!(server.host, "compute3");
}

#[tokio::test]
async fn migrate_below_2_56_does_not_validate_the_body() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let body = r#"{"migrate": {"hots": 1, "anything": "goes"}}"#;
    let answer = action(&nova, &id, "compute 2.55", body).await;
    assert_eq!(answer.status, 202);
}

#[tokio::test]
async fn migrate_to_same_host_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "Cannot migrate to the host where the server exists."
    );
}

#[tokio::test]
async fn migrate_to_unknown_host_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V256, r#"{"migrate": {"host": "no-such-host"}}"#).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "Compute host no-such-host could not be found."
    );
}

#[tokio::test]
async fn migrate_with_unexpected_key_is_400_in_nova_words() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, V256, r#"{"migrate": {"hots": "compute1"}}"#).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "Invalid input for field/attribute migrate. Value: {'hots': 'compute1'}. Additional properties are not allowed ('hots' was unexpected)"
    );
}

#[tokio::test]
async fn migrate_with_wrong_types_is_400_in_nova_words() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let cases = [
        (
            r#"{"migrate": "compute1"}"#,
            "Invalid input for field/attribute migrate. Value: compute1. 'compute1' is not of type 'object', 'null'",
        ),
        (
            r#"{"migrate": {"host": ""}}"#,
            "Invalid input for field/attribute host. Value: . '' should be non-empty",
        ),
        (
            r#"{"migrate": {"host": 42}}"#,
            "Invalid input for field/attribute host. Value: 42. 42 is not of type 'string', 'null'",
        ),
    ];
    for (body, message) in cases {
        let answer = action(&nova, &id, V256, body).await;
        assert_eq!(
            (answer.status, answer.message()),
            (400, message.to_string()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn migrate_while_verify_resize_is_409() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V256, r#"{"migrate": null}"#).await;
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let answer = action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.message(),
        format!("Cannot 'migrate' instance {id} while it is in vm_state resized")
    );
}

#[tokio::test]
async fn migrate_while_a_task_runs_is_409_naming_the_task() {
    let nova = start_with(|t| t.resize_prep = Duration::from_secs(2)).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V256, r#"{"migrate": null}"#).await;
    let answer = action(&nova, &id, V256, r#"{"os-stop": null}"#).await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.message(),
        format!("Cannot 'stop' instance {id} while it is in task_state resize_prep")
    );
}

#[tokio::test]
async fn confirm_returns_204_while_still_verify_resize() {
    let nova = start_with(|t| t.confirm = Duration::from_millis(500)).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute2"}}"#).await;
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let answer = action(&nova, &id, V256, r#"{"confirmResize": null}"#).await;
    assert_eq!((answer.status, answer.text.as_str()), (204, ""));
    assert_eq!(
        nova.server(&id).map(|s| s.status).as_deref(),
        Some("VERIFY_RESIZE")
    );
    let server = wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    assert_eq!(
        (server.host.as_str(), server.task_state),
        ("compute2", None)
    );
    wait_for_migration(&nova, &id, "confirmed").await;
}

#[tokio::test]
async fn shutoff_server_stays_shutoff_after_confirm() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::shutoff("compute2"));
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    let verify = wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    assert_eq!(verify.power_state, 4);
    action(&nova, &id, V256, r#"{"confirmResize": null}"#).await;
    let server = wait_for(&nova, &id, |s| s.status == "SHUTOFF").await;
    assert_eq!(
        (server.vm_state.as_str(), server.host.as_str()),
        ("stopped", "compute1")
    );
    assert_eq!(
        (server.tenant_id.as_str(), server.user_id.as_str()),
        ("demo", "admin")
    );
}

#[tokio::test]
async fn revert_returns_to_source_through_revert_resize() {
    let nova = start_with(observable).await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute2"}}"#).await;
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let answer = action(&nova, &id, V256, r#"{"revertResize": null}"#).await;
    assert_eq!(answer.status, 202);
    let seen = trace(&nova, &id, |s| s.status == "ACTIVE").await;
    let expected = [
        status_task_host("REVERT_RESIZE", Some("resize_reverting"), "compute2"),
        status_task_host("REVERT_RESIZE", Some("resize_reverting"), "compute3"),
        status_task_host("ACTIVE", None, "compute3"),
    ];
    assert_eq!(seen, expected);
    wait_for_migration(&nova, &id, "reverted").await;
}

#[tokio::test]
async fn confirm_or_revert_of_active_server_is_409() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    for name in ["confirmResize", "revertResize"] {
        let answer = action(&nova, &id, V256, &format!(r#"{{"{name}": null}}"#)).await;
        assert_eq!(answer.status, 409);
        assert_eq!(
            answer.message(),
            format!("Cannot '{name}' instance {id} while it is in vm_state active")
        );
    }
}

#[tokio::test]
async fn non_admin_may_not_name_a_host() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    for token in ["demo:demo", "demo:demo:manager,member,reader"] {
        let answer = action_as(
            &nova,
            token,
            &id,
            V256,
            r#"{"migrate": {"host": "compute2"}}"#,
        )
        .await;
        assert_eq!(answer.status, 403);
        assert_eq!(
            answer.message(),
            "Policy doesn't allow os_compute_api:os-migrate-server:migrate:host to be performed."
        );
    }
}

#[tokio::test]
async fn project_manager_may_migrate_without_host_but_a_member_may_not() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let member = action_as(&nova, "demo:demo", &id, V256, r#"{"migrate": null}"#).await;
    assert_eq!(member.status, 403);
    assert_eq!(
        member.message(),
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed."
    );
    let token = "demo:demo:manager,member,reader";
    let manager = action_as(&nova, token, &id, V256, r#"{"migrate": null}"#).await;
    assert_eq!(manager.status, 202);
    let migration = wait_for_migration(&nova, &id, "finished").await;
    assert_eq!(
        (migration.project_id.as_str(), migration.user_id.as_str()),
        ("demo", "demo")
    );
}

#[tokio::test]
async fn disabled_destination_fails_asynchronously_back_to_active() {
    let nova = start_with(|t| t.scheduler_failure = Duration::from_millis(500)).await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    nova.set_service_status("compute1", false);
    let answer = action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    assert_eq!(answer.status, 202);
    assert_eq!(
        nova.server(&id).map(|s| s.status).as_deref(),
        Some("RESIZE")
    );
    let server = wait_for(&nova, &id, settled).await;
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute2")
    );
    let migration = wait_for_migration(&nova, &id, "error").await;
    assert_eq!(migration.dest_compute, None);
    assert_eq!(
        nova.instance_actions(&id)[0].message.as_deref(),
        Some("Error")
    );
}

#[tokio::test]
async fn down_destination_fails_like_a_disabled_one() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    nova.set_service_up("compute3", false);
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute3"}}"#).await;
    let server = wait_for(&nova, &id, settled).await;
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute2")
    );
    wait_for_migration(&nova, &id, "error").await;
}

#[tokio::test]
async fn migrate_disk_rollback_returns_server_to_source_with_migration_error() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    let step = DriverStep::MigrateDiskAndPowerOff;
    nova.inject(Fault::DriverFailure {
        step,
        kind: FailureKind::Rollback,
    });
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    let server = wait_for(&nova, &id, settled).await;
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute3")
    );
    let migration = wait_for_migration(&nova, &id, "error").await;
    assert_eq!(migration.dest_compute.as_deref(), Some("compute1"));
}

#[tokio::test]
async fn finish_migration_error_leaves_server_in_error_with_fault() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    let step = DriverStep::FinishMigration;
    nova.inject(Fault::DriverFailure {
        step,
        kind: FailureKind::Error,
    });
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    // Like real Nova 34, the fault is recorded a moment after the server went to ERROR.
    wait_for(&nova, &id, |s| s.status == "ERROR" && s.fault.is_some()).await;
    let body = get(&nova, &format!("/servers/{id}"), V256).await.json();
    let server = &body["server"];
    assert_eq!(server["OS-EXT-SRV-ATTR:host"], "compute1");
    assert_eq!(server["OS-EXT-STS:vm_state"], "error");
    assert_eq!(server["fault"]["code"], 500);
    assert_eq!(
        server["fault"]["message"],
        "Migration error: injected driver failure in finish_migration on compute1"
    );
    // Real Nova also dates the fault and shows admins its details.
    assert!(server["fault"]["created"].is_string());
    assert!(server["fault"]["details"].is_string());
    wait_for_migration(&nova, &id, "error").await;
    let again = action(&nova, &id, V256, r#"{"migrate": {"host": "compute3"}}"#).await;
    assert_eq!(again.status, 409);
    assert_eq!(
        again.message(),
        format!("Cannot 'migrate' instance {id} while it is in vm_state error")
    );
}

#[tokio::test]
async fn stop_then_start_changes_power_state() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    assert_eq!(
        action(&nova, &id, V256, r#"{"os-stop": null}"#)
            .await
            .status,
        202
    );
    let stopped = wait_for(&nova, &id, |s| {
        s.status == "SHUTOFF" && s.task_state.is_none()
    })
    .await;
    assert_eq!(
        (stopped.vm_state.as_str(), stopped.power_state),
        ("stopped", 4)
    );
    assert_eq!(
        action(&nova, &id, V256, r#"{"os-start": null}"#)
            .await
            .status,
        202
    );
    let started = wait_for(&nova, &id, |s| {
        s.status == "ACTIVE" && s.task_state.is_none()
    })
    .await;
    assert_eq!(started.power_state, 1);
}

#[tokio::test]
async fn error_on_the_destination_shows_before_its_fault_as_in_real_nova() {
    let nova = start().await;
    nova.set_timings(nova_double::Timings {
        resize_finish: std::time::Duration::from_millis(400),
        ..nova_double::Timings::fast()
    });
    let id = nova.add_server(ServerSpec::active("compute3"));
    nova.inject(Fault::DriverFailure {
        step: DriverStep::FinishMigration,
        kind: FailureKind::Error,
    });
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    let first_error = wait_for(&nova, &id, |s| s.status == "ERROR").await;
    assert_eq!(first_error.fault, None, "ERROR is saved before the fault");
    let later = wait_for(&nova, &id, |s| s.fault.is_some()).await;
    assert_eq!(later.status, "ERROR");
    wait_for_migration(&nova, &id, "error").await;
}

#[tokio::test]
async fn a_disabled_destination_marks_the_migration_error_before_the_server_returns() {
    let nova = start().await;
    nova.set_timings(nova_double::Timings {
        scheduler_failure: std::time::Duration::from_millis(500),
        ..nova_double::Timings::fast()
    });
    let id = nova.add_server(ServerSpec::active("compute3"));
    nova.set_service_status("compute1", false);
    action(&nova, &id, V256, r#"{"migrate": {"host": "compute1"}}"#).await;
    wait_for_migration(&nova, &id, "error").await;
    assert_eq!(
        nova.server(&id).expect("server").status,
        "RESIZE",
        "as in real Nova, the record fails first"
    );
    let back = wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    assert_eq!(back.host, "compute3");
}
