//! Declares only what a migrate action needs (the server, its `migrate` action), then sends,
//! by the `attack` parameter, what it did not declare: stops, deletes or creates a server,
//! disables a compute service, names an undeclared action or two, or smuggles a path (`..`,
//! `%2F`, `//`, trailing segments, upper case, a query on an action). The host must refuse each
//! before adding its token.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::{ActionError, Context, Hostile, Outcome, attacks};

struct Overreach;

impl Hostile for Overreach {
    const BEHAVIOUR: &'static str = "sends admin requests it did not declare";
    const CAPABILITIES: &'static [(&'static str, &'static str, &'static [&'static str])] = &[
        ("GET", "/servers/{id}", &[]),
        ("POST", "/servers/{id}/action", &["migrate"]),
    ];

    fn schema() -> String {
        attacks::schema()
    }

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        attacks::execute(ctx, params)
    }
}

hostile_common::export!(Overreach);
