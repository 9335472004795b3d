//! Flavors: the harness's six, `GET /flavors[/detail]`, `GET /flavors/{id}`, and the flavor a
//! server shows (`recordings/server-actions-34.md`, sections 1 and 2).

use nova_double::{FLAVORS, ServerSpec};
use serde_json::Value;

use crate::common::{get, request, start};

const V280: &str = "compute 2.80";

fn ids_and_names(body: &Value) -> Vec<(String, String)> {
    body["flavors"]
        .as_array()
        .expect("a flavors list")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().expect("a string").to_string();
            (text("id"), text("name"))
        })
        .collect()
}

#[tokio::test]
async fn the_list_has_the_harness_flavors_in_id_order() {
    let nova = start().await;
    let body = get(&nova, "/flavors", V280).await.json();
    let expected = [
        ("1", "m1.tiny"),
        ("2", "m1.small"),
        ("3", "m1.medium"),
        ("4", "m1.large"),
        ("5", "m1.xlarge"),
        ("6", "m1.tiny.specs"),
    ]
    .map(|(id, name)| (id.to_string(), name.to_string()));
    assert_eq!(ids_and_names(&body), expected);
    assert_eq!(FLAVORS.len(), 6);
    assert_eq!(
        body["flavors"][1].to_string(),
        r#"{"description":null,"id":"2","links":[{"href":"http://nova/v2.1/flavors/2","rel":"self"},{"href":"http://nova/flavors/2","rel":"bookmark"}],"name":"m1.small"}"#
    );
}

#[tokio::test]
async fn a_flavor_at_2_80_is_shown_as_recorded() {
    let nova = start().await;
    let answer = get(&nova, "/flavors/1", V280).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.text,
        r#"{"flavor": {"OS-FLV-DISABLED:disabled": false, "OS-FLV-EXT-DATA:ephemeral": 0, "description": null, "disk": 1, "extra_specs": {}, "id": "1", "links": [{"href": "http://nova/v2.1/flavors/1", "rel": "self"}, {"href": "http://nova/flavors/1", "rel": "bookmark"}], "name": "m1.tiny", "os-flavor-access:is_public": true, "ram": 512, "rxtx_factor": 1.0, "swap": 0, "vcpus": 1}}"#
    );
}

#[tokio::test]
async fn below_2_75_swap_is_an_empty_string_and_below_2_61_there_are_no_extra_specs() {
    let nova = start().await;
    let answer = get(&nova, "/flavors/1", "").await;
    assert_eq!(
        answer.text,
        r#"{"flavor": {"OS-FLV-DISABLED:disabled": false, "OS-FLV-EXT-DATA:ephemeral": 0, "disk": 1, "id": "1", "links": [{"href": "http://nova/v2.1/flavors/1", "rel": "self"}, {"href": "http://nova/flavors/1", "rel": "bookmark"}], "name": "m1.tiny", "os-flavor-access:is_public": true, "ram": 512, "rxtx_factor": 1.0, "swap": "", "vcpus": 1}}"#
    );
    let specs = get(&nova, "/flavors/6", "compute 2.61").await.json();
    assert_eq!(specs["flavor"]["extra_specs"]["hw:numa_nodes"], "1");
    assert_eq!(specs["flavor"]["swap"], "");
}

#[tokio::test]
async fn detail_lists_every_flavor_in_full() {
    let nova = start().await;
    let body = get(&nova, "/flavors/detail", V280).await.json();
    let sizes: Vec<(u64, u64, u64)> = body["flavors"]
        .as_array()
        .expect("a flavors list")
        .iter()
        .map(|f| {
            let number = |key: &str| f[key].as_u64().expect("a number");
            (number("ram"), number("vcpus"), number("disk"))
        })
        .collect();
    assert_eq!(
        sizes,
        [
            (512, 1, 1),
            (2048, 1, 20),
            (4096, 2, 40),
            (8192, 4, 80),
            (16384, 8, 160),
            (512, 1, 1)
        ]
    );
}

#[tokio::test]
async fn a_name_is_not_an_id_so_looking_a_flavor_up_by_name_is_404() {
    let nova = start().await;
    for name in ["m1.small", "999"] {
        let answer = get(&nova, &format!("/flavors/{name}"), V280).await;
        assert_eq!(
            answer.text,
            format!(
                r#"{{"itemNotFound": {{"code": 404, "message": "Flavor {name} could not be found."}}}}"#
            )
        );
    }
}

#[tokio::test]
async fn min_ram_filters_the_list() {
    let nova = start().await;
    let body = get(&nova, "/flavors?minRam=2048", V280).await.json();
    let ids: Vec<String> = ids_and_names(&body).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["2", "3", "4", "5"]);
}

#[tokio::test]
async fn any_project_may_read_flavors() {
    let nova = start().await;
    let answer = request(&nova, "GET", "/flavors/1", "demo:demo", V280, "").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["flavor"]["name"], "m1.tiny");
}

#[tokio::test]
async fn a_server_embeds_its_flavor_from_2_47_and_links_it_before() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1").with_flavor("2"));
    let embedded = get(&nova, &format!("/servers/{id}"), "compute 2.47").await;
    assert_eq!(
        embedded.json()["server"]["flavor"].to_string(),
        r#"{"disk":20,"ephemeral":0,"extra_specs":{},"original_name":"m1.small","ram":2048,"swap":0,"vcpus":1}"#
    );
    let linked = get(&nova, &format!("/servers/{id}"), "compute 2.46").await;
    assert_eq!(
        linked.json()["server"]["flavor"].to_string(),
        r#"{"id":"2","links":[{"href":"http://nova/flavors/2","rel":"bookmark"}]}"#
    );
    let server = nova.server(&id).expect("the server");
    assert_eq!(server.flavor_id, "2");
}

#[tokio::test]
async fn servers_get_m1_tiny_unless_seeded_otherwise() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    let body = get(&nova, &format!("/servers/{id}"), V280).await.json();
    assert_eq!(body["server"]["flavor"]["original_name"], "m1.tiny");
}

#[tokio::test]
async fn min_disk_filters_and_bad_filters_are_400() {
    let nova = start().await;
    let body = get(&nova, "/flavors?minDisk=30", V280).await.json();
    let ids: Vec<String> = ids_and_names(&body).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["3", "4", "5"]);
    for name in ["minRam", "minDisk"] {
        let answer = get(&nova, &format!("/flavors?{name}=abc"), V280).await;
        assert_eq!(
            answer.text,
            format!(
                r#"{{"badRequest": {{"code": 400, "message": "Invalid {name} filter [abc]"}}}}"#
            )
        );
    }
}
