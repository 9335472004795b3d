//! Requests to a running real Nova and its Placement, as an admin (the token the harness's real
//! Keystone issued at start, [`RealNova::admin_token`]) or with any token, over the repo's shared
//! local HTTP client.

use crate::harness::RealNova;
use serde_json::Value;

/// The Placement microversion [`RealNova::placement_as`] asks for: Watcher's
/// `[placement_client] api_version` default.
pub const PLACEMENT_VERSION: &str = "placement 1.29";

/// One HTTP answer from Nova (or Placement).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl RealNova {
    /// One request with `token` at microversion 2.80; `path` is under the host (e.g.
    /// `/v2.1/servers`). A connection failure fails the test, with the harness's stderr.
    pub async fn request_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let authority = self
            .endpoint
            .trim_start_matches("http://")
            .split('/')
            .next();
        let url = format!("http://{}{path}", authority.unwrap_or_default());
        let headers = [
            ("x-auth-token", token),
            ("openstack-api-version", "compute 2.80"),
        ];
        let body = body.map(|b| b.to_string());
        let (status, raw) = nova_double::client::request(method, &url, &headers, body.as_deref())
            .await
            .unwrap_or_else(|e| {
                let tail = self.stderr_tail();
                panic!("real Nova answers {method} {path}: {e}\n{tail}")
            });
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// One admin request.
    pub async fn request(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.request_as(self.admin_token(), method, path, body)
            .await
    }

    /// The server as real Nova shows it to an admin.
    pub async fn server(&self, id: &str) -> Value {
        let answer = self
            .request("GET", &format!("/v2.1/servers/{id}"), None)
            .await;
        assert_eq!(answer.status, 200, "GET server {id}: {answer:?}");
        answer.body["server"].clone()
    }

    /// `GET /os-migrations?instance_uuid=` as an admin, newest first.
    pub async fn migrations_of(&self, id: &str) -> Vec<Value> {
        let path = format!("/v2.1/os-migrations?instance_uuid={id}");
        let answer = self.request("GET", &path, None).await;
        assert_eq!(answer.status, 200, "GET os-migrations: {answer:?}");
        answer.body["migrations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The nova-compute service of `host`, as `GET /os-services` shows it.
    pub async fn compute_service(&self, host: &str) -> Value {
        let path = format!("/v2.1/os-services?binary=nova-compute&host={host}");
        let answer = self.request("GET", &path, None).await;
        assert_eq!(answer.status, 200, "GET os-services of {host}: {answer:?}");
        answer.body["services"][0].clone()
    }

    /// Disables (`enabled: false`, reason `maintenance`) or enables the nova-compute service of
    /// `host` through the real os-services API, as an operator would.
    pub async fn set_compute_enabled(&self, host: &str, enabled: bool) {
        let service = self.compute_service(host).await;
        let id = service["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no nova-compute on {host}: {service}"))
            .to_string();
        let body = if enabled {
            serde_json::json!({"status": "enabled"})
        } else {
            serde_json::json!({"status": "disabled", "disabled_reason": "maintenance"})
        };
        let answer = self
            .request("PUT", &format!("/v2.1/os-services/{id}"), Some(body))
            .await;
        assert_eq!(answer.status, 200, "{host} enabled={enabled}: {answer:?}");
    }

    /// A path under the harness's control endpoint (it shares nova-api's port), e.g.
    /// `control_path("/faults")`.
    pub fn control_path(&self, rest: &str) -> String {
        let url = self.control.trim_start_matches("http://");
        let base = url.find('/').map_or("", |slash| &url[slash..]);
        format!("{base}{rest}")
    }

    /// Stops a server (os-stop through the harness, which waits for SHUTOFF).
    pub async fn stop(&self, id: &str) {
        let path = self.control_path(&format!("/servers/{id}/stop"));
        let answer = self.request("POST", &path, None).await;
        assert_eq!(answer.status, 200, "stop {id}: {answer:?}");
    }

    /// Boots one more server on `host` (project `demo`) and waits until it is ACTIVE.
    pub async fn boot_on(&self, host: &str) -> String {
        let body = serde_json::json!({"host": host});
        let answer = self
            .request("POST", &self.control_path("/servers"), Some(body))
            .await;
        assert_eq!(answer.status, 200, "boot on {host}: {answer:?}");
        answer.body["id"]
            .as_str()
            .expect("the new server's id")
            .to_string()
    }

    /// Every compute API request nova-api has received, in order: `(method, path)` (from the
    /// harness's request log).
    pub async fn requests(&self) -> Vec<(String, String)> {
        let text = |r: &Value, key: &str| r[key].as_str().unwrap_or_default().to_string();
        self.request_log()
            .await
            .iter()
            .map(|r| (text(r, "method"), text(r, "path")))
            .collect()
    }

    /// The harness's log of compute API requests: `{"method", "path", "version"}` each.
    async fn request_log(&self) -> Vec<Value> {
        let answer = self
            .request("GET", &self.control_path("/requests"), None)
            .await;
        answer.body.as_array().cloned().unwrap_or_default()
    }

    /// Nova's own time for the server's instance actions named in `actions` (e.g. `migrate`,
    /// `confirmResize`): for each, from its start to the end of its last event, as Nova
    /// recorded them (`os-instance-actions`).
    pub async fn instance_action_seconds(&self, id: &str, actions: &[&str]) -> f64 {
        let listed = self
            .request(
                "GET",
                &format!("/v2.1/servers/{id}/os-instance-actions"),
                None,
            )
            .await;
        let listed = listed.body["instanceActions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut seconds = 0.0;
        for action in listed {
            let name = action["action"].as_str().unwrap_or_default();
            let Some(request_id) = action["request_id"].as_str() else {
                continue;
            };
            if !actions.contains(&name) {
                continue;
            }
            let detail = self
                .request(
                    "GET",
                    &format!("/v2.1/servers/{id}/os-instance-actions/{request_id}"),
                    None,
                )
                .await;
            let detail = &detail.body["instanceAction"];
            let start = detail["start_time"].as_str().and_then(nova_time);
            let end = detail["events"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["finish_time"].as_str().and_then(nova_time))
                .max();
            if let (Some(start), Some(end)) = (start, end) {
                seconds += end.duration_since(start).as_secs_f64();
            }
        }
        seconds
    }

    /// The microversion of every compute API request nova-api received whose path contains
    /// `path_contains`, in order (from the harness's request log).
    pub async fn request_versions(&self, path_contains: &str) -> Vec<String> {
        self.request_log()
            .await
            .iter()
            .filter(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.contains(path_contains))
            })
            .map(|r| r["version"].as_str().unwrap_or("none").to_string())
            .collect()
    }

    /// One `GET` of Placement with `token` at [`PLACEMENT_VERSION`]; `path` is under its root
    /// (e.g. `/resource_providers`). A connection failure fails the test, with the harness's
    /// stderr.
    pub async fn placement_as(&self, token: &str, path: &str) -> Answer {
        let url = format!("{}{path}", self.placement);
        let headers = [
            ("x-auth-token", token),
            ("openstack-api-version", PLACEMENT_VERSION),
        ];
        let (status, raw) = nova_double::client::request("GET", &url, &headers, None)
            .await
            .unwrap_or_else(|e| {
                let tail = self.stderr_tail();
                panic!("real Placement answers GET {path}: {e}\n{tail}")
            });
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// One admin `GET` of Placement that must answer 200; its body.
    pub async fn placement_get(&self, path: &str) -> Value {
        let answer = self.placement_as(self.admin_token(), path).await;
        assert_eq!(answer.status, 200, "GET placement {path}: {answer:?}");
        answer.body
    }
}

/// A Nova timestamp (`2026-11-24T19:02:33.331326`, UTC without a zone).
fn nova_time(text: &str) -> Option<jiff::civil::DateTime> {
    text.trim_end_matches('Z').parse().ok()
}
