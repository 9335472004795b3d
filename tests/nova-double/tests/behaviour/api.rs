//! Version discovery, authentication, microversions, error shapes.

use nova_double::{DEFAULT_WWW_AUTHENTICATE_URI, ServerSpec};

use crate::common::{action, get, send, start};

#[tokio::test]
async fn version_documents_need_no_token() {
    // The recorded session shows them trimmed; real Nova 34 adds links and media types.
    let nova = start().await;
    let root = send(&nova, "GET", "/", &[], "").await;
    assert_eq!(root.status, 200);
    assert_eq!(
        root.text,
        r#"{"versions": [{"id": "v2.0", "links": [{"href": "http://nova/v2/", "rel": "self"}], "min_version": "", "status": "DEPRECATED", "updated": "2025-07-04T12:00:00Z", "version": ""}, {"id": "v2.1", "links": [{"href": "http://nova/v2.1/", "rel": "self"}], "min_version": "2.1", "status": "CURRENT", "updated": "2013-07-23T11:33:21Z", "version": "2.104"}]}"#
    );
    let v21 = send(&nova, "GET", "/v2.1/", &[], "").await;
    assert_eq!(
        v21.text,
        r#"{"version": {"id": "v2.1", "links": [{"href": "http://nova/v2.1/", "rel": "self"}, {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"}], "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}], "min_version": "2.1", "status": "CURRENT", "updated": "2013-07-23T11:33:21Z", "version": "2.104"}}"#
    );
}

#[tokio::test]
async fn a_server_shows_the_fields_real_nova_34_shows() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let keys = |token: &'static str| {
        let nova = &nova;
        let path = format!("/v2.1/servers/{id}");
        async move {
            let headers = [
                ("x-auth-token", token),
                ("openstack-api-version", "compute 2.80"),
            ];
            let answer = send(nova, "GET", &path, &headers, "").await;
            let body: serde_json::Value = serde_json::from_str(&answer.text).expect("JSON");
            body["server"].as_object().expect("a server").len()
        }
    };
    // As counted on real Nova 34 at 2.80: 43 fields for an admin, 32 for the owner.
    assert_eq!(keys("admin:admin").await, 43);
    assert_eq!(keys("demo:demo").await, 32);
}

#[tokio::test]
async fn progress_is_shown_in_nova_s_progress_statuses_only() {
    // Counted on real Nova 34 at 2.80 as admin (server-actions-34.md): 43 fields when ACTIVE,
    // RESIZE or VERIFY_RESIZE, 42 when SHUTOFF or SHELVED_OFFLOADED (no `progress`).
    let nova = start().await;
    let active = nova.add_server(ServerSpec::active("compute1"));
    let shutoff = nova.add_server(ServerSpec::shutoff("compute1"));
    let shelved = nova.add_server(ServerSpec::active("compute2"));
    action(&nova, &shelved, "compute 2.80", r#"{"shelve": null}"#).await;
    crate::common::wait_for(&nova, &shelved, |s| {
        s.status == "SHELVED_OFFLOADED" && s.host.is_empty()
    })
    .await;
    for (id, fields, progress) in [
        (active, 43, true),
        (shutoff, 42, false),
        (shelved, 42, false),
    ] {
        let body = get(&nova, &format!("/servers/{id}"), "compute 2.80")
            .await
            .json();
        let server = body["server"].as_object().expect("a server");
        assert_eq!(
            (server.len(), server.contains_key("progress")),
            (fields, progress)
        );
    }
}

#[tokio::test]
async fn api_path_without_token_is_401() {
    let nova = start().await;
    let answer = send(&nova, "GET", "/v2.1/servers", &[], "").await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.text,
        r#"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#
    );
}

#[tokio::test]
async fn a_401_names_the_keystone_to_get_a_token_from_as_keystonemiddleware_does() {
    let nova = start().await;
    let answer = send(&nova, "GET", "/v2.1/servers", &[], "").await;
    let default = format!("Keystone uri=\"{DEFAULT_WWW_AUTHENTICATE_URI}\"");
    assert_eq!(answer.header("www-authenticate"), Some(default.as_str()));
    nova.set_www_authenticate_uri("http://127.0.0.1:5000/v3");
    let answer = send(&nova, "GET", "/v2.1/servers", &[], "").await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.header("www-authenticate"),
        Some(r#"Keystone uri="http://127.0.0.1:5000/v3""#)
    );
    // Only a 401 carries it.
    let answer = send(
        &nova,
        "GET",
        "/v2.1/servers",
        &[("x-auth-token", "admin:admin")],
        "",
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("www-authenticate"), None);
}

#[tokio::test]
async fn answers_carry_microversion_vary_and_a_fresh_request_id() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let first = get(&nova, &format!("/servers/{id}"), "compute 2.56").await;
    let second = get(&nova, &format!("/servers/{id}"), "compute 2.56").await;
    assert_eq!(first.header("openstack-api-version"), Some("compute 2.56"));
    assert_eq!(first.header("vary"), Some("OpenStack-API-Version"));
    let request_id = first
        .header("x-openstack-request-id")
        .expect("a request id");
    assert!(request_id.starts_with("req-") && request_id.len() == 40);
    assert_ne!(second.header("x-openstack-request-id"), Some(request_id));
}

#[tokio::test]
async fn no_version_header_means_2_1_and_latest_means_2_104() {
    let nova = start().await;
    let plain = get(&nova, "/servers", "").await;
    assert_eq!(plain.header("openstack-api-version"), Some("compute 2.1"));
    let latest = get(&nova, "/servers", "compute latest").await;
    assert_eq!(
        latest.header("openstack-api-version"),
        Some("compute 2.104")
    );
}

#[tokio::test]
async fn out_of_range_microversion_is_406() {
    let nova = start().await;
    let answer = get(&nova, "/servers", "compute 2.999").await;
    assert_eq!(answer.status, 406);
    assert_eq!(
        answer.text,
        r#"{"computeFault": {"code": 406, "message": "Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.104."}}"#
    );
}

#[tokio::test]
async fn malformed_microversion_is_400() {
    let nova = start().await;
    let answer = get(&nova, "/servers", "compute two.fifty-six").await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "API Version String two.fifty-six is of invalid format. Must be of format MajorNum.MinorNum."
    );
}

#[tokio::test]
async fn unknown_server_is_404() {
    let nova = start().await;
    let id = "00000000-0000-4000-8000-000000000000";
    let answer = get(&nova, &format!("/servers/{id}"), "compute 2.56").await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.text,
        format!(
            r#"{{"itemNotFound": {{"code": 404, "message": "Instance {id} could not be found."}}}}"#
        )
    );
}

#[tokio::test]
async fn server_shows_the_recorded_fields() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let body = get(&nova, &format!("/servers/{id}"), "compute 2.56")
        .await
        .json();
    let server = &body["server"];
    assert_eq!(server["OS-EXT-SRV-ATTR:host"], "compute1");
    assert_eq!(server["OS-EXT-SRV-ATTR:hypervisor_hostname"], "compute1");
    assert_eq!(server["OS-EXT-STS:power_state"], 1);
    assert_eq!(server["OS-EXT-STS:task_state"], serde_json::Value::Null);
    assert_eq!(server["OS-EXT-STS:vm_state"], "active");
    assert_eq!(server["status"], "ACTIVE");
    assert_eq!(server["tenant_id"], "demo");
    assert_eq!(server["user_id"], "admin");
    assert!(server.get("fault").is_none());
}

#[tokio::test]
async fn other_projects_servers_are_404_for_non_admins() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let path = format!("/v2.1/servers/{id}");
    let stranger = send(&nova, "GET", &path, &[("x-auth-token", "alice:other")], "").await;
    assert_eq!(stranger.status, 404);
    let owner = send(&nova, "GET", &path, &[("x-auth-token", "demo:demo")], "").await;
    assert_eq!(owner.status, 200);
    assert!(owner.json()["server"].get("OS-EXT-SRV-ATTR:host").is_none());
}

#[tokio::test]
async fn non_json_content_type_is_415() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let headers = [
        ("x-auth-token", "admin:admin"),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let path = format!("/v2.1/servers/{id}/action");
    let answer = send(&nova, "POST", &path, &headers, r#"{"migrate": null}"#).await;
    assert_eq!(answer.status, 415);
    assert_eq!(
        answer.text,
        r#"{"badMediaType": {"code": 415, "message": "Unsupported Content-Type"}}"#
    );
}

#[tokio::test]
async fn body_that_is_not_json_is_malformed() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let broken = action(
        &nova,
        &id,
        "compute 2.56",
        r#"{"migrate": {"host": "compute1""#,
    )
    .await;
    assert_eq!(
        (broken.status, broken.message()),
        (400, "Malformed request body".into())
    );
    let empty = action(&nova, &id, "compute 2.56", "").await;
    assert_eq!(
        (empty.status, empty.message()),
        (400, "Malformed request body".into())
    );
}

#[tokio::test]
async fn unknown_action_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let answer = action(&nova, &id, "compute 2.56", r#"{"frobnicate": null}"#).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.message(), "There is no such action: frobnicate");
}
