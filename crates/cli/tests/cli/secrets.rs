//! Secrets from clouds.yaml and tokens from Keystone never show: not in output, logs, errors
//! or `--help`.

use crate::bench::*;
use keystone_double::{ADMIN_PASSWORD, APP_CREDENTIAL_SECRET};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_and_tokens_never_appear_in_any_output_log_or_error() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let params = json!({"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}).to_string();
    let wrong_server = json!({"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute9"}).to_string();
    let mut outputs = Vec::new();
    for format in ["text", "json"] {
        for (cloud_name, p) in [
            ("admin", &params),
            ("appcred", &wrong_server),
            ("wrong", &params),
        ] {
            let args = [
                "-vv",
                "--log-format",
                format,
                "run",
                "--os-cloud",
                cloud_name,
                "--params",
                p.as_str(),
            ];
            outputs.push(
                cloud
                    .run(
                        &args,
                        &[(
                            "RUST_LOG",
                            "debug,cranelift_codegen=info,regalloc2=info,wasmtime_cranelift=info",
                        )],
                    )
                    .await,
            );
        }
    }
    let env = [
        ("OS_PASSWORD", ADMIN_PASSWORD),
        ("OS_TOKEN", "admin:admin:admin,token-secret"),
    ];
    for args in [
        &["--help"][..],
        &["run", "--help"][..],
        &["apply", "--help"][..],
        &["serve", "--help"][..],
    ] {
        outputs.push(cloud.run(args, &env).await);
    }
    let tokens: Vec<String> = (1..=cloud.keystone.tokens_issued())
        .map(|n| format!("token-{n}"))
        .collect();
    assert!(!tokens.is_empty(), "Keystone issued tokens");
    assert_eq!(outputs[0].status.code(), Some(0), "{}", text(&outputs[0]));
    for output in &outputs {
        let all = text(output);
        for secret in [
            ADMIN_PASSWORD,
            APP_CREDENTIAL_SECRET,
            "not-the-password-xyzzy",
            "token-secret",
        ] {
            assert!(!all.contains(secret), "a secret leaked: {all}");
        }
        for token in &tokens {
            assert!(
                !all.contains(&format!("admin:admin:admin,{token}")),
                "a token leaked: {all}"
            );
        }
    }
}
