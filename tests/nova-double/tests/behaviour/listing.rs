//! `GET /servers/detail` filters: `all_tenants` for admins, `name` as a regular expression.

use nova_double::ServerSpec;

use crate::common::{get, start};

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["servers"]
        .as_array()
        .expect("a servers list")
        .iter()
        .map(|s| s["id"].as_str().expect("an id").to_string())
        .collect()
}

#[tokio::test]
async fn an_anchored_name_in_all_tenants_finds_exactly_that_name_in_every_project() {
    let nova = start().await;
    let web = nova.add_server(ServerSpec::active("compute1").named("web"));
    let other = nova.add_server(
        ServerSpec::active("compute2")
            .named("web")
            .owned_by("other", "alice"),
    );
    nova.add_server(ServerSpec::active("compute1").named("web-2"));
    let body = get(
        &nova,
        "/servers/detail?name=%5Eweb%24&all_tenants=1",
        "compute 2.80",
    )
    .await
    .json();
    assert_eq!(ids(&body), [web, other]);
    assert_eq!(body["servers"][1]["OS-EXT-SRV-ATTR:host"], "compute2");
}

#[tokio::test]
async fn an_unanchored_name_is_searched_for_inside_names() {
    let nova = start().await;
    let old = nova.add_server(ServerSpec::active("compute1").named("old-web-2"));
    nova.add_server(ServerSpec::active("compute1").named("db"));
    let body = get(
        &nova,
        "/servers/detail?name=web&all_tenants=1",
        "compute 2.80",
    )
    .await
    .json();
    assert_eq!(ids(&body), [old]);
}

#[tokio::test]
async fn without_all_tenants_an_admin_sees_only_its_own_project() {
    let nova = start().await;
    nova.add_server(ServerSpec::active("compute1").named("web"));
    let body = get(&nova, "/servers/detail?name=%5Eweb%24", "compute 2.80")
        .await
        .json();
    assert_eq!(ids(&body), Vec::<String>::new());
}

#[tokio::test]
async fn name_syntax_beyond_the_doubles_subset_is_a_loud_400() {
    let nova = start().await;
    let answer = get(&nova, "/servers/detail?name=web.*", "compute 2.80").await;
    assert_eq!(answer.status, 400);
}
