//! The [`Action`] trait and the contract's exports built from it.

use crate::bindings::exports::openstack::actions::action::Guest;
use crate::bindings::openstack::actions::types::Outcome as ContractOutcome;
use crate::bindings::openstack::actions::types::{
    ActionError, Context, FieldError, Readiness, RequestGrant,
};
use crate::errors::unsupported;
use crate::nova::{Nova, Request, Server};
use crate::params::{self, Field, Parameters};
use crate::wait::{self, Deadline};
use serde_json::Value;

/// A Watcher action. Every phase gets parameters that passed validation: bad input never
/// reaches Nova. Only `execute` and `describe` are required; the other phases default to what
/// an action with nothing to check, undo or stop does, saying so.
pub trait Action {
    /// Watcher's action type, e.g. `stop` (the schema's title).
    const NAME: &'static str;
    /// What the action does, in a sentence (the schema's description).
    const DESCRIPTION: &'static str;
    /// The `input_parameters`: the JSON Schema and the validation both come from this table.
    const PARAMETERS: &'static [Field];
    /// Every request the action may send; the host refuses anything else.
    const REQUESTS: &'static [Request];
    /// How long a phase may take when the host sets no deadline.
    const DEFAULT_DEADLINE_MS: u64 = wait::DEFAULT_DEADLINE_MS;

    /// The parameters in the action's own type.
    type Params;

    /// Builds the action's parameters from validated ones; a check across fields goes here.
    fn params(parameters: Parameters) -> Result<Self::Params, Vec<FieldError>>;

    /// One line saying what the action will do.
    fn describe(params: &Self::Params) -> String;

    /// Whether it should run: `Skip` when there is nothing to do, an error when it cannot work.
    fn pre_condition(_cx: &Cx, _params: &Self::Params) -> Result<Readiness, ActionError> {
        Ok(Readiness::Proceed)
    }

    /// Does the action and waits until it is done.
    fn execute(cx: &Cx, params: &Self::Params) -> Result<Outcome, ActionError>;

    /// Undoes a successful `execute`.
    fn revert(_cx: &Cx, _params: &Self::Params) -> Result<Outcome, ActionError> {
        Err(unsupported(
            format!("{} cannot be reverted", Self::NAME),
            None,
        ))
    }

    /// Stops an `execute` running elsewhere; fails when nothing can be stopped.
    fn abort(_cx: &Cx, _params: &Self::Params) -> Result<Outcome, ActionError> {
        Err(unsupported(
            format!(
                "{} cannot be aborted: once Nova has the request it runs to its end",
                Self::NAME
            ),
            None,
        ))
    }

    /// Checks that `execute` had the intended effect.
    fn post_condition(_cx: &Cx, _params: &Self::Params) -> Result<(), ActionError> {
        Ok(())
    }
}

/// What a phase works with: Nova, its deadline and the call's context.
#[derive(Debug)]
pub struct Cx {
    /// The compute API at the call's endpoint.
    pub nova: Nova,
    /// When the phase must be over.
    pub deadline: Deadline,
    /// The host's context of this call (endpoint, request id, deadline).
    pub context: Context,
    /// The phase's name, for progress reports (`execute`, `revert`, ...).
    pub phase: &'static str,
}

impl Cx {
    fn new<A: Action>(context: Context, phase: &'static str) -> Result<Cx, ActionError> {
        let nova = Nova::new(&context.compute_endpoint)?;
        let deadline = Deadline::after(context.deadline_ms.unwrap_or(A::DEFAULT_DEADLINE_MS));
        Ok(Cx {
            nova,
            deadline,
            context,
            phase,
        })
    }

    /// Polls server `id` until it is settled in one of `targets` (the wait is over), or shows
    /// one of `failures` (Nova failed it: an error naming the status and Nova's fault), or the
    /// deadline passes; openstacksdk's `wait_for_status`, reporting progress as it goes.
    pub fn wait_for_status(
        &self,
        id: &str,
        targets: &[&str],
        failures: &[&str],
    ) -> Result<Server, ActionError> {
        wait::wait_for_status(&self.nova, id, self.deadline, self.phase, targets, failures)
    }

    /// Polls server `id` until `check` says done or fails, or the deadline passes; `waiting_for`
    /// names the wait in progress reports and in the timeout error.
    pub fn wait_for<T>(
        &self,
        id: &str,
        waiting_for: &str,
        check: impl FnMut(&Server) -> Result<wait::Step<T>, ActionError>,
    ) -> Result<T, ActionError> {
        wait::wait_for(
            &self.nova,
            id,
            self.deadline,
            self.phase,
            waiting_for,
            check,
        )
    }

    /// Reads server `id`, which must exist.
    pub fn server(&self, id: &str) -> Result<Server, ActionError> {
        self.nova.existing_server(id)
    }

    /// How long the phase has run, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.deadline.elapsed_ms()
    }
}

/// What a phase did: one line for humans and a JSON object of facts, to which the export adds
/// the phase's elapsed time and request count before it becomes the contract's `outcome`.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// One line for humans.
    pub summary: String,
    /// The facts (ids, hosts, statuses).
    pub details: Value,
}

/// An outcome of `summary` and `details`.
pub fn outcome(summary: String, details: Value) -> Outcome {
    Outcome { summary, details }
}

fn parse<A: Action>(text: &str) -> Result<A::Params, ActionError> {
    let parameters = params::parse(A::PARAMETERS, text).map_err(ActionError::InvalidInput)?;
    A::params(parameters).map_err(ActionError::InvalidInput)
}

/// Validates, then runs `phase` with a fresh context.
fn run<A: Action, T>(
    context: Context,
    text: &str,
    phase: &'static str,
    body: impl FnOnce(&Cx, &A::Params) -> Result<T, ActionError>,
) -> Result<(T, Cx), ActionError> {
    let params = parse::<A>(text)?;
    let cx = Cx::new::<A>(context, phase)?;
    let result = body(&cx, &params)?;
    Ok((result, cx))
}

/// The contract's outcome, with what every outcome carries: the phase's time and the requests
/// it made.
fn stamped((outcome, cx): (Outcome, Cx)) -> ContractOutcome {
    let mut details = outcome.details;
    if let Some(object) = details.as_object_mut() {
        object
            .entry("elapsed_ms")
            .or_insert_with(|| cx.elapsed_ms().into());
        object
            .entry("api_calls")
            .or_insert_with(|| cx.nova.calls().into());
    }
    ContractOutcome {
        summary: outcome.summary,
        details: details.to_string(),
    }
}

impl<A: Action> Guest for A {
    fn capabilities() -> Vec<RequestGrant> {
        A::REQUESTS.iter().map(Request::grant).collect()
    }

    fn schema() -> String {
        params::schema(A::NAME, A::DESCRIPTION, A::PARAMETERS)
    }

    fn description(params: String) -> Result<String, ActionError> {
        parse::<A>(&params).map(|p| A::describe(&p))
    }

    fn validate(params: String) -> Result<(), ActionError> {
        parse::<A>(&params).map(drop)
    }

    fn pre_condition(ctx: Context, params: String) -> Result<Readiness, ActionError> {
        run::<A, _>(ctx, &params, "pre_condition", A::pre_condition).map(|(r, _)| r)
    }

    fn execute(ctx: Context, params: String) -> Result<ContractOutcome, ActionError> {
        run::<A, _>(ctx, &params, "execute", A::execute).map(stamped)
    }

    fn revert(ctx: Context, params: String) -> Result<ContractOutcome, ActionError> {
        run::<A, _>(ctx, &params, "revert", A::revert).map(stamped)
    }

    fn abort(ctx: Context, params: String) -> Result<ContractOutcome, ActionError> {
        run::<A, _>(ctx, &params, "abort", A::abort).map(stamped)
    }

    fn post_condition(ctx: Context, params: String) -> Result<(), ActionError> {
        run::<A, _>(ctx, &params, "post_condition", A::post_condition).map(drop)
    }
}
