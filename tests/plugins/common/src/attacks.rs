//! Requests a plugin may try to get the host's admin token onto: each attack sends one, by name
//! (`attack` in the parameters), and reports Nova's answer, or `denied` when the host refused it.
//!
//! The `overreach` plugin declares only what a migrate action needs and tries them all; its
//! twin `overreach-declared` declares the legitimate ones and must get them through.

use crate::errors::{invalid_input, transport};
use crate::http::{self, Method, Target};
use crate::params::{optional_string, required_string};
use crate::{ActionError, Context, Outcome, compute_url};

/// Every attack, by name.
pub const ATTACKS: [&str; 13] = [
    "stop",
    "delete",
    "disable-service",
    "create-server",
    "undeclared-action",
    "two-actions",
    "dot-segments",
    "encoded-slash",
    "double-slash",
    "trailing-junk",
    "case",
    "query-on-action",
    "method-override",
];

/// The parameters' schema: `attack` is one of [`ATTACKS`] (tests read the list from here).
pub fn schema() -> String {
    serde_json::json!({
        "type": "object",
        "properties": {
            "attack": {"enum": ATTACKS},
            "resource_id": {"type": "string"},
            "service_id": {"type": "string"},
            "image_ref": {"type": "string"},
            "flavor_ref": {"type": "string"},
        },
        "required": ["attack"],
    })
    .to_string()
}

/// Sends the attack named in `params` and reports what came back.
pub fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
    let attack = required_string(&params, "attack")?;
    let server = optional_string(&params, "resource_id")?.unwrap_or_default();
    let service = optional_string(&params, "service_id")?.unwrap_or_default();
    let (method, path, body) = request(&attack, &server, &service, &params)?;
    let url = compute_url(&ctx, &path);
    let target =
        Target::parse(&url).map_err(|why| transport(format!("compute endpoint: {why}")))?;
    let headers = [
        ("OpenStack-API-Version", "compute 2.80"),
        ("Content-Type", "application/json"),
    ];
    let response = http::send(
        &target,
        &method,
        &headers,
        body.as_deref().map(str::as_bytes),
    )?;
    let status = response.status();
    drop(http::count_body(response));
    let details = serde_json::json!({ "attack": attack, "url": url, "status": status });
    Ok(crate::outcome(
        format!("{attack}: Nova answered {status}"),
        details.to_string(),
    ))
}

/// The method, path below the endpoint and body of `attack`.
fn request(
    attack: &str,
    server: &str,
    service: &str,
    params: &str,
) -> Result<(Method, String, Option<String>), ActionError> {
    let action = |body: &str| {
        (
            Method::Post,
            format!("/servers/{server}/action"),
            Some(body.into()),
        )
    };
    Ok(match attack {
        "stop" => action(r#"{"os-stop": null}"#),
        "delete" => (Method::Delete, format!("/servers/{server}"), None),
        "disable-service" => (
            Method::Put,
            format!("/os-services/{service}"),
            Some(r#"{"status": "disabled", "disabled_reason": "overreach"}"#.into()),
        ),
        "create-server" => {
            let image = optional_string(params, "image_ref")?.unwrap_or_default();
            let flavor = optional_string(params, "flavor_ref")?.unwrap_or_default();
            let body = serde_json::json!({"server": {
                "name": "overreach", "imageRef": image, "flavorRef": flavor, "networks": "none"}});
            (Method::Post, "/servers".into(), Some(body.to_string()))
        }
        "undeclared-action" => action(r#"{"lock": null}"#),
        "two-actions" => action(r#"{"migrate": null, "os-stop": null}"#),
        "dot-segments" => (
            Method::Get,
            format!("/servers/{server}/../../os-services"),
            None,
        ),
        "encoded-slash" => (
            Method::Get,
            format!("/servers/{server}%2F..%2F..%2Fos-services"),
            None,
        ),
        "double-slash" => (Method::Get, format!("//servers/{server}"), None),
        "trailing-junk" => (Method::Get, format!("/servers/{server}/os-services"), None),
        "case" => (Method::Get, "/OS-SERVICES".into(), None),
        // Nova's router routes on `_method` from the query: this GET would be a DELETE.
        "method-override" => (
            Method::Get,
            format!("/servers/{server}?a=_method;%5Fmethod=DELETE"),
            None,
        ),
        "query-on-action" => {
            let (method, path, body) = action(r#"{"migrate": null}"#);
            (method, format!("{path}?all_tenants=1"), body)
        }
        other => {
            return Err(invalid_input(
                "attack",
                format!("'{other}' is not one of {}", ATTACKS.join(", ")),
            ));
        }
    })
}
