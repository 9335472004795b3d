//! Resolving credentials from clouds.yaml, secure.yaml, OS_* variables and overrides.

use cloud_auth::{
    AuthError, AuthMethod, AuthOptions, CredentialRef, DomainRef, Interface, Overrides,
    ProjectScope, UserRef,
};

use crate::support::{env, resolve, tempdir, write};

const CLOUDS: &str = "
clouds:
  devstack:
    auth:
      auth_url: http://keystone.devstack:5000/v3
      username: demo
      password: demo-pass
      project_name: demo
      user_domain_name: Users
      project_domain_id: default
    region_name: RegionOne
    interface: internal
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.prod
      application_credential_id: ac-1
      application_credential_secret: ac-secret
";

#[test]
fn cloud_from_clouds_yaml_on_the_search_path_is_resolved() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("openstack")).expect("mkdir");
    write(&dir.path().join("openstack"), "clouds.yaml", CLOUDS);
    let xdg = dir.path().to_string_lossy().to_string();
    let options = resolve(&[("OS_CLOUD", "devstack"), ("XDG_CONFIG_HOME", &xdg)]);
    let options = options.expect("devstack resolves");
    assert_eq!(
        options.auth_url.as_deref(),
        Some("http://keystone.devstack:5000/v3")
    );
    let user = UserRef::Name {
        name: "demo".into(),
        domain: DomainRef::Name("Users".into()),
    };
    assert!(
        matches!(&options.method, AuthMethod::Password { user: u, password }
        if *u == user && password.expose() == "demo-pass")
    );
    let project = ProjectScope::Name {
        name: "demo".into(),
        domain: DomainRef::Id("default".into()),
    };
    assert_eq!(options.project, Some(project));
    assert_eq!(options.region.as_deref(), Some("RegionOne"));
    assert_eq!(options.interface, Interface::Internal);
}

#[test]
fn os_variables_alone_resolve_a_password_login_with_default_domains() {
    let options = resolve(&[
        ("OS_AUTH_URL", "http://k:5000"),
        ("OS_USERNAME", "admin"),
        ("OS_PASSWORD", "pw"),
        ("OS_PROJECT_ID", "p-1"),
        ("OS_CACERT", "/etc/ssl/ca.pem"),
    ])
    .expect("resolves");
    let user = UserRef::Name {
        name: "admin".into(),
        domain: DomainRef::Id("default".into()),
    };
    assert!(matches!(&options.method, AuthMethod::Password { user: u, .. } if *u == user));
    assert_eq!(options.project, Some(ProjectScope::Id("p-1".into())));
    assert_eq!(options.interface, Interface::Public);
    assert_eq!(options.region, None);
    assert_eq!(
        options.ca_file.as_deref(),
        Some(std::path::Path::new("/etc/ssl/ca.pem"))
    );
}

#[test]
fn overrides_beat_os_variables_which_beat_clouds_yaml() {
    let dir = tempdir();
    let file = write(dir.path(), "clouds.yaml", CLOUDS);
    let vars = env(&[
        ("OS_CLIENT_CONFIG_FILE", &file.to_string_lossy()),
        ("OS_CLOUD", "appcred"),
        ("OS_REGION_NAME", "RegionTwo"),
        ("OS_INTERFACE", "admin"),
        ("OS_AUTH_URL", "https://keystone.env"),
    ]);
    let overrides = Overrides {
        cloud: Some("devstack".into()),
        region: Some("RegionThree".into()),
        ..Overrides::default()
    };
    let options = AuthOptions::resolve(&overrides, &vars).expect("resolves");
    // --os-cloud picked devstack over OS_CLOUD; OS_AUTH_URL beat its auth_url, the region
    // override beat OS_REGION_NAME, OS_INTERFACE beat its interface.
    assert!(matches!(options.method, AuthMethod::Password { .. }));
    assert_eq!(options.auth_url.as_deref(), Some("https://keystone.env"));
    assert_eq!(options.region.as_deref(), Some("RegionThree"));
    assert_eq!(options.interface, Interface::Admin);
}

#[test]
fn unknown_cloud_names_the_file_and_the_clouds_in_it() {
    let dir = tempdir();
    let file = write(dir.path(), "clouds.yaml", CLOUDS);
    let path = file.to_string_lossy().to_string();
    let error = resolve(&[("OS_CLIENT_CONFIG_FILE", &path), ("OS_CLOUD", "prod")]).err();
    assert!(
        matches!(error, Some(AuthError::CloudNotFound { .. })),
        "{error:?}"
    );
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        text,
        format!("cloud 'prod' not found in {path} (clouds there: devstack, appcred)")
    );
}

#[test]
fn named_cloud_without_a_clouds_yaml_lists_where_it_looked() {
    let dir = tempdir();
    let home = dir.path().to_string_lossy().to_string();
    let error = resolve(&[("OS_CLOUD", "prod"), ("HOME", &home)]).err();
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with("cloud 'prod' was asked for, but there is no clouds.yaml"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{home}/.config/openstack/clouds.yaml")),
        "{text}"
    );
    assert!(text.contains("/etc/openstack/clouds.yaml"), "{text}");
}

#[test]
fn missing_password_says_which_cloud_and_variable_to_set() {
    let dir = tempdir();
    let text = CLOUDS.replace("      password: demo-pass\n", "");
    let file = write(dir.path(), "clouds.yaml", &text);
    let path = file.to_string_lossy().to_string();
    let error = resolve(&[("OS_CLIENT_CONFIG_FILE", &path), ("OS_CLOUD", "devstack")]).err();
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        text,
        format!("no password: set auth.password in cloud 'devstack' of {path}, or OS_PASSWORD")
    );
}

#[test]
fn missing_auth_url_without_a_cloud_suggests_naming_one() {
    let error = resolve(&[("OS_USERNAME", "demo"), ("OS_PASSWORD", "pw")]).err();
    assert!(
        matches!(
            error,
            Some(AuthError::Missing {
                what: "auth_url",
                ..
            })
        ),
        "{error:?}"
    );
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("OS_AUTH_URL") && text.contains("OS_CLOUD"),
        "{text}"
    );
}

#[test]
fn password_login_without_a_project_is_refused_before_keystone() {
    let error = resolve(&[
        ("OS_AUTH_URL", "http://k"),
        ("OS_USERNAME", "u"),
        ("OS_PASSWORD", "p"),
    ]);
    let text = error.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with("no project: set OS_PROJECT_NAME or OS_PROJECT_ID"),
        "{text}"
    );
}

#[test]
fn secure_yaml_beside_clouds_yaml_supplies_the_password() {
    let dir = tempdir();
    let clouds = CLOUDS.replace("      password: demo-pass\n", "");
    let file = write(dir.path(), "clouds.yaml", &clouds);
    write(
        dir.path(),
        "secure.yaml",
        "clouds:\n  devstack:\n    auth:\n      password: from-secure\n",
    );
    let path = file.to_string_lossy().to_string();
    let options = resolve(&[("OS_CLIENT_CONFIG_FILE", &path), ("OS_CLOUD", "devstack")]);
    let options = options.expect("resolves with secure.yaml");
    assert!(
        matches!(&options.method, AuthMethod::Password { password, .. }
        if password.expose() == "from-secure")
    );
}

#[test]
fn application_credential_is_inferred_from_its_secret_and_never_scoped() {
    let options = resolve(&[
        ("OS_AUTH_URL", "http://k"),
        ("OS_APPLICATION_CREDENTIAL_NAME", "watcher"),
        ("OS_APPLICATION_CREDENTIAL_SECRET", "s3"),
        ("OS_USERNAME", "admin"),
        ("OS_PROJECT_NAME", "ignored"),
    ])
    .expect("resolves");
    let expected = CredentialRef::Name {
        name: "watcher".into(),
        user: UserRef::Name {
            name: "admin".into(),
            domain: DomainRef::Id("default".into()),
        },
    };
    assert!(
        matches!(&options.method, AuthMethod::ApplicationCredential { credential, .. }
        if *credential == expected)
    );
    assert_eq!(options.project, None);
}

#[test]
fn given_token_with_a_compute_endpoint_needs_no_auth_url() {
    let vars = env(&[("OS_TOKEN", "tok"), ("OS_AUTH_TYPE", "v3token")]);
    let overrides = Overrides {
        compute_endpoint: Some("http://nova:8774/v2.1/".into()),
        ..Overrides::default()
    };
    let options = AuthOptions::resolve(&overrides, &vars).expect("resolves");
    assert_eq!(options.auth_url, None);
    assert_eq!(
        options.compute_endpoint.as_deref(),
        Some("http://nova:8774/v2.1")
    );
    assert!(matches!(&options.method, AuthMethod::Token(t) if t.expose() == "tok"));
}

#[test]
fn unsupported_auth_type_and_interface_are_named() {
    let base = [
        ("OS_AUTH_URL", "http://k"),
        ("OS_USERNAME", "u"),
        ("OS_PASSWORD", "p"),
        ("OS_PROJECT_ID", "x"),
    ];
    let oidc = [&base[..], &[("OS_AUTH_TYPE", "v3oidcpassword")]].concat();
    let text = resolve(&oidc)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        text.starts_with("auth type 'v3oidcpassword' is not supported"),
        "{text}"
    );
    let interface = [&base[..], &[("OS_INTERFACE", "private")]].concat();
    let text = resolve(&interface)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        text,
        "interface 'private' is not valid: use public, internal or admin"
    );
}

#[test]
fn broken_clouds_yaml_is_reported_without_its_content() {
    let dir = tempdir();
    let file = write(
        dir.path(),
        "clouds.yaml",
        "clouds:\n  a:\n    auth: {password: \"s3cr3t\n",
    );
    let path = file.to_string_lossy().to_string();
    let error = resolve(&[("OS_CLIENT_CONFIG_FILE", &path), ("OS_CLOUD", "a")]).err();
    assert!(
        matches!(error, Some(AuthError::ConfigFile { .. })),
        "{error:?}"
    );
    let shown = format!(
        "{error:?} {}",
        error.as_ref().map(|e| e.to_string()).unwrap_or_default()
    );
    assert!(
        shown.contains(&path) && !shown.contains("s3cr3t"),
        "{shown}"
    );
}
