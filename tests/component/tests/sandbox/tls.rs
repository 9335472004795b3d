//! A compute endpoint behind a private CA: reached when the host is told to trust that CA, and
//! refused (certificate error) with the default Mozilla roots — the denial twin.

use crate::bench::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    ServerConfig, crypto, pki_types::PrivateKeyDer, pki_types::PrivatePkcs8KeyDer,
};
use wasm_action_host::{ActionError, Phase, PhaseOutput};

/// A CA (its PEM file path) and an HTTPS server on localhost with a certificate it signed that
/// answers every request with 200 and `{}`.
async fn private_cloud(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("CA key")).expect("CA");
    let ca_path = dir.join("private-ca.pem");
    std::fs::write(&ca_path, ca.as_ref().pem()).expect("write the CA");
    let key = KeyPair::generate().expect("server key");
    let cert = CertificateParams::new(vec!["localhost".to_string()])
        .expect("params")
        .signed_by(&key, &ca)
        .expect("signed");
    let provider = Arc::new(crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = [0u8; 4096];
                let _ = tls.read(&mut request).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (ca_path, format!("https://localhost:{port}/v2.1"))
}

#[tokio::test]
async fn a_private_ca_endpoint_is_reached_when_the_host_trusts_the_ca() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, endpoint) = private_cloud(dir.path()).await;
    let scene = Scene::new().await;
    let mut call = scene.call.clone();
    call.compute_endpoint = endpoint;
    call.tls = Some(Arc::new(
        cloud_auth::tls_config(Some(&ca)).expect("the CA file is usable"),
    ));
    let (runtime, plugins) = bench();
    let params = serde_json::json!({"resource_id": "x"}).to_string();
    let answer = runtime
        .call(&plugins["well-behaved"], &call, Phase::Execute, &params)
        .await
        .expect("answers");
    let Ok(PhaseOutput::Outcome(outcome)) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "status 200");
}

#[tokio::test]
async fn the_same_endpoint_is_refused_with_the_default_roots() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, endpoint) = private_cloud(dir.path()).await;
    let scene = Scene::new().await;
    let mut call = scene.call.clone();
    call.compute_endpoint = endpoint;
    let (runtime, plugins) = bench();
    let params = serde_json::json!({"resource_id": "x"}).to_string();
    let answer = runtime
        .call(&plugins["well-behaved"], &call, Phase::Execute, &params)
        .await
        .expect("answers");
    let Err(ActionError::Transport(message)) = answer else {
        panic!("expected a transport error, got {answer:?}")
    };
    assert!(message.contains("Tls"), "{message}");
}
