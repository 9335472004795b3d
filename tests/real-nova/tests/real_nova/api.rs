//! Facts of the API itself that the Nova double was corrected to follow.

use crate::nova::*;
use crate::real_nova;
use wasm_action_host::Phase;

#[tokio::test]
async fn os_migrations_are_oldest_first_below_2_59_and_newest_first_from_it() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute2", Some("compute3")))
            .await,
    );
    let token = cloud.nova.admin_token();
    let ids_at = |version: &'static str| {
        let url = format!("{}/os-migrations?instance_uuid={id}", cloud.nova.endpoint);
        async move {
            let headers = [("x-auth-token", token), ("openstack-api-version", version)];
            let (status, body) = nova_double::client::request("GET", &url, &headers, None)
                .await
                .expect("Nova answers");
            assert_eq!(status, 200);
            let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            body["migrations"]
                .as_array()
                .expect("list")
                .iter()
                .filter_map(|m| m["id"].as_u64())
                .collect::<Vec<u64>>()
        }
    };
    let newest_first = ids_at("compute 2.80").await;
    let oldest_first = ids_at("compute 2.23").await;
    assert_eq!(newest_first.len(), 2);
    assert!(newest_first[0] > newest_first[1], "{newest_first:?}");
    assert_eq!(
        oldest_first,
        newest_first.iter().rev().copied().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn os_migrations_records_carry_timestamps_and_flavor_ids() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    let record = &cloud.migrations_of(&id).await[0];
    for key in [
        "created_at",
        "updated_at",
        "old_instance_type_id",
        "new_instance_type_id",
        "uuid",
        "project_id",
        "user_id",
    ] {
        assert!(record.get(key).is_some(), "real Nova shows {key}: {record}");
    }
}

#[tokio::test]
async fn a_server_shows_43_fields_to_an_admin_and_32_to_its_owner() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let path = format!("/v2.1/servers/{id}");
    let admin = cloud
        .request_as(cloud.nova.admin_token(), "GET", &path, None)
        .await;
    let owner = cloud
        .request_as(cloud.nova.demo_token(), "GET", &path, None)
        .await;
    let count = |answer: &Answer| answer.body["server"].as_object().map_or(0, |s| s.len());
    assert_eq!((count(&admin), count(&owner)), (43, 32));
}

#[tokio::test]
async fn version_documents_carry_links_and_media_types() {
    let Some(cloud) = real_nova() else { return };
    let root = cloud.request("GET", "/", None).await;
    assert!(
        root.body["versions"][1]["links"][0]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/v2.1/")),
        "{}",
        root.body
    );
    let v21 = cloud.request("GET", "/v2.1/", None).await;
    assert_eq!(
        v21.body["version"]["media-types"][0]["base"], "application/json",
        "{}",
        v21.body
    );
}
