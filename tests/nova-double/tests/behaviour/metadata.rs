//! Server metadata: the item and the whole-map calls, their errors, and the states in which
//! metadata may change (`recordings/server-actions-34.md`, sections 9 and D).

use nova_double::ServerSpec;

use crate::common::{action, get, request, start, wait_for};

const V280: &str = "compute 2.80";

async fn admin(
    nova: &nova_double::NovaDouble,
    method: &str,
    path: &str,
    body: &str,
) -> crate::common::Answer {
    request(nova, method, path, "admin:admin", V280, body).await
}

#[tokio::test]
async fn put_get_and_delete_an_item_and_the_server_shows_it() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let base = format!("/servers/{id}/metadata");
    assert_eq!(
        admin(&nova, "GET", &base, "").await.text,
        r#"{"metadata": {}}"#
    );
    let put = admin(
        &nova,
        "PUT",
        &format!("{base}/color"),
        r#"{"meta": {"color": "blue"}}"#,
    )
    .await;
    assert_eq!(
        (put.status, put.text.as_str()),
        (200, r#"{"meta": {"color": "blue"}}"#)
    );
    let item = admin(&nova, "GET", &format!("{base}/color"), "").await;
    assert_eq!(
        (item.status, item.text.as_str()),
        (200, r#"{"meta": {"color": "blue"}}"#)
    );
    admin(
        &nova,
        "PUT",
        &format!("{base}/tag"),
        r#"{"meta": {"tag": ""}}"#,
    )
    .await;
    let all = admin(&nova, "GET", &base, "").await;
    assert_eq!(all.text, r#"{"metadata": {"color": "blue", "tag": ""}}"#);
    for version in [V280, ""] {
        let server = get(&nova, &format!("/servers/{id}"), version).await.json();
        assert_eq!(server["server"]["metadata"]["color"], "blue");
    }
    let deleted = admin(&nova, "DELETE", &format!("{base}/color"), "").await;
    assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));
    let view = nova.server(&id).expect("the server");
    assert_eq!(view.metadata.keys().collect::<Vec<_>>(), ["tag"]);
}

#[tokio::test]
async fn a_missing_item_is_404() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    for method in ["GET", "DELETE"] {
        let answer = admin(&nova, method, &format!("/servers/{id}/metadata/size"), "").await;
        assert_eq!(
            answer.text,
            r#"{"itemNotFound": {"code": 404, "message": "Metadata item was not found"}}"#
        );
    }
}

#[tokio::test]
async fn post_merges_and_put_replaces_the_whole_map() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let base = format!("/servers/{id}/metadata");
    admin(
        &nova,
        "PUT",
        &format!("{base}/color"),
        r#"{"meta": {"color": "red"}}"#,
    )
    .await;
    let merged = admin(
        &nova,
        "POST",
        &base,
        r#"{"metadata": {"a": "1", "color": "green"}}"#,
    )
    .await;
    assert_eq!(
        (merged.status, merged.text.as_str()),
        (200, r#"{"metadata": {"a": "1", "color": "green"}}"#)
    );
    let replaced = admin(&nova, "PUT", &base, r#"{"metadata": {"only": "this"}}"#).await;
    assert_eq!(
        (replaced.status, replaced.text.as_str()),
        (200, r#"{"metadata": {"only": "this"}}"#)
    );
    assert_eq!(
        admin(&nova, "GET", &base, "").await.text,
        r#"{"metadata": {"only": "this"}}"#
    );
}

#[tokio::test]
async fn a_key_with_a_space_is_percent_encoded_in_the_path() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let path = format!("/servers/{id}/metadata/Mixed%20Case:1.x");
    let put = admin(&nova, "PUT", &path, r#"{"meta": {"Mixed Case:1.x": "ok"}}"#).await;
    assert_eq!(
        (put.status, put.text.as_str()),
        (200, r#"{"meta": {"Mixed Case:1.x": "ok"}}"#)
    );
    assert_eq!(admin(&nova, "GET", &path, "").await.status, 200);
}

#[tokio::test]
async fn bad_item_bodies_are_400_in_nova_words() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let long = "x".repeat(256);
    let long_value = format!(r#"{{"meta": {{"color": "{long}"}}}}"#);
    let long_message =
        format!("Invalid input for field/attribute color. Value: {long}. '{long}' is too long");
    let cases: [(&str, &str, &str); 9] = [
        (
            "color",
            r#"{"meta": {"size": "big"}}"#,
            "Request body and URI mismatch",
        ),
        (
            "color",
            r#"{"meta": {"color": "red", "size": "big"}}"#,
            "Invalid input for field/attribute meta. Value: {'color': 'red', 'size': 'big'}. {'color': 'red', 'size': 'big'} has too many properties",
        ),
        (
            "color",
            r#"{"meta": {}}"#,
            "Invalid input for field/attribute meta. Value: {}. {} should be non-empty",
        ),
        (
            "color",
            r#"{"metadata": {"color": "red"}}"#,
            "'meta' is a required property",
        ),
        (
            "color",
            r#"{"meta": {"color": 5}}"#,
            "Invalid input for field/attribute color. Value: 5. 5 is not of type 'string'",
        ),
        (
            "bad",
            r#"{"meta": {"bad": null}}"#,
            "Invalid input for field/attribute bad. Value: None. None is not of type 'string'",
        ),
        (
            "bad",
            r#"{"meta": "x"}"#,
            "Invalid input for field/attribute meta. Value: x. 'x' is not of type 'object'",
        ),
        (
            "bad",
            r#"{"meta": {"bad": "v"}, "extra": 1}"#,
            "Additional properties are not allowed ('extra' was unexpected)",
        ),
        ("color", "not json", "Malformed request body"),
    ];
    for (key, body, message) in cases {
        let answer = admin(&nova, "PUT", &format!("/servers/{id}/metadata/{key}"), body).await;
        assert_eq!(
            (answer.status, answer.message()),
            (400, message.to_string()),
            "{body}"
        );
    }
    let answer = admin(
        &nova,
        "PUT",
        &format!("/servers/{id}/metadata/color"),
        &long_value,
    )
    .await;
    assert_eq!((answer.status, answer.message()), (400, long_message));
    assert!(nova.server(&id).expect("the server").metadata.is_empty());
}

#[tokio::test]
async fn a_key_outside_nova_s_pattern_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let key = "k".repeat(256);
    let body = format!(r#"{{"meta": {{"{key}": "v"}}}}"#);
    let answer = admin(
        &nova,
        "PUT",
        &format!("/servers/{id}/metadata/{key}"),
        &body,
    )
    .await;
    assert_eq!(
        answer.message(),
        format!(
            "Invalid input for field/attribute meta. Value: {{'{key}': 'v'}}. '{key}' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{{1,255}}$'"
        )
    );
}

#[tokio::test]
async fn metadata_cannot_change_while_resized_but_a_missing_key_is_404_first() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let base = format!("/servers/{id}/metadata");
    admin(
        &nova,
        "PUT",
        &format!("{base}/keep"),
        r#"{"meta": {"keep": "1"}}"#,
    )
    .await;
    action(&nova, &id, V280, r#"{"resize": {"flavorRef": "2"}}"#).await;
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    let put = admin(
        &nova,
        "PUT",
        &format!("{base}/color"),
        r#"{"meta": {"color": "red"}}"#,
    )
    .await;
    assert_eq!(
        put.text,
        format!(
            r#"{{"conflictingRequest": {{"code": 409, "message": "Cannot 'update metadata' instance {id} while it is in vm_state resized"}}}}"#
        )
    );
    let post = admin(&nova, "POST", &base, r#"{"metadata": {"a": "1"}}"#).await;
    assert_eq!(post.status, 409);
    let missing = admin(&nova, "DELETE", &format!("{base}/owner"), "").await;
    assert_eq!(missing.status, 404);
    let delete = admin(&nova, "DELETE", &format!("{base}/keep"), "").await;
    assert_eq!(
        delete.message(),
        format!("Cannot 'delete metadata' instance {id} while it is in vm_state resized")
    );
    assert_eq!(
        admin(&nova, "GET", &base, "").await.text,
        r#"{"metadata": {"keep": "1"}}"#
    );
}

#[tokio::test]
async fn metadata_may_change_while_a_task_runs_but_not_when_offloaded() {
    // Recorded: PUT 200 and DELETE 204 while the server was RESIZE/resize_migrating.
    let nova = crate::common::start_with(crate::common::observable).await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let path = format!("/servers/{id}/metadata/busy");
    action(&nova, &id, V280, r#"{"resize": {"flavorRef": "2"}}"#).await;
    let busy = admin(&nova, "PUT", &path, r#"{"meta": {"busy": "yes"}}"#).await;
    assert_eq!(
        (busy.status, busy.text.as_str()),
        (200, r#"{"meta": {"busy": "yes"}}"#)
    );
    assert_eq!(
        nova.server(&id).expect("the server").task_state.as_deref(),
        Some("resize_prep")
    );
    assert_eq!(admin(&nova, "DELETE", &path, "").await.status, 204);
    wait_for(&nova, &id, |s| s.status == "VERIFY_RESIZE").await;
    action(&nova, &id, V280, r#"{"confirmResize": null}"#).await;
    wait_for(&nova, &id, |s| s.status == "ACTIVE").await;
    action(&nova, &id, V280, r#"{"shelve": null}"#).await;
    wait_for(&nova, &id, |s| {
        s.status == "SHELVED_OFFLOADED" && s.host.is_empty()
    })
    .await;
    let shelved = admin(&nova, "PUT", &path, r#"{"meta": {"busy": "yes"}}"#).await;
    assert_eq!(
        shelved.message(),
        format!("Cannot 'update metadata' instance {id} while it is in vm_state shelved_offloaded")
    );
}

#[tokio::test]
async fn project_tokens_may_change_metadata_and_other_projects_get_404() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let path = format!("/servers/{id}/metadata/owner");
    let body = r#"{"meta": {"owner": "demo"}}"#;
    let reader = request(&nova, "PUT", &path, "demo:demo:reader", V280, body).await;
    assert_eq!(reader.status, 200);
    for method in ["GET", "PUT", "DELETE"] {
        let foreign = request(&nova, method, &path, "other:other", V280, body).await;
        assert_eq!(
            (foreign.status, foreign.message()),
            (404, format!("Instance {id} could not be found.")),
            "{method}"
        );
    }
    let unknown = "00000000-0000-0000-0000-000000000000";
    let answer = admin(&nova, "GET", &format!("/servers/{unknown}/metadata"), "").await;
    assert_eq!(
        answer.text,
        format!(
            r#"{{"itemNotFound": {{"code": 404, "message": "Instance {unknown} could not be found."}}}}"#
        )
    );
}
