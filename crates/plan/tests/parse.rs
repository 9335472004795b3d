//! Reading plan files in Watcher's JSON shapes.

use action_plan::{Action, Plan, PlanError};
use serde_json::json;

#[test]
fn watcher_document_keeps_plan_uuid_name_and_action_fields() {
    let plan = Plan::from_json_str(
        r#"{"uuid": "p-1", "name": "rebalance", "actions": [
            {"uuid": "a", "action_type": "migrate",
             "input_parameters": {"resource_id": "s-1", "migration_type": "live"},
             "parents": []},
            {"uuid": "b", "action_type": "migrate", "input_parameters": {}, "parents": ["a"],
             "state": "PENDING", "description": "ignored Watcher field"}
        ]}"#,
    )
    .expect("a Watcher action plan document parses");
    assert_eq!(plan.uuid.as_deref(), Some("p-1"));
    assert_eq!(plan.name.as_deref(), Some("rebalance"));
    let expected_a = Action::new("a", "migrate")
        .with_parameters(json!({"resource_id": "s-1", "migration_type": "live"}));
    assert_eq!(
        plan.actions,
        [expected_a, Action::new("b", "migrate").with_parents(["a"])]
    );
}

#[test]
fn top_level_array_is_a_plan_without_uuid_or_name() {
    let plan = Plan::from_json_str(r#" [{"uuid": "a", "action_type": "nop"}]"#)
        .expect("a bare array of actions parses");
    assert_eq!(plan, Plan::new(vec![Action::new("a", "nop")]));
}

#[test]
fn missing_or_null_parameters_and_parents_read_as_empty() {
    let plan = Plan::from_json_str(
        r#"[{"uuid": "a", "action_type": "nop", "input_parameters": null, "parents": null},
            {"uuid": "b", "action_type": "nop"}]"#,
    )
    .expect("null and missing optional fields parse");
    assert!(
        plan.actions
            .iter()
            .all(|a| a.input_parameters == json!({}) && a.parents.is_empty())
    );
}

#[test]
fn malformed_plan_error_names_the_line_and_the_expected_shape() {
    let error = Plan::from_json_str("{\"actions\": [\n  {\"uuid\": \"a\"}\n]}")
        .expect_err("an action without action_type is rejected");
    assert!(matches!(error, PlanError::Parse { .. }));
    let message = error.to_string();
    assert!(message.contains("missing field `action_type`"), "{message}");
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("bare array of actions"), "{message}");
}

#[test]
fn unreadable_file_error_names_the_path() {
    let path = std::path::Path::new("/nonexistent/plan.json");
    let error = Plan::from_path(path).expect_err("a missing file cannot be read");
    assert!(
        error.to_string().contains("/nonexistent/plan.json"),
        "{error}"
    );
}
