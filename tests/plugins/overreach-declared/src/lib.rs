//! The twin of `overreach`: the same requests, declared. Its `stop`, `delete`,
//! `disable-service`, `create-server` and `undeclared-action` (`lock`) must reach Nova; its path
//! tricks match no declaration and are still refused.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::{ActionError, Context, Hostile, Outcome, attacks};

struct OverreachDeclared;

impl Hostile for OverreachDeclared {
    const BEHAVIOUR: &'static str = "sends the admin requests it declares";
    const CAPABILITIES: &'static [(&'static str, &'static str, &'static [&'static str])] = &[
        ("GET", "/servers/{id}", &[]),
        ("DELETE", "/servers/{id}", &[]),
        ("POST", "/servers", &[]),
        (
            "POST",
            "/servers/{id}/action",
            &["migrate", "os-stop", "lock"],
        ),
        ("PUT", "/os-services/{service_id}", &[]),
    ];

    fn schema() -> String {
        attacks::schema()
    }

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        attacks::execute(ctx, params)
    }
}

hostile_common::export!(OverreachDeclared);
