//! A token as Keystone shows it: `{"token": {methods, user, project, roles, catalog, ...}}`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clock::iso_micros_z;
use crate::config::{Config, Endpoint};
use crate::state::{IssuedToken, State};

/// The region `keystone-manage bootstrap --bootstrap-region-id` names: the only one with
/// identity endpoints in a Keystone 30 catalog.
pub(crate) const IDENTITY_REGION: &str = "RegionOne";

/// The body of a `201` from `POST /v3/auth/tokens` (or a `200` from `GET`).
pub(crate) fn token_body(
    state: &State,
    token: &IssuedToken,
    identity_url: &str,
    with_catalog: bool,
) -> Value {
    let config = &state.config;
    let mut body = json!({
        "methods": token.methods,
        "user": user(config, &token.user_id),
        "audit_ids": [uuid::Uuid::new_v4().simple().to_string()[..22].to_string()],
        "expires_at": iso_micros_z(token.expires_at),
        "issued_at": iso_micros_z(token.issued_at),
    });
    if let Some(project_id) = &token.project_id {
        body["project"] = project(config, project_id);
        body["is_domain"] = json!(false);
        body["roles"] = with_implied(&token.roles)
            .iter()
            .map(|r| json!({ "id": state.role_id(r), "name": r }))
            .collect();
        if with_catalog {
            body["catalog"] = catalog(&config.catalog, identity_url);
        }
    }
    if let Some(id) = &token.application_credential {
        let credential = config.application_credentials.iter().find(|c| &c.id == id);
        body["application_credential"] = json!({
            "id": id,
            "name": credential.map(|c| c.name.as_str()),
            "restricted": true,
        });
    }
    json!({ "token": body })
}

/// Keystone 30's bootstrap makes `admin` imply `manager`, `manager` imply `member` and
/// `member` imply `reader`; a token lists the roles granted and every role they imply.
pub(crate) fn with_implied(roles: &[String]) -> Vec<String> {
    const CHAIN: [&str; 4] = ["admin", "manager", "member", "reader"];
    let mut all: Vec<String> = Vec::new();
    for role in roles {
        let implied = match CHAIN.iter().position(|c| c == role) {
            Some(at) => CHAIN[at..].iter().map(|r| r.to_string()).collect(),
            None => vec![role.clone()],
        };
        for role in implied {
            if !all.contains(&role) {
                all.push(role);
            }
        }
    }
    all
}

fn domain(config: &Config, id: &str) -> Value {
    let name = config
        .domains
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.name.as_str());
    json!({ "id": id, "name": name.unwrap_or(id) })
}

fn user(config: &Config, id: &str) -> Value {
    let found = config.users.iter().find(|u| u.id == id);
    let (name, domain_id) = found.map_or((id, "default"), |u| (&u.name, &u.domain_id));
    json!({
        "domain": domain(config, domain_id),
        "id": id,
        "name": name,
        "password_expires_at": null,
    })
}

fn project(config: &Config, id: &str) -> Value {
    let found = config.projects.iter().find(|p| p.id == id);
    let (name, domain_id) = found.map_or((id, "default"), |p| (&p.name, &p.domain_id));
    json!({ "domain": domain(config, domain_id), "id": id, "name": name })
}

/// The configured endpoints grouped by service, plus identity (this double) in RegionOne only,
/// where bootstrap registers it.
fn catalog(endpoints: &[Endpoint], identity_url: &str) -> Value {
    let identity = ["public", "internal", "admin"].map(|interface| Endpoint {
        service_type: "identity".to_string(),
        interface: interface.to_string(),
        region: IDENTITY_REGION.to_string(),
        url: identity_url.to_string(),
    });
    let mut services: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in endpoints.iter().cloned().chain(identity) {
        services
            .entry(e.service_type.clone())
            .or_default()
            .push(json!({
                "id": format!("{}-{}-{}", e.service_type, e.region, e.interface),
                "interface": e.interface,
                "region_id": e.region,
                "region": e.region,
                "url": e.url,
            }));
    }
    let services = services.into_iter().map(|(service_type, endpoints)| {
        json!({
            "endpoints": endpoints,
            "id": format!("{service_type}-service-id"),
            "type": service_type,
            "name": service_name(&service_type),
        })
    });
    services.collect()
}

fn service_name(service_type: &str) -> &str {
    match service_type {
        "compute" => "nova",
        "identity" => "keystone",
        "image" => "glance",
        "network" => "neutron",
        "placement" => "placement",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_placement_as_keystoneauth_looks_it_up() {
        let config = Config::default().with_placement("RegionOne", "http://127.0.0.1:8778");
        let catalog = catalog(&config.catalog, "http://127.0.0.1:5000/v3");
        let services = catalog.as_array().expect("a list of services");
        let placement: Vec<&Value> = services
            .iter()
            .filter(|s| s["type"] == "placement")
            .collect();
        assert_eq!(placement.len(), 1, "{catalog}");
        assert_eq!(placement[0]["name"], "placement");
        let mut interfaces: Vec<&str> = placement[0]["endpoints"]
            .as_array()
            .expect("endpoints")
            .iter()
            .inspect(|e| {
                assert_eq!(e["region_id"], "RegionOne");
                assert_eq!(e["url"], "http://127.0.0.1:8778");
            })
            .filter_map(|e| e["interface"].as_str())
            .collect();
        interfaces.sort_unstable();
        assert_eq!(interfaces, ["admin", "internal", "public"]);
        // Compute and identity are still there.
        let mut types: Vec<&str> = services.iter().filter_map(|s| s["type"].as_str()).collect();
        types.sort_unstable();
        assert_eq!(types, ["compute", "identity", "placement"]);
    }

    #[test]
    fn identity_is_in_region_one_only_whatever_regions_compute_has() {
        let config = Config::default().with_compute("RegionTwo", "http://two.invalid/v2.1");
        let catalog = catalog(&config.catalog, "http://127.0.0.1:5000/v3");
        let services = catalog.as_array().expect("a list of services");
        let regions = |service_type: &str| -> Vec<String> {
            let service = services.iter().find(|s| s["type"] == service_type);
            let endpoints = service.and_then(|s| s["endpoints"].as_array());
            let mut regions: Vec<String> = endpoints
                .into_iter()
                .flatten()
                .filter_map(|e| e["region_id"].as_str().map(str::to_string))
                .collect();
            regions.dedup();
            regions
        };
        assert_eq!(regions("identity"), ["RegionOne"]);
        assert_eq!(regions("compute"), ["RegionOne", "RegionTwo"]);
    }

    #[test]
    fn a_token_names_each_role_by_a_uuid_the_double_keeps() {
        let state = State::new(Config::default());
        let token = IssuedToken {
            user_id: "admin".into(),
            project_id: Some("admin".into()),
            roles: vec!["admin".into()],
            methods: vec!["password"],
            issued_at: std::time::SystemTime::UNIX_EPOCH,
            expires_at: std::time::SystemTime::UNIX_EPOCH,
            application_credential: None,
        };
        let body = token_body(&state, &token, "http://127.0.0.1:5000/v3", false);
        let roles = body["token"]["roles"].as_array().expect("roles");
        let names: Vec<&str> = roles.iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(names, ["admin", "manager", "member", "reader"]);
        for role in roles {
            let id = role["id"].as_str().expect("an id");
            assert!(crate::state::is_uuid_hex(id), "{id}");
            assert_eq!(
                Some(id.to_string()),
                state
                    .role_ids
                    .get(role["name"].as_str().unwrap_or_default())
                    .cloned()
            );
        }
    }
}
