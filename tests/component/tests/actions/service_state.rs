//! `change_nova_service_state`: the host's nova-compute service enabled or disabled as Nova
//! shows it, Watcher's parameters as its strategies write them.

use crate::harness::*;
use serde_json::Value;

/// As `host_maintenance` writes it: the node's uuid in resource_id, the host in resource_name.
fn disable(host: &str) -> Value {
    json!({"resource_id": "4a2bd6d5-0b9c-4e4b-9f8b-1b1d6a6a7e61", "resource_name": host,
           "state": "disabled", "disabled_reason": "watcher_maintaining"})
}

fn enable(host: &str) -> Value {
    json!({"resource_id": "4a2bd6d5-0b9c-4e4b-9f8b-1b1d6a6a7e61", "resource_name": host,
           "state": "enabled"})
}

#[tokio::test]
async fn disables_the_service_with_watchers_reason() {
    let bench = Bench::start().await;
    proceeds(
        bench
            .run(
                "change_nova_service_state",
                PreCondition,
                &disable("compute2"),
            )
            .await,
    );
    let details = details(
        bench
            .run("change_nova_service_state", Execute, &disable("compute2"))
            .await,
    );
    assert_eq!(
        (
            details["status"].as_str(),
            details["previous_status"].as_str()
        ),
        (Some("disabled"), Some("enabled"))
    );
    let service = bench.service("compute2").await;
    assert_eq!(service["status"], "disabled");
    assert_eq!(service["disabled_reason"], "watcher_maintaining");
    assert_eq!(
        bench.service("compute1").await["status"],
        "enabled",
        "only compute2 changed"
    );
    done(
        bench
            .run(
                "change_nova_service_state",
                PostCondition,
                &disable("compute2"),
            )
            .await,
    );
    let puts = bench.mutations();
    assert_eq!(puts.len(), 1, "{puts:?}");
    assert!(puts[0].starts_with("PUT /v2.1/os-services/"), "{puts:?}");
}

#[tokio::test]
async fn a_service_already_so_or_missing_is_skipped() {
    let bench = Bench::start().await;
    let reason = skipped(
        bench
            .run(
                "change_nova_service_state",
                PreCondition,
                &enable("compute1"),
            )
            .await,
    );
    assert!(reason.contains("already enabled"), "{reason}");
    let reason = skipped(
        bench
            .run(
                "change_nova_service_state",
                PreCondition,
                &disable("compute9"),
            )
            .await,
    );
    assert!(
        reason.contains("compute9 has no nova-compute service"),
        "{reason}"
    );
    assert!(bench.mutations().is_empty());
}

#[tokio::test]
async fn revert_enables_what_execute_disabled() {
    let bench = Bench::start().await;
    details(
        bench
            .run("change_nova_service_state", Execute, &disable("compute3"))
            .await,
    );
    let details = details(
        bench
            .run("change_nova_service_state", Revert, &disable("compute3"))
            .await,
    );
    assert_eq!(details["status"], "enabled");
    let service = bench.service("compute3").await;
    assert_eq!(
        (service["status"].as_str(), &service["disabled_reason"]),
        (Some("enabled"), &Value::Null)
    );
}

#[tokio::test]
async fn enabling_a_disabled_service_clears_its_reason() {
    let bench = Bench::start().await;
    bench.nova.set_service_status("compute1", false);
    details(
        bench
            .run("change_nova_service_state", Execute, &enable("compute1"))
            .await,
    );
    assert_eq!(bench.service("compute1").await["status"], "enabled");
}

#[tokio::test]
async fn without_resource_name_the_host_is_resource_id_as_older_watchers_wrote_it() {
    let bench = Bench::start().await;
    let params = json!({"resource_id": "compute2", "state": "disabled"});
    details(
        bench
            .run("change_nova_service_state", Execute, &params)
            .await,
    );
    assert_eq!(bench.service("compute2").await["status"], "disabled");
}

#[tokio::test]
async fn up_down_and_a_reason_with_enabled_are_refused_before_nova_is_asked() {
    let bench = Bench::start().await;
    for state in ["up", "down"] {
        let params = json!({"resource_id": "x", "resource_name": "compute1", "state": state});
        assert_eq!(
            invalid_paths(
                bench
                    .run("change_nova_service_state", Execute, &params)
                    .await
            ),
            ["state"]
        );
    }
    let mut params = enable("compute1");
    params["disabled_reason"] = json!("why");
    assert_eq!(
        invalid_paths(
            bench
                .run("change_nova_service_state", Execute, &params)
                .await
        ),
        ["disabled_reason"]
    );
    let params = json!({"resource_name": "compute1", "state": "off"});
    assert_eq!(
        invalid_paths(
            bench
                .run("change_nova_service_state", Validate, &params)
                .await
        ),
        ["resource_id", "state"]
    );
    assert!(bench.nova.requests().is_empty(), "nothing reached Nova");
}

#[tokio::test]
async fn a_lost_answer_to_the_update_is_sent_again_and_the_service_ends_as_asked() {
    let bench = Bench::start().await;
    bench.nova.inject(Fault::HttpStatus {
        method: Some("PUT".into()),
        path_contains: "/os-services/".into(),
        status: 502,
        count: 1,
    });
    details(
        bench
            .run("change_nova_service_state", Execute, &disable("compute1"))
            .await,
    );
    assert_eq!(bench.service("compute1").await["status"], "disabled");
}

#[tokio::test]
async fn abort_says_there_is_nothing_to_stop() {
    let bench = Bench::start().await;
    let error = error(
        bench
            .run("change_nova_service_state", Abort, &disable("compute1"))
            .await,
    );
    assert!(problem(&error).contains("nothing to abort"), "{error:?}");
    assert!(bench.mutations().is_empty());
}
