//! Validation before anything runs: every problem of a plan in one report.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use futures_core::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;

use crate::graph::Graph;
use crate::plan::{Action, Plan};

/// Checks an action's input parameters, typically through the plugin's own `validate`.
///
/// Any `Fn(&str, &Value) -> Result<(), Vec<String>> + Sync` closure is a validator; wrap an
/// asynchronous one in [`AsyncValidator`], or implement the trait on your own type.
pub trait ParameterValidator: Sync {
    /// Checks `parameters` for an action of `action_type`; `Err` lists every problem found.
    fn validate<'a>(
        &'a self,
        action_type: &'a str,
        parameters: &'a Value,
    ) -> BoxFuture<'a, Result<(), Vec<String>>>;
}

impl<F> ParameterValidator for F
where
    F: Fn(&str, &Value) -> Result<(), Vec<String>> + Sync,
{
    fn validate<'a>(
        &'a self,
        action_type: &'a str,
        parameters: &'a Value,
    ) -> BoxFuture<'a, Result<(), Vec<String>>> {
        Box::pin(std::future::ready(self(action_type, parameters)))
    }
}

/// An asynchronous validator made of a closure that returns a boxed future.
pub struct AsyncValidator<F>(pub F);

impl<F> AsyncValidator<F>
where
    F: for<'a> Fn(&'a str, &'a Value) -> BoxFuture<'a, Result<(), Vec<String>>> + Sync,
{
    /// Wraps `check`; going through `new` lets the compiler infer the closure's signature,
    /// so `AsyncValidator::new(|action_type, parameters| Box::pin(async move { ... }))` works.
    pub fn new(check: F) -> Self {
        Self(check)
    }
}

impl<F> ParameterValidator for AsyncValidator<F>
where
    F: for<'a> Fn(&'a str, &'a Value) -> BoxFuture<'a, Result<(), Vec<String>>> + Sync,
{
    fn validate<'a>(
        &'a self,
        action_type: &'a str,
        parameters: &'a Value,
    ) -> BoxFuture<'a, Result<(), Vec<String>>> {
        (self.0)(action_type, parameters)
    }
}

impl<F> fmt::Debug for AsyncValidator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AsyncValidator(..)")
    }
}

/// What is wrong with a plan or one of its actions; a [`ValidationIssue`] says which action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ValidationProblem {
    /// The plan has no action at all.
    #[error("the plan has no actions")]
    EmptyPlan,
    /// The action's uuid is empty.
    #[error("the action has an empty uuid")]
    EmptyUuid,
    /// Several actions share this uuid.
    #[error("{count} actions share this uuid")]
    DuplicateUuid {
        /// How many actions have it.
        count: usize,
    },
    /// No plugin runs this action type.
    #[error("unknown action type {action_type:?}; known types: {}", known.join(", "))]
    UnknownActionType {
        /// The type the action names.
        action_type: String,
        /// The types that can run, sorted.
        known: Vec<String>,
    },
    /// The validator rejected the input parameters.
    #[error("invalid input_parameters: {}", messages.join("; "))]
    InvalidParameters {
        /// Every problem the validator found.
        messages: Vec<String>,
    },
    /// A parent names no action of the plan.
    #[error("parent {parent:?} is not an action of this plan")]
    MissingParent {
        /// The uuid that was not found.
        parent: String,
    },
    /// Actions wait on each other in a circle, so none of them could ever start.
    #[error("actions wait on each other in a cycle: {} (each is a parent of the next)", path.join(" → "))]
    Cycle {
        /// The uuids along the cycle, first and last the same.
        path: Vec<String>,
    },
}

/// One [`ValidationProblem`] found by validation, and the action it concerns (none for a
/// plan-wide problem).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationIssue {
    /// The uuid of the action concerned, when there is one.
    pub uuid: Option<String>,
    /// What is wrong.
    #[serde(flatten)]
    pub problem: ValidationProblem,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.uuid {
            Some(uuid) => write!(f, "action {uuid:?}: {}", self.problem),
            None => write!(f, "plan: {}", self.problem),
        }
    }
}

/// Every problem of a plan that failed validation; nothing of it was executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationReport {
    /// One entry per problem: uuid problems first, then each action's own in plan order, and
    /// cycles last.
    pub issues: Vec<ValidationIssue>,
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.issues.len();
        let plural = if count == 1 { "" } else { "s" };
        write!(
            f,
            "the action plan has {count} problem{plural}; nothing was executed"
        )?;
        for issue in &self.issues {
            write!(f, "\n  - {issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationReport {}

/// A plan that passed validation: the only thing an executor runs.
#[derive(Debug, Clone)]
pub struct ValidatedPlan {
    uuid: Option<String>,
    name: Option<String>,
    actions: Vec<Arc<Action>>,
    graph: Graph,
}

impl ValidatedPlan {
    /// The plan's uuid, when the file named one.
    pub fn uuid(&self) -> Option<&str> {
        self.uuid.as_deref()
    }

    /// The plan's name, when the file named one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The actions in plan order.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &Action> {
        self.actions.iter().map(|action| &**action)
    }

    pub(crate) fn shared_action(&self, index: usize) -> Arc<Action> {
        Arc::clone(&self.actions[index])
    }

    pub(crate) fn graph(&self) -> &Graph {
        &self.graph
    }
}

/// Checks `plan` against the action types that can run and their parameter validator.
///
/// Reports every problem at once: an empty plan, empty or duplicate uuids, unknown action types,
/// parameters the validator rejects (asked only for known types), parents that are not in the
/// plan, and cycles. Nothing is executed; only a [`ValidatedPlan`] can be run.
pub async fn validate<V>(
    plan: Plan,
    known_types: &[impl AsRef<str>],
    validator: &V,
) -> Result<ValidatedPlan, ValidationReport>
where
    V: ParameterValidator + ?Sized,
{
    let known: BTreeSet<&str> = known_types.iter().map(AsRef::as_ref).collect();
    let mut issues = Vec::new();
    if plan.actions.is_empty() {
        issues.push(plan_issue(ValidationProblem::EmptyPlan));
    }
    issues.extend(uuid_issues(&plan.actions));
    let uuids: HashSet<&str> = plan.actions.iter().map(|a| a.uuid.as_str()).collect();
    for action in &plan.actions {
        issues.extend(action_issues(action, &known, validator, &uuids).await);
    }
    let graph = Graph::new(&plan.actions);
    issues.extend(cycle_issues(&graph, &plan.actions));
    if !issues.is_empty() {
        return Err(ValidationReport { issues });
    }
    Ok(ValidatedPlan {
        uuid: plan.uuid,
        name: plan.name,
        actions: plan.actions.into_iter().map(Arc::new).collect(),
        graph,
    })
}

fn plan_issue(problem: ValidationProblem) -> ValidationIssue {
    ValidationIssue {
        uuid: None,
        problem,
    }
}

fn issue(uuid: &str, problem: ValidationProblem) -> ValidationIssue {
    ValidationIssue {
        uuid: Some(uuid.to_owned()),
        problem,
    }
}

/// Empty uuids, and each shared uuid once, at its first action.
fn uuid_issues(actions: &[Action]) -> Vec<ValidationIssue> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for action in actions {
        *counts.entry(action.uuid.as_str()).or_default() += 1;
    }
    let mut issues = Vec::new();
    let mut reported = BTreeSet::new();
    for action in actions {
        let uuid = action.uuid.as_str();
        if uuid.trim().is_empty() {
            issues.push(issue(uuid, ValidationProblem::EmptyUuid));
        } else if counts[uuid] > 1 && reported.insert(uuid) {
            let count = counts[uuid];
            issues.push(issue(uuid, ValidationProblem::DuplicateUuid { count }));
        }
    }
    issues
}

/// The action's own problems: its type, its parameters, its parents.
async fn action_issues<V: ParameterValidator + ?Sized>(
    action: &Action,
    known: &BTreeSet<&str>,
    validator: &V,
    uuids: &HashSet<&str>,
) -> Vec<ValidationIssue> {
    let mut issues = Vec::new();
    let uuid = action.uuid.as_str();
    if !known.contains(action.action_type.as_str()) {
        let problem = ValidationProblem::UnknownActionType {
            action_type: action.action_type.clone(),
            known: known.iter().map(|known| (*known).to_owned()).collect(),
        };
        issues.push(issue(uuid, problem));
    } else if let Err(messages) = validator
        .validate(&action.action_type, &action.input_parameters)
        .await
    {
        let problem = ValidationProblem::InvalidParameters { messages };
        issues.push(issue(uuid, problem));
    }
    for parent in &action.parents {
        if !uuids.contains(parent.as_str()) {
            let problem = ValidationProblem::MissingParent {
                parent: parent.clone(),
            };
            issues.push(issue(uuid, problem));
        }
    }
    issues
}

fn cycle_issues(graph: &Graph, actions: &[Action]) -> Vec<ValidationIssue> {
    graph
        .cycles()
        .into_iter()
        .map(|cycle| {
            let path: Vec<String> = cycle.iter().map(|&i| actions[i].uuid.clone()).collect();
            let first = path.first().cloned();
            ValidationIssue {
                uuid: first,
                problem: ValidationProblem::Cycle { path },
            }
        })
        .collect()
}
