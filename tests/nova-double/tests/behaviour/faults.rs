//! Injected HTTP faults, the request log, concurrency and shutdown.

use std::time::{Duration, Instant};

use nova_double::{Fault, ServerSpec};
use tokio::net::TcpStream;

use crate::common::{get, raw_exchange, start};

#[tokio::test]
async fn drop_connection_fault_closes_without_response() {
    let nova = start().await;
    nova.inject(Fault::DropConnection {
        method: Some("GET".into()),
        path_contains: "/servers".into(),
        count: 1,
    });
    let request = "GET /v2.1/servers HTTP/1.1\r\nhost: nova\r\nx-auth-token: admin:admin\r\n\r\n";
    let stream = TcpStream::connect(nova.addr()).await.expect("connect");
    let answer = raw_exchange(&stream, request)
        .await
        .expect("the exchange ends");
    assert!(answer.is_empty(), "expected a bare close, got {answer:?}");
    assert_eq!(
        get(&nova, "/servers", "").await.status,
        200,
        "only one request is dropped"
    );
}

#[tokio::test]
async fn http_status_fault_answers_compute_fault_for_its_count() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute1"));
    nova.inject(Fault::HttpStatus {
        method: None,
        path_contains: id.clone(),
        status: 503,
        count: 2,
    });
    for _ in 0..2 {
        let answer = get(&nova, &format!("/servers/{id}"), "compute 2.56").await;
        assert_eq!(answer.status, 503);
        assert_eq!(answer.json()["computeFault"]["code"], 503);
    }
    assert_eq!(
        get(&nova, &format!("/servers/{id}"), "compute 2.56")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn slow_response_fault_delays_the_answer() {
    let nova = start().await;
    nova.inject(Fault::SlowResponse {
        method: None,
        path_contains: "/os-services".into(),
        delay: Duration::from_millis(300),
        count: 1,
    });
    let started = Instant::now();
    let answer = get(&nova, "/os-services", "compute 2.53").await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn cleared_faults_do_not_happen() {
    let nova = start().await;
    nova.inject(Fault::HttpStatus {
        method: None,
        path_contains: "/servers".into(),
        status: 500,
        count: 1,
    });
    nova.clear_faults();
    assert_eq!(get(&nova, "/servers", "").await.status, 200);
}

#[tokio::test]
async fn requests_are_recorded_in_order_with_lowercase_headers() {
    let nova = start().await;
    get(&nova, "/os-migrations?instance_uuid=x", "compute 2.80").await;
    get(&nova, "/servers", "").await;
    let requests = nova.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("GET", "/v2.1/os-migrations")
    );
    assert_eq!(requests[0].query.as_deref(), Some("instance_uuid=x"));
    assert_eq!(
        requests[0].header("OpenStack-API-Version"),
        Some("compute 2.80")
    );
    assert!(
        requests[0]
            .headers
            .iter()
            .all(|(name, _)| *name == name.to_lowercase())
    );
    nova.clear_requests();
    assert!(nova.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_connections_are_served() {
    let nova = start().await;
    let ids: Vec<String> = (0..300)
        .map(|i| {
            nova.add_server(ServerSpec::active(
                ["compute1", "compute2", "compute3"][i % 3],
            ))
        })
        .collect();
    let nova = std::sync::Arc::new(nova);
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let nova = nova.clone();
        tasks.spawn(async move {
            get(&nova, &format!("/servers/{id}"), "compute 2.56")
                .await
                .status
        });
    }
    let mut ok = 0;
    while let Some(status) = tasks.join_next().await {
        ok += usize::from(status.expect("task") == 200);
    }
    assert_eq!(ok, 300);
}

#[tokio::test]
async fn dropping_the_double_stops_serving() {
    let nova = start().await;
    let addr = nova.addr();
    nova.shutdown();
    tokio::task::yield_now().await;
    let answered = match TcpStream::connect(addr).await {
        Ok(stream) => raw_exchange(&stream, "GET / HTTP/1.1\r\nhost: nova\r\n\r\n").await,
        Err(_) => Ok(Vec::new()),
    };
    assert!(
        answered.unwrap_or_default().is_empty(),
        "the double still answers"
    );
}
