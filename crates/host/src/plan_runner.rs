//! The plan runner on the registry: runs Watcher action plans (the `action-plan` crate's
//! executor) with each action type an installed plugin, each phase a sandboxed call, and the
//! parameters validated by the plugin's own `validate`.

use crate::bindings::{ActionError, Readiness};
use crate::call::Call;
use crate::error::{Explain, HostError, chain, kind};
use crate::events::{Observer, PluginEvent};
use crate::phase::{Phase, PhaseOutput};
use crate::registry::Registry;
use crate::sandbox::credentials::Credentials;
use action_plan::{Action, ActionFailure, ActionRunner, BoxFuture, ParameterValidator};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Receives each action's plugin events, tagged with the action's uuid.
pub type ActionObserver = Arc<dyn Fn(&str, &PluginEvent) + Send + Sync>;

/// Runs plan actions on the plugins of a registry, against one cloud.
pub struct PluginRunner {
    registry: Arc<Registry>,
    compute_endpoint: String,
    credentials: Option<Arc<dyn Credentials>>,
    deadline: Option<Duration>,
    observer: Option<ActionObserver>,
    tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
}

impl std::fmt::Debug for PluginRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginRunner")
            .field("compute_endpoint", &self.compute_endpoint)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl PluginRunner {
    /// A runner for `registry`'s plugins against `compute_endpoint` with `credentials`.
    pub fn new(
        registry: Arc<Registry>,
        compute_endpoint: String,
        credentials: Option<Arc<dyn Credentials>>,
    ) -> Self {
        PluginRunner {
            registry,
            compute_endpoint,
            credentials,
            deadline: None,
            observer: None,
            tls: None,
        }
    }

    /// The registry whose plugins it runs.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Each phase may take this long (the plugin's default otherwise).
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Whom to trust for HTTPS (a private CA); the Mozilla roots otherwise.
    pub fn with_tls(mut self, tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>) -> Self {
        self.tls = tls;
        self
    }

    /// Where the plugins' logs and progress go.
    pub fn with_observer(mut self, observer: ActionObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    fn call_for(&self, action: &Action) -> Call {
        let mut call = Call::new(self.compute_endpoint.clone(), None);
        call.credentials = self.credentials.clone();
        call.deadline = self.deadline;
        call.tls = self.tls.clone();
        call.request_id = format!("req-{}", action.uuid);
        if let Some(observer) = &self.observer {
            let (observer, uuid) = (observer.clone(), action.uuid.clone());
            call.observer = Arc::new(move |event: &PluginEvent| observer(&uuid, event)) as Observer;
        }
        call
    }

    async fn phase(&self, action: &Action, phase: Phase) -> Result<PhaseOutput, ActionFailure> {
        let params = action.input_parameters.to_string();
        let answer = self
            .registry
            .call(&action.action_type, &self.call_for(action), phase, &params)
            .await;
        answer
            .map_err(host_failure)?
            .result
            .map_err(|e| action_failure(&e))
    }
}

impl ActionRunner for PluginRunner {
    fn pre_condition<'a>(
        &'a self,
        action: &'a Action,
    ) -> BoxFuture<'a, Result<action_plan::Verdict, ActionFailure>> {
        Box::pin(async move {
            match self.phase(action, Phase::PreCondition).await? {
                PhaseOutput::Readiness(Readiness::Skip(reason)) => {
                    Ok(action_plan::Verdict::Skip(reason))
                }
                _ => Ok(action_plan::Verdict::Proceed),
            }
        })
    }

    fn execute<'a>(&'a self, action: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>> {
        Box::pin(async move { self.phase(action, Phase::Execute).await.map(summary) })
    }

    fn post_condition<'a>(
        &'a self,
        action: &'a Action,
    ) -> BoxFuture<'a, Result<(), ActionFailure>> {
        Box::pin(async move { self.phase(action, Phase::PostCondition).await.map(drop) })
    }

    fn abort<'a>(&'a self, action: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>> {
        Box::pin(async move { self.phase(action, Phase::Abort).await.map(summary) })
    }
}

/// The summary of an outcome (execute and abort answer one; nothing else reaches here).
fn summary(output: PhaseOutput) -> String {
    match output {
        PhaseOutput::Outcome(outcome) => outcome.summary,
        _ => String::new(),
    }
}

fn action_failure(error: &ActionError) -> ActionFailure {
    ActionFailure::new(kind(error), Explain(error).to_string())
}

fn host_failure(error: HostError) -> ActionFailure {
    ActionFailure::new("host", chain(&error))
}

/// Validates plan parameters with each plugin's own `validate` (no service is called).
#[derive(Debug)]
pub struct PluginValidator {
    registry: Arc<Registry>,
}

impl PluginValidator {
    /// A validator over `registry`'s plugins.
    pub fn new(registry: Arc<Registry>) -> Self {
        PluginValidator { registry }
    }
}

impl ParameterValidator for PluginValidator {
    fn validate<'a>(
        &'a self,
        action_type: &'a str,
        parameters: &'a Value,
    ) -> BoxFuture<'a, Result<(), Vec<String>>> {
        Box::pin(async move {
            let call = Call::new("http://127.0.0.1:9/", None);
            let answer = self
                .registry
                .call(action_type, &call, Phase::Validate, &parameters.to_string())
                .await;
            match answer.map(|a| a.result) {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(ActionError::InvalidInput(fields))) => Err(fields
                    .into_iter()
                    .map(|f| {
                        if f.path.is_empty() {
                            f.message
                        } else {
                            format!("{}: {}", f.path, f.message)
                        }
                    })
                    .collect()),
                Ok(Err(other)) => Err(vec![Explain(&other).to_string()]),
                Err(host) => Err(vec![chain(&host)]),
            }
        })
    }
}
