//! The service catalog of a token, and finding the compute endpoint in it by interface and
//! region.

use serde::Deserialize;

use crate::error::AuthError;
use crate::options::Interface;

/// `token.catalog`: services with their endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct Catalog(Vec<Service>);

#[derive(Debug, Clone, Deserialize)]
struct Service {
    #[serde(rename = "type")]
    service_type: String,
    #[serde(default)]
    endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Deserialize)]
struct Endpoint {
    interface: String,
    #[serde(default)]
    region_id: Option<String>,
    #[serde(default)]
    region: Option<String>,
    url: String,
}

impl Endpoint {
    fn region(&self) -> &str {
        self.region_id
            .as_deref()
            .or(self.region.as_deref())
            .unwrap_or("")
    }

    fn is(&self, interface: Interface) -> bool {
        Interface::parse(&self.interface) == Some(interface)
    }
}

impl Catalog {
    /// The compute endpoint for `interface` in `region`. Without a region, the catalog's
    /// compute endpoints for the interface must all be in one region: picking the first of
    /// several (as keystoneauth does) could act on the wrong cloud.
    pub(crate) fn compute_endpoint(
        &self,
        interface: Interface,
        region: Option<&str>,
    ) -> Result<String, AuthError> {
        let compute: Vec<&Endpoint> = self
            .0
            .iter()
            .filter(|s| s.service_type == "compute")
            .flat_map(|s| &s.endpoints)
            .collect();
        let matching: Vec<&&Endpoint> = compute
            .iter()
            .filter(|e| e.is(interface))
            .filter(|e| region.is_none_or(|r| e.region() == r || e.region.as_deref() == Some(r)))
            .collect();
        let mut regions: Vec<String> = matching.iter().map(|e| e.region().to_string()).collect();
        regions.sort();
        regions.dedup();
        match (matching.first(), regions.len()) {
            (Some(endpoint), 1) => Ok(endpoint.url.trim_end_matches('/').to_string()),
            (Some(_), _) => Err(AuthError::AmbiguousRegion {
                interface: interface.as_str().to_string(),
                regions,
            }),
            (None, _) => Err(AuthError::NoComputeEndpoint {
                interface: interface.as_str().to_string(),
                region: region.map(str::to_string),
                available: compute
                    .iter()
                    .map(|e| format!("{}/{}", e.interface, e.region()))
                    .collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Catalog {
        let endpoint = |interface: &str, region: &str, url: &str| json!({ "interface": interface, "region_id": region, "region": region, "url": url });
        let body = json!([
            { "type": "identity", "endpoints": [endpoint("public", "RegionOne", "http://k/v3")] },
            { "type": "compute", "endpoints": [
                endpoint("public", "RegionOne", "http://one-public/v2.1/"),
                endpoint("internal", "RegionOne", "http://one-internal/v2.1"),
                endpoint("public", "RegionTwo", "http://two-public/v2.1"),
            ] },
        ]);
        serde_json::from_value(body).unwrap_or_default()
    }

    #[test]
    fn picks_interface_and_region() {
        let found = catalog().compute_endpoint(Interface::Internal, Some("RegionOne"));
        assert_eq!(found.ok().as_deref(), Some("http://one-internal/v2.1"));
        let found = catalog().compute_endpoint(Interface::Public, Some("RegionTwo"));
        assert_eq!(found.ok().as_deref(), Some("http://two-public/v2.1"));
    }

    #[test]
    fn one_region_needs_no_region_setting() {
        let found = catalog().compute_endpoint(Interface::Internal, None);
        assert_eq!(found.ok().as_deref(), Some("http://one-internal/v2.1"));
    }

    #[test]
    fn several_regions_without_a_region_setting_is_an_error() {
        let error = catalog().compute_endpoint(Interface::Public, None).err();
        let text = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("several regions (RegionOne, RegionTwo)"),
            "{text}"
        );
    }
}
