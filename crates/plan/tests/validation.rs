//! Validation reports every problem of a plan at once, before anything runs.

mod support;

use std::sync::Mutex;

use action_plan::{
    Action, AsyncValidator, Plan, PlanError, ValidationIssue, ValidationProblem, ValidationReport,
    validate,
};
use serde_json::{Value, json};
use support::plan_of;

fn accept_all(_: &str, _: &Value) -> Result<(), Vec<String>> {
    Ok(())
}

async fn issues_of(plan: Plan) -> Vec<ValidationIssue> {
    validate(plan, &["nop", "migrate"], &accept_all)
        .await
        .expect_err("the plan is invalid")
        .issues
}

fn issue(uuid: &str, problem: ValidationProblem) -> ValidationIssue {
    ValidationIssue {
        uuid: Some(uuid.to_owned()),
        problem,
    }
}

#[tokio::test]
async fn unknown_action_type_is_reported_with_the_known_types() {
    let plan = Plan::new(vec![Action::new("a", "migrat")]);
    let known = vec!["migrate".to_owned(), "nop".to_owned()];
    let problem = ValidationProblem::UnknownActionType {
        action_type: "migrat".to_owned(),
        known,
    };
    assert_eq!(issues_of(plan).await, [issue("a", problem)]);
}

#[tokio::test]
async fn rejected_parameters_carry_every_validator_message() {
    let plan = Plan::new(vec![
        Action::new("a", "migrate").with_parameters(json!({"x": 1})),
    ]);
    let strict = |_: &str, _: &Value| {
        Err(vec![
            "resource_id is required".into(),
            "x is unknown".into(),
        ])
    };
    let report = validate(plan, &["migrate"], &strict)
        .await
        .expect_err("parameters are rejected");
    let messages = vec![
        "resource_id is required".to_owned(),
        "x is unknown".to_owned(),
    ];
    let problem = ValidationProblem::InvalidParameters { messages };
    assert_eq!(report.issues, [issue("a", problem)]);
}

#[tokio::test]
async fn duplicate_uuid_is_reported_once_with_its_count() {
    let plan = plan_of(&[("a", &[]), ("a", &[]), ("b", &[]), ("a", &[])]);
    assert_eq!(
        issues_of(plan).await,
        [issue("a", ValidationProblem::DuplicateUuid { count: 3 })]
    );
}

#[tokio::test]
async fn missing_parent_is_named() {
    let plan = plan_of(&[("a", &[]), ("b", &["a", "ghost"])]);
    let problem = ValidationProblem::MissingParent {
        parent: "ghost".to_owned(),
    };
    assert_eq!(issues_of(plan).await, [issue("b", problem)]);
}

#[tokio::test]
async fn cycle_names_every_uuid_on_it_in_order() {
    let plan = plan_of(&[
        ("root", &[]),
        ("a", &["root", "c"]),
        ("b", &["a"]),
        ("c", &["b"]),
        ("after", &["c"]),
    ]);
    let path = ["a", "b", "c", "a"].map(str::to_owned).to_vec();
    assert_eq!(
        issues_of(plan).await,
        [issue("a", ValidationProblem::Cycle { path })]
    );
}

#[tokio::test]
async fn action_that_is_its_own_parent_is_a_cycle() {
    let plan = plan_of(&[("a", &["a"])]);
    let path = vec!["a".to_owned(), "a".to_owned()];
    assert_eq!(
        issues_of(plan).await,
        [issue("a", ValidationProblem::Cycle { path })]
    );
}

#[tokio::test]
async fn empty_plan_is_a_plan_wide_problem() {
    let expected = ValidationIssue {
        uuid: None,
        problem: ValidationProblem::EmptyPlan,
    };
    assert_eq!(issues_of(Plan::new(Vec::new())).await, [expected]);
}

#[tokio::test]
async fn every_problem_is_reported_together_in_one_report() {
    let mut plan = plan_of(&[
        ("a", &["b"]),
        ("b", &["a"]),
        ("b", &[]),
        ("c", &["ghost"]),
        ("", &[]),
    ]);
    plan.actions[3].action_type = "teleport".to_owned();
    let report = validate(plan, &["nop"], &accept_all)
        .await
        .expect_err("the plan is invalid");
    let kinds: Vec<(Option<&str>, &str)> = report
        .issues
        .iter()
        .map(|i| (i.uuid.as_deref(), problem_name(&i.problem)))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("b"), "duplicate_uuid"),
            (Some(""), "empty_uuid"),
            (Some("c"), "unknown_action_type"),
            (Some("c"), "missing_parent"),
            (Some("a"), "cycle"),
        ]
    );
    let text = PlanError::from(report).to_string();
    assert!(text.starts_with("the action plan has 5 problems; nothing was executed\n  - action \"b\": 2 actions share this uuid"), "{text}");
    assert!(
        text.contains("action \"a\": actions wait on each other in a cycle: a → b → a"),
        "{text}"
    );
}

#[tokio::test]
async fn async_validator_is_asked_about_known_types_only() {
    let asked = Mutex::new(Vec::new());
    let validator = AsyncValidator::new(|action_type, params| {
        asked
            .lock()
            .expect("no panic holding the lock")
            .push(action_type.to_owned());
        let bad = params.get("bad").is_some();
        Box::pin(async move {
            tokio::task::yield_now().await;
            if bad {
                Err(vec!["bad is not a parameter".to_owned()])
            } else {
                Ok(())
            }
        })
    });
    let plan = Plan::new(vec![
        Action::new("a", "migrate"),
        Action::new("b", "teleport"),
        Action::new("c", "migrate").with_parameters(json!({"bad": true})),
    ]);
    let known = vec!["migrate".to_owned()];
    let report = validate(plan, &known, &validator)
        .await
        .expect_err("c is invalid");
    assert_eq!(
        *asked.lock().expect("no panic holding the lock"),
        ["migrate", "migrate"]
    );
    assert_eq!(report.issues.len(), 2);
    assert_eq!(
        report.issues[1].problem,
        ValidationProblem::InvalidParameters {
            messages: vec!["bad is not a parameter".to_owned()]
        }
    );
}

#[tokio::test]
async fn validation_report_serialises_one_object_per_problem() {
    let report: ValidationReport = validate(plan_of(&[("b", &["ghost"])]), &["nop"], &accept_all)
        .await
        .expect_err("ghost is missing");
    let json = serde_json::to_value(&report).expect("a report serialises");
    assert_eq!(
        json,
        json!({"issues": [{"uuid": "b", "problem": "missing_parent", "parent": "ghost"}]})
    );
}

fn problem_name(problem: &ValidationProblem) -> &'static str {
    match problem {
        ValidationProblem::EmptyPlan => "empty_plan",
        ValidationProblem::EmptyUuid => "empty_uuid",
        ValidationProblem::DuplicateUuid { .. } => "duplicate_uuid",
        ValidationProblem::UnknownActionType { .. } => "unknown_action_type",
        ValidationProblem::InvalidParameters { .. } => "invalid_parameters",
        ValidationProblem::MissingParent { .. } => "missing_parent",
        ValidationProblem::Cycle { .. } => "cycle",
    }
}
