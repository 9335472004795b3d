//! Requests to a running real Nova, as an admin or with any token the harness's auth stand-in
//! accepts (`USER:PROJECT[:ROLES]`), over the repo's shared local HTTP client.

use crate::harness::RealNova;
use serde_json::Value;

/// The admin token of the harness's auth stand-in.
pub const ADMIN: &str = "admin:admin";

/// One HTTP answer from Nova.
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
        self.request_as(ADMIN, method, path, body).await
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
}
