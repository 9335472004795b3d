//! Bad parameters: a typed `invalid-input`, and not one request reaches Nova.

use crate::harness::*;
use serde_json::{Value, json};
use wasm_action_host::{ActionError, Phase, PhaseOutput};

const VALID_ID: &str = "b9bab5bb-a8c3-4dd8-ae57-218338e27cd3";

/// Runs every phase that talks to Nova with `params`; each must refuse them without a request.
async fn refused_everywhere(params: Value) -> Vec<(String, String)> {
    let cloud = Bench::start().await;
    let mut fields = Vec::new();
    for phase in [
        Phase::Validate,
        Phase::PreCondition,
        Phase::Execute,
        Phase::Revert,
        Phase::Abort,
        Phase::PostCondition,
    ] {
        let error = error(cloud.run(phase, &params).await);
        let ActionError::InvalidInput(errors) = error else {
            panic!("{phase}: expected invalid-input, got {error:?}")
        };
        fields = errors.into_iter().map(|e| (e.path, e.message)).collect();
    }
    assert!(
        cloud.nova.requests().is_empty(),
        "no request may reach Nova"
    );
    fields
}

#[tokio::test]
async fn an_extra_key_is_invalid_input() {
    let mut params = cold(VALID_ID, "compute1", Some("compute2"));
    params["flavor"] = json!("m1.large");
    let fields = refused_everywhere(params).await;
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].0, "flavor");
    assert!(fields[0].1.contains("unknown parameter"), "{}", fields[0].1);
}

#[tokio::test]
async fn a_bad_uuid_is_invalid_input() {
    let fields = refused_everywhere(cold("not-a-uuid", "compute1", Some("compute2"))).await;
    assert_eq!(
        fields,
        vec![(
            "resource_id".to_string(),
            "'not-a-uuid' is not a UUID".to_string()
        )]
    );
}

#[tokio::test]
async fn a_wrong_type_is_invalid_input() {
    let mut params = cold(VALID_ID, "compute1", None);
    params["source_node"] = json!(42);
    let fields = refused_everywhere(params).await;
    assert_eq!(
        fields,
        vec![(
            "source_node".to_string(),
            "must be a string, not a number".to_string()
        )]
    );
}

#[tokio::test]
async fn an_unknown_migration_type_is_invalid_input() {
    let mut params = cold(VALID_ID, "compute1", None);
    params["migration_type"] = json!("teleport");
    let fields = refused_everywhere(params).await;
    assert_eq!(fields[0].0, "migration_type");
}

#[tokio::test]
async fn the_same_source_and_destination_is_invalid_input() {
    let fields = refused_everywhere(cold(VALID_ID, "compute1", Some("compute1"))).await;
    assert_eq!(fields[0].0, "destination_node");
}

#[tokio::test]
async fn every_problem_is_reported_at_once() {
    let fields =
        refused_everywhere(json!({"resource_id": 7, "source_node": "", "colour": "red"})).await;
    let paths: Vec<&str> = fields.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["colour", "resource_id", "migration_type", "source_node"]
    );
}

#[tokio::test]
async fn parameters_that_are_not_a_json_object_are_invalid_input() {
    let fields = refused_everywhere(json!(["resource_id"])).await;
    assert_eq!(fields[0].0, "");
}

#[tokio::test]
async fn the_schema_lists_the_watcher_parameters_and_forbids_others() {
    let cloud = Bench::start().await;
    let Ok(PhaseOutput::Schema(schema)) = cloud.run(Phase::Schema, &json!({})).await else {
        panic!("a schema")
    };
    let schema: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let mut names: Vec<&str> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec![
            "destination_node",
            "migration_type",
            "resource_id",
            "resource_name",
            "source_node"
        ]
    );
    // Watcher 17's own three: a plan without migration_type is refused, as Watcher refuses it.
    assert_eq!(
        schema["required"],
        json!(["resource_id", "migration_type", "source_node"])
    );
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(
        schema["properties"]["migration_type"]["enum"],
        json!(["live", "cold"])
    );
}

#[tokio::test]
async fn the_description_names_the_server_and_both_hosts() {
    let cloud = Bench::start().await;
    let mut params = cold(VALID_ID, "compute1", Some("compute3"));
    params["resource_name"] = json!("web-1");
    let Ok(PhaseOutput::Description(text)) = cloud.run(Phase::Description, &params).await else {
        panic!("a description")
    };
    assert_eq!(
        text,
        format!("cold migration of server web-1 ({VALID_ID}) from compute1 to compute3")
    );
}
