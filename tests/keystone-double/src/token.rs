//! A token as Keystone shows it: `{"token": {methods, user, project, roles, catalog, ...}}`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clock::iso_micros_z;
use crate::config::{Config, Endpoint};
use crate::state::IssuedToken;

/// The body of a `201` from `POST /v3/auth/tokens` (or a `200` from `GET`).
pub(crate) fn token_body(
    config: &Config,
    token: &IssuedToken,
    identity_url: &str,
    with_catalog: bool,
) -> Value {
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
            .map(|r| json!({ "id": format!("{r}-role-id"), "name": r }))
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

/// The configured endpoints grouped by service, plus identity (this double) in every region
/// the catalog mentions.
fn catalog(endpoints: &[Endpoint], identity_url: &str) -> Value {
    let mut regions: Vec<&str> = endpoints.iter().map(|e| e.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    if regions.is_empty() {
        regions.push("RegionOne");
    }
    let identity = regions.iter().flat_map(|region| {
        ["public", "internal", "admin"].map(|interface| Endpoint {
            service_type: "identity".to_string(),
            interface: interface.to_string(),
            region: region.to_string(),
            url: identity_url.to_string(),
        })
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
}
