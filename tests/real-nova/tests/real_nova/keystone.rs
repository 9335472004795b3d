//! Real Keystone 30 in front of real Nova (keystonemiddleware `auth_token`): our own Keystone
//! client (`cloud-auth`) logs in there with a password and with an application credential,
//! finds Nova in the real catalog (two regions), validates tokens as a service does; Keystone's
//! real refusals; tokens that expire.

use crate::real_nova;
use cloud_auth::{
    AuthError, AuthMethod, AuthOptions, CredentialRef, DEFAULT_REFRESH_MARGIN, DEFAULT_TIMEOUT,
    DomainRef, Interface, ProjectScope, Secret, Session, UserRef, ValidationError,
};
use real_nova_tests::harness::{Account, RealNova};
use real_nova_tests::keystone;
use std::time::Duration;

fn options(nova: &RealNova, method: AuthMethod, project: Option<ProjectScope>) -> AuthOptions {
    AuthOptions {
        auth_url: Some(nova.keystone.clone()),
        method,
        project,
        region: Some("RegionOne".into()),
        interface: Interface::Public,
        compute_endpoint: None,
        ca_file: None,
        timeout: DEFAULT_TIMEOUT,
        refresh_margin: DEFAULT_REFRESH_MARGIN,
    }
}

/// `account`'s password login (user and project by name, domain `Default` by name).
fn password(nova: &RealNova, account: &Account) -> AuthOptions {
    let domain = DomainRef::Name(nova.domain.clone());
    let user = UserRef::Name {
        name: account.username.clone(),
        domain: domain.clone(),
    };
    let project = ProjectScope::Name {
        name: account.project.clone(),
        domain,
    };
    let method = AuthMethod::Password {
        user,
        password: Secret::new(account.password.clone()),
    };
    options(nova, method, Some(project))
}

#[tokio::test]
async fn cloud_auth_logs_in_with_a_password_and_finds_nova_by_region_in_the_real_catalog() {
    let Some(cloud) = real_nova() else { return };
    let nova = &cloud.nova;
    let session = Session::connect(password(nova, &nova.demo))
        .await
        .expect("demo logs in");
    assert_eq!(session.compute_endpoint(), nova.endpoint);
    // The member's token lists the servers of its project at Nova.
    let token = session.token().await.expect("a token");
    let answer = cloud
        .request_as(token.expose(), "GET", "/v2.1/servers", None)
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let listed = answer.body["servers"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, nova.servers.len(), "{answer:?}");

    // RegionTwo has its own compute endpoints (the same nova-api here).
    let mut two = password(nova, &nova.demo);
    two.region = Some("RegionTwo".into());
    let session = Session::connect(two).await.expect("RegionTwo");
    assert_eq!(session.compute_endpoint(), nova.endpoint);

    // Without a region the real catalog is ambiguous: compute is in RegionOne and RegionTwo.
    let mut anywhere = password(nova, &nova.demo);
    anywhere.region = None;
    let error = Session::connect(anywhere).await.err();
    let Some(AuthError::AmbiguousRegion { interface, regions }) = error else {
        panic!("expected an ambiguous region, got {error:?}")
    };
    assert_eq!(interface, "public");
    assert_eq!(regions, ["RegionOne", "RegionTwo"]);

    // RegionTwo's compute has no admin endpoint: the error names the interface, the region and
    // what the catalog has (the Keystone double's tests expect the same sentence).
    let mut admin_two = password(nova, &nova.demo);
    admin_two.region = Some("RegionTwo".into());
    admin_two.interface = Interface::Admin;
    let error = Session::connect(admin_two).await.err();
    let said = error.as_ref().map(ToString::to_string).unwrap_or_default();
    let Some(AuthError::NoComputeEndpoint { mut available, .. }) = error else {
        panic!("expected no compute endpoint, got {error:?}")
    };
    assert!(
        said.starts_with(
            "no compute endpoint for interface 'admin' in region 'RegionTwo'; the catalog has: "
        ),
        "{said}"
    );
    available.sort();
    let expected = [
        "admin/RegionOne",
        "internal/RegionOne",
        "internal/RegionTwo",
        "public/RegionOne",
        "public/RegionTwo",
    ];
    assert_eq!(available, expected);
}

#[tokio::test]
async fn cloud_auth_logs_in_with_the_application_credential_and_acts_as_the_admin() {
    let Some(cloud) = real_nova() else { return };
    let nova = &cloud.nova;
    let credential = &nova.application_credential;
    let method = AuthMethod::ApplicationCredential {
        credential: CredentialRef::Id(credential.id.clone()),
        secret: Secret::new(credential.secret.clone()),
    };
    let session = Session::connect(options(nova, method, None))
        .await
        .expect("the application credential logs in");
    assert_eq!(session.compute_endpoint(), nova.endpoint);
    let token = session.token().await.expect("a token");
    // Its token carries the admin's role in project admin: os-services is admin-only.
    let answer = cloud
        .request_as(token.expose(), "GET", "/v2.1/os-services", None)
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");

    // By name, with its owner: the same.
    let method = AuthMethod::ApplicationCredential {
        credential: CredentialRef::Name {
            name: credential.name.clone(),
            user: UserRef::Name {
                name: nova.admin.username.clone(),
                domain: DomainRef::Name(nova.domain.clone()),
            },
        },
        secret: Secret::new(credential.secret.clone()),
    };
    Session::connect(options(nova, method, None))
        .await
        .expect("the application credential logs in by name");

    // Real Keystone's token body for it: method application_credential, the credential named.
    let issued = nova
        .issue_app_credential_token()
        .expect("a token from the application credential");
    let body = &issued.body["token"];
    assert_eq!(
        body["methods"],
        serde_json::json!(["application_credential"])
    );
    assert_eq!(body["application_credential"]["id"], credential.id.as_str());
    assert_eq!(body["project"]["name"], "admin");

    // With a scope in the request: a 401 that says why (the Keystone double answers the same).
    let mut scoped = keystone::app_credential_auth(&credential.id, &credential.secret);
    scoped["auth"]["scope"] = serde_json::json!({"project": {"id": nova.demo_project_id}});
    let url = format!("{}/auth/tokens", nova.keystone);
    let (status, head, body) = keystone::post(&url, &scoped).expect("Keystone answers");
    assert_eq!(status, 401, "{head}\n{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": 401, "identity": {}, "title": "Unauthorized",
            "message": "Error authenticating with application credential: Application \
                        credentials cannot request a scope."}})
    );
    // An id Keystone does not know: a 404 naming it, which cloud-auth reports as a refusal.
    let method = AuthMethod::ApplicationCredential {
        credential: CredentialRef::Id("no-such-credential".into()),
        secret: Secret::new(credential.secret.clone()),
    };
    match Session::connect(options(nova, method, None)).await {
        Err(AuthError::Refused {
            status, message, ..
        }) => {
            assert_eq!(status, 404, "{message}");
            let reason = "Could not find Application Credential: no-such-credential.";
            assert_eq!(message, reason);
        }
        other => panic!("expected Keystone's refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn cloud_auth_validates_real_tokens_as_a_service_does() {
    let Some(cloud) = real_nova() else { return };
    let nova = &cloud.nova;
    // The admin's session validates (GET /v3/auth/tokens, as keystonemiddleware does).
    let service = Session::connect(password(nova, &nova.admin))
        .await
        .expect("admin logs in");
    let member = service
        .validate_token(nova.demo_token())
        .await
        .expect("the member's token is valid");
    assert_eq!(member.user_id, nova.demo.user_id);
    assert_eq!(
        member.project_id.as_deref(),
        Some(nova.demo_project_id.as_str())
    );
    // member implies reader (bootstrap's implied role): both are in the token.
    assert!(
        member.has_role("member") && member.has_role("reader"),
        "{member:?}"
    );
    assert!(!member.has_role("admin"), "{member:?}");
    let reader = service
        .validate_token(nova.reader_token())
        .await
        .expect("the reader's token is valid");
    assert!(
        reader.has_role("reader") && !reader.has_role("member"),
        "{reader:?}"
    );
    // A token Keystone never issued (the old stand-in's form).
    let error = service.validate_token("admin:admin:admin").await.err();
    assert!(
        matches!(error, Some(ValidationError::NotValid)),
        "{error:?}"
    );
}

#[tokio::test]
async fn keystone_refuses_a_wrong_password_with_its_401_and_nova_a_bad_token_with_its_own() {
    let Some(cloud) = real_nova() else { return };
    let nova = &cloud.nova;
    let mut wrong = nova.demo.clone();
    wrong.password = "not-the-password".into();
    let url = format!("{}/auth/tokens", nova.keystone);
    let (status, head, body) =
        keystone::post(&url, &keystone::password_auth(&wrong)).expect("Keystone answers");
    assert_eq!(status, 401, "{head}\n{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(body["error"]["code"], 401, "{body}");
    assert_eq!(body["error"]["title"], "Unauthorized", "{body}");
    assert_eq!(
        keystone::header(&head, "www-authenticate").as_deref(),
        Some(format!("Keystone uri=\"{}\"", nova.keystone).as_str()),
        "{head}"
    );
    // Our client reports it as a refusal of this user, without the password.
    let error = Session::connect(password(nova, &wrong)).await.err();
    let Some(AuthError::Refused { status, .. }) = &error else {
        panic!("expected a refusal, got {error:?}")
    };
    assert_eq!(*status, 401);
    assert!(!format!("{error:?}").contains("not-the-password"));

    // nova-api (keystonemiddleware): 401 for a token Keystone does not know, with the same
    // WWW-Authenticate (the Nova double's 401 has it too); 401 without a token.
    let challenge = format!("Keystone uri=\"{}\"", nova.keystone);
    for token in ["gAAAAAB-not-a-fernet-token", ""] {
        let answer = cloud.request_as(token, "GET", "/v2.1/servers", None).await;
        assert_eq!(answer.status, 401, "{token:?}: {answer:?}");
        assert_eq!(answer.body["error"]["code"], 401, "{answer:?}");
        let headers: &[(&str, &str)] = match token {
            "" => &[],
            token => &[("X-Auth-Token", token)],
        };
        let url = format!("{}/servers", nova.endpoint);
        let (status, head, _) = keystone::get(&url, headers).expect("Nova answers");
        assert_eq!(status, 401, "{head}");
        let named = keystone::header(&head, "www-authenticate");
        assert_eq!(named.as_deref(), Some(challenge.as_str()), "{head}");
    }
}

#[test]
fn a_token_that_expired_is_refused_by_nova_and_a_fresh_one_works() {
    if real_nova_tests::harness::disabled() {
        return;
    }
    let lifetime = Duration::from_secs(6);
    let nova =
        RealNova::start_with_token_expiration(lifetime).unwrap_or_else(|why| panic!("{why}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let issued = nova.issue_token(&nova.demo).expect("a token");
    let status = |token: &str| {
        runtime
            .block_on(nova.request_as(token, "GET", "/v2.1/servers", None))
            .status
    };
    assert_eq!(status(&issued.id), 200);
    // Keystone's issued_at and expires_at: UTC, microseconds, `Z`, in whole seconds (fernet),
    // exactly the configured lifetime apart; the Keystone double's are the same.
    let time = |name: &str| {
        let text = issued.body["token"][name].as_str().expect("a time");
        assert!(
            text.ends_with(".000000Z") && text.len() == 27,
            "{name}: {text}"
        );
        text.parse::<jiff::Timestamp>().expect("RFC 3339")
    };
    let shown = time("expires_at").duration_since(time("issued_at"));
    let lifetime_seconds = i64::try_from(lifetime.as_secs()).expect("a few seconds");
    assert_eq!(shown, jiff::SignedDuration::from_secs(lifetime_seconds));
    // A token got with the `token` method names both methods, in the order of a Python set
    // (Keystone's `list(set(...))`: it changes with the process's hash seed, so no client may
    // rely on it), and keeps the presented token's expiry; the Keystone double's do the same.
    let exchange = serde_json::json!({"auth": {
        "identity": {"methods": ["token"], "token": {"id": issued.id}},
        "scope": {"project": {"name": nova.demo.project, "domain": {"id": "default"}}}}});
    let exchanged = real_nova_tests::keystone::issue_token(&nova.keystone, &exchange)
        .expect("the token method gives a token");
    let methods = exchanged.body["token"]["methods"].as_array().cloned();
    let mut methods: Vec<String> = methods
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.as_str().map(String::from))
        .collect();
    methods.sort();
    assert_eq!(methods, ["password", "token"]);
    assert_eq!(
        exchanged.body["token"]["expires_at"],
        issued.body["token"]["expires_at"]
    );
    std::thread::sleep(lifetime + Duration::from_secs(2));
    // keystonemiddleware had the token cached as valid; it still refuses it once expired.
    assert_eq!(status(&issued.id), 401);
    // Presented to Keystone for a scoped one (OS_TOKEN), an expired or unknown token is a 404
    // with Keystone's reason, which cloud-auth reports as a refusal of the given token.
    let project = ProjectScope::Id(nova.demo_project_id.clone());
    for (token, reason) in [
        (issued.id.as_str(), "Failed to validate token"),
        ("gAAAAABnot-a-token", "Could not recognize Fernet token"),
    ] {
        let method = AuthMethod::Token(Secret::new(token.to_string()));
        let answer = runtime.block_on(Session::connect(options(
            &nova,
            method,
            Some(project.clone()),
        )));
        match answer {
            Err(AuthError::Refused {
                status, message, ..
            }) => {
                assert_eq!(status, 404, "{message}");
                assert!(message.contains(reason), "{message}");
            }
            other => panic!("expected Keystone's refusal, got {other:?}"),
        }
    }
    let fresh = nova.issue_token(&nova.demo).expect("a fresh token");
    assert_eq!(status(&fresh.id), 200);
    // The harness's own requests (a boot through its control endpoint) renew their tokens.
    let id = runtime.block_on(async {
        let body = serde_json::json!({"host": "compute2"});
        let path = nova.control_path("/servers");
        nova.request_as(&fresh.id, "POST", &path, Some(body)).await
    });
    assert_eq!(id.status, 200, "{id:?}");
}

/// `GET {keystone}{path}` with `token`; the status and the JSON body.
fn keystone_get(nova: &RealNova, path: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let url = format!("{}{path}", nova.keystone);
    let (status, head, body) = keystone::get(&url, headers).expect("Keystone answers");
    let body = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {head}\n{body}"));
    (status, body)
}

fn is_uuid_hex(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn bootstrap_makes_five_roles_with_uuid_ids_and_puts_identity_in_region_one_only() {
    if real_nova_tests::harness::disabled() {
        return;
    }
    let nova = RealNova::start().unwrap_or_else(|why| panic!("{why}"));
    let admin = [("X-Auth-Token", nova.admin_token())];
    let (status, listed) = keystone_get(&nova, "/roles", &admin);
    assert_eq!(status, 200, "{listed}");
    let roles = listed["roles"].as_array().expect("roles");
    let mut names: Vec<&str> = roles.iter().filter_map(|r| r["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["admin", "manager", "member", "reader", "service"]);
    let ids: Vec<&str> = roles.iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.iter().all(|id| is_uuid_hex(id)), "{listed}");
    // admin implies manager, member and reader (service implies nothing); the token names each
    // by its id.
    let issued = nova.issue_token(&nova.admin).expect("a token");
    let token = &issued.body["token"];
    let held = token["roles"].as_array().expect("roles");
    let mut held_names: Vec<&str> = held.iter().filter_map(|r| r["name"].as_str()).collect();
    held_names.sort_unstable();
    assert_eq!(held_names, ["admin", "manager", "member", "reader"]);
    assert!(
        held.iter()
            .all(|r| ids.contains(&r["id"].as_str().unwrap_or_default()))
    );
    // Listing roles is an admin's: a member gets Keystone's 403.
    let (status, refused) = keystone_get(&nova, "/roles", &[("X-Auth-Token", nova.demo_token())]);
    assert_eq!(status, 403, "{refused}");
    assert_eq!(
        refused["error"]["message"],
        "You are not authorized to perform the requested action: identity:list_roles."
    );
    // Identity endpoints only where bootstrap put them, while compute is in both regions.
    let catalog = token["catalog"].as_array().expect("a catalog");
    let regions = |service_type: &str| {
        let service = catalog.iter().find(|s| s["type"] == service_type);
        let endpoints = service.and_then(|s| s["endpoints"].as_array());
        let mut regions: Vec<&str> = endpoints
            .into_iter()
            .flatten()
            .filter_map(|e| e["region_id"].as_str())
            .collect();
        regions.sort_unstable();
        regions.dedup();
        regions
    };
    assert_eq!(regions("identity"), ["RegionOne"]);
    assert_eq!(regions("compute"), ["RegionOne", "RegionTwo"]);
}

#[test]
fn only_an_admin_a_service_user_or_its_own_user_may_validate_a_token() {
    if real_nova_tests::harness::disabled() {
        return;
    }
    let nova = RealNova::start().unwrap_or_else(|why| panic!("{why}"));
    let validate = |caller: &str, subject: &str| {
        let headers = [("X-Auth-Token", caller), ("X-Subject-Token", subject)];
        keystone_get(&nova, "/auth/tokens", &headers)
    };
    let (member, reader) = (nova.demo_token(), nova.reader_token());
    assert_eq!(validate(member, member).0, 200, "its own");
    let (status, refused) = validate(member, reader);
    assert_eq!(status, 403, "{refused}");
    assert_eq!(
        refused["error"]["message"],
        "You are not authorized to perform the requested action: identity:validate_token."
    );
    // The subject is looked up first: an unknown token is a 404 to the member too.
    assert_eq!(validate(member, "gAAAAABnot-a-token").0, 404);
    assert_eq!(validate(nova.admin_token(), reader).0, 200, "an admin");
    // A user with the service role only (as an operator adds one for a service).
    let service = service_only_user(&nova);
    let token = nova
        .issue_token(&service)
        .expect("the service user logs in");
    let roles = token.body["token"]["roles"].as_array().map(Vec::len);
    assert_eq!(roles, Some(1), "{}", token.body);
    assert_eq!(validate(&token.id, reader).0, 200, "a service user");
}

/// A new user `watcher` with role `service` on project demo, made through Keystone's API.
fn service_only_user(nova: &RealNova) -> Account {
    let admin = nova.admin_token();
    let headers = [("X-Auth-Token", admin)];
    let (_, listed) = keystone_get(nova, "/roles?name=service", &headers);
    let role = listed["roles"][0]["id"].as_str().expect("the service role");
    let password = "watcher-secret";
    let user = serde_json::json!({"user": {"name": "watcher", "password": password,
        "domain_id": "default"}});
    let url = format!("{}/users", nova.keystone);
    let (status, _, body) =
        keystone::send("POST", &url, &headers, &user.to_string()).expect("Keystone answers");
    assert_eq!(status, 201, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let user_id = created["user"]["id"].as_str().expect("a user id");
    let project = &nova.demo_project_id;
    let url = format!(
        "{}/projects/{project}/users/{user_id}/roles/{role}",
        nova.keystone
    );
    let (status, _, body) = keystone::send("PUT", &url, &headers, "").expect("Keystone answers");
    assert_eq!(status, 204, "{body}");
    Account {
        username: "watcher".into(),
        password: password.into(),
        project: nova.demo.project.clone(),
        user_id: user_id.to_string(),
    }
}
